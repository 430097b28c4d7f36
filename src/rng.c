// rng.c: xoshiro256** (Blackman and Vigna), seeded through splitmix64.
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rng_init(Rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b) {
    // Fold the key into one splitmix64 state; each word passes through the mixer so that
    // nearby keys (seed 0 and 1, epoch 7 and 8) give unrelated streams.
    uint64_t x = seed;
    uint64_t key = splitmix64(&x);
    x = key ^ purpose; key = splitmix64(&x);
    x = key ^ a;       key = splitmix64(&x);
    x = key ^ b;       key = splitmix64(&x);
    x = key;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

uint64_t rng_next(Rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(Rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

// log(x) for x > 0 from exact operations alone (frexp, +, *, /), so that initial weights are
// the same bits on every machine: glibc's log() differs in the last bit between its FMA and
// non-FMA variants. x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1).
static double rng_log(double x) {
    int e;
    double m = frexp(x, &e);                   // m in [0.5, 1)
    if (m < 0.70710678118654752440) { m *= 2.0; e -= 1; }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;   // |s| <= 0.1716, s2 <= 0.0295
    double series = 1.0 / 23.0;                // 2 atanh(s) = 2 s (1 + s2/3 + s2^2/5 + ...)
    for (int k = 21; k >= 3; k -= 2) series = 1.0 / k + s2 * series;
    double log_m = 2.0 * s + 2.0 * s * s2 * series;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    return (double)e * ln2_hi + ((double)e * ln2_lo + log_m);
}

double rng_normal(Rng *r) {
    // Marsaglia's polar method; the second variate is dropped so the state is just s[4].
    // sqrt is correctly rounded everywhere; rng_log is ours.
    for (;;) {
        double u = 2.0 * rng_uniform(r) - 1.0;
        double v = 2.0 * rng_uniform(r) - 1.0;
        double q = u * u + v * v;
        if (q > 0.0 && q < 1.0) return u * sqrt(-2.0 * rng_log(q) / q);
    }
}

uint64_t rng_below(Rng *r, uint64_t n) {
    // Lemire's nearly divisionless method.
    unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (unsigned __int128)rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void rng_permute(Rng *r, int64_t *idx, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)rng_below(r, (uint64_t)i + 1);
        int64_t t = idx[i]; idx[i] = idx[j]; idx[j] = t;
    }
}

// exp(x) from exact operations alone: x = k ln 2 + t with |t| <= ln 2 / 2, exp(t) by Horner's
// form of its Taylor series to degree 16 (the remainder is below 2^-60 of the result).
static double rng_exp(double x) {
    if (x > 709.0) return INFINITY;
    if (x < -745.0) return 0.0;
    double k = nearbyint(x * 1.44269504088896340736);
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    double t = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0;
    for (int n = 16; n >= 1; n--) p = 1.0 + t * p / (double)n;
    return ldexp(p, (int)k);
}

double rng_loguniform(Rng *r, double a, double b) {
    double la = rng_log(a), lb = rng_log(b);
    return rng_exp(la + rng_uniform(r) * (lb - la));
}
