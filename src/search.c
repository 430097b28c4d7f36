// search.c: random search's draw (see search.h).
#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rng.h"
#include "sweep.h"

#define EMPTY UINT64_MAX      // no position is UINT64_MAX: the space is below 2^64 - 1

int search_axis_is_drawn(AxisId a, const SpecAxis *ax) {
    return a != AXIS_SEED && (ax->dist != DIST_NONE || ax->n_values > 1);
}

// Rounds to 15 significant digits, as range forms do, so that a drawn value reads as it prints:
// the double nearest to v's exact decimal value rounded (half to even) to 15 digits, which is
// strtod(printf("%.15g", v)). Exact integer arithmetic instead of the decimal conversions,
// which would be most of the time of drawing a million settings: v = M 2^E exactly, and
// m = round(M 10^s 2^E) with 10^14 <= m <= 10^15 is computed in 128 bits; m / 10^s is then one
// correctly rounded division of exact operands (s <= 22: 10^s is exact). Values this cannot
// take (below 1e-7, above 2^52) go through the text.
double search_round15(double v) {
    static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (v > 1e-7 && v < 0x1p52) {
        int e;
        double f = frexp(v, &e);                          // v = f 2^e, f in [0.5, 1)
        uint64_t M = (uint64_t)ldexp(f, 53);              // v = M 2^(e - 53), exactly
        int shift = 53 - e;                               // > 0 below 2^52
        int s = 14 - (int)floor((double)(e - 1) * 0.30102999566398120);   // first guess
        for (int tries = 0; tries < 3 && s >= 0 && s <= 22 && shift < 127; tries++) {
            unsigned __int128 p = (unsigned __int128)M * (uint64_t)POW10[s], unit = (unsigned __int128)1 << shift;
            unsigned __int128 q = p >> shift, rem = p & (unit - 1), half = unit >> 1;
            if (q >= (unsigned __int128)1000000000000000ULL) { s--; continue; }
            if (q < (unsigned __int128)100000000000000ULL) { s++; continue; }
            if (rem > half || (rem == half && (q & 1))) q++;
            return (double)(uint64_t)q / POW10[s];
        }
    }
    char b[40];
    snprintf(b, sizeof b, "%.15g", v);
    return strtod(b, NULL);
}

int search_init(Search *se, const Spec *s, char *err) {
    memset(se, 0, sizeof *se);
    se->axes = s->grids[0].axes;
    se->seed = s->search.seed;
    se->n = s->search.n;
    se->without_replacement = 1;
    unsigned __int128 space = 1;
    for (int a = 0; a < N_AXES; a++) {
        const SpecAxis *ax = &se->axes[a];
        se->radix[a] = 1;
        if (!search_axis_is_drawn((AxisId)a, ax)) continue;
        if (ax->dist == DIST_UNIFORM || ax->dist == DIST_LOGUNIFORM) { se->without_replacement = 0; continue; }
        se->radix[a] = ax->dist == DIST_RANDINT ? (uint64_t)(ax->ihi - ax->ilo) : (uint64_t)ax->n_values;
        space *= se->radix[a];
        if (space >= (unsigned __int128)UINT64_MAX) space = UINT64_MAX;
    }
    if (!se->without_replacement) return SWEEP_OK;
    char where[256];
    if (space >= UINT64_MAX) {
        spec_where(s, s->search.loc, where, sizeof where);
        return fail(err, SWEEP_ERR_USAGE, "%s: search: expected a space of fewer than 2^64 - 1 settings to draw "
                    "without replacement (every drawn axis is discrete), found more", where);
    }
    se->space = (uint64_t)space;
    if ((uint64_t)se->n > se->space) {
        spec_where(s, s->search.n_loc, where, sizeof where);
        return fail(err, SWEEP_ERR_USAGE, "%s: search.n: expected at most %llu, the number of distinct settings "
                    "(every drawn axis is discrete, so they are drawn without replacement), found %lld", where,
                    (unsigned long long)se->space, (long long)se->n);
    }
    if (se->space <= 4 * (uint64_t)se->n) {
        se->vals = malloc((size_t)se->space * sizeof *se->vals);
        if (!se->vals) return fail(err, SWEEP_ERR_RUNTIME, "out of memory drawing %lld settings", (long long)se->n);
        for (uint64_t p = 0; p < se->space; p++) se->vals[p] = p;
        return SWEEP_OK;
    }
    // At most one new entry per draw: a load of at most 2/3.
    uint64_t cap = 16;
    while (cap < (uint64_t)se->n + (uint64_t)se->n / 2 + 1) cap *= 2;
    se->keys = malloc((size_t)cap * sizeof *se->keys);
    se->vals = malloc((size_t)cap * sizeof *se->vals);
    if (!se->keys || !se->vals) {
        search_free(se);
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory drawing %lld settings", (long long)s->search.n);
    }
    memset(se->keys, 0xff, (size_t)cap * sizeof *se->keys);
    se->mask = cap - 1;
    return SWEEP_OK;
}

