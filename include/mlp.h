// mlp.h: the two-layer network. Parameters, forward, backward, update, evaluation.
// Knows nothing of YAML, HDF5 or threads. Row-major float64 throughout.
//
//   Z1 = X W1 + b1     X is (B, D), W1 is (D, H), b1 is (H)
//   A1 = act(Z1)       (B, H), act one of relu, tanh, leaky_relu (negative slope 0.01)
//   z2 = A1 W2 + b2    W2 is (H, O), b2 is (O), z2 is (B, O): the output layer, O outputs
//   then the output head (include/mlp_head.h): O, the loss, dz2 and the score (DESIGN section 7):
//     binary   O = 1 (W2 (H), b2 a scalar, z2 (B) the logit): p = sigmoid(z2), loss = mean
//              BCE(p, y) computed stably from z2, the accuracy of p >= 0.5 predicting 1
//     softmax  O = K >= 2, y the class 0..K-1: p = softmax(z2) per row, loss = mean of
//              logsumexp(z2_i) - z2_i[y_i], the accuracy of the argmax predicting y
//     mse      O = 1, y a real target: loss = mean (z2 - y)^2, the score R2
//
// Bitwise reproducibility. Every kernel below follows ONE canonical order of floating-point
// operations, with explicit fused multiply-adds (fma(a, b, c) = a*b + c rounded once), so a
// config gives the same bits on every machine. The order, per output element:
//   Z1[b,h]  = b1[h], then fma(X[b,d], W1[d,h], .) for d = 0..D-1;  A1 = act(Z1):
//              relu: Z1 > 0 ? Z1 : +0;  leaky_relu: Z1 > 0 ? Z1 : 0.01 * Z1;  tanh: mlp_tanh(Z1)
//   z2[b]    = b2 + ((s0 + s1) + (s2 + s3)), s_j = fma(A1[b,h], W2[h], s_j) over h = j mod 4
//              ascending, each s_j starting at +0
//   dz2[b]   = the head's: binary (sigmoid(z2[b]) - y[b]) / B;   db2 = dz2[0] + dz2[1] + ...
//              (left to right)
//   dW2[h]   = fma(A1[b,h], dz2[b], .) over b ascending from +0
//   dZ1[b,h] = act'(g) with g = dz2[b] * W2[h]: relu: A1 > 0 ? g : +0;  leaky_relu: A1 > 0 ?
//              g : g * 0.01;  tanh: g * fma(-A1, A1, 1);   db1[h] = sum over b ascending from +0
//   dW1[d,h] = fma(X[b,d], dZ1[b,h], .) over b ascending from +0
//   update   p = fma(-lr, dp, p) for every parameter p
//   sigmoid(z) = 1 / (1 + exp(-z));  BCE(z, y) = ((z > 0 ? z : +0) - z*y) + log1p(exp(-|z|)),
//              where exp and log1p are mlp_math.h's own fma-based versions (glibc's are not the
//              same on CPUs with and without FMA), accurate to about 1-2 ulp
//   tanh(z)  = sign(z) * -m / (2 + m), m = expm1(-2|z|) from exp's own steps (mlp_tanh); +-1
//              beyond |z| > 20
//   evaluate: loss = (sum of the head's loss (BCE) over rows ascending from +0) / n, or the
//              one NaN below
// That is the binary head's order, which every one-output head (O = 1: binary, mse) follows.
// With O > 1 outputs (softmax) the output layer is a matrix product like the hidden layer, so
// it takes the hidden layer's order, and the reduction over the outputs (dA1) runs along o:
//   z2[b,o]  = b2[o], then fma(A1[b,h], W2[h,o], .) for h = 0..H-1
//   dz2[b,o] = the head's (below);   db2[o] = sum over b ascending from +0 of dz2[b,o]
//   dW2[h,o] = fma(A1[b,h], dz2[b,o], .) over b ascending from +0
//   dZ1[b,h] = act'(g) as above, g = fma(dz2[b,o], W2[h,o], .) over o ascending from +0
//   db1, dW1, update as above (W2 read before any of it is written)
// The heads' per-row maths (z the row's outputs, y its target):
//   binary   as above
//   mse      O = 1: loss d * d with d = z - y;  dz2 = (2 * (z - y)) / B;  evaluate: loss as
//            above (the sum is the squared errors' SSE), score R2 = 1 - SSE / SST over the n
//            rows evaluated, mean = (y[0] + y[1] + ... from +0) / n, then SST = fma(y[i] - mean,
//            y[i] - mean, .) over i ascending from +0 (a pass over the targets alone, so the
//            chunking cannot change it); NaN when the n targets are all equal (== y[0])
//   softmax  m = z[0], then z[o] > m ? z[o] : m for o = 1..O-1 (its first index: the predicted
//            class, the lowest index on a tie);  e[o] = exp(z[o] - m);  S = e[0] + e[1] + ...
//            (o ascending from +0);  loss = log(S) + (m - z[y]);  dz2[o] = (e[o] / S - (o == y ?
//            1 : 0)) / B;  a y that is not one of 0..O-1: loss NaN, never correct, no one-hot
//   log(x)   = fma(k, LN2_HI, fma(k, LN2_LO, log1p(f - 1))) with x = 2^k f, f in [sqrt(1/2),
//              sqrt(2)) from x's bits, log1p the one above (its series holds for f - 1 >= -1/2),
//              ln2 in exp's two parts (mlp_log); about 2 ulp
// NaNs are the exception: which NaN operand an operation passes on is up to the compiler and
// the instruction form, so a NaN's sign and payload are not reproducible. Results that get
// saved are normalised to one NaN (positive, quiet, no payload: 0x7ff8000000000000): the loss
// here, and a diverged model's parameters through mlp_canonicalize_nans.
// It is implemented twice: a portable C path (fma() from libm, correctly rounded everywhere)
// and an AVX2+FMA path chosen at run time; tests/unit/test_mlp.c checks they agree bitwise.
// The *_ref kernels are plain loops in their own (non-fused) order, for the tests only.
//
// The files, one per kind of code (all but this header internal to them):
//   include/mlp_math.h       the canonical scalar maths above (exp, log1p, log, tanh, sigmoid, BCE,
//                            the activations), static inline: the kernels inline them
//   include/mlp_math_avx2.h  the same maths on 4 lanes, step for step
//   include/mlp_head.h       the output head: O, the loss, dz2, the correct count, the score
//   include/mlp_kernels.h    the interface each implementation of the kernels provides
//   src/mlp.c                the model: layout, init, weights, copy, checks, work space,
//                            evaluate, the choice of kernels and the public entry points
//   src/mlp_portable.c       the portable kernels        src/mlp_avx2.c  the AVX2+FMA kernels
//   src/mlp_ref.c            the plain reference kernels
#ifndef MLP_H
#define MLP_H

