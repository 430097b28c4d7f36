// mlp_avx2.c: the network's kernels on AVX2+FMA, chosen at run time on a CPU that has both.
//
// Shapes, row-major: X (B, D), y (B), W1 (D, H), b1 (H), A1 (B, H), W2 (H, O), b2 (O), z2 and
// dz2 (B, O); dZ1 is a packed panel per tile of hidden units. O = 1 (the binary and mse heads)
// runs the one-output kernels, O > 1 (softmax) the wide ones at the end of this file, each in
// its order of mlp.h.
// Contract: mlp_kernels.h's interface, bitwise the portable kernels (src/mlp_portable.c): the
// canonical order of mlp.h. Vectors run across independent outputs (the hidden units h, 4 per
// ymm register), so each output element sees exactly the operations the portable loop does;
// the one reduction along h (the logit z2) is defined with 4 lanes, h mod 4, which both paths
// compute the same way. Register-blocked micro-kernels: a tile of R rows (R <= 6) by NV ymm
// vectors of 4 hidden units (NV <= 2) keeps R*NV <= 12 accumulators in registers; the loops over
// R and NV are unrolled at compile time, one copy of the kernel per (R, NV) used. The per-row
// maths (exp, log1p, sigmoid, the loss) runs 4 rows per vector with the scalar functions' exact
// steps (mlp_math_avx2.h, the head's _avx2 row loops). Every function is compiled with
// target("avx2,fma"), so the default build stays portable; each activation has its own copy of
// forward and backward (relu's keeps the code it had alone: merging them cost relu 15-18%).
// -ffp-contract=off (Makefile) keeps the compiler from fusing anything on its own.
#include "mlp_kernels.h"
#include "mlp_math_avx2.h"

#ifdef MLP_HAVE_AVX2

enum { MR = 6, NVMAX = 2, FWD_CHUNK = 48 };

// ---------------------------------------------------------------------------------------
// The tiles: forward's Z1 tile, backward's dW1 tile and dZ1 panel.

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
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(xb, wv[v], acc[r][v]);   // Z1 = X W1 + b1
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
            z = _mm256_fmadd_pd(a, wv[v], z);                                  // z2 lanes += A1 W2
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
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(xb, zv[v], acc[r][v]);   // dW1 = X^T dZ1
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

// dw1_tile with -lr read from memory after the loop, not held in a register through it: the
// same operations. The mse head's backward copies use it: with -lr in a register GCC spills one
// of the tile's dZ1 vectors in their hottest loop (the binary head's copies keep dw1_tile, whose
// code there is what it always was).
AVX2_INLINE void dw1_tile_m(const int R, const int NV, const double *x, int64_t D, const double *P,
                            int64_t H, int64_t B, double *out, int update, const double *nlr) {
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
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(xb, zv[v], acc[r][v]);   // dW1 = X^T dZ1
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            double *p = out + r * H + 4 * v;
            _mm256_storeu_pd(p, update ? _mm256_fmadd_pd(_mm256_broadcast_sd(nlr), acc[r][v], _mm256_loadu_pd(p)) : acc[r][v]);
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
            gw[v] = _mm256_fmadd_pd(a, dz, gw[v]);                             // dW2 = A1^T dz2
            __m256d d1 = dact4(act, a, _mm256_mul_pd(dz, w2[v]));           // dZ1 = act'(dz2 W2)
            _mm256_store_pd(P + b * 4 * NV + 4 * v, d1);
            gb[v] = _mm256_add_pd(gb[v], d1);                                  // db1 = sum dZ1
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

// ---------------------------------------------------------------------------------------
// Forward and backward.

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
                _mm256_storeu_pd(z2 + c0 + r0, _mm256_add_pd(b2, _mm256_add_pd(lo, hi)));   // z2 = b2 + lanes
            }
        }
        // The rest, and the last H mod 4 units, each into its own lane.
        for (int64_t r = r0; r < nr; r++) {
            double s[4];
            _mm256_storeu_pd(s, zacc[r]);
            const double *x = X + (c0 + r) * D;
            for (int64_t h = H4; h < H; h++) {
                double z = b1[h];
                for (int64_t d = 0; d < D; d++) z = fma(x[d], W1[d * H + h], z);   // Z1 = X W1 + b1
                double a = act_c(act, z);                                            // A1 = act(Z1)
                if (store) A1[(c0 + r) * H + h] = a;
                s[h - H4] = fma(a, W2[h], s[h - H4]);                                // z2 lanes += A1 W2
            }
            z2[c0 + r] = m->b2[0] + ((s[0] + s[1]) + (s[2] + s[3]));           // z2 = b2 + lanes
        }
    }
}

