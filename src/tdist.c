// tdist.c: Student's t distribution, through the regularized incomplete beta function I.
//
// For t >= 0, with x = df / (df + t^2) and y = t^2 / (df + t^2) each computed directly (never
// as 1 minus the other) and a = df / 2 (Abramowitz and Stegun 26.7.1 with 26.5.27):
//     P(T > t) = I_x(a, 1/2) / 2,    P(0 < T < t) = I_y(1/2, a) / 2,    and the two add up to 1/2.
// Past the switch y = 3 / (df + 5) (Numerical Recipes 6.4: x < (a + 1) / (a + 1/2 + 2)) the tail
// comes from the continued fraction of I_x(a, 1/2); before it, the centre from the series of
// I_y(1/2, a), whose terms are all positive; the other half is 1/2 minus the one computed, so a
// tail probability never comes from a 1 - cdf cancellation. The prefactor x^a y^b / (a B(a, b))
// is taken in logs, with ln x = -ln(1 + t^2 / df) (so that a ln x keeps its digits for large
// df) and ln B from Stirling's series when an argument is large (a difference of two large
// lgammas would lose digits there). Beyond df = 1e30, and at df = +inf, it is the standard
// normal (erf, erfc), equal to the t distribution there to double precision.
//
// The quantile starts from Hill's (1970) Algorithm 396 (which needs the normal quantile:
// Wichura's AS 241) and is polished by Newton's method kept inside a bracket: on
// P(0 < T < t) = |p - 1/2| in the centre, and on ln P(T > t) = ln s against u = ln t in the
// tails, so that both the residual and the step keep full relative accuracy.
//
// Accuracy (against mpmath at 60 digits, tests/unit/test_tdist.c): about 1e-13 relative for
// the cdf and sf down to 1e-300 (the exponent of a tail that small is itself only good to an
// ulp of ~700), and for the quantile; the normal's tail (erfc of t / sqrt 2) to about t^2 1e-16.
#include "tdist.h"

#include <float.h>
#include <math.h>

enum {
    CF_MAX_ITER = 100000,     // series and continued-fraction terms: at most ~75 are needed (df 0.05 to 1e8)
    NEWTON_MAX_ITER = 2000,   // Newton takes at most ~12 steps; bisection is the safety net
};
#define NEWTON_TOL 1e-11      // stop after a relative step this small: the error left is its square
// Beyond this df the t distribution is the normal to double precision: their tails differ by a
// factor of about 1 + t^4 / (4 df), and by t ~ df^(1/2) both are far below the smallest double.
#define DF_NORMAL 1e30

static double log_gamma(double z) {
    int sign;                 // lgamma_r: lgamma without the global signgam
    return lgamma_r(z, &sign);
}

// Stirling's series remainder w(z) = lgamma(z) - [(z - 1/2) ln z - z + ln(2 pi) / 2] for z >= 10:
// sum over k = 1..7 of B_2k / (2k (2k - 1) z^(2k - 1)); the first omitted term is below 3e-17.
static double stirling_tail(double z) {
    double u = 1 / (z * z);
    return (1.0 / 12 + u * (-1.0 / 360 + u * (1.0 / 1260 + u * (-1.0 / 1680 + u * (1.0 / 1188
            + u * (-691.0 / 360360 + u * (1.0 / 156))))))) / z;
}

// lgamma(a) - lgamma(a + b) for a >= 10, b > 0, from Stirling's series with the large terms
// cancelled by hand: b - (a - 1/2) ln(1 + b/a) - b ln(a + b) + w(a) - w(a + b).
static double log_gamma_ratio(double a, double b) {
    return (b - (a - 0.5) * log1p(b / a)) - b * log(a + b) + (stirling_tail(a) - stirling_tail(a + b));
}

// ln B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), the two large terms through
// log_gamma_ratio when the larger argument is 10 or more.
static double log_beta(double a, double b) {
    double lo = fmin(a, b), hi = fmax(a, b);
    if (hi < 10) return log_gamma(lo) + log_gamma(hi) - log_gamma(lo + hi);
    return log_gamma(lo) + log_gamma_ratio(hi, lo);
}

static double guard(double v) { return fabs(v) < 1e-300 ? 1e-300 : v; }   // Lentz's guard against 0

