// spec_msg.c: the spec parser's vocabulary (spec_parse.h): where a node is, how it reads in a
// message, the one-line messages themselves, scalars, "did you mean", and a mapping's keys
// checked against their level.
#include "spec_parse.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

// ---------------------------------------------------------------------------------------------
// Messages

SrcLoc spec_mark_loc(yaml_mark_t m) {
    SrcLoc l = {m.line < INT_MAX ? (int)m.line + 1 : INT_MAX,
                m.column < INT_MAX ? (int)m.column + 1 : INT_MAX};
    return l;
}

SrcLoc spec_loc(const yaml_node_t *n) { return spec_mark_loc(n->start_mark); }

// "PATH:L:C: KEY: message". A zero loc (a default value) drops ":L:C", an empty key drops "KEY: ".
int spec_bad(const SpecCtx *c, SrcLoc at, const char *key, const char *fmt, ...) {
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

int spec_oom(const SpecCtx *c) {
    return fail(c->err, SWEEP_ERR_RUNTIME, "%s: out of memory while reading the spec", c->path);
}

const char *spec_text(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

// The text of a plain (unquoted) scalar, or NULL for anything else.
const char *spec_plain(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return NULL;
    return spec_text(n);
}

static int is_word(const char *t, const char *const *words, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(t, words[i]) == 0) return 1;
    return 0;
}

static const char *const NULL_WORDS[] = {"~", "null", "Null", "NULL"};
static const char *const TRUE_WORDS[] = {"true", "True", "TRUE"};
static const char *const FALSE_WORDS[] = {"false", "False", "FALSE"};

// How a node reads in "found ...": 16, "fast", true, null, nothing, a list, a mapping.
void spec_describe(const yaml_node_t *n, char *out, size_t cap) {
    switch (n->type) {
    case YAML_SCALAR_NODE: {
        const char *t = spec_plain(n);
        int64_t i;
        double d;
        if (t && !*t) snprintf(out, cap, "nothing");
        else if (t && is_word(t, NULL_WORDS, 4)) snprintf(out, cap, "null");
        else if (t && (spec_read_int(t, &i) == 0 || spec_read_real(t, &d) == 0 || is_word(t, TRUE_WORDS, 3)
                       || is_word(t, FALSE_WORDS, 3)))
            sweep_quote(t, strlen(t), 0, out, cap);
        else
            sweep_quote(spec_text(n), n->data.scalar.length, 1, out, cap);
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
const char *spec_hint(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE) return "";
    const char *t = spec_text(n);
    int64_t i;
    double d;
    if (!spec_plain(n) && (spec_read_int(t, &i) == 0 || spec_read_real(t, &d) == 0))
        return " (quoted, so a string: remove the quotes)";
    if (spec_plain(n) && strchr(t, ','))
        return " (several values are written as a list: [a, b])";
    return "";
}

// Appends piece to the string in out (cap bytes in all), cutting it short if it does not fit.
static void append(char *out, size_t cap, const char *piece) {
    size_t used = strlen(out), n = strlen(piece);
    if (used + 1 >= cap) return;
    if (n > cap - used - 1) n = cap - used - 1;
    memcpy(out + used, piece, n);
    out[used + n] = '\0';
}

// key + sep + word: "grid" "." "seed" -> "grid.seed" (no separator after an empty key).
void spec_join(char *out, size_t cap, const char *key, const char *sep, const char *word) {
    out[0] = '\0';
    append(out, cap, key);
    if (*key) append(out, cap, sep);
    append(out, cap, word);
}

// "grid.hidden_dim" 2 -> "grid.hidden_dim[2]".
void spec_indexed(char *out, size_t cap, const char *key, long long i) {
    char idx[32];
    snprintf(idx, sizeof idx, "[%lld]", i);
    spec_join(out, cap, key, "", idx);
}

// "prefix.word" (or "word" at the top), the word made printable.
void spec_key_path(const char *prefix, const char *word, size_t len, char *out, size_t cap) {
    char w[FOUND_LEN];
    sweep_quote(word, len, 0, w, sizeof w);
    spec_join(out, cap, prefix, ".", w);
}

// ---------------------------------------------------------------------------------------------
// Scalars

// A plain decimal integer with an optional sign: "42", "-3", "+7". 0, or -1 when t is not one
// or does not fit in int64.
int spec_read_int(const char *t, int64_t *out) {
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
int spec_read_real(const char *t, double *out) {
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
int spec_read_bool(const yaml_node_t *n, int *out) {
    const char *t = spec_plain(n);
    if (t && is_word(t, TRUE_WORDS, 3)) { *out = 1; return 0; }
    if (t && is_word(t, FALSE_WORDS, 3)) { *out = 0; return 0; }
    return -1;
}

// The value as a printable number for a message.
void spec_format_real(double v, char *out, size_t cap) { snprintf(out, cap, "%.15g", v); }

// Rounds to 15 significant digits, so that generated values read as written: 0.01, not
// 0.010000000000000002.
double spec_round15(double v) {
    char b[40];
    spec_format_real(v, b, sizeof b);
    return strtod(b, NULL);
}

// ---------------------------------------------------------------------------------------------
// "Did you mean": optimal string alignment distance, ignoring case and '-' versus '_'.

// The closest of names to word, or -1 when none is close: one edit for names of up to 4
// letters, two for longer ones.
int spec_closest(const char *word, const char *const *names, int n) {
    int best = -1, best_d = INT_MAX;
    for (int i = 0; i < n; i++) {
        int d = sweep_edit_distance(word, names[i]);
        int allowed = strlen(names[i]) <= 4 ? 1 : 2;
        if (d <= allowed && d < best_d) { best = i; best_d = d; }
    }
    return best;
}

// "unknown key; did you mean ...?" for a key at the level of `self`.
static int unknown_key(const SpecCtx *c, const yaml_node_t *key, const SpecLevel *self) {
    char path[KEY_LEN];
    const char *word = spec_text(key);
    spec_key_path(self->prefix, word, key->data.scalar.length, path, sizeof path);
    int i = spec_closest(word, self->names, self->n);
    if (i >= 0) return spec_bad(c, spec_loc(key), path, "unknown key; did you mean \"%s\"?", self->names[i]);
    // The right key at the wrong level: point it home.
    for (int l = 0; l < SPEC_N_LEVELS; l++) {
        const SpecLevel *lv = SPEC_LEVELS[l];
        if (lv == self) continue;
        int j = spec_closest(word, lv->names, lv->n);
        if (j < 0) continue;
        if (*lv->prefix)
            return spec_bad(c, spec_loc(key), path, "unknown key; did you mean \"%s.%s\" (indented under %s:)?",
                            lv->prefix, lv->names[j], lv->prefix);
        return spec_bad(c, spec_loc(key), path, "unknown key; did you mean \"%s\" at the top level?", lv->names[j]);
    }
    char list[256] = "";
    for (int k = 0; k < self->n; k++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "", self->names[k]);
    }
    return spec_bad(c, spec_loc(key), path, "unknown key; expected one of %s", list);
}

// ---------------------------------------------------------------------------------------------
// Mappings

// Checks a mapping's keys against the level's names: each known and given once.
int spec_collect(const SpecCtx *c, const yaml_node_t *map, const SpecLevel *lv, SpecKeys *k) {
    memset(k, 0, sizeof *k);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *key = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(c->doc, p->value);
        if (!key || !val) continue;   // cannot happen with a loaded document
        char found[FOUND_LEN];
        spec_describe(key, found, sizeof found);
        if (key->type != YAML_SCALAR_NODE || (spec_plain(key) && !*spec_plain(key)))
            return spec_bad(c, spec_loc(key), lv->prefix, "expected a key name, found %s", found);
        int i = 0;
        while (i < lv->n && strcmp(spec_text(key), lv->names[i]) != 0) i++;
        if (i == lv->n) return unknown_key(c, key, lv);
        if (k->key[i]) {
            char path[KEY_LEN];
            spec_key_path(lv->prefix, lv->names[i], strlen(lv->names[i]), path, sizeof path);
            SrcLoc first = spec_loc(k->key[i]);
            return spec_bad(c, spec_loc(key), path,
                            "expected each key once, found it again (first at line %d, column %d)", first.line,
                            first.col);
        }
        k->key[i] = key;
        k->val[i] = val;
        k->order[k->n++] = i;
    }
    return 0;
}

// A non-empty string scalar, copied into *out. what: "a name", "a file path", ...
int spec_get_string(const SpecCtx *c, const yaml_node_t *n, const char *key, const char *what,
                           char **out) {
    char found[FOUND_LEN];
    spec_describe(n, found, sizeof found);
    const char *t = spec_plain(n);
    if (n->type != YAML_SCALAR_NODE || (t && (!*t || is_word(t, NULL_WORDS, 4)))
        || n->data.scalar.length == 0)
        return spec_bad(c, spec_loc(n), key, "expected %s, found %s", what, found);
    if (strlen(spec_text(n)) != n->data.scalar.length)
        return spec_bad(c, spec_loc(n), key, "expected %s without NUL characters, found %s", what, found);
    free(*out);
    *out = strdup(spec_text(n));
    return *out ? 0 : spec_oom(c);
}

// ---------------------------------------------------------------------------------------------
// Locations

// An axis's key in messages: "grid.epochs", or "grid[1].epochs" in a list of sub-grids.
void spec_axis_key(const Spec *s, int64_t g, AxisId a, char *out, size_t cap) {
    if (s->n_grids > 1) snprintf(out, cap, "grid[%lld].%s", (long long)g, axis_name(a));
    else snprintf(out, cap, "grid.%s", axis_name(a));
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
