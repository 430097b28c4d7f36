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

int main(void) {
    RUN(last_axis_varies_fastest);
    RUN(weights_rows_count_within_each_hidden_size);
    RUN(missing_axes_take_the_tutorial_values);
    RUN(max_epochs_is_the_largest_epochs_value);
    RUN(an_enormous_grid_is_refused_before_allocating);
    return CHECK_SUMMARY();
}
