// stats.c: grouping configs by axes, and mean / sample std of the summary columns per group.
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const STAT_NAMES[N_STATS] = {"final_train_loss", "final_train_acc", "final_test_loss",
                                         "final_test_acc",   "best_test_acc",   "final_val_loss",
                                         "final_val_acc",    "best_val_loss"};

static const char *const STAT_NAMES_R2[N_STATS] = {"final_train_loss", "final_train_r2", "final_test_loss",
                                                   "final_test_r2",    "best_test_r2",   "final_val_loss",
                                                   "final_val_r2",     "best_val_loss"};

const char *stats_name(int k, Task task) {
    if (k < 0 || k >= N_STATS) return "?";
    return task == TASK_REGRESSION ? STAT_NAMES_R2[k] : STAT_NAMES[k];
}

int stats_find_task(const char *name, Task task) {
    for (int k = 0; k < N_STATS; k++)
        if (strcmp(name, stats_name(k, task)) == 0) return k;
    return -1;
}

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

// The comparison of two configs' rows, by id, on the masked axes (as doubles, NaN after every
// number).
typedef struct {
    const ConfigRow **row_of;   // by id
    unsigned axes;
} ByAxes;

static int rows_by_axes(int64_t a, int64_t b, void *ctx) {
    const ByAxes *k = ctx;
    const ConfigRow *ra = k->row_of[a], *rb = k->row_of[b];
    for (int ax = 0; ax < N_AXES; ax++) {
        if (!(k->axes & AXIS_BIT(ax))) continue;
        double x = stats_axis_value(ra, (AxisId)ax), y = stats_axis_value(rb, (AxisId)ax);
        if (isnan(x) || isnan(y)) {
            if (isnan(x) && isnan(y)) continue;
            return isnan(x) ? 1 : -1;
        }
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
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

int stats_group(Groups *g, const ConfigRow *configs, const SummaryRow *summary, int64_t n, unsigned axes) {
    memset(g, 0, sizeof *g);
    size_t cap = (size_t)(n > 0 ? n : 1);
    int64_t *ids = malloc(cap * sizeof *ids);
    const ConfigRow **row_of = calloc(cap, sizeof *row_of);
    double *values = malloc(cap * sizeof *values);
    if (!ids || !row_of || !values) {
        free(ids); free(row_of); free(values);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {   // ids from the file: group_by refuses bad ones before any comparison
        ids[i] = configs[i].id;
        if (ids[i] >= 0 && ids[i] < n) row_of[ids[i]] = &configs[i];
    }
    ByAxes key = {row_of, axes};
    Grouping gr;
    int rc = group_by(&gr, ids, n, n, rows_by_axes, &key);
    free(ids);
    free(row_of);
    g->groups = rc == GROUP_OK ? calloc((size_t)(gr.n_groups ? gr.n_groups : 1), sizeof *g->groups) : NULL;
    if (!g->groups) {
        free(values);
        group_free(&gr);
        return rc == GROUP_OK ? -1 : rc;
    }
    g->n_configs = n;
    g->n_groups = gr.n_groups;
    g->group_of = gr.group_of;
    g->start = gr.start;
    g->members = gr.members;
    for (int64_t k = 0; k < g->n_groups; k++) {
        GroupStats *gs = &g->groups[k];
        const int64_t *members = g->members + g->start[k];
        gs->first = members[0];
        gs->n_configs = g->start[k + 1] - g->start[k];
        if (!summary) {
            for (int s = 0; s < N_STATS; s++) gs->mean[s] = gs->std[s] = NAN;
            continue;
        }
        for (int64_t j = 0; j < gs->n_configs; j++) {
            int st = summary[members[j]].status;
            gs->n_done += st == STATUS_DONE;
            gs->n_diverged += st == STATUS_DIVERGED;
            gs->n_failed += st == STATUS_FAILED;
            gs->n_pending += st == STATUS_PENDING;
            gs->n_pruned += st == STATUS_PRUNED;
        }
        group_moments(gs, members, gs->n_configs, summary, values);
    }
    free(values);
    return 0;
}

void stats_free(Groups *g) {
    free(g->group_of);
    free(g->groups);
    free(g->start);
    free(g->members);
    memset(g, 0, sizeof *g);
}
