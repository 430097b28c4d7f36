// grid.c: the spec's configs (DESIGN section 2). Settings (every axis but seed) are produced
// first, block by block: the Cartesian product of each sub-grid in the fixed axis order, or
// random search's draw (search.c). Each setting is then crossed with the seed axis and the
// data splits (repeat, then fold, fastest) in one place, cross_setting. A plain grid keeps the
// ids it always had (the product of every axis, seed among them, the last fastest, then the
// splits); sub-grids follow each other in the order of the list.
#include "grid.h"

#include <stdlib.h>
#include <string.h>
#include "search.h"
#include "sweep.h"

// Largest grid we accept: ids, rows and per-config tables stay far from any overflow.
#define GRID_MAX_CONFIGS 10000000LL

// One sub-grid, or the random draw: n_settings settings, each run with every seed.
typedef struct {
    const SpecAxis *axes;
    int64_t n_settings;
    int64_t inner;            // settings that vary faster than seed (1 for random search)
    int64_t n_folds, n_splits;   // data.folds, and repeats * folds: the splits of every setting
    int64_t first_id;         // id of the block's first config
} Block;

// Setting k of a sub-grid: mixed-radix digits over every axis but seed, the last fastest.
static void setting_of(const SpecAxis *axes, int64_t k, Hyper *h) {
    int64_t digit[N_AXES] = {0};
    for (int a = N_AXES - 1; a >= 0; a--) {
        if (a == AXIS_SEED) continue;
        digit[a] = k % axes[a].n_values;
        k /= axes[a].n_values;
    }
    memset(h, 0, sizeof *h);
    for (int a = 0; a < N_AXES; a++) {
        if (a == AXIS_SEED) continue;
        if (axis_is_real((AxisId)a)) axis_set_f64(h, (AxisId)a, axes[a].reals[digit[a]]);
        else axis_set_i64(h, (AxisId)a, axes[a].ints[digit[a]]);
    }
}

// ---------------------------------------------------------------------------------------------
// Crossing: the one place where a setting becomes configs. Setting k of a block runs every seed
// of the block (DESIGN section 2: seed is crossed, never drawn), and each on every data split.
// In a sub-grid the axes after seed in the fixed order (axis.h) vary faster than seed, so
// setting k = outer * inner + rest (rest over those axes) with seed j lands at point
// (outer * n_seeds + j) * inner + rest of the plain Cartesian product; its split s (repeat
// s / folds, fold s % folds) is config point * n_splits + s. Random search has inner = 1: a
// drawn setting's seeds and splits get consecutive ids, settings in draw order.
static void cross_setting(Grid *g, const Block *b, int64_t k, const Hyper *setting) {
    const SpecAxis *seeds = &b->axes[AXIS_SEED];
    int64_t outer = k / b->inner, rest = k % b->inner;
    for (int64_t j = 0; j < seeds->n_values; j++) {
        int64_t point = (outer * seeds->n_values + j) * b->inner + rest;
        for (int64_t split = 0; split < b->n_splits; split++) {
            int64_t id = b->first_id + point * b->n_splits + split;
            Config *c = &g->configs[id];
            c->id = id;
            c->hyper = *setting;
            c->hyper.seed = (uint64_t)seeds->ints[j];
            c->hyper.repeat = (int32_t)(split / b->n_folds);
            c->hyper.fold = (int32_t)(split % b->n_folds);
        }
    }
}
// ---------------------------------------------------------------------------------------------

static int too_large(char *err, const Spec *s) {
    return fail(err, SWEEP_ERR_USAGE, "%s: grid: expected at most %lld configs, found more", s->path,
                GRID_MAX_CONFIGS);
}

// Hidden sizes in order of first appearance (by id): an open-addressing map hidden_dim -> index.
typedef struct {
    int64_t *keys, *index;    // key 0: empty (hidden_dim >= 1)
    uint64_t mask;
} HiddenMap;

static int64_t hidden_slot(const HiddenMap *m, int64_t h) {
    uint64_t i = ((uint64_t)h * 0x9e3779b97f4a7c15ULL >> 20) & m->mask;
    while (m->keys[i] && m->keys[i] != h) i = (i + 1) & m->mask;
    return (int64_t)i;
}