void search_free(Search *se) {
    free(se->keys);
    free(se->vals);
    memset(se, 0, sizeof *se);
}

static uint64_t slot_of(const Search *se, uint64_t pos) {
    uint64_t h = pos * 0x9e3779b97f4a7c15ULL;
    uint64_t i = (h ^ (h >> 29)) & se->mask;
    while (se->keys[i] != EMPTY && se->keys[i] != pos) i = (i + 1) & se->mask;
    return i;
}

// The value at a position of the lazy permutation: its own index until a step displaced it.
static uint64_t perm_get(const Search *se, uint64_t pos) {
    if (!se->keys) return se->vals[pos];
    uint64_t i = slot_of(se, pos);
    return se->keys[i] == EMPTY ? pos : se->vals[i];
}

static void perm_set(Search *se, uint64_t pos, uint64_t v) {
    if (!se->keys) { se->vals[pos] = v; return; }
    uint64_t i = slot_of(se, pos);
    se->keys[i] = pos;
    se->vals[i] = v;
}

// Value index (or, for randint, offset from low) of axis a in setting i.
static void set_axis(const Search *se, int a, uint64_t index, double real, Hyper *h) {
    const SpecAxis *ax = &se->axes[a];
    int64_t iv = ax->dist == DIST_RANDINT ? ax->ilo + (int64_t)index : ax->ints ? ax->ints[index] : 0;
    double dv = ax->dist ? real : ax->reals ? ax->reals[index] : 0.0;
    if (a == AXIS_SEED) return;   // crossed by the grid, not drawn
    if (axis_is_real((AxisId)a)) axis_set_f64(h, (AxisId)a, dv);
    else axis_set_i64(h, (AxisId)a, iv);
}

void search_next(Search *se, Hyper *h) {
    uint64_t i = (uint64_t)se->next++;
    memset(h, 0, sizeof *h);
    if (se->without_replacement) {
        Rng r;
        rng_init(&r, se->seed, RNG_SEARCH_ORDER, i, 0);
        uint64_t j = i + rng_below(&r, se->space - i);
        uint64_t point = perm_get(se, j);
        if (j != i) perm_set(se, j, perm_get(se, i));
        for (int a = N_AXES - 1; a >= 0; a--) {   // mixed radix, the last axis fastest
            set_axis(se, a, point % se->radix[a], 0.0, h);
            point /= se->radix[a];
        }
        return;
    }
    for (int a = 0; a < N_AXES; a++) {
        const SpecAxis *ax = &se->axes[a];
        if (a == AXIS_SEED) continue;
        if (!search_axis_is_drawn((AxisId)a, ax)) { set_axis(se, a, 0, 0.0, h); continue; }
        Rng r;
        rng_init(&r, se->seed, RNG_SEARCH, i, (uint64_t)a);
        double real = 0.0;
        uint64_t index = 0;
        switch (ax->dist) {
        case DIST_UNIFORM: real = search_round15(ax->lo + rng_uniform(&r) * (ax->hi - ax->lo)); break;
        case DIST_LOGUNIFORM: real = search_round15(rng_loguniform(&r, ax->lo, ax->hi)); break;
        case DIST_RANDINT: index = rng_below(&r, (uint64_t)(ax->ihi - ax->ilo)); break;
        default: index = rng_below(&r, (uint64_t)ax->n_values); break;
        }
        set_axis(se, a, index, real, h);
    }
}
