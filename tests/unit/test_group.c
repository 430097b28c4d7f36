// test_group.c: grouping by a key, groups numbered by their first id; ids checked before use;
// the setting's axes.
#include "check.h"
#include "group.h"
#include "sweep.h"

// Keys by id: ids with the same key value are one group.
static int by_value(int64_t a, int64_t b, void *ctx) {
    const int *key = ctx;
    return (key[a] > key[b]) - (key[a] < key[b]);
}

static void groups_are_numbered_by_their_first_id(void) {
    int key[7] = {5, 1, 5, 3, 1, 9, 3};   // items 0..6, ids = items
    Grouping g;
    CHECK(group_by(&g, NULL, 7, 7, by_value, key) == GROUP_OK);
    CHECK(g.n_groups == 4);
    // key 5: ids 0, 2; key 1: 1, 4; key 3: 3, 6; key 9: 5
    int64_t want_of[7] = {0, 1, 0, 2, 1, 3, 2}, want_members[7] = {0, 2, 1, 4, 3, 6, 5}, want_start[5] = {0, 2, 4, 6, 7};
    for (int i = 0; i < 7; i++) CHECK(g.group_of[i] == want_of[i] && g.members[i] == want_members[i]);
    for (int k = 0; k < 5; k++) CHECK(g.start[k] == want_start[k]);
    group_free(&g);
}

static void ids_number_the_groups_and_index_group_of(void) {
    int key[10] = {[9] = 2, [4] = 2, [1] = 7, [6] = 2};   // by id
    int64_t ids[4] = {9, 4, 1, 6};   // out of order, some ids absent
    Grouping g;
    CHECK(group_by(&g, ids, 4, 10, by_value, key) == GROUP_OK);
    CHECK(g.n_groups == 2 && g.n_ids == 10);
    CHECK(g.members[0] == 1 && g.start[1] == 1);                       // key 7 holds id 1: group 0
    CHECK(g.members[1] == 4 && g.members[2] == 6 && g.members[3] == 9);  // key 2: ascending ids
    CHECK(g.group_of[1] == 0 && g.group_of[4] == 1 && g.group_of[6] == 1 && g.group_of[9] == 1);
    CHECK(g.group_of[0] == -1 && g.group_of[5] == -1);               // not given
    group_free(&g);
    CHECK(group_by(&g, NULL, 0, 0, by_value, key) == GROUP_OK && g.n_groups == 0 && g.start[0] == 0);
    group_free(&g);
}

static void ids_out_of_range_or_repeated_are_refused(void) {
    int key[3] = {0, 0, 0};
    Grouping g;
    int64_t high[3] = {0, 1, 3}, low[3] = {0, -1, 2}, twice[3] = {2, 0, 2};
    CHECK(group_by(&g, high, 3, 3, by_value, key) == GROUP_ERR_ID);
    CHECK(g.n_groups == 0 && !g.group_of && !g.members && !g.start);
    CHECK(group_by(&g, low, 3, 3, by_value, key) == GROUP_ERR_ID);
    CHECK(group_by(&g, twice, 3, 3, by_value, key) == GROUP_ERR_ID);
    int64_t huge[1] = {INT64_MAX};
    CHECK(group_by(&g, huge, 1, 1, by_value, key) == GROUP_ERR_ID);
    group_free(&g);
}

static void a_setting_is_every_axis_but_seed(void) {
    Spec s = {0};
    Grid g;
    char err[ERR_LEN];
    const char *text = "data:\n  folds: 2\ngrid:\n  hidden_dim: [4, 8]\n  seed: [0, 1]\n  learning_rate: [0.1, 0.2]\n";
    CHECK(spec_parse(&s, "mem.yaml", text, strlen(text), err) == 0);
    CHECK(grid_expand(&g, &s, err) == 0);
    CHECK(g.n_configs == 16);
    Grouping gr;
    CHECK(group_configs(&gr, &g, NULL, g.n_configs, SETTING_AXES) == GROUP_OK);
    CHECK(gr.n_groups == 4 && gr.n_groups == g.n_settings);
    for (int64_t k = 0; k < gr.n_groups; k++) {
        CHECK(gr.start[k + 1] - gr.start[k] == 4);   // 2 seeds x 2 folds
        const Hyper *first = &g.configs[gr.members[gr.start[k]]].hyper;
        for (int64_t q = gr.start[k]; q < gr.start[k + 1]; q++) {
            const Hyper *h = &g.configs[gr.members[q]].hyper;
            CHECK(h->hidden_dim == first->hidden_dim && h->learning_rate == first->learning_rate);
            if (q > gr.start[k]) CHECK(gr.members[q] > gr.members[q - 1]);
        }
        if (k > 0) CHECK(gr.members[gr.start[k]] > gr.members[gr.start[k - 1]]);   // by first id
    }
    group_free(&gr);
    // A subset of ids: only those are grouped; seed alone as the key.
    int64_t some[3] = {5, 0, 2};
    CHECK(group_configs(&gr, &g, some, 3, AXIS_BIT(AXIS_SEED)) == GROUP_OK);
    CHECK(gr.n_groups == 2 && gr.group_of[0] == 0 && gr.group_of[2] == 1 && gr.group_of[5] == 0 && gr.group_of[1] == -1);
    group_free(&gr);
    int64_t bad[1] = {16};
    CHECK(group_configs(&gr, &g, bad, 1, SETTING_AXES) == GROUP_ERR_ID);
    group_free(&gr);
    grid_free(&g);
    spec_free(&s);
}

static void axes_compare_in_a_total_order(void) {
    Hyper a = {.hidden_dim = 4, .learning_rate = 0.1, .seed = 3}, b = a;
    CHECK(group_compare_axes(&a, &b, SETTING_AXES) == 0);
    b.seed = 4;
    CHECK(group_compare_axes(&a, &b, SETTING_AXES) == 0);            // seed is no part of a setting
    CHECK(group_compare_axes(&a, &b, AXIS_BIT(AXIS_SEED)) < 0);
    b.repeat = 1;
    b.fold = 1;
    CHECK(group_compare_axes(&a, &b, SETTING_AXES) == 0);            // nor the data split
    b.learning_rate = NAN;
    CHECK(group_compare_axes(&a, &b, SETTING_AXES) < 0 && group_compare_axes(&b, &a, SETTING_AXES) > 0);
    a.learning_rate = NAN;
    CHECK(group_compare_axes(&a, &b, SETTING_AXES) == 0);
    a.hidden_dim = 8;
    CHECK(group_compare_axes(&a, &b, SETTING_AXES) > 0);
}

int main(void) {
    RUN(groups_are_numbered_by_their_first_id);
    RUN(ids_number_the_groups_and_index_group_of);
    RUN(ids_out_of_range_or_repeated_are_refused);
    RUN(a_setting_is_every_axis_but_seed);
    RUN(axes_compare_in_a_total_order);
    return CHECK_SUMMARY();
}
