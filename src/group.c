// group.c: grouping items by a key, numbered by first id; the setting's axes (group.h).
#include "group.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const int64_t *ids;
    GroupCompare cmp;
    void *ctx;
} Sorting;

static int64_t id_of(const Sorting *s, int64_t i) { return s->ids ? s->ids[i] : i; }

// Items by key, then by id: each group's items together, its smallest id leading.
static int by_key_then_id(const void *x, const void *y, void *ctx) {
    const Sorting *s = ctx;
    int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
    int k = s->cmp(i, j, s->ctx);
    if (k) return k;
    int64_t a = id_of(s, i), b = id_of(s, j);
    return (a > b) - (a < b);
}

// A run of equal keys in the sorted order: one group.
typedef struct {
    int64_t first, pos, len;   // its smallest id; where it starts in the sorted order, how long
} KeyRun;

static int by_first(const void *x, const void *y) {
    const KeyRun *a = x, *b = y;
    return (a->first > b->first) - (a->first < b->first);
}

int group_by(Grouping *g, const int64_t *ids, int64_t n, int64_t n_ids, GroupCompare cmp, void *ctx) {
    memset(g, 0, sizeof *g);
    if (n < 0 || n_ids < 0) return GROUP_ERR_ID;
    size_t cap = (size_t)(n ? n : 1);
    int64_t *order = malloc(cap * sizeof *order);
    KeyRun *runs = malloc(cap * sizeof *runs);
    g->start = malloc((cap + 1) * sizeof *g->start);
    g->members = malloc(cap * sizeof *g->members);
    g->group_of = malloc((size_t)(n_ids ? n_ids : 1) * sizeof *g->group_of);
    if (!order || !runs || !g->start || !g->members || !g->group_of) {
        free(order); free(runs);
        group_free(g);
        return GROUP_ERR_MEMORY;
    }
    g->n_ids = n_ids;
    for (int64_t id = 0; id < n_ids; id++) g->group_of[id] = -1;
    Sorting s = {ids, cmp, ctx};
    for (int64_t i = 0; i < n; i++) {   // every id in range and given once, before any is used
        int64_t id = id_of(&s, i);
        if (id < 0 || id >= n_ids || g->group_of[id] != -1) {
            free(order); free(runs);
            group_free(g);
            return GROUP_ERR_ID;
        }
        g->group_of[id] = 0;
        order[i] = i;
    }
    qsort_r(order, (size_t)n, sizeof *order, by_key_then_id, &s);
    int64_t n_groups = 0;
    for (int64_t p = 0; p < n; p++) {
        if (p == 0 || cmp(order[p - 1], order[p], ctx) != 0) runs[n_groups++] = (KeyRun){id_of(&s, order[p]), p, 0};
        runs[n_groups - 1].len++;
    }
    qsort(runs, (size_t)n_groups, sizeof *runs, by_first);
    int64_t at = 0;
    for (int64_t k = 0; k < n_groups; k++) {
        g->start[k] = at;
        for (int64_t q = 0; q < runs[k].len; q++) {
            int64_t id = id_of(&s, order[runs[k].pos + q]);
            g->members[at++] = id;
            g->group_of[id] = k;
        }
    }
    g->start[n_groups] = at;
    g->n_groups = n_groups;
    free(order);
    free(runs);
    return GROUP_OK;
}

void group_free(Grouping *g) {
    free(g->start);
    free(g->members);
    free(g->group_of);
    memset(g, 0, sizeof *g);
}

// Three-way comparisons in each field's own type; reals in a total order, NaN last.
#define CMP(x, y) do { if ((x) != (y)) return (x) < (y) ? -1 : 1; } while (0)

static int cmp_real(double x, double y) {
    if (isnan(x) || isnan(y)) return (isnan(x) != 0) - (isnan(y) != 0);
    CMP(x, y);
    return 0;
}

static int cmp_axis(const Hyper *a, const Hyper *b, AxisId ax) {
    switch (ax) {
    case AXIS_HIDDEN_DIM: CMP(a->hidden_dim, b->hidden_dim); return 0;
    case AXIS_LEARNING_RATE: return cmp_real(a->learning_rate, b->learning_rate);
    case AXIS_BATCH_SIZE: CMP(a->batch_size, b->batch_size); return 0;
    case AXIS_EPOCHS: CMP(a->epochs, b->epochs); return 0;
    case AXIS_SEED: CMP(a->seed, b->seed); return 0;
    case AXIS_INIT_SCALE: return cmp_real(a->init_scale, b->init_scale);
    case AXIS_SHUFFLE: CMP(a->shuffle, b->shuffle); return 0;
    case AXIS_OPTIMIZER: CMP(a->optimizer, b->optimizer); return 0;
    case AXIS_MOMENTUM: return cmp_real(a->momentum, b->momentum);
    case AXIS_WEIGHT_DECAY: return cmp_real(a->weight_decay, b->weight_decay);
    case AXIS_ACTIVATION: CMP(a->activation, b->activation); return 0;
    case AXIS_INIT: CMP(a->init, b->init); return 0;
    case AXIS_PATIENCE: CMP(a->patience, b->patience); return 0;
    case AXIS_MIN_DELTA: return cmp_real(a->min_delta, b->min_delta);
    default: return 0;
    }
}

#undef CMP

int group_compare_axes(const Hyper *a, const Hyper *b, unsigned axes) {
    for (int ax = 0; ax < N_AXES; ax++) {
        if (!(axes & AXIS_BIT(ax))) continue;
        int k = cmp_axis(a, b, (AxisId)ax);
        if (k) return k;
    }
    return 0;
}

typedef struct {
    const Config *configs;
    const int64_t *ids;
    unsigned axes;
} ByAxes;

static int configs_by_axes(int64_t i, int64_t j, void *ctx) {
    const ByAxes *b = ctx;
    int64_t x = b->ids ? b->ids[i] : i, y = b->ids ? b->ids[j] : j;
    return group_compare_axes(&b->configs[x].hyper, &b->configs[y].hyper, b->axes);
}

int group_configs(Grouping *out, const Grid *g, const int64_t *ids, int64_t n, unsigned axes) {
    // ids are checked before the comparison reads configs[ids[i]]
    ByAxes b = {g->configs, ids, axes};
    return group_by(out, ids, ids ? n : g->n_configs, g->n_configs, configs_by_axes, &b);
}
