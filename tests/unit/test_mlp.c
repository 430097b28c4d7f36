// test_mlp.c: the fast kernels against the reference kernels and against finite differences,
// and the two implementations of the canonical order (portable C, AVX2+FMA) against each other,
// bitwise, on awkward shapes, for every head (binary, mse: one output; softmax: O of 2, 3, 10);
// the output heads' row functions against their direct formulas and on awkward values; the
// parameters' layout for O outputs; the initial weights of O outputs; learning with each head.
#include "check.h"
#include "mlp.h"
#include "mlp_head.h"

#include <stdint.h>
#include <stdlib.h>

// The implementation the fixtures' work spaces run (use_kernels switches it; AUTO: default),
// and the activation of the fixtures' models (use_activation).
static MlpKernels test_kernels = MLP_KERNELS_AUTO;
static void use_kernels(MlpKernels k) { test_kernels = k; }
static MlpActivation test_act = MLP_RELU;
static void use_activation(MlpActivation a) { test_act = a; }
// The head and outputs of the fixtures' models (use_head; binary, 1 by default).
static MlpHead test_head = MLP_HEAD_BINARY;
static int64_t test_O = 1;
static void use_head(MlpHead h, int64_t O) { test_head = h; test_O = O; }

// The heads the kernels are checked with: binary and mse (one output), softmax of 2, 3 and 10.
static const struct { MlpHead head; int64_t O; } HEADS[] = {
    {MLP_HEAD_BINARY, 1}, {MLP_HEAD_MSE, 1}, {MLP_HEAD_SOFTMAX, 2}, {MLP_HEAD_SOFTMAX, 3}, {MLP_HEAD_SOFTMAX, 10}};
enum { N_HEADS = sizeof HEADS / sizeof HEADS[0] };

typedef struct {
    int64_t D, H, B, O;
    double *X, *y;
    Mlp m;
    MlpWork w;
} Fixture;

// A target for the head: a label 0 or 1, a class 0..O-1, or a real number.
static double draw_target(Rng *r, MlpHead head, int64_t O) {
    if (head == MLP_HEAD_SOFTMAX) return (double)rng_below(r, (uint64_t)O);
    if (head == MLP_HEAD_MSE) return 4.0 * rng_uniform(r) - 1.5;
    return (double)(rng_next(r) & 1);
}

static void fixture_init(Fixture *f, int64_t D, int64_t H, int64_t B, uint64_t seed) {
    f->D = D; f->H = H; f->B = B; f->O = test_O;
    f->X = malloc((size_t)(B * D) * sizeof(double));
    f->y = malloc((size_t)B * sizeof(double));
    Rng r;
    rng_init(&r, seed, 99, 0, 0);
    for (int64_t i = 0; i < B * D; i++) f->X[i] = rng_uniform(&r);
    for (int64_t b = 0; b < B; b++) f->y[b] = draw_target(&r, test_head, test_O);
    CHECK(mlp_init(&f->m, D, H, test_O, test_head) == 0);
    mlp_randomize(&f->m, &r, 0.5);   // large enough that many units are active and many are not
    f->m.act = test_act;
    CHECK(mlp_work_init(&f->w, D, H, test_O, B) == 0);
    mlp_work_set_kernels(&f->w, test_kernels);
}

static int64_t n_params(const Fixture *f) { return mlp_model_n_params(&f->m); }

// A model of the fixture's shapes and head (parameters 0).
static void init_like(Mlp *m, const Fixture *f) { CHECK(mlp_init(m, f->D, f->H, f->O, f->m.head) == 0); }

static void fixture_free(Fixture *f) {
    free(f->X); free(f->y);
    mlp_free(&f->m);
    mlp_work_free(&f->w);
}

// The implementations this CPU has.
static int n_kernel_kinds(MlpKernels kinds[2]) {
    int n = 0;
    MlpWork probe;
    mlp_work_init(&probe, 1, 1, 1, 1);   // probes the CPU
    kinds[n++] = MLP_KERNELS_PORTABLE;
    if (mlp_work_set_kernels(&probe, MLP_KERNELS_AVX2) == MLP_KERNELS_AVX2) kinds[n++] = MLP_KERNELS_AVX2;
    mlp_work_free(&probe);
    return n;
}

static int64_t ulps_apart(double a, double b) {
    int64_t ia, ib;
    memcpy(&ia, &a, 8);
    memcpy(&ib, &b, 8);
    if (ia < 0) ia = INT64_MIN - ia;
    if (ib < 0) ib = INT64_MIN - ib;
    return ia > ib ? ia - ib : ib - ia;
}

static void forward_matches_reference(void) {
    int64_t shapes[][3] = {{30, 128, 32}, {30, 16, 7}, {3, 5, 1}, {30, 512, 33}, {1, 131, 9}};
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    for (int hd = 0; hd < N_HEADS; hd++)
    for (int k = 0; k < nk * N_MLP_ACTIVATIONS; k++) {
        use_head(HEADS[hd].head, HEADS[hd].O);
        use_activation((MlpActivation)(k / nk));
        use_kernels(kinds[k % nk]);
        for (int s = 0; s < 5; s++) {
            Fixture f;
            fixture_init(&f, shapes[s][0], shapes[s][1], shapes[s][2], (uint64_t)s);
            int64_t BO = f.B * f.O;
            double *A1 = malloc((size_t)(f.B * f.H) * sizeof(double)), *z2 = malloc((size_t)BO * sizeof(double));
            mlp_forward(&f.m, f.X, f.B, &f.w);
            mlp_forward_ref(&f.m, f.X, f.B, A1, z2);
            for (int64_t i = 0; i < f.B * f.H; i++) CHECK_NEAR(A1[i], f.w.A1[i], 1e-12);
            for (int64_t i = 0; i < BO; i++) CHECK_NEAR(z2[i], f.w.z2[i], 1e-12);
            free(A1); free(z2);
            fixture_free(&f);
        }
    }
    use_kernels(MLP_KERNELS_AUTO);
    use_activation(MLP_RELU);
    use_head(MLP_HEAD_BINARY, 1);
}

static void backward_matches_reference(void) {
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    for (int hd = 0; hd < N_HEADS; hd++)
    for (int k = 0; k < nk * N_MLP_ACTIVATIONS; k++) {
        use_head(HEADS[hd].head, HEADS[hd].O);
        use_kernels(kinds[k % nk]);
        use_activation((MlpActivation)(k / nk));
        Fixture f;
        fixture_init(&f, 30, 67, 17, 5);
        double *A1 = malloc((size_t)(f.B * f.H) * sizeof(double)), *z2 = malloc((size_t)(f.B * f.O) * sizeof(double));
        Mlp g;
        init_like(&g, &f);
        mlp_forward_ref(&f.m, f.X, f.B, A1, z2);
        mlp_backward_ref(&f.m, f.X, f.y, f.B, A1, z2, &g);
        mlp_forward(&f.m, f.X, f.B, &f.w);
        mlp_backward(&f.m, f.X, f.y, f.B, &f.w);
        for (int64_t i = 0; i < n_params(&f); i++) CHECK_NEAR(f.w.grad.mem[i], g.mem[i], 1e-12);
        mlp_free(&g);
        free(A1); free(z2);
        fixture_free(&f);
    }
    use_kernels(MLP_KERNELS_AUTO);
    use_activation(MLP_RELU);
    use_head(MLP_HEAD_BINARY, 1);
}