// One copy per activation, each its own function (so that relu's keeps the code it had alone:
// one function for all three cost relu 15-18%).
#define FWD_COPY(NAME, ACT)                                                                       \
    AVX2_FN __attribute__((noinline)) static void NAME(const Mlp *m, const double *X, int64_t B, \
                                                       double *A1, int store, double *z2) {      \
        forward_avx2_t(m, X, B, A1, store, z2, ACT);                                             \
    }
FWD_COPY(forward_avx2_relu, MLP_RELU)
FWD_COPY(forward_avx2_tanh, MLP_TANH)
FWD_COPY(forward_avx2_leaky, MLP_LEAKY_RELU)
#undef FWD_COPY

AVX2_FN static void forward_wide_avx2(const Mlp *m, const double *X, int64_t B, double *A1, double *z2);
AVX2_FN static void backward_wide_avx2(const Mlp *m, const double *X, const double *y, int64_t B,
                                       MlpWork *w, Mlp *dst, int update, double lr);

AVX2_FN static void forward_avx2(const Mlp *m, const double *X, int64_t B, double *A1, int store,
                                 double *z2) {
    if (m->n_out != 1) forward_wide_avx2(m, X, B, A1, z2);   // A1 is scratch when not stored
    else if (m->act == MLP_TANH) forward_avx2_tanh(m, X, B, A1, store, z2);
    else if (m->act == MLP_LEAKY_RELU) forward_avx2_leaky(m, X, B, A1, store, z2);
    else forward_avx2_relu(m, X, B, A1, store, z2);
}

// The binary head's backward pass (the one-output order of mlp.h). The mse head's is
// backward_mse_t below: the same loops from its own dz2, its dW1 tiles reading -lr from memory.
// Two copies of the loops, not one with the head as a parameter: any change to this one's text
// changes GCC's register allocation for the binary head (the instructions it had alone are
// kept), and the one-parameter version spilled a register in mse's hottest loop.
AVX2_INLINE void backward_avx2_t(const Mlp *m, const double *X, const double *y, int64_t B,
                                 MlpWork *w, Mlp *dst, int update, double lr, const MlpActivation act) {
    // X is (B, D), y (B), A1 and z2 from forward; dst's dW1 is (D, H), db1 (H), dW2 (H), db2 (1)
    const int64_t D = m->n_in, H = m->n_hidden, H4 = H & ~(int64_t)3, nvec = H4 / 4;
    const int64_t O = 1;   // the one output of these loops (backward_avx2: m->n_out == 1)
    const double *A1 = w->A1, *z2 = w->z2;
    double *dz2 = w->dz2, *P = w->dZ1;
    const double nlr_s = -lr;
    const __m256d nlr = _mm256_set1_pd(nlr_s);
    head_dz2_rows_avx2(MLP_HEAD_BINARY, O, z2, y, B, dz2);                      // dz2, the head's
    double db2 = 0.0;
    for (int64_t b = 0; b < B; b++) db2 += dz2[b];                               // db2 = sum dz2
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
        for (int64_t b = 0; b < B; b++) {
            double a = A1[b * H + h];
            dw2 = fma(a, dz2[b], dw2);                                           // dW2 = A1^T dz2
            P[b] = dact_c(act, a, dz2[b] * w2);                                  // dZ1 = act'(dz2 W2)
            db1 = db1 + P[b];                                                    // db1 = sum dZ1
        }
        put(dst->W2 + h, dw2, update, nlr_s);
        put(dst->b1 + h, db1, update, nlr_s);
        for (int64_t d = 0; d < D; d++) {
            double g = 0.0;
            for (int64_t b = 0; b < B; b++) g = fma(X[b * D + d], P[b], g);   // dW1 = X^T dZ1
            put(dst->W1 + d * H + h, g, update, nlr_s);
        }
    }
}

