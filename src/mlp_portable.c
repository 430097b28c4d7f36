// mlp_portable.c: the network's kernels as plain C loops, for every CPU.
//
// Shapes, row-major: X (B, D), y (B), W1 (D, H), b1 (H), A1 and dZ1 (B, H), W2 (H, O), b2 (O),
// z2 and dz2 (B, O). O = 1 (the binary and mse heads) runs the one-output loops, O > 1
// (softmax) the wide ones (_wide): mlp.h's two orders of the output layer.
// Contract: mlp_kernels.h's interface, in the canonical order of mlp.h, with fused
// multiply-adds through fma() from libm (correctly rounded: a hardware instruction where the
// CPU has one, exact software elsewhere), so the bits are the AVX2 kernels' (src/mlp_avx2.c)
// on every machine; tests/unit/test_mlp.c holds the two to each other bitwise. The activation
// is a compile-time constant in each copy of a kernel (ACT_DISPATCH); the head's parts come
// from mlp_head.h. -ffp-contract=off (Makefile) keeps the compiler from fusing anything
// itself.
#include "mlp_kernels.h"

// Calls CALL(act) with act a compile-time constant, one copy per activation.
#define ACT_DISPATCH(ACT, CALL)                                                         \
    do {                                                                                \
        switch (ACT) {                                                                  \
        case MLP_TANH: CALL(MLP_TANH); break;                                           \
        case MLP_LEAKY_RELU: CALL(MLP_LEAKY_RELU); break;                               \
        default: CALL(MLP_RELU); break;                                                 \
        }                                                                               \
    } while (0)

// ---------------------------------------------------------------------------------------
// Forward and backward.

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

// O > 1 outputs: A1 as above, then z2[b,o] = b2[o] + sum over h in order, like Z1.
MLP_INLINE void forward_wide_portable_t(const Mlp *m, const double *X, int64_t B, double *A1, double *z2,
                                        const MlpActivation act) {
    // X is (B, D), W1 is (D, H), A1 out is (B, H), W2 is (H, O), z2 out is (B, O)
    int64_t D = m->n_in, H = m->n_hidden, O = m->n_out;
    for (int64_t b = 0; b < B; b++) {
        double *a = A1 + b * H, *z = z2 + b * O;
        const double *x = X + b * D;
        for (int64_t h = 0; h < H; h++) a[h] = m->b1[h];
        for (int64_t d = 0; d < D; d++) {
            double xd = x[d];
            const double *wrow = m->W1 + d * H;
            for (int64_t h = 0; h < H; h++) a[h] = fma(xd, wrow[h], a[h]);       // Z1 = X W1 + b1
        }
        for (int64_t h = 0; h < H; h++) a[h] = act_c(act, a[h]);                // A1 = act(Z1)
        for (int64_t o = 0; o < O; o++) z[o] = m->b2[o];
        for (int64_t h = 0; h < H; h++) {
            double ah = a[h];
            const double *wrow = m->W2 + h * O;
            for (int64_t o = 0; o < O; o++) z[o] = fma(ah, wrow[o], z[o]);      // z2 = A1 W2 + b2
        }
    }
}

static void forward_portable(const Mlp *m, const double *X, int64_t B, double *A1, int store,
                             double *z2) {
    (void)store;   // A1 is scratch when not stored
    if (m->n_out != 1) {
#define FWD_W(ACT) forward_wide_portable_t(m, X, B, A1, z2, ACT)
        ACT_DISPATCH(m->act, FWD_W);
#undef FWD_W
        return;
    }
#define FWD_P(ACT) forward_portable_t(m, X, B, A1, z2, ACT)
    ACT_DISPATCH(m->act, FWD_P);
#undef FWD_P
}

// dW1 = X^T dZ1 (X (B, D), dZ1 (B, H), dW1 (D, H)), one row of dW1 at a time, 64 columns at
// once, each accumulated over b in order from +0; put into W1 (the update, or the gradient).
MLP_INLINE void dw1_portable(const double *X, const double *dZ1, int64_t B, int64_t D, int64_t H, double *W1,
                             int update, double nlr) {
    for (int64_t d = 0; d < D; d++) {
        double *out = W1 + d * H;
        for (int64_t h0 = 0; h0 < H; h0 += 64) {
            double g[64];
            int64_t n = H - h0 < 64 ? H - h0 : 64;
            for (int64_t j = 0; j < n; j++) g[j] = 0.0;
            for (int64_t b = 0; b < B; b++) {
                double xd = X[b * D + d];
                const double *dz = dZ1 + b * H + h0;
                for (int64_t j = 0; j < n; j++) g[j] = fma(xd, dz[j], g[j]);    // dW1 = X^T dZ1
            }
            for (int64_t j = 0; j < n; j++) put(out + h0 + j, g[j], update, nlr);
        }
    }
}

MLP_INLINE void backward_portable_t(const Mlp *m, const double *X, const double *y, int64_t B,
                                    MlpWork *w, Mlp *dst, int update, double lr, const MlpActivation act) {
    // X is (B, D), y (B), A1 and z2 from forward; dst's dW1 is (D, H), db1 (H), dW2 (H), db2 (1)
    int64_t D = m->n_in, H = m->n_hidden;
    const int64_t O = 1;   // the one output of these loops (backward_portable: m->n_out == 1)
    const double *A1 = w->A1;
    double *dz2 = w->dz2, *dZ1 = w->dZ1, nlr = -lr;
    double db2 = 0.0;
    for (int64_t b = 0; b < B; b++) {
        head_dz2(m->head, w->z2 + b * O, O, y[b], B, dz2 + b * O);               // dz2, the head's
        db2 += dz2[b];                                                           // db2 = sum dz2
    }
    // dW2 = A1^T dz2; dZ1 = dz2 W2^T * act'(Z1); db1 = sum_rows dZ1.
    for (int64_t h = 0; h < H; h++) {
        double dw2 = 0.0, db1 = 0.0, w2 = m->W2[h];
        for (int64_t b = 0; b < B; b++) {
            double a = A1[b * H + h];
            dw2 = fma(a, dz2[b], dw2);                                           // dW2 = A1^T dz2
            double dz1 = dact_c(act, a, dz2[b] * w2);                            // dZ1 = act'(dz2 W2)
            dZ1[b * H + h] = dz1;
            db1 = db1 + dz1;                                                     // db1 = sum dZ1
        }
        put(dst->W2 + h, dw2, update, nlr);
        put(dst->b1 + h, db1, update, nlr);
    }
    put(dst->b2, db2, update, nlr);
    dw1_portable(X, dZ1, B, D, H, dst->W1, update, nlr);
}

