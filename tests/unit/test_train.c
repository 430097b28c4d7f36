// test_train.c: one config's run: reproducible starts, learning, divergence, cancellation.
#include "check.h"
#include "sweep.h"
#include "train.h"

static Table table;
static Dataset data;

static Hyper hyper(int64_t H, double lr, int64_t B, int64_t epochs, uint64_t seed) {
    return (Hyper){.hidden_dim = H, .learning_rate = lr, .batch_size = B, .epochs = epochs,
                   .seed = seed, .init_scale = 0.01, .shuffle = 0};
}

static int run(Run *r, Hyper h) {
    if (train_init(r, &data, &h) != 0) return -1;
    return train_run(r, &data, NULL);
}

static int same_params(const Mlp *a, const Mlp *b) {
    return memcmp(a->mem, b->mem, (size_t)mlp_model_n_params(a) * sizeof(double)) == 0;
}

static void initial_weights_depend_only_on_seed_and_shape(void) {
    Run a, b, c;
    CHECK(run(&a, hyper(8, 0.1, 32, 2, 4)) == 0);
    CHECK(run(&b, hyper(8, 0.5, 7, 3, 4)) == 0);
    CHECK(run(&c, hyper(8, 0.1, 32, 2, 5)) == 0);
    CHECK(same_params(&a.initial, &b.initial));
    CHECK(!same_params(&a.initial, &c.initial));
    CHECK(!same_params(&a.model, &b.model));
    train_free(&a); train_free(&b); train_free(&c);
}

static void training_lowers_the_loss_and_learns_the_task(void) {
    Run r;
    CHECK(run(&r, hyper(16, 0.1, 32, 60, 0)) == 0);
    CHECK(r.status == STATUS_DONE);
    CHECK(r.epochs_run == 60);
    CHECK(r.curves[CURVE_TRAIN_LOSS][59] < 0.5 * r.curves[CURVE_TRAIN_LOSS][0]);
    CHECK(r.final[CURVE_TEST_ACC] > 0.9);
    CHECK(r.best_test_acc >= r.final[CURVE_TEST_ACC]);
    CHECK(r.best_epoch >= 0 && r.best_epoch < 60);
    CHECK(r.curves[CURVE_TEST_ACC][r.best_epoch] == r.best_test_acc);
    train_free(&r);
}

static void a_run_is_reproducible_bitwise(void) {
    Run a, b;
    Hyper h = hyper(8, 0.2, 10, 5, 9);
    h.shuffle = 1;
    CHECK(run(&a, h) == 0);
    CHECK(run(&b, h) == 0);
    CHECK(same_params(&a.model, &b.model));
    CHECK(memcmp(a.curve_mem, b.curve_mem, sizeof(double) * N_CURVES * 5) == 0);
    h.shuffle = 0;
    Run c;
    CHECK(run(&c, h) == 0);
    CHECK(!same_params(&a.model, &c.model));   // shuffling changes the batches
    train_free(&a); train_free(&b); train_free(&c);
}

static void a_huge_learning_rate_diverges_and_leaves_the_rest_nan(void) {
    Run r;
    Hyper h = hyper(32, 1e200, 16, 20, 1);   // a smaller rate only scales a finite loss
    h.init_scale = 1.0;
    CHECK(run(&r, h) == 0);
    CHECK(r.status == STATUS_DIVERGED);
    CHECK(r.epochs_run < 20);
    for (int64_t e = r.epochs_run; e < 20; e++) CHECK(isnan(r.curves[CURVE_TRAIN_LOSS][e]));
    train_free(&r);
}

static void cancel_abandons_the_run(void) {
    Run r;
    Hyper h = hyper(8, 0.1, 32, 5, 0);
    CHECK(train_init(&r, &data, &h) == 0);
    atomic_int cancel = 1;
    CHECK(train_run(&r, &data, &cancel) == 1);
    train_free(&r);
}

static void a_batch_of_every_size_including_the_whole_part_works(void) {
    int64_t sizes[] = {1, 454, 455};
    for (int i = 0; i < 3; i++) {
        Run r;
        CHECK(run(&r, hyper(4, 0.05, sizes[i], 2, 0)) == 0);
        CHECK(r.status == STATUS_DONE);
        CHECK(isfinite(r.final[CURVE_TRAIN_LOSS]));
        train_free(&r);
    }
}

// Early stopping on a fold of a cross-validated split: the rule recomputed from the run's own
// val curve, the results (weights, final values) those of a plain run of its best epoch count.
static void early_stopping_stops_by_its_rule_and_restores_the_best_epoch(void) {
    char err[ERR_LEN];
    Dataset cv;
    CHECK(data_prepare(&cv, &table, 0.2, 42, SCALE_MINMAX, err) == 0);
    CHECK(data_folds(&cv, &table, 3, 1, 42, SCALE_MINMAX, err) == 0);
    Hyper h = hyper(8, 1.0, 16, 400, 1);
    h.fold = 1;
    h.patience = 5;
    h.min_delta = 1e-4;
    Run r;
    CHECK(train_init(&r, &cv, &h) == 0 && train_run(&r, &cv, NULL) == 0);
    CHECK(r.stopped && r.epochs_run < 400 && r.status == STATUS_DONE);
    // The rule, from the curve: improvements, and the stop patience epochs after the last.
    const double *v = r.curves[CURVE_VAL_LOSS];
    double ref = v[0];
    int64_t best = 0, wait = 0, stop = -1;
    for (int64_t e = 1; e < 400 && stop < 0; e++) {
        if (v[e] < ref - h.min_delta) ref = v[e], best = e, wait = 0;
        else if (++wait >= h.patience) stop = e;
    }
    CHECK(r.epochs_run == stop + 1 && r.es_epoch == best);
    CHECK(isnan(v[r.epochs_run]));   // nothing after the stop
    for (int c = 0; c < N_CURVES; c++) CHECK(r.final[c] == r.curves[c][best]);
    // The restored weights are a plain run of best + 1 epochs.
    Hyper plain = h;
    plain.patience = 0;
    plain.epochs = best + 1;
    Run p;
    CHECK(train_init(&p, &cv, &plain) == 0 && train_run(&p, &cv, NULL) == 0);
    CHECK(same_params(train_result_model(&r), &p.model));
    CHECK(!same_params(&r.model, &p.model));   // it trained on past the best epoch
    train_free(&r);
    train_free(&p);
    data_free(&cv);
}