// The mse head's backward pass: backward_avx2_t's, from dz2 = 2 (z - t) / B (the same order).
AVX2_INLINE void backward_mse_t(const Mlp *m, const double *X, const double *y, int64_t B,
                                MlpWork *w, Mlp *dst, int update, double lr, const MlpActivation act) {
    const int64_t D = m->n_in, H = m->n_hidden, H4 = H & ~(int64_t)3, nvec = H4 / 4;
    const double *A1 = w->A1;
    double *dz2 = w->dz2, *P = w->dZ1;
    const double nlr_s = -lr;
    const __m256d nlr = _mm256_set1_pd(nlr_s);
    head_dz2_rows_avx2(MLP_HEAD_MSE, 1, w->z2, y, B, dz2);                      // dz2, the head's
    double db2 = 0.0;
    for (int64_t b = 0; b < B; b++) db2 += dz2[b];                               // db2 = sum dz2
    put(dst->b2, db2, update, nlr_s);
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
#define DW1(RR, NN) dw1_tile_m(RR, NN, X + d0, D, P, H, B, out, update, &nlr_s)
            DISPATCH(R, nv, DW1);
#undef DW1
        }
    }
    // The last H mod 4 units, one at a time.
    for (int64_t h = H4; h < H; h++) {
        double dw2 = 0.0, db1 = 0.0, w2 = m->W2[h];
        for (int64_t b = 0; b < B; b++) {
            double a = A1[b * H + h];
            dw2 = fma(a, dz2[b], dw2);                                           // dW2 = A1^T dz2
            P[b] = dact_c(act, a, dz2[b] * w2);                                  // dZ1 = act'(dz2 W2)
            db1 = db1 + P[b];                                                    // db1 = sum dZ1
        }
        put(dst->W2 + h, dw2, update, nlr_s);
        put(dst->b1 + h, db1, update, nlr_s);
        for (int64_t d = 0; d < D; d++) {
            double g = 0.0;
            for (int64_t b = 0; b < B; b++) g = fma(X[b * D + d], P[b], g);   // dW1 = X^T dZ1
            put(dst->W1 + d * H + h, g, update, nlr_s);
        }
    }
}

// One copy per activation and one-output head (binary: backward_avx2_t, the code it was
// alone; mse: backward_mse_t).
#define BWD_COPY(NAME, BODY, ACT)                                                                  \
    AVX2_FN __attribute__((noinline)) static void NAME(const Mlp *m, const double *X, const double *y, \
                                                       int64_t B, MlpWork *w, Mlp *dst, int update,    \
                                                       double lr) {                                    \
        BODY(m, X, y, B, w, dst, update, lr, ACT);                                                    \
    }
BWD_COPY(backward_avx2_relu, backward_avx2_t, MLP_RELU)
BWD_COPY(backward_avx2_tanh, backward_avx2_t, MLP_TANH)
BWD_COPY(backward_avx2_leaky, backward_avx2_t, MLP_LEAKY_RELU)
BWD_COPY(backward_mse_relu, backward_mse_t, MLP_RELU)
BWD_COPY(backward_mse_tanh, backward_mse_t, MLP_TANH)
BWD_COPY(backward_mse_leaky, backward_mse_t, MLP_LEAKY_RELU)
#undef BWD_COPY