// O > 1 outputs: dz2 (B, O) from the head, db2 and dW2 over the rows, dZ1 from g = dz2 W2^T
// (along o), dW1 as above. W2 is read (for dZ1) before dW2 is put (dst may be m).
MLP_INLINE void backward_wide_portable_t(const Mlp *m, const double *X, const double *y, int64_t B,
                                         MlpWork *w, Mlp *dst, int update, double lr, const MlpActivation act) {
    // X is (B, D), y (B), A1 (B, H) and z2 (B, O) from forward; dst's dW1 is (D, H), db1 (H),
    // dW2 (H, O), db2 (O)
    int64_t D = m->n_in, H = m->n_hidden, O = m->n_out;
    const double *A1 = w->A1;
    double *dz2 = w->dz2, *dZ1 = w->dZ1, nlr = -lr;
    for (int64_t b = 0; b < B; b++) head_dz2(m->head, w->z2 + b * O, O, y[b], B, dz2 + b * O);   // dz2, the head's
    // dZ1 = act'(dz2 W2^T); db1 = sum_rows dZ1 (before W2 changes).
    for (int64_t h = 0; h < H; h++) {
        const double *w2 = m->W2 + h * O;
        double db1 = 0.0;
        for (int64_t b = 0; b < B; b++) {
            const double *dz = dz2 + b * O;
            double g = 0.0;
            for (int64_t o = 0; o < O; o++) g = fma(dz[o], w2[o], g);           // dA1 = dz2 W2^T
            double dz1 = dact_c(act, A1[b * H + h], g);                          // dZ1 = act'(dA1)
            dZ1[b * H + h] = dz1;
            db1 = db1 + dz1;                                                     // db1 = sum dZ1
        }
        put(dst->b1 + h, db1, update, nlr);
    }
    // db2 = sum_rows dz2; dW2 = A1^T dz2.
    for (int64_t o = 0; o < O; o++) {
        double db2 = 0.0;
        for (int64_t b = 0; b < B; b++) db2 += dz2[b * O + o];                 // db2 = sum dz2
        put(dst->b2 + o, db2, update, nlr);
    }
    for (int64_t h = 0; h < H; h++) {
        double g[64];
        for (int64_t o0 = 0; o0 < O; o0 += 64) {
            int64_t n = O - o0 < 64 ? O - o0 : 64;
            for (int64_t j = 0; j < n; j++) g[j] = 0.0;
            for (int64_t b = 0; b < B; b++) {
                double a = A1[b * H + h];
                const double *dz = dz2 + b * O + o0;
                for (int64_t j = 0; j < n; j++) g[j] = fma(a, dz[j], g[j]);      // dW2 = A1^T dz2
            }
            for (int64_t j = 0; j < n; j++) put(dst->W2 + h * O + o0 + j, g[j], update, nlr);
        }
    }
    dw1_portable(X, dZ1, B, D, H, dst->W1, update, nlr);   // as the one-output loops
}

static void backward_portable(const Mlp *m, const double *X, const double *y, int64_t B,
                              MlpWork *w, Mlp *dst, int update, double lr) {
    if (m->n_out != 1) {
#define BWD_W(ACT) backward_wide_portable_t(m, X, y, B, w, dst, update, lr, ACT)
        ACT_DISPATCH(m->act, BWD_W);
#undef BWD_W
        return;
    }
#define BWD_P(ACT) backward_portable_t(m, X, y, B, w, dst, update, lr, ACT)
    ACT_DISPATCH(m->act, BWD_P);
#undef BWD_P
}

// ---------------------------------------------------------------------------------------
// Update and evaluation.

static void update_portable(Mlp *m, const Mlp *g, double lr) {
    // every parameter p of m and its gradient dp of g: p = fma(-lr, dp, p)
    int64_t n = mlp_model_n_params(m);
    double nlr = -lr;
    for (int64_t i = 0; i < n; i++) m->mem[i] = fma(nlr, g->mem[i], m->mem[i]);   // W -= lr dW
}

static void evaluate_portable(const Mlp *m, const double *X, const double *y, int64_t n,
                              MlpWork *w, MlpHeadSums *s) {
    // X is (n, D), y (n): forward chunk by chunk, the head's sums over the rows in order
    const int64_t O = m->n_out;
    MlpHeadSums sums = *s;   // a local copy, kept in registers
    for (int64_t start = 0; start < n; start += w->n_rows) {
        int64_t rows = n - start < w->n_rows ? n - start : w->n_rows;
        forward_portable(m, X + start * m->n_in, rows, w->A1, 0, w->z2);
        head_eval_rows(m->head, O, w->z2, y + start, rows, &sums);           // sum of loss, correct
    }
    *s = sums;
}

const MlpKernelTable mlp_kernels_portable = {forward_portable, backward_portable, update_portable,
                                             evaluate_portable};