// Every head's and activation's backward pass against central differences of the reference
// loss.
static void gradient_matches_finite_differences(void) {
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    for (int hd = 0; hd < N_HEADS; hd++)
    for (int k = 0; k < nk * N_MLP_ACTIVATIONS; k++) {
        use_head(HEADS[hd].head, HEADS[hd].O);
        use_kernels(kinds[k % nk]);
        use_activation((MlpActivation)(k / nk));
        Fixture f;
        fixture_init(&f, 6, 9, 11, 7);
        mlp_forward(&f.m, f.X, f.B, &f.w);
        mlp_backward(&f.m, f.X, f.y, f.B, &f.w);
        int64_t n = n_params(&f);
        // eps: the differences' rounding (about 1e-16 / eps of the loss) stays well below the
        // bound for the smallest gradients (leaky_relu's negative side), the truncation too
        double eps = 1e-5, worst = 0.0;
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
        if (worst >= 1e-6)
            fprintf(stderr, "    %s, %s O=%lld: worst %g\n", MLP_ACTIVATION_NAMES[test_act], MLP_HEAD_NAMES[test_head],
                    (long long)test_O, worst);
        fixture_free(&f);
    }
    use_kernels(MLP_KERNELS_AUTO);
    use_activation(MLP_RELU);
    use_head(MLP_HEAD_BINARY, 1);
}

static void update_steps_against_the_gradient(void) {
    Fixture f;
    fixture_init(&f, 4, 3, 8, 3);
    mlp_forward(&f.m, f.X, f.B, &f.w);
    mlp_backward(&f.m, f.X, f.y, f.B, &f.w);
    double before = mlp_loss_ref(&f.m, f.X, f.y, f.B);
    double w0 = f.m.W1[0], g0 = f.w.grad.W1[0];
    mlp_update(&f.m, &f.w, 0.1);
    CHECK(f.m.W1[0] == fma(-0.1, g0, w0));
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
    CHECK(isnan(mlp_bce_from_logit(NAN, 1.0)));
    CHECK(mlp_sigmoid(0.0) == 0.5 && mlp_sigmoid(-800.0) == 0.0 && mlp_sigmoid(800.0) == 1.0);
}

// The canonical exp and log1p are held to glibc's within a couple of ulps, on a dense sweep
// of their ranges, and are exact where they must be.
static void canonical_exp_and_log1p_are_accurate(void) {
    int64_t worst_exp = 0, worst_log = 0;
    Rng r;
    rng_init(&r, 1, 98, 0, 0);
    for (int i = 0; i < 200000; i++) {
        double x = -745.0 + 1454.0 * rng_uniform(&r);
        if (i % 4 == 0) x = -40.0 + 80.0 * rng_uniform(&r);   // where the logits live
        if (i % 4 == 1) x = -1e-3 + 2e-3 * rng_uniform(&r);
        double e = exp(x), c = mlp_exp(x);
        if (e >= 0x1p-1022) {   // normal results; subnormals are checked absolutely below
            int64_t u = ulps_apart(e, c);
            if (u > worst_exp) worst_exp = u;
        } else {
            CHECK(fabs(e - c) <= 0x1p-1074);
        }
        double v = i % 3 == 0 ? rng_uniform(&r) : mlp_exp(-fabs(x));
        int64_t u = ulps_apart(log1p(v), mlp_log1p01(v));
        if (u > worst_log) worst_log = u;
    }
    CHECK(worst_exp <= 2);
    CHECK(worst_log <= 3);
    CHECK(mlp_exp(0.0) == 1.0 && mlp_exp(-0.0) == 1.0);
    CHECK(mlp_exp(1.0) == exp(1.0) || ulps_apart(mlp_exp(1.0), exp(1.0)) == 1);
    CHECK(mlp_exp(-INFINITY) == 0.0 && mlp_exp(INFINITY) == INFINITY && isnan(mlp_exp(NAN)));
    CHECK(mlp_exp(710.0) == INFINITY && mlp_exp(-746.0) == 0.0);
    CHECK(mlp_exp(709.7) > 1e308 && isfinite(mlp_exp(709.7)));
    CHECK(mlp_exp(-744.0) > 0.0);
    CHECK(mlp_log1p01(0.0) == 0.0 && isnan(mlp_log1p01(NAN)));
    CHECK(mlp_log1p01(1e-300) == 1e-300);
    CHECK(ulps_apart(mlp_log1p01(1.0), log(2.0)) <= 1);
    // Monotone where the accuracy's decision needs it: sigmoid(z) >= 0.5 exactly when z >= 0,
    // down to the smallest z where 1 + exp(-z) rounds to 2.
    CHECK(mlp_sigmoid(0x1p-1074) >= 0.5 && mlp_sigmoid(-0x1p-20) < 0.5);
}

// Everything the kernels produce for one shape, under the kernels now selected.
typedef struct {
    double *A1, *z2, *dZ1, *grad, *stepped, *fused, loss[3], acc[3];
} Outputs;

static void outputs_free(Outputs *o) {
    free(o->A1); free(o->z2); free(o->dZ1); free(o->grad); free(o->stepped); free(o->fused);
}

static void run_all(Fixture *f, Outputs *o, double lr) {
    int64_t n = n_params(f), BH = f->B * f->H, BO = f->B * f->O;
    mlp_work_set_kernels(&f->w, test_kernels);   // the fixture's work space may predate the choice
    o->A1 = malloc((size_t)BH * 8); o->z2 = malloc((size_t)BO * 8); o->dZ1 = malloc((size_t)BH * 8);
    o->grad = malloc((size_t)n * 8); o->stepped = malloc((size_t)n * 8); o->fused = malloc((size_t)n * 8);
    mlp_forward(&f->m, f->X, f->B, &f->w);
    memcpy(o->A1, f->w.A1, (size_t)BH * 8);
    memcpy(o->z2, f->w.z2, (size_t)BO * 8);
    mlp_backward(&f->m, f->X, f->y, f->B, &f->w);
    memcpy(o->dZ1, f->w.A1, (size_t)BH * 8);
    memcpy(o->grad, f->w.grad.mem, (size_t)n * 8);
    Mlp m;
    init_like(&m, f);
    mlp_copy(&m, &f->m);
    mlp_update(&m, &f->w, lr);
    memcpy(o->stepped, m.mem, (size_t)n * 8);
    mlp_copy(&m, &f->m);
    mlp_step(&m, f->X, f->y, f->B, &f->w, lr);
    memcpy(o->fused, m.mem, (size_t)n * 8);
    mlp_free(&m);
    // Evaluation in one chunk and in chunks of 5 and of 1 rows: the chunking must not matter.
    MlpWork small, one;
    mlp_work_init(&small, f->D, f->H, f->O, 5);
    mlp_work_init(&one, f->D, f->H, f->O, 1);
    mlp_work_set_kernels(&small, test_kernels);
    mlp_work_set_kernels(&one, test_kernels);
    mlp_evaluate(&f->m, f->X, f->y, f->B, &f->w, &o->loss[0], &o->acc[0]);
    mlp_evaluate(&f->m, f->X, f->y, f->B, &small, &o->loss[1], &o->acc[1]);
    mlp_evaluate(&f->m, f->X, f->y, f->B, &one, &o->loss[2], &o->acc[2]);
    mlp_work_free(&small);
    mlp_work_free(&one);
}

static int same_bits(const double *a, const double *b, int64_t n) {
    return memcmp(a, b, (size_t)n * sizeof(double)) == 0;
}

static void check_outputs_equal(const Fixture *f, const Outputs *a, const Outputs *b) {
    int64_t n = n_params(f), BH = f->B * f->H;
    int ok = same_bits(a->A1, b->A1, BH) && same_bits(a->z2, b->z2, f->B * f->O) &&
             same_bits(a->dZ1, b->dZ1, BH) && same_bits(a->grad, b->grad, n) &&
             same_bits(a->stepped, b->stepped, n) && same_bits(a->fused, b->fused, n) &&
             same_bits(a->loss, b->loss, 3) && same_bits(a->acc, b->acc, 3);
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "    shape D=%lld H=%lld B=%lld, %s O=%lld, %s\n", (long long)f->D, (long long)f->H, (long long)f->B,
                MLP_HEAD_NAMES[f->m.head], (long long)f->O, MLP_ACTIVATION_NAMES[f->m.act]);
}

