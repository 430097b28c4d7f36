// tdist.h: Student's t distribution with real degrees of freedom df > 0 (df = +inf is the
// standard normal): the cdf, the survival function and the quantile, each to about 1e-13
// relative, in the far tails too. Pure computation: no globals, no allocation, thread-safe.
#ifndef TDIST_H
#define TDIST_H

// P(T <= t). t may be +-inf; NaN for NaN arguments or df <= 0.
double tdist_cdf(double t, double df);

// P(T > t), computed directly (no 1 - cdf cancellation): tdist_sf(t, df) == tdist_cdf(-t, df).
double tdist_sf(double t, double df);

// The t with P(T <= t) = p for p in (0, 1); -inf at p = 0, +inf at p = 1 (and where the
// quantile exceeds the largest double); NaN for p outside [0, 1], NaN arguments or df <= 0.
double tdist_quantile(double p, double df);

#endif