#include <stdint.h>
#include "rng.h"

// The hidden layer's activation and the initialisers (DESIGN section 3, "The training recipe").
// Their names, in code order, are the spec's and the results file's.
typedef enum { MLP_RELU = 0, MLP_TANH = 1, MLP_LEAKY_RELU = 2, N_MLP_ACTIVATIONS } MlpActivation;
typedef enum { MLP_INIT_NORMAL = 0, MLP_INIT_XAVIER_UNIFORM = 1, MLP_INIT_HE_NORMAL = 2, N_MLP_INITS } MlpInit;
extern const char *const MLP_ACTIVATION_NAMES[N_MLP_ACTIVATIONS];   // "relu", "tanh", "leaky_relu"
extern const char *const MLP_INIT_NAMES[N_MLP_INITS];   // "normal", "xavier_uniform", "he_normal"
#define MLP_LEAKY_SLOPE 0.01
// The output head: what the network's O outputs mean, their loss, its gradient and the score
// (include/mlp_head.h, DESIGN section 7): binary (O = 1), softmax (O = K >= 2), mse (O = 1).
typedef enum { MLP_HEAD_BINARY = 0, MLP_HEAD_SOFTMAX = 1, MLP_HEAD_MSE = 2, N_MLP_HEADS } MlpHead;
extern const char *const MLP_HEAD_NAMES[N_MLP_HEADS];   // "binary", "softmax", "mse"