// Within one path: the fused step is the unfused one, and chunking does not change evaluation
// (the loss and the score, R2 included, bit for bit).
static void check_self_consistent(const Fixture *f, const Outputs *o) {
    int64_t n = n_params(f);
    CHECK(same_bits(o->stepped, o->fused, n));
    CHECK(same_bits(o->loss, o->loss + 1, 1) && same_bits(o->acc, o->acc + 1, 1));
    CHECK(same_bits(o->loss, o->loss + 2, 1) && same_bits(o->acc, o->acc + 2, 1));
}

// Every head (binary, mse, softmax of 2, 3 and 10 outputs), every activation, awkward shapes
// (batches of 1, 7, 33, 100 rows: not multiples of 4; hidden widths with tails).
static void portable_and_avx2_agree_bitwise(void) {
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    if (nk < 2) printf("     (this CPU has no AVX2+FMA: only the portable path was checked)\n");
    const int64_t Ds[] = {1, 3, 30}, Hs[] = {1, 3, 5, 16, 17, 128, 131, 512}, Bs[] = {1, 7, 32, 33, 100};
    int shapes = 0;
    for (int hd = 0; hd < N_HEADS; hd++)
    for (int act = 0; act < N_MLP_ACTIVATIONS; act++)
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 8; j++)
            for (int k = 0; k < 5; k++) {
                use_head(HEADS[hd].head, HEADS[hd].O);
                use_activation((MlpActivation)act);
                Fixture f;
                fixture_init(&f, Ds[i], Hs[j], Bs[k], (uint64_t)(100 * i + 10 * j + k));
                for (int64_t q = 0; q < f.B * f.D; q++) f.X[q] = 2.0 * f.X[q] - 1.0;  // both signs
                Outputs o[2];
                for (int p = 0; p < 2; p++) {
                    use_kernels(kinds[p % nk]);
                    run_all(&f, &o[p], 0.37);
                    check_self_consistent(&f, &o[p]);
                }
                check_outputs_equal(&f, &o[0], &o[1]);
                outputs_free(&o[0]); outputs_free(&o[1]);
                fixture_free(&f);
                shapes++;
            }
    CHECK(shapes == 120 * N_MLP_ACTIVATIONS * N_HEADS);
    use_kernels(MLP_KERNELS_AUTO);
    use_activation(MLP_RELU);
    use_head(MLP_HEAD_BINARY, 1);
}

// Zero signs and NaN take the same path in both: relu of -0 and of NaN is +0.
static void special_values_agree_bitwise(void) {
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    Fixture f;
    fixture_init(&f, 3, 9, 6, 21);
    for (int64_t d = 0; d < f.D; d++) {
        f.m.W1[d * f.H + 1] = 0.0;          // unit 1: Z1 = -0 exactly
        f.m.W1[d * f.H + 8] = 0.0;          // unit 8 (the scalar tail): likewise
        f.m.W1[d * f.H + 2] = NAN;          // unit 2: Z1 = NaN
    }
    f.m.b1[1] = -0.0;
    f.m.b1[8] = -0.0;
    Outputs o[2];
    for (int p = 0; p < 2; p++) {
        use_kernels(kinds[p % nk]);
        run_all(&f, &o[p], 0.1);
        for (int64_t b = 0; b < f.B; b++) {
            CHECK(o[p].A1[b * f.H + 1] == 0.0 && !signbit(o[p].A1[b * f.H + 1]));
            CHECK(o[p].A1[b * f.H + 8] == 0.0 && !signbit(o[p].A1[b * f.H + 8]));
            CHECK(o[p].A1[b * f.H + 2] == 0.0 && !signbit(o[p].A1[b * f.H + 2]));
        }
    }
    int64_t BH = f.B * f.H, n = mlp_n_params(f.D, f.H);
    CHECK(same_bits(o[0].A1, o[1].A1, BH) && same_bits(o[0].z2, o[1].z2, f.B));
    CHECK(same_bits(o[0].dZ1, o[1].dZ1, BH) && same_bits(o[0].grad, o[1].grad, n));
    CHECK(same_bits(o[0].fused, o[1].fused, n) && same_bits(o[0].loss, o[1].loss, 2));
    outputs_free(&o[0]); outputs_free(&o[1]);
    fixture_free(&f);
    use_kernels(MLP_KERNELS_AUTO);
}

// NaN signs and payloads are not reproducible, so what gets saved is normalised to NAN.
static void nans_are_normalised_where_results_are_saved(void) {
    uint64_t canonical, neg = 0xfff8000000000000ull, payload = 0x7ff8000000000123ull;
    double nan_bits = NAN;
    memcpy(&canonical, &nan_bits, 8);
    Mlp m;
    mlp_init(&m, 3, 5, 1, MLP_HEAD_BINARY);
    m.W1[0] = 1.5;
    memcpy(&m.W1[1], &neg, 8);
    memcpy(&m.b2[0], &payload, 8);
    m.W2[4] = -INFINITY;
    mlp_canonicalize_nans(&m);
    uint64_t got;
    memcpy(&got, &m.W1[1], 8);
    CHECK(got == canonical);
    memcpy(&got, &m.b2[0], 8);
    CHECK(got == canonical);
    CHECK(m.W1[0] == 1.5 && m.W2[4] == -INFINITY && m.W1[2] == 0.0);
    mlp_free(&m);
    // A NaN loss comes out as NAN from either path, whatever NaN the arithmetic produced.
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    for (int k = 0; k < nk; k++) {
        use_kernels(kinds[k]);
        Fixture f;
        fixture_init(&f, 3, 6, 9, 31);
        memcpy(&f.m.b2[0], &neg, 8);
        double loss, acc;
        mlp_evaluate(&f.m, f.X, f.y, f.B, &f.w, &loss, &acc);
        memcpy(&got, &loss, 8);
        CHECK(got == canonical);
        fixture_free(&f);
    }
    use_kernels(MLP_KERNELS_AUTO);
}

static void kernels_can_be_chosen_per_work_space(void) {
    MlpWork a, b;
    mlp_work_init(&a, 3, 4, 1, 2);
    mlp_work_init(&b, 3, 4, 1, 2);
    CHECK(mlp_work_set_kernels(&a, MLP_KERNELS_PORTABLE) == MLP_KERNELS_PORTABLE);
    CHECK(mlp_work_kernels(&a) == MLP_KERNELS_PORTABLE && strcmp(mlp_kernels_name(mlp_work_kernels(&a)), "portable") == 0);
    int rc = mlp_work_set_kernels(&b, MLP_KERNELS_AVX2);
    CHECK(rc == MLP_KERNELS_AVX2 ? mlp_work_kernels(&b) == MLP_KERNELS_AVX2 : rc == -1);
    CHECK(mlp_work_kernels(&a) == MLP_KERNELS_PORTABLE);   // one work space's choice is its own
    CHECK(mlp_work_set_kernels(&a, MLP_KERNELS_AUTO) > 0);
    printf("     (kernels by default: %s)\n", mlp_kernels_name(mlp_work_kernels(&a)));
    mlp_work_free(&a);
    mlp_work_free(&b);
}

static void evaluate_matches_reference_loss_and_counts_accuracy(void) {
    Fixture f;
    fixture_init(&f, 30, 16, 100, 11);
    MlpWork small;
    mlp_work_init(&small, f.D, f.H, 1, 7);   // chunked: 100 rows in chunks of 7
    mlp_work_set_kernels(&small, test_kernels);
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
    mlp_init(&m, 3, 4, 1, MLP_HEAD_BINARY);
    CHECK(mlp_all_finite(&m));
    m.W2[2] = NAN;
    CHECK(!mlp_all_finite(&m));
    m.W2[2] = 0.0;
    m.b2[0] = INFINITY;
    CHECK(!mlp_all_finite(&m));
    m.b2[0] = 0.0;
    m.W1[5] = -INFINITY;
    CHECK(!mlp_all_finite(&m));
    m.W1[5] = 1e308;
    m.W1[6] = 1e308;   // finite entries whose sum would overflow are still finite
    CHECK(mlp_all_finite(&m));
    mlp_free(&m);
}

