// mlp.c: the two-layer network's kernels.
//
// Every kernel follows the one canonical order of floating-point operations written down at
// the top of mlp.h, so a config's results are bitwise identical on every machine. That order
// is implemented twice:
//   - a portable C path: plain loops, fused multiply-adds through fma() from libm, which is
//     correctly rounded (a hardware instruction where the CPU has one, exact software elsewhere);
//   - an AVX2+FMA path, compiled with __attribute__((target("avx2,fma"))) so that the default
//     build stays portable, and chosen at run time when the CPU has both. Vectors run across
//     independent outputs (the hidden units h, 4 per ymm register), so each output element
//     sees exactly the operations the portable loop does; the one reduction along h (the logit
//     z2) is defined with 4 lanes, h mod 4, which both paths compute the same way.
// The unit tests call both paths explicitly and compare them bitwise, and hold both to the
// plain reference kernels (the *_ref functions at the end) and to finite differences.
// -ffp-contract=off (Makefile) keeps the compiler from fusing anything on its own.
#include "mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MLP_INLINE static inline __attribute__((always_inline))

MLP_INLINE uint64_t bits_of(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
MLP_INLINE double double_of(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }
// The one NaN that results are normalised to: positive, quiet, no payload (what NAN is on
// GCC and Clang, spelt out).
#define CANONICAL_NAN double_of(0x7ff8000000000000ull)

const char *const MLP_ACTIVATION_NAMES[N_MLP_ACTIVATIONS] = {"relu", "tanh", "leaky_relu"};
const char *const MLP_INIT_NAMES[N_MLP_INITS] = {"normal", "xavier_uniform", "he_normal"};

int64_t mlp_n_params(int64_t n_in, int64_t n_hidden) { return n_in * n_hidden + 2 * n_hidden + 1; }

const char *const MLP_PARAM_NAMES[MLP_N_PARAMS] = {"W1", "b1", "W2", "b2"};

int mlp_param_shape(int p, int64_t D, int64_t H, int64_t O, int64_t dims[2]) {
    switch (p) {
    case MLP_W1: dims[0] = D; dims[1] = H; return 2;
    case MLP_B1: dims[0] = H; return 1;
    case MLP_W2: dims[0] = H; dims[1] = O; return O == 1 ? 1 : 2;
    default: dims[0] = O; return O == 1 ? 0 : 1;   // MLP_B2
    }
}

int64_t mlp_param_count(int p, int64_t D, int64_t H, int64_t O) {
    int64_t dims[2] = {1, 1};
    int rank = mlp_param_shape(p, D, H, O, dims);
    return rank == 0 ? 1 : rank == 1 ? dims[0] : dims[0] * dims[1];
}

double *mlp_param(const Mlp *m, int p) {
    double *const at[MLP_N_PARAMS] = {m->W1, m->b1, m->W2, m->b2};
    return at[p];
}

// 64-byte aligned, zeroed block of n doubles (freed with free()).
static double *alloc_doubles(int64_t n) {
    size_t bytes = ((size_t)n * sizeof(double) + 63) & ~(size_t)63;
    double *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes);
    return p;
}

// Point W1, b1, W2, b2 into one block.
static void mlp_carve(Mlp *m, double *mem, int64_t n_in, int64_t n_hidden) {
    m->n_in = n_in;
    m->n_hidden = n_hidden;
    m->W1 = mem;
    m->b1 = m->W1 + n_in * n_hidden;
    m->W2 = m->b1 + n_hidden;
    m->b2 = m->W2 + n_hidden;
}

int mlp_init(Mlp *m, int64_t n_in, int64_t n_hidden) {
    memset(m, 0, sizeof *m);
    double *mem = alloc_doubles(mlp_n_params(n_in, n_hidden));
    if (!mem) return -1;
    mlp_carve(m, mem, n_in, n_hidden);
    m->mem = mem;
    return 0;
}

void mlp_free(Mlp *m) {
    free(m->mem);
    memset(m, 0, sizeof *m);
}

void mlp_copy(Mlp *dst, const Mlp *src) {
    memcpy(dst->mem, src->mem, (size_t)mlp_n_params(src->n_in, src->n_hidden) * sizeof(double));
    dst->act = src->act;
}

void mlp_randomize(Mlp *m, Rng *r, double scale) {
    int64_t D = m->n_in, H = m->n_hidden;
    for (int64_t i = 0; i < D * H; i++) m->W1[i] = rng_normal(r) * scale;
    for (int64_t i = 0; i < H; i++) m->W2[i] = rng_normal(r) * scale;
    for (int64_t i = 0; i < H; i++) m->b1[i] = rng_normal(r) * scale;
    m->b2[0] = rng_normal(r) * scale;
}

void mlp_init_weights(Mlp *m, MlpInit init, Rng *r, double scale) {
    // W1 is (D, H): fan_in D, fan_out H; W2 is (H) into one output: fan_in H, fan_out 1
    int64_t D = m->n_in, H = m->n_hidden;
    if (init == MLP_INIT_NORMAL) { mlp_randomize(m, r, scale); return; }
    if (init == MLP_INIT_XAVIER_UNIFORM) {
        double a1 = sqrt(6.0 / (double)(D + H)), a2 = sqrt(6.0 / (double)(H + 1));
        for (int64_t i = 0; i < D * H; i++) m->W1[i] = -a1 + 2.0 * a1 * rng_uniform(r);   // U(-a, a)
        for (int64_t i = 0; i < H; i++) m->W2[i] = -a2 + 2.0 * a2 * rng_uniform(r);
    } else {   // MLP_INIT_HE_NORMAL
        double s1 = sqrt(2.0 / (double)D), s2 = sqrt(2.0 / (double)H);
        for (int64_t i = 0; i < D * H; i++) m->W1[i] = rng_normal(r) * s1;   // N(0, 2 / fan_in)
        for (int64_t i = 0; i < H; i++) m->W2[i] = rng_normal(r) * s2;
    }
    for (int64_t i = 0; i < H; i++) m->b1[i] = 0.0;
    m->b2[0] = 0.0;
}

