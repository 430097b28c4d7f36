// mlp.h: the two-layer network. Parameters, forward, backward, update, evaluation.
// Knows nothing of YAML, HDF5 or threads. Row-major float64 throughout.
//
//   Z1 = X W1 + b1     X is (B, D), W1 is (D, H), b1 is (H)
//   A1 = relu(Z1)      (B, H)
//   z2 = A1 W2 + b2    W2 is (H), b2 is a scalar, z2 is (B)   (the logit)
//   p  = sigmoid(z2)
//   loss = mean BCE(p, y), computed stably from z2
#ifndef MLP_H
#define MLP_H

#include <stdint.h>
#include "rng.h"

typedef struct {
    int64_t n_in, n_hidden;  // D, H
    double *W1;              // (D, H)
    double *b1;              // (H)
    double *W2;              // (H)
    double *b2;              // (1)
    double *mem;             // one block holding all of the above, in that order
} Mlp;

// Gradients have the shapes of the parameters; scratch is what one batch needs.
typedef struct {
    int64_t n_rows;          // capacity in rows (max batch or evaluation chunk)
    Mlp grad;                // dW1, db1, dW2, db2
    double *A1;              // (rows, H) hidden activations; A1 > 0 doubles as relu'(Z1)
    double *z2;              // (rows) logits
    double *dz2;             // (rows)
    double *mem;
} MlpWork;

int mlp_init(Mlp *m, int64_t n_in, int64_t n_hidden);   // 0, or -1 when out of memory
void mlp_free(Mlp *m);
int64_t mlp_n_params(int64_t n_in, int64_t n_hidden);
void mlp_copy(Mlp *dst, const Mlp *src);                // same shapes
// W1, W2, b1, b2 drawn in that order (the tutorial's) as N(0, 1) * scale.
void mlp_randomize(Mlp *m, Rng *r, double scale);
int mlp_all_finite(const Mlp *m);

int mlp_work_init(MlpWork *w, int64_t n_in, int64_t n_hidden, int64_t n_rows);
void mlp_work_free(MlpWork *w);

// Stable binary cross-entropy of logit z against label y: max(z,0) - z*y + log1p(exp(-|z|)).
double mlp_bce_from_logit(double z, double y);
double mlp_sigmoid(double z);

// forward: X (B, D) -> w->A1 (B, H), w->z2 (B).
void mlp_forward(const Mlp *m, const double *X, int64_t B, MlpWork *w);
// backward after forward on the same X: fills w->grad with d(mean loss)/d(params).
void mlp_backward(const Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w);
// m -= lr * w->grad
void mlp_update(Mlp *m, const MlpWork *w, double lr);

// The plain reference kernels: the same maths written as directly as possible.
// The tests hold the kernels above to these and to finite differences.
void mlp_forward_ref(const Mlp *m, const double *X, int64_t B, double *A1, double *z2);
void mlp_backward_ref(const Mlp *m, const double *X, const double *y, int64_t B,
                      const double *A1, const double *z2, Mlp *grad);
double mlp_loss_ref(const Mlp *m, const double *X, const double *y, int64_t n);

// Mean loss and accuracy (p >= 0.5 predicts 1) over n rows, in chunks of w->n_rows.
void mlp_evaluate(const Mlp *m, const double *X, const double *y, int64_t n, MlpWork *w,
                  double *loss, double *acc);

#endif
