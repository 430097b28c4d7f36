// optim.c: the optimizers' update rules (see optim.h for the canonical order). Each rule is one
// pass over the parameter vector, element by element, so the AVX2 loop (4 parameters per ymm
// register) does exactly the portable loop's operations lane by lane and gives the same bits.
// -ffp-contract=off (Makefile) keeps the compiler from fusing anything on its own.
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const OPTIM_NAMES[N_OPTIMS] = {"sgd", "momentum", "nesterov", "adam", "adamw"};

static int has_velocity(OptimKind k) { return k == OPTIM_MOMENTUM || k == OPTIM_NESTEROV; }
static int is_adam(OptimKind k) { return k == OPTIM_ADAM || k == OPTIM_ADAMW; }

int optim_is_plain_sgd(OptimKind kind, double weight_decay) { return kind == OPTIM_SGD && weight_decay == 0.0; }

double optim_flops_per_param(OptimKind kind, double weight_decay) {
    // sgd: 1 fma; momentum: 2; nesterov: 3; adam: 2 mul + 2 fma (moments), sqrt, 2 div, add, fma
    static const double PER[N_OPTIMS] = {2.0, 4.0, 6.0, 13.0, 14.0};
    return PER[kind] + (weight_decay != 0.0 && kind != OPTIM_ADAMW ? 2.0 : 0.0);
}

int optim_init(Optim *o, OptimKind kind, double lr, double momentum, double weight_decay, int64_t n_params) {
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->lr = lr;
    o->momentum = momentum;
    o->weight_decay = weight_decay;
    o->n_params = n_params;
    int64_t n_state = has_velocity(kind) ? 1 : is_adam(kind) ? 2 : 0;
    if (n_state) {
        o->mem = calloc((size_t)(n_state * n_params), sizeof(double));
        if (!o->mem) return -1;
        o->v = o->mem;
        if (n_state == 2) o->m = o->mem + n_params;
    }
    optim_reset(o);
    optim_set_kernels(o, MLP_KERNELS_AUTO);
    return 0;
}

void optim_free(Optim *o) {
    free(o->mem);
    memset(o, 0, sizeof *o);
}

void optim_reset(Optim *o) {
    int64_t n_state = has_velocity(o->kind) ? 1 : is_adam(o->kind) ? 2 : 0;
    if (o->mem) memset(o->mem, 0, (size_t)(n_state * o->n_params) * sizeof(double));
    o->step = 0;
    o->beta1_t = o->beta2_t = 1.0;
}

int optim_set_kernels(Optim *o, MlpKernels k) {
    int got = mlp_kernels_resolve(k);
    if (got < 0) return -1;
    o->kernels = (MlpKernels)got;
    return got;
}

// The step's scalars: Adam's bias corrections after advancing t.
typedef struct {
    double nlr, mu, wd, decay;        // -lr, momentum, weight decay, adamw's 1 - lr wd
    double c1, sqrt_c2, nstep;        // 1 - b1^t, sqrt(1 - b2^t), -(lr / c1)
} StepScalars;

static StepScalars step_scalars(Optim *o) {
    StepScalars s;
    o->step++;
    o->beta1_t *= OPTIM_BETA1;
    o->beta2_t *= OPTIM_BETA2;
    s.nlr = -o->lr;
    s.mu = o->momentum;
    s.wd = o->weight_decay;
    s.decay = 1.0 - o->lr * o->weight_decay;
    s.c1 = 1.0 - o->beta1_t;
    s.sqrt_c2 = sqrt(1.0 - o->beta2_t);
    s.nstep = -(o->lr / s.c1);
    return s;
}

// ---------------------------------------------------------------------------------------
// Portable path.

