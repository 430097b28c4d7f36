// test_spec.c: the YAML spec parser (src/spec.c): values, defaults, range forms, and the one-line
// messages "file:line:col: key: expected ..., found ..." for every kind of mistake.
// Run from the repository root: one test reads the fixtures in tests/specs/.
#include "check.h"
#include "grid.h"
#include "optim.h"
#include "spec.h"
#include "sweep.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PATH "exp/grid.yaml"

static int parse(Spec *s, const char *yaml, char *err) {
    return spec_parse(s, PATH, yaml, strlen(yaml), err);
}

static int is_zeroed(const Spec *s) {
    static const Spec zero;
    return memcmp(s, &zero, sizeof zero) == 0;
}

// The spec must fail with status 2 and a one-line message containing PATH:at and text; the
// Spec must come back zeroed (nothing leaked, nothing half-filled).
#define CHECK_ERROR(yaml, at, text) do { \
    Spec s_; char e_[ERR_LEN] = ""; \
    int rc_ = parse(&s_, (yaml), e_); \
    CHECK(rc_ == 2); \
    CHECK_STR_CONTAINS(e_, PATH ":" at); \
    CHECK_STR_CONTAINS(e_, text); \
    CHECK(strchr(e_, '\n') == NULL); \
    CHECK(is_zeroed(&s_)); \
    spec_free(&s_); \
} while (0)

#define CHECK_LOC(loc, l, c) do { CHECK((loc).line == (l)); CHECK((loc).col == (c)); } while (0)

// ---------------------------------------------------------------------------------------------
// Valid specs

static const char *const DESIGN_EXAMPLE =
    "name: breast-cancer-grid        # optional\n"
    "output: results/grid.h5\n"
    "save_initial_weights: false\n"
    "data:\n"
    "  source: breast_cancer\n"
    "  label: benign\n"
    "  test_fraction: 0.2\n"
    "  split_seed: 42\n"
    "  scale: minmax\n"
    "grid:\n"
    "  hidden_dim: [16, 64, 128]\n"
    "  learning_rate: {geomspace: [0.001, 0.1, 3]}   # 0.001, 0.01, 0.1\n"
    "  batch_size: [32, 128]\n"
    "  epochs: 1000\n"
    "  seed: {range: [0, 5]}         # 0, 1, 2, 3, 4\n"
    "  init_scale: 0.01\n"
    "  shuffle: false\n";

static void parses_the_design_example(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, DESIGN_EXAMPLE, err) == 0);
    CHECK(strcmp(s.path, PATH) == 0);
    CHECK(s.text_len == strlen(DESIGN_EXAMPLE) && memcmp(s.text, DESIGN_EXAMPLE, s.text_len) == 0);
    CHECK(strcmp(s.name, "breast-cancer-grid") == 0);
    CHECK(strcmp(s.output, "results/grid.h5") == 0);
    CHECK(s.save_initial_weights == 0);
    CHECK(strcmp(s.data.source, "breast_cancer") == 0);
    CHECK(strcmp(s.data.source_given, "breast_cancer") == 0);
    CHECK_LOC(s.data.source_loc, 5, 11);
    CHECK(strcmp(s.data.label, "benign") == 0);
    CHECK(s.data.test_fraction == 0.2);
    CHECK(s.data.split_seed == 42);
    CHECK(s.data.scale == SCALE_MINMAX);
    const SpecAxis *h = &s.grids[0].axes[AXIS_HIDDEN_DIM];
    CHECK(h->n_values == 3 && h->ints[0] == 16 && h->ints[1] == 64 && h->ints[2] == 128);
    CHECK(h->reals == NULL);
    CHECK_LOC(h->locs[0], 11, 16);
    CHECK_LOC(h->locs[2], 11, 24);
    const SpecAxis *lr = &s.grids[0].axes[AXIS_LEARNING_RATE];
    CHECK(lr->n_values == 3 && lr->ints == NULL);
    CHECK(lr->reals[0] == 0.001 && lr->reals[1] == 0.01 && lr->reals[2] == 0.1);
    CHECK_LOC(lr->locs[1], 12, 18);
    CHECK(s.grids[0].axes[AXIS_BATCH_SIZE].n_values == 2 && s.grids[0].axes[AXIS_BATCH_SIZE].ints[1] == 128);
    CHECK(s.grids[0].axes[AXIS_EPOCHS].n_values == 1 && s.grids[0].axes[AXIS_EPOCHS].ints[0] == 1000);
    CHECK_LOC(s.grids[0].axes[AXIS_EPOCHS].locs[0], 14, 11);
    CHECK(s.grids[0].axes[AXIS_SEED].n_values == 5 && s.grids[0].axes[AXIS_SEED].ints[4] == 4);
    CHECK(s.grids[0].axes[AXIS_INIT_SCALE].n_values == 1 && s.grids[0].axes[AXIS_INIT_SCALE].reals[0] == 0.01);
    CHECK(s.grids[0].axes[AXIS_SHUFFLE].n_values == 1 && s.grids[0].axes[AXIS_SHUFFLE].ints[0] == 0);
    spec_free(&s);
    CHECK(is_zeroed(&s));
}

static void missing_keys_take_the_tutorial_defaults(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid: {}\n", err) == 0);
    CHECK(strcmp(s.name, "grid") == 0);
    CHECK(s.output == NULL);
    CHECK(s.save_initial_weights == 0);
    CHECK(strcmp(s.data.source, "breast_cancer") == 0);
    CHECK(s.data.label == NULL);
    CHECK(s.data.test_fraction == 0.2);
    CHECK(s.data.split_seed == 42);
    CHECK(s.data.scale == SCALE_MINMAX);
    // sgd, momentum 0.9, weight_decay 0, relu, normal: the recipe's defaults
    const int64_t ints[N_AXES] = {128, 0, 32, 1000, 0, 0, 0, OPTIM_SGD, 0, 0, MLP_RELU, MLP_INIT_NORMAL};
    const double reals[N_AXES] = {0, 0.01, 0, 0, 0, 0.01, 0, 0, 0.9, 0.0, 0, 0};
    for (int a = 0; a < N_AXES; a++) {
        CHECK(s.grids[0].axes[a].n_values == 1);
        CHECK_LOC(s.grids[0].axes[a].locs[0], 0, 0);
        if (axis_is_real((AxisId)a)) CHECK(s.grids[0].axes[a].reals[0] == reals[a] && axis_default((AxisId)a) == reals[a]);
        else CHECK(s.grids[0].axes[a].ints[0] == ints[a] && axis_default((AxisId)a) == (double)ints[a]);
    }
    spec_free(&s);
}

static void axis_names_and_kinds_follow_the_fixed_order(void) {
    const char *names[] = {"hidden_dim", "learning_rate", "batch_size", "epochs",   "seed",       "init_scale",
                           "shuffle",    "optimizer",     "momentum",   "weight_decay", "activation", "init",
                           "patience",   "min_delta"};
    CHECK(sizeof names / sizeof names[0] == N_AXES);
    for (int a = 0; a < N_AXES; a++) {
        CHECK(strcmp(AXIS_NAMES[a], names[a]) == 0);
        CHECK(axis_is_real((AxisId)a) == (a == AXIS_LEARNING_RATE || a == AXIS_INIT_SCALE || a == AXIS_MOMENTUM ||
                                          a == AXIS_WEIGHT_DECAY || a == AXIS_MIN_DELTA));
        CHECK(axis_is_name((AxisId)a) == (a == AXIS_OPTIMIZER || a == AXIS_ACTIVATION || a == AXIS_INIT));
    }
    int n;
    CHECK(axis_value_names(AXIS_OPTIMIZER, &n) == OPTIM_NAMES && n == 5 && strcmp(OPTIM_NAMES[4], "adamw") == 0);
    CHECK(axis_value_names(AXIS_ACTIVATION, &n) == MLP_ACTIVATION_NAMES && n == 3);
    CHECK(strcmp(axis_value_name(AXIS_ACTIVATION, MLP_LEAKY_RELU), "leaky_relu") == 0);
    CHECK(strcmp(axis_value_name(AXIS_INIT, MLP_INIT_HE_NORMAL), "he_normal") == 0);
    CHECK(strcmp(axis_value_name(AXIS_INIT, 7), "?") == 0 && axis_value_names(AXIS_SEED, &n) == NULL && n == 0);
}

