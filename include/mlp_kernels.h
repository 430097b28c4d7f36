// mlp_kernels.h: the interface every implementation of the network's kernels provides
// (src/mlp_portable.c, src/mlp_avx2.c); src/mlp.c picks one per work space and dispatches.
//
// Shapes, row-major: X (B, D), y (B), A1 (B, H), z2 and dz2 (B, O), the model's W1 (D, H),
// b1 (H), W2 (H, O), b2 (O), and a gradient of the model's shapes. O is the head's (mlp_head.h).
// Contract (every implementation gives the same bits: the canonical order of mlp.h):
//   forward: z2 for B rows; A1 (capacity B*H) is written when store, else it may be scratch.
//   backward: after forward with store on the same X (w->A1, w->z2); dz2 from the head (into
//     w->dz2; with O > 1 outputs w->W2T is scratch too, W2 copied there before anything is
//     written). With
//     update == 0 the gradient goes to dst; with update != 0, dst is the model and each
//     parameter p becomes fma(-lr, dp, p) (dst may then be the model m itself: nothing is read
//     after it is written).
//   update: every parameter p of m and its gradient dp of g: p = fma(-lr, dp, p).
//   evaluate: forward over n rows in chunks of w->n_rows, each chunk's rows added to s by the
//     head (its loss sum and correct count, in row order).
// Internal to the mlp_* files.
#ifndef MLP_KERNELS_H
#define MLP_KERNELS_H

#include "mlp.h"
#include "mlp_head.h"
#include "mlp_math.h"

typedef struct MlpKernelTable {
    void (*forward)(const Mlp *m, const double *X, int64_t B, double *A1, int store, double *z2);
    void (*backward)(const Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w,
                     Mlp *dst, int update, double lr);
    void (*update)(Mlp *m, const Mlp *g, double lr);
    void (*evaluate)(const Mlp *m, const double *X, const double *y, int64_t n, MlpWork *w,
                     MlpHeadSums *s);
} MlpKernelTable;

extern const MlpKernelTable mlp_kernels_portable;   // src/mlp_portable.c
// src/mlp_avx2.c: its table, or NULL where this build or this CPU has no AVX2 and FMA.
const MlpKernelTable *mlp_kernels_avx2(void);

// Writes one parameter's gradient g, or applies it: p = fma(-lr, g, p).
MLP_INLINE void put(double *p, double g, int update, double neg_lr) { *p = update ? fma(neg_lr, g, *p) : g; }

#endif