int grid_expand(Grid *g, const Spec *s, char *err) {
    memset(g, 0, sizeof *g);
    int random = s->search.method == SEARCH_RANDOM;
    int64_t n_blocks = random ? 1 : s->n_grids, total = 0, hidden_cap = 0;
    Block *blocks = calloc((size_t)n_blocks, sizeof *blocks);
    if (!blocks) return fail(err, SWEEP_ERR_RUNTIME, "out of memory expanding the grid");
    int rc = SWEEP_OK;
    for (int64_t b = 0; b < n_blocks && !rc; b++) {
        Block *bl = &blocks[b];
        bl->axes = s->grids[b].axes;
        bl->inner = 1;
        bl->n_folds = s->data.folds;
        bl->n_splits = s->data.repeats * s->data.folds;   // at most 10^12 (spec.c's limits)
        int64_t n = 1;
        if (random) {
            n = s->search.n;
            const SpecAxis *hid = &bl->axes[AXIS_HIDDEN_DIM];
            int64_t distinct = hid->dist == DIST_RANDINT ? hid->ihi - hid->ilo : hid->n_values;
            hidden_cap += distinct < n ? distinct : n;
        } else {
            for (int a = 0; a < N_AXES && !rc; a++) {
                if (a == AXIS_SEED) continue;
                n *= bl->axes[a].n_values;
                if (a > AXIS_SEED) bl->inner *= bl->axes[a].n_values;
                if (n > GRID_MAX_CONFIGS) rc = too_large(err, s);
            }
            hidden_cap += bl->axes[AXIS_HIDDEN_DIM].n_values;
        }
        bl->n_settings = n;
        bl->first_id = total;
        // n and the seeds are each at most GRID_MAX_CONFIGS, so this product cannot overflow
        // before the split count is checked against the rest.
        int64_t per_split = n * bl->axes[AXIS_SEED].n_values;
        if (!rc && (bl->n_splits > GRID_MAX_CONFIGS || per_split > (GRID_MAX_CONFIGS - total) / bl->n_splits))
            rc = too_large(err, s);
        if (!rc) total += per_split * bl->n_splits;
    }
    Search se;
    memset(&se, 0, sizeof se);
    if (!rc && random) rc = search_init(&se, s, err);
    if (rc) { free(blocks); return rc; }

    uint64_t map_cap = 16;
    while (map_cap < 2 * (uint64_t)hidden_cap) map_cap *= 2;
    HiddenMap map = {calloc(map_cap, sizeof(int64_t)), calloc(map_cap, sizeof(int64_t)), map_cap - 1};
    g->n_configs = total;
    for (int64_t b = 0; b < n_blocks; b++) g->n_settings += blocks[b].n_settings;
    g->configs = calloc((size_t)total, sizeof(Config));
    g->hidden_dims = calloc((size_t)hidden_cap, sizeof(int64_t));
    g->n_per_hidden = calloc((size_t)hidden_cap, sizeof(int64_t));
    if (!g->configs || !g->hidden_dims || !g->n_per_hidden || !map.keys || !map.index) {
        grid_free(g);
        rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory expanding %lld configs", (long long)total);
    }
    for (int64_t b = 0; b < n_blocks && !rc; b++) {
        for (int64_t k = 0; k < blocks[b].n_settings; k++) {
            Hyper h;
            if (random) search_next(&se, &h);
            else setting_of(blocks[b].axes, k, &h);
            cross_setting(g, &blocks[b], k, &h);
        }
    }
    // Hidden sizes in order of first appearance, weights rows in id order within each.
    for (int64_t id = 0; id < g->n_configs && !rc; id++) {
        Config *c = &g->configs[id];
        int64_t slot = hidden_slot(&map, c->hyper.hidden_dim);
        if (!map.keys[slot]) {
            map.keys[slot] = c->hyper.hidden_dim;
            map.index[slot] = g->n_hidden;
            g->hidden_dims[g->n_hidden++] = c->hyper.hidden_dim;
        }
        c->weights_row = g->n_per_hidden[map.index[slot]]++;
        if (c->hyper.epochs > g->max_epochs) g->max_epochs = c->hyper.epochs;
    }
    free(map.keys);
    free(map.index);
    search_free(&se);
    free(blocks);
    return rc;
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

// Distinct values of one axis: a set of their bit patterns (exact for reals and integers; the
// pattern 0, of 0 and 0.0, is counted apart so that 0 can mark an empty slot).
int grid_spread(const Grid *g, AxisId a, int64_t max_distinct, GridSpread *out) {
    memset(out, 0, sizeof *out);
    if (g->n_configs == 0) return 0;
    if (max_distinct > g->n_configs || max_distinct < 1) max_distinct = g->n_configs;
    uint64_t cap = 16;
    while (cap < 2 * (uint64_t)max_distinct) cap *= 2;
    uint64_t *set = calloc(cap, sizeof *set);
    if (!set) return -1;
    int zero = 0;
    for (int64_t i = 0; i < g->n_configs; i++) {
        const Hyper *h = &g->configs[i].hyper;
        double v = axis_get_f64(h, a);
        if (i == 0 || v < out->min) out->min = v;
        if (i == 0 || v > out->max) out->max = v;
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        if (bits == 0) { zero = 1; continue; }
        uint64_t k = ((bits ^ (bits >> 32)) * 0x9e3779b97f4a7c15ULL >> 20) & (cap - 1);
        while (set[k] && set[k] != bits) k = (k + 1) & (cap - 1);
        if (!set[k]) { set[k] = bits; out->n_distinct++; }
    }
    out->n_distinct += zero;
    free(set);
    return 0;
}
