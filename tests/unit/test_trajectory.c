// test_trajectory.c: configs that differ only in epochs grouped into one unit, in ascending
// epochs; units most expensive first; each config's added work; and a run advanced in steps
// bitwise equal to one run straight through.
#include "check.h"
#include "fixture.h"
#include "grid.h"
#include "sweep.h"
#include "train.h"
#include "trajectory.h"

static void configs_differing_only_in_epochs_form_one_unit(void) {
    Spec s; Grid g; Dataset d; Table t;
    CHECK(fixture_setup(&s, &g, &d, &t, "grid:\n  hidden_dim: [4, 8]\n  epochs: [30, 10, 20]\n  seed: [0, 1]\n") == 0);
    int64_t ids[12];
    for (int i = 0; i < 12; i++) ids[i] = 11 - i;
    Trajectories tr;
    CHECK(trajectory_group(&tr, &g, &d, ids, 12) == 0);
    CHECK(tr.n_units == 4);
    CHECK(tr.start[tr.n_units] == 12);
    for (int64_t u = 0; u < tr.n_units; u++) {
        const int64_t *m = tr.ids + tr.start[u];
        CHECK(tr.start[u + 1] - tr.start[u] == 3);
        for (int k = 0; k < 3; k++) {   // ascending epochs, nothing else differing
            CHECK(g.configs[m[k]].hyper.epochs == (k + 1) * 10);
            CHECK(train_compare_but_epochs(&g.configs[m[k]].hyper, &g.configs[m[0]].hyper) == 0);
        }
        CHECK(tr.flops[u] == train_flops(&g.configs[m[2]].hyper, &d));
        double sum = 0.0;
        for (int k = 0; k < 3; k++) sum += trajectory_step_flops(&tr, &g, &d, u, k);
        CHECK_NEAR(sum, tr.flops[u], 1e-12);
        if (u > 0) CHECK(tr.flops[u] <= tr.flops[u - 1]);   // most expensive first
    }
    CHECK(g.configs[tr.ids[0]].hyper.hidden_dim == 8);
    CHECK_NEAR(trajectory_total_flops(&tr), tr.flops[0] * 2 + tr.flops[3] * 2, 1e-12);
    trajectory_free(&tr);
    // Only the ids given share (a shard's own): hidden 4 and seed 0 at 30 and 20 epochs.
    int64_t some[2] = {0, 4};
    CHECK(trajectory_group(&tr, &g, &d, some, 2) == 0);
    CHECK(tr.n_units == 1 && tr.start[1] == 2 && tr.ids[0] == 4 && tr.ids[1] == 0);
    trajectory_free(&tr);
    fixture_teardown(&s, &g, &d, &t);
}

static void advancing_in_steps_is_bitwise_one_run(void) {
    Spec s; Grid g; Dataset d; Table t;
    CHECK(fixture_setup(&s, &g, &d, &t, "grid:\n  hidden_dim: 8\n  epochs: 25\n  shuffle: true\n  learning_rate: 0.3\n") == 0);
    Run a, b;
    CHECK(train_init(&a, &d, &g.configs[0].hyper) == 0);
    CHECK(train_init(&b, &d, &g.configs[0].hyper) == 0);
    CHECK(train_run(&a, &d, NULL) == 0);
    train_begin(&b, &d);
    CHECK(train_advance(&b, &d, 7, NULL) == 0);
    CHECK(b.epochs_run == 7 && b.final[CURVE_TRAIN_LOSS] == a.curves[CURVE_TRAIN_LOSS][6]);
    CHECK(train_advance(&b, &d, 25, NULL) == 0);
    CHECK(b.epochs_run == a.epochs_run && b.status == a.status && b.best_epoch == a.best_epoch);
    for (int c = 0; c < N_CURVES; c++) {
        CHECK(memcmp(&a.final[c], &b.final[c], sizeof(double)) == 0);
        CHECK(memcmp(a.curves[c], b.curves[c], 25 * sizeof(double)) == 0);
    }
    CHECK(memcmp(a.model.W1, b.model.W1, (size_t)(d.n_features * 8) * sizeof(double)) == 0);
    CHECK(memcmp(a.model.W2, b.model.W2, 8 * sizeof(double)) == 0);
    CHECK(memcmp(a.model.b2, b.model.b2, sizeof(double)) == 0);
    train_free(&a);
    train_free(&b);
    fixture_teardown(&s, &g, &d, &t);
}

int main(void) {
    RUN(configs_differing_only_in_epochs_form_one_unit);
    RUN(advancing_in_steps_is_bitwise_one_run);
    return CHECK_SUMMARY();
}
