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
// The heads (DESIGN section 7):
//   MLP_HEAD_BINARY  O = 1, z the logit, p = sigmoid(z); loss BCE(z, y) computed stably from
//                    the logit; dZ2 = (p - y) / B; correct when (p >= 0.5) == (y == 1); the
//                    score is the accuracy, correct / n.
//   MLP_HEAD_SOFTMAX O = K >= 2 outputs, y the class 0..K-1; p = softmax(z); loss
//                    logsumexp(z) - z[y], the row's maximum subtracted first; dZ2 =
//                    (p - onehot(y)) / B; correct when the argmax of z (the lowest index on a
//                    tie) is y; the score is the accuracy.
//   MLP_HEAD_MSE     O = 1, z the prediction of the real target y; loss (z - y)^2; dZ2 =
//                    2 (z - y) / B; the score is R2 over the evaluated rows (r2_score below).
// mlp.h's header comment writes down each one's order of operations.
// A new head is one change here: its value in MlpHead (mlp.h), then a case in each switch
// below. Per row: head_n_out, head_loss, head_dz2, head_correct (the reference kernels call
// these); head_eval_rows (the portable kernels'); head_score; and in the AVX2 row loops
// head_dz2_rows_avx2 and head_eval_rows_avx2, a case above the binary one (whose vector code is
// the switch's default), which may just run the per-row functions. A head of O = 1 runs the
// kernels' one-output loops (the binary head's instructions exactly); O > 1 the wide ones.
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
// The mse head, one row: the prediction z and the target t.

MLP_INLINE double mse_loss(double z, double t) {   // (z - t)^2, as d * d
    double d = z - t;
    return d * d;
}
#define MSE_DZ2(z, t, B) ((2.0 * ((z) - (t))) / (double)(B))   // 2 (z - t) / B

// R2 of n rows against their targets y whose squared errors sum to sse: 1 - sse / sst, sst the
// targets' sum of squares about their own mean (scikit-learn's r2_score), in two passes over y:
// mean = (y[0] + y[1] + ... from +0) / n, then sst = fma(y[i] - mean, y[i] - mean, .) over i
// ascending from +0. NaN when the n targets are all equal (or n is 0).
MLP_INLINE double r2_score(double sse, const double *y, int64_t n) {
    int vary = 0;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        sum += y[i];
        vary |= y[i] != y[0];
    }
    if (!vary) return CANONICAL_NAN;
    double mean = sum / (double)n, sst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = y[i] - mean;
        sst = fma(d, d, sst);
    }
    return 1.0 - sse / sst;
}

// ---------------------------------------------------------------------------------------
// The softmax head, one row: its O outputs z and the class y.

// The class of target y: y itself when it is one of 0..O-1, else -1 (no class: a NaN loss, no
// prediction right, dZ2 without the one-hot).
MLP_INLINE int64_t softmax_class(double y, int64_t O) {
    return y >= 0.0 && y < (double)O && y == (double)(int64_t)y ? (int64_t)y : -1;
}

// The row's maximum m = z[0], then z[o] > m ? z[o] : m for o ascending; returns its index, the
// first one (the prediction: the lowest index on a tie; a NaN output is never the maximum unless
// it is z[0]).
MLP_INLINE int64_t softmax_argmax(const double *z, int64_t O, double *max) {
    int64_t k = 0;
    double m = z[0];
    for (int64_t o = 1; o < O; o++)
        if (z[o] > m) {
            m = z[o];
            k = o;
        }
    *max = m;
    return k;
}

// logsumexp(z) - z[y], stably: log(S) + (m - z[y]), S = exp(z[0] - m) + exp(z[1] - m) + ...
// (from +0, o ascending; S >= 1 for finite z), the canonical exp and log.
MLP_INLINE double softmax_loss(const double *z, int64_t O, double y) {
    double m, S = 0.0;
    softmax_argmax(z, O, &m);
    for (int64_t o = 0; o < O; o++) S += exp_c(z[o] - m);
    int64_t k = softmax_class(y, O);
    return k < 0 ? CANONICAL_NAN : log_c(S) + (m - z[k]);
}

// dZ2 = (p - onehot(y)) / B with p[o] = e[o] / S, e[o] = exp(z[o] - m), S as in softmax_loss:
// dz[o] = (e[o] / S - (o == y ? 1 : 0)) / B.
MLP_INLINE void softmax_dz2(const double *z, int64_t O, double y, int64_t B, double *dz) {
    double m, S = 0.0;
    softmax_argmax(z, O, &m);
    for (int64_t o = 0; o < O; o++) {
        dz[o] = exp_c(z[o] - m);
        S += dz[o];
    }
    int64_t k = softmax_class(y, O);
    for (int64_t o = 0; o < O; o++) dz[o] = (dz[o] / S - (o == k ? 1.0 : 0.0)) / (double)B;
}

