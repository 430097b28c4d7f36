// grid.c: the Cartesian product of the spec's axes, last axis fastest, each point crossed
// with the data splits, repeat then fold (DESIGN section 2).
#include "grid.h"

#include <stdlib.h>
#include <string.h>
#include "sweep.h"

// Largest grid we accept: ids, rows and per-config tables stay far from any overflow.
#define GRID_MAX_CONFIGS 10000000LL

int grid_expand(Grid *g, const Spec *s, char *err) {
    memset(g, 0, sizeof *g);
    // Each point of the axes' product runs on every data split, fold fastest (DESIGN section 2).
    int64_t n_splits = s->data.repeats * s->data.folds, n = n_splits;
    if (n > GRID_MAX_CONFIGS)
        return fail(err, SWEEP_ERR_USAGE, "%s: data: expected at most %lld configs, found %lld splits",
                    s->path, GRID_MAX_CONFIGS, (long long)n);
    for (int a = 0; a < N_AXES; a++) {
        n *= s->axes[a].n_values;
        if (n > GRID_MAX_CONFIGS)
            return fail(err, SWEEP_ERR_USAGE, "%s: grid: expected at most %lld configs, found more",
                        s->path, GRID_MAX_CONFIGS);
    }
    const SpecAxis *hid = &s->axes[AXIS_HIDDEN_DIM];
    g->n_configs = n;
    g->n_hidden = hid->n_values;
    g->configs = calloc((size_t)n, sizeof(Config));
    g->hidden_dims = calloc((size_t)g->n_hidden, sizeof(int64_t));
    g->n_per_hidden = calloc((size_t)g->n_hidden, sizeof(int64_t));
    if (!g->configs || !g->hidden_dims || !g->n_per_hidden) {
        grid_free(g);
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory expanding %lld configs", (long long)n);
    }
    memcpy(g->hidden_dims, hid->ints, (size_t)g->n_hidden * sizeof(int64_t));

    for (int64_t id = 0; id < n; id++) {
        // Mixed-radix digits of id, the last axis the fastest.
        int64_t digit[N_AXES], split = id % n_splits, rest = id / n_splits;
        for (int a = N_AXES - 1; a >= 0; a--) {
            digit[a] = rest % s->axes[a].n_values;
            rest /= s->axes[a].n_values;
        }
        Config *c = &g->configs[id];
        c->id = id;
        c->hyper.hidden_dim = s->axes[AXIS_HIDDEN_DIM].ints[digit[AXIS_HIDDEN_DIM]];
        c->hyper.learning_rate = s->axes[AXIS_LEARNING_RATE].reals[digit[AXIS_LEARNING_RATE]];
        c->hyper.batch_size = s->axes[AXIS_BATCH_SIZE].ints[digit[AXIS_BATCH_SIZE]];
        c->hyper.epochs = s->axes[AXIS_EPOCHS].ints[digit[AXIS_EPOCHS]];
        c->hyper.seed = (uint64_t)s->axes[AXIS_SEED].ints[digit[AXIS_SEED]];
        c->hyper.init_scale = s->axes[AXIS_INIT_SCALE].reals[digit[AXIS_INIT_SCALE]];
        c->hyper.shuffle = (int)s->axes[AXIS_SHUFFLE].ints[digit[AXIS_SHUFFLE]];
        c->hyper.repeat = (int32_t)(split / s->data.folds);
        c->hyper.fold = (int32_t)(split % s->data.folds);
        c->weights_row = g->n_per_hidden[digit[AXIS_HIDDEN_DIM]]++;
        if (c->hyper.epochs > g->max_epochs) g->max_epochs = c->hyper.epochs;
    }
    return SWEEP_OK;
}

void grid_free(Grid *g) {
    free(g->configs);
    free(g->hidden_dims);
    free(g->n_per_hidden);
    memset(g, 0, sizeof *g);
}

int64_t grid_hidden_index(const Grid *g, int64_t hidden_dim) {
    for (int64_t i = 0; i < g->n_hidden; i++)
        if (g->hidden_dims[i] == hidden_dim) return i;
    return -1;
}