int mlp_all_finite(const Mlp *m) {
    // x * 0.0 is 0 for finite x and NaN for NaN or inf, so any non-finite entry leaves a NaN in
    // its partial sum. Four partial sums only so that the adds need not wait on each other.
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    int64_t n = mlp_n_params(m->n_in, m->n_hidden), i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) s[j] += m->mem[i + j] * 0.0;
    for (; i < n; i++) s[0] += m->mem[i] * 0.0;
    return s[0] == 0.0 && s[1] == 0.0 && s[2] == 0.0 && s[3] == 0.0;
}

void mlp_canonicalize_nans(Mlp *m) {
    int64_t n = mlp_n_params(m->n_in, m->n_hidden);
    for (int64_t i = 0; i < n; i++)
        if (m->mem[i] != m->mem[i]) m->mem[i] = CANONICAL_NAN;
}

int mlp_work_init(MlpWork *w, int64_t n_in, int64_t n_hidden, int64_t n_rows) {
    memset(w, 0, sizeof *w);
    int64_t n_grad = (mlp_n_params(n_in, n_hidden) + 7) & ~(int64_t)7;  // A1 starts 64-byte aligned
    int64_t n_act = (n_rows * n_hidden + 7) & ~(int64_t)7;
    int64_t n_dz1 = n_rows * (n_hidden > 8 ? n_hidden : 8);
    double *mem = alloc_doubles(n_grad + n_act + n_dz1 + 2 * n_rows);
    if (!mem) return -1;
    w->mem = mem;
    w->n_rows = n_rows;
    mlp_carve(&w->grad, mem, n_in, n_hidden);
    w->grad.mem = mem;   // a view into w->mem, not owned
    w->A1 = mem + n_grad;   // 64-byte aligned, as is dZ1
    w->dZ1 = w->A1 + n_act;
    w->z2 = w->dZ1 + n_dz1;
    w->dz2 = w->z2 + n_rows;
    mlp_work_set_kernels(w, MLP_KERNELS_AUTO);
    return 0;
}

void mlp_work_free(MlpWork *w) {
    free(w->mem);
    memset(w, 0, sizeof *w);
}

// ---------------------------------------------------------------------------------------
// Canonical scalar maths. Always inlined, so that inside the AVX2 functions fma() becomes the
// vfmadd instruction and elsewhere a call to libm's fma(): the same bits either way.

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
    return (p * s1) * s2;
}

// log1p(u) for u in [0, 1] (NaN passes through): 2 atanh(s) = 2s + 2s t q(t), s = u / (2 + u) in
// [0, 1/3], t = s^2, the series to s^33 (truncation below 0.1 ulp). About 2 ulp.
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
    return fma(ts, t * q, ts);
}

MLP_INLINE double sigmoid_c(double z) { return 1.0 / (1.0 + exp_c(-z)); }

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
    return copysign(-m / (2.0 + m), x);
}

// The activations and their derivatives (given g = dA1 and the activation's output a), with a
// compile-time act in the kernels.
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

MLP_INLINE double bce_c(double z, double y) {
    // -[y log p + (1-y) log(1-p)] with p = sigmoid(z), without forming log(0)
    return (z > 0.0 ? z : 0.0) - z * y + log1p01_c(exp_c(-fabs(z)));
}

// sigmoid(z) >= 0.5, the accuracy's prediction, without the exp where the answer is certain:
// exp(-z) <= 1 for z >= 0, and for z < -2^-20 the sigmoid is below 0.5 - 2^-23.
MLP_INLINE int predicts_one_c(double z) {
    if (z >= 0.0) return 1;
    if (z < -0x1p-20) return 0;
    return sigmoid_c(z) >= 0.5;   // NaN: 0
}

double mlp_exp(double x) { return exp_c(x); }
double mlp_tanh(double x) { return tanh_c(x); }
double mlp_activate(MlpActivation act, double z) {
    switch (act) {
    case MLP_TANH: return act_c(MLP_TANH, z);
    case MLP_LEAKY_RELU: return act_c(MLP_LEAKY_RELU, z);
    default: return act_c(MLP_RELU, z);
    }
}
double mlp_log1p01(double x) { return log1p01_c(x); }
double mlp_bce_from_logit(double z, double y) { return bce_c(z, y); }
double mlp_sigmoid(double z) { return sigmoid_c(z); }

// ---------------------------------------------------------------------------------------
// The kernels' interface. Each path provides these; the public functions dispatch.
//   forward: z2 for B rows; A1 (capacity B*H) is written when store, else it may be scratch.
//   backward: after forward with store on the same X (w->A1, w->z2). With update == 0 the
//     gradient goes to dst; with update != 0, dst is the model and each parameter p becomes
//     fma(-lr, dp, p) (dst may then be the model m itself: nothing is read after it is written).
//   evaluate: sum of BCE over the rows in order, and the count of correct predictions.
typedef struct MlpKernelTable {
    void (*forward)(const Mlp *m, const double *X, int64_t B, double *A1, int store, double *z2);
    void (*backward)(const Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w,
                     Mlp *dst, int update, double lr);
    void (*update)(Mlp *m, const Mlp *g, double lr);
    void (*evaluate)(const Mlp *m, const double *X, const double *y, int64_t n, MlpWork *w,
                     double *sum, int64_t *correct);
} MlpKernelTable;

// Writes one parameter's gradient, or applies it.
MLP_INLINE void put(double *p, double g, int update, double neg_lr) { *p = update ? fma(neg_lr, g, *p) : g; }

// ---------------------------------------------------------------------------------------
// Portable path: the canonical order as plain loops.

// Calls KERNEL_T(args..., act) with act a compile-time constant, one copy per activation.
#define ACT_DISPATCH(ACT, CALL)                                                         \
    do {                                                                                \
        switch (ACT) {                                                                  \
        case MLP_TANH: CALL(MLP_TANH); break;                                           \
        case MLP_LEAKY_RELU: CALL(MLP_LEAKY_RELU); break;                               \
        default: CALL(MLP_RELU); break;                                                 \
        }                                                                               \
    } while (0)