MLP_INLINE int softmax_correct(const double *z, int64_t O, double y) {
    double m;
    return softmax_argmax(z, O, &m) == softmax_class(y, O);
}

// ---------------------------------------------------------------------------------------
// Per head, one row: z the row's O outputs, y its target.

MLP_INLINE int64_t head_n_out(MlpHead head, int64_t n_classes) {
    switch (head) {
    case MLP_HEAD_SOFTMAX: return n_classes;   // one output per class
    case MLP_HEAD_MSE: return 1;               // the prediction
    default: return 1;   // MLP_HEAD_BINARY: the one logit
    }
}

MLP_INLINE double head_loss(MlpHead head, const double *z, int64_t O, double y) {
    switch (head) {
    case MLP_HEAD_SOFTMAX: return softmax_loss(z, O, y);
    case MLP_HEAD_MSE: return mse_loss(z[0], y);
    default: return binary_loss(z[0], y);   // MLP_HEAD_BINARY
    }
}

// dZ2 of a row: its O values into dz, for a batch of B rows.
MLP_INLINE void head_dz2(MlpHead head, const double *z, int64_t O, double y, int64_t B, double *dz) {
    switch (head) {
    case MLP_HEAD_SOFTMAX: softmax_dz2(z, O, y, B, dz); break;   // (p - onehot(y)) / B
    case MLP_HEAD_MSE: dz[0] = MSE_DZ2(z[0], y, B); break;       // 2 (z - y) / B
    default: dz[0] = BINARY_DZ2(z[0], y, B);   // MLP_HEAD_BINARY: (p - y) / B
    }
}