// The canonical tanh against glibc's within 4 ulps where the hidden units live and beyond,
// exact at its fixed points, odd, and +-1 from 20 on; leaky_relu and relu as defined.
static void canonical_tanh_and_the_activations(void) {
    int64_t worst = 0;
    Rng r;
    rng_init(&r, 2, 98, 0, 0);
    for (int i = 0; i < 200000; i++) {
        double x = -25.0 + 50.0 * rng_uniform(&r);
        if (i % 4 == 0) x = -3.0 + 6.0 * rng_uniform(&r);
        if (i % 4 == 1) x = (-1e-3 + 2e-3 * rng_uniform(&r)) * pow(10.0, -(double)(i % 7) * 3.0);
        int64_t u = ulps_apart(tanh(x), mlp_tanh(x));
        if (u > worst) worst = u;
        CHECK(mlp_tanh(-x) == -mlp_tanh(x));
    }
    printf("     (tanh: worst %lld ulp against glibc)\n", (long long)worst);
    CHECK(worst <= 4);   // mostly 0 to 2 ulp
    CHECK(mlp_tanh(0.0) == 0.0 && !signbit(mlp_tanh(0.0)) && signbit(mlp_tanh(-0.0)));
    CHECK(mlp_tanh(1e-300) == 1e-300 && mlp_tanh(0x1p-1074) == 0x1p-1074);
    CHECK(mlp_tanh(20.5) == 1.0 && mlp_tanh(-1e300) == -1.0 && mlp_tanh(INFINITY) == 1.0 && mlp_tanh(-INFINITY) == -1.0);
    CHECK(isnan(mlp_tanh(NAN)));
    CHECK(mlp_activate(MLP_LEAKY_RELU, -2.0) == -0.02 && mlp_activate(MLP_LEAKY_RELU, 3.0) == 3.0);
    CHECK(mlp_activate(MLP_RELU, -2.0) == 0.0 && mlp_activate(MLP_TANH, 0.5) == mlp_tanh(0.5));
}

// The new activations' special values take the same path in both implementations: -0, NaN,
// tanh's saturated units (|Z1| > 20) and leaky_relu's negative side; with every head.
static void special_values_agree_bitwise_for_every_activation(void) {
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    for (int hd = 0; hd < N_HEADS; hd++)
    for (int act = MLP_TANH; act < N_MLP_ACTIVATIONS; act++) {
        use_head(HEADS[hd].head, HEADS[hd].O);
        use_activation((MlpActivation)act);
        Fixture f;
        fixture_init(&f, 3, 9, 6, 22);
        for (int64_t d = 0; d < f.D; d++) {
            f.m.W1[d * f.H + 1] = 0.0;          // unit 1: Z1 = -0 exactly
            f.m.W1[d * f.H + 8] = 0.0;          // unit 8 (the scalar tail): likewise
            f.m.W1[d * f.H + 2] = NAN;          // unit 2: Z1 = NaN
            f.m.W1[d * f.H + 3] = 40.0;         // unit 3: saturated
            f.m.W1[d * f.H + 4] = -40.0;        // unit 4: saturated below
        }
        f.m.b1[1] = -0.0;
        f.m.b1[8] = -0.0;
        f.m.b1[3] = 40.0;                       // saturated whatever the inputs
        f.m.b1[4] = -40.0;
        Outputs o[2];
        for (int p = 0; p < 2; p++) {
            use_kernels(kinds[p % nk]);
            run_all(&f, &o[p], 0.1);
            for (int64_t b = 0; b < f.B; b++) {
                CHECK(o[p].A1[b * f.H + 1] == 0.0);
                CHECK(isnan(o[p].A1[b * f.H + 2]));
                if (act == MLP_TANH) CHECK(o[p].A1[b * f.H + 4] == -1.0);
                else CHECK(o[p].A1[b * f.H + 4] < 0.0);
            }
        }
        int64_t BH = f.B * f.H, n = n_params(&f);
        // NaN units make NaN logits: compare the bits of every finite value, and NaN where NaN
        int same = 1;
        for (int64_t i = 0; i < BH; i++)
            same &= isnan(o[0].A1[i]) ? isnan(o[1].A1[i]) : memcmp(&o[0].A1[i], &o[1].A1[i], 8) == 0;
        for (int64_t i = 0; i < n; i++)
            same &= isnan(o[0].grad[i]) ? isnan(o[1].grad[i]) : memcmp(&o[0].grad[i], &o[1].grad[i], 8) == 0;
        CHECK(same);
        outputs_free(&o[0]); outputs_free(&o[1]);
        fixture_free(&f);
    }
    use_kernels(MLP_KERNELS_AUTO);
    use_activation(MLP_RELU);
    use_head(MLP_HEAD_BINARY, 1);
}

// xavier_uniform and he_normal over a large hidden layer: the bounds, the variance (within 5
// standard errors of the sample variance), mean 0, biases 0; the same (seed, init) stream gives
// the same weights, another init another stream.
static void initialisers_have_their_bounds_and_variance(void) {
    const int64_t D = 30, H = 8192;
    Mlp m;
    mlp_init(&m, D, H, 1, MLP_HEAD_BINARY);
    for (int init = MLP_INIT_XAVIER_UNIFORM; init < N_MLP_INITS; init++) {
        Rng r;
        rng_init(&r, 5, 77, D, H);
        mlp_init_weights(&m, (MlpInit)init, &r, 123.0);   // the scale is normal's alone
        for (int layer = 0; layer < 2; layer++) {
            const double *w = layer ? m.W2 : m.W1;
            int64_t n = layer ? H : D * H;
            double fan_in = layer ? (double)H : (double)D, fan_out = layer ? 1.0 : (double)H;
            double sum = 0.0, ss = 0.0, lo = INFINITY, hi = -INFINITY;
            for (int64_t i = 0; i < n; i++) {
                sum += w[i];
                ss += w[i] * w[i];
                lo = fmin(lo, w[i]);
                hi = fmax(hi, w[i]);
            }
            double mean = sum / (double)n, var = ss / (double)n - mean * mean;
            double want = init == MLP_INIT_XAVIER_UNIFORM ? 2.0 / (fan_in + fan_out) : 2.0 / fan_in;
            // the sample variance's standard error: var sqrt((kurtosis - 1) / n), kurtosis 1.8 or 3
            double se = want * sqrt((init == MLP_INIT_XAVIER_UNIFORM ? 0.8 : 2.0) / (double)n);
            CHECK(fabs(var - want) < 5.0 * se);
            CHECK(fabs(mean) < 5.0 * sqrt(want / (double)n));
            if (init == MLP_INIT_XAVIER_UNIFORM) {
                double a = sqrt(6.0 / (fan_in + fan_out));
                CHECK(lo >= -a && hi < a);
                CHECK(hi > a * (1.0 - 20.0 / (double)n) && lo < -a * (1.0 - 20.0 / (double)n));
            } else {
                CHECK(hi > 3.0 * sqrt(want) && lo < -3.0 * sqrt(want));   // a normal's tails
            }
            if (fabs(var - want) >= 5.0 * se)
                fprintf(stderr, "    %s layer %d: var %g, want %g\n", MLP_INIT_NAMES[init], layer + 1, var, want);
        }
        for (int64_t i = 0; i < H; i++) CHECK(m.b1[i] == 0.0 && !signbit(m.b1[i]));
        CHECK(m.b2[0] == 0.0);
    }
    // normal is the tutorial's mlp_randomize, bit for bit
    Mlp a;
    mlp_init(&a, 3, 5, 1, MLP_HEAD_BINARY);
    Rng r1, r2;
    rng_init(&r1, 9, RNG_INIT, 3, 5);
    rng_init(&r2, 9, RNG_INIT, 3, 5);
    mlp_randomize(&a, &r1, 0.01);
    Mlp b;
    mlp_init(&b, 3, 5, 1, MLP_HEAD_BINARY);
    mlp_init_weights(&b, MLP_INIT_NORMAL, &r2, 0.01);
    CHECK(memcmp(a.mem, b.mem, (size_t)mlp_n_params(3, 5) * sizeof(double)) == 0);
    mlp_free(&a);
    mlp_free(&b);
    mlp_free(&m);
}