MLP_INLINE void forward_portable_t(const Mlp *m, const double *X, int64_t B, double *A1, double *z2,
                                   const MlpActivation act) {
    // X is (B, D), W1 is (D, H), A1 out is (B, H), W2 is (H), z2 out is (B)
    int64_t D = m->n_in, H = m->n_hidden;
    for (int64_t b = 0; b < B; b++) {
        double *a = A1 + b * H;
        const double *x = X + b * D;
        for (int64_t h = 0; h < H; h++) a[h] = m->b1[h];
        for (int64_t d = 0; d < D; d++) {
            double xd = x[d];
            const double *wrow = m->W1 + d * H;
            for (int64_t h = 0; h < H; h++) a[h] = fma(xd, wrow[h], a[h]);       // Z1 = X W1 + b1
        }
        double s[4] = {0.0, 0.0, 0.0, 0.0};
        for (int64_t h = 0; h < H; h++) {
            a[h] = act_c(act, a[h]);                                             // A1 = act(Z1)
            s[h & 3] = fma(a[h], m->W2[h], s[h & 3]);                            // z2 = A1 W2
        }
        z2[b] = m->b2[0] + ((s[0] + s[1]) + (s[2] + s[3]));                      //      + b2
    }
}

static void forward_portable(const Mlp *m, const double *X, int64_t B, double *A1, int store,
                             double *z2) {
    (void)store;   // A1 is scratch when not stored
#define FWD_P(ACT) forward_portable_t(m, X, B, A1, z2, ACT)
    ACT_DISPATCH(m->act, FWD_P);
#undef FWD_P
}

MLP_INLINE void backward_portable_t(const Mlp *m, const double *X, const double *y, int64_t B,
                                    MlpWork *w, Mlp *dst, int update, double lr, const MlpActivation act) {
    // X is (B, D), y (B), A1 and z2 from forward; dst's dW1 is (D, H), db1 (H), dW2 (H), db2 (1)
    int64_t D = m->n_in, H = m->n_hidden;
    const double *A1 = w->A1;
    double *dz2 = w->dz2, *dZ1 = w->dZ1, nlr = -lr;
    double db2 = 0.0;
    for (int64_t b = 0; b < B; b++) {
        dz2[b] = (sigmoid_c(w->z2[b]) - y[b]) / (double)B;                      // dz2 = (p - y) / B
        db2 += dz2[b];                                                           // db2 = sum dz2
    }
    // dW2 = A1^T dz2; dZ1 = dz2 W2^T * act'(Z1); db1 = sum_rows dZ1.
    for (int64_t h = 0; h < H; h++) {
        double dw2 = 0.0, db1 = 0.0, w2 = m->W2[h];
        for (int64_t b = 0; b < B; b++) {
            double a = A1[b * H + h];
            dw2 = fma(a, dz2[b], dw2);
            double dz1 = dact_c(act, a, dz2[b] * w2);
            dZ1[b * H + h] = dz1;
            db1 = db1 + dz1;
        }
        put(dst->W2 + h, dw2, update, nlr);
        put(dst->b1 + h, db1, update, nlr);
    }
    put(dst->b2, db2, update, nlr);
    // dW1 = X^T dZ1, one row of dW1 at a time, accumulated over b in order.
    for (int64_t d = 0; d < D; d++) {
        double *out = dst->W1 + d * H;
        for (int64_t h0 = 0; h0 < H; h0 += 64) {
            double g[64];
            int64_t n = H - h0 < 64 ? H - h0 : 64;
            for (int64_t j = 0; j < n; j++) g[j] = 0.0;
            for (int64_t b = 0; b < B; b++) {
                double xd = X[b * D + d];
                const double *dz = dZ1 + b * H + h0;
                for (int64_t j = 0; j < n; j++) g[j] = fma(xd, dz[j], g[j]);
            }
            for (int64_t j = 0; j < n; j++) put(out + h0 + j, g[j], update, nlr);
        }
    }
}

static void backward_portable(const Mlp *m, const double *X, const double *y, int64_t B,
                              MlpWork *w, Mlp *dst, int update, double lr) {
#define BWD_P(ACT) backward_portable_t(m, X, y, B, w, dst, update, lr, ACT)
    ACT_DISPATCH(m->act, BWD_P);
#undef BWD_P
}

static void update_portable(Mlp *m, const Mlp *g, double lr) {
    // every parameter p of m and its gradient dp of g: p = fma(-lr, dp, p)
    int64_t n = mlp_n_params(m->n_in, m->n_hidden);
    double nlr = -lr;
    for (int64_t i = 0; i < n; i++) m->mem[i] = fma(nlr, g->mem[i], m->mem[i]);   // W -= lr dW
}

static void evaluate_portable(const Mlp *m, const double *X, const double *y, int64_t n,
                              MlpWork *w, double *sum_out, int64_t *correct_out) {
    // X is (n, D), y (n): sum of BCE over the rows in order, and the count predicted right
    double sum = 0.0;
    int64_t correct = 0;
    for (int64_t start = 0; start < n; start += w->n_rows) {
        int64_t rows = n - start < w->n_rows ? n - start : w->n_rows;
        forward_portable(m, X + start * m->n_in, rows, w->A1, 0, w->z2);
        for (int64_t b = 0; b < rows; b++) {
            double z = w->z2[b], yb = y[start + b];
            sum += bce_c(z, yb);
            correct += predicts_one_c(z) == (yb == 1.0);
        }
    }
    *sum_out = sum;
    *correct_out = correct;
}

static const MlpKernelTable KERNELS_PORTABLE = {forward_portable, backward_portable, update_portable,
                                         evaluate_portable};

// ---------------------------------------------------------------------------------------
// AVX2+FMA path. Register-blocked micro-kernels: a tile of R rows (R <= 6) by NV ymm vectors of
// 4 hidden units (NV <= 2) keeps R*NV <= 12 accumulators in registers; the loops over R and NV
// are unrolled at compile time, one copy of the kernel per (R, NV) used. The per-row maths
// (exp, log1p, sigmoid, loss) runs 4 rows per vector with the scalar functions' exact steps.

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define MLP_HAVE_AVX2 1
#include <immintrin.h>

#define AVX2_FN __attribute__((target("avx2,fma")))
#define AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

enum { MR = 6, NVMAX = 2, FWD_CHUNK = 48 };

#define C(x) _mm256_set1_pd(x)   // for the vector maths below; #undef after them

