// test_grid.c: the Cartesian product in the fixed axis order.
#include "check.h"
#include "grid.h"
#include "sweep.h"

static int parse(Spec *s, const char *text) {
    char err[ERR_LEN];
    int rc = spec_parse(s, "mem.yaml", text, strlen(text), err);
    if (rc) fprintf(stderr, "  %s\n", err);
    return rc;
}

static void last_axis_varies_fastest(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  seed: [5, 6, 7]\n  hidden_dim: [4, 8]\n  learning_rate: [0.1, 0.2]\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 12);
    // hidden_dim slowest, then learning_rate, then seed (key order in the file does not matter)
    CHECK(g.configs[0].hyper.hidden_dim == 4 && g.configs[0].hyper.learning_rate == 0.1 && g.configs[0].hyper.seed == 5);
    CHECK(g.configs[1].hyper.seed == 6);
    CHECK(g.configs[3].hyper.learning_rate == 0.2 && g.configs[3].hyper.seed == 5);
    CHECK(g.configs[6].hyper.hidden_dim == 8 && g.configs[6].hyper.learning_rate == 0.1);
    CHECK(g.configs[11].hyper.hidden_dim == 8 && g.configs[11].hyper.learning_rate == 0.2 && g.configs[11].hyper.seed == 7);
    for (int64_t i = 0; i < g.n_configs; i++) CHECK(g.configs[i].id == i);
    grid_free(&g);
    spec_free(&s);
}

static void weights_rows_count_within_each_hidden_size(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  hidden_dim: [16, 4, 9]\n  seed: {range: [0, 3]}\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_hidden == 3);
    CHECK(g.hidden_dims[0] == 16 && g.hidden_dims[1] == 4 && g.hidden_dims[2] == 9);
    for (int k = 0; k < 3; k++) CHECK(g.n_per_hidden[k] == 3);
    for (int64_t i = 0; i < g.n_configs; i++) CHECK(g.configs[i].weights_row == i % 3);
    CHECK(grid_hidden_index(&g, 9) == 2);
    CHECK(grid_hidden_index(&g, 5) == -1);
    grid_free(&g);
    spec_free(&s);
}

static void missing_axes_take_the_tutorial_values(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  seed: 3\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 1);
    const Hyper *h = &g.configs[0].hyper;
    CHECK(h->hidden_dim == 128 && h->learning_rate == 0.01 && h->batch_size == 32);
    CHECK(h->epochs == 1000 && h->seed == 3 && h->init_scale == 0.01 && h->shuffle == 0);
    CHECK(g.max_epochs == 1000);
    grid_free(&g);
    spec_free(&s);
}

static void max_epochs_is_the_largest_epochs_value(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  epochs: [5, 50, 20]\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.max_epochs == 50);
    grid_free(&g);
    spec_free(&s);
}

static void an_enormous_grid_is_refused_before_allocating(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  seed: {range: [0, 100000]}\n  hidden_dim: {range: [1, 1001]}\n") == 0);
    CHECK(grid_expand(&g, &s, err) == SWEEP_ERR_USAGE);
    CHECK_STR_CONTAINS(err, "configs");
    spec_free(&s);
}

// A v1 grid keeps its ids: the Cartesian product of all seven axes, seed among them, even when
// axes after seed (init_scale, shuffle) are swept.
static void plain_grid_ids_are_the_seven_axis_product(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  hidden_dim: [4, 8]\n  learning_rate: [0.1, 0.2, 0.3]\n  seed: [0, 7]\n"
                    "  init_scale: [0.01, 0.1]\n  shuffle: [false, true]\n  epochs: [1, 2]\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 2 * 3 * 2 * 2 * 2 * 2 && g.n_settings == g.n_configs / 2);
    const SpecAxis *ax = s.grids[0].axes;
    for (int64_t id = 0; id < g.n_configs; id++) {
        int64_t d[N_AXES], rest = id;
        for (int a = N_AXES - 1; a >= 0; a--) { d[a] = rest % ax[a].n_values; rest /= ax[a].n_values; }
        const Hyper *h = &g.configs[id].hyper;
        CHECK(g.configs[id].id == id);
        CHECK(h->hidden_dim == ax[AXIS_HIDDEN_DIM].ints[d[AXIS_HIDDEN_DIM]]);
        CHECK(h->learning_rate == ax[AXIS_LEARNING_RATE].reals[d[AXIS_LEARNING_RATE]]);
        CHECK(h->epochs == ax[AXIS_EPOCHS].ints[d[AXIS_EPOCHS]]);
        CHECK(h->seed == (uint64_t)ax[AXIS_SEED].ints[d[AXIS_SEED]]);
        CHECK(h->init_scale == ax[AXIS_INIT_SCALE].reals[d[AXIS_INIT_SCALE]]);
        CHECK(h->shuffle == ax[AXIS_SHUFFLE].ints[d[AXIS_SHUFFLE]]);
    }
    grid_free(&g);
    spec_free(&s);
}

