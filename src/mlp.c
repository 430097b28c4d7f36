// mlp.c: the two-layer network as a model: its parameters' layout, allocation, initial
// weights, copies and checks, its work space, the choice of kernels and the public entry
// points (mlp.h), which dispatch to the kernels.
//
// Shapes: for D inputs, H hidden units and O outputs (the head's), Mlp.mem holds W1 (D, H),
// b1 (H), W2 (H, O), b2 (O) in that order, row-major; a gradient has the same layout. MlpWork
// holds the gradient, A1 (rows, H), dZ1 (rows, max(H, 8)), z2 and dz2 (rows, O), and for
// O > 1 W2T (O, H).
// Contract: every number a kernel computes follows the canonical order of mlp.h; the kernels
// live in src/mlp_portable.c and src/mlp_avx2.c (one table each, mlp_kernels.h), the plain
// reference kernels in src/mlp_ref.c, the scalar maths in mlp_math.h, and what depends on the
// output head (O, the loss, dz2, the score) in mlp_head.h. This file does no arithmetic of its
// own on a config's numbers beyond the initialisers' draws.
#include "mlp_kernels.h"

#include <stdlib.h>
#include <string.h>

const char *const MLP_ACTIVATION_NAMES[N_MLP_ACTIVATIONS] = {"relu", "tanh", "leaky_relu"};
const char *const MLP_INIT_NAMES[N_MLP_INITS] = {"normal", "xavier_uniform", "he_normal"};
const char *const MLP_PARAM_NAMES[MLP_N_PARAMS] = {"W1", "b1", "W2", "b2"};
const char *const MLP_HEAD_NAMES[N_MLP_HEADS] = {"binary", "softmax", "mse"};

// ---------------------------------------------------------------------------------------
// The parameters' layout.

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

int64_t mlp_param_total(int64_t D, int64_t H, int64_t O) {
    int64_t n = 0;
    for (int p = 0; p < MLP_N_PARAMS; p++) n += mlp_param_count(p, D, H, O);
    return n;
}

int64_t mlp_model_n_params(const Mlp *m) { return mlp_param_total(m->n_in, m->n_hidden, m->n_out); }

int64_t mlp_n_params(int64_t n_in, int64_t n_hidden) {
    return mlp_param_total(n_in, n_hidden, head_n_out(MLP_HEAD_BINARY, 2));
}

int64_t mlp_head_n_out(MlpHead head, int64_t n_classes) { return head_n_out(head, n_classes); }

int mlp_head_fits(MlpHead head, int64_t n_out) {
    if (head == MLP_HEAD_SOFTMAX) return n_out >= 2;
    return (head == MLP_HEAD_BINARY || head == MLP_HEAD_MSE) && n_out == 1;
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

// W1, b1, W2, b2 pointed into one block, in the layout's order.
double *mlp_view(Mlp *m, double *mem, int64_t n_in, int64_t n_hidden, int64_t n_out) {
    memset(m, 0, sizeof *m);   // relu, the binary head
    m->n_in = n_in;
    m->n_hidden = n_hidden;
    m->n_out = n_out;
    double **const where[MLP_N_PARAMS] = {&m->W1, &m->b1, &m->W2, &m->b2};
    double *at = mem;
    for (int p = 0; p < MLP_N_PARAMS; p++) {
        *where[p] = at;
        at += mlp_param_count(p, n_in, n_hidden, n_out);
    }
    m->mem = mem;
    return at;
}

// ---------------------------------------------------------------------------------------
// The model.

int mlp_init(Mlp *m, int64_t n_in, int64_t n_hidden, int64_t n_out, MlpHead head) {
    memset(m, 0, sizeof *m);
    if (!mlp_head_fits(head, n_out)) return -1;
    double *mem = alloc_doubles(mlp_param_total(n_in, n_hidden, n_out));
    if (!mem) return -1;
    mlp_view(m, mem, n_in, n_hidden, n_out);   // owned here: mlp_free frees it
    m->head = head;
    return 0;
}

void mlp_free(Mlp *m) {
    free(m->mem);
    memset(m, 0, sizeof *m);
}

void mlp_copy(Mlp *dst, const Mlp *src) {
    memcpy(dst->mem, src->mem, (size_t)mlp_model_n_params(src) * sizeof(double));
    dst->act = src->act;
    dst->head = src->head;
}

void mlp_randomize(Mlp *m, Rng *r, double scale) {
    int64_t D = m->n_in, H = m->n_hidden, O = m->n_out;
    for (int64_t i = 0; i < D * H; i++) m->W1[i] = rng_normal(r) * scale;
    for (int64_t i = 0; i < H * O; i++) m->W2[i] = rng_normal(r) * scale;
    for (int64_t i = 0; i < H; i++) m->b1[i] = rng_normal(r) * scale;
    for (int64_t i = 0; i < O; i++) m->b2[i] = rng_normal(r) * scale;
}

void mlp_init_weights(Mlp *m, MlpInit init, Rng *r, double scale) {
    // W1 is (D, H): fan_in D, fan_out H; W2 is (H, O): fan_in H, fan_out O
    int64_t D = m->n_in, H = m->n_hidden, O = m->n_out;
    if (init == MLP_INIT_NORMAL) { mlp_randomize(m, r, scale); return; }
    if (init == MLP_INIT_XAVIER_UNIFORM) {
        double a1 = sqrt(6.0 / (double)(D + H)), a2 = sqrt(6.0 / (double)(H + O));
        for (int64_t i = 0; i < D * H; i++) m->W1[i] = -a1 + 2.0 * a1 * rng_uniform(r);   // U(-a, a)
        for (int64_t i = 0; i < H * O; i++) m->W2[i] = -a2 + 2.0 * a2 * rng_uniform(r);
    } else {   // MLP_INIT_HE_NORMAL
        double s1 = sqrt(2.0 / (double)D), s2 = sqrt(2.0 / (double)H);
        for (int64_t i = 0; i < D * H; i++) m->W1[i] = rng_normal(r) * s1;   // N(0, 2 / fan_in)
        for (int64_t i = 0; i < H * O; i++) m->W2[i] = rng_normal(r) * s2;
    }
    for (int64_t i = 0; i < H; i++) m->b1[i] = 0.0;
    for (int64_t i = 0; i < O; i++) m->b2[i] = 0.0;
}

int mlp_all_finite(const Mlp *m) {
    // x * 0.0 is 0 for finite x and NaN for NaN or inf, so any non-finite entry leaves a NaN in
    // its partial sum. Four partial sums only so that the adds need not wait on each other.
    double s[4] = {0.0, 0.0, 0.0, 0.0};
    int64_t n = mlp_model_n_params(m), i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) s[j] += m->mem[i + j] * 0.0;
    for (; i < n; i++) s[0] += m->mem[i] * 0.0;
    return s[0] == 0.0 && s[1] == 0.0 && s[2] == 0.0 && s[3] == 0.0;
}