AVX2_FN static void backward_avx2(const Mlp *m, const double *X, const double *y, int64_t B,
                                  MlpWork *w, Mlp *dst, int update, double lr) {
    if (m->n_out != 1) backward_wide_avx2(m, X, y, B, w, dst, update, lr);
    else if (m->head == MLP_HEAD_MSE) {
        if (m->act == MLP_TANH) backward_mse_tanh(m, X, y, B, w, dst, update, lr);
        else if (m->act == MLP_LEAKY_RELU) backward_mse_leaky(m, X, y, B, w, dst, update, lr);
        else backward_mse_relu(m, X, y, B, w, dst, update, lr);
    } else if (m->act == MLP_TANH) backward_avx2_tanh(m, X, y, B, w, dst, update, lr);
    else if (m->act == MLP_LEAKY_RELU) backward_avx2_leaky(m, X, y, B, w, dst, update, lr);
    else backward_avx2_relu(m, X, y, B, w, dst, update, lr);
}

// ---------------------------------------------------------------------------------------
// The wide kernels: O > 1 outputs (mlp.h's second order). The output layer is a matrix product
// like the hidden layer: vectors run across the outputs o (4 per ymm register; the last one of a
// row masked to the O mod 4 outputs left), each output element accumulating along h in order.
// dZ1's reduction along o runs across hidden units h, 4 per register, from W2 transposed
// (w->W2T, copied before anything is written: dst may be the model). Z1, A1 and dW1 are the
// one-output kernels' tiles without the logit lanes.

// The first n of 4 lanes (n in 1..4), as a mask for maskload and maskstore.
AVX2_INLINE __m256i first_lanes(int64_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

// Vector v of NV (v < NV - 1 whole; the last one masked by `last`).
AVX2_INLINE __m256d load_o(const double *p, int v, int NV, __m256i last) {
    return v == NV - 1 ? _mm256_maskload_pd(p, last) : _mm256_loadu_pd(p);
}
AVX2_INLINE void store_o(double *p, __m256d x, int v, int NV, __m256i last) {
    if (v == NV - 1) _mm256_maskstore_pd(p, last, x);
    else _mm256_storeu_pd(p, x);
}

// A1 tile: rows x[0..R) (stride D) times W (D x 4*NV, stride H) plus b1, then the activation,
// stored to A1 (stride H): fwd_tile without the logit lanes.
AVX2_INLINE void hidden_tile(const int R, const int NV, const double *x, int64_t D, const double *W,
                             int64_t H, const double *b1, double *A1, const MlpActivation act) {
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
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(xb, wv[v], acc[r][v]);   // Z1 = X W1 + b1
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) _mm256_storeu_pd(A1 + r * H + 4 * v, act4(act, acc[r][v]));   // A1 = act(Z1)
}

// z2 tile: rows a[0..R) of A1 (stride H) times W2's 4*NV columns from W2 (stride O) plus b2,
// into z2 (stride O); the last vector masked by `last`.
AVX2_INLINE void output_tile(const int R, const int NV, const double *a, int64_t H, const double *W2,
                             int64_t O, const double *b2, double *z2, __m256i last) {
    __m256d acc[MR][NVMAX], wv[NVMAX];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
        __m256d bv = load_o(b2 + 4 * v, v, NV, last);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) acc[r][v] = bv;
    }
    for (int64_t h = 0; h < H; h++) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) wv[v] = load_o(W2 + h * O + 4 * v, v, NV, last);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256d ab = _mm256_broadcast_sd(a + r * H + h);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(ab, wv[v], acc[r][v]);   // z2 = A1 W2 + b2
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) store_o(z2 + r * O + 4 * v, acc[r][v], v, NV, last);
}

