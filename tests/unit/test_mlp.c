// test_mlp.c: the fast kernels against the reference kernels and against finite differences.
#include "check.h"
#include "mlp.h"

#include <stdlib.h>

typedef struct {
    int64_t D, H, B;
    double *X, *y;
    Mlp m;
    MlpWork w;
} Fixture;

static void fixture_init(Fixture *f, int64_t D, int64_t H, int64_t B, uint64_t seed) {
    f->D = D; f->H = H; f->B = B;
    f->X = malloc((size_t)(B * D) * sizeof(double));
    f->y = malloc((size_t)B * sizeof(double));
    Rng r;
    rng_init(&r, seed, 99, 0, 0);
    for (int64_t i = 0; i < B * D; i++) f->X[i] = rng_uniform(&r);
    for (int64_t b = 0; b < B; b++) f->y[b] = (double)(rng_next(&r) & 1);
    mlp_init(&f->m, D, H);
    mlp_randomize(&f->m, &r, 0.5);   // large enough that many units are active and many are not
    mlp_work_init(&f->w, D, H, B);
}

static void fixture_free(Fixture *f) {
    free(f->X); free(f->y);
    mlp_free(&f->m);
    mlp_work_free(&f->w);
}

static void forward_matches_reference_bitwise(void) {
    int64_t shapes[][3] = {{30, 128, 32}, {30, 16, 7}, {3, 5, 1}, {30, 512, 33}};
    for (int s = 0; s < 4; s++) {
        Fixture f;
        fixture_init(&f, shapes[s][0], shapes[s][1], shapes[s][2], (uint64_t)s);
        double *A1 = malloc((size_t)(f.B * f.H) * sizeof(double)), *z2 = malloc((size_t)f.B * sizeof(double));
        mlp_forward(&f.m, f.X, f.B, &f.w);
        mlp_forward_ref(&f.m, f.X, f.B, A1, z2);
        for (int64_t i = 0; i < f.B * f.H; i++) CHECK(A1[i] == f.w.A1[i]);
        for (int64_t b = 0; b < f.B; b++) CHECK(z2[b] == f.w.z2[b]);
        free(A1); free(z2);
        fixture_free(&f);
    }
}

static void backward_matches_reference(void) {
    Fixture f;
    fixture_init(&f, 30, 64, 17, 5);
    double *A1 = malloc((size_t)(f.B * f.H) * sizeof(double)), *z2 = malloc((size_t)f.B * sizeof(double));
    Mlp g;
    mlp_init(&g, f.D, f.H);
    mlp_forward_ref(&f.m, f.X, f.B, A1, z2);
    mlp_backward_ref(&f.m, f.X, f.y, f.B, A1, z2, &g);
    mlp_forward(&f.m, f.X, f.B, &f.w);
    mlp_backward(&f.m, f.X, f.y, f.B, &f.w);
    for (int64_t i = 0; i < mlp_n_params(f.D, f.H); i++) CHECK_NEAR(f.w.grad.mem[i], g.mem[i], 1e-13);
    mlp_free(&g);
    free(A1); free(z2);
    fixture_free(&f);
}

static void gradient_matches_finite_differences(void) {
    Fixture f;
    fixture_init(&f, 6, 9, 11, 7);
    mlp_forward(&f.m, f.X, f.B, &f.w);
    mlp_backward(&f.m, f.X, f.y, f.B, &f.w);
    int64_t n = mlp_n_params(f.D, f.H);
    double eps = 1e-6, worst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double saved = f.m.mem[i];
        f.m.mem[i] = saved + eps;
        double up = mlp_loss_ref(&f.m, f.X, f.y, f.B);
        f.m.mem[i] = saved - eps;
        double down = mlp_loss_ref(&f.m, f.X, f.y, f.B);
        f.m.mem[i] = saved;
        double numeric = (up - down) / (2 * eps);
        double err = fabs(numeric - f.w.grad.mem[i]) / fmax(1e-4, fabs(numeric) + fabs(f.w.grad.mem[i]));
        if (err > worst) worst = err;
    }
    CHECK(worst < 1e-6);
    fixture_free(&f);
}

static void update_steps_against_the_gradient(void) {
    Fixture f;
    fixture_init(&f, 4, 3, 8, 3);
    mlp_forward(&f.m, f.X, f.B, &f.w);
    mlp_backward(&f.m, f.X, f.y, f.B, &f.w);
    double before = mlp_loss_ref(&f.m, f.X, f.y, f.B);
    double w0 = f.m.W1[0], g0 = f.w.grad.W1[0];
    mlp_update(&f.m, &f.w, 0.1);
    CHECK(f.m.W1[0] == w0 - 0.1 * g0);
    CHECK(mlp_loss_ref(&f.m, f.X, f.y, f.B) < before);
    fixture_free(&f);
}

static void bce_from_logit_is_stable_at_extremes(void) {
    CHECK_NEAR(mlp_bce_from_logit(0.0, 1.0), log(2.0), 1e-15);
    CHECK_NEAR(mlp_bce_from_logit(800.0, 0.0), 800.0, 1e-15);   // log(1 - sigmoid(800)) without log(0)
    CHECK(mlp_bce_from_logit(800.0, 1.0) >= 0.0 && mlp_bce_from_logit(800.0, 1.0) < 1e-300);
    CHECK_NEAR(mlp_bce_from_logit(-800.0, 1.0), 800.0, 1e-15);
    CHECK(isfinite(mlp_bce_from_logit(-1e308, 0.0)));
    CHECK_NEAR(mlp_bce_from_logit(2.0, 1.0), -log(1.0 / (1.0 + exp(-2.0))), 1e-15);
}

static void evaluate_matches_reference_loss_and_counts_accuracy(void) {
    Fixture f;
    fixture_init(&f, 30, 16, 100, 11);
    MlpWork small;
    mlp_work_init(&small, f.D, f.H, 7);   // chunked: 100 rows in chunks of 7
    double loss, acc;
    mlp_evaluate(&f.m, f.X, f.y, f.B, &small, &loss, &acc);
    CHECK_NEAR(loss, mlp_loss_ref(&f.m, f.X, f.y, f.B), 1e-14);
    int correct = 0;
    double *A1 = malloc((size_t)(f.B * f.H) * sizeof(double)), *z2 = malloc((size_t)f.B * sizeof(double));
    mlp_forward_ref(&f.m, f.X, f.B, A1, z2);
    for (int64_t b = 0; b < f.B; b++) correct += (mlp_sigmoid(z2[b]) >= 0.5) == (f.y[b] == 1.0);
    CHECK(acc == correct / 100.0);
    free(A1); free(z2);
    mlp_work_free(&small);
    fixture_free(&f);
}

static void non_finite_parameters_are_detected(void) {
    Mlp m;
    mlp_init(&m, 3, 4);
    CHECK(mlp_all_finite(&m));
    m.W2[2] = NAN;
    CHECK(!mlp_all_finite(&m));
    m.W2[2] = 0.0;
    m.b2[0] = INFINITY;
    CHECK(!mlp_all_finite(&m));
    mlp_free(&m);
}

int main(void) {
    RUN(forward_matches_reference_bitwise);
    RUN(backward_matches_reference);
    RUN(gradient_matches_finite_differences);
    RUN(update_steps_against_the_gradient);
    RUN(bce_from_logit_is_stable_at_extremes);
    RUN(evaluate_matches_reference_loss_and_counts_accuracy);
    RUN(non_finite_parameters_are_detected);
    return CHECK_SUMMARY();
}