// The layout for O outputs: shapes, counts, totals, and a model's parameters one after another
// in Mlp.mem; the binary head's O is 1, and mlp_n_params is its total.
static void parameter_layout_follows_the_outputs(void) {
    const int64_t D = 5, H = 7;
    for (int64_t O = 1; O <= 3; O += 2) {
        int64_t dims[2] = {-1, -1};
        CHECK(mlp_param_shape(MLP_W1, D, H, O, dims) == 2 && dims[0] == D && dims[1] == H);
        CHECK(mlp_param_shape(MLP_B1, D, H, O, dims) == 1 && dims[0] == H);
        CHECK(mlp_param_shape(MLP_W2, D, H, O, dims) == (O == 1 ? 1 : 2) && dims[0] == H && (O == 1 || dims[1] == O));
        CHECK(mlp_param_shape(MLP_B2, D, H, O, dims) == (O == 1 ? 0 : 1) && (O == 1 || dims[0] == O));
        CHECK(mlp_param_count(MLP_W2, D, H, O) == H * O && mlp_param_count(MLP_B2, D, H, O) == O);
        CHECK(mlp_param_total(D, H, O) == D * H + H + H * O + O);
    }
    CHECK(mlp_head_n_out(MLP_HEAD_BINARY, 2) == 1);
    CHECK(mlp_n_params(D, H) == mlp_param_total(D, H, 1));
    Mlp m;
    CHECK(mlp_init(&m, D, H, 1, MLP_HEAD_BINARY) == 0);
    CHECK(m.n_out == 1 && m.head == MLP_HEAD_BINARY && m.act == MLP_RELU);
    CHECK(mlp_model_n_params(&m) == mlp_n_params(D, H));
    CHECK(mlp_param(&m, MLP_W1) == m.mem);
    for (int p = 0; p + 1 < MLP_N_PARAMS; p++)
        CHECK(mlp_param(&m, p + 1) == mlp_param(&m, p) + mlp_param_count(p, D, H, 1));
    CHECK(strcmp(MLP_PARAM_NAMES[MLP_W2], "W2") == 0);
    mlp_free(&m);
    // A view over a block of the layout, any O (the wire's and the file's packing).
    double block[32];
    Mlp v;
    CHECK(mlp_view(&v, block, 2, 3, 4) == block + mlp_param_total(2, 3, 4));
    CHECK(v.mem == block && v.b1 == block + 6 && v.W2 == block + 9 && v.b2 == block + 21);
    CHECK(v.n_out == 4 && v.head == MLP_HEAD_BINARY && mlp_model_n_params(&v) == 25);
    // Each head's outputs: binary and mse one, softmax K >= 2; a model of another width is
    // refused, not half computed.
    CHECK(mlp_head_n_out(MLP_HEAD_SOFTMAX, 10) == 10 && mlp_head_n_out(MLP_HEAD_MSE, 0) == 1);
    Mlp wide;
    MlpWork w;
    CHECK(mlp_init(&wide, D, H, 3, MLP_HEAD_BINARY) == -1 && wide.mem == NULL);
    CHECK(mlp_init(&wide, D, H, 2, MLP_HEAD_MSE) == -1 && wide.mem == NULL);
    CHECK(mlp_init(&wide, D, H, 1, MLP_HEAD_SOFTMAX) == -1 && wide.mem == NULL);
    CHECK(mlp_init(&wide, D, H, 3, MLP_HEAD_SOFTMAX) == 0 && wide.n_out == 3 && wide.head == MLP_HEAD_SOFTMAX);
    CHECK(mlp_model_n_params(&wide) == D * H + H + 3 * H + 3 && wide.b2 == wide.W2 + 3 * H);
    mlp_free(&wide);
    CHECK(mlp_work_init(&w, D, H, 3, 8) == 0 && w.W2T != NULL && w.dz2 == w.z2 + 24);
    mlp_work_free(&w);
    CHECK(mlp_work_init(&w, D, H, 1, 8) == 0 && w.W2T == NULL);
    mlp_work_free(&w);
    CHECK(strcmp(MLP_HEAD_NAMES[MLP_HEAD_SOFTMAX], "softmax") == 0 && strcmp(MLP_HEAD_NAMES[MLP_HEAD_MSE], "mse") == 0);
}

#ifdef MLP_HAVE_AVX2
AVX2_FN static void head_rows_avx2(const double *z2, const double *y, int64_t B, double *dz2, MlpHeadSums *s) {
    head_dz2_rows_avx2(MLP_HEAD_BINARY, 1, z2, y, B, dz2);
    head_eval_rows_avx2(MLP_HEAD_BINARY, 1, z2, y, B, s);
}
#endif

static int same_or_both_nan(double a, double b) { return a != a ? b != b : memcmp(&a, &b, 8) == 0; }

// The binary head, row by row: its loss is the stable BCE, its dz2 the loss's derivative / B
// (central differences), its prediction sigmoid >= 0.5; and the AVX2 row loops give the
// per-row functions' bits on awkward logits (zeros of both signs, the prediction's band edge
// at -2^-20, the exp's range ends, infinities, NaN), in both the vector body and the tail.
static void the_binary_head_row_by_row_and_on_four_lanes(void) {
    const double zs[] = {0.0, -0.0, 1e-300, -1e-300, 0x1p-1074, -0x1p-1074, 0x1p-20, -0x1p-20, -0x1p-21,
                         -0x1.0000000000001p-20, 0.5, -0.5, 3.0, -3.0, 40.0, -40.0, 709.8, -709.8, 745.3,
                         -745.3, 800.0, -800.0, INFINITY, -INFINITY, NAN, 1.0, -2.0};
    enum { N = sizeof zs / sizeof zs[0] };
    double y[N], dz2[N], dz2_avx2[N];
    for (int i = 0; i < N; i++) y[i] = (double)((i / 2) & 1);
    for (int i = 0; i < N; i++) {
        const double *z = &zs[i];
        CHECK(same_or_both_nan(head_loss(MLP_HEAD_BINARY, z, 1, y[i]), mlp_bce_from_logit(*z, y[i])));
        head_dz2(MLP_HEAD_BINARY, z, 1, y[i], N, &dz2[i]);
        CHECK(same_or_both_nan(dz2[i], (mlp_sigmoid(*z) - y[i]) / (double)N));
        if (*z == *z) CHECK(head_correct(MLP_HEAD_BINARY, z, 1, y[i]) == ((mlp_sigmoid(*z) >= 0.5) == (y[i] == 1.0)));
        else CHECK(head_correct(MLP_HEAD_BINARY, z, 1, y[i]) == (y[i] == 0.0));   // NaN predicts 0
        if (fabs(*z) <= 40.0 && fabs(*z) >= 0.5) {
            double eps = 1e-6, zu = *z + eps, zd = *z - eps;
            double numeric = (head_loss(MLP_HEAD_BINARY, &zu, 1, y[i]) - head_loss(MLP_HEAD_BINARY, &zd, 1, y[i])) / (2 * eps);
            CHECK(fabs(numeric - dz2[i] * N) <= 1e-6 * fmax(1e-3, fabs(numeric)));
        }
    }
    MlpHeadSums s = {0.0, 0};
    head_eval_rows(MLP_HEAD_BINARY, 1, zs, y, N, &s);
    double loss, acc;
    head_score(MLP_HEAD_BINARY, &s, y, N, &loss, &acc);
    uint64_t got, canonical = 0x7ff8000000000000ull;
    memcpy(&got, &loss, 8);
    CHECK(got == canonical && acc == (double)s.correct / N);   // the NaN row's loss: the one NaN
#ifdef MLP_HAVE_AVX2
    if (mlp_kernels_resolve(MLP_KERNELS_AVX2) != MLP_KERNELS_AVX2) return;
    for (int64_t B = N - 5; B <= N; B++) {   // 22..27 rows: every tail length
        for (int i = 0; i < N; i++) dz2_avx2[i] = 12345.0;
        MlpHeadSums sv = {0.0, 0}, sp = {0.0, 0};
        // 22 rows: numbers, compared bit for bit; from row 22 (+inf, label 1: inf - inf) NaN
        head_rows_avx2(zs, y, B, dz2_avx2, &sv);
        head_eval_rows(MLP_HEAD_BINARY, 1, zs, y, B, &sp);
        for (int64_t b = 0; b < B; b++) {
            double want;
            head_dz2(MLP_HEAD_BINARY, &zs[b], 1, y[b], B, &want);
            CHECK(same_or_both_nan(dz2_avx2[b], want));
        }
        CHECK(dz2_avx2[N - 1] == 12345.0 || B == N);
        CHECK(same_or_both_nan(sv.loss, sp.loss) && sv.correct == sp.correct);
        CHECK(B > 22 ? sv.loss != sv.loss : sv.loss == sv.loss);
    }
#endif
}

