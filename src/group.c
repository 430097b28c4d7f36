// group.c: grouping items by a key, numbered by first id; the setting's axes (group.h).
#include "group.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    GroupCompare cmp;
    void *ctx;
} Sorting;

// Ids by key, then by id: each group's ids together, its smallest leading.
static int by_key_then_id(const void *x, const void *y, void *ctx) {
    const Sorting *s = ctx;
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    int k = s->cmp(a, b, s->ctx);
    return k ? k : (a > b) - (a < b);
}

// A run of equal keys in the sorted order: one group.
typedef struct {
    int64_t pos, len;   // where it starts in the sorted order, how long
} KeyRun;

int group_by(Grouping *g, const int64_t *ids, int64_t n, int64_t n_ids, GroupCompare cmp, void *ctx) {
    memset(g, 0, sizeof *g);
    if (n < 0 || n_ids < 0) return GROUP_ERR_ID;
    size_t cap = (size_t)(n ? n : 1);
    int64_t *sorted = malloc(cap * sizeof *sorted);
    KeyRun *runs = malloc(cap * sizeof *runs);
    g->start = malloc((cap + 1) * sizeof *g->start);
    g->members = malloc(cap * sizeof *g->members);
    g->group_of = malloc((size_t)(n_ids ? n_ids : 1) * sizeof *g->group_of);
    if (!sorted || !runs || !g->start || !g->members || !g->group_of) {
        free(sorted); free(runs);
        group_free(g);
        return GROUP_ERR_MEMORY;
    }
    g->n_ids = n_ids;
    for (int64_t id = 0; id < n_ids; id++) g->group_of[id] = -1;
    for (int64_t i = 0; i < n; i++) {   // every id in range and given once, before any is used
        int64_t id = ids ? ids[i] : i;
        if (id < 0 || id >= n_ids || g->group_of[id] != -1) {
            free(sorted); free(runs);
            group_free(g);
            return GROUP_ERR_ID;
        }
        g->group_of[id] = 0;
        sorted[i] = id;
    }
    Sorting s = {cmp, ctx};
    qsort_r(sorted, (size_t)n, sizeof *sorted, by_key_then_id, &s);
    int64_t n_runs = 0;
    for (int64_t p = 0; p < n; p++) {
        if (p == 0 || cmp(sorted[p - 1], sorted[p], ctx) != 0) runs[n_runs++] = (KeyRun){p, 0};
        runs[n_runs - 1].len++;
    }
    // Number the runs by their first (smallest) id: mark each run's first id in group_of as
    // -2 - run, then meet them in ascending id order.
    for (int64_t r = 0; r < n_runs; r++) g->group_of[sorted[runs[r].pos]] = -2 - r;
    int64_t n_groups = 0, at = 0;
    for (int64_t id = 0; id < n_ids; id++) {
        if (g->group_of[id] > -2) continue;   // not given (-1), or not the first of its run
        const KeyRun *run = &runs[-2 - g->group_of[id]];
        g->start[n_groups] = at;
        for (int64_t q = 0; q < run->len; q++) {   // ids above this one: met later, not first
            int64_t member = sorted[run->pos + q];
            g->members[at++] = member;
            g->group_of[member] = n_groups;
        }
        n_groups++;
    }
    g->start[n_groups] = at;
    g->n_groups = n_groups;
    free(sorted);
    free(runs);
    return GROUP_OK;
}

void group_free(Grouping *g) {
    free(g->start);
    free(g->members);
    free(g->group_of);
    memset(g, 0, sizeof *g);
}

// Three-way comparison of axis ax's values: a real's in a total order, NaN last; any other's
// in its field's own type (axis_compare: integers exactly).
static int cmp_axis(const Hyper *a, const Hyper *b, AxisId ax) {
    if (!axis_is_real(ax)) return axis_compare(a, b, ax);
    double x = axis_get_f64(a, ax), y = axis_get_f64(b, ax);
    if (isnan(x) || isnan(y)) return (isnan(x) != 0) - (isnan(y) != 0);
    return x == y ? 0 : x < y ? -1 : 1;
}

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
    unsigned axes;
} ByAxes;

static int configs_by_axes(int64_t a, int64_t b, void *ctx) {
    const ByAxes *k = ctx;
    return group_compare_axes(&k->configs[a].hyper, &k->configs[b].hyper, k->axes);
}

int group_configs(Grouping *out, const Grid *g, const int64_t *ids, int64_t n, unsigned axes) {
    ByAxes key = {g->configs, axes};
    return group_by(out, ids, ids ? n : g->n_configs, g->n_configs, configs_by_axes, &key);
}
