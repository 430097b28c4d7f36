// spec_axes.c: one axis of a grid, as the spec writes it (DESIGN section 2): a value, a list
// of values, a range form ({range: ...}, {linspace: ...}, {geomspace: ...}) or, for random
// search, a distribution ({uniform: ...}, {loguniform: ...}, {randint: ...}). Every value is
// checked against the axis's row of the table (axis.h): its kind, its range and its message;
// a list or a range form holds each value once.
#include "spec_parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const DIST_NAMES[N_DISTS] = {"", "uniform", "loguniform", "randint"};

// Range forms, then (random search only) distributions.
enum { FORM_RANGE, FORM_LINSPACE, FORM_GEOMSPACE, FORM_UNIFORM, FORM_LOGUNIFORM, FORM_RANDINT, N_FORMS };
static const char *const FORM_NAMES[N_FORMS] = {"range", "linspace", "geomspace", "uniform", "loguniform",
                                                "randint"};

// ---------------------------------------------------------------------------------------------
// Values

int spec_alloc_axis(const SpecCtx *c, AxisId a, int64_t n) {
    SpecAxis *ax = &c->g->axes[a];
    ax->n_values = n;
    if (axis_is_real(a)) ax->reals = calloc((size_t)n, sizeof *ax->reals);
    else ax->ints = calloc((size_t)n, sizeof *ax->ints);
    ax->locs = calloc((size_t)n, sizeof *ax->locs);
    if (!ax->locs || (!ax->reals && !ax->ints)) return spec_oom(c);
    return 0;
}

// Stores value i of axis a after checking it. found/where describe it for a message.
static int store(const SpecCtx *c, AxisId a, int64_t i, int64_t iv, double dv, SrcLoc at,
                 const char *key, const char *found, const char *why) {
    SpecAxis *ax = &c->g->axes[a];
    if (axis_is_real(a) ? !axis_allows_f64(a, dv) : !axis_allows_i64(a, iv))
        return spec_bad(c, at, key, "%s, found %s%s", axis_expect(a), found, why);
    if (axis_is_real(a)) ax->reals[i] = dv;
    else ax->ints[i] = iv;
    ax->locs[i] = at;
    return 0;
}

// One name of a name axis (plain or quoted), stored as its code; a near miss gets "did you mean".
static int parse_name(const SpecCtx *c, AxisId a, int64_t i, const yaml_node_t *n, const char *key) {
    char found[FOUND_LEN];
    spec_describe(n, found, sizeof found);
    int count;
    const char *const *names = axis_value_names(a, &count);
    const char *why = n->type == YAML_SEQUENCE_NODE ? " (lists do not nest)"
                      : n->type == YAML_MAPPING_NODE ? " (a range form cannot go inside a list)" : "";
    if (n->type == YAML_SCALAR_NODE) {
        const char *t = spec_text(n);
        for (int k = 0; k < count; k++)
            if (strcmp(t, names[k]) == 0) return store(c, a, i, k, 0.0, spec_loc(n), key, found, "");
        int near = spec_closest(t, names, count);
        if (near >= 0)
            return spec_bad(c, spec_loc(n), key, "%s, found %s; did you mean \"%s\"?", axis_expect(a), found,
                            names[near]);
    }
    return spec_bad(c, spec_loc(n), key, "%s, found %s%s", axis_expect(a), found, why);
}