// dW2 tile: hidden units a[0..R) of A1 (columns, A1 stride H) times dz2's 4*NV columns (stride
// O), over b in order from +0, stored to out (stride O) or applied as out = fma(-lr, g, out).
AVX2_INLINE void dw2_tile(const int R, const int NV, const double *a, int64_t H, const double *dz2,
                          int64_t O, int64_t B, double *out, __m256i last, int update, __m256d nlr) {
    __m256d acc[MR][NVMAX], zv[NVMAX];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) acc[r][v] = _mm256_setzero_pd();
    for (int64_t b = 0; b < B; b++) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) zv[v] = load_o(dz2 + b * O + 4 * v, v, NV, last);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256d ab = _mm256_broadcast_sd(a + b * H + r);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_pd(ab, zv[v], acc[r][v]);   // dW2 = A1^T dz2
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            double *p = out + r * O + 4 * v;
            __m256d g = update ? _mm256_fmadd_pd(nlr, acc[r][v], load_o(p, v, NV, last)) : acc[r][v];
            store_o(p, g, v, NV, last);
        }
}

// dZ1 of one row b for 4*NV hidden units from its g (dA1): act'(g) into the packed panel P,
// added to db1's sums gb.
AVX2_INLINE void dz1_row_wide(const int NV, const double *A1, int64_t H, int64_t b, const __m256d *g,
                              double *P, __m256d *gb, const MlpActivation act) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
        __m256d d1 = dact4(act, _mm256_loadu_pd(A1 + b * H + 4 * v), g[v]);         // dZ1 = act'(dA1)
        _mm256_store_pd(P + b * 4 * NV + 4 * v, d1);
        gb[v] = _mm256_add_pd(gb[v], d1);                                         // db1 = sum dZ1
    }
}

// For 4*NV hidden units, over b in order (4 rows at a time, for independent chains): g =
// dz2 W2^T along o from +0, dZ1 = act'(g) into the packed panel P (B rows of 4*NV), and db1.
AVX2_INLINE void dz1_panel_wide(const int NV, const double *W2T, int64_t H, int64_t O, const double *A1,
                                int64_t B, const double *dz2, double *P, double *db1, int update,
                                __m256d nlr, const MlpActivation act) {
    enum { RB = 4 };
    __m256d gb[NVMAX];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) gb[v] = _mm256_setzero_pd();
    int64_t b = 0;
    for (; b + RB <= B; b += RB) {
        __m256d g[RB][NVMAX];
#pragma GCC unroll 4
        for (int r = 0; r < RB; r++)
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++) g[r][v] = _mm256_setzero_pd();
        for (int64_t o = 0; o < O; o++) {
            __m256d wv[NVMAX];
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++) wv[v] = _mm256_loadu_pd(W2T + o * H + 4 * v);
#pragma GCC unroll 4
            for (int r = 0; r < RB; r++) {
                __m256d dz = _mm256_broadcast_sd(dz2 + (b + r) * O + o);
#pragma GCC unroll 2
                for (int v = 0; v < NV; v++) g[r][v] = _mm256_fmadd_pd(dz, wv[v], g[r][v]);   // dA1 = dz2 W2^T
            }
        }
#pragma GCC unroll 4
        for (int r = 0; r < RB; r++) dz1_row_wide(NV, A1, H, b + r, g[r], P, gb, act);
    }
    for (; b < B; b++) {
        __m256d g[NVMAX];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) g[v] = _mm256_setzero_pd();
        for (int64_t o = 0; o < O; o++) {
            __m256d dz = _mm256_broadcast_sd(dz2 + b * O + o);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++) g[v] = _mm256_fmadd_pd(dz, _mm256_loadu_pd(W2T + o * H + 4 * v), g[v]);
        }
        dz1_row_wide(NV, A1, H, b, g, P, gb, act);
    }
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
        if (update) gb[v] = _mm256_fmadd_pd(nlr, gb[v], _mm256_loadu_pd(db1 + 4 * v));
        _mm256_storeu_pd(db1 + 4 * v, gb[v]);
    }
}

