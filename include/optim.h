// optim.h: the optimizers (DESIGN section 3, "The training recipe"): one update of a parameter
// vector from its gradient, and the state that update carries from step to step (velocities,
// Adam's moments). Formulas as PyTorch's torch.optim (SGD with momentum and nesterov, Adam,
// AdamW), float64; the gradient includes the biases. Knows the network's kernel choice
// (mlp.h) and nothing of YAML, HDF5 or threads.
//
// Per parameter p with gradient g, lr the learning rate, mu the momentum, wd the weight decay,
// in this canonical order (fma(a, b, c) = a*b + c rounded once; every step an IEEE operation):
//   sgd, momentum, nesterov, adam:   g = fma(wd, p, g)     (only when wd != 0)
//   sgd        p = fma(-lr, g, p)
//   momentum   v = fma(mu, v, g);  p = fma(-lr, v, p)
//   nesterov   v = fma(mu, v, g);  p = fma(-lr, fma(mu, v, g), p)
//   adamw      p = p * (1 - lr wd) first                 (torch: W -= lr wd W, as W *= 1 - lr wd)
//   adam(w)    m = fma(b1, m, (1 - b1) g);  v = fma(b2, v, (1 - b2) (g g));
//              p = fma(-(lr / c1), m / (sqrt(v) / sqrt(c2) + eps), p)
//              with b1 0.9, b2 0.999, eps 1e-8, c1 = 1 - b1^t, c2 = 1 - b2^t at step t = 1, 2, ...
//              (b1^t and b2^t as running products, not pow(), so every machine has the same bits)
// It is implemented twice, like the network's kernels: a portable loop (fma() from libm) and an
// AVX2+FMA loop chosen with the work space's kernels; tests/unit/test_optim.c checks they agree
// bitwise and holds both to optim_step_ref, the formulas written as directly as possible.
#ifndef OPTIM_H
#define OPTIM_H

#include <stdint.h>
#include "mlp.h"

typedef enum { OPTIM_SGD = 0, OPTIM_MOMENTUM = 1, OPTIM_NESTEROV = 2, OPTIM_ADAM = 3, OPTIM_ADAMW = 4, N_OPTIMS } OptimKind;
extern const char *const OPTIM_NAMES[N_OPTIMS];   // "sgd", "momentum", "nesterov", "adam", "adamw"

#define OPTIM_BETA1 0.9
#define OPTIM_BETA2 0.999
#define OPTIM_EPS 1e-8

typedef struct {
    OptimKind kind;
    double lr, momentum, weight_decay;
    int64_t n_params;
    int64_t step;             // updates made (Adam's t after the update)
    double beta1_t, beta2_t;  // b1^t, b2^t
    double *v;                // momentum, nesterov: the velocity; adam(w): the second moment (n_params)
    double *m;                // adam(w): the first moment (n_params); NULL otherwise
    double *mem;              // one block holding v and m (NULL for sgd: it has no state)
    MlpKernels kernels;       // PORTABLE or AVX2
} Optim;

// Sizes the state for n_params parameters once (sgd: none), zeroed; kernels AUTO. 0, or -1
// when out of memory.
int optim_init(Optim *o, OptimKind kind, double lr, double momentum, double weight_decay, int64_t n_params);
void optim_free(Optim *o);
// Back to the start: state zero, no steps made.
void optim_reset(Optim *o);
// Switches the implementation (AUTO: AVX2 on a CPU with AVX2 and FMA unless SWEEP_MLP_KERNELS
// says portable, as for the network). Returns the one in use, or -1 (nothing changed).
int optim_set_kernels(Optim *o, MlpKernels k);
// One update of params (n_params of them) from grad.
void optim_step(Optim *o, double *params, const double *grad);
// The same update as plain formulas (pow() for the bias corrections, no fused operations), for
// the tests: it agrees with optim_step to rounding.
void optim_step_ref(Optim *o, double *params, const double *grad);
// Floating-point operations of one update per parameter (a multiply-add counts 2, a division or
// square root 1): 2 for plain SGD, 4 with weight decay, up to 14 for adamw.
double optim_flops_per_param(OptimKind kind, double weight_decay);
// Whether this optimizer is the plain SGD update that mlp_step fuses into the backward pass.
int optim_is_plain_sgd(OptimKind kind, double weight_decay);

#endif