static void name_defaults_to_the_file_stem(void) {
    const char *cases[][2] = {{"experiments/grid.yaml", "grid"}, {"a/b/wide.yml", "wide"},
                              {"plain", "plain"},                {"/abs/x.y.yaml", "x.y"},
                              {"dir/.yaml", ".yaml"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Spec s;
        char err[ERR_LEN] = "";
        const char *yaml = "grid: {epochs: 3}\n";
        CHECK(spec_parse(&s, cases[i][0], yaml, strlen(yaml), err) == 0);
        CHECK(s.name && strcmp(s.name, cases[i][1]) == 0);
        spec_free(&s);
    }
}

static void scalar_is_one_fixed_value_and_a_list_sweeps(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  hidden_dim: 64\n  epochs: [5]\n  learning_rate: 1\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_HIDDEN_DIM].n_values == 1 && s.grids[0].axes[AXIS_HIDDEN_DIM].ints[0] == 64);
    CHECK_LOC(s.grids[0].axes[AXIS_HIDDEN_DIM].locs[0], 2, 15);
    CHECK(s.grids[0].axes[AXIS_EPOCHS].n_values == 1 && s.grids[0].axes[AXIS_EPOCHS].ints[0] == 5);
    CHECK(s.grids[0].axes[AXIS_LEARNING_RATE].reals[0] == 1.0);
    spec_free(&s);
}

static void block_and_flow_lists_give_the_same_values(void) {
    Spec a, b;
    char err[ERR_LEN] = "";
    CHECK(parse(&a, "grid:\n  learning_rate: [0.1, 1e-3, .5]\n", err) == 0);
    CHECK(parse(&b, "grid:\n  learning_rate:\n    - 0.1\n    - 1e-3\n    - .5\n", err) == 0);
    CHECK(a.grids[0].axes[AXIS_LEARNING_RATE].n_values == 3 && b.grids[0].axes[AXIS_LEARNING_RATE].n_values == 3);
    for (int i = 0; i < 3; i++)
        CHECK(a.grids[0].axes[AXIS_LEARNING_RATE].reals[i] == b.grids[0].axes[AXIS_LEARNING_RATE].reals[i]);
    CHECK(b.grids[0].axes[AXIS_LEARNING_RATE].reals[1] == 0.001);
    CHECK_LOC(b.grids[0].axes[AXIS_LEARNING_RATE].locs[2], 5, 7);
    spec_free(&a);
    spec_free(&b);
}

static void key_order_does_not_change_the_spec(void) {
    Spec a, b;
    char err[ERR_LEN] = "";
    CHECK(parse(&a, "data: {scale: none, split_seed: 7}\ngrid: {seed: [3, 1], hidden_dim: 8}\n"
                    "name: n\n", err) == 0);
    CHECK(parse(&b, "name: n\ngrid: {hidden_dim: 8, seed: [3, 1]}\ndata: {split_seed: 7, scale: none}\n",
                err) == 0);
    CHECK(strcmp(a.name, b.name) == 0);
    CHECK(a.data.scale == SCALE_NONE && b.data.scale == SCALE_NONE);
    CHECK(a.data.split_seed == 7 && b.data.split_seed == 7);
    for (int ax = 0; ax < N_AXES; ax++) {
        CHECK(a.grids[0].axes[ax].n_values == b.grids[0].axes[ax].n_values);
        for (int64_t i = 0; i < a.grids[0].axes[ax].n_values && i < b.grids[0].axes[ax].n_values; i++) {
            if (axis_is_real((AxisId)ax)) CHECK(a.grids[0].axes[ax].reals[i] == b.grids[0].axes[ax].reals[i]);
            else CHECK(a.grids[0].axes[ax].ints[i] == b.grids[0].axes[ax].ints[i]);
        }
    }
    CHECK(a.grids[0].axes[AXIS_SEED].ints[0] == 3 && a.grids[0].axes[AXIS_SEED].ints[1] == 1);   // written order
    spec_free(&a);
    spec_free(&b);
}

static void anchors_and_aliases_resolve(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  hidden_dim: &h [4, 8]\n  batch_size: *h\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_BATCH_SIZE].n_values == 2 && s.grids[0].axes[AXIS_BATCH_SIZE].ints[1] == 8);
    spec_free(&s);
}

static void range_counts_like_python(void) {
    struct { const char *form; int64_t n, first, last; } cases[] = {
        {"{range: [1, 6]}", 5, 1, 5},          {"{range: [1, 11, 3]}", 4, 1, 10},
        {"{range: [5, 0, -2]}", 3, 5, 1},      {"{range: [7, 8]}", 1, 7, 7},
        {"{range: [3, 13, 5]}", 2, 3, 8},      {"{range: [10, 0, -3]}", 4, 10, 1},
        {"{range: [1, 2, 100]}", 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[128];
        snprintf(yaml, sizeof yaml, "grid:\n  epochs: 3\n  batch_size: %s\n", cases[i].form);
        Spec s;
        char err[ERR_LEN] = "";
        CHECK(parse(&s, yaml, err) == 0);
        const SpecAxis *ax = &s.grids[0].axes[AXIS_BATCH_SIZE];
        CHECK(ax->n_values == cases[i].n);
        CHECK(ax->ints[0] == cases[i].first && ax->ints[ax->n_values - 1] == cases[i].last);
        CHECK_LOC(ax->locs[0], 3, 15);
        CHECK_LOC(ax->locs[ax->n_values - 1], 3, 15);
        spec_free(&s);
    }
}

static void range_handles_extreme_integers(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  seed: {range: [9223372036854775805, 9223372036854775807]}\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_SEED].n_values == 2 && s.grids[0].axes[AXIS_SEED].ints[1] == INT64_MAX - 1);
    spec_free(&s);
    CHECK_ERROR("grid:\n  seed: {range: [-9223372036854775808, 9223372036854775807]}\n", "2:17: grid.seed.range: ",
                "expected at most 1000000 values on one axis, found 18446744073709551615");
    CHECK_ERROR("grid:\n  seed: {range: [-9223372036854775808, 0, 9223372036854775807]}\n", "2:9: grid.seed: ",
                "found -9223372036854775808");
}

static void range_on_a_real_axis_gives_whole_numbers(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid: {init_scale: {range: [1, 4]}}\n", err) == 0);
    const SpecAxis *ax = &s.grids[0].axes[AXIS_INIT_SCALE];
    CHECK(ax->n_values == 3 && ax->reals[0] == 1.0 && ax->reals[2] == 3.0);
    spec_free(&s);
}

static void linspace_hits_its_end_values_exactly(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  learning_rate: {linspace: [0.1, 0.7, 7]}\n", err) == 0);
    const SpecAxis *ax = &s.grids[0].axes[AXIS_LEARNING_RATE];
    CHECK(ax->n_values == 7);
    CHECK(ax->reals[0] == 0.1 && ax->reals[6] == 0.7);
    CHECK(ax->reals[2] == 0.3);   // 0.1 + 2 * 0.1 rounded to 15 digits, not 0.30000000000000004
    CHECK(ax->reals[5] == 0.6);
    CHECK_LOC(ax->locs[3], 2, 18);
    spec_free(&s);
}

static void linspace_runs_downwards_too(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  hidden_dim: {linspace: [100, 10, 4]}\n", err) == 0);
    const SpecAxis *ax = &s.grids[0].axes[AXIS_HIDDEN_DIM];
    CHECK(ax->n_values == 4 && ax->ints[0] == 100 && ax->ints[1] == 70 && ax->ints[3] == 10);
    spec_free(&s);
}

