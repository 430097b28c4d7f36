// test_stats.c: grouping configs by axes and the moments of each group.
#include "check.h"
#include "stats.h"

// Six configs: hidden 4/8 x seed 0/1/2, seeds fastest; config 5 diverged.
static void fixture(ConfigRow c[6], SummaryRow s[6]) {
    for (int i = 0; i < 6; i++) {
        c[i] = (ConfigRow){.id = i, .weights_row = i % 3,
                           .hyper = {.hidden_dim = i < 3 ? 4 : 8, .learning_rate = 0.1, .batch_size = 32, .epochs = 10,
                                     .seed = (uint64_t)(i % 3), .init_scale = 0.01, .shuffle = 0}};
        s[i] = (SummaryRow){.id = i, .status = STATUS_DONE, .final_test_acc = 0.5 + 0.1 * i,
                            .final_train_loss = 1.0, .final_train_acc = 0.9, .final_test_loss = i, .best_test_acc = 1.0};
    }
    s[5].status = STATUS_DIVERGED;
    s[5].final_test_acc = NAN;
}

static void settings_group_configs_that_differ_only_in_seed(void) {
    ConfigRow c[6];
    SummaryRow s[6];
    fixture(c, s);
    Groups g;
    CHECK(stats_group(&g, c, s, 6, STATS_SETTING_AXES) == 0);
    CHECK(g.n_groups == 2);
    for (int i = 0; i < 6; i++) CHECK(g.group_of[i] == (i < 3 ? 0 : 1));
    CHECK(g.groups[0].first == 0 && g.groups[1].first == 3);
    CHECK(g.groups[0].n_configs == 3 && g.groups[0].n_done == 3);
    CHECK(g.groups[1].n_done == 2 && g.groups[1].n_diverged == 1);
    CHECK_NEAR(g.groups[0].mean[STAT_FINAL_TEST_ACC], 0.6, 1e-15);
    CHECK_NEAR(g.groups[0].std[STAT_FINAL_TEST_ACC], 0.1, 1e-14);          // sample std of .5 .6 .7
    CHECK_NEAR(g.groups[1].mean[STAT_FINAL_TEST_ACC], 0.85, 1e-15);        // the diverged one left out
    CHECK_NEAR(g.groups[1].std[STAT_FINAL_TEST_ACC], sqrt(0.005), 1e-14);
    stats_free(&g);
}

static void groups_are_numbered_by_their_first_config(void) {
    ConfigRow c[6];
    SummaryRow s[6];
    fixture(c, s);
    Groups g;
    CHECK(stats_group(&g, c, s, 6, AXIS_BIT(AXIS_SEED)) == 0);   // by seed: 0 (ids 0,3), 1, 2
    CHECK(g.n_groups == 3);
    CHECK(g.group_of[0] == 0 && g.group_of[3] == 0 && g.group_of[1] == 1 && g.group_of[5] == 2);
    CHECK(g.groups[2].first == 2 && g.groups[2].n_done == 1);
    CHECK(isnan(g.groups[2].std[STAT_FINAL_TEST_ACC]));           // one done config: no std
    stats_free(&g);
}

static void an_empty_mask_is_one_group_and_no_summary_gives_counts_only(void) {
    ConfigRow c[6];
    SummaryRow s[6];
    fixture(c, s);
    Groups g;
    CHECK(stats_group(&g, c, NULL, 6, 0) == 0);
    CHECK(g.n_groups == 1 && g.groups[0].n_configs == 6 && g.groups[0].n_done == 0);
    CHECK(isnan(g.groups[0].mean[STAT_BEST_TEST_ACC]));
    stats_free(&g);
    CHECK(stats_group(&g, c, s, 0, STATS_SETTING_AXES) == 0);
    CHECK(g.n_groups == 0);
    stats_free(&g);
}

static void ids_from_a_damaged_file_are_refused(void) {
    ConfigRow c[6];
    SummaryRow s[6];
    fixture(c, s);
    Groups g;
    c[4].id = 1 << 20;   // out of range: never used as an index
    CHECK(stats_group(&g, c, s, 6, STATS_SETTING_AXES) == GROUP_ERR_ID);
    CHECK(!g.group_of && !g.groups && g.n_groups == 0);
    stats_free(&g);
    c[4].id = -3;
    CHECK(stats_group(&g, c, s, 6, STATS_SETTING_AXES) == GROUP_ERR_ID);
    c[4].id = 2;         // twice
    CHECK(stats_group(&g, c, s, 6, STATS_SETTING_AXES) == GROUP_ERR_ID);
    c[4].id = 4;
    c[1].hyper.learning_rate = NAN;   // a damaged value: a group of its own, the order still total
    CHECK(stats_group(&g, c, s, 6, STATS_SETTING_AXES) == 0);
    CHECK(g.n_groups == 3 && g.group_of[1] == 1 && g.group_of[2] == 0 && g.group_of[3] == 2);
    CHECK(g.members[g.start[0]] == 0 && g.members[g.start[0] + 1] == 2 && g.start[1] == 2);
    stats_free(&g);
}

int main(void) {
    RUN(settings_group_configs_that_differ_only_in_seed);
    RUN(groups_are_numbered_by_their_first_config);
    RUN(an_empty_mask_is_one_group_and_no_summary_gives_counts_only);
    RUN(ids_from_a_damaged_file_are_refused);
    return CHECK_SUMMARY();
}
