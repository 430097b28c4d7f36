// mlp.c: the two-layer network's kernels. Each fast kernel sits beside its plain reference
// (the *_ref functions at the end), and the unit tests hold one to the other and both to
// finite differences. Loops run in a fixed order, so results never depend on the caller.
#include "mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t mlp_n_params(int64_t n_in, int64_t n_hidden) { return n_in * n_hidden + 2 * n_hidden + 1; }

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
    double *mem = calloc((size_t)mlp_n_params(n_in, n_hidden), sizeof(double));
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
}

void mlp_randomize(Mlp *m, Rng *r, double scale) {
    int64_t D = m->n_in, H = m->n_hidden;
    for (int64_t i = 0; i < D * H; i++) m->W1[i] = rng_normal(r) * scale;
    for (int64_t i = 0; i < H; i++) m->W2[i] = rng_normal(r) * scale;
    for (int64_t i = 0; i < H; i++) m->b1[i] = rng_normal(r) * scale;
    m->b2[0] = rng_normal(r) * scale;
}

int mlp_all_finite(const Mlp *m) {
    // A sum of finite numbers can overflow to inf, which is also a divergence worth stopping for.
    double s = 0.0;
    int64_t n = mlp_n_params(m->n_in, m->n_hidden);
    for (int64_t i = 0; i < n; i++) s += m->mem[i] * 0.0;  // NaN or inf in any entry gives NaN
    return s == 0.0;
}

int mlp_work_init(MlpWork *w, int64_t n_in, int64_t n_hidden, int64_t n_rows) {
    memset(w, 0, sizeof *w);
    int64_t n_grad = mlp_n_params(n_in, n_hidden);
    int64_t n = n_grad + n_rows * n_hidden + 2 * n_rows;
    double *mem = calloc((size_t)n, sizeof(double));
    if (!mem) return -1;
    w->mem = mem;
    w->n_rows = n_rows;
    mlp_carve(&w->grad, mem, n_in, n_hidden);
    w->grad.mem = mem;   // a view into w->mem, not owned
    w->A1 = mem + n_grad;
    w->z2 = w->A1 + n_rows * n_hidden;
    w->dz2 = w->z2 + n_rows;
    return 0;
}

void mlp_work_free(MlpWork *w) {
    free(w->mem);
    memset(w, 0, sizeof *w);
}

double mlp_bce_from_logit(double z, double y) {
    // -[y log p + (1-y) log(1-p)] with p = sigmoid(z), without forming log(0)
    return fmax(z, 0.0) - z * y + log1p(exp(-fabs(z)));
}

double mlp_sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

// ---------------------------------------------------------------------------------------
// Forward and backward.

void mlp_forward(const Mlp *m, const double *X, int64_t B, MlpWork *w) {
    // X is (B, D), W1 is (D, H), A1 out is (B, H), z2 out is (B)
    int64_t D = m->n_in, H = m->n_hidden;
    for (int64_t b = 0; b < B; b++) {
        double *a = w->A1 + b * H;
        const double *x = X + b * D;
        for (int64_t h = 0; h < H; h++) a[h] = 0.0;
        for (int64_t d = 0; d < D; d++) {
            double xd = x[d];
            const double *wrow = m->W1 + d * H;
            for (int64_t h = 0; h < H; h++) a[h] += xd * wrow[h];        // Z1 = X W1
        }
        double z = 0.0;
        for (int64_t h = 0; h < H; h++) {
            double z1 = a[h] + m->b1[h];                                  //      + b1
            a[h] = z1 > 0.0 ? z1 : 0.0;                                   // A1 = relu(Z1)
            z += a[h] * m->W2[h];                                         // z2 = A1 W2
        }
        w->z2[b] = z + m->b2[0];                                          //      + b2
    }
}