static void geomspace_hits_its_end_values_exactly(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  learning_rate: {geomspace: [0.001, 0.1, 3]}\n"
                    "  init_scale: {geomspace: [1e-4, 1, 5]}\n", err) == 0);
    const SpecAxis *lr = &s.grids[0].axes[AXIS_LEARNING_RATE];
    CHECK(lr->n_values == 3 && lr->reals[0] == 0.001 && lr->reals[1] == 0.01 && lr->reals[2] == 0.1);
    const SpecAxis *is = &s.grids[0].axes[AXIS_INIT_SCALE];
    CHECK(is->n_values == 5);
    CHECK(is->reals[0] == 1e-4 && is->reals[1] == 1e-3 && is->reals[2] == 1e-2 && is->reals[4] == 1.0);
    spec_free(&s);
}

static void geomspace_on_an_integer_axis_rounds_to_whole_numbers(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  hidden_dim: {geomspace: [16, 256, 5]}\n", err) == 0);
    const SpecAxis *ax = &s.grids[0].axes[AXIS_HIDDEN_DIM];
    CHECK(ax->n_values == 5);
    const int64_t want[5] = {16, 32, 64, 128, 256};
    for (int i = 0; i < 5; i++) CHECK(ax->ints[i] == want[i]);
    spec_free(&s);
}

static void a_range_form_of_one_value_gives_its_start(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  learning_rate: {linspace: [0.5, 9, 1]}\n  init_scale: {geomspace: [0.2, 3, 1]}\n",
                err) == 0);
    CHECK(s.grids[0].axes[AXIS_LEARNING_RATE].n_values == 1 && s.grids[0].axes[AXIS_LEARNING_RATE].reals[0] == 0.5);
    CHECK(s.grids[0].axes[AXIS_INIT_SCALE].n_values == 1 && s.grids[0].axes[AXIS_INIT_SCALE].reals[0] == 0.2);
    spec_free(&s);
}

static void block_range_form_points_at_its_key(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  seed:\n    range: [0, 3]\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_SEED].n_values == 3);
    CHECK_LOC(s.grids[0].axes[AXIS_SEED].locs[2], 3, 5);
    spec_free(&s);
}