// expq_c on 4 lanes.
AVX2_INLINE __m256d expq4(__m256d r) {
    __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    __m256d q0 = _mm256_fmadd_pd(C(1.0 / 6.0), r, C(1.0 / 2.0));
    __m256d q1 = _mm256_fmadd_pd(C(1.0 / 120.0), r, C(1.0 / 24.0));
    __m256d q2 = _mm256_fmadd_pd(C(1.0 / 5040.0), r, C(1.0 / 720.0));
    __m256d q3 = _mm256_fmadd_pd(C(1.0 / 362880.0), r, C(1.0 / 40320.0));
    __m256d q4 = _mm256_fmadd_pd(C(1.0 / 39916800.0), r, C(1.0 / 3628800.0));
    __m256d q5 = _mm256_fmadd_pd(C(1.0 / 6227020800.0), r, C(1.0 / 479001600.0));
    __m256d u0 = _mm256_fmadd_pd(q1, r2, q0), u1 = _mm256_fmadd_pd(q3, r2, q2);
    __m256d u2 = _mm256_fmadd_pd(q5, r2, q4);
    __m256d P = _mm256_fmadd_pd(u2, r8, _mm256_fmadd_pd(u1, r4, u0));
    return _mm256_fmadd_pd(P, r, C(1.0));
}

// exp_c on 4 lanes, all of them in [EXP_LO, EXP_HI] (the caller checks).
AVX2_INLINE __m256d exp4_in_range(__m256d x) {
    const __m256d shift = C(EXP_SHIFT);
    __m256d kd = _mm256_sub_pd(_mm256_fmadd_pd(x, C(0x1.71547652b82fep0), shift), shift);
    __m256d r = _mm256_fmadd_pd(kd, C(-0x1.62e42fefa39efp-1), x);
    r = _mm256_fmadd_pd(kd, C(-0x1.abc9e3b39803fp-56), r);
    __m256d p = _mm256_fmadd_pd(expq4(r), r, C(1.0));
    __m256d t1 = _mm256_fmadd_pd(kd, C(0.5), shift);
    __m256d t2 = _mm256_add_pd(_mm256_sub_pd(kd, _mm256_sub_pd(t1, shift)), shift);
    const __m256i bias = _mm256_set1_epi64x((long long)(1023 - bits_of(EXP_SHIFT)));
    __m256d s1 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t1), bias), 52));
    __m256d s2 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t2), bias), 52));
    return _mm256_mul_pd(_mm256_mul_pd(p, s1), s2);
}

// tanh_c on 4 lanes, any values: the same steps on min(|x|, 20), then +-1 beyond 20 and x itself
// where x is NaN.
AVX2_INLINE __m256d tanh4(__m256d x) {
    const __m256d shift = C(EXP_SHIFT), sign = C(-0.0);
    __m256d ax = _mm256_andnot_pd(sign, x);
    __m256d t = _mm256_mul_pd(C(-2.0), _mm256_min_pd(ax, C(TANH_BIG)));   // min: 20 for NaN lanes
    __m256d kd = _mm256_sub_pd(_mm256_fmadd_pd(t, C(0x1.71547652b82fep0), shift), shift);
    __m256d r = _mm256_fmadd_pd(kd, C(-0x1.62e42fefa39efp-1), t);
    r = _mm256_fmadd_pd(kd, C(-0x1.abc9e3b39803fp-56), r);
    const __m256i bias = _mm256_set1_epi64x((long long)(1023 - bits_of(EXP_SHIFT)));
    __m256d s = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(_mm256_add_pd(kd, shift)), bias), 52));
    __m256d m = _mm256_fmadd_pd(_mm256_mul_pd(r, expq4(r)), s, _mm256_sub_pd(s, C(1.0)));
    __m256d v = _mm256_div_pd(_mm256_xor_pd(m, sign), _mm256_add_pd(C(2.0), m));
    v = _mm256_blendv_pd(v, C(1.0), _mm256_cmp_pd(ax, C(TANH_BIG), _CMP_GT_OQ));
    v = _mm256_or_pd(_mm256_andnot_pd(sign, v), _mm256_and_pd(sign, x));      // copysign(v, x)
    return _mm256_blendv_pd(v, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

// act_c and dact_c on 4 lanes.
AVX2_INLINE __m256d act4(const MlpActivation act, __m256d z) {
    if (act == MLP_TANH) return tanh4(z);
    if (act == MLP_LEAKY_RELU)
        return _mm256_blendv_pd(_mm256_mul_pd(C(MLP_LEAKY_SLOPE), z), z, _mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_GT_OQ));
    // vmaxpd returns its second operand when either is NaN or both are zero, so this is
    // exactly Z1 > 0 ? Z1 : +0
    return _mm256_max_pd(z, _mm256_setzero_pd());
}

AVX2_INLINE __m256d dact4(const MlpActivation act, __m256d a, __m256d g) {
    if (act == MLP_TANH) return _mm256_mul_pd(g, _mm256_fnmadd_pd(a, a, C(1.0)));
    __m256d pos = _mm256_cmp_pd(a, _mm256_setzero_pd(), _CMP_GT_OQ);
    if (act == MLP_LEAKY_RELU) return _mm256_blendv_pd(_mm256_mul_pd(g, C(MLP_LEAKY_SLOPE)), g, pos);
    return _mm256_and_pd(pos, g);
}

// exp_c on 4 lanes, any values: lanes out of range (or NaN) take the scalar function.
AVX2_INLINE __m256d exp4(__m256d x) {
    __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x, C(EXP_LO), _CMP_GE_OQ),
                               _mm256_cmp_pd(x, C(EXP_HI), _CMP_LE_OQ));
    if (_mm256_movemask_pd(ok) == 0xF) return exp4_in_range(x);
    double v[4];
    _mm256_storeu_pd(v, x);
    for (int i = 0; i < 4; i++) v[i] = exp_c(v[i]);
    return _mm256_loadu_pd(v);
}