// ---------------------------------------------------------------------------------------
// The softmax and mse heads.

// The canonical log against glibc's within 2 ulp (4 near 1, where both round a tiny result),
// over the whole range and where softmax's sums live (1 to 1000); its special values.
static void canonical_log_is_accurate(void) {
    int64_t worst = 0;
    Rng r;
    rng_init(&r, 3, 98, 0, 0);
    for (int i = 0; i < 200000; i++) {
        double x;
        if (i % 3 == 0) x = 1.0 + 999.0 * rng_uniform(&r);                        // softmax's S
        else if (i % 3 == 1) x = exp(-700.0 + 1400.0 * rng_uniform(&r));          // everywhere
        else x = 0.5 + rng_uniform(&r);                                              // around 1
        int64_t u = ulps_apart(log(x), mlp_log(x));
        if (u > worst) worst = u;
    }
    printf("     (log: worst %lld ulp against glibc)\n", (long long)worst);
    CHECK(worst <= 2);
    CHECK(mlp_log(1.0) == 0.0 && !signbit(mlp_log(1.0)));
    CHECK(ulps_apart(mlp_log(2.0), log(2.0)) <= 1 && ulps_apart(mlp_log(10.0), log(10.0)) <= 1);
    CHECK(ulps_apart(mlp_log(0x1p-1074), log(0x1p-1074)) <= 1 && ulps_apart(mlp_log(0x1.8p-1030), log(0x1.8p-1030)) <= 2);
    CHECK(ulps_apart(mlp_log(1.7976931348623157e308), log(1.7976931348623157e308)) <= 1);
    CHECK(mlp_log(0.0) == -INFINITY && mlp_log(-0.0) == -INFINITY && mlp_log(INFINITY) == INFINITY);
    CHECK(isnan(mlp_log(-1.0)) && isnan(mlp_log(NAN)) && isnan(mlp_log(-INFINITY)));
}

// softmax's loss, dz2 and prediction against their direct formulas (glibc's exp and log, in
// long double), the loss's derivative by central differences, the lowest index on a tie, and
// stability with huge logits.
static void the_softmax_head_against_its_formulas(void) {
    Rng r;
    rng_init(&r, 4, 98, 0, 0);
    for (int t = 0; t < 2000; t++) {
        int64_t O = 2 + (int64_t)rng_below(&r, 11), B = 1 + (int64_t)rng_below(&r, 40);
        double z[12] = {0}, dz[12], scale = t % 4 == 0 ? 30.0 : 3.0, y = (double)rng_below(&r, (uint64_t)O);
        for (int64_t o = 0; o < O; o++) z[o] = scale * (2.0 * rng_uniform(&r) - 1.0);
        long double m = z[0], S = 0.0L;
        for (int64_t o = 1; o < O; o++) m = z[o] > m ? z[o] : m;
        for (int64_t o = 0; o < O; o++) S += expl(z[o] - m);
        double want = (double)(logl(S) + m - z[(int)y]);
        CHECK_NEAR(head_loss(MLP_HEAD_SOFTMAX, z, O, y), want, 1e-14);
        head_dz2(MLP_HEAD_SOFTMAX, z, O, y, B, dz);
        double sum = 0.0;
        for (int64_t o = 0; o < O; o++) {
            double p = (double)(expl(z[o] - m) / S);
            CHECK_NEAR(dz[o], (p - (o == (int64_t)y)) / (double)B, 1e-15);
            sum += dz[o];
        }
        CHECK(fabs(sum) < 1e-14);   // p sums to 1, the one-hot too
        int64_t arg = 0;
        for (int64_t o = 1; o < O; o++) if (z[o] > z[arg]) arg = o;
        CHECK(head_correct(MLP_HEAD_SOFTMAX, z, O, y) == (arg == (int64_t)y));
        if (t % 50 == 0) {   // dz2 * B is the loss's derivative
            for (int64_t o = 0; o < O; o++) {
                double eps = 1e-6, keep = z[o];
                z[o] = keep + eps;
                double up = head_loss(MLP_HEAD_SOFTMAX, z, O, y);
                z[o] = keep - eps;
                double down = head_loss(MLP_HEAD_SOFTMAX, z, O, y);
                z[o] = keep;
                CHECK(fabs((up - down) / (2 * eps) - dz[o] * (double)B) < 1e-7);
            }
        }
    }
    // Ties: the lowest index is the prediction.
    const double tie[] = {1.0, 3.0, 3.0, 2.0}, flat[] = {0.5, 0.5, 0.5};
    CHECK(head_correct(MLP_HEAD_SOFTMAX, tie, 4, 1.0) && !head_correct(MLP_HEAD_SOFTMAX, tie, 4, 2.0));
    CHECK(head_correct(MLP_HEAD_SOFTMAX, flat, 3, 0.0) && !head_correct(MLP_HEAD_SOFTMAX, flat, 3, 2.0));
    CHECK(ulps_apart(head_loss(MLP_HEAD_SOFTMAX, flat, 3, 2.0), log(3.0)) <= 1);
    // Huge logits: the maximum subtracted first, so nothing overflows.
    const double huge[] = {800.0, 0.0, -800.0}, big[] = {0x1p996, 0x1p996 - 0x1p950, -0x1p996};
    CHECK(head_loss(MLP_HEAD_SOFTMAX, huge, 3, 0.0) == 0.0);
    CHECK(head_loss(MLP_HEAD_SOFTMAX, huge, 3, 1.0) == 800.0 && head_loss(MLP_HEAD_SOFTMAX, huge, 3, 2.0) == 1600.0);
    CHECK(head_loss(MLP_HEAD_SOFTMAX, big, 3, 0.0) == 0.0 && head_loss(MLP_HEAD_SOFTMAX, big, 3, 1.0) == 0x1p950);
    double dz[3];
    head_dz2(MLP_HEAD_SOFTMAX, huge, 3, 1.0, 2, dz);
    CHECK(dz[0] == 0.5 && dz[1] == -0.5 && dz[2] == 0.0);
    head_dz2(MLP_HEAD_SOFTMAX, big, 3, 2.0, 1, dz);
    CHECK(dz[0] == 1.0 && dz[1] == 0.0 && dz[2] == -1.0);
    // A target that is no class: a NaN loss, never right.
    CHECK(isnan(head_loss(MLP_HEAD_SOFTMAX, tie, 4, 4.0)) && isnan(head_loss(MLP_HEAD_SOFTMAX, tie, 4, 0.5)));
    CHECK(!head_correct(MLP_HEAD_SOFTMAX, tie, 4, -1.0) && isnan(head_loss(MLP_HEAD_SOFTMAX, tie, 4, NAN)));
}