static void shuffle_takes_booleans_and_zero_or_one(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid: {shuffle: [True, FALSE]}\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_SHUFFLE].n_values == 2);
    CHECK(s.grids[0].axes[AXIS_SHUFFLE].ints[0] == 1 && s.grids[0].axes[AXIS_SHUFFLE].ints[1] == 0);
    spec_free(&s);
    CHECK(parse(&s, "grid: {shuffle: 1}\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_SHUFFLE].ints[0] == 1);
    spec_free(&s);
    CHECK(parse(&s, "grid: {shuffle: true}\nsave_initial_weights: TRUE\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_SHUFFLE].ints[0] == 1 && s.save_initial_weights == 1);
    spec_free(&s);
}

static void integers_take_a_sign_and_reals_an_exponent(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid: {epochs: +12, seed: 9223372036854775807, learning_rate: 2.5E-2}\n"
                    "data: {split_seed: 0, test_fraction: .25}\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_EPOCHS].ints[0] == 12);
    CHECK(s.grids[0].axes[AXIS_SEED].ints[0] == INT64_MAX);
    CHECK(s.grids[0].axes[AXIS_LEARNING_RATE].reals[0] == 0.025);
    CHECK(s.data.split_seed == 0 && s.data.test_fraction == 0.25);
    spec_free(&s);
}

static void csv_source_resolves_against_the_spec_folder(void) {
    Spec s;
    char err[ERR_LEN] = "";
    const char *yaml = "data:\n  source: data/x.csv\n  label: y\ngrid: {}\n";
    CHECK(spec_parse(&s, "exp/sub/grid.yaml", yaml, strlen(yaml), err) == 0);
    CHECK(strcmp(s.data.source, "exp/sub/data/x.csv") == 0);
    CHECK(strcmp(s.data.source_given, "data/x.csv") == 0);
    CHECK(strcmp(s.data.label, "y") == 0);
    CHECK_LOC(s.data.source_loc, 2, 11);
    spec_free(&s);
    CHECK(spec_parse(&s, "grid.yaml", yaml, strlen(yaml), err) == 0);
    CHECK(strcmp(s.data.source, "data/x.csv") == 0);
    spec_free(&s);
    yaml = "data: {source: /tmp/abs.csv}\ngrid: {}\n";
    CHECK(spec_parse(&s, "exp/grid.yaml", yaml, strlen(yaml), err) == 0);
    CHECK(strcmp(s.data.source, "/tmp/abs.csv") == 0);
    spec_free(&s);
    yaml = "data: {source: breast_cancer}\ngrid: {}\n";
    CHECK(spec_parse(&s, "exp/grid.yaml", yaml, strlen(yaml), err) == 0);
    CHECK(strcmp(s.data.source, "breast_cancer") == 0);
    spec_free(&s);
}

static void scale_takes_each_of_its_names(void) {
    const char *names[] = {"minmax", "standard", "none"};
    const ScaleKind kinds[] = {SCALE_MINMAX, SCALE_STANDARD, SCALE_NONE};
    for (int i = 0; i < 3; i++) {
        char yaml[64];
        snprintf(yaml, sizeof yaml, "data: {scale: '%s'}\ngrid: {}\n", names[i]);
        Spec s;
        char err[ERR_LEN] = "";
        CHECK(parse(&s, yaml, err) == 0);
        CHECK(s.data.scale == kinds[i]);
        spec_free(&s);
    }
}

static void spec_free_is_safe_on_a_zeroed_spec_and_twice(void) {
    Spec s;
    memset(&s, 0, sizeof s);
    spec_free(&s);
    CHECK(is_zeroed(&s));
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid: {}\n", err) == 0);
    spec_free(&s);
    spec_free(&s);
    CHECK(is_zeroed(&s));
    spec_free(NULL);
}

static void spec_load_reads_the_file(void) {
    char path[] = "/tmp/test_spec_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *yaml = "grid: {epochs: 7}\n";
    CHECK(write(fd, yaml, strlen(yaml)) == (ssize_t)strlen(yaml));
    close(fd);
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(spec_load(&s, path, err) == 0);
    CHECK(s.grids[0].axes[AXIS_EPOCHS].ints[0] == 7);
    CHECK(strcmp(s.path, path) == 0 && strcmp(s.text, yaml) == 0);
    spec_free(&s);
    unlink(path);
}

static void unreadable_file_names_the_reason(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(spec_load(&s, "/nonexistent/grid.yaml", err) == 2);
    CHECK(strcmp(err, "/nonexistent/grid.yaml: cannot read: No such file or directory") == 0);
    CHECK(is_zeroed(&s));
    CHECK(spec_load(&s, "/tmp", err) == 2);
    CHECK_STR_CONTAINS(err, "/tmp: cannot read: ");
    CHECK(is_zeroed(&s));
}

// A training part of n0 rows of class 0 then n1 of class 1: all spec_check_data looks at.
static Dataset training_part(int64_t n0, int64_t n1) {
    Dataset d;
    memset(&d, 0, sizeof d);
    d.n_train = n0 + n1;
    d.n_folds = d.n_repeats = 1;
    d.y_train = calloc((size_t)(n0 + n1 ? n0 + n1 : 1), sizeof(double));
    for (int64_t i = n0; d.y_train && i < n0 + n1; i++) d.y_train[i] = 1.0;
    return d;
}

// The breast cancer training part: 455 rows, 170 malignant (0) and 285 benign (1).
static Dataset breast_cancer_training_part(void) { return training_part(170, 285); }

static int check_data(const Spec *s, int64_t n0, int64_t n1, char *err) {
    Dataset d = training_part(n0, n1);
    int rc = spec_check_data(s, &d, err);
    free(d.y_train);
    return rc;
}

static void batch_size_above_the_training_set_points_at_the_value(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  batch_size: [32, 1000]\n", err) == 0);
    CHECK(check_data(&s, 500, 500, err) == 0);
    CHECK(check_data(&s, 170, 285, err) == 2);
    CHECK(strcmp(err, PATH ":2:20: grid.batch_size: expected at most the training-set size 455, "
                      "found 1000") == 0);
    spec_free(&s);
    CHECK(parse(&s, "grid: {}\n", err) == 0);
    CHECK(check_data(&s, 10, 10, err) == 2);
    CHECK_STR_CONTAINS(err, PATH ": grid.batch_size: expected at most the training-set size 20, found 32");
    spec_free(&s);
}

static void folds_and_repeats_parse_with_their_defaults(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid: {}\n", err) == 0);
    CHECK(s.data.folds == 1 && s.data.repeats == 1);
    spec_free(&s);
    CHECK(parse(&s, "data:\n  folds: 5\n  repeats: 3\n  test_fraction: 0\ngrid: {}\n", err) == 0);
    CHECK(s.data.folds == 5 && s.data.repeats == 3 && s.data.test_fraction == 0.0);
    CHECK_LOC(s.data.folds_loc, 2, 10);
    CHECK_LOC(s.data.repeats_loc, 3, 12);
    spec_free(&s);
}

static void fold_errors_are_located(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "data:\n  folds: 0\ngrid: {}\n", err) == 2);
    CHECK(strcmp(err, PATH ":2:10: data.folds: expected an integer from 1 to 1000000, found 0") == 0);
    CHECK(parse(&s, "data:\n  repeats: two\ngrid: {}\n", err) == 2);
    CHECK_STR_CONTAINS(err, PATH ":2:12: data.repeats: expected an integer from 1 to 1000000, found \"two\"");
    CHECK(parse(&s, "data:\n  repeats: 3\ngrid: {}\n", err) == 2);
    CHECK(strcmp(err, PATH ":2:12: data.repeats: expected 1 without cross-validation (set data.folds >= 2 to "
                      "repeat it), found 3") == 0);
    CHECK(parse(&s, "data:\n  test_fraction: 0\ngrid: {}\n", err) == 2);
    CHECK_STR_CONTAINS(err, PATH ":2:18: data.test_fraction: expected a number between 0 and 1 (0 leaves");
    // More folds than the smaller class has training rows: located at data.folds.
    CHECK(parse(&s, "data:\n  folds: 200\ngrid: {}\n", err) == 0);
    CHECK(check_data(&s, 170, 285, err) == 2);
    CHECK(strcmp(err, PATH ":2:10: data.folds: expected at most 170, the training rows of the smaller class "
                      "(170 of class 0), found 200") == 0);
    CHECK(check_data(&s, 300, 285, err) == 0 || strstr(err, "batch_size") != NULL);
    spec_free(&s);
}

static void batch_size_must_fit_the_smallest_fold_training_set(void) {
    Spec s;
    char err[ERR_LEN] = "";
    // 5 folds of 170 + 285 rows: the largest fold holds 34 + 57 rows, leaving 364 to train on.
    CHECK(parse(&s, "data:\n  folds: 5\ngrid:\n  batch_size: [364, 365]\n", err) == 0);
    CHECK(check_data(&s, 170, 285, err) == 2);
    CHECK(strcmp(err, PATH ":4:21: grid.batch_size: expected at most 364, the fewest rows a fold's config "
                      "trains on, found 365") == 0);
    spec_free(&s);
}

// ---------------------------------------------------------------------------------------------
// Errors

static void design_example_error_reads_as_documented(void) {
    const char *yaml = "name: x\noutput: y.h5\ndata:\n  scale: none\n\ngrid:\n  learning_rate: fast\n";
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(spec_parse(&s, "experiments/grid.yaml", yaml, strlen(yaml), err) == 2);
    CHECK(strcmp(err, "experiments/grid.yaml:7:18: grid.learning_rate: expected a positive number, "
                      "found \"fast\"") == 0);
}

static void yaml_syntax_error_points_at_the_problem(void) {
    CHECK_ERROR("grid:\n  hidden_dim: [16, 32\n  epochs: 10\n", "3:9: ", "invalid YAML: did not find expected ',' or ']'");
    CHECK_ERROR("grid:\n\thidden_dim: 3\n", "2:1: ", "invalid YAML: found character that cannot start any token");
    CHECK_ERROR("grid: {seed: *nope}\n", "1:14: ", "invalid YAML: found undefined alias");
}

static void invalid_utf8_points_at_the_byte(void) {
    CHECK_ERROR("grid:\n  seed: [1, \xff]\n", "2:13: ", "invalid YAML: invalid leading UTF-8 octet (byte 0xFF)");
}

static void nul_byte_is_a_syntax_error(void) {
    Spec s;
    char err[ERR_LEN] = "";
    const char text[] = "grid: {}\n\0\n";
    CHECK(spec_parse(&s, PATH, text, sizeof text - 1, err) == 2);
    CHECK_STR_CONTAINS(err, PATH ":2:1: invalid YAML");
    CHECK(is_zeroed(&s));
}

static void empty_file_or_a_non_mapping_top_is_an_error(void) {
    CHECK_ERROR("", "1:1: ", "expected a mapping with a grid key, found an empty file");
    CHECK_ERROR("# only a comment\n", "1:1: ", "found an empty file");
    CHECK_ERROR("---\n", "2:1: ", "found nothing");
    CHECK_ERROR("- grid\n", "1:1: ", "expected a mapping with a grid key");
    CHECK_ERROR("just words\n", "1:1: ", "found \"just words\"");
}

static void a_second_document_is_an_error(void) {
    CHECK_ERROR("grid: {}\n---\ngrid: {}\n", "2:1: ", "invalid YAML: expected one document, found a second one");
}

static void missing_grid_is_an_error(void) {
    CHECK_ERROR("# c\nname: x\n", "2:1: grid: ", "expected a grid mapping of the axes to sweep (it is required)");
}

static void unknown_key_suggests_the_closest(void) {
    CHECK_ERROR("grid:\n  hidden_dims: 3\n", "2:3: grid.hidden_dims: ", "unknown key; did you mean \"hidden_dim\"?");
    CHECK_ERROR("gird: {}\n", "1:1: gird: ", "unknown key; did you mean \"grid\"?");
    CHECK_ERROR("grid: {}\ndata: {sclae: none}\n", "2:8: data.sclae: ", "did you mean \"scale\"?");
    CHECK_ERROR("grid: {Learning-Rate: 0.1}\n", "1:8: grid.Learning-Rate: ", "did you mean \"learning_rate\"?");
}

static void patience_needs_validation_folds(void) {
    CHECK_ERROR("grid: {patience: [0, 3]}\n", "1:22: grid.patience: ",
                "expected 0 without validation folds (early stopping decides on val_loss: set data.folds >= 2), found 3");
    CHECK_ERROR("data: {folds: 2}\ngrid: {min_delta: -1}\n", "2:19: grid.min_delta: ", "expected a number >= 0");
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "data: {folds: 2}\ngrid: {patience: [0, 3], min_delta: 0.01}\n", err) == 0);
    CHECK(s.grids[0].axes[AXIS_PATIENCE].n_values == 2 && s.grids[0].axes[AXIS_PATIENCE].ints[1] == 3);
    CHECK(s.grids[0].axes[AXIS_MIN_DELTA].reals[0] == 0.01);
    spec_free(&s);
}

static void unknown_key_without_a_near_one_lists_the_valid_ones(void) {
    CHECK_ERROR("grid: {depth: 3}\n", "1:8: grid.depth: ",
                "unknown key; expected one of hidden_dim, learning_rate, batch_size, epochs, seed, "
                "init_scale, shuffle, optimizer, momentum, weight_decay, activation, init, patience, min_delta");
}

static void key_at_the_wrong_level_is_pointed_home(void) {
    CHECK_ERROR("epochs: 3\ngrid: {}\n", "1:1: epochs: ", "did you mean \"grid.epochs\"");
    CHECK_ERROR("grid: {scale: none}\n", "1:8: grid.scale: ", "did you mean \"data.scale\"");
    CHECK_ERROR("grid: {}\ndata: {output: x}\n", "2:8: data.output: ", "did you mean \"output\" at the top level?");
}

