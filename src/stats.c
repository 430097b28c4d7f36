// stats.c: grouping configs by axes, and mean / sample std of the summary columns per group.
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const STAT_NAMES[N_STATS] = {"final_train_loss", "final_train_acc", "final_test_loss",
                                         "final_test_acc",   "best_test_acc",   "final_val_loss",
                                         "final_val_acc",    "best_val_loss"};

double stats_axis_value(const ConfigRow *c, AxisId a) {
    switch (a) {
    case AXIS_HIDDEN_DIM: return (double)c->hidden_dim;
    case AXIS_LEARNING_RATE: return c->learning_rate;
    case AXIS_BATCH_SIZE: return (double)c->batch_size;
    case AXIS_EPOCHS: return (double)c->epochs;
    case AXIS_SEED: return (double)c->seed;
    case AXIS_INIT_SCALE: return c->init_scale;
    case AXIS_SHUFFLE: return (double)c->shuffle;
    case AXIS_OPTIMIZER: return (double)c->optimizer;
    case AXIS_MOMENTUM: return c->momentum;
    case AXIS_WEIGHT_DECAY: return c->weight_decay;
    case AXIS_ACTIVATION: return (double)c->activation;
    case AXIS_INIT: return (double)c->init;
    case AXIS_PATIENCE: return (double)c->patience;
    case AXIS_MIN_DELTA: return c->min_delta;
    default: return NAN;
    }
}

int64_t stats_axis_int(const ConfigRow *c, AxisId a) {
    switch (a) {
    case AXIS_HIDDEN_DIM: return c->hidden_dim;
    case AXIS_BATCH_SIZE: return c->batch_size;
    case AXIS_EPOCHS: return c->epochs;
    case AXIS_SEED: return c->seed;
    case AXIS_SHUFFLE: return c->shuffle;
    case AXIS_OPTIMIZER: return c->optimizer;
    case AXIS_ACTIVATION: return c->activation;
    case AXIS_INIT: return c->init;
    case AXIS_PATIENCE: return c->patience;
    default: return 0;
    }
}

double stats_value(const SummaryRow *s, int k) {
    switch (k) {
    case STAT_FINAL_TRAIN_LOSS: return s->final_train_loss;
    case STAT_FINAL_TRAIN_ACC: return s->final_train_acc;
    case STAT_FINAL_TEST_LOSS: return s->final_test_loss;
    case STAT_FINAL_TEST_ACC: return s->final_test_acc;
    case STAT_BEST_TEST_ACC: return s->best_test_acc;
    case STAT_FINAL_VAL_LOSS: return s->final_val_loss;
    case STAT_FINAL_VAL_ACC: return s->final_val_acc;
    default: return s->best_val_loss;
    }
}

int stats_lower_is_better(int k) {
    return k == STAT_FINAL_TRAIN_LOSS || k == STAT_FINAL_TEST_LOSS || k == STAT_FINAL_VAL_LOSS || k == STAT_BEST_VAL_LOSS;
}

int stats_find(const char *name) {
    for (int k = 0; k < N_STATS; k++)
        if (strcmp(name, STAT_NAMES[k]) == 0) return k;
    return -1;
}

// Sorting ids by the masked axes, ties by id, puts each group's configs together with its
// first config leading. (qsort has no context argument: the comparison gets it this way.)
typedef struct {
    const ConfigRow *row;
    unsigned axes;
} Keyed;

static int compare_keyed(const void *pa, const void *pb) {
    const Keyed *a = pa, *b = pb;
    for (int ax = 0; ax < N_AXES; ax++) {
        if (!(a->axes & AXIS_BIT(ax))) continue;
        double x = stats_axis_value(a->row, (AxisId)ax), y = stats_axis_value(b->row, (AxisId)ax);
        if (x != y) return x < y ? -1 : 1;
    }
    return (a->row->id > b->row->id) - (a->row->id < b->row->id);
}

static int same_key(const ConfigRow *a, const ConfigRow *b, unsigned axes) {
    for (int ax = 0; ax < N_AXES; ax++)
        if ((axes & AXIS_BIT(ax)) && stats_axis_value(a, (AxisId)ax) != stats_axis_value(b, (AxisId)ax)) return 0;
    return 1;
}

