// spec_grid.c: the spec's grid: one mapping of axes, or a list of them (sub-grids, whose
// union in order is the sweep); the defaults of the axes a grid leaves out; and the checks of
// the whole grid once the file is read: early stopping needs validation folds, and no config
// may come from two sub-grids. Each axis itself is spec_axes.c's.
#include "spec_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

enum { MAX_GRIDS = 1000 };   // sub-grids in a list

const SpecLevel SPEC_GRID_LEVEL = {"grid", AXIS_NAMES, N_AXES};

// ---------------------------------------------------------------------------------------------
// Reading the grid

// One mapping of axes: the grid, or one sub-grid of a list.
static int parse_grid_map(const SpecCtx *c, const yaml_node_t *map, int in_list) {
    if (map->type != YAML_MAPPING_NODE) {
        char found[FOUND_LEN];
        spec_describe(map, found, sizeof found);
        return spec_bad(c, spec_loc(map), c->gkey,
                        in_list ? "expected a mapping of axes (a sub-grid) such as {hidden_dim: [16, 64]}, found %s"
                                : "expected a mapping of axes such as hidden_dim: [16, 64], or a list of such "
                                  "mappings (sub-grids), found %s",
                        found);
    }
    SpecLevel lv = SPEC_GRID_LEVEL;   // the same keys, named grid[i].KEY in a list
    lv.prefix = c->gkey;
    SpecKeys k;
    int rc = spec_collect(c, map, &lv, &k);
    for (int j = 0; !rc && j < k.n; j++) rc = spec_parse_axis(c, (AxisId)k.order[j], k.val[k.order[j]]);
    return rc;
}

// A mapping (one grid) or a list of mappings (sub-grids, their union in order).
int spec_parse_grid(const SpecCtx *c0, const yaml_node_t *v) {
    Spec *s = c0->s;
    int list = v->type == YAML_SEQUENCE_NODE;
    int64_t n = list ? v->data.sequence.items.top - v->data.sequence.items.start : 1;
    if (list && n == 0)
        return spec_bad(c0, spec_loc(v), "grid",
                        "expected a mapping of axes or a list of sub-grids, found an empty list");
    if (n > MAX_GRIDS)
        return spec_bad(c0, spec_loc(v), "grid", "expected at most %d sub-grids, found %lld", MAX_GRIDS, (long long)n);
    if (!(s->grids = calloc((size_t)n, sizeof *s->grids))) return spec_oom(c0);
    s->n_grids = n;
    for (int64_t i = 0; i < n; i++) {
        SpecCtx c = *c0;
        c.g = &s->grids[i];
        if (list) snprintf(c.gkey, sizeof c.gkey, "grid[%lld]", (long long)i);
        const yaml_node_t *node = list ? yaml_document_get_node(c.doc, v->data.sequence.items.start[i]) : v;
        if (!node) return spec_bad(c0, spec_loc(v), "grid", "expected a list of sub-grids");
        c.g->loc = spec_loc(node);
        int rc = parse_grid_map(&c, node, list);
        if (rc) return rc;
    }
    return 0;
}

// Every axis a grid leaves out: its default (axis.h), located nowhere (line 0).
int spec_fill_grids(const SpecCtx *c) {
    Spec *s = c->s;
    for (int64_t i = 0; i < s->n_grids; i++) {
        SpecCtx cg = *c;
        cg.g = &s->grids[i];
        SpecAxis *axes = cg.g->axes;
        for (int a = 0; a < N_AXES; a++) {
            if (axes[a].n_values || axes[a].dist) continue;
            int rc = spec_alloc_axis(&cg, (AxisId)a, 1);
            if (rc) return rc;
            if (axis_is_real((AxisId)a)) axes[a].reals[0] = axis_default_f64((AxisId)a);
            else axes[a].ints[0] = axis_default_i64((AxisId)a);
        }
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Checks of the whole grid

// Early stopping decides on validation loss: patience > 0 needs folds.
int spec_check_early_stopping(const SpecCtx *c) {
    const Spec *s = c->s;
    if (s->data.folds >= 2) return 0;
    for (int64_t g = 0; g < s->n_grids; g++) {
        const SpecAxis *ax = &s->grids[g].axes[AXIS_PATIENCE];
        char key[KEY_LEN];
        spec_axis_key(s, g, AXIS_PATIENCE, key, sizeof key);
        if (ax->dist && ax->ihi > 1)
            return spec_bad(c, ax->dist_loc, key, "expected 0 without validation folds (early stopping decides on "
                            "val_loss: set data.folds >= 2), found a distribution");
        for (int64_t i = 0; ax->ints && i < ax->n_values; i++)
            if (ax->ints[i] > 0)
                return spec_bad(c, ax->locs[i], key, "expected 0 without validation folds (early stopping decides on "
                                "val_loss: set data.folds >= 2), found %lld", (long long)ax->ints[i]);
    }
    return 0;
}

static int cmp_i64(const void *x, const void *y) {
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static int cmp_f64(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

// The first value of a (in a's order) that b holds too: its index; -1 if none, -2 out of memory.
static int64_t common_value(const SpecAxis *a, const SpecAxis *b, int real) {
    size_t size = real ? sizeof(double) : sizeof(int64_t);
    void *sorted = malloc((size_t)b->n_values * size);
    if (!sorted) return -2;
    memcpy(sorted, real ? (void *)b->reals : (void *)b->ints, (size_t)b->n_values * size);
    qsort(sorted, (size_t)b->n_values, size, real ? cmp_f64 : cmp_i64);
    int64_t found = -1;
    for (int64_t i = 0; i < a->n_values && found < 0; i++) {
        const void *key = real ? (const void *)&a->reals[i] : (const void *)&a->ints[i];
        if (bsearch(key, sorted, (size_t)b->n_values, size, real ? cmp_f64 : cmp_i64)) found = i;
    }
    free(sorted);
    return found;
}

// Sub-grids may not share a config: two Cartesian products meet exactly when every axis's
// value sets do, so no config needs to be built to find one they share.
int spec_check_subgrids(const SpecCtx *c) {
    const Spec *s = c->s;
    for (int64_t j = 1; j < s->n_grids; j++)
        for (int64_t i = 0; i < j; i++) {
            char example[ERR_LEN / 2] = "";
            int a;
            for (a = 0; a < N_AXES; a++) {
                const SpecAxis *x = &s->grids[i].axes[a], *y = &s->grids[j].axes[a];
                int64_t k = common_value(x, y, axis_is_real((AxisId)a));
                if (k == -2) return spec_oom(c);
                if (k < 0) break;
                char v[48];
                spec_format_value((AxisId)a, x, k, v, sizeof v);
                size_t used = strlen(example);
                snprintf(example + used, sizeof example - used, "%s%s %s", a ? ", " : "", axis_name((AxisId)a), v);
            }
            if (a < N_AXES) continue;
            char first[256];
            spec_where(s, s->grids[i].loc, first, sizeof first);
            char key[32];
            snprintf(key, sizeof key, "grid[%lld]", (long long)j);
            return spec_bad(c, s->grids[j].loc, key, "expected configs that no other sub-grid has, found %s, also in "
                            "grid[%lld] at %s", example, (long long)i, first);
        }
    return 0;
}