static void duplicate_key_says_where_the_first_was(void) {
    CHECK_ERROR("grid:\n  seed: 1\n  epochs: 2\n  seed: 3\n", "4:3: grid.seed: ",
                "expected each key once, found it again (first at line 2, column 3)");
    CHECK_ERROR("grid: {}\nname: a\nname: b\n", "3:1: name: ", "first at line 2, column 1");
}

static void non_scalar_key_is_an_error(void) {
    CHECK_ERROR("grid: {}\n? [a]\n: 1\n", "2:3: ", "expected a key name, found a list");
    CHECK_ERROR("grid:\n  ?\n  : 1\n", "2:4: grid: ", "expected a key name, found nothing");
}

static void empty_list_is_an_error(void) {
    CHECK_ERROR("grid:\n  hidden_dim: []\n", "2:15: grid.hidden_dim: ", "expected at least one value, found an empty list");
}

static void nested_list_is_an_error(void) {
    CHECK_ERROR("grid:\n  seed: [1, [2, 3]]\n", "2:13: grid.seed[1]: ", "found a list (lists do not nest)");
    CHECK_ERROR("grid:\n  seed: [1, {range: [0, 2]}]\n", "2:13: grid.seed[1]: ",
                "found a mapping (a range form cannot go inside a list)");
}

static void duplicate_value_names_both_places(void) {
    CHECK_ERROR("grid:\n  hidden_dim: [16, 32, 16]\n", "2:24: grid.hidden_dim[2]: ",
                "expected each value once, found 16 again (first at line 2, column 16)");
    CHECK_ERROR("grid:\n  learning_rate: [0.1, 0.2, 1e-1]\n", "2:29: grid.learning_rate[2]: ", "found 0.1 again");
    CHECK_ERROR("grid:\n  shuffle: [1, true]\n", "2:16: grid.shuffle[1]: ", "found true again");
    CHECK_ERROR("grid:\n  seed: [3, 1, 2, 1, 3]\n", "2:19: grid.seed[3]: ", "found 1 again (first at line 2, column 13)");
}

static void duplicate_value_from_a_range_form_is_an_error(void) {
    CHECK_ERROR("grid:\n  hidden_dim: {geomspace: [8, 8, 3]}\n", "2:15: grid.hidden_dim: ",
                "expected distinct values, found 8 twice (values 1 and 2 of the geomspace)");
    CHECK_ERROR("grid:\n  hidden_dim: {linspace: [1, 2, 3]}\n", "2:15: grid.hidden_dim: ",
                "expected whole numbers on this axis, found 1.5 (value 2 of 3 of the linspace)");
}

static void wrong_length_in_a_range_form_is_an_error(void) {
    CHECK_ERROR("grid:\n  seed: {range: [5]}\n", "2:17: grid.seed.range: ",
                "expected a list [start, stop] or [start, stop, step], found a list of 1");
    CHECK_ERROR("grid:\n  seed: {range: 5}\n", "2:17: grid.seed.range: ", "found 5");
    CHECK_ERROR("grid:\n  learning_rate: {linspace: [0.1, 1]}\n", "2:29: grid.learning_rate.linspace: ",
                "expected a list [start, stop, count], found a list of 2");
    CHECK_ERROR("grid:\n  learning_rate: {geomspace: [0.1, 1, 2, 3]}\n", "2:30: grid.learning_rate.geomspace: ",
                "found a list of 4");
}

static void empty_range_is_an_error(void) {
    CHECK_ERROR("grid:\n  seed: {range: [3, 1]}\n", "2:17: grid.seed.range: ",
                "expected at least one value, found an empty range (start 3, stop 1 excluded, step 1)");
    CHECK_ERROR("grid:\n  seed: {range: [0, 5, -1]}\n", "2:17: grid.seed.range: ", "found an empty range");
}

static void range_step_zero_is_an_error(void) {
    CHECK_ERROR("grid:\n  seed: {range: [0, 5, 0]}\n", "2:24: grid.seed.range[2]: ", "expected a non-zero step, found 0");
}

static void range_needs_integers(void) {
    CHECK_ERROR("grid:\n  seed: {range: [0, 2.5]}\n", "2:21: grid.seed.range[1]: ",
                "expected an integer, found 2.5 (range makes integers; use linspace for other steps)");
    CHECK_ERROR("grid:\n  seed: {range: [a, 2]}\n", "2:18: grid.seed.range[0]: ", "expected an integer, found \"a\"");
    CHECK_ERROR("grid:\n  seed: {range: [[0], 2]}\n", "2:18: grid.seed.range[0]: ", "found a list");
}

static void linspace_count_must_be_a_positive_integer(void) {
    CHECK_ERROR("grid:\n  init_scale: {linspace: [0.1, 1, 0]}\n", "2:35: grid.init_scale.linspace[2]: ",
                "expected a count from 1 to 1000000, found 0");
    CHECK_ERROR("grid:\n  init_scale: {linspace: [0.1, 1, 2.5]}\n", "2:35: grid.init_scale.linspace[2]: ",
                "found 2.5");
    CHECK_ERROR("grid:\n  init_scale: {linspace: [0.1, 1, 2000000]}\n", "2:35: grid.init_scale.linspace[2]: ",
                "found 2000000");
}

static void geomspace_needs_positive_ends(void) {
    CHECK_ERROR("grid:\n  init_scale: {geomspace: [0, 1, 3]}\n", "2:28: grid.init_scale.geomspace[0]: ",
                "expected a positive number (geomspace needs both ends above 0), found 0");
    CHECK_ERROR("grid:\n  init_scale: {linspace: [x, 1, 3]}\n", "2:27: grid.init_scale.linspace[0]: ",
                "expected a number, found \"x\"");
}

static void generated_values_are_checked_like_written_ones(void) {
    CHECK_ERROR("grid:\n  learning_rate: {linspace: [-1, 1, 3]}\n", "2:18: grid.learning_rate: ",
                "expected a positive number, found -1 (value 1 of 3 of the linspace)");
    CHECK_ERROR("grid:\n  hidden_dim: {range: [0, 3]}\n", "2:15: grid.hidden_dim: ",
                "expected an integer from 1 to 1048576, found 0 (value 1 of the range)");
    CHECK_ERROR("grid:\n  seed: {linspace: [0, 1e30, 2]}\n", "2:9: grid.seed: ",
                "expected an integer from 0 to 9223372036854775807, found 1e+30");
}

static void unknown_range_form_suggests_the_closest(void) {
    CHECK_ERROR("grid:\n  seed: {rnage: [0, 5]}\n", "2:10: grid.seed.rnage: ", "unknown range form; did you mean \"range\"?");
    CHECK_ERROR("grid:\n  seed: {logspace: [0, 5, 2]}\n", "2:10: grid.seed.logspace: ", "did you mean \"linspace\"?");
    CHECK_ERROR("grid:\n  seed: {steps: [0, 5, 2]}\n", "2:10: grid.seed.steps: ",
                "unknown range form; expected range, linspace or geomspace");
    CHECK_ERROR("grid:\n  seed: {}\n", "2:9: grid.seed: ", "found an empty mapping");
    CHECK_ERROR("grid:\n  seed: {range: [0, 2], linspace: [0, 1, 2]}\n", "2:25: grid.seed: ",
                "expected one range form, found a second key \"linspace\"");
}