static void step_portable(const Optim *o, const StepScalars *s, double *p, const double *grad) {
    // p, grad, v and m are each (n_params)
    const int64_t n = o->n_params;
    const int decay_g = s->wd != 0.0 && o->kind != OPTIM_ADAMW;
    double *v = o->v, *m = o->m;
    for (int64_t i = 0; i < n; i++) {
        double g = decay_g ? fma(s->wd, p[i], grad[i]) : grad[i];                // g += wd p
        switch (o->kind) {
        case OPTIM_SGD: p[i] = fma(s->nlr, g, p[i]); break;                     // p -= lr g
        case OPTIM_MOMENTUM:
            v[i] = fma(s->mu, v[i], g);                                          // v = mu v + g
            p[i] = fma(s->nlr, v[i], p[i]);                                      // p -= lr v
            break;
        case OPTIM_NESTEROV:
            v[i] = fma(s->mu, v[i], g);                                          // v = mu v + g
            p[i] = fma(s->nlr, fma(s->mu, v[i], g), p[i]);                       // p -= lr (g + mu v)
            break;
        default: {   // adam, adamw
            double q = o->kind == OPTIM_ADAMW ? p[i] * s->decay : p[i];          // adamw: p *= 1 - lr wd
            m[i] = fma(OPTIM_BETA1, m[i], (1.0 - OPTIM_BETA1) * g);              // m = b1 m + (1 - b1) g
            v[i] = fma(OPTIM_BETA2, v[i], (1.0 - OPTIM_BETA2) * (g * g));        // v = b2 v + (1 - b2) g^2
            double denom = sqrt(v[i]) / s->sqrt_c2 + OPTIM_EPS;                  // sqrt(v / c2) + eps
            p[i] = fma(s->nstep, m[i] / denom, q);                               // p -= lr / c1 m / denom
            break;
        }
        }
    }
}

// ---------------------------------------------------------------------------------------
// AVX2+FMA path: the same loop 4 parameters at a time, the remainder through the portable one.

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define OPTIM_HAVE_AVX2 1
#include <immintrin.h>

#define AVX2_FN __attribute__((target("avx2,fma")))
#define AVX2_INLINE static inline __attribute__((target("avx2,fma"), always_inline))

AVX2_INLINE void step_avx2_t(const Optim *o, const StepScalars *s, double *p, const double *grad, int64_t n4,
                             const OptimKind kind, const int decay_g) {
    // p, grad, v and m are each (n_params); this does [0, n4), n4 a multiple of 4
    double *v = o->v, *m = o->m;
    const __m256d nlr = _mm256_set1_pd(s->nlr), mu = _mm256_set1_pd(s->mu), wd = _mm256_set1_pd(s->wd);
    const __m256d decay = _mm256_set1_pd(s->decay), sqrt_c2 = _mm256_set1_pd(s->sqrt_c2);
    const __m256d nstep = _mm256_set1_pd(s->nstep), eps = _mm256_set1_pd(OPTIM_EPS);
    const __m256d b1 = _mm256_set1_pd(OPTIM_BETA1), b2 = _mm256_set1_pd(OPTIM_BETA2);
    const __m256d c1m = _mm256_set1_pd(1.0 - OPTIM_BETA1), c2m = _mm256_set1_pd(1.0 - OPTIM_BETA2);
    for (int64_t i = 0; i < n4; i += 4) {
        __m256d pi = _mm256_loadu_pd(p + i), g = _mm256_loadu_pd(grad + i);
        if (decay_g) g = _mm256_fmadd_pd(wd, pi, g);                                        // g += wd p
        if (kind == OPTIM_SGD) {
            pi = _mm256_fmadd_pd(nlr, g, pi);                                               // p -= lr g
        } else if (kind == OPTIM_MOMENTUM || kind == OPTIM_NESTEROV) {
            __m256d vi = _mm256_fmadd_pd(mu, _mm256_loadu_pd(v + i), g);                    // v = mu v + g
            _mm256_storeu_pd(v + i, vi);
            __m256d d = kind == OPTIM_NESTEROV ? _mm256_fmadd_pd(mu, vi, g) : vi;           // g + mu v, or v
            pi = _mm256_fmadd_pd(nlr, d, pi);                                               // p -= lr d
        } else {
            if (kind == OPTIM_ADAMW) pi = _mm256_mul_pd(pi, decay);                          // p *= 1 - lr wd
            __m256d mi = _mm256_fmadd_pd(b1, _mm256_loadu_pd(m + i), _mm256_mul_pd(c1m, g));
            __m256d vi = _mm256_fmadd_pd(b2, _mm256_loadu_pd(v + i), _mm256_mul_pd(c2m, _mm256_mul_pd(g, g)));
            _mm256_storeu_pd(m + i, mi);                                                    // m = b1 m + (1 - b1) g
            _mm256_storeu_pd(v + i, vi);                                                    // v = b2 v + (1 - b2) g^2
            __m256d denom = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(vi), sqrt_c2), eps);
            pi = _mm256_fmadd_pd(nstep, _mm256_div_pd(mi, denom), pi);                       // p -= lr / c1 m / denom
        }
        _mm256_storeu_pd(p + i, pi);
    }
}