// One written value: a scalar of the axis's kind.
static int parse_item(const SpecCtx *c, AxisId a, int64_t i, const yaml_node_t *n, const char *key) {
    char found[FOUND_LEN];
    spec_describe(n, found, sizeof found);
    const char *t = spec_plain(n), *why = spec_hint(n);
    if (n->type == YAML_SEQUENCE_NODE) why = " (lists do not nest)";
    if (n->type == YAML_MAPPING_NODE) why = " (a range form cannot go inside a list)";
    int64_t iv = 0;
    double dv = 0;
    int b;
    int ok = t != NULL;
    if (axis_is_name(a)) return parse_name(c, a, i, n, key);
    if (ok && axis_is_real(a)) ok = spec_read_real(t, &dv) == 0;
    else if (ok && axis_kind(a) == AXIS_BOOL && spec_read_bool(n, &b) == 0) iv = b;
    else if (ok) ok = spec_read_int(t, &iv) == 0;
    if (!ok) return spec_bad(c, spec_loc(n), key, "%s, found %s%s", axis_expect(a), found, why);
    return store(c, a, i, iv, dv, spec_loc(n), key, found, "");
}

typedef struct {
    int64_t i;
    double d;
    int64_t idx;
} Slot;

static int cmp_int_slot(const void *x, const void *y) {
    const Slot *p = x, *q = y;
    if (p->i != q->i) return p->i < q->i ? -1 : 1;
    return (p->idx > q->idx) - (p->idx < q->idx);
}

static int cmp_real_slot(const void *x, const void *y) {
    const Slot *p = x, *q = y;
    if (p->d != q->d) return p->d < q->d ? -1 : 1;
    return (p->idx > q->idx) - (p->idx < q->idx);
}

void spec_format_value(AxisId a, const SpecAxis *ax, int64_t i, char *out, size_t cap) {
    axis_format(out, cap, a, ax->ints ? ax->ints[i] : 0, ax->reals ? ax->reals[i] : 0.0, "%.15g");
}

// Each value once. form: NULL for written values, else the range form that made them.
static int check_distinct(const SpecCtx *c, AxisId a, const char *key, const char *form) {
    const SpecAxis *ax = &c->g->axes[a];
    int64_t n = ax->n_values;
    if (n < 2) return 0;
    Slot *slots = malloc((size_t)n * sizeof *slots);
    if (!slots) return spec_oom(c);
    for (int64_t i = 0; i < n; i++) {
        slots[i].i = ax->ints ? ax->ints[i] : 0;
        slots[i].d = ax->reals ? ax->reals[i] : 0;
        slots[i].idx = i;
    }
    qsort(slots, (size_t)n, sizeof *slots, axis_is_real(a) ? cmp_real_slot : cmp_int_slot);
    // The repeat that comes first in the file, and the first value it repeats.
    int64_t second = n, first = 0, run = 0;
    for (int64_t k = 1; k < n; k++) {
        int same = axis_is_real(a) ? slots[k].d == slots[k - 1].d : slots[k].i == slots[k - 1].i;
        if (!same) { run = k; continue; }
        if (k == run + 1 && slots[k].idx < second) { second = slots[k].idx; first = slots[run].idx; }
    }
    free(slots);
    if (second == n) return 0;
    char value[48];
    spec_format_value(a, ax, second, value, sizeof value);
    if (form)
        return spec_bad(c, ax->locs[second], key,
                        "expected distinct values, found %s twice (values %lld and %lld of the %s)",
                        value, (long long)first + 1, (long long)second + 1, form);
    char item[ITEM_LEN];
    spec_indexed(item, sizeof item, key, (long long)second);
    return spec_bad(c, ax->locs[second], item,
                    "expected each value once, found %s again (first at line %d, column %d)", value,
                    ax->locs[first].line, ax->locs[first].col);
}

// ---------------------------------------------------------------------------------------------
// Range forms and distributions

// The arguments of a range form: a list of scalars, of an allowed length.
static int form_args(const SpecCtx *c, const yaml_node_t *args, const char *key, const char *shape,
                     int min_n, int max_n, const yaml_node_t **out, int *n) {
    char found[FOUND_LEN];
    spec_describe(args, found, sizeof found);
    int64_t len = args->type == YAML_SEQUENCE_NODE
                      ? args->data.sequence.items.top - args->data.sequence.items.start : -1;
    if (len < min_n || len > max_n) {
        if (len >= 0) snprintf(found, sizeof found, "a list of %lld", (long long)len);
        return spec_bad(c, spec_loc(args), key, "expected a list %s, found %s", shape, found);
    }
    for (int64_t i = 0; i < len; i++) {
        out[i] = yaml_document_get_node(c->doc, args->data.sequence.items.start[i]);
        if (!out[i]) return spec_bad(c, spec_loc(args), key, "expected a list %s", shape);
    }
    *n = (int)len;
    return 0;
}

