// mlp_ref.c: the plain reference kernels, for the tests only.
//
// Shapes, row-major: X (B, D), y (B), W1 (D, H), b1 (H), A1 (B, H), W2 (H, O), b2 (O), z2
// (B, O), any O (the model's).
// Contract: each output element computed on its own, straight from the formula, with separate
// multiplies and adds, the activations from mlp_activate and the head's per-row loss and dZ2
// (mlp_head.h). So they agree with the fast kernels (src/mlp_portable.c, src/mlp_avx2.c) to
// rounding, not bitwise; tests/unit/test_mlp.c holds the fast kernels to these and to finite
// differences of mlp_loss_ref.
#include "mlp_head.h"

#include <stdlib.h>

void mlp_forward_ref(const Mlp *m, const double *X, int64_t B, double *A1, double *z2) {
    int64_t D = m->n_in, H = m->n_hidden, O = m->n_out;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < H; h++) {
            double z = 0.0;
            for (int64_t d = 0; d < D; d++) z += X[b * D + d] * m->W1[d * H + h];   // Z1 = X W1
            z += m->b1[h];                                                          //      + b1
            A1[b * H + h] = mlp_activate(m->act, z);                                // A1 = act(Z1)
        }
        for (int64_t o = 0; o < O; o++) {
            double z = 0.0;
            for (int64_t h = 0; h < H; h++) z += A1[b * H + h] * m->W2[h * O + o];   // z2 = A1 W2
            z2[b * O + o] = z + m->b2[o];                                           //      + b2
        }
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
    int64_t D = m->n_in, H = m->n_hidden, O = m->n_out;
    double *dz2 = malloc((size_t)(B * O) * sizeof(double));   // the head's dZ2, row by row
    for (int64_t b = 0; b < B; b++) head_dz2(m->head, z2 + b * O, O, y[b], B, dz2 + b * O);
    for (int64_t o = 0; o < O; o++) {
        grad->b2[o] = 0.0;
        for (int64_t b = 0; b < B; b++) grad->b2[o] += dz2[b * O + o];             // db2 = sum dz2
    }
    for (int64_t h = 0; h < H; h++) {
        for (int64_t o = 0; o < O; o++) {
            double dw2 = 0.0;
            for (int64_t b = 0; b < B; b++) dw2 += A1[b * H + h] * dz2[b * O + o];  // dW2 = A1^T dz2
            grad->W2[h * O + o] = dw2;
        }
        double db1 = 0.0;
        for (int64_t b = 0; b < B; b++) {
            double da1 = 0.0;
            for (int64_t o = 0; o < O; o++) da1 += dz2[b * O + o] * m->W2[h * O + o];   // dA1 = dz2 W2^T
            db1 += da1 * act_slope_ref(m->act, A1[b * H + h]);                      // db1 = sum dZ1
        }
        grad->b1[h] = db1;
        for (int64_t d = 0; d < D; d++) {
            double dw1 = 0.0;
            for (int64_t b = 0; b < B; b++) {
                double da1 = 0.0;
                for (int64_t o = 0; o < O; o++) da1 += dz2[b * O + o] * m->W2[h * O + o];
                dw1 += X[b * D + d] * da1 * act_slope_ref(m->act, A1[b * H + h]);   // dW1 = X^T dZ1
            }
            grad->W1[d * H + h] = dw1;
        }
    }
    free(dz2);
}

double mlp_loss_ref(const Mlp *m, const double *X, const double *y, int64_t n) {
    int64_t D = m->n_in, H = m->n_hidden, O = m->n_out;
    double *z2 = malloc((size_t)O * sizeof(double)), sum = 0.0;
    for (int64_t b = 0; b < n; b++) {
        for (int64_t o = 0; o < O; o++) z2[o] = m->b2[o];
        for (int64_t h = 0; h < H; h++) {
            double z1 = m->b1[h];
            for (int64_t d = 0; d < D; d++) z1 += X[b * D + d] * m->W1[d * H + h];   // Z1 = X W1 + b1
            double a = mlp_activate(m->act, z1);
            for (int64_t o = 0; o < O; o++) z2[o] += a * m->W2[h * O + o];           // z2 = A1 W2 + b2
        }
        sum += head_loss(m->head, z2, O, y[b]);                                     // the head's loss
    }
    free(z2);
    return sum / (double)n;
}