AVX2_INLINE void forward_wide_avx2_t(const Mlp *m, const double *X, int64_t B, double *A1, double *z2,
                                     const MlpActivation act) {
    // X is (B, D), W1 is (D, H), A1 out is (B, H) (always written), W2 is (H, O), z2 out is (B, O)
    const int64_t D = m->n_in, H = m->n_hidden, O = m->n_out, H4 = H & ~(int64_t)3, nvec = H4 / 4;
    const int64_t ovec = (O + 3) / 4;
    const __m256i all = _mm256_set1_epi64x(-1), last = first_lanes(O - 4 * (ovec - 1));
    const double *W1 = m->W1, *b1 = m->b1;
    for (int64_t c0 = 0; c0 < B; c0 += FWD_CHUNK) {
        int64_t nr = B - c0 < FWD_CHUNK ? B - c0 : FWD_CHUNK;
        for (int64_t v0 = 0; v0 < nvec; v0 += NVMAX) {
            int nv = nvec - v0 < NVMAX ? (int)(nvec - v0) : NVMAX;
            int64_t h0 = 4 * v0;
            for (int64_t r0 = 0; r0 < nr; r0 += MR) {
                int R = nr - r0 < MR ? (int)(nr - r0) : MR;
                const double *x = X + (c0 + r0) * D;
                double *a = A1 + (c0 + r0) * H + h0;
#define HID(RR, NN) hidden_tile(RR, NN, x, D, W1 + h0, H, b1 + h0, a, act)
                DISPATCH(R, nv, HID);
#undef HID
            }
        }
        for (int64_t r = 0; r < nr; r++) {   // the last H mod 4 units
            const double *x = X + (c0 + r) * D;
            for (int64_t h = H4; h < H; h++) {
                double z = b1[h];
                for (int64_t d = 0; d < D; d++) z = fma(x[d], W1[d * H + h], z);   // Z1 = X W1 + b1
                A1[(c0 + r) * H + h] = act_c(act, z);                                // A1 = act(Z1)
            }
        }
        for (int64_t v0 = 0; v0 < ovec; v0 += NVMAX) {
            int nv = ovec - v0 < NVMAX ? (int)(ovec - v0) : NVMAX;
            __m256i mask = v0 + nv == ovec ? last : all;
            for (int64_t r0 = 0; r0 < nr; r0 += MR) {
                int R = nr - r0 < MR ? (int)(nr - r0) : MR;
                const double *a = A1 + (c0 + r0) * H;
#define OUT(RR, NN) output_tile(RR, NN, a, H, m->W2 + 4 * v0, O, m->b2 + 4 * v0, z2 + (c0 + r0) * O + 4 * v0, mask)
                DISPATCH(R, nv, OUT);
#undef OUT
            }
        }
    }
}