AVX2_INLINE __m256d log1p01_4(__m256d u) {
    __m256d s = _mm256_div_pd(u, _mm256_add_pd(C(2.0), u)), t = _mm256_mul_pd(s, s);
    __m256d t2 = _mm256_mul_pd(t, t), t4 = _mm256_mul_pd(t2, t2), t8 = _mm256_mul_pd(t4, t4);
    __m256d a0 = _mm256_fmadd_pd(C(1.0 / 5.0), t, C(1.0 / 3.0));
    __m256d a1 = _mm256_fmadd_pd(C(1.0 / 9.0), t, C(1.0 / 7.0));
    __m256d a2 = _mm256_fmadd_pd(C(1.0 / 13.0), t, C(1.0 / 11.0));
    __m256d a3 = _mm256_fmadd_pd(C(1.0 / 17.0), t, C(1.0 / 15.0));
    __m256d a4 = _mm256_fmadd_pd(C(1.0 / 21.0), t, C(1.0 / 19.0));
    __m256d a5 = _mm256_fmadd_pd(C(1.0 / 25.0), t, C(1.0 / 23.0));
    __m256d a6 = _mm256_fmadd_pd(C(1.0 / 29.0), t, C(1.0 / 27.0));
    __m256d a7 = _mm256_fmadd_pd(C(1.0 / 33.0), t, C(1.0 / 31.0));
    __m256d b0 = _mm256_fmadd_pd(a1, t2, a0), b1 = _mm256_fmadd_pd(a3, t2, a2);
    __m256d b2 = _mm256_fmadd_pd(a5, t2, a4), b3 = _mm256_fmadd_pd(a7, t2, a6);
    __m256d q = _mm256_fmadd_pd(_mm256_fmadd_pd(b3, t4, b2), t8, _mm256_fmadd_pd(b1, t4, b0));
    __m256d ts = _mm256_add_pd(s, s);
    return _mm256_fmadd_pd(ts, _mm256_mul_pd(t, q), ts);
}
#undef C

// Z1 tile: rows x[0..R) (stride D) times W (D x 4*NV, stride H) plus b1, then the activation,
// optional store to A1 (stride H), and the logit lanes zacc[r] += A1 * W2, vector by vector in
// h order.
AVX2_INLINE void fwd_tile(const int R, const int NV, const double *x, int64_t D, const double *W,
                          int64_t H, const double *b1, const double *W2, double *A1, int store,
                          __m256d *zacc, const MlpActivation act) {
    __m256d acc[MR][NVMAX], wv[NVMAX];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
        __m256d bv = _mm256_loadu_pd(b1 + 4 * v);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) acc[r][v] = bv;
    }
    for (int64_t d = 0; d < D; d++) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) wv[v] = _mm256_loadu_pd(W + d * H + 4 * v);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256d xb = _mm256_broadcast_sd(x + r * D + d);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(xb, wv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) wv[v] = _mm256_loadu_pd(W2 + 4 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        __m256d z = zacc[r];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            __m256d a = act4(act, acc[r][v]);                                  // A1 = act(Z1)
            if (store) _mm256_storeu_pd(A1 + r * H + 4 * v, a);
            z = _mm256_fmadd_pd(a, wv[v], z);
        }
        zacc[r] = z;
    }
}

// dW1 tile: rows d0..d0+R of X^T (x = X + d0, X stride D) times a packed panel of dZ1 (B rows
// of 4*NV, contiguous), accumulated over b in order, then stored to out (stride H) or applied
// as out = fma(-lr, g, out).
AVX2_INLINE void dw1_tile(const int R, const int NV, const double *x, int64_t D, const double *P,
                          int64_t H, int64_t B, double *out, int update, __m256d nlr) {
    __m256d acc[MR][NVMAX], zv[NVMAX];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) acc[r][v] = _mm256_setzero_pd();
    for (int64_t b = 0; b < B; b++) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) zv[v] = _mm256_load_pd(P + b * 4 * NV + 4 * v);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256d xb = _mm256_broadcast_sd(x + b * D + r);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(xb, zv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            double *p = out + r * H + 4 * v;
            _mm256_storeu_pd(p, update ? _mm256_fmadd_pd(nlr, acc[r][v], _mm256_loadu_pd(p)) : acc[r][v]);
        }
}

// For 4*NV hidden units, over b in order: dW2, db1, and dZ1 into the packed panel P (B rows of
// 4*NV, contiguous).
AVX2_INLINE void dz1_panel(const int NV, const double *W2, const double *A1, int64_t H, int64_t B,
                           const double *dz2, double *P, double *dW2, double *db1, int update,
                           __m256d nlr, const MlpActivation act) {
    __m256d w2[NVMAX], gw[NVMAX], gb[NVMAX];
    const __m256d zero = _mm256_setzero_pd();
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
        w2[v] = _mm256_loadu_pd(W2 + 4 * v);
        gw[v] = gb[v] = zero;
    }
    for (int64_t b = 0; b < B; b++) {
        __m256d dz = _mm256_broadcast_sd(dz2 + b);
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            __m256d a = _mm256_loadu_pd(A1 + b * H + 4 * v);
            gw[v] = _mm256_fmadd_pd(a, dz, gw[v]);
            __m256d d1 = dact4(act, a, _mm256_mul_pd(dz, w2[v]));           // dZ1 = act'(dz2 W2)
            _mm256_store_pd(P + b * 4 * NV + 4 * v, d1);
            gb[v] = _mm256_add_pd(gb[v], d1);
        }
    }
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
        if (update) {
            gw[v] = _mm256_fmadd_pd(nlr, gw[v], _mm256_loadu_pd(dW2 + 4 * v));
            gb[v] = _mm256_fmadd_pd(nlr, gb[v], _mm256_loadu_pd(db1 + 4 * v));
        }
        _mm256_storeu_pd(dW2 + 4 * v, gw[v]);
        _mm256_storeu_pd(db1 + 4 * v, gb[v]);
    }
}

// Calls KERNEL(r, nv) with compile-time constants r in 1..6, nv in 1..2.
#define DISPATCH(R, NV, KERNEL)                                                         \
    do {                                                                                \
        switch ((R) * 4 + (NV)) {                                                       \
        case 6 * 4 + 2: KERNEL(6, 2); break;                                            \
        case 5 * 4 + 2: KERNEL(5, 2); break;                                            \
        case 4 * 4 + 2: KERNEL(4, 2); break;                                            \
        case 3 * 4 + 2: KERNEL(3, 2); break;                                            \
        case 2 * 4 + 2: KERNEL(2, 2); break;                                            \
        case 1 * 4 + 2: KERNEL(1, 2); break;                                            \
        case 6 * 4 + 1: KERNEL(6, 1); break;                                            \
        case 5 * 4 + 1: KERNEL(5, 1); break;                                            \
        case 4 * 4 + 1: KERNEL(4, 1); break;                                            \
        case 3 * 4 + 1: KERNEL(3, 1); break;                                            \
        case 2 * 4 + 1: KERNEL(2, 1); break;                                            \
        case 1 * 4 + 1: KERNEL(1, 1); break;                                            \
        }                                                                               \
    } while (0)

