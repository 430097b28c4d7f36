// spec.c: the YAML spec (DESIGN section 2) parsed with libyaml's document API into a Spec.
// Every error is one line "file:line:col: key: expected ..., found ...", the position being
// the 1-based start of the offending node. Any byte string must come back as a Spec or as a
// message, never a crash or a leak: the parser is fuzzed.
#include "spec.h"
#include "optim.h"
#include "sweep.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

const char *const DIST_NAMES[N_DISTS] = {"", "uniform", "loguniform", "randint"};

enum {
    AXIS_MAX_VALUES = 1000000,    // one axis; guards memory, the grid module caps the product
    MAX_GRIDS = 1000,             // sub-grids in a list
    SEARCH_MAX_N = 10000000,      // random search: the grid module caps the configs too
    SPEC_MAX_BYTES = 16 << 20,    // a spec is a short file; refuses /dev/zero and the like
    KEY_LEN = 192,                // a dotted key in a message
    ITEM_LEN = KEY_LEN + 24,      // a dotted key with an index: grid.seed.range[2]
    FOUND_LEN = 256,              // a found value in a message (about 60 characters shown)
};

enum { TOP_NAME, TOP_OUTPUT, TOP_SAVE, TOP_DATA, TOP_GRID, TOP_SEARCH, TOP_HALVING, N_TOP };
static const char *const TOP_KEYS[N_TOP] = {"name", "output", "save_initial_weights", "data",
                                            "grid", "search", "halving"};

enum { DATA_SOURCE, DATA_LABEL, DATA_TEST_FRACTION, DATA_SPLIT_SEED, DATA_SCALE, DATA_FOLDS, DATA_REPEATS,
       N_DATA };
static const char *const DATA_KEYS[N_DATA] = {"source", "label", "test_fraction", "split_seed",
                                              "scale",  "folds", "repeats"};

enum { MAX_FOLDS = 1000000, MAX_REPEATS = 1000000 };

enum { SEARCH_METHOD, SEARCH_N, SEARCH_SEED, N_SEARCH };
static const char *const SEARCH_KEYS[N_SEARCH] = {"method", "n", "seed"};

enum { HALVING_FACTOR, HALVING_MIN_EPOCHS, HALVING_METRIC, N_HALVING };
static const char *const HALVING_KEYS[N_HALVING] = {"factor", "min_epochs", "metric"};
static const char *const HALVING_METRICS[2] = {"val_loss", "val_acc"};   // indexed by HalvingMetric
enum { HALVING_MAX_FACTOR = 1000 };

// Range forms, then (random search only) distributions.
enum { FORM_RANGE, FORM_LINSPACE, FORM_GEOMSPACE, FORM_UNIFORM, FORM_LOGUNIFORM, FORM_RANDINT, N_FORMS };
static const char *const FORM_NAMES[N_FORMS] = {"range", "linspace", "geomspace", "uniform", "loguniform",
                                                "randint"};

// The three levels of keys, so that a key written at the wrong level can be pointed home.
typedef struct {
    const char *prefix;
    const char *const *names;
    int n;
} Level;
static const Level LEVELS[] = {{"", TOP_KEYS, N_TOP},
                               {"data", DATA_KEYS, N_DATA},
                               {"grid", AXIS_NAMES, N_AXES},
                               {"search", SEARCH_KEYS, N_SEARCH},
                               {"halving", HALVING_KEYS, N_HALVING}};
enum { N_LEVELS = sizeof LEVELS / sizeof LEVELS[0] };

typedef struct {
    Spec *s;
    yaml_document_t *doc;
    const char *path;         // for messages: never NULL
    char *err;
    SpecGrid *g;              // the (sub-)grid being parsed
    char gkey[32];            // its key in messages: "grid", or "grid[1]" in a list
} Ctx;

// ---------------------------------------------------------------------------------------------
// Messages

static SrcLoc mark_loc(yaml_mark_t m) {
    SrcLoc l = {m.line < INT_MAX ? (int)m.line + 1 : INT_MAX,
                m.column < INT_MAX ? (int)m.column + 1 : INT_MAX};
    return l;
}

static SrcLoc loc_of(const yaml_node_t *n) { return mark_loc(n->start_mark); }

// "PATH:L:C: KEY: message". A zero loc (a default value) drops ":L:C", an empty key drops "KEY: ".
__attribute__((format(printf, 4, 5)))
static int bad(const Ctx *c, SrcLoc at, const char *key, const char *fmt, ...) {
    char msg[ERR_LEN], where[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    spec_where(c->s, at, where, sizeof where);
    int has_key = key && *key;
    return fail(c->err, SWEEP_ERR_USAGE, "%s: %s%s%s", where, has_key ? key : "",
                has_key ? ": " : "", msg);
}

static int oom(const Ctx *c) {
    return fail(c->err, SWEEP_ERR_RUNTIME, "%s: out of memory while reading the spec", c->path);
}


static const char *scalar_text(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

// The text of a plain (unquoted) scalar, or NULL for anything else.
static const char *plain(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return NULL;
    return scalar_text(n);
}

static int is_word(const char *t, const char *const *words, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(t, words[i]) == 0) return 1;
    return 0;
}

static const char *const NULL_WORDS[] = {"~", "null", "Null", "NULL"};
static const char *const TRUE_WORDS[] = {"true", "True", "TRUE"};
static const char *const FALSE_WORDS[] = {"false", "False", "FALSE"};

static int parse_int(const char *t, int64_t *out);
static int parse_real(const char *t, double *out);

// How a node reads in "found ...": 16, "fast", true, null, nothing, a list, a mapping.
static void describe(const yaml_node_t *n, char *out, size_t cap) {
    switch (n->type) {
    case YAML_SCALAR_NODE: {
        const char *t = plain(n);
        int64_t i;
        double d;
        if (t && !*t) snprintf(out, cap, "nothing");
        else if (t && is_word(t, NULL_WORDS, 4)) snprintf(out, cap, "null");
        else if (t && (parse_int(t, &i) == 0 || parse_real(t, &d) == 0 || is_word(t, TRUE_WORDS, 3)
                       || is_word(t, FALSE_WORDS, 3)))
            sweep_quote(t, strlen(t), 0, out, cap);
        else
            sweep_quote(scalar_text(n), n->data.scalar.length, 1, out, cap);
        break;
    }
    case YAML_SEQUENCE_NODE:
        snprintf(out, cap, n->data.sequence.items.top == n->data.sequence.items.start
                               ? "an empty list" : "a list");
        break;
    case YAML_MAPPING_NODE:
        snprintf(out, cap, n->data.mapping.pairs.top == n->data.mapping.pairs.start
                               ? "an empty mapping" : "a mapping");
        break;
    default:
        snprintf(out, cap, "nothing");
    }
}

// A hint to append after "found X" when the likely mistake is recognisable.
static const char *hint_for(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE) return "";
    const char *t = scalar_text(n);
    int64_t i;
    double d;
    if (!plain(n) && (parse_int(t, &i) == 0 || parse_real(t, &d) == 0))
        return " (quoted, so a string: remove the quotes)";
    if (plain(n) && strchr(t, ','))
        return " (several values are written as a list: [a, b])";
    return "";
}

// "prefix.word" (or "word" at the top), the word made printable.
// Appends piece to the string in out (cap bytes in all), cutting it short if it does not fit.
static void append(char *out, size_t cap, const char *piece) {
    size_t used = strlen(out), n = strlen(piece);
    if (used + 1 >= cap) return;
    if (n > cap - used - 1) n = cap - used - 1;
    memcpy(out + used, piece, n);
    out[used + n] = '\0';
}

// key + sep + word: "grid" "." "seed" -> "grid.seed" (no separator after an empty key).
static void join(char *out, size_t cap, const char *key, const char *sep, const char *word) {
    out[0] = '\0';
    append(out, cap, key);
    if (*key) append(out, cap, sep);
    append(out, cap, word);
}