MLP_INLINE int head_correct(MlpHead head, const double *z, int64_t O, double y) {
    switch (head) {
    case MLP_HEAD_SOFTMAX: return softmax_correct(z, O, y);
    case MLP_HEAD_MSE: return 0;   // no classes: the score is R2
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
    switch (head) {
    case MLP_HEAD_SOFTMAX:
        for (int64_t b = 0; b < rows; b++) {
            sum += softmax_loss(z2 + b * O, O, y[b]);                           // sum of the losses
            correct += softmax_correct(z2 + b * O, O, y[b]);                    // of the predictions
        }
        break;
    case MLP_HEAD_MSE:
        for (int64_t b = 0; b < rows; b++) sum += mse_loss(z2[b], y[b]);        // the squared errors
        break;
    default:   // MLP_HEAD_BINARY
        for (int64_t b = 0; b < rows; b++) {
            sum += binary_loss(z2[b], y[b]);                                    // sum of the losses
            correct += binary_correct(z2[b], y[b]);                             // of the predictions
        }
    }
    s->loss = sum;
    s->correct = correct;
}

// The mean loss (the one NaN of mlp.h when the sum is NaN, whichever NaN it carried) and the
// score over n rows with targets y: the accuracy, or for mse R2 (the loss sum is the squared
// errors' sum).
MLP_INLINE void head_score(MlpHead head, const MlpHeadSums *s, const double *y, int64_t n, double *loss,
                           double *score) {
    *loss = s->loss != s->loss ? CANONICAL_NAN : s->loss / (double)n;
    switch (head) {
    case MLP_HEAD_MSE: {
        double r2 = r2_score(s->loss, y, n);
        *score = r2 != r2 ? CANONICAL_NAN : r2;
        break;
    }
    default: *score = (double)s->correct / (double)n;   // binary, softmax: the accuracy
    }
}

#ifdef MLP_HAVE_AVX2
// ---------------------------------------------------------------------------------------
// The AVX2 kernels' row loops, bitwise the per-row functions above: dz2 (B, O) of a whole batch
// (head_dz2 row by row), and head_eval_rows. The binary head's run 4 rows per ymm register in
// line; the other heads' are functions of their own (not inlined, so that the binary head's
// code in the kernels stays what it was alone): mse 4 rows per register, softmax one row at a
// time with its exps 4 outputs per register.

// An AVX2 function of its own, defined here for each file that uses it.
#define AVX2_OWN static __attribute__((target("avx2,fma"), noinline, unused))

AVX2_OWN void mse_dz2_rows_avx2(const double *z2, const double *y, int64_t B, double *dz2) {
    const __m256d two = _mm256_set1_pd(2.0), Bv = _mm256_set1_pd((double)B);
    int64_t b = 0;
    for (; b + 4 <= B; b += 4) {
        __m256d d = _mm256_sub_pd(_mm256_loadu_pd(z2 + b), _mm256_loadu_pd(y + b));      // z - t
        _mm256_storeu_pd(dz2 + b, _mm256_div_pd(_mm256_mul_pd(two, d), Bv));              // 2 (z - t) / B
    }
    for (; b < B; b++) dz2[b] = MSE_DZ2(z2[b], y[b], B);
}

AVX2_OWN void mse_eval_rows_avx2(const double *z2, const double *y, int64_t rows, MlpHeadSums *s) {
    double sum = s->loss;
    int64_t b = 0;
    for (; b + 4 <= rows; b += 4) {
        __m256d d = _mm256_sub_pd(_mm256_loadu_pd(z2 + b), _mm256_loadu_pd(y + b));      // z - t
        double v[4];
        _mm256_storeu_pd(v, _mm256_mul_pd(d, d));                                          // (z - t)^2
        sum += v[0];
        sum += v[1];
        sum += v[2];
        sum += v[3];
    }
    for (; b < rows; b++) sum += mse_loss(z2[b], y[b]);
    s->loss = sum;
}

// S = exp(z[0] - m) + exp(z[1] - m) + ... from +0, o ascending (softmax_loss's), the exps 4 at
// a time (exp4: exp_c lane by lane; the last O mod 4 with their lanes beyond O set to exp(0),
// which is not added); each exp is also stored to e[o] when e is not NULL.
AVX2_INLINE double softmax_sum_avx2(const double *z, int64_t O, double m, double *e) {
    const __m256d mv = _mm256_set1_pd(m);
    double S = 0.0;
    int64_t o = 0;
    for (; o + 4 <= O; o += 4) {
        double v[4];
        _mm256_storeu_pd(v, exp4(_mm256_sub_pd(_mm256_loadu_pd(z + o), mv)));             // exp(z - m)
        if (e) memcpy(e + o, v, sizeof v);
        S += v[0];
        S += v[1];
        S += v[2];
        S += v[3];
    }
    if (o < O) {
        int n = (int)(O - o);
        __m256i in = _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
        __m256d zv = _mm256_blendv_pd(mv, _mm256_maskload_pd(z + o, in), _mm256_castsi256_pd(in));   // m past O
        double v[4];
        _mm256_storeu_pd(v, exp4(_mm256_sub_pd(zv, mv)));                                 // exp(z - m)
        for (int i = 0; i < n; i++) {
            if (e) e[o + i] = v[i];
            S += v[i];
        }
    }
    return S;
}

AVX2_OWN void softmax_dz2_rows_avx2(int64_t O, const double *z2, const double *y, int64_t B, double *dz2) {
    const __m256d Bv = _mm256_set1_pd((double)B), one = _mm256_set1_pd(1.0);
    for (int64_t b = 0; b < B; b++) {
        const double *z = z2 + b * O;
        double *dz = dz2 + b * O, m;
        softmax_argmax(z, O, &m);
        double S = softmax_sum_avx2(z, O, m, dz);                                          // e, S
        int64_t k = softmax_class(y[b], O);
        const __m256d Sv = _mm256_set1_pd(S), kv = _mm256_set1_pd((double)k);
        int64_t o = 0;
        for (; o + 4 <= O; o += 4) {
            __m256d idx = _mm256_setr_pd((double)o, (double)(o + 1), (double)(o + 2), (double)(o + 3));
            __m256d hot = _mm256_and_pd(_mm256_cmp_pd(idx, kv, _CMP_EQ_OQ), one);         // onehot(y)
            __m256d p = _mm256_div_pd(_mm256_loadu_pd(dz + o), Sv);                        // p = e / S
            _mm256_storeu_pd(dz + o, _mm256_div_pd(_mm256_sub_pd(p, hot), Bv));            // (p - onehot) / B
        }
        for (; o < O; o++) dz[o] = (dz[o] / S - (o == k ? 1.0 : 0.0)) / (double)B;
    }
}

AVX2_OWN void softmax_eval_rows_avx2(int64_t O, const double *z2, const double *y, int64_t rows,
                                     MlpHeadSums *s) {
    double sum = s->loss;
    int64_t correct = s->correct;
    for (int64_t b = 0; b < rows; b++) {
        const double *z = z2 + b * O;
        double m;
        int64_t pred = softmax_argmax(z, O, &m), k = softmax_class(y[b], O);
        double S = softmax_sum_avx2(z, O, m, NULL);
        sum += k < 0 ? CANONICAL_NAN : log_c(S) + (m - z[k]);                             // softmax_loss
        correct += pred == k;
    }
    s->loss = sum;
    s->correct = correct;
}

AVX2_INLINE void head_dz2_rows_avx2(MlpHead head, int64_t O, const double *z2, const double *y,
                                    int64_t B, double *dz2) {
    switch (head) {
    case MLP_HEAD_SOFTMAX: softmax_dz2_rows_avx2(O, z2, y, B, dz2); break;
    case MLP_HEAD_MSE: mse_dz2_rows_avx2(z2, y, B, dz2); break;
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
    case MLP_HEAD_SOFTMAX: softmax_eval_rows_avx2(O, z2, y, rows, s); break;
    case MLP_HEAD_MSE: mse_eval_rows_avx2(z2, y, rows, s); break;
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