typedef struct {
    int64_t n_in, n_hidden;  // D, H
    int64_t n_out;           // O, the head's outputs (mlp_head_n_out): 1, or K for softmax
    MlpActivation act;       // the hidden layer's activation (mlp_init: relu)
    MlpHead head;            // the output head (mlp_init's)
    double *W1;              // (D, H)
    double *b1;              // (H)
    double *W2;              // (H, O)
    double *b2;              // (O)
    double *mem;             // one block holding all of the above, in that order
} Mlp;

// Gradients have the shapes of the parameters; scratch is what one batch needs.
typedef struct {
    int64_t n_rows;          // capacity in rows (max batch or evaluation chunk)
    Mlp grad;                // dW1, db1, dW2, db2
    double *A1;              // (rows, H) hidden activations; A1 > 0 doubles as Z1 > 0 (relu's and
                             // leaky_relu's derivative), tanh's is 1 - A1^2
    double *z2;              // (rows, O) the output layer's values (binary: the logits)
    double *dz2;             // (rows, O)
    double *dZ1;             // (rows, max(H, 8)) backward scratch; its layout is the kernels' own
    double *W2T;             // (O, H) for O > 1: backward's copy of W2, transposed; else NULL
    double *mem;
    const struct MlpKernelTable *kernels;   // the implementation this work space runs (see below)
} MlpWork;

// The parameters' layout, named once: W1, b1, W2, b2, in this order in Mlp.mem, the wire's
// and the results file's. For input width D, hidden width H and O outputs one
// config's parameter p has shape dims[0..rank-1]: W1 (D, H), b1 (H), W2 (H) for O = 1 else
// (H, O), b2 a scalar (rank 0) for O = 1 else (O). The file stores a row of them per config.
enum { MLP_W1, MLP_B1, MLP_W2, MLP_B2, MLP_N_PARAMS };
extern const char *const MLP_PARAM_NAMES[MLP_N_PARAMS];   // "W1", "b1", "W2", "b2"
int mlp_param_shape(int p, int64_t D, int64_t H, int64_t O, int64_t dims[2]);   // the rank
int64_t mlp_param_count(int p, int64_t D, int64_t H, int64_t O);   // doubles in parameter p
double *mlp_param(const Mlp *m, int p);                  // where parameter p starts in m
int64_t mlp_param_total(int64_t D, int64_t H, int64_t O);   // all of them: Mlp.mem's doubles
int64_t mlp_model_n_params(const Mlp *m);                // mlp_param_total of m's own sizes
// The binary head's mlp_param_total (O = 1), for the callers that size v2's models.
int64_t mlp_n_params(int64_t n_in, int64_t n_hidden);
// The outputs O of a head: 1 for binary and mse, n_classes (the task's K) for softmax.
int64_t mlp_head_n_out(MlpHead head, int64_t n_classes);
// Whether a head computes O outputs: O = 1 for binary and mse, O >= 2 for softmax.
int mlp_head_fits(MlpHead head, int64_t n_out);

// A model with D inputs, H hidden units, O outputs and the output head `head`, all parameters
// 0, relu. 0, or -1 when out of memory or when the head does not compute O outputs
// (mlp_head_fits).
int mlp_init(Mlp *m, int64_t n_in, int64_t n_hidden, int64_t n_out, MlpHead head);
void mlp_free(Mlp *m);
// A model over parameters that live in someone else's block mem (mlp_param_total doubles in
// the layout's order; not owned: never mlp_free it), relu, the binary head (set m->head where
// it matters); any O. Returns the first double past them. For the wire and the file, which
// pack parameters themselves.
double *mlp_view(Mlp *m, double *mem, int64_t n_in, int64_t n_hidden, int64_t n_out);
void mlp_copy(Mlp *dst, const Mlp *src);                // same shapes; parameters, act and head
// W1 (D*H), W2 (H*O, row-major), b1 (H), b2 (O) drawn in that order (the tutorial's, W2 and b2
// widened: O = 1 draws exactly what one output always drew) as N(0, 1) * scale.
void mlp_randomize(Mlp *m, Rng *r, double scale);
// The initialisers, as torch.nn.init's with fan_in, fan_out of each layer (D, H for W1; H, O
// for W2): normal is mlp_randomize; xavier_uniform draws W1 then W2 as U(-a, a),
// a = sqrt(6 / (fan_in + fan_out)) (as -a + 2a u, u = rng_uniform); he_normal draws W1 then W2
// as N(0, 1) * sqrt(2 / fan_in); both set the biases to 0 and ignore scale.
void mlp_init_weights(Mlp *m, MlpInit init, Rng *r, double scale);
int mlp_all_finite(const Mlp *m);
// Replaces every NaN parameter with the one NaN above: call it on a diverged model before its
// parameters are saved (their NaNs' signs and payloads differ between machines otherwise).
void mlp_canonicalize_nans(Mlp *m);