AVX2_INLINE void forward_avx2_t(const Mlp *m, const double *X, int64_t B, double *A1, int store,
                                double *z2, const MlpActivation act) {
    // X is (B, D), W1 is (D, H), A1 out is (B, H), W2 is (H), z2 out is (B)
    const int64_t D = m->n_in, H = m->n_hidden, H4 = H & ~(int64_t)3, nvec = H4 / 4;
    const double *W1 = m->W1, *b1 = m->b1, *W2 = m->W2;
    __m256d zacc[FWD_CHUNK];
    // Chunks of rows small enough that their X stays in L1 while every tile of W1 passes by.
    for (int64_t c0 = 0; c0 < B; c0 += FWD_CHUNK) {
        int64_t nr = B - c0 < FWD_CHUNK ? B - c0 : FWD_CHUNK;
        for (int64_t r = 0; r < nr; r++) zacc[r] = _mm256_setzero_pd();
        for (int64_t v0 = 0; v0 < nvec; v0 += NVMAX) {
            int nv = nvec - v0 < NVMAX ? (int)(nvec - v0) : NVMAX;
            int64_t h0 = 4 * v0;
            for (int64_t r0 = 0; r0 < nr; r0 += MR) {
                int R = nr - r0 < MR ? (int)(nr - r0) : MR;
                const double *x = X + (c0 + r0) * D;
                double *a = A1 + (c0 + r0) * H + h0;
#define FWD(RR, NN) fwd_tile(RR, NN, x, D, W1 + h0, H, b1 + h0, W2 + h0, a, store, zacc + r0, act)
                DISPATCH(R, nv, FWD);
#undef FWD
            }
        }
        // The lanes combined, z2 = b2 + ((s0 + s1) + (s2 + s3)), 4 rows at a time where there
        // is no tail: hadd gives s0 + s1 and s2 + s3 of two rows, the permutes line them up.
        int64_t r0 = 0;
        if (H4 == H) {
            const __m256d b2 = _mm256_broadcast_sd(m->b2);
            for (; r0 + 4 <= nr; r0 += 4) {
                __m256d h01 = _mm256_hadd_pd(zacc[r0], zacc[r0 + 1]);
                __m256d h23 = _mm256_hadd_pd(zacc[r0 + 2], zacc[r0 + 3]);
                __m256d lo = _mm256_permute2f128_pd(h01, h23, 0x20);   // s0 + s1 of rows 0..3
                __m256d hi = _mm256_permute2f128_pd(h01, h23, 0x31);   // s2 + s3 of rows 0..3
                _mm256_storeu_pd(z2 + c0 + r0, _mm256_add_pd(b2, _mm256_add_pd(lo, hi)));
            }
        }
        // The rest, and the last H mod 4 units, each into its own lane.
        for (int64_t r = r0; r < nr; r++) {
            double s[4];
            _mm256_storeu_pd(s, zacc[r]);
            const double *x = X + (c0 + r) * D;
            for (int64_t h = H4; h < H; h++) {
                double z = b1[h];
                for (int64_t d = 0; d < D; d++) z = fma(x[d], W1[d * H + h], z);
                double a = act_c(act, z);
                if (store) A1[(c0 + r) * H + h] = a;
                s[h - H4] = fma(a, W2[h], s[h - H4]);
            }
            z2[c0 + r] = m->b2[0] + ((s[0] + s[1]) + (s[2] + s[3]));
        }
    }
}

// One copy per activation, each its own function (so that relu's keeps the code it had alone).
#define FWD_COPY(NAME, ACT)                                                                       \
    AVX2_FN __attribute__((noinline)) static void NAME(const Mlp *m, const double *X, int64_t B, \
                                                       double *A1, int store, double *z2) {      \
        forward_avx2_t(m, X, B, A1, store, z2, ACT);                                             \
    }
FWD_COPY(forward_avx2_relu, MLP_RELU)
FWD_COPY(forward_avx2_tanh, MLP_TANH)
FWD_COPY(forward_avx2_leaky, MLP_LEAKY_RELU)
#undef FWD_COPY

AVX2_FN static void forward_avx2(const Mlp *m, const double *X, int64_t B, double *A1, int store,
                                 double *z2) {
    if (m->act == MLP_TANH) forward_avx2_tanh(m, X, B, A1, store, z2);
    else if (m->act == MLP_LEAKY_RELU) forward_avx2_leaky(m, X, B, A1, store, z2);
    else forward_avx2_relu(m, X, B, A1, store, z2);
}

