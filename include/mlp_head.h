// mlp_head.h: the network's output head, in one place. Everything that depends on what the
// network's outputs mean lives here: how many there are (O), the loss of a row's outputs
// against its target, the gradient dZ2 the backward pass starts from, the count of correct
// predictions, and the score evaluation reports. The kernels (src/mlp_portable.c,
// src/mlp_avx2.c, src/mlp_ref.c) compute the output layer Z2 = A1 W2 + b2 and its backward
// pass, and call these for the rest; src/mlp.c turns the sums into the loss and the score.
//
// Shapes, row-major: z2 (B, O) the output layer's values, y (B) one target per row (the label,
// a class 0..K-1, or a real target), dz2 (B, O). O = head_n_out(head, n_classes), stored in
// Mlp.n_out; W2 is (H, O) and b2 (O).
// Contract: every function follows the canonical order of mlp.h (bitwise reproducible); the
// _avx2 row loops give exactly the bits of the per-row functions, lane by lane, and
// tests/unit/test_mlp.c checks that they do, awkward values included.
//
// The heads (DESIGN section 7 names the ones to come):
//   MLP_HEAD_BINARY  O = 1, z the logit, p = sigmoid(z); loss BCE(z, y) computed stably from
//                    the logit; dZ2 = (p - y) / B; correct when (p >= 0.5) == (y == 1); the
//                    score is the accuracy, correct / n.
// A new head is one change here: its value in MlpHead (mlp.h), then a case in each switch
// below. Per row: head_n_out, head_loss, head_dz2, head_correct (the reference and portable
// kernels call these; head_eval_rows is built from them); head_score; and in the AVX2 row
// loops head_dz2_rows_avx2 and head_eval_rows_avx2, a case above the binary one (whose vector
// code is the switch's default), which may just run the per-row functions. Plus, in the
// kernels, the output layer's loops over the O outputs: today they compute the one output of
// O = 1 (their `const int64_t O = 1`, and mlp_init accepts no other O).
// Internal to the mlp_* files.
#ifndef MLP_HEAD_H
#define MLP_HEAD_H

#include <stdint.h>

#include "mlp.h"
#include "mlp_math.h"
#include "mlp_math_avx2.h"

// What evaluation accumulates over the rows, in row order, carried from chunk to chunk (a head
// that needs more for its score adds it here).
typedef struct {
    double loss;        // sum of the rows' losses, from +0, rows ascending
    int64_t correct;    // rows predicted right
} MlpHeadSums;

// ---------------------------------------------------------------------------------------
// The binary head, one row: the logit z and the label y (0 or 1).

MLP_INLINE double binary_loss(double z, double y) { return bce_c(z, y); }   // BCE(sigmoid(z), y)
// dZ2 = (p - y) / B. A macro, not a function: one more level of inlining in the AVX2 backward
// pass changes GCC's register allocation there (a spill in its hottest loop, the dW1 tile).
#define BINARY_DZ2(z, y, B) ((sigmoid_c(z) - (y)) / (double)(B))
// sigmoid(z) >= 0.5, the prediction, without the exp where the answer is certain: exp(-z) <= 1
// for z >= 0, and for z < -2^-20 the sigmoid is below 0.5 - 2^-23.
MLP_INLINE int binary_predicts_one(double z) {
    if (z >= 0.0) return 1;
    if (z < -0x1p-20) return 0;
    return sigmoid_c(z) >= 0.5;   // NaN: 0
}
MLP_INLINE int binary_correct(double z, double y) { return binary_predicts_one(z) == (y == 1.0); }

// ---------------------------------------------------------------------------------------
// Per head, one row: z the row's O outputs, y its target.

MLP_INLINE int64_t head_n_out(MlpHead head, int64_t n_classes) {
    switch (head) {
    default: return 1;   // MLP_HEAD_BINARY: the one logit
    }
}

MLP_INLINE double head_loss(MlpHead head, const double *z, int64_t O, double y) {
    switch (head) {
    default: return binary_loss(z[0], y);   // MLP_HEAD_BINARY
    }
}

// dZ2 of a row: its O values into dz, for a batch of B rows.
MLP_INLINE void head_dz2(MlpHead head, const double *z, int64_t O, double y, int64_t B, double *dz) {
    switch (head) {
    default: dz[0] = BINARY_DZ2(z[0], y, B);   // MLP_HEAD_BINARY: (p - y) / B
    }
}

MLP_INLINE int head_correct(MlpHead head, const double *z, int64_t O, double y) {
    switch (head) {
    default: return binary_correct(z[0], y);   // MLP_HEAD_BINARY
    }
}

// ---------------------------------------------------------------------------------------
// Rows of a chunk (the portable kernels' evaluation): their loss sum and correct count added
// to s, in row order.

