// test_optim.c: the optimizers' updates against the plain formulas (optim_step_ref) over many
// steps, the portable and AVX2 loops against each other bitwise on awkward lengths, and the
// properties that pin the formulas to torch.optim's: the first momentum step is plain SGD, adam's
// first step moves every parameter by about lr, plain SGD is the network's own update.
#include "check.h"
#include "optim.h"

#include <stdint.h>
#include <stdlib.h>

static const double DECAYS[] = {0.0, 0.05};

static void fill(double *x, int64_t n, Rng *r, double scale) {
    for (int64_t i = 0; i < n; i++) x[i] = (2.0 * rng_uniform(r) - 1.0) * scale;
}

// n parameters, steps updates with a fresh gradient each, from both implementations.
static void run_steps(Optim *o, double *p, int64_t n, int steps, uint64_t seed, int reference) {
    Rng r;
    rng_init(&r, seed, 97, (uint64_t)n, 0);
    double *g = malloc((size_t)n * sizeof *g);
    for (int s = 0; s < steps; s++) {
        fill(g, n, &r, 1.0);
        if (s % 3 == 2) g[0] = 0.0;   // a zero gradient now and then
        if (reference) optim_step_ref(o, p, g);
        else optim_step(o, p, g);
    }
    free(g);
}

static void updates_match_the_plain_formulas(void) {
    const int64_t n = 37;
    for (int k = 0; k < N_OPTIMS; k++)
        for (int d = 0; d < 2; d++) {
            Optim fast, ref;
            CHECK(optim_init(&fast, (OptimKind)k, 0.03, 0.9, DECAYS[d], n) == 0);
            CHECK(optim_init(&ref, (OptimKind)k, 0.03, 0.9, DECAYS[d], n) == 0);
            double *p = malloc((size_t)n * sizeof *p), *q = malloc((size_t)n * sizeof *q);
            Rng r;
            rng_init(&r, 4, 96, 0, 0);
            fill(p, n, &r, 0.5);
            memcpy(q, p, (size_t)n * sizeof *p);
            run_steps(&fast, p, n, 50, 1, 0);
            run_steps(&ref, q, n, 50, 1, 1);
            double worst = 0.0;
            for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs(p[i] - q[i]) / fmax(1e-3, fabs(q[i])));
            CHECK(worst < 1e-12);
            if (worst >= 1e-12) fprintf(stderr, "    %s wd %g: worst %g\n", OPTIM_NAMES[k], DECAYS[d], worst);
            CHECK(fast.step == 50 && ref.step == 50);
            free(p); free(q);
            optim_free(&fast); optim_free(&ref);
        }
}

static void portable_and_avx2_agree_bitwise(void) {
    Optim probe;
    optim_init(&probe, OPTIM_ADAM, 0.1, 0.9, 0.0, 4);
    int have_avx2 = optim_set_kernels(&probe, MLP_KERNELS_AVX2) == MLP_KERNELS_AVX2;
    optim_free(&probe);
    if (!have_avx2) printf("     (this CPU has no AVX2+FMA: only the portable path was checked)\n");
    const int64_t lengths[] = {1, 3, 4, 5, 17, 4225};
    int cases = 0;
    for (int k = 0; k < N_OPTIMS; k++)
        for (int d = 0; d < 2; d++)
            for (int l = 0; l < 6; l++) {
                int64_t n = lengths[l];
                double *p[2];
                Optim o[2];
                for (int j = 0; j < 2; j++) {
                    optim_init(&o[j], (OptimKind)k, 0.07, 0.8, DECAYS[d], n);
                    CHECK(optim_set_kernels(&o[j], j && have_avx2 ? MLP_KERNELS_AVX2 : MLP_KERNELS_PORTABLE) >= 0);
                    p[j] = malloc((size_t)n * sizeof(double));
                    Rng r;
                    rng_init(&r, 8, 95, (uint64_t)n, 0);
                    fill(p[j], n, &r, 2.0);
                    run_steps(&o[j], p[j], n, 12, (uint64_t)l, 0);
                }
                CHECK(memcmp(p[0], p[1], (size_t)n * sizeof(double)) == 0);
                if (o[0].mem) CHECK(memcmp(o[0].mem, o[1].mem, (size_t)(n * (o[0].m ? 2 : 1)) * sizeof(double)) == 0);
                for (int j = 0; j < 2; j++) { free(p[j]); optim_free(&o[j]); }
                cases++;
            }
    CHECK(cases == N_OPTIMS * 2 * 6);
}