static void out_of_range_values_name_the_bounds(void) {
    CHECK_ERROR("grid:\n  hidden_dim: 0\n", "2:15: grid.hidden_dim: ", "expected an integer from 1 to 1048576, found 0");
    CHECK_ERROR("grid:\n  hidden_dim: 1048577\n", "2:15: grid.hidden_dim: ", "found 1048577");
    CHECK_ERROR("grid:\n  hidden_dim: 64.0\n", "2:15: grid.hidden_dim: ", "found 64.0");
    CHECK_ERROR("grid:\n  batch_size: 0\n", "2:15: grid.batch_size: ", "expected a positive integer, found 0");
    CHECK_ERROR("grid:\n  epochs: 1000000001\n", "2:11: grid.epochs: ",
                "expected an integer from 1 to 1000000000, found 1000000001");
    CHECK_ERROR("grid:\n  seed: 9223372036854775808\n", "2:9: grid.seed: ",
                "expected an integer from 0 to 9223372036854775807, found 9223372036854775808");
    CHECK_ERROR("grid:\n  seed: -1\n", "2:9: grid.seed: ", "found -1");
    CHECK_ERROR("grid:\n  init_scale: 0\n", "2:15: grid.init_scale: ", "expected a positive number, found 0");
    CHECK_ERROR("grid:\n  learning_rate: [0.1, -0.01]\n", "2:24: grid.learning_rate[1]: ",
                "expected a positive number, found -0.01");
    CHECK_ERROR("grid:\n  learning_rate: 1e999\n", "2:18: grid.learning_rate: ", "found \"1e999\"");
    CHECK_ERROR("grid:\n  learning_rate: .inf\n", "2:18: grid.learning_rate: ", "found \".inf\"");
    CHECK_ERROR("grid:\n  learning_rate: 0x10\n", "2:18: grid.learning_rate: ", "found \"0x10\"");
    CHECK_ERROR("grid:\n  shuffle: 2\n", "2:12: grid.shuffle: ", "expected true or false, found 2");
    CHECK_ERROR("grid:\n  shuffle: yes\n", "2:12: grid.shuffle: ", "found \"yes\"");
}

static void quoted_number_is_a_string(void) {
    CHECK_ERROR("grid:\n  learning_rate: \"0.1\"\n", "2:18: grid.learning_rate: ",
                "expected a positive number, found \"0.1\" (quoted, so a string: remove the quotes)");
    CHECK_ERROR("grid:\n  epochs: '10'\n", "2:11: grid.epochs: ", "found \"10\"");
    CHECK_ERROR("grid:\n  shuffle: 'true'\n", "2:12: grid.shuffle: ", "found \"true\"");
}

static void empty_or_null_value_is_named(void) {
    CHECK_ERROR("grid:\n  epochs:\n", "2:10: grid.epochs: ", "found nothing");
    CHECK_ERROR("grid:\n  epochs: ~\n", "2:11: grid.epochs: ", "found null");
    CHECK_ERROR("grid: {}\nname:\n", "2:6: name: ", "expected a name, found nothing");
}

static void comma_separated_scalar_gets_a_list_hint(void) {
    CHECK_ERROR("grid:\n  hidden_dim: 16, 32\n", "2:15: grid.hidden_dim: ",
                "found \"16, 32\" (several values are written as a list: [a, b])");
}

static void wrong_types_at_the_top_are_errors(void) {
    CHECK_ERROR("grid: {}\nname: [a]\n", "2:7: name: ", "expected a name, found a list");
    CHECK_ERROR("grid: {}\noutput: {a: 1}\n", "2:9: output: ", "expected a file path, found a mapping");
    CHECK_ERROR("grid: {}\nsave_initial_weights: yes\n", "2:23: save_initial_weights: ",
                "expected true or false, found \"yes\"");
    CHECK_ERROR("grid: {}\nsave_initial_weights: \"true\"\n", "2:23: save_initial_weights: ", "found \"true\"");
    CHECK_ERROR("grid: [1]\n", "1:8: grid[0]: ", "expected a mapping of axes (a sub-grid) such as {hidden_dim: [16, 64]}, found 1");
    CHECK_ERROR("grid: 5\n", "1:7: grid: ", "found 5");
    CHECK_ERROR("grid: {}\ndata: breast_cancer\n", "2:7: data: ",
                "expected a mapping (source, label, task, classes, target_scale, test_fraction, split_seed, scale, "
                "folds, repeats), found \"breast_cancer\"");
}

static void data_fields_are_checked(void) {
    CHECK_ERROR("grid: {}\ndata:\n  test_fraction: 1.5\n", "3:18: data.test_fraction: ",
                "expected a number from 0 (with folds) to 1 (exclusive), found 1.5");
    CHECK_ERROR("grid: {}\ndata:\n  test_fraction: 0\n", "3:18: data.test_fraction: ", "found 0");
    CHECK_ERROR("grid: {}\ndata:\n  split_seed: -1\n", "3:15: data.split_seed: ",
                "expected an integer from 0 to 9223372036854775807, found -1");
    CHECK_ERROR("grid: {}\ndata:\n  split_seed: 4.2\n", "3:15: data.split_seed: ", "found 4.2");
    CHECK_ERROR("grid: {}\ndata:\n  scale: minimax\n", "3:10: data.scale: ",
                "expected minmax, standard or none, found \"minimax\"; did you mean \"minmax\"?");
    CHECK_ERROR("grid: {}\ndata:\n  scale: [none]\n", "3:10: data.scale: ", "found a list");
    CHECK_ERROR("grid: {}\ndata:\n  source: ''\n", "3:11: data.source: ",
                "expected a built-in data set (breast_cancer) or a CSV path, found \"\"");
    CHECK_ERROR("grid: {}\ndata:\n  label: [a]\n", "3:10: data.label: ",
                "expected the name of the label column, found a list");
    // (v3) the task's keys
    CHECK_ERROR("grid: {}\ndata:\n  task: multi\n", "3:9: data.task: ",
                "expected auto, binary, multiclass or regression, found \"multi\"");
    CHECK_ERROR("grid: {}\ndata:\n  task: [binary]\n", "3:9: data.task: ", "found a list");
    CHECK_ERROR("grid: {}\ndata:\n  target_scale: minmax\n", "3:17: data.target_scale: ",
                "expected standard or none, found \"minmax\"");
    CHECK_ERROR("grid: {}\ndata:\n  classes: a\n", "3:12: data.classes: ",
                "expected a list of the label's values, class 0 first (2 to 1000 of them), found \"a\"");
    CHECK_ERROR("grid: {}\ndata:\n  classes: [a]\n", "3:12: data.classes: ", "found a list of 1 value");
    CHECK_ERROR("grid: {}\ndata:\n  classes: [a, [b]]\n", "3:16: data.classes[1]: ",
                "expected a value of the label column, found a list");
    CHECK_ERROR("grid: {}\ndata:\n  classes: [a, '']\n", "3:16: data.classes[1]: ", "found \"\"");
}

// The task's keys read into the spec and become the data's request.
static void task_keys_become_a_request(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid: {}\n", err) == 0);
    TaskRequest req = spec_task_request(&s);
    CHECK(req.task == TASK_AUTO && req.classes == NULL && req.n_classes == 0 && req.target_scale == TARGET_SCALE_STANDARD);
    spec_free(&s);
    CHECK(parse(&s, "grid: {}\ndata:\n  task: multiclass\n  classes: [b, \"a\", 3.0]\n  target_scale: none\n", err) == 0);
    req = spec_task_request(&s);
    CHECK(req.task == TASK_MULTICLASS && req.n_classes == 3 && req.target_scale == TARGET_SCALE_NONE);
    CHECK(strcmp(req.classes[0], "b") == 0 && strcmp(req.classes[1], "a") == 0 && strcmp(req.classes[2], "3.0") == 0);
    // an error at an entry is located at the entry, one about the list at the key
    req.bad_key = TASK_KEY_CLASSES;
    req.bad_index = 2;
    snprintf(err, sizeof err, "data.classes[2]: expected a value");
    CHECK(spec_task_error(&s, &req, 2, err) == 2);
    CHECK_STR_CONTAINS(err, ":4:21: data.classes[2]: expected a value");
    req.bad_index = -1;
    snprintf(err, sizeof err, "data.classes: expected every value");
    spec_task_error(&s, &req, 2, err);
    CHECK_STR_CONTAINS(err, ":4:3: data.classes: expected every value");
    req.bad_key = TASK_KEY_NONE;
    snprintf(err, sizeof err, "x.csv:3:4: bad");
    spec_task_error(&s, &req, 2, err);
    CHECK(strcmp(err, "x.csv:3:4: bad") == 0);
    spec_free(&s);
    CHECK(parse(&s, "data:\n  folds: 2\nhalving:\n  min_epochs: 3\n  metric: val_r2\ngrid:\n  epochs: 9\n", err) == 0);
    CHECK(s.halving.metric == HALVING_VAL_R2 && s.halving.metric_loc.line == 5);
    spec_free(&s);
    CHECK_ERROR("data:\n  folds: 2\nhalving:\n  metric: val_r3\ngrid:\n  epochs: 9\n", "4:11: halving.metric: ",
                "expected val_loss, val_acc (classification) or val_r2 (regression), found \"val_r3\"; did you mean \"val_r2\"?");
}