void mlp_backward(const Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w) {
    // X is (B, D), A1 is (B, H) from forward; dW1 out is (D, H), db1 (H), dW2 (H), db2 (1)
    int64_t D = m->n_in, H = m->n_hidden;
    Mlp *g = &w->grad;
    double db2 = 0.0;
    for (int64_t b = 0; b < B; b++) {
        w->dz2[b] = (mlp_sigmoid(w->z2[b]) - y[b]) / (double)B;           // dz2 = (p - y) / B
        db2 += w->dz2[b];                                                 // db2 = sum dz2
    }
    g->b2[0] = db2;
    for (int64_t h = 0; h < H; h++) g->W2[h] = 0.0;
    for (int64_t b = 0; b < B; b++) {
        const double *a = w->A1 + b * H;
        for (int64_t h = 0; h < H; h++) g->W2[h] += a[h] * w->dz2[b];     // dW2 = A1^T dz2
    }
    // A1 becomes dZ1 in place: relu'(Z1) is 1 exactly where A1 > 0.
    for (int64_t h = 0; h < H; h++) g->b1[h] = 0.0;
    for (int64_t b = 0; b < B; b++) {
        double *a = w->A1 + b * H;
        double dz = w->dz2[b];
        for (int64_t h = 0; h < H; h++) {
            a[h] = a[h] > 0.0 ? dz * m->W2[h] : 0.0;                      // dZ1 = dz2 W2^T * relu'(Z1)
            g->b1[h] += a[h];                                             // db1 = sum_rows dZ1
        }
    }
    for (int64_t i = 0; i < D * H; i++) g->W1[i] = 0.0;
    for (int64_t b = 0; b < B; b++) {
        const double *x = X + b * D, *dz1 = w->A1 + b * H;
        for (int64_t d = 0; d < D; d++) {
            double xd = x[d];
            double *grow = g->W1 + d * H;
            for (int64_t h = 0; h < H; h++) grow[h] += xd * dz1[h];       // dW1 = X^T dZ1
        }
    }
}

void mlp_update(Mlp *m, const MlpWork *w, double lr) {
    int64_t n = mlp_n_params(m->n_in, m->n_hidden);
    for (int64_t i = 0; i < n; i++) m->mem[i] -= lr * w->grad.mem[i];     // W -= lr dW
}

void mlp_evaluate(const Mlp *m, const double *X, const double *y, int64_t n, MlpWork *w,
                  double *loss, double *acc) {
    double sum = 0.0;
    int64_t correct = 0;
    for (int64_t start = 0; start < n; start += w->n_rows) {
        int64_t rows = n - start < w->n_rows ? n - start : w->n_rows;
        mlp_forward(m, X + start * m->n_in, rows, w);
        for (int64_t b = 0; b < rows; b++) {
            double z = w->z2[b], yb = y[start + b];
            sum += mlp_bce_from_logit(z, yb);
            correct += (mlp_sigmoid(z) >= 0.5) == (yb == 1.0);
        }
    }
    *loss = sum / (double)n;
    *acc = (double)correct / (double)n;
}

// ---------------------------------------------------------------------------------------
// Reference kernels: each output element computed on its own, straight from the formula.

void mlp_forward_ref(const Mlp *m, const double *X, int64_t B, double *A1, double *z2) {
    int64_t D = m->n_in, H = m->n_hidden;
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < H; h++) {
            double z = 0.0;
            for (int64_t d = 0; d < D; d++) z += X[b * D + d] * m->W1[d * H + h];
            z += m->b1[h];
            A1[b * H + h] = z > 0.0 ? z : 0.0;
        }
        double z = 0.0;
        for (int64_t h = 0; h < H; h++) z += A1[b * H + h] * m->W2[h];
        z2[b] = z + m->b2[0];
    }
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
            db1 += A1[b * H + h] > 0.0 ? dz2 * m->W2[h] : 0.0;
        }
        grad->W2[h] = dw2;
        grad->b1[h] = db1;
        for (int64_t d = 0; d < D; d++) {
            double dw1 = 0.0;
            for (int64_t b = 0; b < B; b++) {
                double dz2 = (mlp_sigmoid(z2[b]) - y[b]) / (double)B;
                double dz1 = A1[b * H + h] > 0.0 ? dz2 * m->W2[h] : 0.0;
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
            z2 += (z1 > 0.0 ? z1 : 0.0) * m->W2[h];
        }
        sum += mlp_bce_from_logit(z2, y[b]);
    }
    return sum / (double)n;
}