MLP_INLINE void head_eval_rows(MlpHead head, int64_t O, const double *z2, const double *y, int64_t rows,
                               MlpHeadSums *s) {
    double sum = s->loss;
    int64_t correct = s->correct;
    for (int64_t b = 0; b < rows; b++) {
        sum += head_loss(head, z2 + b * O, O, y[b]);                            // sum of the losses
        correct += head_correct(head, z2 + b * O, O, y[b]);                     // of the predictions
    }
    s->loss = sum;
    s->correct = correct;
}

// The mean loss (the one NaN of mlp.h when the sum is NaN, whichever NaN it carried) and the
// score over n rows.
MLP_INLINE void head_score(MlpHead head, const MlpHeadSums *s, int64_t n, double *loss, double *score) {
    *loss = s->loss != s->loss ? CANONICAL_NAN : s->loss / (double)n;
    switch (head) {
    default: *score = (double)s->correct / (double)n;   // MLP_HEAD_BINARY: the accuracy
    }
}

#ifdef MLP_HAVE_AVX2
// ---------------------------------------------------------------------------------------
// The AVX2 kernels' row loops, 4 rows per ymm register, bitwise the per-row functions above:
// dz2 (B, O) of a whole batch (head_dz2 row by row), and head_eval_rows.

AVX2_INLINE void head_dz2_rows_avx2(MlpHead head, int64_t O, const double *z2, const double *y,
                                    int64_t B, double *dz2) {
    switch (head) {
    default: {   // MLP_HEAD_BINARY (a head without vector code: a case above it, row by row)
        const __m256d one = _mm256_set1_pd(1.0), Bv = _mm256_set1_pd((double)B);
        const __m256d sign = _mm256_set1_pd(-0.0);
        int64_t b = 0;
        for (; b + 4 <= B; b += 4) {
            __m256d e = exp4(_mm256_xor_pd(_mm256_loadu_pd(z2 + b), sign));              // exp(-z)
            __m256d p = _mm256_div_pd(one, _mm256_add_pd(one, e));                         // p = sigmoid(z)
            _mm256_storeu_pd(dz2 + b, _mm256_div_pd(_mm256_sub_pd(p, _mm256_loadu_pd(y + b)), Bv));  // (p - y) / B
        }
        for (; b < B; b++) dz2[b] = BINARY_DZ2(z2[b], y[b], B);
    }
    }
}

AVX2_INLINE void head_eval_rows_avx2(MlpHead head, int64_t O, const double *z2, const double *y,
                                     int64_t rows, MlpHeadSums *s) {
    switch (head) {
    default: {   // MLP_HEAD_BINARY (a head without vector code: a case above it, head_eval_rows)
        double sum = s->loss;
        int64_t correct = s->correct;
        const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
        const __m256d sign = _mm256_set1_pd(-0.0), band = _mm256_set1_pd(-0x1p-20);
        int64_t b = 0;
        for (; b + 4 <= rows; b += 4) {
            // bce_c: ((z > 0 ? z : +0) - z*y) + log1p(exp(-|z|)), then summed in row order
            __m256d z = _mm256_loadu_pd(z2 + b), yv = _mm256_loadu_pd(y + b);
            __m256d relu = _mm256_and_pd(_mm256_cmp_pd(z, zero, _CMP_GT_OQ), z);
            __m256d l = log1p01_4(exp4(_mm256_or_pd(z, sign)));
            __m256d bce = _mm256_add_pd(_mm256_sub_pd(relu, _mm256_mul_pd(z, yv)), l);
            double v[4];
            _mm256_storeu_pd(v, bce);
            sum += v[0];
            sum += v[1];
            sum += v[2];
            sum += v[3];
            // binary_predicts_one: z >= 0 predicts 1, z < -2^-20 predicts 0, else ask the sigmoid
            int ge = _mm256_movemask_pd(_mm256_cmp_pd(z, zero, _CMP_GE_OQ));
            int lt = _mm256_movemask_pd(_mm256_cmp_pd(z, band, _CMP_LT_OQ));
            int label = _mm256_movemask_pd(_mm256_cmp_pd(yv, one, _CMP_EQ_OQ));
            int unsure = ~(ge | lt) & 0xF;
            for (int i = 0; i < 4; i++) {
                int pred = (unsure >> i) & 1 ? binary_predicts_one(z2[b + i]) : (ge >> i) & 1;
                correct += pred == ((label >> i) & 1);
            }
        }
        for (; b < rows; b++) {
            sum += binary_loss(z2[b], y[b]);
            correct += binary_correct(z2[b], y[b]);
        }
        s->loss = sum;
        s->correct = correct;
    }
    }
}
#endif   // MLP_HAVE_AVX2

#endif