// The continued fraction of I_x(a, b), y = 1 - x (Numerical Recipes 6.4; DLMF 8.17.22):
// I_x(a, b) = x^a y^b / (a B(a, b)) / (1 + d_1 / (1 + d_2 / (1 + ...))), with
// d_(2m) = m (b - m) x / ((a + 2m - 1)(a + 2m)), d_(2m+1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
// Returns 1 / (1 + d_1 / (...)) by the modified Lentz method two terms at a time: from the state
// (c, d) after an odd term, the pair 2m, 2m + 1 with q = d_(2m) d, r = d_(2m) / c, e = 1 + d_(2m+1)
// multiplies the value by (r + e) / (q + e) and leaves d = (1 + q) / (q + e), c = (r + e) / (1 + r).
// e is taken in its form without cancellation,
//     e = (a (2m + 1 - b) + m (3m + 2 - b) + (a + m)(a + b + m) y) / ((a + 2m)(a + 2m + 1)):
// for large a, d_(2m+1) is close to -1 and 1 + d_(2m+1) would lose as many digits as the value
// (about a / (1 + t^2) here) is large. Converges fast for x < (a + 1) / (a + b + 2).
static double beta_cf(double a, double b, double x, double y) {
    double e = ((1 - b) + (a + b) * y) / (a + 1);                          // 1 + d_1, the m = 0 case of e
    double d = 1 / guard(e), c = 1, h = d;
    for (int m = 1; m <= CF_MAX_ITER; m++) {
        double d2m = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));    // d_(2m)
        e = (a * (2 * m + 1 - b) + m * (3.0 * m + 2 - b) + (a + m) * (a + b + m) * y)
            / ((a + 2 * m) * (a + 2 * m + 1));                             // 1 + d_(2m+1)
        double q = d2m * d, r = d2m / c, qe = guard(q + e);
        h *= (r + e) / qe;
        d = (1 + q) / qe;
        c = guard((r + e) / guard(1 + r));
        if (fabs(r - q) <= DBL_EPSILON * fabs(qe)) break;                  // the factor is 1 to rounding
    }
    return h;
}

// The hypergeometric series of I_x(a, b) (DLMF 8.17.8), every term positive:
// I_x(a, b) = x^a y^b / (a B(a, b)) * sum_n (a + b)_n / (a + 1)_n x^n. Returns the sum; the term
// ratio (a + b + n) x / (a + 1 + n) falls below 1 from the first term on where x < (a + 1) / (a + b + 1).
static double beta_series(double a, double b, double x) {
    double term = 1, sum = 1;
    for (int n = 0; n < CF_MAX_ITER; n++) {
        term *= (a + b + n) * x / (a + 1 + n);                             // (a + b)_(n+1) / (a + 1)_(n+1) x^(n+1)
        sum += term;
        if (term <= DBL_EPSILON / 4 * sum) break;
    }
    return sum;
}

// x^a y^b / (a B(a, b)) * s, given log_x = ln x, log_y = ln y and s > 0; in logs so that a
// prefactor below the smallest double (large a) does not take s's digits with it.
static double beta_front_times(double a, double b, double log_x, double log_y, double s) {
    return exp(a * log_x + b * log_y - log_beta(a, b) - log(a) + log(s));
}

// x = df / (df + t^2), y = t^2 / (df + t^2) and their logarithms, for t >= 0 and finite df.
typedef struct {
    double x, y, log_x, log_y;
} BetaArg;

static BetaArg beta_arg(double t, double df) {
    BetaArg g;
    double t2 = t * t, u = t2 / df;                                        // u = t^2 / df
    if (isfinite(u) && isfinite(df + t2)) {
        g.x = df / (df + t2);
        g.y = t2 / (df + t2);
        g.log_x = -log1p(u);                                               // ln x = -ln(1 + t^2 / df)
        g.log_y = t2 >= DBL_MIN ? log(g.y) : 2 * log(t) - log(df + t2);    // ln y = 2 ln t - ln(df + t^2)
    } else {                                                               // t^2 / df overflows: x is tiny
        g.log_x = log(df) - 2 * log(t) - log1p(df / t / t);                // ln x = ln df - 2 ln t - ln(1 + df / t^2)
        g.x = exp(g.log_x);
        g.y = -expm1(g.log_x);                                             // y = 1 - x
        g.log_y = log1p(-g.x);                                             // ln y = ln(1 - x)
    }
    return g;
}