AVX2_INLINE void backward_wide_avx2_t(const Mlp *m, const double *X, const double *y, int64_t B,
                                      MlpWork *w, Mlp *dst, int update, double lr, const MlpActivation act) {
    // X is (B, D), y (B), A1 (B, H) and z2 (B, O) from forward; dst's dW1 is (D, H), db1 (H),
    // dW2 (H, O), db2 (O)
    const int64_t D = m->n_in, H = m->n_hidden, O = m->n_out, H4 = H & ~(int64_t)3, nvec = H4 / 4;
    const int64_t ovec = (O + 3) / 4;
    const __m256i all = _mm256_set1_epi64x(-1), last = first_lanes(O - 4 * (ovec - 1));
    const double *A1 = w->A1;
    double *dz2 = w->dz2, *P = w->dZ1, *W2T = w->W2T;
    const double nlr_s = -lr;
    const __m256d nlr = _mm256_set1_pd(nlr_s);
    head_dz2_rows_avx2(m->head, O, w->z2, y, B, dz2);                           // dz2, the head's
    for (int64_t h = 0; h < H; h++)                                             // W2 transposed, before
        for (int64_t o = 0; o < O; o++) W2T[o * H + h] = m->W2[h * O + o];      // anything is written
    // db2 = sum_rows dz2, 4 outputs at a time.
    for (int64_t v = 0; v < ovec; v++) {
        __m256i mask = v + 1 == ovec ? last : all;
        __m256d acc = _mm256_setzero_pd();
        for (int64_t b = 0; b < B; b++) acc = _mm256_add_pd(acc, _mm256_maskload_pd(dz2 + b * O + 4 * v, mask));   // db2 = sum dz2
        double *p = dst->b2 + 4 * v;
        _mm256_maskstore_pd(p, mask, update ? _mm256_fmadd_pd(nlr, acc, _mm256_maskload_pd(p, mask)) : acc);
    }
    // dW2 = A1^T dz2: tiles of up to 6 hidden units by 8 outputs.
    for (int64_t v0 = 0; v0 < ovec; v0 += NVMAX) {
        int nv = ovec - v0 < NVMAX ? (int)(ovec - v0) : NVMAX;
        __m256i mask = v0 + nv == ovec ? last : all;
        for (int64_t h0 = 0; h0 < H; h0 += MR) {
            int R = H - h0 < MR ? (int)(H - h0) : MR;
#define DW2(RR, NN) dw2_tile(RR, NN, A1 + h0, H, dz2 + 4 * v0, O, B, dst->W2 + h0 * O + 4 * v0, mask, update, nlr)
            DISPATCH(R, nv, DW2);
#undef DW2
        }
    }
    // Per tile of 8 (or 4) hidden units: db1 and a packed panel of dZ1, then dW1 from it.
    for (int64_t v0 = 0; v0 < nvec; v0 += NVMAX) {
        int nv = nvec - v0 < NVMAX ? (int)(nvec - v0) : NVMAX;
        int64_t h0 = 4 * v0;
        if (nv == 2)
            dz1_panel_wide(2, W2T + h0, H, O, A1 + h0, B, dz2, P, dst->b1 + h0, update, nlr, act);
        else
            dz1_panel_wide(1, W2T + h0, H, O, A1 + h0, B, dz2, P, dst->b1 + h0, update, nlr, act);
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
        double db1 = 0.0;
        for (int64_t b = 0; b < B; b++) {
            double g = 0.0;
            for (int64_t o = 0; o < O; o++) g = fma(dz2[b * O + o], W2T[o * H + h], g);   // dA1 = dz2 W2^T
            P[b] = dact_c(act, A1[b * H + h], g);                                // dZ1 = act'(dA1)
            db1 = db1 + P[b];                                                    // db1 = sum dZ1
        }
        put(dst->b1 + h, db1, update, nlr_s);
        for (int64_t d = 0; d < D; d++) {
            double g = 0.0;
            for (int64_t b = 0; b < B; b++) g = fma(X[b * D + d], P[b], g);   // dW1 = X^T dZ1
            put(dst->W1 + d * H + h, g, update, nlr_s);
        }
    }
}

#define WIDE_COPY(FWD, BWD, ACT)                                                                  \
    AVX2_FN __attribute__((noinline)) static void FWD(const Mlp *m, const double *X, int64_t B,   \
                                                      double *A1, double *z2) {                  \
        forward_wide_avx2_t(m, X, B, A1, z2, ACT);                                               \
    }                                                                                             \
    AVX2_FN __attribute__((noinline)) static void BWD(const Mlp *m, const double *X, const double *y, \
                                                      int64_t B, MlpWork *w, Mlp *dst, int update,   \
                                                      double lr) {                                   \
        backward_wide_avx2_t(m, X, y, B, w, dst, update, lr, ACT);                                  \
    }
WIDE_COPY(forward_wide_relu, backward_wide_relu, MLP_RELU)
WIDE_COPY(forward_wide_tanh, backward_wide_tanh, MLP_TANH)
WIDE_COPY(forward_wide_leaky, backward_wide_leaky, MLP_LEAKY_RELU)
#undef WIDE_COPY

