// mlp_math.h: the canonical scalar maths of the network's kernels (include/mlp.h, top comment).
//
// Contract: every function here is one fixed sequence of IEEE operations and exact integer
// arithmetic on bits, with explicit fused multiply-adds, so it gives the same bits on every
// machine. Scalars in, scalar out; NaN passes through (its sign and payload are not
// reproducible: see mlp.h). Always inlined, so that inside the AVX2 functions fma() becomes the
// vfmadd instruction and elsewhere a call to libm's correctly rounded fma(): the same bits
// either way, and no call in the kernels' inner loops. include/mlp_math_avx2.h repeats each
// step lane by lane (exp4, tanh4, log1p01_4, act4, dact4); the public mlp_exp, mlp_tanh,
// mlp_log1p01, mlp_log, mlp_sigmoid, mlp_bce_from_logit and mlp_activate (src/mlp.c) wrap these.
// Internal to the mlp_* files.
#ifndef MLP_MATH_H
#define MLP_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mlp.h"

#define MLP_INLINE static inline __attribute__((always_inline))

MLP_INLINE uint64_t bits_of(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
MLP_INLINE double double_of(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }
// The one NaN that results are normalised to: positive, quiet, no payload (what NAN is on
// GCC and Clang, spelt out).
#define CANONICAL_NAN double_of(0x7ff8000000000000ull)

// exp(x): x = k ln2 + r with |r| <= ln2/2, exp(r) by its Taylor series to degree 13 (truncation
// below 0.05 ulp), times 2^k1 then 2^k2 (k1 = k/2 rounded to even, k2 = k - k1: both factors
// normal, the first product exact, so one rounding at most, for subnormal results). About 1 ulp.
// Every step is an IEEE operation or exact integer arithmetic on bits, which exp4 in the AVX2
// path repeats lane by lane.
#define EXP_SHIFT 0x1.8p52   // t = SHIFT + k with |k| < 2^51 holds k in the low bits of t
#define EXP_LO (-745.2)      // below: 0
#define EXP_HI 709.78        // above: inf
// q(r) = 1 + r P(r) with exp(r) = 1 + r q(r) for |r| <= ln2/2: P(r) = sum of r^i / (i+2)! for
// i = 0..11 by Estrin's scheme (short dependency chains; its rounding is damped by r^2 <= 0.13).
MLP_INLINE double expq_c(double r) {
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double q0 = fma(1.0 / 6.0, r, 1.0 / 2.0), q1 = fma(1.0 / 120.0, r, 1.0 / 24.0);
    double q2 = fma(1.0 / 5040.0, r, 1.0 / 720.0), q3 = fma(1.0 / 362880.0, r, 1.0 / 40320.0);
    double q4 = fma(1.0 / 39916800.0, r, 1.0 / 3628800.0);
    double q5 = fma(1.0 / 6227020800.0, r, 1.0 / 479001600.0);
    double u0 = fma(q1, r2, q0), u1 = fma(q3, r2, q2), u2 = fma(q5, r2, q4);
    double P = fma(u2, r8, fma(u1, r4, u0));
    return fma(P, r, 1.0);
}

MLP_INLINE double exp_c(double x) {
    if (x != x) return x;
    if (x > EXP_HI) return INFINITY;
    if (x < EXP_LO) return 0.0;
    double kd = fma(x, 0x1.71547652b82fep0, EXP_SHIFT) - EXP_SHIFT;   // round(x / ln2)
    double r = fma(kd, -0x1.62e42fefa39efp-1, x);                     // x - kd ln2, ln2 in two parts
    r = fma(kd, -0x1.abc9e3b39803fp-56, r);
    double p = fma(expq_c(r), r, 1.0);                                 // exp(r) = 1 + r q(r)
    double t1 = fma(kd, 0.5, EXP_SHIFT);                               // SHIFT + k1
    double t2 = (kd - (t1 - EXP_SHIFT)) + EXP_SHIFT;                   // SHIFT + k2
    double s1 = double_of((bits_of(t1) - bits_of(EXP_SHIFT) + 1023) << 52);   // 2^k1
    double s2 = double_of((bits_of(t2) - bits_of(EXP_SHIFT) + 1023) << 52);   // 2^k2
    return (p * s1) * s2;                                              // exp(x) = exp(r) 2^k1 2^k2
}

// log1p(u) for u in [0, 1] (NaN passes through): 2 atanh(s) = 2s + 2s t q(t), s = u / (2 + u) in
// [0, 1/3], t = s^2, the series to s^33 (truncation below 0.1 ulp). About 2 ulp. The same series
// holds for u in [-1/2, 0) (s in [-1/3, 0)), which log_c below uses.
MLP_INLINE double log1p01_c(double u) {
    double s = u / (2.0 + u), t = s * s;
    // q(t) = sum of t^k / (2k + 3) for k = 0..15, by Estrin's scheme
    double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
    double a0 = fma(1.0 / 5.0, t, 1.0 / 3.0), a1 = fma(1.0 / 9.0, t, 1.0 / 7.0);
    double a2 = fma(1.0 / 13.0, t, 1.0 / 11.0), a3 = fma(1.0 / 17.0, t, 1.0 / 15.0);
    double a4 = fma(1.0 / 21.0, t, 1.0 / 19.0), a5 = fma(1.0 / 25.0, t, 1.0 / 23.0);
    double a6 = fma(1.0 / 29.0, t, 1.0 / 27.0), a7 = fma(1.0 / 33.0, t, 1.0 / 31.0);
    double b0 = fma(a1, t2, a0), b1 = fma(a3, t2, a2), b2 = fma(a5, t2, a4), b3 = fma(a7, t2, a6);
    double q = fma(fma(b3, t4, b2), t8, fma(b1, t4, b0));
    double ts = s + s;
    return fma(ts, t * q, ts);                                         // 2s + 2s t q(t)
}

// log(x), any x (the softmax head's logsumexp; the same bits everywhere, unlike glibc's log):
// x = 2^k f from the bits, f in [sqrt(1/2), sqrt(2)) (subnormal x scaled by 2^54 first, exactly),
// then log x = k ln2 + log1p(f - 1), f - 1 exact and in [-0.293, 0.415), where log1p01_c's
// series holds as well (|s| <= 0.172 < 1/3), and k ln2 in exp's two parts:
// fma(k, LN2_HI, fma(k, LN2_LO, log1p(f - 1))). About 2 ulp. log(+0) = -inf, log(+inf) = +inf,
// log of a negative number NaN, NaN passes.
#define LN2_HI 0x1.62e42fefa39efp-1
#define LN2_LO 0x1.abc9e3b39803fp-56
MLP_INLINE double log_c(double x) {
    if (!(x > 0.0 && x < INFINITY)) return x == 0.0 ? -INFINITY : x == INFINITY || x != x ? x : CANONICAL_NAN;
    double k = 0.0;
    if (x < 0x1p-1022) {   // subnormal: scaled into the normal range, exactly
        x *= 0x1p54;
        k = -54.0;
    }
    uint64_t u = bits_of(x);
    double f = double_of((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);   // in [1, 2)
    k += (double)((int64_t)(u >> 52) - 1023);
    if (f >= 0x1.6a09e667f3bcdp0) {   // sqrt(2) rounded: f / 2 in [sqrt(1/2), 1), exactly
        f *= 0.5;
        k += 1.0;
    }
    return fma(k, LN2_HI, fma(k, LN2_LO, log1p01_c(f - 1.0)));
}

MLP_INLINE double sigmoid_c(double z) { return 1.0 / (1.0 + exp_c(-z)); }   // 1 / (1 + exp(-z))

// Binary cross-entropy of logit z against label y, -[y log p + (1-y) log(1-p)] with
// p = sigmoid(z), without forming log(0).
MLP_INLINE double bce_c(double z, double y) {
    return (z > 0.0 ? z : 0.0) - z * y + log1p01_c(exp_c(-fabs(z)));   // max(z,0) - zy + log1p(e^-|z|)
}

// tanh(x) = sign(x) * -m / (2 + m) with m = expm1(-2|x|), for |x| <= 20 (beyond, tanh rounds to
// +-1; NaN passes). m from exp's own steps: t = -2|x| = k ln2 + r, exp(t) - 1 = 2^k (1 + r q(r))
// - 1 = fma(r q, 2^k, 2^k - 1), where 2^k - 1 is exact (k in [-58, 0]; below -53 it rounds to -1,
// far below the rounding of the result) and k = 0 leaves r q itself, so no cancellation near 0.
// tanh4 in the AVX2 path repeats these steps lane by lane. Within 2 ulp of glibc's nearly
// everywhere, 4 at worst.
#define TANH_BIG 20.0
MLP_INLINE double tanh_c(double x) {
    double ax = fabs(x);
    if (!(ax <= TANH_BIG)) return ax > TANH_BIG ? copysign(1.0, x) : x;
    double t = -2.0 * ax;
    double kd = fma(t, 0x1.71547652b82fep0, EXP_SHIFT) - EXP_SHIFT;   // round(t / ln2)
    double r = fma(kd, -0x1.62e42fefa39efp-1, t);
    r = fma(kd, -0x1.abc9e3b39803fp-56, r);
    double s = double_of((bits_of(kd + EXP_SHIFT) - bits_of(EXP_SHIFT) + 1023) << 52);   // 2^k
    double m = fma(r * expq_c(r), s, s - 1.0);                                      // expm1(t)
    return copysign(-m / (2.0 + m), x);                                             // -m / (2 + m)
}

// The hidden layer's activation and its derivative (given g = dA1 and the activation's output
// a), with a compile-time act in the kernels.
MLP_INLINE double act_c(const MlpActivation act, double z) {
    if (act == MLP_TANH) return tanh_c(z);
    if (act == MLP_LEAKY_RELU) return z > 0.0 ? z : MLP_LEAKY_SLOPE * z;
    return z > 0.0 ? z : 0.0;
}

MLP_INLINE double dact_c(const MlpActivation act, double a, double g) {
    if (act == MLP_TANH) return g * fma(-a, a, 1.0);              // tanh' = 1 - tanh^2
    if (act == MLP_LEAKY_RELU) return a > 0.0 ? g : g * MLP_LEAKY_SLOPE;
    return a > 0.0 ? g : 0.0;
}

#endif