// A work space for a model of these sizes (any O >= 1) and batches (or evaluation chunks) of up
// to n_rows. 0, or -1 when out of memory.
int mlp_work_init(MlpWork *w, int64_t n_in, int64_t n_hidden, int64_t n_out, int64_t n_rows);
void mlp_work_free(MlpWork *w);

// Stable binary cross-entropy of logit z against label y: max(z,0) - z*y + log1p(exp(-|z|)),
// and 1 / (1 + exp(-z)), with the canonical exp and log1p (see the top of this file).
double mlp_bce_from_logit(double z, double y);
double mlp_sigmoid(double z);
// The canonical exp (any x), log1p (for x in [0, 1], the only range the loss needs) and log
// (any x; softmax's logsumexp).
double mlp_exp(double x);
double mlp_log1p01(double x);
double mlp_log(double x);
// The canonical tanh (any x, NaN passes) and the activation of a model's kind, one value.
double mlp_tanh(double x);
double mlp_activate(MlpActivation act, double z);

// Which implementation of the kernels a work space runs. All give bitwise identical results;
// they differ only in speed. mlp_work_init picks the default: AVX2 on a CPU with AVX2 and
// FMA, else PORTABLE; the environment variable SWEEP_MLP_KERNELS=portable|avx2 overrides it.
typedef enum { MLP_KERNELS_AUTO = 0, MLP_KERNELS_PORTABLE = 1, MLP_KERNELS_AVX2 = 2 } MlpKernels;
// Switches w to k (AUTO: the default); returns the one now in use, or -1 (nothing changed)
// when this CPU cannot run the one asked for.
int mlp_work_set_kernels(MlpWork *w, MlpKernels k);
MlpKernels mlp_work_kernels(const MlpWork *w);     // PORTABLE or AVX2
// What k means on this CPU: AUTO becomes the default above; -1 for AVX2 on a CPU without it.
int mlp_kernels_resolve(MlpKernels k);
const char *mlp_kernels_name(MlpKernels k);        // "portable" or "avx2"

// forward: X (B, D) -> w->A1 (B, H), w->z2 (B, O).
void mlp_forward(const Mlp *m, const double *X, int64_t B, MlpWork *w);
// backward after forward on the same X: fills w->grad with d(mean loss)/d(params). Leaves
// w->A1 and w->z2 as forward left them.
void mlp_backward(const Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w);
// m -= lr * w->grad, as p = fma(-lr, dp, p)
void mlp_update(Mlp *m, const MlpWork *w, double lr);
// One SGD step on a batch: forward, backward and update fused. Bitwise identical to
// mlp_forward + mlp_backward + mlp_update, but faster; leaves w->grad unspecified.
void mlp_step(Mlp *m, const double *X, const double *y, int64_t B, MlpWork *w, double lr);

// The plain reference kernels: the same maths written as directly as possible (activations
// from mlp_activate, derivatives as 1 - A1^2, A1 > 0 ? 1 : slope, the head's per-row loss and
// dz2). A1 is (B, H), z2 (B, O); mlp_loss_ref is the mean of the head's loss.
// The tests hold the kernels above to these and to finite differences.
void mlp_forward_ref(const Mlp *m, const double *X, int64_t B, double *A1, double *z2);
void mlp_backward_ref(const Mlp *m, const double *X, const double *y, int64_t B,
                      const double *A1, const double *z2, Mlp *grad);
double mlp_loss_ref(const Mlp *m, const double *X, const double *y, int64_t n);

// Mean loss and the head's score over n >= 1 rows, in chunks of w->n_rows (the chunking does
// not change the result): binary and softmax the accuracy (the fraction of rows predicted
// right), mse R2 over these n rows (NaN when their targets are all equal).
void mlp_evaluate(const Mlp *m, const double *X, const double *y, int64_t n, MlpWork *w,
                  double *loss, double *score);

#endif
