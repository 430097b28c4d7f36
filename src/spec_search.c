// spec_search.c: the spec's search section (grid or random search: method, n, seed) and its
// halving section (successive halving: factor, min_epochs, metric), their defaults, and what
// each needs of the rest of the spec once every default is in: distributions only with
// random search, random search on one grid with an n; halving with validation folds and one
// epochs budget.
#include "spec_parse.h"

#include <stdio.h>
#include <string.h>
#include "sweep.h"

enum { SEARCH_METHOD, SEARCH_N, SEARCH_SEED, N_SEARCH };
static const char *const SEARCH_KEYS[N_SEARCH] = {"method", "n", "seed"};
const SpecLevel SPEC_SEARCH_LEVEL = {"search", SEARCH_KEYS, N_SEARCH};
enum { SEARCH_MAX_N = 10000000 };   // settings to draw; the grid module caps the configs too

enum { HALVING_FACTOR, HALVING_MIN_EPOCHS, HALVING_METRIC, N_HALVING };
static const char *const HALVING_KEYS[N_HALVING] = {"factor", "min_epochs", "metric"};
const SpecLevel SPEC_HALVING_LEVEL = {"halving", HALVING_KEYS, N_HALVING};
// Indexed by HalvingMetric; val_acc is classification's score, val_r2 regression's (which one
// the task allows is checked once the data are loaded: spec_check_data).
static const char *const HALVING_METRICS[3] = {"val_loss", "val_acc", "val_r2"};
enum { HALVING_MAX_FACTOR = 1000 };

void spec_search_defaults(Spec *s) { s->halving.factor = 3; }

// ---------------------------------------------------------------------------------------------
// The sections

// search: {method: grid | random, n, seed}.
int spec_parse_search(const SpecCtx *c, const yaml_node_t *map) {
    Spec *s = c->s;
    char found[FOUND_LEN];
    if (map->type != YAML_MAPPING_NODE) {
        spec_describe(map, found, sizeof found);
        return spec_bad(c, spec_loc(map), "search", "expected a mapping (method, n, seed), found %s", found);
    }
    s->search.loc = spec_loc(map);
    SpecKeys k;
    int rc = spec_collect(c, map, &SPEC_SEARCH_LEVEL, &k);
    for (int j = 0; !rc && j < k.n; j++) {
        const yaml_node_t *v = k.val[k.order[j]];
        const char *t = spec_plain(v);
        int64_t i;
        spec_describe(v, found, sizeof found);
        switch (k.order[j]) {
        case SEARCH_METHOD: {
            static const char *const METHODS[] = {"grid", "random"};
            const char *name = v->type == YAML_SCALAR_NODE ? spec_text(v) : "";
            if (v->type == YAML_SCALAR_NODE && strcmp(name, "grid") == 0) { s->search.method = SEARCH_GRID; break; }
            if (v->type == YAML_SCALAR_NODE && strcmp(name, "random") == 0) { s->search.method = SEARCH_RANDOM; break; }
            int near = v->type == YAML_SCALAR_NODE ? spec_closest(name, METHODS, 2) : -1;
            char tail[64] = "";
            if (near >= 0) snprintf(tail, sizeof tail, "; did you mean \"%s\"?", METHODS[near]);
            rc = spec_bad(c, spec_loc(v), "search.method", "expected grid or random, found %s%s", found, tail);
            break;
        }
        case SEARCH_N:
            if (!t || spec_read_int(t, &i) != 0 || i < 1 || i > SEARCH_MAX_N) {
                rc = spec_bad(c, spec_loc(v), "search.n", "expected a number of settings from 1 to %d, found %s%s",
                              SEARCH_MAX_N, found, spec_hint(v));
                break;
            }
            s->search.n = i;
            s->search.n_loc = spec_loc(v);
            break;
        default:   // SEARCH_SEED
            if (!t || spec_read_int(t, &i) != 0 || i < 0) {
                rc = spec_bad(c, spec_loc(v), "search.seed", "%s, found %s%s", axis_expect(AXIS_SEED), found,
                              spec_hint(v));
                break;
            }
            s->search.seed = (uint64_t)i;
            break;
        }
    }
    return rc;
}

