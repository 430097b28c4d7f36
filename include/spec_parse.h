// spec_parse.h: what the rooms of the spec parser share; the rest of the program includes
// spec.h. The parser walks libyaml's document (spec.c: the file, the YAML, the top-level
// keys, the defaults, the checks of the whole spec in order) and hands each section to its
// room: spec_data.c (data:), spec_grid.c (grid: a mapping or a list of sub-grids, and the
// checks between sub-grids), spec_axes.c (one axis: a value, a list, a range form or a
// distribution), spec_search.c (search: and halving:, and what they need of the rest).
// spec_msg.c has the vocabulary they all speak: locations, messages, scalars, key checks.
//
// Contract of every room: a function returns 0, or the exit status (2 for a spec error, 1
// out of memory) with c->err filled by spec_bad or spec_oom: one line "PATH:L:C: KEY:
// expected ..., found ...". Any bytes must come back as a Spec or a message, never a crash
// or a leak (the parser is fuzzed): what a room allocates hangs off the Spec, which
// spec_free releases whatever went wrong.
#ifndef SPEC_PARSE_H
#define SPEC_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>
#include "spec.h"

enum {
    AXIS_MAX_VALUES = 1000000,    // one axis; guards memory, the grid module caps the product
    KEY_LEN = 192,                // a dotted key in a message
    ITEM_LEN = KEY_LEN + 24,      // a dotted key with an index: grid.seed.range[2]
    FOUND_LEN = 256,              // a found value in a message (about 60 characters shown)
    MAX_KEYS = 16,                // the most keys of a level (the grid's axes)
};

// The parse in progress.
typedef struct {
    Spec *s;
    yaml_document_t *doc;
    const char *path;         // for messages: never NULL
    char *err;
    SpecGrid *g;              // the (sub-)grid being parsed
    char gkey[32];            // its key in messages: "grid", or "grid[1]" in a list
} SpecCtx;

// A level of keys: the top, or a section. Every level is known to each, so that a key written
// at the wrong level can be pointed home.
typedef struct {
    const char *prefix;       // "" at the top, else the section: "data", "grid", ...
    const char *const *names;
    int n;
} SpecLevel;
extern const SpecLevel SPEC_TOP_LEVEL, SPEC_DATA_LEVEL, SPEC_GRID_LEVEL, SPEC_SEARCH_LEVEL, SPEC_HALVING_LEVEL;
enum { SPEC_N_LEVELS = 5 };
extern const SpecLevel *const SPEC_LEVELS[SPEC_N_LEVELS];   // in that order

// ---------------------------------------------------------------------------------------------
// spec_msg.c: locations and messages

SrcLoc spec_mark_loc(yaml_mark_t m);
SrcLoc spec_loc(const yaml_node_t *n);   // where a node starts
// "PATH:L:C: KEY: message" into c->err; returns 2. A zero loc (a default value) drops ":L:C",
// an empty or NULL key drops "KEY: ".
int spec_bad(const SpecCtx *c, SrcLoc at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int spec_oom(const SpecCtx *c);   // "PATH: out of memory while reading the spec"; returns 1

const char *spec_text(const yaml_node_t *n);    // a scalar's text
const char *spec_plain(const yaml_node_t *n);   // a plain (unquoted) scalar's text, else NULL
// How a node reads in "found ...": 16, "fast", true, null, nothing, a list, a mapping.
void spec_describe(const yaml_node_t *n, char *out, size_t cap);
// A hint to append after "found X" when the likely mistake is recognisable, or "".
const char *spec_hint(const yaml_node_t *n);
// Keys in messages: key + sep + word ("grid" "." "seed"; no separator after an empty key),
// key[i], and prefix.word with the word made printable. Cut short to cap bytes.
void spec_join(char *out, size_t cap, const char *key, const char *sep, const char *word);
void spec_indexed(char *out, size_t cap, const char *key, long long i);
void spec_key_path(const char *prefix, const char *word, size_t len, char *out, size_t cap);
// An axis's key: "grid.epochs", or "grid[1].epochs" in a list of sub-grids.
void spec_axis_key(const Spec *s, int64_t g, AxisId a, char *out, size_t cap);

// Scalars, each 0 or -1: a plain decimal integer with an optional sign (fits int64), a finite
// decimal number (no hex, inf, nan or spaces), a plain YAML boolean (true/True/TRUE/false/...).
int spec_read_int(const char *t, int64_t *out);
int spec_read_real(const char *t, double *out);
int spec_read_bool(const yaml_node_t *n, int *out);
void spec_format_real(double v, char *out, size_t cap);   // "%.15g"
double spec_round15(double v);   // to 15 significant digits: 0.01, not 0.010000000000000002

// The closest of names to word ("did you mean"), or -1 when none is close.
int spec_closest(const char *word, const char *const *names, int n);

// A mapping's keys, checked against a level: each known (else "unknown key; did you mean
// ...") and given once.
typedef struct {
    yaml_node_t *key[MAX_KEYS], *val[MAX_KEYS];   // by the level's key index; NULL when absent
    int order[MAX_KEYS], n;                       // the present ones, in file order
} SpecKeys;
int spec_collect(const SpecCtx *c, const yaml_node_t *map, const SpecLevel *lv, SpecKeys *k);
// A non-empty string scalar, copied into *out (freed first). what: "a name", "a file path", ...
int spec_get_string(const SpecCtx *c, const yaml_node_t *n, const char *key, const char *what, char **out);

// ---------------------------------------------------------------------------------------------
// The rooms

// spec_data.c: the data section; its defaults are set before the parse (spec_data_defaults)
// and the source's once the file is read (spec_data_fill).
void spec_data_defaults(Spec *s);
int spec_parse_data(const SpecCtx *c, const yaml_node_t *map);
int spec_data_fill(const SpecCtx *c);

// spec_grid.c: grid: a mapping of axes or a list of sub-grids; every axis a grid leaves out
// takes its default (spec_fill_grids); then the checks of the grids against the rest.
int spec_parse_grid(const SpecCtx *c, const yaml_node_t *v);
int spec_fill_grids(const SpecCtx *c);
int spec_check_early_stopping(const SpecCtx *c);   // patience > 0 needs validation folds
int spec_check_subgrids(const SpecCtx *c);         // no config in two sub-grids

// spec_axes.c: axis a of the grid c->g from its node (named c->gkey.NAME in messages).
int spec_parse_axis(const SpecCtx *c, AxisId a, const yaml_node_t *v);
int spec_alloc_axis(const SpecCtx *c, AxisId a, int64_t n);   // n values, zeroed
// Value i of an axis as a message shows it: 0.01, adam, true, 16.
void spec_format_value(AxisId a, const SpecAxis *ax, int64_t i, char *out, size_t cap);

// spec_search.c: the search and halving sections, their defaults, and what they need of the
// rest of the spec once every default is in.
void spec_search_defaults(Spec *s);
int spec_parse_search(const SpecCtx *c, const yaml_node_t *map);
int spec_parse_halving(const SpecCtx *c, const yaml_node_t *map);
int spec_check_search(const SpecCtx *c);    // distributions need random search, which needs one grid
int spec_check_halving(const SpecCtx *c);   // folds, one epochs value, min_epochs within it

#endif