// mse's loss, dz2 (also by central differences) and R2 against their formulas; R2 is NaN when
// the targets are all equal, 1 for a perfect fit, 0 for the mean's prediction.
static void the_mse_head_against_its_formulas(void) {
    Rng r;
    rng_init(&r, 5, 98, 0, 0);
    for (int t = 0; t < 1000; t++) {
        double z = 10.0 * rng_uniform(&r) - 5.0, y = 10.0 * rng_uniform(&r) - 5.0, dz;
        CHECK(head_loss(MLP_HEAD_MSE, &z, 1, y) == (z - y) * (z - y));
        head_dz2(MLP_HEAD_MSE, &z, 1, y, 7, &dz);
        CHECK(dz == 2.0 * (z - y) / 7.0);
        double eps = 1e-6, up = z + eps, down = z - eps;
        CHECK(fabs((head_loss(MLP_HEAD_MSE, &up, 1, y) - head_loss(MLP_HEAD_MSE, &down, 1, y)) / (2 * eps) - 7.0 * dz) < 1e-6);
        CHECK(head_correct(MLP_HEAD_MSE, &z, 1, y) == 0);
    }
    enum { N = 37 };
    double z[N], y[N];
    for (int i = 0; i < N; i++) {
        y[i] = 3.0 * rng_uniform(&r) + 1.0;
        z[i] = y[i] + 0.3 * (rng_uniform(&r) - 0.5);
    }
    MlpHeadSums s = {0.0, 0};
    head_eval_rows(MLP_HEAD_MSE, 1, z, y, N, &s);
    long double mean = 0.0L, sst = 0.0L, sse = 0.0L;
    for (int i = 0; i < N; i++) mean += y[i];
    mean /= N;
    for (int i = 0; i < N; i++) {
        sst += (y[i] - mean) * (y[i] - mean);
        sse += ((long double)z[i] - y[i]) * ((long double)z[i] - y[i]);
    }
    double loss, r2;
    head_score(MLP_HEAD_MSE, &s, y, N, &loss, &r2);
    CHECK_NEAR(loss, (double)(sse / N), 1e-14);
    CHECK_NEAR(r2, (double)(1.0L - sse / sst), 1e-14);
    s = (MlpHeadSums){0.0, 0};
    head_eval_rows(MLP_HEAD_MSE, 1, y, y, N, &s);   // a perfect fit
    head_score(MLP_HEAD_MSE, &s, y, N, &loss, &r2);
    CHECK(loss == 0.0 && r2 == 1.0);
    double at_mean[N], flat[N];
    for (int i = 0; i < N; i++) {
        at_mean[i] = (double)mean;
        flat[i] = 2.5;
    }
    s = (MlpHeadSums){0.0, 0};
    head_eval_rows(MLP_HEAD_MSE, 1, at_mean, y, N, &s);
    head_score(MLP_HEAD_MSE, &s, y, N, &loss, &r2);
    CHECK(fabs(r2) < 1e-14);
    s = (MlpHeadSums){0.0, 0};
    head_eval_rows(MLP_HEAD_MSE, 1, z, flat, N, &s);   // targets all equal: NaN, the one NaN
    head_score(MLP_HEAD_MSE, &s, flat, N, &loss, &r2);
    uint64_t got;
    memcpy(&got, &r2, 8);
    CHECK(got == 0x7ff8000000000000ull && isfinite(loss));
    head_score(MLP_HEAD_MSE, &s, flat, 1, &loss, &r2);   // one row: its targets are all equal
    CHECK(isnan(r2));
}

// One output, mse, through the kernels: loss and R2 of mlp_evaluate (chunked) against an
// independent computation from the reference forward pass, in long double; R2 over the rows
// evaluated, with their own mean (scikit-learn's r2_score).
static void mse_evaluation_matches_an_independent_computation(void) {
    MlpKernels kinds[2];
    int nk = n_kernel_kinds(kinds);
    use_head(MLP_HEAD_MSE, 1);
    for (int k = 0; k < nk; k++) {
        use_kernels(kinds[k]);
        Fixture f;
        fixture_init(&f, 7, 13, 101, 41);
        double *A1 = malloc((size_t)(f.B * f.H) * sizeof(double)), *z2 = malloc((size_t)f.B * sizeof(double));
        mlp_forward_ref(&f.m, f.X, f.B, A1, z2);
        for (int64_t n = 1; n <= f.B; n += 50) {   // 1, 51 and 101 rows
            long double mean = 0.0L, sst = 0.0L, sse = 0.0L;
            for (int64_t i = 0; i < n; i++) mean += f.y[i];
            mean /= n;
            for (int64_t i = 0; i < n; i++) {
                sst += (f.y[i] - mean) * (f.y[i] - mean);
                sse += ((long double)z2[i] - f.y[i]) * ((long double)z2[i] - f.y[i]);
            }
            MlpWork small;
            mlp_work_init(&small, f.D, f.H, 1, 8);
            mlp_work_set_kernels(&small, test_kernels);
            double loss, r2;
            mlp_evaluate(&f.m, f.X, f.y, n, &small, &loss, &r2);
            CHECK_NEAR(loss, (double)(sse / n), 1e-12);
            CHECK_NEAR(loss, mlp_loss_ref(&f.m, f.X, f.y, n), 1e-12);
            if (n == 1) CHECK(isnan(r2));
            else CHECK_NEAR(r2, (double)(1.0L - sse / sst), 1e-12);
            mlp_work_free(&small);
        }
        free(A1); free(z2);
        fixture_free(&f);
    }
    use_kernels(MLP_KERNELS_AUTO);
    use_head(MLP_HEAD_BINARY, 1);
}

// softmax evaluation: the loss against the reference, the accuracy the argmax's.
static void softmax_evaluation_counts_the_argmax(void) {
    use_head(MLP_HEAD_SOFTMAX, 5);
    Fixture f;
    fixture_init(&f, 30, 16, 100, 12);
    MlpWork small;
    mlp_work_init(&small, f.D, f.H, f.O, 7);
    mlp_work_set_kernels(&small, test_kernels);
    double loss, acc;
    mlp_evaluate(&f.m, f.X, f.y, f.B, &small, &loss, &acc);
    CHECK_NEAR(loss, mlp_loss_ref(&f.m, f.X, f.y, f.B), 1e-13);
    double *A1 = malloc((size_t)(f.B * f.H) * sizeof(double)), *z2 = malloc((size_t)(f.B * f.O) * sizeof(double));
    mlp_forward_ref(&f.m, f.X, f.B, A1, z2);
    int correct = 0;
    for (int64_t b = 0; b < f.B; b++) {
        int64_t arg = 0;
        for (int64_t o = 1; o < f.O; o++) if (z2[b * f.O + o] > z2[b * f.O + arg]) arg = o;
        correct += arg == (int64_t)f.y[b];
    }
    CHECK(acc == correct / 100.0);
    free(A1); free(z2);
    mlp_work_free(&small);
    fixture_free(&f);
    use_head(MLP_HEAD_BINARY, 1);
}

#ifdef MLP_HAVE_AVX2
AVX2_FN static void rows_avx2(MlpHead head, int64_t O, const double *z2, const double *y, int64_t B, double *dz2,
                              MlpHeadSums *s) {
    head_dz2_rows_avx2(head, O, z2, y, B, dz2);
    head_eval_rows_avx2(head, O, z2, y, B, s);
}
#endif