// Mean and sample std of the done configs' values, two-pass for accuracy.
void stats_moments(const double *x, int64_t n, int64_t stride, double *mean, double *std) {
    double sum = 0.0, ss = 0.0;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(x[i * stride])) { sum += x[i * stride]; k++; }
    double m = k ? sum / (double)k : NAN;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(x[i * stride])) { double d = x[i * stride] - m; ss += d * d; }   // two passes: no cancellation
    *mean = m;
    *std = k >= 2 ? sqrt(ss / (double)(k - 1)) : NAN;
}

// Each summary column's moments over the group's done configs (values: scratch of n_members).
static void group_moments(GroupStats *gs, const int64_t *members, int64_t n_members, const SummaryRow *summary,
                          double *values) {
    for (int k = 0; k < N_STATS; k++) {
        int64_t n = 0;
        for (int64_t i = 0; i < n_members; i++)
            if (summary[members[i]].status == STATUS_DONE) values[n++] = stats_value(&summary[members[i]], k);
        stats_moments(values, n, 1, &gs->mean[k], &gs->std[k]);
    }
}

// A run of equal keys in the sorted order: one group.
typedef struct {
    int64_t first, start, len;   // first config id, position and length in the sorted order
} KeyRun;

static int by_first_id(const void *pa, const void *pb) {
    const KeyRun *a = pa, *b = pb;
    return (a->first > b->first) - (a->first < b->first);
}

int stats_group(Groups *g, const ConfigRow *configs, const SummaryRow *summary, int64_t n, unsigned axes) {
    memset(g, 0, sizeof *g);
    size_t cap = (size_t)(n > 0 ? n : 1);
    Keyed *keyed = malloc(cap * sizeof *keyed);
    KeyRun *runs = malloc(cap * sizeof *runs);
    int64_t *members = malloc(cap * sizeof *members);
    double *values = malloc(cap * sizeof *values);
    g->group_of = malloc(cap * sizeof *g->group_of);
    g->groups = calloc(cap, sizeof *g->groups);
    if (!keyed || !runs || !members || !values || !g->group_of || !g->groups) {
        free(keyed); free(runs); free(members); free(values);
        stats_free(g);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) keyed[i] = (Keyed){&configs[i], axes};
    qsort(keyed, (size_t)n, sizeof *keyed, compare_keyed);

    // Runs of equal keys are the groups; within a run ids ascend, so the first is the smallest.
    int64_t n_groups = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || !same_key(keyed[i - 1].row, keyed[i].row, axes))
            runs[n_groups++] = (KeyRun){keyed[i].row->id, i, 0};
        runs[n_groups - 1].len++;
    }
    qsort(runs, (size_t)n_groups, sizeof *runs, by_first_id);   // number groups by first id

    g->n_configs = n;
    g->n_groups = n_groups;
    for (int64_t k = 0; k < n_groups; k++) {
        GroupStats *gs = &g->groups[k];
        gs->first = runs[k].first;
        gs->n_configs = runs[k].len;
        for (int64_t j = 0; j < runs[k].len; j++) {
            members[j] = keyed[runs[k].start + j].row->id;
            g->group_of[members[j]] = k;
        }
        if (!summary) {
            for (int s = 0; s < N_STATS; s++) gs->mean[s] = gs->std[s] = NAN;
            continue;
        }
        for (int64_t j = 0; j < runs[k].len; j++) {
            int st = summary[members[j]].status;
            gs->n_done += st == STATUS_DONE;
            gs->n_diverged += st == STATUS_DIVERGED;
            gs->n_failed += st == STATUS_FAILED;
            gs->n_pending += st == STATUS_PENDING;
            gs->n_pruned += st == STATUS_PRUNED;
        }
        group_moments(gs, members, runs[k].len, summary, values);
    }
    free(keyed); free(runs); free(members); free(values);
    return 0;
}

void stats_free(Groups *g) {
    free(g->group_of);
    free(g->groups);
    memset(g, 0, sizeof *g);
}