// The formulas' fixed points, as torch.optim has them.
static void the_first_steps_are_torchs(void) {
    const int64_t n = 5;
    double p0[5] = {0.5, -1.0, 2.0, 0.0, 3.0}, g[5] = {0.1, -2.0, 0.0, 1e-3, 5.0}, p[5];
    // plain SGD is the network's own update: p = fma(-lr, g, p); it has no state at all
    Optim o;
    CHECK(optim_init(&o, OPTIM_SGD, 0.1, 0.9, 0.0, n) == 0 && o.mem == NULL && o.v == NULL);
    memcpy(p, p0, sizeof p);
    optim_step(&o, p, g);
    for (int i = 0; i < n; i++) CHECK(p[i] == fma(-0.1, g[i], p0[i]));
    CHECK(optim_is_plain_sgd(OPTIM_SGD, 0.0) && !optim_is_plain_sgd(OPTIM_SGD, 1e-4) && !optim_is_plain_sgd(OPTIM_ADAM, 0.0));
    optim_free(&o);
    // momentum and nesterov: the velocity starts at g (torch clones the first gradient)
    for (int k = OPTIM_MOMENTUM; k <= OPTIM_NESTEROV; k++) {
        CHECK(optim_init(&o, (OptimKind)k, 0.1, 0.9, 0.0, n) == 0 && o.v && !o.m);
        memcpy(p, p0, sizeof p);
        optim_step(&o, p, g);
        for (int i = 0; i < n; i++) {
            CHECK(o.v[i] == g[i]);
            CHECK(p[i] == (k == OPTIM_MOMENTUM ? fma(-0.1, g[i], p0[i]) : fma(-0.1, fma(0.9, g[i], g[i]), p0[i])));
        }
        optim_reset(&o);
        for (int i = 0; i < n; i++) CHECK(o.v[i] == 0.0);
        optim_free(&o);
    }
    // adam: bias-corrected, so the first step is lr * g / (|g| + eps'): about lr for |g| >> eps
    CHECK(optim_init(&o, OPTIM_ADAM, 0.01, 0.9, 0.0, n) == 0 && o.v && o.m);
    memcpy(p, p0, sizeof p);
    optim_step(&o, p, g);
    for (int i = 0; i < n; i++)
        if (g[i] != 0.0) CHECK_NEAR(p[i], p0[i] - 0.01 * (g[i] > 0 ? 1.0 : -1.0), 1e-7);
    CHECK(p[2] == p0[2] && o.step == 1 && o.beta1_t == 0.9 && o.beta2_t == 0.999);
    optim_reset(&o);
    CHECK(o.step == 0 && o.beta1_t == 1.0 && o.m[1] == 0.0 && o.v[1] == 0.0);
    optim_free(&o);
    // weight decay: sgd adds wd p to g; adamw shrinks p by (1 - lr wd) first, and with g = 0 that
    // is all it does, where adam with the same wd moves p by about lr
    double zero[5] = {0};
    CHECK(optim_init(&o, OPTIM_SGD, 0.1, 0.9, 0.5, n) == 0);
    memcpy(p, p0, sizeof p);
    optim_step(&o, p, zero);
    for (int i = 0; i < n; i++) CHECK(p[i] == fma(-0.1, 0.5 * p0[i], p0[i]));
    optim_free(&o);
    CHECK(optim_init(&o, OPTIM_ADAMW, 0.1, 0.9, 0.5, n) == 0);
    memcpy(p, p0, sizeof p);
    optim_step(&o, p, zero);
    for (int i = 0; i < n; i++) CHECK(p[i] == p0[i] * (1.0 - 0.1 * 0.5));
    optim_free(&o);
    CHECK(optim_init(&o, OPTIM_ADAM, 0.1, 0.9, 0.5, n) == 0);
    memcpy(p, p0, sizeof p);
    optim_step(&o, p, zero);
    CHECK_NEAR(p[0], 0.5 - 0.1, 1e-7);
    optim_free(&o);
}

static void names_and_flops(void) {
    CHECK(strcmp(OPTIM_NAMES[OPTIM_SGD], "sgd") == 0 && strcmp(OPTIM_NAMES[OPTIM_NESTEROV], "nesterov") == 0);
    CHECK(optim_flops_per_param(OPTIM_SGD, 0.0) == 2.0 && optim_flops_per_param(OPTIM_SGD, 0.1) == 4.0);
    CHECK(optim_flops_per_param(OPTIM_ADAMW, 0.1) == optim_flops_per_param(OPTIM_ADAMW, 0.0));
}

int main(void) {
    RUN(updates_match_the_plain_formulas);
    RUN(portable_and_avx2_agree_bitwise);
    RUN(the_first_steps_are_torchs);
    RUN(names_and_flops);
    return CHECK_SUMMARY();
}