// The network of a run follows the data's task (binary today: one output, the binary head);
// its initial weights are exactly what one output always drew: the normal stream keyed by
// (seed, input width, hidden_dim).
static void the_network_follows_the_task_and_one_output_draws_as_before(void) {
    TrainTask task = train_task_of(&data);
    CHECK(task.head == MLP_HEAD_BINARY && task.n_out == 1);
    Dataset other = {.task = TASK_MULTICLASS, .n_classes = 3};   // the head follows the data's task
    task = train_task_of(&other);
    CHECK(task.head == MLP_HEAD_SOFTMAX && task.n_out == 3);
    other = (Dataset){.task = TASK_REGRESSION};
    task = train_task_of(&other);
    CHECK(task.head == MLP_HEAD_MSE && task.n_out == 1);
    task = train_task_of(&data);
    Run r;
    Hyper h = hyper(6, 0.1, 32, 1, 12);
    h.init_scale = 0.3;
    CHECK(train_init(&r, &data, &h) == 0);
    train_begin(&r, &data);
    CHECK(r.model.head == MLP_HEAD_BINARY && r.model.n_out == 1 && r.initial.head == MLP_HEAD_BINARY);
    Mlp want;
    CHECK(mlp_init(&want, data.n_features, 6, 1, MLP_HEAD_BINARY) == 0);
    Rng rng;
    rng_init(&rng, 12, RNG_INIT, (uint64_t)data.n_features, 6);
    int64_t D = data.n_features, H = 6;
    for (int64_t i = 0; i < D * H; i++) want.W1[i] = rng_normal(&rng) * 0.3;   // v2's order
    for (int64_t i = 0; i < H; i++) want.W2[i] = rng_normal(&rng) * 0.3;
    for (int64_t i = 0; i < H; i++) want.b1[i] = rng_normal(&rng) * 0.3;
    want.b2[0] = rng_normal(&rng) * 0.3;
    CHECK(same_params(&r.initial, &want));
    mlp_free(&want);
    train_free(&r);
}

// The score curves are named by the task: acc for classification, r2 for regression.
static void curve_names_follow_the_task(void) {
    const char *want_cls[N_CURVES] = {"train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc"};
    const char *want_reg[N_CURVES] = {"train_loss", "train_r2", "test_loss", "test_r2", "val_loss", "val_r2"};
    for (int c = 0; c < N_CURVES; c++) {
        CHECK(strcmp(train_curve_name(c, 0), want_cls[c]) == 0 && strcmp(CURVE_NAMES[c], want_cls[c]) == 0);
        CHECK(strcmp(train_curve_name(c, 1), want_reg[c]) == 0);
    }
    CHECK(train_curve_name(N_CURVES, 0) == NULL && train_curve_name(-1, 1) == NULL);
}

// train_flops for one output is the count it always was: 2 n H (2 D + 3) a step's rows, the
// update's D H + 2 H + 1 parameters, 2 (n_train + n_test) H (D + 1) the evaluation.
static void flops_count_one_output_as_before(void) {
    Hyper h = hyper(16, 0.1, 32, 3, 0);
    double D = (double)data.n_features, H = 16.0, n = (double)data.n_train;
    double want = 3.0 * (2.0 * n * H * (2.0 * D + 3.0) + ceil(n / 32.0) * 2.0 * (D * H + 2.0 * H + 1.0) +
                         2.0 * (double)(data.n_train + data.n_test) * H * (D + 1.0));
    CHECK(train_flops(&h, &data) == want);
}

int main(void) {
    char err[ERR_LEN];
    if (data_load_table(&table, "breast_cancer", NULL, NULL, err) || data_prepare(&data, &table, 0.2, 42, SCALE_MINMAX, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    RUN(initial_weights_depend_only_on_seed_and_shape);
    RUN(training_lowers_the_loss_and_learns_the_task);
    RUN(a_run_is_reproducible_bitwise);
    RUN(a_huge_learning_rate_diverges_and_leaves_the_rest_nan);
    RUN(cancel_abandons_the_run);
    RUN(a_batch_of_every_size_including_the_whole_part_works);
    RUN(early_stopping_stops_by_its_rule_and_restores_the_best_epoch);
    RUN(the_network_follows_the_task_and_one_output_draws_as_before);
    RUN(curve_names_follow_the_task);
    RUN(flops_count_one_output_as_before);
    data_free(&data);
    data_free_table(&table);
    return CHECK_SUMMARY();
}