// halving: {factor, min_epochs, metric} (DESIGN section 3, Successive halving).
int spec_parse_halving(const SpecCtx *c, const yaml_node_t *map) {
    Spec *s = c->s;
    char found[FOUND_LEN];
    if (map->type != YAML_MAPPING_NODE) {
        spec_describe(map, found, sizeof found);
        return spec_bad(c, spec_loc(map), "halving", "expected a mapping (factor, min_epochs, metric), found %s",
                        found);
    }
    s->halving.enabled = 1;
    s->halving.loc = spec_loc(map);
    SpecKeys k;
    int rc = spec_collect(c, map, &SPEC_HALVING_LEVEL, &k);
    for (int j = 0; !rc && j < k.n; j++) {
        const yaml_node_t *v = k.val[k.order[j]];
        const char *t = spec_plain(v);
        int64_t i;
        spec_describe(v, found, sizeof found);
        switch (k.order[j]) {
        case HALVING_FACTOR:
            if (!t || spec_read_int(t, &i) != 0 || i < 2 || i > HALVING_MAX_FACTOR) {
                rc = spec_bad(c, spec_loc(v), "halving.factor", "expected an integer from 2 to %d, found %s%s",
                              HALVING_MAX_FACTOR, found, spec_hint(v));
                break;
            }
            s->halving.factor = i;
            break;
        case HALVING_MIN_EPOCHS:
            if (!t || spec_read_int(t, &i) != 0 || !axis_allows_i64(AXIS_EPOCHS, i)) {
                rc = spec_bad(c, spec_loc(v), "halving.min_epochs", "%s, found %s%s", axis_expect(AXIS_EPOCHS), found,
                              spec_hint(v));
                break;
            }
            s->halving.min_epochs = i;
            s->halving.min_epochs_loc = spec_loc(v);
            break;
        default: {   // HALVING_METRIC
            const char *name = v->type == YAML_SCALAR_NODE ? spec_text(v) : "";
            s->halving.metric_loc = spec_loc(v);
            for (int m = 0; m < 3; m++)
                if (v->type == YAML_SCALAR_NODE && strcmp(name, HALVING_METRICS[m]) == 0) s->halving.metric = m + 1;
            if (s->halving.metric) { s->halving.metric--; break; }
            int near = v->type == YAML_SCALAR_NODE ? spec_closest(name, HALVING_METRICS, 3) : -1;
            char tail[64] = "";
            if (near >= 0) snprintf(tail, sizeof tail, "; did you mean \"%s\"?", HALVING_METRICS[near]);
            rc = spec_bad(c, spec_loc(v), "halving.metric", "expected val_loss, val_acc (classification) or val_r2 "
                          "(regression), found %s%s", found, tail);
            break;
        }
        }
    }
    return rc;
}

// ---------------------------------------------------------------------------------------------
// What they need of the rest of the spec

// What halving needs of the rest of the spec, once every default is in: validation folds
// (it decides on validation only) and one epochs value E for every config (the budget).
int spec_check_halving(const SpecCtx *c) {
    const Spec *s = c->s;
    if (!s->halving.enabled) return 0;
    if (s->halving.min_epochs == 0)
        return spec_bad(c, s->halving.loc, "halving.min_epochs",
                        "expected the first rung's epochs (it has no default), found none");
    if (s->data.folds < 2)
        return spec_bad(c, s->halving.loc, "halving",
                        "expected validation folds (data.folds >= 2): halving decides on validation only, found "
                        "data.folds %lld", (long long)s->data.folds);
    int64_t E = 0;
    for (int64_t g = 0; g < s->n_grids; g++) {
        const SpecAxis *ep = &s->grids[g].axes[AXIS_EPOCHS];
        char key[KEY_LEN];
        spec_axis_key(s, g, AXIS_EPOCHS, key, sizeof key);
        if (ep->dist || ep->n_values != 1)
            return spec_bad(c, ep->dist ? ep->dist_loc : ep->locs[1], key,
                            "expected one value with halving (the full budget; halving sets the rungs), found %s",
                            ep->dist ? "a distribution" : "a list");
        if (g > 0 && ep->ints[0] != E)
            return spec_bad(c, ep->locs[0], key, "expected %lld, the epochs of every other sub-grid (halving has one "
                            "budget), found %lld", (long long)E, (long long)ep->ints[0]);
        E = ep->ints[0];
    }
    if (s->halving.min_epochs > E)
        return spec_bad(c, s->halving.min_epochs_loc, "halving.min_epochs",
                        "expected at most %lld, the epochs every config trains for, found %lld", (long long)E,
                        (long long)s->halving.min_epochs);
    return 0;
}

// Distributions belong to random search, and random search to one grid with an n.
int spec_check_search(const SpecCtx *c) {
    const Spec *s = c->s;
    if (s->search.method == SEARCH_RANDOM) {
        if (s->search.n_loc.line == 0)
            return spec_bad(c, s->search.loc, "search.n",
                            "expected the number of settings to draw (search.method: random needs it), found none");
        if (s->n_grids > 1)
            return spec_bad(c, s->grids[1].loc, "grid", "expected one mapping of axes with search.method: random, "
                            "found a list of %lld sub-grids", (long long)s->n_grids);
        return 0;
    }
    for (int64_t i = 0; i < s->n_grids; i++)
        for (int a = 0; a < N_AXES; a++) {
            const SpecAxis *ax = &s->grids[i].axes[a];
            if (!ax->dist) continue;
            char key[KEY_LEN];
            spec_axis_key(s, i, (AxisId)a, key, sizeof key);
            return spec_bad(c, ax->dist_loc, key, "expected a value, a list or a range form, found a %s distribution "
                            "(distributions need search.method: random)", DIST_NAMES[ax->dist]);
        }
    return 0;
}
