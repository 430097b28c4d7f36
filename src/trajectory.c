// trajectory.c: grouping a run's configs into trajectories (trajectory.h).
#include "trajectory.h"

#include <stdlib.h>
#include <string.h>
#include "group.h"
#include "train.h"

// A trajectory's key: every field of Hyper but epochs.
static int but_epochs(int64_t a, int64_t b, void *configs) {
    const Config *c = configs;
    return train_compare_but_epochs(&c[a].hyper, &c[b].hyper);
}

// Within a trajectory: ascending epochs, ties by id.
static int by_epochs(const void *x, const void *y, void *configs) {
    const Config *a = &((const Config *)configs)[*(const int64_t *)x], *b = &((const Config *)configs)[*(const int64_t *)y];
    if (a->hyper.epochs != b->hyper.epochs) return a->hyper.epochs < b->hyper.epochs ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

// Units most expensive first, ties by their first id.
typedef struct {
    int64_t group, first;
    double flops;
} Unit;

static int by_cost_desc(const void *x, const void *y) {
    const Unit *a = x, *b = y;
    if (a->flops != b->flops) return a->flops < b->flops ? 1 : -1;
    return (a->first > b->first) - (a->first < b->first);
}

int trajectory_group(Trajectories *t, const Grid *g, const Dataset *d, const int64_t *ids, int64_t n) {
    memset(t, 0, sizeof *t);
    Grouping gr;
    if (group_by(&gr, ids, n, g->n_configs, but_epochs, (void *)g->configs) != GROUP_OK) return -1;
    size_t cap = (size_t)(gr.n_groups ? gr.n_groups : 1);
    Unit *units = malloc(cap * sizeof *units);
    t->start = malloc((cap + 1) * sizeof *t->start);
    t->ids = malloc((size_t)(n ? n : 1) * sizeof *t->ids);
    t->flops = malloc(cap * sizeof *t->flops);
    if (!units || !t->start || !t->ids || !t->flops) {
        free(units);
        group_free(&gr);
        trajectory_free(t);
        return -1;
    }
    for (int64_t k = 0; k < gr.n_groups; k++) {
        int64_t *m = gr.members + gr.start[k], len = gr.start[k + 1] - gr.start[k], first = m[0];
        if (len > 1) qsort_r(m, (size_t)len, sizeof *m, by_epochs, (void *)g->configs);   // the longest last
        units[k] = (Unit){k, first, train_flops(&g->configs[m[len - 1]].hyper, d)};
    }
    qsort(units, (size_t)gr.n_groups, sizeof *units, by_cost_desc);
    t->n_units = gr.n_groups;
    int64_t pos = 0;
    for (int64_t u = 0; u < t->n_units; u++) {
        const Unit *un = &units[u];
        t->start[u] = pos;
        t->flops[u] = un->flops;
        for (int64_t q = gr.start[un->group]; q < gr.start[un->group + 1]; q++) t->ids[pos++] = gr.members[q];
    }
    t->start[t->n_units] = pos;
    free(units);
    group_free(&gr);
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