static void message_stays_on_one_line_and_short(void) {
    char yaml[4096];
    strcpy(yaml, "grid:\n  learning_rate: |\n    line one\n    line two\n");
    CHECK_ERROR(yaml, "2:18: grid.learning_rate: ", "found \"line one\\nline two\\n\"");
    strcpy(yaml, "grid:\n  learning_rate: \"");
    for (int i = 0; i < 1000; i++) strcat(yaml, "\xc3\xa9");   // é, two bytes each
    strcat(yaml, "\"\n");
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, yaml, err) == 2);
    CHECK(strlen(err) < 400);
    CHECK_STR_CONTAINS(err, "...\"");
    CHECK(strstr(err, "\xc3...") == NULL);   // never cut inside a character
    strcpy(yaml, "grid: {\"a\\tb\\x01\": 1}\n");
    CHECK_ERROR(yaml, "1:8: grid.a\\tb\\x01: ", "unknown key");
}

static void huge_range_is_refused_before_allocating(void) {
    CHECK_ERROR("grid:\n  seed: {range: [0, 1000000000000]}\n", "2:17: grid.seed.range: ",
                "expected at most 1000000 values on one axis, found 1000000000000");
}

// Every prefix of a valid spec, and the spec with each byte replaced, parses or fails cleanly
// (the sanitizers check the rest).
static void any_prefix_or_corruption_fails_cleanly(void) {
    size_t len = strlen(DESIGN_EXAMPLE);
    char *buf = malloc(len + 1);
    int ok = 1;
    for (size_t cut = 0; cut <= len; cut++) {
        Spec s;
        char err[ERR_LEN] = "";
        int rc = spec_parse(&s, PATH, DESIGN_EXAMPLE, cut, err);
        if (rc != 0 && (rc != 2 || !is_zeroed(&s) || !strstr(err, PATH))) ok = 0;
        spec_free(&s);
    }
    const char subst[] = "\0 :[]{}-#'\"\n\t9&*!|>%@`,?\xff";
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < sizeof subst - 1; k++) {
            memcpy(buf, DESIGN_EXAMPLE, len);
            buf[i] = subst[k];
            Spec s;
            char err[ERR_LEN] = "";
            int rc = spec_parse(&s, PATH, buf, len, err);
            if (rc != 0 && (rc != 2 || !is_zeroed(&s) || strchr(err, '\n'))) ok = 0;
            spec_free(&s);
        }
    free(buf);
    CHECK(ok);
}

// ---------------------------------------------------------------------------------------------
// Fixtures for the integration tests

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 16);
    if (buf) fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

// Each tests/specs/bad/X.yaml starts "# expect: L:C: text" and fails there with that text,
// from the parser or from spec_check_data (455 training rows). Specs whose error comes from
// main or the CSV reader ("# expect: FILE.csv:L:C: ..." or a data.source error) must parse,
// and the data.source ones must record that position.
static void bad_fixtures_fail_where_their_comment_says(void) {
    const char *dir = "tests/specs/bad";
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d) return;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".yaml") != 0) continue;
        n++;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = read_text(path);
        CHECK(text != NULL);
        if (!text) continue;
        char want[512] = "";
        int ok_header = sscanf(text, "# expect: %511[^\n]", want) == 1;
        if (!ok_header) fprintf(stderr, "  %s: no \"# expect:\" first line\n", path);
        CHECK(ok_header);
        Spec s;
        char err[ERR_LEN] = "", at[1100];
        int rc = spec_load(&s, path, err);
        int line = 0, col = 0;
        if (strstr(want, ".csv:")) {   // the CSV reader's error: the spec itself is fine
            CHECK(rc == 0);
        } else if (strstr(want, "data.source") && rc == 0) {   // main's error at data.source
            CHECK(sscanf(want, "%d:%d:", &line, &col) == 2);
            CHECK_LOC(s.data.source_loc, line, col);
        } else {
            if (rc == 0) {
                Dataset bc = breast_cancer_training_part();
                rc = spec_check_data(&s, &bc, err);
                free(bc.y_train);
            }
            if (rc == 0) {   // the draw's own checks (search.n beyond the space) come with the grid
                Grid g;
                rc = grid_expand(&g, &s, err);
                if (rc == 0) grid_free(&g);
            }
            snprintf(at, sizeof at, "%s:%s", path, want);
            if (!strstr(err, at)) fprintf(stderr, "  %s: got %s\n", path, err);
            CHECK(rc == 2);
            CHECK(strstr(err, at) != NULL);
        }
        spec_free(&s);
        free(text);
    }
    closedir(d);
    CHECK(n >= 15);
}

static void tiny_fixture_is_a_small_valid_sweep(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(spec_load(&s, "tests/specs/tiny.yaml", err) == 0);
    if (err[0]) fprintf(stderr, "  %s\n", err);
    int64_t n = 1;
    for (int a = 0; a < N_AXES; a++) n *= s.grids[0].axes[a].n_values;
    CHECK(n == 16);
    CHECK(s.save_initial_weights == 1);
    CHECK(strcmp(s.name, "tiny") == 0);
    CHECK(check_data(&s, 170, 285, err) == 0);
    spec_free(&s);
}

static void search_and_distributions_parse(void) {
    Spec s;
    char err[ERR_LEN] = "";
    const char *text = "search:\n  method: random\n  n: 64\n  seed: 9\ngrid:\n  learning_rate: {loguniform: [0.0001, 0.1]}\n"
                       "  init_scale: {uniform: [0.01, 1]}\n  hidden_dim: {randint: [4, 129]}\n  seed: [0, 1]\n";
    CHECK(parse(&s, text, err) == 0);
    CHECK(s.search.method == SEARCH_RANDOM && s.search.n == 64 && s.search.seed == 9);
    CHECK_LOC(s.search.n_loc, 3, 6);
    const SpecAxis *ax = s.grids[0].axes;
    CHECK(ax[AXIS_LEARNING_RATE].dist == DIST_LOGUNIFORM && ax[AXIS_LEARNING_RATE].lo == 0.0001 && ax[AXIS_LEARNING_RATE].hi == 0.1);
    CHECK(ax[AXIS_INIT_SCALE].dist == DIST_UNIFORM && ax[AXIS_LEARNING_RATE].n_values == 0);
    CHECK(ax[AXIS_HIDDEN_DIM].dist == DIST_RANDINT && ax[AXIS_HIDDEN_DIM].ilo == 4 && ax[AXIS_HIDDEN_DIM].ihi == 129);
    CHECK(ax[AXIS_SEED].n_values == 2 && ax[AXIS_BATCH_SIZE].n_values == 1);
    CHECK_LOC(ax[AXIS_HIDDEN_DIM].dist_loc, 8, 15);
    spec_free(&s);
}