// P(T > t) and P(0 < T < t) for t >= 0 (they add up to 1/2), each to full relative accuracy
// where it is the smaller one.
static void t_halves(double t, double df, double *upper, double *centre) {
    if (df > DF_NORMAL) {
        *upper = 0.5 * erfc(t * M_SQRT1_2);                                // P(Z > t) = erfc(t / sqrt 2) / 2
        *centre = 0.5 * erf(t * M_SQRT1_2);                                // P(0 < Z < t) = erf(t / sqrt 2) / 2
        return;
    }
    double a = df / 2;
    BetaArg g = beta_arg(t, df);
    if (g.y > 1.5 / (a + 2.5)) {              // x < (a + 1) / (a + 5/2): P(T > t) = I_x(df/2, 1/2) / 2
        *upper = 0.5 * beta_front_times(a, 0.5, g.log_x, g.log_y, beta_cf(a, 0.5, g.x, g.y));
        *centre = 0.5 - *upper;
    } else {                                                               // P(0 < T < t) = I_y(1/2, df/2) / 2
        *centre = 0.5 * beta_front_times(0.5, a, g.log_y, g.log_x, beta_series(0.5, a, g.y));
        *upper = 0.5 - *centre;
    }
}

// ln f(t), the log density at t >= 0.
static double t_log_pdf(double t, double df) {
    if (df > DF_NORMAL) return -0.5 * t * t - 0.5 * log(2 * M_PI);             // ln(exp(-t^2/2) / sqrt(2 pi))
    BetaArg g = beta_arg(t, df);
    // f = (1 + t^2/df)^(-(df+1)/2) / (sqrt(df) B(df/2, 1/2)) = x^((df+1)/2) / (sqrt(df) B(df/2, 1/2))
    return (df + 1) / 2 * g.log_x - 0.5 * log(df) - log_beta(df / 2, 0.5);
}

double tdist_sf(double t, double df) {
    if (isnan(t) || !(df > 0)) return NAN;
    double upper, centre;
    t_halves(fabs(t), df, &upper, &centre);
    return t >= 0 ? upper : 0.5 + centre;                                  // P(T > -|t|) = 1/2 + P(0 < T < |t|)
}

double tdist_cdf(double t, double df) { return tdist_sf(-t, df); }         // P(T <= t) = P(T > -t)

// The standard normal quantile, Wichura (1988) Algorithm AS 241 (PPND16), about 1e-16 relative.
static double normal_quantile(double p) {
    double q = p - 0.5, r, val;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                         + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                      + 133.14166789178437745) * r + 3.387132872796366608)
               / (((((((r * 5226.4952788528545610 + 28729.085735721942674) * r + 39307.895800092710610) * r
                       + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.18700749205790830) * r
                    + 42.313330701600911252) * r + 1);
    }
    r = sqrt(-log(q < 0 ? p : 1 - p));                                     // min(p, 1 - p) = exp(-r^2)
    if (r <= 5) {
        r -= 1.6;
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                    + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                 + 4.6303378461565452959) * r + 1.42343711074968357734)
              / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                      + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                   + 2.05319162663775882187) * r + 1);
    } else {
        r -= 5;
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                    + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                 + 5.4637849111641143699) * r + 6.6579046435011037772)
              / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                      + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                   + 0.59983220655588793769) * r + 1);
    }
    return q < 0 ? -val : val;
}

// A start for the t > 0 with P(T > t) = s, 0 < s <= 1/2, df >= 1: Hill (1970), Algorithm 396,
// as R's qt uses it (two-sided probability P = 2 s).
static double hill_start(double s, double df) {
    double P = 2 * s;
    double a = 1 / (df - 0.5), b = 48 / (a * a);
    double c = ((20700 * a / b - 98) * a - 16) * a + 96.36;
    double d = ((94.5 / (b + c) - 3) / b + 1) * sqrt(a * M_PI_2) * df;
    double y = pow(d * P, 2 / df);
    if ((df < 2.1 && P > 0.5) || y > 0.05 + a) {                           // inverse expansion about the normal
        double x = normal_quantile(s);                                     // P(Z < x) = s, x <= 0
        y = x * x;
        if (df < 5) c += 0.3 * (df - 4.5) * (x + 0.6);
        c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
        y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
        return sqrt(df * expm1(a * y * y));
    }
    if (y < DBL_EPSILON) return sqrt(df) * exp(-(log(d) + log(P)) / df);  // sqrt(df / y), y = (d P)^(2/df) underflows
    y = ((1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) + 0.5 / (df + 4)) * y - 1)
        * (df + 1) / (df + 2) + 1 / y;
    return sqrt(df * y);
}

