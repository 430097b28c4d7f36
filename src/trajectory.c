// trajectory.c: grouping a run's configs into trajectories (trajectory.h).
#include "trajectory.h"

#include <stdlib.h>
#include <string.h>
#include "train.h"

// Sorting ids: by every axis but epochs, then epochs, then id. (qsort has no context: the
// grid comes with each key.)
typedef struct {
    const Config *c;
} Key;

static int cmp_keys(const void *x, const void *y) {
    const Config *a = ((const Key *)x)->c, *b = ((const Key *)y)->c;
    int k = train_compare_but_epochs(&a->hyper, &b->hyper);
    if (k) return k;
    if (a->hyper.epochs != b->hyper.epochs) return a->hyper.epochs < b->hyper.epochs ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

typedef struct {
    int64_t first, len;       // position in the sorted keys
    int64_t min_id;
    double flops;
} Span;

static int by_cost_desc(const void *x, const void *y) {
    const Span *a = x, *b = y;
    if (a->flops != b->flops) return a->flops < b->flops ? 1 : -1;
    return (a->min_id > b->min_id) - (a->min_id < b->min_id);
}

int trajectory_group(Trajectories *t, const Grid *g, const Dataset *d, const int64_t *ids, int64_t n) {
    memset(t, 0, sizeof *t);
    size_t cap = (size_t)(n ? n : 1);
    Key *keys = malloc(cap * sizeof *keys);
    Span *spans = malloc(cap * sizeof *spans);
    t->start = malloc((cap + 1) * sizeof *t->start);
    t->ids = malloc(cap * sizeof *t->ids);
    t->flops = malloc(cap * sizeof *t->flops);
    if (!keys || !spans || !t->start || !t->ids || !t->flops) {
        free(keys); free(spans);
        trajectory_free(t);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) keys[i].c = &g->configs[ids[i]];
    qsort(keys, (size_t)n, sizeof *keys, cmp_keys);
    int64_t n_units = 0;
    for (int64_t i = 0; i < n; i++) {
        const Config *c = keys[i].c;
        if (i == 0 || train_compare_but_epochs(&keys[i - 1].c->hyper, &c->hyper) != 0)
            spans[n_units++] = (Span){i, 0, c->id, 0.0};
        Span *s = &spans[n_units - 1];
        s->len++;
        if (c->id < s->min_id) s->min_id = c->id;
        s->flops = train_flops(&c->hyper, d);   // ascending epochs: the last is the longest
    }
    qsort(spans, (size_t)n_units, sizeof *spans, by_cost_desc);
    t->n_units = n_units;
    int64_t pos = 0;
    for (int64_t u = 0; u < n_units; u++) {
        t->start[u] = pos;
        t->flops[u] = spans[u].flops;
        for (int64_t k = 0; k < spans[u].len; k++) t->ids[pos++] = keys[spans[u].first + k].c->id;
    }
    t->start[n_units] = pos;
    free(keys);
    free(spans);
    return 0;
}

void trajectory_free(Trajectories *t) {
    free(t->start);
    free(t->ids);
    free(t->flops);
    memset(t, 0, sizeof *t);
}

double trajectory_step_flops(const Trajectories *t, const Grid *g, const Dataset *d, int64_t u, int64_t k) {
    const int64_t *ids = t->ids + t->start[u];
    double here = train_flops(&g->configs[ids[k]].hyper, d);
    return k == 0 ? here : here - train_flops(&g->configs[ids[k - 1]].hyper, d);
}

double trajectory_total_flops(const Trajectories *t) {
    double sum = 0.0;
    for (int64_t u = 0; u < t->n_units; u++) sum += t->flops[u];
    return sum;
}
