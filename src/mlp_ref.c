// mlp_ref.c: the plain reference kernels, for the tests only.
//
// Shapes, row-major: X (B, D), y (B), W1 (D, H), b1 (H), A1 (B, H), W2 (H), b2 (1), z2 (B).
// Contract: each output element computed on its own, straight from the formula, with separate
// multiplies and adds, the activations from mlp_activate, the loss from mlp_bce_from_logit and
// dz2 from mlp_sigmoid. So they agree with the fast kernels (src/mlp_portable.c,
// src/mlp_avx2.c) to rounding, not bitwise; tests/unit/test_mlp.c holds the fast kernels to
// these and to finite differences of mlp_loss_ref.
#include "mlp.h"

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