AVX2_INLINE void backward_avx2_t(const Mlp *m, const double *X, const double *y, int64_t B,
                                 MlpWork *w, Mlp *dst, int update, double lr, const MlpActivation act) {
    // X is (B, D), y (B), A1 and z2 from forward; dst's dW1 is (D, H), db1 (H), dW2 (H), db2 (1)
    const int64_t D = m->n_in, H = m->n_hidden, H4 = H & ~(int64_t)3, nvec = H4 / 4;
    const double *A1 = w->A1, *z2 = w->z2;
    double *dz2 = w->dz2, *P = w->dZ1;
    const double nlr_s = -lr;
    const __m256d nlr = _mm256_set1_pd(nlr_s);
    // dz2 = (sigmoid(z2) - y) / B, 4 rows at a time; db2 in row order.
    const __m256d one = _mm256_set1_pd(1.0), Bv = _mm256_set1_pd((double)B);
    const __m256d sign = _mm256_set1_pd(-0.0);
    int64_t b = 0;
    for (; b + 4 <= B; b += 4) {
        __m256d e = exp4(_mm256_xor_pd(_mm256_loadu_pd(z2 + b), sign));
        __m256d p = _mm256_div_pd(one, _mm256_add_pd(one, e));
        _mm256_storeu_pd(dz2 + b, _mm256_div_pd(_mm256_sub_pd(p, _mm256_loadu_pd(y + b)), Bv));
    }
    for (; b < B; b++) dz2[b] = (sigmoid_c(z2[b]) - y[b]) / (double)B;
    double db2 = 0.0;
    for (b = 0; b < B; b++) db2 += dz2[b];
    put(dst->b2, db2, update, nlr_s);
    // Per tile of 8 (or 4) hidden units: dW2, db1 and a packed panel of dZ1 (in L1), then every
    // block of 6 rows of dW1 from that panel. W2 and b1 of the tile are read before written.
    for (int64_t v0 = 0; v0 < nvec; v0 += NVMAX) {
        int nv = nvec - v0 < NVMAX ? (int)(nvec - v0) : NVMAX;
        int64_t h0 = 4 * v0;
        if (nv == 2)
            dz1_panel(2, m->W2 + h0, A1 + h0, H, B, dz2, P, dst->W2 + h0, dst->b1 + h0, update, nlr, act);
        else
            dz1_panel(1, m->W2 + h0, A1 + h0, H, B, dz2, P, dst->W2 + h0, dst->b1 + h0, update, nlr, act);
        for (int64_t d0 = 0; d0 < D; d0 += MR) {
            int R = D - d0 < MR ? (int)(D - d0) : MR;
            double *out = dst->W1 + d0 * H + h0;
#define DW1(RR, NN) dw1_tile(RR, NN, X + d0, D, P, H, B, out, update, nlr)
            DISPATCH(R, nv, DW1);
#undef DW1
        }
    }
    // The last H mod 4 units, one at a time.
    for (int64_t h = H4; h < H; h++) {
        double dw2 = 0.0, db1 = 0.0, w2 = m->W2[h];
        for (b = 0; b < B; b++) {
            double a = A1[b * H + h];
            dw2 = fma(a, dz2[b], dw2);
            P[b] = dact_c(act, a, dz2[b] * w2);
            db1 = db1 + P[b];
        }
        put(dst->W2 + h, dw2, update, nlr_s);
        put(dst->b1 + h, db1, update, nlr_s);
        for (int64_t d = 0; d < D; d++) {
            double g = 0.0;
            for (b = 0; b < B; b++) g = fma(X[b * D + d], P[b], g);
            put(dst->W1 + d * H + h, g, update, nlr_s);
        }
    }
}

#define BWD_COPY(NAME, ACT)                                                                        \
    AVX2_FN __attribute__((noinline)) static void NAME(const Mlp *m, const double *X, const double *y, \
                                                       int64_t B, MlpWork *w, Mlp *dst, int update,    \
                                                       double lr) {                                    \
        backward_avx2_t(m, X, y, B, w, dst, update, lr, ACT);                                         \
    }
BWD_COPY(backward_avx2_relu, MLP_RELU)
BWD_COPY(backward_avx2_tanh, MLP_TANH)
BWD_COPY(backward_avx2_leaky, MLP_LEAKY_RELU)
#undef BWD_COPY

AVX2_FN static void backward_avx2(const Mlp *m, const double *X, const double *y, int64_t B,
                                  MlpWork *w, Mlp *dst, int update, double lr) {
    if (m->act == MLP_TANH) backward_avx2_tanh(m, X, y, B, w, dst, update, lr);
    else if (m->act == MLP_LEAKY_RELU) backward_avx2_leaky(m, X, y, B, w, dst, update, lr);
    else backward_avx2_relu(m, X, y, B, w, dst, update, lr);
}

AVX2_FN static void update_avx2(Mlp *m, const Mlp *g, double lr) {
    // every parameter p of m and its gradient dp of g: p = fma(-lr, dp, p)
    int64_t n = mlp_n_params(m->n_in, m->n_hidden), i = 0;
    const __m256d nlr = _mm256_set1_pd(-lr);
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(m->mem + i, _mm256_fmadd_pd(nlr, _mm256_loadu_pd(g->mem + i),
                                                      _mm256_loadu_pd(m->mem + i)));
    for (; i < n; i++) m->mem[i] = fma(-lr, g->mem[i], m->mem[i]);
}

AVX2_FN static void evaluate_avx2(const Mlp *m, const double *X, const double *y, int64_t n,
                                  MlpWork *w, double *sum_out, int64_t *correct_out) {
    // X is (n, D), y (n): sum of BCE over the rows in order, and the count predicted right
    double sum = 0.0;
    int64_t correct = 0;
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    const __m256d sign = _mm256_set1_pd(-0.0), band = _mm256_set1_pd(-0x1p-20);
    for (int64_t start = 0; start < n; start += w->n_rows) {
        int64_t rows = n - start < w->n_rows ? n - start : w->n_rows;
        const double *yc = y + start, *z2 = w->z2;
        forward_avx2(m, X + start * m->n_in, rows, w->A1, 0, w->z2);
        int64_t b = 0;
        for (; b + 4 <= rows; b += 4) {
            // bce_c: ((z > 0 ? z : +0) - z*y) + log1p(exp(-|z|)), then summed in row order
            __m256d z = _mm256_loadu_pd(z2 + b), yv = _mm256_loadu_pd(yc + b);
            __m256d relu = _mm256_and_pd(_mm256_cmp_pd(z, zero, _CMP_GT_OQ), z);
            __m256d l = log1p01_4(exp4(_mm256_or_pd(z, sign)));
            __m256d bce = _mm256_add_pd(_mm256_sub_pd(relu, _mm256_mul_pd(z, yv)), l);
            double v[4];
            _mm256_storeu_pd(v, bce);
            sum += v[0];
            sum += v[1];
            sum += v[2];
            sum += v[3];
            // predicts_one_c: z >= 0 predicts 1, z < -2^-20 predicts 0, else ask the sigmoid
            int ge = _mm256_movemask_pd(_mm256_cmp_pd(z, zero, _CMP_GE_OQ));
            int lt = _mm256_movemask_pd(_mm256_cmp_pd(z, band, _CMP_LT_OQ));
            int label = _mm256_movemask_pd(_mm256_cmp_pd(yv, one, _CMP_EQ_OQ));
            int unsure = ~(ge | lt) & 0xF;
            for (int i = 0; i < 4; i++) {
                int pred = (unsure >> i) & 1 ? predicts_one_c(z2[b + i]) : (ge >> i) & 1;
                correct += pred == ((label >> i) & 1);
            }
        }
        for (; b < rows; b++) {
            sum += bce_c(z2[b], yc[b]);
            correct += predicts_one_c(z2[b]) == (yc[b] == 1.0);
        }
    }
    *sum_out = sum;
    *correct_out = correct;
}