// "grid.hidden_dim" 2 -> "grid.hidden_dim[2]".
static void indexed(char *out, size_t cap, const char *key, long long i) {
    char idx[32];
    snprintf(idx, sizeof idx, "[%lld]", i);
    join(out, cap, key, "", idx);
}

static void key_path(const char *prefix, const char *word, size_t len, char *out, size_t cap) {
    char w[FOUND_LEN];
    sweep_quote(word, len, 0, w, sizeof w);
    join(out, cap, prefix, ".", w);
}

// ---------------------------------------------------------------------------------------------
// Scalars

// A plain decimal integer with an optional sign: "42", "-3", "+7". 0, or -1 when t is not one
// or does not fit in int64.
static int parse_int(const char *t, int64_t *out) {
    const char *p = t;
    int neg = 0;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (!*p) return -1;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (!neg) *out = (int64_t)v;
    else *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    return 0;
}

// A finite decimal number ("0.01", "1e-3", "-2"): no hex, inf, nan or spaces. 0 or -1.
static int parse_real(const char *t, double *out) {
    if (!*t) return -1;
    for (const char *p = t; *p; p++)
        if (!strchr("0123456789+-.eE", *p)) return -1;
    char *end;
    double v = strtod(t, &end);
    if (end == t || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

// A YAML boolean (true/True/TRUE/false/...), plain. 0 or -1.
static int parse_bool(const yaml_node_t *n, int *out) {
    const char *t = plain(n);
    if (t && is_word(t, TRUE_WORDS, 3)) { *out = 1; return 0; }
    if (t && is_word(t, FALSE_WORDS, 3)) { *out = 0; return 0; }
    return -1;
}

// The value as a printable number for a message.
static void format_real(double v, char *out, size_t cap) { snprintf(out, cap, "%.15g", v); }

// Rounds to 15 significant digits, so that generated values read as written: 0.01, not
// 0.010000000000000002.
static double round15(double v) {
    char b[40];
    format_real(v, b, sizeof b);
    return strtod(b, NULL);
}

// ---------------------------------------------------------------------------------------------
// "Did you mean": optimal string alignment distance, ignoring case and '-' versus '_'.


// The closest of names to word, or -1 when none is close: one edit for names of up to 4
// letters, two for longer ones.
static int closest(const char *word, const char *const *names, int n) {
    int best = -1, best_d = INT_MAX;
    for (int i = 0; i < n; i++) {
        int d = sweep_edit_distance(word, names[i]);
        int allowed = strlen(names[i]) <= 4 ? 1 : 2;
        if (d <= allowed && d < best_d) { best = i; best_d = d; }
    }
    return best;
}

// "unknown key; did you mean ...?" for a key at the level of `self`.
static int unknown_key(const Ctx *c, const yaml_node_t *key, const Level *self) {
    char path[KEY_LEN];
    const char *word = scalar_text(key);
    key_path(self->prefix, word, key->data.scalar.length, path, sizeof path);
    int i = closest(word, self->names, self->n);
    if (i >= 0) return bad(c, loc_of(key), path, "unknown key; did you mean \"%s\"?", self->names[i]);
    // The right key at the wrong level: point it home.
    for (int l = 0; l < N_LEVELS; l++) {
        if (&LEVELS[l] == self) continue;
        int j = closest(word, LEVELS[l].names, LEVELS[l].n);
        if (j < 0) continue;
        if (*LEVELS[l].prefix)
            return bad(c, loc_of(key), path, "unknown key; did you mean \"%s.%s\" (indented under %s:)?",
                       LEVELS[l].prefix, LEVELS[l].names[j], LEVELS[l].prefix);
        return bad(c, loc_of(key), path, "unknown key; did you mean \"%s\" at the top level?",
                   LEVELS[l].names[j]);
    }
    char list[256] = "";
    for (int k = 0; k < self->n; k++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", self->names[k]);
    }
    return bad(c, loc_of(key), path, "unknown key; expected one of %s", list);
}

// ---------------------------------------------------------------------------------------------
// Mappings

enum { MAX_KEYS = 16 };   // the most keys of a level (the grid's axes)

typedef struct {
    yaml_node_t *key[MAX_KEYS], *val[MAX_KEYS];   // by the level's key index; NULL when absent
    int order[MAX_KEYS], n;                       // the present ones, in file order
} Keys;

// Checks a mapping's keys against the level's names: each known and given once.
static int collect(const Ctx *c, const yaml_node_t *map, const Level *lv, Keys *k) {
    memset(k, 0, sizeof *k);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(c->doc, p->value);
        if (!key || !val) continue;   // cannot happen with a loaded document
        char found[FOUND_LEN];
        describe(key, found, sizeof found);
        if (key->type != YAML_SCALAR_NODE || (plain(key) && !*plain(key)))
            return bad(c, loc_of(key), lv->prefix, "expected a key name, found %s", found);
        int i = 0;
        while (i < lv->n && strcmp(scalar_text(key), lv->names[i]) != 0) i++;
        if (i == lv->n) return unknown_key(c, key, lv);
        if (k->key[i]) {
            char path[KEY_LEN];
            key_path(lv->prefix, lv->names[i], strlen(lv->names[i]), path, sizeof path);
            SrcLoc first = loc_of(k->key[i]);
            return bad(c, loc_of(key), path, "expected each key once, found it again (first at line %d, column %d)",
                       first.line, first.col);
        }
        k->key[i] = key;
        k->val[i] = val;
        k->order[k->n++] = i;
    }
    return 0;
}

// A non-empty string scalar, copied into *out. what: "a name", "a file path", ...
static int get_string(const Ctx *c, const yaml_node_t *n, const char *key, const char *what,
                      char **out) {
    char found[FOUND_LEN];
    describe(n, found, sizeof found);
    const char *t = plain(n);
    if (n->type != YAML_SCALAR_NODE || (t && (!*t || is_word(t, NULL_WORDS, 4)))
        || n->data.scalar.length == 0)
        return bad(c, loc_of(n), key, "expected %s, found %s", what, found);
    if (strlen(scalar_text(n)) != n->data.scalar.length)
        return bad(c, loc_of(n), key, "expected %s without NUL characters, found %s", what, found);
    free(*out);
    *out = strdup(scalar_text(n));
    return *out ? 0 : oom(c);
}

// ---------------------------------------------------------------------------------------------
// The data section

// CSV paths are relative to the spec's folder; built-in names and absolute paths stay.
static char *resolve_source(const char *spec_path, const char *given) {
    const char *slash = spec_path ? strrchr(spec_path, '/') : NULL;
    if (data_is_builtin(given) || given[0] == '/' || !slash) return strdup(given);
    size_t dir = (size_t)(slash - spec_path) + 1, rest = strlen(given);
    char *out = malloc(dir + rest + 1);
    if (!out) return NULL;
    memcpy(out, spec_path, dir);
    memcpy(out + dir, given, rest + 1);
    return out;
}

static int parse_data_key(const Ctx *c, int which, const yaml_node_t *v) {
    Spec *s = c->s;
    char key[KEY_LEN], found[FOUND_LEN];
    snprintf(key, sizeof key, "data.%s", DATA_KEYS[which]);
    describe(v, found, sizeof found);
    const char *t = plain(v);
    switch (which) {
    case DATA_SOURCE: {
        int rc = get_string(c, v, key, "a built-in data set (breast_cancer) or a CSV path",
                            &s->data.source_given);
        if (rc) return rc;
        s->data.source_loc = loc_of(v);
        s->data.source = resolve_source(s->path, s->data.source_given);
        return s->data.source ? 0 : oom(c);
    }
    case DATA_LABEL:
        return get_string(c, v, key, "the name of the 0/1 label column", &s->data.label);
    case DATA_TEST_FRACTION: {
        double d;
        if (!t || parse_real(t, &d) != 0 || !(d >= 0 && d < 1))
            return bad(c, loc_of(v), key, "expected a number from 0 (with folds) to 1 (exclusive), found %s%s",
                       found, hint_for(v));
        s->data.test_fraction = d;
        s->data.test_fraction_loc = loc_of(v);
        return 0;
    }
    case DATA_SPLIT_SEED: {
        int64_t i;
        if (!t || parse_int(t, &i) != 0 || i < 0)
            return bad(c, loc_of(v), key, "%s, found %s%s", axis_expect(AXIS_SEED), found,
                       hint_for(v));
        s->data.split_seed = (uint64_t)i;
        return 0;
    }
    case DATA_FOLDS:
    case DATA_REPEATS: {
        int64_t i, hi = which == DATA_FOLDS ? MAX_FOLDS : MAX_REPEATS;
        if (!t || parse_int(t, &i) != 0 || i < 1 || i > hi)
            return bad(c, loc_of(v), key, "expected an integer from 1 to %lld, found %s%s", (long long)hi, found,
                       hint_for(v));
        if (which == DATA_FOLDS) s->data.folds = i, s->data.folds_loc = loc_of(v);
        else s->data.repeats = i, s->data.repeats_loc = loc_of(v);
        return 0;
    }
    default: {   // DATA_SCALE
        const char *name = v->type == YAML_SCALAR_NODE ? scalar_text(v) : "";
        if (v->type == YAML_SCALAR_NODE && data_scale_parse(name, &s->data.scale) == 0) return 0;
        int near = v->type == YAML_SCALAR_NODE ? closest(name, DATA_SCALE_NAMES, 3) : -1;
        char tail[64] = "";
        if (near >= 0) snprintf(tail, sizeof tail, "; did you mean \"%s\"?", DATA_SCALE_NAMES[near]);
        return bad(c, loc_of(v), key, "expected minmax, standard or none, found %s%s", found, tail);
    }
    }
}

static int parse_data(const Ctx *c, const yaml_node_t *map) {
    if (map->type != YAML_MAPPING_NODE) {
        char found[FOUND_LEN];
        describe(map, found, sizeof found);
        return bad(c, loc_of(map), "data",
                   "expected a mapping (source, label, test_fraction, split_seed, scale, folds, repeats), found %s",
                   found);
    }
    Keys k;
    int rc = collect(c, map, &LEVELS[1], &k);
    for (int j = 0; !rc && j < k.n; j++) rc = parse_data_key(c, k.order[j], k.val[k.order[j]]);
    if (rc) return rc;
    // What the keys mean together: repeats and a test part of 0 need validation folds.
    const Spec *s = c->s;
    if (s->data.repeats > 1 && s->data.folds < 2)
        return bad(c, s->data.repeats_loc, "data.repeats",
                   "expected 1 without cross-validation (set data.folds >= 2 to repeat it), found %lld",
                   (long long)s->data.repeats);
    if (s->data.test_fraction == 0.0 && s->data.folds < 2)
        return bad(c, s->data.test_fraction_loc, "data.test_fraction",
                   "expected a number between 0 and 1 (0 leaves nothing to judge a config on unless "
                   "data.folds >= 2), found 0");
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Grid axes

static int alloc_axis(const Ctx *c, AxisId a, int64_t n) {
    SpecAxis *ax = &c->g->axes[a];
    ax->n_values = n;
    if (axis_is_real(a)) ax->reals = calloc((size_t)n, sizeof *ax->reals);
    else ax->ints = calloc((size_t)n, sizeof *ax->ints);
    ax->locs = calloc((size_t)n, sizeof *ax->locs);
    if (!ax->locs || (!ax->reals && !ax->ints)) return oom(c);
    return 0;
}

// Stores value i of axis a after checking it. found/where describe it for a message.
static int store(const Ctx *c, AxisId a, int64_t i, int64_t iv, double dv, SrcLoc at,
                 const char *key, const char *found, const char *why) {
    SpecAxis *ax = &c->g->axes[a];
    if (axis_is_real(a) ? !axis_allows_f64(a, dv) : !axis_allows_i64(a, iv))
        return bad(c, at, key, "%s, found %s%s", axis_expect(a), found, why);
    if (axis_is_real(a)) ax->reals[i] = dv;
    else ax->ints[i] = iv;
    ax->locs[i] = at;
    return 0;
}

// One name of a name axis (plain or quoted), stored as its code; a near miss gets "did you mean".
static int parse_name(const Ctx *c, AxisId a, int64_t i, const yaml_node_t *n, const char *key) {
    char found[FOUND_LEN];
    describe(n, found, sizeof found);
    int count;
    const char *const *names = axis_value_names(a, &count);
    const char *why = n->type == YAML_SEQUENCE_NODE ? " (lists do not nest)"
                      : n->type == YAML_MAPPING_NODE ? " (a range form cannot go inside a list)" : "";
    if (n->type == YAML_SCALAR_NODE) {
        const char *t = scalar_text(n);
        for (int k = 0; k < count; k++)
            if (strcmp(t, names[k]) == 0) return store(c, a, i, k, 0.0, loc_of(n), key, found, "");
        int near = closest(t, names, count);
        if (near >= 0) return bad(c, loc_of(n), key, "%s, found %s; did you mean \"%s\"?", axis_expect(a), found, names[near]);
    }
    return bad(c, loc_of(n), key, "%s, found %s%s", axis_expect(a), found, why);
}

// One written value: a scalar of the axis's kind.
static int parse_item(const Ctx *c, AxisId a, int64_t i, const yaml_node_t *n, const char *key) {
    char found[FOUND_LEN];
    describe(n, found, sizeof found);
    const char *t = plain(n), *why = hint_for(n);
    if (n->type == YAML_SEQUENCE_NODE) why = " (lists do not nest)";
    if (n->type == YAML_MAPPING_NODE) why = " (a range form cannot go inside a list)";
    int64_t iv = 0;
    double dv = 0;
    int b;
    int ok = t != NULL;
    if (axis_is_name(a)) return parse_name(c, a, i, n, key);
    if (ok && axis_is_real(a)) ok = parse_real(t, &dv) == 0;
    else if (ok && axis_kind(a) == AXIS_BOOL && parse_bool(n, &b) == 0) iv = b;
    else if (ok) ok = parse_int(t, &iv) == 0;
    if (!ok) return bad(c, loc_of(n), key, "%s, found %s%s", axis_expect(a), found, why);
    return store(c, a, i, iv, dv, loc_of(n), key, found, "");
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

static void format_value(AxisId a, const SpecAxis *ax, int64_t i, char *out, size_t cap) {
    axis_format(out, cap, a, ax->ints ? ax->ints[i] : 0, ax->reals ? ax->reals[i] : 0.0, "%.15g");
}

// Each value once. form: NULL for written values, else the range form that made them.
static int check_distinct(const Ctx *c, AxisId a, const char *key, const char *form) {
    const SpecAxis *ax = &c->g->axes[a];
    int64_t n = ax->n_values;
    if (n < 2) return 0;
    Slot *slots = malloc((size_t)n * sizeof *slots);
    if (!slots) return oom(c);
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
    format_value(a, ax, second, value, sizeof value);
    if (form)
        return bad(c, ax->locs[second], key,
                   "expected distinct values, found %s twice (values %lld and %lld of the %s)",
                   value, (long long)first + 1, (long long)second + 1, form);
    char item[ITEM_LEN];
    indexed(item, sizeof item, key, (long long)second);
    return bad(c, ax->locs[second], item,
               "expected each value once, found %s again (first at line %d, column %d)", value,
               ax->locs[first].line, ax->locs[first].col);
}

// The arguments of a range form: a list of scalars, of an allowed length.
static int form_args(const Ctx *c, const yaml_node_t *args, const char *key, const char *shape,
                     int min_n, int max_n, const yaml_node_t **out, int *n) {
    char found[FOUND_LEN];
    describe(args, found, sizeof found);
    int64_t len = args->type == YAML_SEQUENCE_NODE
                      ? args->data.sequence.items.top - args->data.sequence.items.start : -1;
    if (len < min_n || len > max_n) {
        if (len >= 0) snprintf(found, sizeof found, "a list of %lld", (long long)len);
        return bad(c, loc_of(args), key, "expected a list %s, found %s", shape, found);
    }
    for (int64_t i = 0; i < len; i++) {
        out[i] = yaml_document_get_node(c->doc, args->data.sequence.items.start[i]);
        if (!out[i]) return bad(c, loc_of(args), key, "expected a list %s", shape);
    }
    *n = (int)len;
    return 0;
}

// An argument of a range form: an integer (range, counts) or a number.
static int form_int(const Ctx *c, const yaml_node_t *n, const char *key, int i, const char *what,
                    const char *tip, int64_t *out) {
    char item[ITEM_LEN], found[FOUND_LEN];
    indexed(item, sizeof item, key, i);
    describe(n, found, sizeof found);
    const char *t = plain(n);
    if (t && parse_int(t, out) == 0) return 0;
    double d;
    const char *why = hint_for(n);
    if (t && parse_real(t, &d) == 0) why = tip;
    return bad(c, loc_of(n), item, "expected %s, found %s%s", what, found, why);
}

static int form_real(const Ctx *c, const yaml_node_t *n, const char *key, int i, int positive,
                     double *out) {
    char item[ITEM_LEN], found[FOUND_LEN];
    indexed(item, sizeof item, key, i);
    describe(n, found, sizeof found);
    const char *t = plain(n);
    if (t && parse_real(t, out) == 0 && (!positive || *out > 0)) return 0;
    return bad(c, loc_of(n), item, positive ? "expected a positive number (geomspace needs both "
                                              "ends above 0), found %s%s"
                                            : "expected a number, found %s%s",
               found, hint_for(n));
}

// {range: [start, stop(, step)]}: like Python's range.
static int gen_range(const Ctx *c, AxisId a, const yaml_node_t *form, const yaml_node_t *args,
                     const char *key) {
    char fkey[KEY_LEN];
    join(fkey, sizeof fkey, key, ".", "range");
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
        indexed(item, sizeof item, fkey, 2);
        return bad(c, loc_of(arg[2]), item, "expected a non-zero step, found 0");
    }
    // Count in unsigned arithmetic: stop - start may not fit in int64.
    uint64_t count = 0;
    if (v[2] > 0 && v[0] < v[1])
        count = ((uint64_t)v[1] - (uint64_t)v[0] - 1) / (uint64_t)v[2] + 1;
    if (v[2] < 0 && v[0] > v[1])
        count = ((uint64_t)v[0] - (uint64_t)v[1] - 1) / (0 - (uint64_t)v[2]) + 1;
    if (count == 0)
        return bad(c, loc_of(args), fkey,
                   "expected at least one value, found an empty range (start %lld, stop %lld "
                   "excluded, step %lld)",
                   (long long)v[0], (long long)v[1], (long long)v[2]);
    if (count > AXIS_MAX_VALUES)
        return bad(c, loc_of(args), fkey, "expected at most %d values on one axis, found %llu",
                   AXIS_MAX_VALUES, (unsigned long long)count);
    if ((rc = alloc_axis(c, a, (int64_t)count))) return rc;
    for (uint64_t i = 0; i < count; i++) {
        // Wraps as unsigned; the true value lies between start and stop, so it fits.
        int64_t x = (int64_t)((uint64_t)v[0] + i * (uint64_t)v[2]);
        char found[64];
        snprintf(found, sizeof found, "%lld", (long long)x);
        char why[64];
        snprintf(why, sizeof why, " (value %llu of the range)", (unsigned long long)i + 1);
        rc = store(c, a, (int64_t)i, x, (double)x, loc_of(form), key, found, why);
        if (rc) return rc;
    }
    return check_distinct(c, a, key, "range");
}

// {linspace: [a, b, n]} and {geomspace: [a, b, n]}: n values from a to b, both included.
static int gen_space(const Ctx *c, AxisId a, int geom, const yaml_node_t *form,
                     const yaml_node_t *args, const char *key) {
    const char *name = geom ? "geomspace" : "linspace";
    char fkey[KEY_LEN];
    join(fkey, sizeof fkey, key, ".", name);
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
        indexed(item, sizeof item, fkey, 2);
        return bad(c, loc_of(arg[2]), item, "expected %s, found %lld", count_what, (long long)n);
    }
    // On an integer axis, ends written as integers are kept exactly (beyond 2^53 too).
    int64_t end_int[2];
    int exact[2];
    for (int i = 0; i < 2; i++) exact[i] = plain(arg[i]) && parse_int(plain(arg[i]), &end_int[i]) == 0;
    if ((rc = alloc_axis(c, a, n))) return rc;
    double la = geom ? log(end[0]) : 0, lb = geom ? log(end[1]) : 0;
    for (int64_t i = 0; i < n; i++) {
        int which = i == 0 ? 0 : i == n - 1 ? 1 : -1;
        double v = which >= 0 ? end[which]
                   : geom     ? round15(exp(la + (double)i * (lb - la) / (double)(n - 1)))
                              : round15(end[0] + (double)i * (end[1] - end[0]) / (double)(n - 1));
        char found[64], why[64];
        format_real(v, found, sizeof found);
        snprintf(why, sizeof why, " (value %lld of %lld of the %s)", (long long)i + 1,
                 (long long)n, name);
        int64_t iv = 0;
        if (!axis_is_real(a)) {
            double r = nearbyint(v);
            if (which >= 0 && exact[which]) iv = end_int[which];
            else if (!(fabs(v - r) <= 1e-9 * fmax(1.0, fabs(r))))
                return bad(c, loc_of(form), key, "expected whole numbers on this axis, found %s%s",
                           found, why);
            else if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
                return bad(c, loc_of(form), key, "%s, found %s%s", axis_expect(a), found, why);
            else iv = (int64_t)r;
            if (which < 0 || !exact[which]) snprintf(found, sizeof found, "%lld", (long long)iv);
        }
        if ((rc = store(c, a, i, iv, v, loc_of(form), key, found, why))) return rc;
    }
    return check_distinct(c, a, key, name);
}

// {uniform: [a, b]}, {loguniform: [a, b]} (real axes), {randint: [a, b]} (integer axes, b
// excluded): drawn by random search (search.c). Checked here; allowed only with
// search.method: random, which check_search sees once the whole file is read.
static int gen_dist(const Ctx *c, AxisId a, int f, const yaml_node_t *form, const yaml_node_t *args,
                    const char *key) {
    const char *name = FORM_NAMES[f];
    char fkey[KEY_LEN], item[ITEM_LEN], found[FOUND_LEN];
    join(fkey, sizeof fkey, key, ".", name);
    if (a == AXIS_SEED)
        return bad(c, loc_of(form), key, "expected a value, a list or a range form, found a %s distribution "
                                         "(seed is never drawn: every drawn setting runs every seed)", name);
    int randint = f == FORM_RANDINT;
    int is_bool = axis_kind(a) == AXIS_BOOL;
    if (is_bool || randint == axis_is_real(a))
        return bad(c, loc_of(form), fkey, "expected %s on this axis%s, found %s",
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
        indexed(item, sizeof item, fkey, 0);
        if (!axis_allows_i64(a, v[0])) return bad(c, loc_of(arg[0]), item, "%s, found %lld", axis_expect(a), (long long)v[0]);
        if (v[1] <= v[0])
            return bad(c, loc_of(args), fkey, "expected low < high (high is excluded), found [%lld, %lld]",
                       (long long)v[0], (long long)v[1]);
        indexed(item, sizeof item, fkey, 1);
        if (!axis_allows_i64(a, v[1] - 1))
            return bad(c, loc_of(arg[1]), item, "%s, found %lld (high is excluded: the largest draw would be %lld)",
                       axis_expect(a), (long long)v[1], (long long)v[1] - 1);
        ax->ilo = v[0];
        ax->ihi = v[1];
        ax->lo = (double)v[0];
        ax->hi = (double)v[1];
        ax->dist = DIST_RANDINT;
    } else {
        double v[2];
        for (int i = 0; i < 2; i++) {
            indexed(item, sizeof item, fkey, i);
            describe(arg[i], found, sizeof found);
            const char *t = plain(arg[i]);
            if (!t || parse_real(t, &v[i]) != 0 || !axis_allows_f64(a, v[i]))
                return bad(c, loc_of(arg[i]), item, "%s, found %s%s", axis_expect(a), found, hint_for(arg[i]));
        }
        if (f == FORM_LOGUNIFORM && !(v[0] > 0)) {
            indexed(item, sizeof item, fkey, 0);
            return bad(c, loc_of(arg[0]), item, "expected a positive number (loguniform needs low > 0), found %s",
                       plain(arg[0]));
        }
        if (!(v[0] < v[1])) {
            char lo[40], hi[40];
            format_real(v[0], lo, sizeof lo);
            format_real(v[1], hi, sizeof hi);
            return bad(c, loc_of(args), fkey, "expected low < high, found [%s, %s]", lo, hi);
        }
        ax->lo = v[0];
        ax->hi = v[1];
        ax->dist = f == FORM_UNIFORM ? DIST_UNIFORM : DIST_LOGUNIFORM;
    }
    ax->dist_loc = loc_of(form);
    ax->n_values = 0;
    return 0;
}

// A one-key mapping naming a range form.
static int parse_form(const Ctx *c, AxisId a, const yaml_node_t *map, const char *key) {
    const yaml_node_pair_t *p = map->data.mapping.pairs.start;
    int64_t n = map->data.mapping.pairs.top - p;
    if (n == 0)
        return bad(c, loc_of(map), key, "expected a value, a list or a range form such as "
                                        "{range: [0, 5]}, found an empty mapping");
    const yaml_node_t *fk = yaml_document_get_node(c->doc, p[0].key);
    const yaml_node_t *args = yaml_document_get_node(c->doc, p[0].value);
    if (!fk || !args) return bad(c, loc_of(map), key, "expected a range form");
    char found[FOUND_LEN];
    describe(fk, found, sizeof found);
    if (fk->type != YAML_SCALAR_NODE)
        return bad(c, loc_of(fk), key, "expected range, linspace or geomspace, found %s", found);
    int f = 0;
    while (f < N_FORMS && strcmp(scalar_text(fk), FORM_NAMES[f]) != 0) f++;
    if (f == N_FORMS) {
        char path[KEY_LEN];
        key_path(key, scalar_text(fk), fk->data.scalar.length, path, sizeof path);
        int near = closest(scalar_text(fk), FORM_NAMES, N_FORMS);
        if (near >= 0)
            return bad(c, loc_of(fk), path, "unknown range form; did you mean \"%s\"?", FORM_NAMES[near]);
        return bad(c, loc_of(fk), path, "unknown range form; expected range, linspace or geomspace "
                                        "(or, with search.method: random, uniform, loguniform or randint)");
    }
    if (n > 1) {
        const yaml_node_t *extra = yaml_document_get_node(c->doc, p[1].key);
        if (extra) {
            describe(extra, found, sizeof found);
            return bad(c, loc_of(extra), key, "expected one range form, found a second key %s", found);
        }
    }
    if (axis_is_name(a))
        return bad(c, loc_of(map), key, "%s, or a list of them (random search draws from a list), found a %s form",
                   axis_expect(a), FORM_NAMES[f]);
    if (f == FORM_RANGE) return gen_range(c, a, map, args, key);
    if (f == FORM_LINSPACE || f == FORM_GEOMSPACE) return gen_space(c, a, f == FORM_GEOMSPACE, map, args, key);
    return gen_dist(c, a, f, map, args, key);
}

static int parse_axis(const Ctx *c, AxisId a, const yaml_node_t *v) {
    char key[KEY_LEN];
    snprintf(key, sizeof key, "%s.%s", c->gkey, axis_name(a));
    int rc;
    if (v->type == YAML_MAPPING_NODE) return parse_form(c, a, v, key);
    if (v->type != YAML_SEQUENCE_NODE) {
        if ((rc = alloc_axis(c, a, 1))) return rc;
        return parse_item(c, a, 0, v, key);
    }
    int64_t n = v->data.sequence.items.top - v->data.sequence.items.start;
    if (n == 0) return bad(c, loc_of(v), key, "expected at least one value, found an empty list");
    if ((rc = alloc_axis(c, a, n))) return rc;
    for (int64_t i = 0; i < n; i++) {
        const yaml_node_t *item = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        if (!item) return bad(c, loc_of(v), key, "expected a list of values");
        char ikey[ITEM_LEN];
        indexed(ikey, sizeof ikey, key, (long long)i);
        if ((rc = parse_item(c, a, i, item, ikey))) return rc;
    }
    return check_distinct(c, a, key, NULL);
}

// One mapping of axes: the grid, or one sub-grid of a list.
static int parse_grid_map(const Ctx *c, const yaml_node_t *map, int in_list) {
    if (map->type != YAML_MAPPING_NODE) {
        char found[FOUND_LEN];
        describe(map, found, sizeof found);
        return bad(c, loc_of(map), c->gkey,
                   in_list ? "expected a mapping of axes (a sub-grid) such as {hidden_dim: [16, 64]}, found %s"
                           : "expected a mapping of axes such as hidden_dim: [16, 64], or a list of such "
                             "mappings (sub-grids), found %s", found);
    }
    Level lv = LEVELS[2];
    lv.prefix = c->gkey;
    Keys k;
    int rc = collect(c, map, &lv, &k);
    for (int j = 0; !rc && j < k.n; j++) rc = parse_axis(c, (AxisId)k.order[j], k.val[k.order[j]]);
    return rc;
}

// A mapping (one grid) or a list of mappings (sub-grids, their union in order).
static int parse_grid(const Ctx *c0, const yaml_node_t *v) {
    Spec *s = c0->s;
    int list = v->type == YAML_SEQUENCE_NODE;
    int64_t n = list ? v->data.sequence.items.top - v->data.sequence.items.start : 1;
    if (list && n == 0)
        return bad(c0, loc_of(v), "grid", "expected a mapping of axes or a list of sub-grids, found an empty list");
    if (n > MAX_GRIDS)
        return bad(c0, loc_of(v), "grid", "expected at most %d sub-grids, found %lld", MAX_GRIDS, (long long)n);
    if (!(s->grids = calloc((size_t)n, sizeof *s->grids))) return oom(c0);
    s->n_grids = n;
    for (int64_t i = 0; i < n; i++) {
        Ctx c = *c0;
        c.g = &s->grids[i];
        if (list) snprintf(c.gkey, sizeof c.gkey, "grid[%lld]", (long long)i);
        const yaml_node_t *node = list ? yaml_document_get_node(c.doc, v->data.sequence.items.start[i]) : v;
        if (!node) return bad(c0, loc_of(v), "grid", "expected a list of sub-grids");
        c.g->loc = loc_of(node);
        int rc = parse_grid_map(&c, node, list);
        if (rc) return rc;
    }
    return 0;
}

// search: {method: grid | random, n, seed}.
static int parse_search(const Ctx *c, const yaml_node_t *map) {
    Spec *s = c->s;
    char found[FOUND_LEN];
    if (map->type != YAML_MAPPING_NODE) {
        describe(map, found, sizeof found);
        return bad(c, loc_of(map), "search", "expected a mapping (method, n, seed), found %s", found);
    }
    s->search.loc = loc_of(map);
    Keys k;
    int rc = collect(c, map, &LEVELS[3], &k);
    for (int j = 0; !rc && j < k.n; j++) {
        const yaml_node_t *v = k.val[k.order[j]];
        const char *t = plain(v);
        int64_t i;
        describe(v, found, sizeof found);
        switch (k.order[j]) {
        case SEARCH_METHOD: {
            static const char *const METHODS[] = {"grid", "random"};
            const char *name = v->type == YAML_SCALAR_NODE ? scalar_text(v) : "";
            if (v->type == YAML_SCALAR_NODE && strcmp(name, "grid") == 0) { s->search.method = SEARCH_GRID; break; }
            if (v->type == YAML_SCALAR_NODE && strcmp(name, "random") == 0) { s->search.method = SEARCH_RANDOM; break; }
            int near = v->type == YAML_SCALAR_NODE ? closest(name, METHODS, 2) : -1;
            char tail[64] = "";
            if (near >= 0) snprintf(tail, sizeof tail, "; did you mean \"%s\"?", METHODS[near]);
            rc = bad(c, loc_of(v), "search.method", "expected grid or random, found %s%s", found, tail);
            break;
        }
        case SEARCH_N:
            if (!t || parse_int(t, &i) != 0 || i < 1 || i > SEARCH_MAX_N) {
                rc = bad(c, loc_of(v), "search.n", "expected a number of settings from 1 to %d, found %s%s",
                         SEARCH_MAX_N, found, hint_for(v));
                break;
            }
            s->search.n = i;
            s->search.n_loc = loc_of(v);
            break;
        default:   // SEARCH_SEED
            if (!t || parse_int(t, &i) != 0 || i < 0) {
                rc = bad(c, loc_of(v), "search.seed", "%s, found %s%s", axis_expect(AXIS_SEED), found, hint_for(v));
                break;
            }
            s->search.seed = (uint64_t)i;
            break;
        }
    }
    return rc;
}

// An axis's key in messages: "grid.epochs", or "grid[1].epochs" in a list of sub-grids.
static void axis_key(const Spec *s, int64_t g, AxisId a, char *out, size_t cap) {
    if (s->n_grids > 1) snprintf(out, cap, "grid[%lld].%s", (long long)g, axis_name(a));
    else snprintf(out, cap, "grid.%s", axis_name(a));
}

// halving: {factor, min_epochs, metric} (DESIGN section 3, Successive halving).
static int parse_halving(const Ctx *c, const yaml_node_t *map) {
    Spec *s = c->s;
    char found[FOUND_LEN];
    if (map->type != YAML_MAPPING_NODE) {
        describe(map, found, sizeof found);
        return bad(c, loc_of(map), "halving", "expected a mapping (factor, min_epochs, metric), found %s", found);
    }
    s->halving.enabled = 1;
    s->halving.loc = loc_of(map);
    Keys k;
    int rc = collect(c, map, &LEVELS[4], &k);
    for (int j = 0; !rc && j < k.n; j++) {
        const yaml_node_t *v = k.val[k.order[j]];
        const char *t = plain(v);
        int64_t i;
        describe(v, found, sizeof found);
        switch (k.order[j]) {
        case HALVING_FACTOR:
            if (!t || parse_int(t, &i) != 0 || i < 2 || i > HALVING_MAX_FACTOR) {
                rc = bad(c, loc_of(v), "halving.factor", "expected an integer from 2 to %d, found %s%s",
                         HALVING_MAX_FACTOR, found, hint_for(v));
                break;
            }
            s->halving.factor = i;
            break;
        case HALVING_MIN_EPOCHS:
            if (!t || parse_int(t, &i) != 0 || !axis_allows_i64(AXIS_EPOCHS, i)) {
                rc = bad(c, loc_of(v), "halving.min_epochs", "%s, found %s%s", axis_expect(AXIS_EPOCHS), found,
                         hint_for(v));
                break;
            }
            s->halving.min_epochs = i;
            s->halving.min_epochs_loc = loc_of(v);
            break;
        default: {   // HALVING_METRIC
            const char *name = v->type == YAML_SCALAR_NODE ? scalar_text(v) : "";
            for (int m = 0; m < 2; m++)
                if (v->type == YAML_SCALAR_NODE && strcmp(name, HALVING_METRICS[m]) == 0) s->halving.metric = m + 1;
            if (s->halving.metric) { s->halving.metric--; break; }
            int near = v->type == YAML_SCALAR_NODE ? closest(name, HALVING_METRICS, 2) : -1;
            char tail[64] = "";
            if (near >= 0) snprintf(tail, sizeof tail, "; did you mean \"%s\"?", HALVING_METRICS[near]);
            rc = bad(c, loc_of(v), "halving.metric", "expected val_loss or val_acc, found %s%s", found, tail);
            break;
        }
        }
    }
    return rc;
}

// What halving needs of the rest of the spec, once every default is in: validation folds
// (it decides on validation only) and one epochs value E for every config (the budget).
static int check_halving(const Ctx *c) {
    const Spec *s = c->s;
    if (!s->halving.enabled) return 0;
    if (s->halving.min_epochs == 0)
        return bad(c, s->halving.loc, "halving.min_epochs", "expected the first rung's epochs (it has no default), "
                   "found none");
    if (s->data.folds < 2)
        return bad(c, s->halving.loc, "halving",
                   "expected validation folds (data.folds >= 2): halving decides on validation only, found "
                   "data.folds %lld", (long long)s->data.folds);
    int64_t E = 0;
    for (int64_t g = 0; g < s->n_grids; g++) {
        const SpecAxis *ep = &s->grids[g].axes[AXIS_EPOCHS];
        char key[KEY_LEN];
        axis_key(s, g, AXIS_EPOCHS, key, sizeof key);
        if (ep->dist || ep->n_values != 1)
            return bad(c, ep->dist ? ep->dist_loc : ep->locs[1], key,
                       "expected one value with halving (the full budget; halving sets the rungs), found %s",
                       ep->dist ? "a distribution" : "a list");
        if (g > 0 && ep->ints[0] != E)
            return bad(c, ep->locs[0], key, "expected %lld, the epochs of every other sub-grid (halving has one "
                       "budget), found %lld", (long long)E, (long long)ep->ints[0]);
        E = ep->ints[0];
    }
    if (s->halving.min_epochs > E)
        return bad(c, s->halving.min_epochs_loc, "halving.min_epochs",
                   "expected at most %lld, the epochs every config trains for, found %lld", (long long)E,
                   (long long)s->halving.min_epochs);
    return 0;
}

// Early stopping decides on validation loss: patience > 0 needs folds.
static int check_early_stopping(const Ctx *c) {
    const Spec *s = c->s;
    if (s->data.folds >= 2) return 0;
    for (int64_t g = 0; g < s->n_grids; g++) {
        const SpecAxis *ax = &s->grids[g].axes[AXIS_PATIENCE];
        char key[KEY_LEN];
        axis_key(s, g, AXIS_PATIENCE, key, sizeof key);
        if (ax->dist && ax->ihi > 1)
            return bad(c, ax->dist_loc, key, "expected 0 without validation folds (early stopping decides on "
                       "val_loss: set data.folds >= 2), found a distribution");
        for (int64_t i = 0; ax->ints && i < ax->n_values; i++)
            if (ax->ints[i] > 0)
                return bad(c, ax->locs[i], key, "expected 0 without validation folds (early stopping decides on "
                           "val_loss: set data.folds >= 2), found %lld", (long long)ax->ints[i]);
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// The top level

static int parse_top(const Ctx *c, const yaml_node_t *root) {
    Spec *s = c->s;
    char found[FOUND_LEN];
    if (root->type != YAML_MAPPING_NODE) {
        describe(root, found, sizeof found);
        return bad(c, loc_of(root), NULL,
                   "expected a mapping with a grid key (and optionally name, output, "
                   "save_initial_weights, data, search, halving), found %s",
                   found);
    }
    Keys k;
    int rc = collect(c, root, &LEVELS[0], &k);
    if (rc) return rc;
    if (!k.val[TOP_GRID])
        return bad(c, loc_of(root), "grid",
                   "expected a grid mapping of the axes to sweep (it is required), found none");
    for (int j = 0; !rc && j < k.n; j++) {
        const yaml_node_t *v = k.val[k.order[j]];
        int b;
        switch (k.order[j]) {
        case TOP_NAME: rc = get_string(c, v, "name", "a name", &s->name); break;
        case TOP_OUTPUT: rc = get_string(c, v, "output", "a file path", &s->output); break;
        case TOP_SAVE:
            if (parse_bool(v, &b) == 0) { s->save_initial_weights = b; break; }
            describe(v, found, sizeof found);
            rc = bad(c, loc_of(v), "save_initial_weights", "expected true or false, found %s", found);
            break;
        case TOP_DATA: rc = parse_data(c, v); break;
        case TOP_SEARCH: rc = parse_search(c, v); break;
        case TOP_HALVING: rc = parse_halving(c, v); break;
        default: rc = parse_grid(c, v); break;
        }
    }
    return rc;
}

// The file's stem: "experiments/grid.yaml" -> "grid".
char *spec_stem(const char *path) {
    const char *base = path && strrchr(path, '/') ? strrchr(path, '/') + 1 : path ? path : "";
    size_t len = strlen(base);
    static const char *const EXTS[] = {".yaml", ".yml"};
    for (int i = 0; i < 2; i++) {
        size_t e = strlen(EXTS[i]);
        if (len > e && strcmp(base + len - e, EXTS[i]) == 0) { len -= e; break; }
    }
    if (len == 0) return strdup("spec");
    return strndup(base, len);
}

// Fills everything the file left out.
static int fill_defaults(const Ctx *c) {
    Spec *s = c->s;
    if (!s->name && !(s->name = spec_stem(s->path))) return oom(c);
    if (!s->data.source) {
        s->data.source = strdup("breast_cancer");
        s->data.source_given = strdup("breast_cancer");
        if (!s->data.source || !s->data.source_given) return oom(c);
    }
    for (int64_t i = 0; i < s->n_grids; i++) {
        Ctx cg = *c;
        cg.g = &s->grids[i];
        SpecAxis *axes = cg.g->axes;
        for (int a = 0; a < N_AXES; a++) {
            if (axes[a].n_values || axes[a].dist) continue;
            int rc = alloc_axis(&cg, (AxisId)a, 1);
            if (rc) return rc;
            if (axis_is_real((AxisId)a)) axes[a].reals[0] = axis_default_f64((AxisId)a);
            else axes[a].ints[0] = axis_default_i64((AxisId)a);
        }
    }
    return 0;
}

// Distributions belong to random search, and random search to one grid with an n.
static int check_search(const Ctx *c) {
    const Spec *s = c->s;
    if (s->search.method == SEARCH_RANDOM) {
        if (s->search.n_loc.line == 0)
            return bad(c, s->search.loc, "search.n",
                       "expected the number of settings to draw (search.method: random needs it), found none");
        if (s->n_grids > 1)
            return bad(c, s->grids[1].loc, "grid", "expected one mapping of axes with search.method: random, "
                       "found a list of %lld sub-grids", (long long)s->n_grids);
        return 0;
    }
    for (int64_t i = 0; i < s->n_grids; i++)
        for (int a = 0; a < N_AXES; a++) {
            const SpecAxis *ax = &s->grids[i].axes[a];
            if (!ax->dist) continue;
            char key[KEY_LEN];
            axis_key(s, i, (AxisId)a, key, sizeof key);
            return bad(c, ax->dist_loc, key, "expected a value, a list or a range form, found a %s distribution "
                       "(distributions need search.method: random)", DIST_NAMES[ax->dist]);
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
static int check_subgrids(const Ctx *c) {
    const Spec *s = c->s;
    for (int64_t j = 1; j < s->n_grids; j++)
        for (int64_t i = 0; i < j; i++) {
            char example[ERR_LEN / 2] = "";
            int a;
            for (a = 0; a < N_AXES; a++) {
                const SpecAxis *x = &s->grids[i].axes[a], *y = &s->grids[j].axes[a];
                int64_t k = common_value(x, y, axis_is_real((AxisId)a));
                if (k == -2) return oom(c);
                if (k < 0) break;
                char v[48];
                format_value((AxisId)a, x, k, v, sizeof v);
                size_t used = strlen(example);
                snprintf(example + used, sizeof example - used, "%s%s %s", a ? ", " : "", axis_name((AxisId)a), v);
            }
            if (a < N_AXES) continue;
            char first[256];
            spec_where(s, s->grids[i].loc, first, sizeof first);
            char key[32];
            snprintf(key, sizeof key, "grid[%lld]", (long long)j);
            return bad(c, s->grids[j].loc, key, "expected configs that no other sub-grid has, found %s, also in "
                       "grid[%lld] at %s", example, (long long)i, first);
        }
    return 0;
}

// Line and column (1-based, in characters) of a byte offset, for reader errors, which carry
// an offset rather than a mark.
static SrcLoc offset_loc(const char *text, size_t len, size_t offset) {
    SrcLoc l = {1, 1};
    if (offset > len) offset = len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n' || (ch == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
            if (l.line < INT_MAX) l.line++;
            l.col = 1;
        } else if ((ch & 0xC0) != 0x80 && ch != '\r' && l.col < INT_MAX) {
            l.col++;
        }
    }
    return l;
}

static int yaml_problem(const Ctx *c, const yaml_parser_t *p) {
    if (p->error == YAML_MEMORY_ERROR) return oom(c);
    const Spec *s = c->s;
    SrcLoc at = p->error == YAML_READER_ERROR
                    ? offset_loc(s->text, s->text_len, p->problem_offset)
                    : mark_loc(p->problem_mark);
    char extra[160] = "";
    if (p->error == YAML_READER_ERROR && p->problem_value != -1)
        snprintf(extra, sizeof extra, " (byte 0x%02X)", (unsigned)p->problem_value & 0xFFu);
    else if (p->context) {
        SrcLoc ctx = mark_loc(p->context_mark);
        if (ctx.line == at.line && ctx.col == at.col)
            snprintf(extra, sizeof extra, " (%s)", p->context);
        else
            snprintf(extra, sizeof extra, " (%s at line %d, column %d)", p->context, ctx.line, ctx.col);
    }
    char where[256];
    spec_where(c->s, at, where, sizeof where);
    return fail(c->err, SWEEP_ERR_USAGE, "%s: invalid YAML: %s%s", where,
                p->problem ? p->problem : "syntax error", extra);
}

// Loads the one document of the file into *doc (deleted by the caller when this returns 0).
static int load_document(const Ctx *c, yaml_document_t *doc) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return oom(c);
    yaml_parser_set_input_string(&parser, (const unsigned char *)c->s->text, c->s->text_len);
    int rc = 0;
    if (!yaml_parser_load(&parser, doc)) {
        rc = yaml_problem(c, &parser);
        yaml_parser_delete(&parser);
        return rc;
    }
    // A spec is one document: a second one is a mistake, and so is a syntax error after the first.
    yaml_document_t next;
    if (!yaml_parser_load(&parser, &next)) {
        rc = yaml_problem(c, &parser);
    } else {
        if (yaml_document_get_root_node(&next))
            rc = bad(c, mark_loc(next.start_mark), NULL,
                     "invalid YAML: expected one document, found a second one");
        yaml_document_delete(&next);
    }
    if (rc) yaml_document_delete(doc);
    yaml_parser_delete(&parser);
    return rc;
}

int spec_parse(Spec *s, const char *path, const char *text, size_t len, char *err) {
    return spec_parse_with(s, path, text, len, NULL, 0, err);
}

int spec_parse_with(Spec *s, const char *path, const char *text, size_t len, const char *const *sets,
                    int n_sets, char *err) {
    memset(s, 0, sizeof *s);
    Ctx c = {s, NULL, path ? path : "<spec>", err, NULL, "grid"};
    if (path && !(s->path = strdup(path))) return oom(&c);
    int rc = override_apply(&s->overrides, c.path, text, len, sets, n_sets, err);
    if (rc) { spec_free(s); return rc; }
    text = s->overrides.text;   // from here on, the spec is the overridden one
    len = s->overrides.len;
    if (!(s->text = malloc(len + 1))) { spec_free(s); return oom(&c); }
    if (len) memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->text_len = len;
    s->data.test_fraction = 0.2;
    s->data.split_seed = 42;
    s->data.scale = SCALE_MINMAX;
    s->data.folds = s->data.repeats = 1;
    s->halving.factor = 3;

    yaml_document_t doc;
    rc = load_document(&c, &doc);
    if (rc) { spec_free(s); return rc; }
    c.doc = &doc;
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root)
        rc = bad(&c, (SrcLoc){1, 1}, NULL,
                 "expected a mapping with a grid key, found an empty file");
    else
        rc = parse_top(&c, root);
    if (!rc) rc = check_search(&c);
    if (!rc) rc = fill_defaults(&c);
    if (!rc) rc = check_halving(&c);
    if (!rc) rc = check_early_stopping(&c);
    if (!rc) rc = check_subgrids(&c);
    yaml_document_delete(&doc);
    if (rc) spec_free(s);
    return rc;
}

int spec_load(Spec *s, const char *path, char *err) { return spec_load_with(s, path, NULL, 0, err); }

int spec_load_with(Spec *s, const char *path, const char *const *sets, int n_sets, char *err) {
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, SWEEP_ERR_USAGE, "%s: cannot read: %s", path, strerror(errno));
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    int rc = buf ? 0 : SWEEP_ERR_RUNTIME;
    while (!rc) {
        if (len == cap) {
            char *bigger = cap >= SPEC_MAX_BYTES ? NULL : realloc(buf, cap * 2);
            if (!bigger) {
                rc = cap >= SPEC_MAX_BYTES
                         ? fail(err, SWEEP_ERR_USAGE, "%s: cannot read: larger than %d MiB, "
                                "which is too large for a spec", path, SPEC_MAX_BYTES >> 20)
                         : SWEEP_ERR_RUNTIME;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) rc = fail(err, SWEEP_ERR_USAGE, "%s: cannot read: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc == SWEEP_ERR_RUNTIME) fail(err, rc, "%s: out of memory while reading the spec", path);
    if (!rc) rc = spec_parse_with(s, path, buf, len, sets, n_sets, err);
    free(buf);
    return rc;
}

void spec_free(Spec *s) {
    if (!s) return;
    free(s->path);
    free(s->text);
    free(s->name);
    free(s->output);
    free(s->data.source);
    free(s->data.source_given);
    free(s->data.label);
    for (int64_t i = 0; s->grids && i < s->n_grids; i++)
        for (int a = 0; a < N_AXES; a++) {
            free(s->grids[i].axes[a].ints);
            free(s->grids[i].axes[a].reals);
            free(s->grids[i].axes[a].locs);
        }
    free(s->grids);
    override_free(&s->overrides);
    memset(s, 0, sizeof *s);
}

void spec_where(const Spec *s, SrcLoc at, char *out, size_t cap) {
    const char *path = s && s->path ? s->path : "<spec>";
    if (at.line <= 0) { snprintf(out, cap, "%s", path); return; }
    int line = at.line, col = at.col;
    if (s && s->overrides.n_sets > 0) {
        int k = override_origin(&s->overrides, at.line, at.col, &line, &col);
        if (k > 0) {
            char shown[160];
            sweep_quote(s->overrides.sets[k - 1], strlen(s->overrides.sets[k - 1]), 0, shown, sizeof shown);
            snprintf(out, cap, "--set %s", shown);
            return;
        }
    }
    snprintf(out, cap, "%s:%d:%d", path, line, col);
}

int spec_check_data(const Spec *s, const Dataset *d, char *err) {
    const char *path = s->path ? s->path : "<spec>";
    char where[256], key[48], limit[128];
    int64_t count[2], K = s->data.folds;
    data_class_counts(d, count);
    int64_t smaller = count[0] < count[1] ? count[0] : count[1];
    if (K >= 2 && K > smaller) {
        spec_where(s, s->data.folds_loc, where, sizeof where);
        return fail(err, SWEEP_ERR_USAGE, "%s: data.folds: expected at most %lld, the training rows of the smaller "
                    "class (%lld of class %d), found %lld", where, (long long)smaller, (long long)smaller,
                    count[0] < count[1] ? 0 : 1, (long long)K);
    }
    // Every config must be able to fill a batch: the fewest rows one trains on bounds it.
    int64_t n_fit = data_min_fit_rows(d, K);
    if (K >= 2) snprintf(limit, sizeof limit, "expected at most %lld, the fewest rows a fold's config trains on", (long long)n_fit);
    else snprintf(limit, sizeof limit, "expected at most the training-set size %lld", (long long)n_fit);
    for (int64_t g = 0; g < s->n_grids; g++) {
        const SpecAxis *ax = &s->grids[g].axes[AXIS_BATCH_SIZE];
        axis_key(s, g, AXIS_BATCH_SIZE, key, sizeof key);
        if (ax->dist == DIST_RANDINT && ax->ihi - 1 > n_fit) {
            spec_where(s, ax->dist_loc, where, sizeof where);
            return fail(err, SWEEP_ERR_USAGE, "%s: %s: %s, found randint up to %lld", where, key, limit,
                        (long long)ax->ihi - 1);
        }
        for (int64_t i = 0; ax->ints && i < ax->n_values; i++) {
            if (ax->ints[i] <= n_fit) continue;
            SrcLoc at = ax->locs[i];
            if (at.line <= 0)
                return fail(err, SWEEP_ERR_USAGE, "%s: %s: %s, found %lld (the default; set grid.batch_size)", path,
                            key, limit, (long long)ax->ints[i]);
            spec_where(s, at, where, sizeof where);
            return fail(err, SWEEP_ERR_USAGE, "%s: %s: %s, found %lld", where, key, limit, (long long)ax->ints[i]);
        }
    }
    return 0;
}

int spec_prepare_data(const Spec *s, const Table *t, Dataset *d, char *err) {
    int rc = data_prepare(d, t, s->data.test_fraction, s->data.split_seed, s->data.scale, err);
    if (rc) {   // the split is what test_fraction asks for
        char why[ERR_LEN], where[256];
        snprintf(why, sizeof why, "%s", err);
        spec_where(s, s->data.test_fraction_loc, where, sizeof where);
        return fail(err, rc, "%s: data.test_fraction: %s", where, why);
    }
    if ((rc = spec_check_data(s, d, err))) return rc;
    if (s->data.folds >= 2)
        rc = data_folds(d, t, s->data.folds, s->data.repeats, s->data.split_seed, s->data.scale, err);
    return rc;
}