// An argument of a range form: an integer (range, counts) or a number.
static int form_int(const SpecCtx *c, const yaml_node_t *n, const char *key, int i, const char *what,
                    const char *tip, int64_t *out) {
    char item[ITEM_LEN], found[FOUND_LEN];
    spec_indexed(item, sizeof item, key, i);
    spec_describe(n, found, sizeof found);
    const char *t = spec_plain(n);
    if (t && spec_read_int(t, out) == 0) return 0;
    double d;
    const char *why = spec_hint(n);
    if (t && spec_read_real(t, &d) == 0) why = tip;
    return spec_bad(c, spec_loc(n), item, "expected %s, found %s%s", what, found, why);
}

static int form_real(const SpecCtx *c, const yaml_node_t *n, const char *key, int i, int positive,
                     double *out) {
    char item[ITEM_LEN], found[FOUND_LEN];
    spec_indexed(item, sizeof item, key, i);
    spec_describe(n, found, sizeof found);
    const char *t = spec_plain(n);
    if (t && spec_read_real(t, out) == 0 && (!positive || *out > 0)) return 0;
    return spec_bad(c, spec_loc(n), item, positive ? "expected a positive number (geomspace needs both "
                                              "ends above 0), found %s%s"
                                            : "expected a number, found %s%s",
               found, spec_hint(n));
}

// {range: [start, stop(, step)]}: like Python's range.
static int gen_range(const SpecCtx *c, AxisId a, const yaml_node_t *form, const yaml_node_t *args,
                     const char *key) {
    char fkey[KEY_LEN];
    spec_join(fkey, sizeof fkey, key, ".", "range");
    const yaml_node_t *arg[3];
    int n_args, rc;
    rc = form_args(c, args, fkey, "[start, stop] or [start, stop, step]", 2, 3, arg, &n_args);
    if (rc) return rc;
    int64_t v[3] = {0, 0, 1};
    for (int i = 0; i < n_args; i++) {
        rc = form_int(c, arg[i], fkey, i, i == 2 ? "an integer step" : "an integer",
                      " (range makes integers; use linspace for other steps)", &v[i]);
        if (rc) return rc;
    }
    if (v[2] == 0) {
        char item[ITEM_LEN];
        spec_indexed(item, sizeof item, fkey, 2);
        return spec_bad(c, spec_loc(arg[2]), item, "expected a non-zero step, found 0");
    }
    // Count in unsigned arithmetic: stop - start may not fit in int64.
    uint64_t count = 0;
    if (v[2] > 0 && v[0] < v[1])
        count = ((uint64_t)v[1] - (uint64_t)v[0] - 1) / (uint64_t)v[2] + 1;
    if (v[2] < 0 && v[0] > v[1])
        count = ((uint64_t)v[0] - (uint64_t)v[1] - 1) / (0 - (uint64_t)v[2]) + 1;
    if (count == 0)
        return spec_bad(c, spec_loc(args), fkey,
                        "expected at least one value, found an empty range (start %lld, stop %lld "
                        "excluded, step %lld)",
                        (long long)v[0], (long long)v[1], (long long)v[2]);
    if (count > AXIS_MAX_VALUES)
        return spec_bad(c, spec_loc(args), fkey, "expected at most %d values on one axis, found %llu",
                        AXIS_MAX_VALUES, (unsigned long long)count);
    if ((rc = spec_alloc_axis(c, a, (int64_t)count))) return rc;
    for (uint64_t i = 0; i < count; i++) {
        // Wraps as unsigned; the true value lies between start and stop, so it fits.
        int64_t x = (int64_t)((uint64_t)v[0] + i * (uint64_t)v[2]);
        char found[64];
        snprintf(found, sizeof found, "%lld", (long long)x);
        char why[64];
        snprintf(why, sizeof why, " (value %llu of the range)", (unsigned long long)i + 1);
        rc = store(c, a, (int64_t)i, x, (double)x, spec_loc(form), key, found, why);
        if (rc) return rc;
    }
    return check_distinct(c, a, key, "range");
}