// Sub-grids: the union in list order; hidden sizes in order of first appearance.
static void sub_grids_follow_each_other(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  - {hidden_dim: [16, 4], seed: [0, 1]}\n  - {hidden_dim: [8, 16], learning_rate: 0.5}\n") == 0);
    CHECK(s.n_grids == 2);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 6);
    static const int64_t hid[6] = {16, 16, 4, 4, 8, 16};
    static const uint64_t seed[6] = {0, 1, 0, 1, 0, 0};
    for (int i = 0; i < 6; i++) CHECK(g.configs[i].hyper.hidden_dim == hid[i] && g.configs[i].hyper.seed == seed[i]);
    CHECK(g.configs[5].hyper.learning_rate == 0.5 && g.configs[0].hyper.learning_rate == 0.01);
    CHECK(g.n_hidden == 3 && g.hidden_dims[0] == 16 && g.hidden_dims[1] == 4 && g.hidden_dims[2] == 8);
    CHECK(g.n_per_hidden[0] == 3 && g.n_per_hidden[1] == 2 && g.n_per_hidden[2] == 1);
    CHECK(g.configs[5].weights_row == 2 && g.configs[4].weights_row == 0);
    grid_free(&g);
    spec_free(&s);
}

// Random search: settings in draw order, each with every seed, the seeds consecutive.
static void random_settings_are_crossed_with_every_seed(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "search: {method: random, n: 7, seed: 1}\ngrid:\n  learning_rate: {loguniform: [0.001, 1]}\n"
                    "  hidden_dim: {randint: [2, 40]}\n  seed: [3, 4, 5]\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 21 && g.n_settings == 7);
    for (int64_t k = 0; k < 7; k++)
        for (int64_t j = 0; j < 3; j++) {
            const Hyper *h = &g.configs[k * 3 + j].hyper, *first = &g.configs[k * 3].hyper;
            CHECK(h->seed == (uint64_t)(3 + j));
            CHECK(h->learning_rate == first->learning_rate && h->hidden_dim == first->hidden_dim);
        }
    CHECK(g.configs[0].hyper.learning_rate != g.configs[3].hyper.learning_rate);
    grid_free(&g);
    spec_free(&s);
}

// The grid of configs costs no more per config than its id, its weights row and one value per
// axis (random search and sub-grids add nothing per config): 72 bytes for the seven axes of
// v1, 80 with the data split's repeat and fold, 96 with the training recipe (momentum and
// weight_decay 8 bytes each, optimizer, activation and init one byte each), 112 with early
// stopping's patience and min_delta.
static void a_config_is_no_larger_than_before(void) {
    CHECK(sizeof(Config) == 2 * sizeof(int64_t) + sizeof(Hyper));
    CHECK(sizeof(Config) <= 112);
}

// The recipe's axes come after shuffle in the fixed order, so they vary faster than seed; with
// sub-grids each carries its own recipe.
static void recipe_axes_follow_seed_in_the_fixed_order(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    CHECK(parse(&s, "grid:\n  activation: [relu, tanh]\n  seed: [0, 1]\n  optimizer: [sgd, adam]\n"
                    "  weight_decay: [0, 0.5]\n  momentum: 0.7\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 16 && g.n_settings == 8);
    for (int64_t i = 0; i < 16; i++) {   // id = ((seed * 2 + optimizer) * 2 + weight_decay) * 2 + activation
        const Hyper *h = &g.configs[i].hyper;
        CHECK(h->seed == (uint64_t)(i / 8) && h->optimizer == (i / 4 % 2 ? OPTIM_ADAM : OPTIM_SGD));
        CHECK(h->weight_decay == (i / 2 % 2 ? 0.5 : 0.0) && h->activation == (i % 2 ? MLP_TANH : MLP_RELU));
        CHECK(h->momentum == 0.7 && h->init == MLP_INIT_NORMAL);
    }
    grid_free(&g);
    spec_free(&s);
    CHECK(parse(&s, "grid:\n  - {optimizer: adam, init: he_normal, seed: [0, 1]}\n  - {optimizer: [sgd, nesterov]}\n") == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 4);
    CHECK(g.configs[1].hyper.optimizer == OPTIM_ADAM && g.configs[1].hyper.init == MLP_INIT_HE_NORMAL && g.configs[1].hyper.seed == 1);
    CHECK(g.configs[3].hyper.optimizer == OPTIM_NESTEROV && g.configs[3].hyper.init == MLP_INIT_NORMAL);
    GridSpread sp;
    CHECK(grid_spread(&g, AXIS_OPTIMIZER, 4, &sp) == 0 && sp.n_distinct == 3 && sp.max == OPTIM_ADAM);
    grid_free(&g);
    spec_free(&s);
}

int main(void) {
    RUN(plain_grid_ids_are_the_seven_axis_product);
    RUN(sub_grids_follow_each_other);
    RUN(random_settings_are_crossed_with_every_seed);
    RUN(a_config_is_no_larger_than_before);
    RUN(recipe_axes_follow_seed_in_the_fixed_order);
    RUN(last_axis_varies_fastest);
    RUN(weights_rows_count_within_each_hidden_size);
    RUN(missing_axes_take_the_tutorial_values);
    RUN(max_epochs_is_the_largest_epochs_value);
    RUN(an_enormous_grid_is_refused_before_allocating);
    return CHECK_SUMMARY();
}