void mlp_canonicalize_nans(Mlp *m) {
    int64_t n = mlp_model_n_params(m);
    for (int64_t i = 0; i < n; i++)
        if (m->mem[i] != m->mem[i]) m->mem[i] = CANONICAL_NAN;
}

// ---------------------------------------------------------------------------------------
// The work space.

int mlp_work_init(MlpWork *w, int64_t n_in, int64_t n_hidden, int64_t n_out, int64_t n_rows) {
    memset(w, 0, sizeof *w);
    if (n_out < 1) return -1;
    int64_t n_grad = (mlp_param_total(n_in, n_hidden, n_out) + 7) & ~(int64_t)7;  // A1 starts 64-byte aligned
    int64_t n_act = (n_rows * n_hidden + 7) & ~(int64_t)7;
    int64_t n_dz1 = n_rows * (n_hidden > 8 ? n_hidden : 8);
    int64_t n_w2t = n_out > 1 ? n_hidden * n_out : 0;   // after the rest: O = 1's layout as it was
    double *mem = alloc_doubles(n_grad + n_act + n_dz1 + 2 * n_rows * n_out + n_w2t);
    if (!mem) return -1;
    w->mem = mem;
    w->n_rows = n_rows;
    mlp_view(&w->grad, mem, n_in, n_hidden, n_out);   // a view into w->mem, not owned
    w->A1 = mem + n_grad;   // 64-byte aligned, as is dZ1
    w->dZ1 = w->A1 + n_act;
    w->z2 = w->dZ1 + n_dz1;
    w->dz2 = w->z2 + n_rows * n_out;
    w->W2T = n_w2t ? w->dz2 + n_rows * n_out : NULL;
    mlp_work_set_kernels(w, MLP_KERNELS_AUTO);
    return 0;
}

void mlp_work_free(MlpWork *w) {
    free(w->mem);
    memset(w, 0, sizeof *w);
}

// ---------------------------------------------------------------------------------------
// The canonical maths, one value at a time (the kernels inline mlp_math.h themselves).

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
double mlp_log(double x) { return log_c(x); }
double mlp_bce_from_logit(double z, double y) { return bce_c(z, y); }
double mlp_sigmoid(double z) { return sigmoid_c(z); }

// ---------------------------------------------------------------------------------------
// The choice of kernels.

// The default: AUTO resolves to the fastest this CPU runs; SWEEP_MLP_KERNELS may ask for one.
static MlpKernels default_kernels(void) {
    const char *env = getenv("SWEEP_MLP_KERNELS");
    if (env && strcmp(env, "portable") == 0) return MLP_KERNELS_PORTABLE;
    if (env && strcmp(env, "avx2") == 0 && mlp_kernels_avx2()) return MLP_KERNELS_AVX2;
    return mlp_kernels_avx2() ? MLP_KERNELS_AVX2 : MLP_KERNELS_PORTABLE;
}

int mlp_kernels_resolve(MlpKernels k) {
    if (k == MLP_KERNELS_AUTO) k = default_kernels();
    if (k == MLP_KERNELS_AVX2 && !mlp_kernels_avx2()) return -1;
    return k == MLP_KERNELS_AVX2 ? MLP_KERNELS_AVX2 : MLP_KERNELS_PORTABLE;
}

int mlp_work_set_kernels(MlpWork *w, MlpKernels k) {
    if (k == MLP_KERNELS_AUTO) k = default_kernels();
    if (k == MLP_KERNELS_PORTABLE) {
        w->kernels = &mlp_kernels_portable;
        return (int)k;
    }
    const MlpKernelTable *avx2 = mlp_kernels_avx2();
    if (k == MLP_KERNELS_AVX2 && avx2) {
        w->kernels = avx2;
        return (int)k;
    }
    return -1;
}

MlpKernels mlp_work_kernels(const MlpWork *w) {
    return w->kernels == &mlp_kernels_portable ? MLP_KERNELS_PORTABLE : MLP_KERNELS_AVX2;
}

const char *mlp_kernels_name(MlpKernels k) { return k == MLP_KERNELS_AVX2 ? "avx2" : "portable"; }

// ---------------------------------------------------------------------------------------
// The entry points.

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
                  double *loss, double *score) {
    MlpHeadSums s = {.loss = 0.0, .correct = 0};
    w->kernels->evaluate(m, X, y, n, w, &s);
    head_score(m->head, &s, y, n, loss, score);   // mean loss (the one NaN), the score
}