// {linspace: [a, b, n]} and {geomspace: [a, b, n]}: n values from a to b, both included.
static int gen_space(const SpecCtx *c, AxisId a, int geom, const yaml_node_t *form,
                     const yaml_node_t *args, const char *key) {
    const char *name = geom ? "geomspace" : "linspace";
    char fkey[KEY_LEN];
    spec_join(fkey, sizeof fkey, key, ".", name);
    const yaml_node_t *arg[3];
    int n_args, rc;
    rc = form_args(c, args, fkey, "[start, stop, count]", 3, 3, arg, &n_args);
    if (rc) return rc;
    double end[2];
    for (int i = 0; i < 2; i++)
        if ((rc = form_real(c, arg[i], fkey, i, geom, &end[i]))) return rc;
    char count_what[64];
    snprintf(count_what, sizeof count_what, "a count from 1 to %d", AXIS_MAX_VALUES);
    int64_t n;
    if ((rc = form_int(c, arg[2], fkey, 2, count_what, "", &n))) return rc;
    if (n < 1 || n > AXIS_MAX_VALUES) {
        char item[ITEM_LEN];
        spec_indexed(item, sizeof item, fkey, 2);
        return spec_bad(c, spec_loc(arg[2]), item, "expected %s, found %lld", count_what, (long long)n);
    }
    // On an integer axis, ends written as integers are kept exactly (beyond 2^53 too).
    int64_t end_int[2];
    int exact[2];
    for (int i = 0; i < 2; i++) exact[i] = spec_plain(arg[i]) && spec_read_int(spec_plain(arg[i]), &end_int[i]) == 0;
    if ((rc = spec_alloc_axis(c, a, n))) return rc;
    double la = geom ? log(end[0]) : 0, lb = geom ? log(end[1]) : 0;
    for (int64_t i = 0; i < n; i++) {
        int which = i == 0 ? 0 : i == n - 1 ? 1 : -1;
        double v = which >= 0 ? end[which]
                   : geom     ? spec_round15(exp(la + (double)i * (lb - la) / (double)(n - 1)))
                              : spec_round15(end[0] + (double)i * (end[1] - end[0]) / (double)(n - 1));
        char found[64], why[64];
        spec_format_real(v, found, sizeof found);
        snprintf(why, sizeof why, " (value %lld of %lld of the %s)", (long long)i + 1,
                 (long long)n, name);
        int64_t iv = 0;
        if (!axis_is_real(a)) {
            double r = nearbyint(v);
            if (which >= 0 && exact[which]) iv = end_int[which];
            else if (!(fabs(v - r) <= 1e-9 * fmax(1.0, fabs(r))))
                return spec_bad(c, spec_loc(form), key, "expected whole numbers on this axis, found %s%s",
                                found, why);
            else if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
                return spec_bad(c, spec_loc(form), key, "%s, found %s%s", axis_expect(a), found, why);
            else iv = (int64_t)r;
            if (which < 0 || !exact[which]) snprintf(found, sizeof found, "%lld", (long long)iv);
        }
        if ((rc = store(c, a, i, iv, v, spec_loc(form), key, found, why))) return rc;
    }
    return check_distinct(c, a, key, name);
}