static const MlpKernelTable KERNELS_AVX2 = {forward_avx2, backward_avx2, update_avx2, evaluate_avx2};

static int cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static int cpu_has_avx2_fma(void) { return 0; }
#endif

// ---------------------------------------------------------------------------------------
// Dispatch.

// The default: AUTO resolves to the fastest this CPU runs; SWEEP_MLP_KERNELS may ask for one.
static MlpKernels default_kernels(void) {
    const char *env = getenv("SWEEP_MLP_KERNELS");
    if (env && strcmp(env, "portable") == 0) return MLP_KERNELS_PORTABLE;
    if (env && strcmp(env, "avx2") == 0 && cpu_has_avx2_fma()) return MLP_KERNELS_AVX2;
    return cpu_has_avx2_fma() ? MLP_KERNELS_AVX2 : MLP_KERNELS_PORTABLE;
}

int mlp_kernels_resolve(MlpKernels k) {
    if (k == MLP_KERNELS_AUTO) k = default_kernels();
    if (k == MLP_KERNELS_AVX2 && !cpu_has_avx2_fma()) return -1;
    return k == MLP_KERNELS_AVX2 ? MLP_KERNELS_AVX2 : MLP_KERNELS_PORTABLE;
}

int mlp_work_set_kernels(MlpWork *w, MlpKernels k) {
    if (k == MLP_KERNELS_AUTO) k = default_kernels();
    if (k == MLP_KERNELS_PORTABLE) {
        w->kernels = &KERNELS_PORTABLE;
        return (int)k;
    }
#ifdef MLP_HAVE_AVX2
    if (k == MLP_KERNELS_AVX2 && cpu_has_avx2_fma()) {
        w->kernels = &KERNELS_AVX2;
        return (int)k;
    }
#endif
    return -1;
}

MlpKernels mlp_work_kernels(const MlpWork *w) {
    return w->kernels == &KERNELS_PORTABLE ? MLP_KERNELS_PORTABLE : MLP_KERNELS_AVX2;
}

const char *mlp_kernels_name(MlpKernels k) { return k == MLP_KERNELS_AVX2 ? "avx2" : "portable"; }

void mlp_forward(const Mlp *m, const double *X, int64_t B, MlpWork *w) {
    w->kernels->forward(m, X, B, w->A1, 1, w->z2);
}

void mlp_backward(const Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w) {
    w->kernels->backward(m, X, y, B, w, &w->grad, 0, 0.0);
}

void mlp_update(Mlp *m, const MlpWork *w, double lr) { w->kernels->update(m, &w->grad, lr); }

void mlp_step(Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w, double lr) {
    w->kernels->forward(m, X, B, w->A1, 1, w->z2);
    w->kernels->backward(m, X, y, B, w, m, 1, lr);
}

void mlp_evaluate(const Mlp *m, const double *X, const double *y, int64_t n, MlpWork *w,
                  double *loss, double *acc) {
    double sum;
    int64_t correct;
    w->kernels->evaluate(m, X, y, n, w, &sum, &correct);
    *loss = sum != sum ? CANONICAL_NAN : sum / (double)n;   // whichever NaN the sum carried
    *acc = (double)correct / (double)n;
}

// ---------------------------------------------------------------------------------------
// Reference kernels: each output element computed on its own, straight from the formula, with
// separate multiplies and adds (so they agree with the kernels above to rounding, not bitwise).

void mlp_forward_ref(const Mlp *m, const double *X, int64_t B, double *A1, double *z2) {
    int64_t D = m->n_in, H = m->n_hidden;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < H; h++) {
            double z = 0.0;
            for (int64_t d = 0; d < D; d++) z += X[b * D + d] * m->W1[d * H + h];
            z += m->b1[h];
            A1[b * H + h] = mlp_activate(m->act, z);
        }
        double z = 0.0;
        for (int64_t h = 0; h < H; h++) z += A1[b * H + h] * m->W2[h];
        z2[b] = z + m->b2[0];
    }
}

// d act / d Z1 from the activation's output a: 1 - a^2 (tanh), 1 or the slope, 1 or 0 (relu).
static double act_slope_ref(MlpActivation act, double a) {
    if (act == MLP_TANH) return 1.0 - a * a;
    if (act == MLP_LEAKY_RELU) return a > 0.0 ? 1.0 : MLP_LEAKY_SLOPE;
    return a > 0.0 ? 1.0 : 0.0;
}

void mlp_backward_ref(const Mlp *m, const double *X, const double *y, int64_t B,
                      const double *A1, const double *z2, Mlp *grad) {
    int64_t D = m->n_in, H = m->n_hidden;
    grad->b2[0] = 0.0;
    for (int64_t b = 0; b < B; b++) grad->b2[0] += (mlp_sigmoid(z2[b]) - y[b]) / (double)B;
    for (int64_t h = 0; h < H; h++) {
        double dw2 = 0.0, db1 = 0.0;
        for (int64_t b = 0; b < B; b++) {
            double dz2 = (mlp_sigmoid(z2[b]) - y[b]) / (double)B;
            dw2 += A1[b * H + h] * dz2;
            db1 += dz2 * m->W2[h] * act_slope_ref(m->act, A1[b * H + h]);
        }
        grad->W2[h] = dw2;
        grad->b1[h] = db1;
        for (int64_t d = 0; d < D; d++) {
            double dw1 = 0.0;
            for (int64_t b = 0; b < B; b++) {
                double dz2 = (mlp_sigmoid(z2[b]) - y[b]) / (double)B;
                double dz1 = dz2 * m->W2[h] * act_slope_ref(m->act, A1[b * H + h]);
                dw1 += X[b * D + d] * dz1;
            }
            grad->W1[d * H + h] = dw1;
        }
    }
}

double mlp_loss_ref(const Mlp *m, const double *X, const double *y, int64_t n) {
    int64_t D = m->n_in, H = m->n_hidden;
    double sum = 0.0;
    for (int64_t b = 0; b < n; b++) {
        double z2 = m->b2[0];
        for (int64_t h = 0; h < H; h++) {
            double z1 = m->b1[h];
            for (int64_t d = 0; d < D; d++) z1 += X[b * D + d] * m->W1[d * H + h];
            z2 += mlp_activate(m->act, z1) * m->W2[h];
        }
        sum += mlp_bce_from_logit(z2, y[b]);
    }
    return sum / (double)n;
}