static void search_errors_are_located(void) {
    CHECK_ERROR("grid:\n  learning_rate: {uniform: [0.1, 1]}\n", "2:18: grid.learning_rate: ",
                "found a uniform distribution (distributions need search.method: random)");
    CHECK_ERROR("search: {method: random}\ngrid: {}\n", "1:9: search.n: ", "expected the number of settings to draw");
    CHECK_ERROR("search: {method: randon, n: 3}\ngrid: {}\n", "1:18: search.method: ", "did you mean \"random\"?");
    CHECK_ERROR("search: {method: random, n: 0}\ngrid: {}\n", "1:29: search.n: ", "expected a number of settings from 1");
    CHECK_ERROR("search: {method: random, n: 2, seed: -1}\ngrid: {}\n", "1:38: search.seed: ", "found -1");
    CHECK_ERROR("search: {method: random, n: 2, sead: 1}\ngrid: {}\n", "1:32: search.sead: ", "did you mean \"seed\"?");
    CHECK_ERROR("search: {method: random, n: 3}\ngrid:\n  learning_rate: {loguniform: [0, 1]}\n",
                "3:32: grid.learning_rate.loguniform[0]: ", "expected a positive number, found 0");
    CHECK_ERROR("search: {method: random, n: 3}\ngrid:\n  learning_rate: {uniform: [0.5, 0.1]}\n",
                "3:28: grid.learning_rate.uniform: ", "expected low < high, found [0.5, 0.1]");
    CHECK_ERROR("search: {method: random, n: 3}\ngrid:\n  hidden_dim: {randint: [1, 1048578]}\n",
                "3:29: grid.hidden_dim.randint[1]: ", "high is excluded");
    CHECK_ERROR("search: {method: random, n: 3}\ngrid:\n  hidden_dim: {randint: [4, 4]}\n",
                "3:25: grid.hidden_dim.randint: ", "expected low < high (high is excluded), found [4, 4]");
    CHECK_ERROR("search: {method: random, n: 3}\ngrid:\n  learning_rate: {randint: [1, 4]}\n",
                "3:18: grid.learning_rate.randint: ", "expected uniform or loguniform on this axis");
    CHECK_ERROR("search: {method: random, n: 3}\ngrid:\n  shuffle: {uniform: [0, 1]}\n",
                "3:12: grid.shuffle.uniform: ", "expected a list [false, true] to draw from");
    CHECK_ERROR("search: {method: random, n: 3}\ngrid:\n  - {epochs: 1}\n  - {epochs: 2}\n",
                "4:5: grid: ", "expected one mapping of axes with search.method: random, found a list of 2 sub-grids");
}

static void sub_grids_parse_and_may_not_share_a_config(void) {
    Spec s;
    char err[ERR_LEN] = "";
    CHECK(parse(&s, "grid:\n  - hidden_dim: [4, 8]\n    seed: [0, 1]\n  - hidden_dim: 8\n    seed: 2\n", err) == 0);
    CHECK(s.n_grids == 2);
    CHECK_LOC(s.grids[0].loc, 2, 5);
    CHECK_LOC(s.grids[1].loc, 4, 5);
    CHECK(s.grids[1].axes[AXIS_EPOCHS].n_values == 1 && s.grids[1].axes[AXIS_EPOCHS].ints[0] == 1000);
    spec_free(&s);
    CHECK_ERROR("grid:\n  - hidden_dim: [4, 8]\n    seed: [0, 1]\n  - hidden_dim: [16, 8]\n    seed: [3, 1]\n",
                "4:5: grid[1]: ", "expected configs that no other sub-grid has, found hidden_dim 8, learning_rate 0.01, "
                "batch_size 32, epochs 1000, seed 1, init_scale 0.01, shuffle false, optimizer sgd, momentum 0.9, "
                "weight_decay 0, activation relu, init normal, patience 0, min_delta 0, also in grid[0] at " PATH ":2:5");
    CHECK_ERROR("grid:\n  - {epochs: 3}\n  - {epochs: 3, learning_rate: 0.01}\n", "3:5: grid[1]: ", "also in grid[0] at " PATH ":2:5");
    CHECK_ERROR("grid: []\n", "1:7: grid: ", "found an empty list");
    CHECK_ERROR("grid:\n  - {epochs: 3}\n  - {epochz: 3}\n", "3:6: grid[1].epochz: ", "did you mean \"epochs\"?");
    CHECK_ERROR("grid:\n  - {epochs: 3}\n  - {epochs: 0}\n", "3:14: grid[1].epochs: ", "expected an integer from 1");
}

int main(void) {
    RUN(search_and_distributions_parse);
    RUN(search_errors_are_located);
    RUN(sub_grids_parse_and_may_not_share_a_config);
    RUN(parses_the_design_example);
    RUN(missing_keys_take_the_tutorial_defaults);
    RUN(axis_names_and_kinds_follow_the_fixed_order);
    RUN(name_defaults_to_the_file_stem);
    RUN(scalar_is_one_fixed_value_and_a_list_sweeps);
    RUN(block_and_flow_lists_give_the_same_values);
    RUN(key_order_does_not_change_the_spec);
    RUN(anchors_and_aliases_resolve);
    RUN(range_counts_like_python);
    RUN(range_handles_extreme_integers);
    RUN(range_on_a_real_axis_gives_whole_numbers);
    RUN(linspace_hits_its_end_values_exactly);
    RUN(linspace_runs_downwards_too);
    RUN(geomspace_hits_its_end_values_exactly);
    RUN(geomspace_on_an_integer_axis_rounds_to_whole_numbers);
    RUN(a_range_form_of_one_value_gives_its_start);
    RUN(block_range_form_points_at_its_key);
    RUN(shuffle_takes_booleans_and_zero_or_one);
    RUN(integers_take_a_sign_and_reals_an_exponent);
    RUN(csv_source_resolves_against_the_spec_folder);
    RUN(scale_takes_each_of_its_names);
    RUN(spec_free_is_safe_on_a_zeroed_spec_and_twice);
    RUN(spec_load_reads_the_file);
    RUN(unreadable_file_names_the_reason);
    RUN(batch_size_above_the_training_set_points_at_the_value);
    RUN(folds_and_repeats_parse_with_their_defaults);
    RUN(fold_errors_are_located);
    RUN(batch_size_must_fit_the_smallest_fold_training_set);
    RUN(design_example_error_reads_as_documented);
    RUN(yaml_syntax_error_points_at_the_problem);
    RUN(invalid_utf8_points_at_the_byte);
    RUN(nul_byte_is_a_syntax_error);
    RUN(empty_file_or_a_non_mapping_top_is_an_error);
    RUN(a_second_document_is_an_error);
    RUN(missing_grid_is_an_error);
    RUN(unknown_key_suggests_the_closest);
    RUN(unknown_key_without_a_near_one_lists_the_valid_ones);
    RUN(patience_needs_validation_folds);
    RUN(key_at_the_wrong_level_is_pointed_home);
    RUN(duplicate_key_says_where_the_first_was);
    RUN(non_scalar_key_is_an_error);
    RUN(empty_list_is_an_error);
    RUN(nested_list_is_an_error);
    RUN(duplicate_value_names_both_places);
    RUN(duplicate_value_from_a_range_form_is_an_error);
    RUN(wrong_length_in_a_range_form_is_an_error);
    RUN(empty_range_is_an_error);
    RUN(range_step_zero_is_an_error);
    RUN(range_needs_integers);
    RUN(linspace_count_must_be_a_positive_integer);
    RUN(geomspace_needs_positive_ends);
    RUN(generated_values_are_checked_like_written_ones);
    RUN(unknown_range_form_suggests_the_closest);
    RUN(out_of_range_values_name_the_bounds);
    RUN(quoted_number_is_a_string);
    RUN(empty_or_null_value_is_named);
    RUN(comma_separated_scalar_gets_a_list_hint);
    RUN(wrong_types_at_the_top_are_errors);
    RUN(data_fields_are_checked);
    RUN(task_keys_become_a_request);
    RUN(message_stays_on_one_line_and_short);
    RUN(huge_range_is_refused_before_allocating);
    RUN(any_prefix_or_corruption_fails_cleanly);
    RUN(bad_fixtures_fail_where_their_comment_says);
    RUN(tiny_fixture_is_a_small_valid_sweep);
    return CHECK_SUMMARY();
}