// {uniform: [a, b]}, {loguniform: [a, b]} (real axes), {randint: [a, b]} (integer axes, b
// excluded): drawn by random search (search.c). Checked here; allowed only with
// search.method: random, which spec_check_search sees once the whole file is read.
static int gen_dist(const SpecCtx *c, AxisId a, int f, const yaml_node_t *form, const yaml_node_t *args,
                    const char *key) {
    const char *name = FORM_NAMES[f];
    char fkey[KEY_LEN], item[ITEM_LEN], found[FOUND_LEN];
    spec_join(fkey, sizeof fkey, key, ".", name);
    if (a == AXIS_SEED)
        return spec_bad(c, spec_loc(form), key, "expected a value, a list or a range form, found a %s distribution "
                                         "(seed is never drawn: every drawn setting runs every seed)", name);
    int randint = f == FORM_RANDINT;
    int is_bool = axis_kind(a) == AXIS_BOOL;
    if (is_bool || randint == axis_is_real(a))
        return spec_bad(c, spec_loc(form), fkey, "expected %s on this axis%s, found %s",
                        is_bool ? "a list [false, true] to draw from"
                        : axis_is_real(a) ? "uniform or loguniform" : "randint",
                        is_bool ? "" : axis_is_real(a) ? " (randint draws integers)"
                                                            : " (uniform and loguniform draw real numbers)", name);
    const yaml_node_t *arg[2];
    int n_args, rc;
    rc = form_args(c, args, fkey, randint ? "[low, high] (high excluded)" : "[low, high]", 2, 2, arg, &n_args);
    if (rc) return rc;
    SpecAxis *ax = &c->g->axes[a];
    if (randint) {
        int64_t v[2];
        for (int i = 0; i < 2; i++)
            if ((rc = form_int(c, arg[i], fkey, i, "an integer", " (randint draws integers)", &v[i]))) return rc;
        spec_indexed(item, sizeof item, fkey, 0);
        if (!axis_allows_i64(a, v[0]))
            return spec_bad(c, spec_loc(arg[0]), item, "%s, found %lld", axis_expect(a), (long long)v[0]);
        if (v[1] <= v[0])
            return spec_bad(c, spec_loc(args), fkey, "expected low < high (high is excluded), found [%lld, %lld]",
                            (long long)v[0], (long long)v[1]);
        spec_indexed(item, sizeof item, fkey, 1);
        if (!axis_allows_i64(a, v[1] - 1))
            return spec_bad(c, spec_loc(arg[1]), item,
                            "%s, found %lld (high is excluded: the largest draw would be %lld)", axis_expect(a),
                            (long long)v[1], (long long)v[1] - 1);
        ax->ilo = v[0];
        ax->ihi = v[1];
        ax->lo = (double)v[0];
        ax->hi = (double)v[1];
        ax->dist = DIST_RANDINT;
    } else {
        double v[2];
        for (int i = 0; i < 2; i++) {
            spec_indexed(item, sizeof item, fkey, i);
            spec_describe(arg[i], found, sizeof found);
            const char *t = spec_plain(arg[i]);
            if (!t || spec_read_real(t, &v[i]) != 0 || !axis_allows_f64(a, v[i]))
                return spec_bad(c, spec_loc(arg[i]), item, "%s, found %s%s", axis_expect(a), found, spec_hint(arg[i]));
        }
        if (f == FORM_LOGUNIFORM && !(v[0] > 0)) {
            spec_indexed(item, sizeof item, fkey, 0);
            return spec_bad(c, spec_loc(arg[0]), item,
                            "expected a positive number (loguniform needs low > 0), found %s", spec_plain(arg[0]));
        }
        if (!(v[0] < v[1])) {
            char lo[40], hi[40];
            spec_format_real(v[0], lo, sizeof lo);
            spec_format_real(v[1], hi, sizeof hi);
            return spec_bad(c, spec_loc(args), fkey, "expected low < high, found [%s, %s]", lo, hi);
        }
        ax->lo = v[0];
        ax->hi = v[1];
        ax->dist = f == FORM_UNIFORM ? DIST_UNIFORM : DIST_LOGUNIFORM;
    }
    ax->dist_loc = spec_loc(form);
    ax->n_values = 0;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// An axis

// A one-key mapping naming a range form.
static int parse_form(const SpecCtx *c, AxisId a, const yaml_node_t *map, const char *key) {
    const yaml_node_pair_t *p = map->data.mapping.pairs.start;
    int64_t n = map->data.mapping.pairs.top - p;
    if (n == 0)
        return spec_bad(c, spec_loc(map), key, "expected a value, a list or a range form such as "
                                        "{range: [0, 5]}, found an empty mapping");
    const yaml_node_t *fk = yaml_document_get_node(c->doc, p[0].key);
    const yaml_node_t *args = yaml_document_get_node(c->doc, p[0].value);
    if (!fk || !args) return spec_bad(c, spec_loc(map), key, "expected a range form");
    char found[FOUND_LEN];
    spec_describe(fk, found, sizeof found);
    if (fk->type != YAML_SCALAR_NODE)
        return spec_bad(c, spec_loc(fk), key, "expected range, linspace or geomspace, found %s", found);
    int f = 0;
    while (f < N_FORMS && strcmp(spec_text(fk), FORM_NAMES[f]) != 0) f++;
    if (f == N_FORMS) {
        char path[KEY_LEN];
        spec_key_path(key, spec_text(fk), fk->data.scalar.length, path, sizeof path);
        int near = spec_closest(spec_text(fk), FORM_NAMES, N_FORMS);
        if (near >= 0)
            return spec_bad(c, spec_loc(fk), path, "unknown range form; did you mean \"%s\"?", FORM_NAMES[near]);
        return spec_bad(c, spec_loc(fk), path, "unknown range form; expected range, linspace or geomspace "
                                        "(or, with search.method: random, uniform, loguniform or randint)");
    }
    if (n > 1) {
        const yaml_node_t *extra = yaml_document_get_node(c->doc, p[1].key);
        if (extra) {
            spec_describe(extra, found, sizeof found);
            return spec_bad(c, spec_loc(extra), key, "expected one range form, found a second key %s", found);
        }
    }
    if (axis_is_name(a))
        return spec_bad(c, spec_loc(map), key,
                        "%s, or a list of them (random search draws from a list), found a %s form", axis_expect(a),
                        FORM_NAMES[f]);
    if (f == FORM_RANGE) return gen_range(c, a, map, args, key);
    if (f == FORM_LINSPACE || f == FORM_GEOMSPACE) return gen_space(c, a, f == FORM_GEOMSPACE, map, args, key);
    return gen_dist(c, a, f, map, args, key);
}

int spec_parse_axis(const SpecCtx *c, AxisId a, const yaml_node_t *v) {
    char key[KEY_LEN];
    snprintf(key, sizeof key, "%s.%s", c->gkey, axis_name(a));
    int rc;
    if (v->type == YAML_MAPPING_NODE) return parse_form(c, a, v, key);
    if (v->type != YAML_SEQUENCE_NODE) {
        if ((rc = spec_alloc_axis(c, a, 1))) return rc;
        return parse_item(c, a, 0, v, key);
    }
    int64_t n = v->data.sequence.items.top - v->data.sequence.items.start;
    if (n == 0) return spec_bad(c, spec_loc(v), key, "expected at least one value, found an empty list");
    if ((rc = spec_alloc_axis(c, a, n))) return rc;
    for (int64_t i = 0; i < n; i++) {
        const yaml_node_t *item = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        if (!item) return spec_bad(c, spec_loc(v), key, "expected a list of values");
        char ikey[ITEM_LEN];
        spec_indexed(ikey, sizeof ikey, key, (long long)i);
        if ((rc = parse_item(c, a, i, item, ikey))) return rc;
    }
    return check_distinct(c, a, key, NULL);
}