// The t > 0 with P(0 < T < t) = h, 0 < h <= 1/4: Newton's method t' = t - (P(0 < T < t) - h) / f(t),
// bisecting whenever a (not yet tiny) step leaves the bracket [lo, hi] of the root.
static double solve_centre(double h, double df, double t) {
    double lo = 0, hi = INFINITY;
    for (int i = 0; i < NEWTON_MAX_ITER; i++) {
        double upper, centre;
        t_halves(t, df, &upper, &centre);
        double r = centre - h;
        if (r == 0) return t;
        if (r < 0) lo = t;
        else hi = t;
        double next = t - r / exp(t_log_pdf(t, df));                       // Newton on t
        if (fabs(next - t) <= NEWTON_TOL * t) return next;                 // the error left is about its square
        if (!(next > lo && next < hi)) next = isinf(hi) ? 2 * fmax(t, lo) : 0.5 * (lo + hi);
        t = next;
    }
    return t;
}

// The t > 0 with P(T > t) = s, 0 < s < 1/4, or +inf where t exceeds DBL_MAX: Newton's method on
// g(u) = ln P(T > e^u) - ln s, whose slope is -t f(t) / P(T > t): u' = u + g(u) P(T > t) / (t f(t)),
// bisecting (geometrically) whenever a (not yet tiny) step leaves the bracket [lo, hi] of the root.
static double solve_tail(double s, double df, double t) {
    double upper, centre, log_s = log(s), lo = 0, hi = DBL_MAX;
    t_halves(hi, df, &upper, &centre);
    if (upper > s) return INFINITY;                                        // P(T > DBL_MAX) > s
    if (!(t > 0 && t < hi)) t = hi;
    for (int i = 0; i < NEWTON_MAX_ITER; i++) {
        t_halves(t, df, &upper, &centre);
        double log_upper = log(upper), g = log_upper - log_s;
        if (g == 0) return t;
        if (g > 0) lo = t;
        else hi = t;
        double next = t * exp(g * exp(log_upper - log(t) - t_log_pdf(t, df)));   // u' = u + g S / (t f)
        if (fabs(next - t) <= NEWTON_TOL * t) return next;                 // the error left is about its square
        if (!(next > lo && next < hi)) next = lo > 0 ? sqrt(lo) * sqrt(hi) : 0.5 * hi;
        t = next;
    }
    return t;
}

double tdist_quantile(double p, double df) {
    if (isnan(p) || !(df > 0) || p < 0 || p > 1) return NAN;
    if (p == 0) return -INFINITY;
    if (p == 1) return INFINITY;
    if (p == 0.5) return 0;
    double s = p < 0.5 ? p : 1 - p;                                        // P(T > |t|); 1 - p is exact for p >= 1/2
    double t;
    if (s >= 0.25) {
        double h = fabs(p - 0.5);                                          // P(0 < T < |t|), exact for p in [1/4, 3/4]
        double start = df > DF_NORMAL ? -normal_quantile(s)
                       : df >= 1 ? hill_start(s, df)
                                 : h / exp(t_log_pdf(0, df));              // below the root: P(0 < T < t) <= f(0) t
        t = solve_centre(h, df, start);
    } else {
        double start;
        if (df > DF_NORMAL) start = -normal_quantile(s);
        else if (df >= 1) start = hill_start(s, df);
        else {
            // P(T > t) >= x^a / (2 a B(a, 1/2)) (the hypergeometric series of I_x(a, 1/2) has terms >= 0):
            // solve that bound for x, then t = sqrt(df (1 - x) / x).
            double a = df / 2, log_x = (log(2 * s) + log(a) + log_beta(a, 0.5)) / a;
            start = sqrt(df * expm1(-log_x));
        }
        t = solve_tail(s, df, start);
    }
    return p < 0.5 ? -t : t;
}