AVX2_FN static void forward_wide_avx2(const Mlp *m, const double *X, int64_t B, double *A1, double *z2) {
    if (m->act == MLP_TANH) forward_wide_tanh(m, X, B, A1, z2);
    else if (m->act == MLP_LEAKY_RELU) forward_wide_leaky(m, X, B, A1, z2);
    else forward_wide_relu(m, X, B, A1, z2);
}

AVX2_FN static void backward_wide_avx2(const Mlp *m, const double *X, const double *y, int64_t B,
                                       MlpWork *w, Mlp *dst, int update, double lr) {
    if (m->act == MLP_TANH) backward_wide_tanh(m, X, y, B, w, dst, update, lr);
    else if (m->act == MLP_LEAKY_RELU) backward_wide_leaky(m, X, y, B, w, dst, update, lr);
    else backward_wide_relu(m, X, y, B, w, dst, update, lr);
}

// ---------------------------------------------------------------------------------------
// Update and evaluation.

AVX2_FN static void update_avx2(Mlp *m, const Mlp *g, double lr) {
    // every parameter p of m and its gradient dp of g: p = fma(-lr, dp, p)
    int64_t n = mlp_model_n_params(m), i = 0;
    const __m256d nlr = _mm256_set1_pd(-lr);
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(m->mem + i, _mm256_fmadd_pd(nlr, _mm256_loadu_pd(g->mem + i),   // W -= lr dW
                                                      _mm256_loadu_pd(m->mem + i)));
    for (; i < n; i++) m->mem[i] = fma(-lr, g->mem[i], m->mem[i]);              // W -= lr dW
}

AVX2_INLINE void evaluate_avx2_t(const Mlp *m, const double *X, const double *y, int64_t n,
                                 MlpWork *w, MlpHeadSums *s, const MlpHead head) {
    // X is (n, D), y (n): forward chunk by chunk, the head's sums over the rows in order
    const int64_t O = head == MLP_HEAD_SOFTMAX ? m->n_out : 1;
    MlpHeadSums sums = *s;   // a local copy, kept in registers
    for (int64_t start = 0; start < n; start += w->n_rows) {
        int64_t rows = n - start < w->n_rows ? n - start : w->n_rows;
        forward_avx2(m, X + start * m->n_in, rows, w->A1, 0, w->z2);
        head_eval_rows_avx2(head, O, w->z2, y + start, rows, &sums);         // sum of loss, correct
    }
    *s = sums;
}

// One copy per head (a compile-time constant: the binary head's copy is the code it was alone).
#define EVAL_COPY(NAME, HEAD)                                                                    \
    AVX2_FN __attribute__((noinline)) static void NAME(const Mlp *m, const double *X, const double *y, \
                                                       int64_t n, MlpWork *w, MlpHeadSums *s) {       \
        evaluate_avx2_t(m, X, y, n, w, s, HEAD);                                                     \
    }
EVAL_COPY(evaluate_avx2_binary, MLP_HEAD_BINARY)
EVAL_COPY(evaluate_avx2_softmax, MLP_HEAD_SOFTMAX)
EVAL_COPY(evaluate_avx2_mse, MLP_HEAD_MSE)
#undef EVAL_COPY

AVX2_FN static void evaluate_avx2(const Mlp *m, const double *X, const double *y, int64_t n,
                                  MlpWork *w, MlpHeadSums *s) {
    if (m->head == MLP_HEAD_SOFTMAX) evaluate_avx2_softmax(m, X, y, n, w, s);
    else if (m->head == MLP_HEAD_MSE) evaluate_avx2_mse(m, X, y, n, w, s);
    else evaluate_avx2_binary(m, X, y, n, w, s);
}

// ---------------------------------------------------------------------------------------

static const MlpKernelTable KERNELS_AVX2 = {forward_avx2, backward_avx2, update_avx2, evaluate_avx2};

const MlpKernelTable *mlp_kernels_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? &KERNELS_AVX2 : NULL;
}

#else
const MlpKernelTable *mlp_kernels_avx2(void) { return NULL; }
#endif