// The AVX2 row loops of softmax and mse give the per-row functions' bits on awkward values
// (zeros of both signs, ties, huge and tiny logits, the exp's range ends, infinities, NaN), for
// widths with and without a tail of outputs and batches of every tail length.
static void the_new_heads_on_four_lanes(void) {
#ifdef MLP_HAVE_AVX2
    if (mlp_kernels_resolve(MLP_KERNELS_AVX2) != MLP_KERNELS_AVX2) return;
    const double vals[] = {0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 3.0, 3.0, -3.0, 40.0, -40.0, 709.8, -709.8, 745.3,
                           -745.3, 800.0, -800.0, 1e300, -1e300, 1.0, -2.0, 0.25, INFINITY, -INFINITY, NAN};
    enum { NV = sizeof vals / sizeof vals[0] };
    const int64_t Os[] = {1, 2, 3, 4, 5, 10};
    for (int oi = 0; oi < 6; oi++) {
        int64_t O = Os[oi];
        MlpHead head = O == 1 ? MLP_HEAD_MSE : MLP_HEAD_SOFTMAX;
        for (int64_t B = 1; B <= 13; B++) {
            for (int finite = 0; finite < 2; finite++) {   // finite values only (compared bit for bit), then all
                double z2[13 * 10], y[13], dz_v[13 * 10], dz_s[13 * 10];
                int nv = finite ? NV - 3 : NV;
                for (int64_t i = 0; i < B * O; i++) z2[i] = vals[(i * 7 + B) % nv];
                for (int64_t b = 0; b < B; b++) y[b] = O == 1 ? vals[(b * 5 + 3) % nv] : (double)((b * 3 + B) % O);
                MlpHeadSums sv = {0.0, 0}, sp = {0.0, 0};
                rows_avx2(head, O, z2, y, B, dz_v, &sv);
                head_eval_rows(head, O, z2, y, B, &sp);
                for (int64_t b = 0; b < B; b++) head_dz2(head, z2 + b * O, O, y[b], B, dz_s + b * O);
                for (int64_t i = 0; i < B * O; i++) CHECK(same_or_both_nan(dz_v[i], dz_s[i]));
                CHECK(same_or_both_nan(sv.loss, sp.loss) && sv.correct == sp.correct);
            }
        }
    }
#endif
}

// Initial weights of O outputs: normal draws W1, then W2 (H x O, row-major), then b1, then b2
// (O) from one stream, so O = 1 draws exactly what one output always drew (W1, W2 (H), b1,
// b2); xavier_uniform's W2 uses fan_out = O.
static void initial_weights_of_several_outputs(void) {
    const int64_t D = 4, H = 6;
    for (int64_t O = 1; O <= 10; O += 9) {
        Mlp m;
        CHECK(mlp_init(&m, D, H, O, O == 1 ? MLP_HEAD_BINARY : MLP_HEAD_SOFTMAX) == 0);
        Rng r1, r2;
        rng_init(&r1, 17, RNG_INIT, D, H);
        rng_init(&r2, 17, RNG_INIT, D, H);
        mlp_init_weights(&m, MLP_INIT_NORMAL, &r1, 0.1);
        int same = 1;
        for (int64_t i = 0; i < D * H; i++) same &= m.W1[i] == rng_normal(&r2) * 0.1;
        for (int64_t i = 0; i < H * O; i++) same &= m.W2[i] == rng_normal(&r2) * 0.1;
        for (int64_t i = 0; i < H; i++) same &= m.b1[i] == rng_normal(&r2) * 0.1;
        for (int64_t i = 0; i < O; i++) same &= m.b2[i] == rng_normal(&r2) * 0.1;
        CHECK(same && rng_next(&r1) == rng_next(&r2));   // nothing more drawn
        mlp_free(&m);
    }
    // xavier_uniform: W2's bound is sqrt(6 / (H + O)), reached on a large layer.
    const int64_t Hx = 4000, Ox = 10;
    Mlp m;
    CHECK(mlp_init(&m, 2, Hx, Ox, MLP_HEAD_SOFTMAX) == 0);
    Rng r;
    rng_init(&r, 5, RNG_INIT_XAVIER_UNIFORM, 2, Hx);
    mlp_init_weights(&m, MLP_INIT_XAVIER_UNIFORM, &r, 1.0);
    double a = sqrt(6.0 / (double)(Hx + Ox)), hi = 0.0;
    for (int64_t i = 0; i < Hx * Ox; i++) hi = fmax(hi, fabs(m.W2[i]));
    CHECK(hi < a && hi > 0.999 * a);
    for (int64_t o = 0; o < Ox; o++) CHECK(m.b2[o] == 0.0);
    mlp_free(&m);
}

// Plain SGD with each new head learns a task it can: three classes by the quadrant of two
// inputs (softmax), and a smooth function (mse, R2 well above 0).
static void the_new_heads_learn(void) {
    enum { N = 300, D = 2 };
    double X[N * D], yc[N], yr[N];
    Rng r;
    rng_init(&r, 6, 98, 0, 0);
    for (int i = 0; i < N; i++) {
        double u = 2.0 * rng_uniform(&r) - 1.0, v = 2.0 * rng_uniform(&r) - 1.0;
        X[i * D] = u;
        X[i * D + 1] = v;
        yc[i] = u > 0.0 ? (v > 0.0 ? 0.0 : 1.0) : 2.0;
        yr[i] = sin(2.0 * u) + v * v;
    }
    for (int task = 0; task < 2; task++) {
        MlpHead head = task ? MLP_HEAD_MSE : MLP_HEAD_SOFTMAX;
        int64_t O = task ? 1 : 3;
        const double *y = task ? yr : yc;
        Mlp m;
        MlpWork w;
        CHECK(mlp_init(&m, D, 32, O, head) == 0 && mlp_work_init(&w, D, 32, O, 20) == 0);
        m.act = MLP_TANH;
        Rng init;
        rng_init(&init, 1, RNG_INIT, D, 32);
        mlp_init_weights(&m, MLP_INIT_XAVIER_UNIFORM, &init, 1.0);
        double loss0, score0, loss, score;
        mlp_evaluate(&m, X, y, N, &w, &loss0, &score0);
        for (int e = 0; e < 300; e++)
            for (int b = 0; b < N; b += 20) mlp_step(&m, X + b * D, y + b, 20, &w, 0.1);
        mlp_evaluate(&m, X, y, N, &w, &loss, &score);
        CHECK(loss < 0.25 * loss0);
        CHECK(task ? score > 0.9 : score > 0.95);
        if (!(task ? score > 0.9 : score > 0.95)) fprintf(stderr, "    %s: loss %g -> %g, score %g\n", MLP_HEAD_NAMES[head], loss0, loss, score);
        mlp_free(&m);
        mlp_work_free(&w);
    }
}

int main(void) {
    RUN(kernels_can_be_chosen_per_work_space);
    RUN(forward_matches_reference);
    RUN(backward_matches_reference);
    RUN(gradient_matches_finite_differences);
    RUN(update_steps_against_the_gradient);
    RUN(bce_from_logit_is_stable_at_extremes);
    RUN(canonical_exp_and_log1p_are_accurate);
    RUN(portable_and_avx2_agree_bitwise);
    RUN(special_values_agree_bitwise);
    RUN(special_values_agree_bitwise_for_every_activation);
    RUN(canonical_tanh_and_the_activations);
    RUN(initialisers_have_their_bounds_and_variance);
    RUN(nans_are_normalised_where_results_are_saved);
    RUN(evaluate_matches_reference_loss_and_counts_accuracy);
    RUN(non_finite_parameters_are_detected);
    RUN(parameter_layout_follows_the_outputs);
    RUN(the_binary_head_row_by_row_and_on_four_lanes);
    RUN(canonical_log_is_accurate);
    RUN(the_softmax_head_against_its_formulas);
    RUN(the_mse_head_against_its_formulas);
    RUN(mse_evaluation_matches_an_independent_computation);
    RUN(softmax_evaluation_counts_the_argmax);
    RUN(the_new_heads_on_four_lanes);
    RUN(initial_weights_of_several_outputs);
    RUN(the_new_heads_learn);
    return CHECK_SUMMARY();
}