AVX2_FN static void step_avx2(const Optim *o, const StepScalars *s, double *p, const double *grad) {
    const int64_t n = o->n_params, n4 = n & ~(int64_t)3;
    const int decay_g = s->wd != 0.0 && o->kind != OPTIM_ADAMW;
    switch (o->kind) {
    case OPTIM_SGD: step_avx2_t(o, s, p, grad, n4, OPTIM_SGD, decay_g); break;
    case OPTIM_MOMENTUM: step_avx2_t(o, s, p, grad, n4, OPTIM_MOMENTUM, decay_g); break;
    case OPTIM_NESTEROV: step_avx2_t(o, s, p, grad, n4, OPTIM_NESTEROV, decay_g); break;
    case OPTIM_ADAM: step_avx2_t(o, s, p, grad, n4, OPTIM_ADAM, decay_g); break;
    default: step_avx2_t(o, s, p, grad, n4, OPTIM_ADAMW, 0); break;
    }
    // The last n mod 4 parameters: the portable loop on the tail of every array.
    Optim tail = *o;
    tail.n_params = n - n4;
    if (tail.v) tail.v += n4;
    if (tail.m) tail.m += n4;
    step_portable(&tail, s, p + n4, grad + n4);
}
#endif

void optim_step(Optim *o, double *params, const double *grad) {
    StepScalars s = step_scalars(o);
#ifdef OPTIM_HAVE_AVX2
    if (o->kernels == MLP_KERNELS_AVX2) { step_avx2(o, &s, params, grad); return; }
#endif
    step_portable(o, &s, params, grad);
}

// ---------------------------------------------------------------------------------------
// Reference: torch.optim's formulas, as written in its documentation.

void optim_step_ref(Optim *o, double *params, const double *grad) {
    o->step++;
    double lr = o->lr, mu = o->momentum, wd = o->weight_decay, t = (double)o->step;
    for (int64_t i = 0; i < o->n_params; i++) {
        double g = grad[i];
        if (o->kind != OPTIM_ADAMW && wd != 0.0) g = g + wd * params[i];
        if (o->kind == OPTIM_SGD) {
            params[i] = params[i] - lr * g;
        } else if (has_velocity(o->kind)) {
            o->v[i] = mu * o->v[i] + g;
            params[i] = params[i] - lr * (o->kind == OPTIM_NESTEROV ? g + mu * o->v[i] : o->v[i]);
        } else {
            if (o->kind == OPTIM_ADAMW) params[i] = params[i] - lr * wd * params[i];
            o->m[i] = OPTIM_BETA1 * o->m[i] + (1.0 - OPTIM_BETA1) * g;
            o->v[i] = OPTIM_BETA2 * o->v[i] + (1.0 - OPTIM_BETA2) * g * g;
            double m_hat = o->m[i] / (1.0 - pow(OPTIM_BETA1, t)), v_hat = o->v[i] / (1.0 - pow(OPTIM_BETA2, t));
            params[i] = params[i] - lr * m_hat / (sqrt(v_hat) + OPTIM_EPS);
        }
    }
}
