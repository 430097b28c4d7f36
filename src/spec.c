// spec.c: the YAML spec (DESIGN section 2) parsed with libyaml's document API into a Spec.
// Every error is one line "file:line:col: key: expected ..., found ...", the position being
// the 1-based start of the offending node. Any byte string must come back as a Spec or as a
// message, never a crash or a leak: the parser is fuzzed.
//
// This file reads the file and its YAML, walks the top-level keys, handing each section to
// its room (spec_parse.h), fills the defaults, and runs the checks of the whole spec in order.
#include "spec_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

enum { SPEC_MAX_BYTES = 16 << 20 };   // a spec is a short file; refuses /dev/zero and the like

enum { TOP_NAME, TOP_OUTPUT, TOP_SAVE, TOP_DATA, TOP_GRID, TOP_SEARCH, TOP_HALVING, N_TOP };
static const char *const TOP_KEYS[N_TOP] = {"name", "output", "save_initial_weights", "data",
                                            "grid", "search", "halving"};
const SpecLevel SPEC_TOP_LEVEL = {"", TOP_KEYS, N_TOP};

const SpecLevel *const SPEC_LEVELS[SPEC_N_LEVELS] = {&SPEC_TOP_LEVEL, &SPEC_DATA_LEVEL, &SPEC_GRID_LEVEL,
                                                     &SPEC_SEARCH_LEVEL, &SPEC_HALVING_LEVEL};

// ---------------------------------------------------------------------------------------------
// The top level

static int parse_top(const SpecCtx *c, const yaml_node_t *root) {
    Spec *s = c->s;
    char found[FOUND_LEN];
    if (root->type != YAML_MAPPING_NODE) {
        spec_describe(root, found, sizeof found);
        return spec_bad(c, spec_loc(root), NULL,
                        "expected a mapping with a grid key (and optionally name, output, "
                        "save_initial_weights, data, search, halving), found %s",
                        found);
    }
    SpecKeys k;
    int rc = spec_collect(c, root, &SPEC_TOP_LEVEL, &k);
    if (rc) return rc;
    if (!k.val[TOP_GRID])
        return spec_bad(c, spec_loc(root), "grid",
                        "expected a grid mapping of the axes to sweep (it is required), found none");
    for (int j = 0; !rc && j < k.n; j++) {
        const yaml_node_t *v = k.val[k.order[j]];
        int b;
        switch (k.order[j]) {
        case TOP_NAME: rc = spec_get_string(c, v, "name", "a name", &s->name); break;
        case TOP_OUTPUT: rc = spec_get_string(c, v, "output", "a file path", &s->output); break;
        case TOP_SAVE:
            if (spec_read_bool(v, &b) == 0) { s->save_initial_weights = b; break; }
            spec_describe(v, found, sizeof found);
            rc = spec_bad(c, spec_loc(v), "save_initial_weights", "expected true or false, found %s", found);
            break;
        case TOP_DATA: rc = spec_parse_data(c, v); break;
        case TOP_SEARCH: rc = spec_parse_search(c, v); break;
        case TOP_HALVING: rc = spec_parse_halving(c, v); break;
        default: rc = spec_parse_grid(c, v); break;
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

// Fills everything the file left out: the name, the data source, the axes of each grid.
static int fill_defaults(const SpecCtx *c) {
    Spec *s = c->s;
    if (!s->name && !(s->name = spec_stem(s->path))) return spec_oom(c);
    int rc = spec_data_fill(c);
    return rc ? rc : spec_fill_grids(c);
}

// ---------------------------------------------------------------------------------------------
// The file and its YAML

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

static int yaml_problem(const SpecCtx *c, const yaml_parser_t *p) {
    if (p->error == YAML_MEMORY_ERROR) return spec_oom(c);
    const Spec *s = c->s;
    SrcLoc at = p->error == YAML_READER_ERROR
                    ? offset_loc(s->text, s->text_len, p->problem_offset)
                    : spec_mark_loc(p->problem_mark);
    char extra[160] = "";
    if (p->error == YAML_READER_ERROR && p->problem_value != -1)
        snprintf(extra, sizeof extra, " (byte 0x%02X)", (unsigned)p->problem_value & 0xFFu);
    else if (p->context) {
        SrcLoc ctx = spec_mark_loc(p->context_mark);
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
static int load_document(const SpecCtx *c, yaml_document_t *doc) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return spec_oom(c);
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
            rc = spec_bad(c, spec_mark_loc(next.start_mark), NULL,
                          "invalid YAML: expected one document, found a second one");
        yaml_document_delete(&next);
    }
    if (rc) yaml_document_delete(doc);
    yaml_parser_delete(&parser);
    return rc;
}

// ---------------------------------------------------------------------------------------------
// The spec: parse, load, free

int spec_parse(Spec *s, const char *path, const char *text, size_t len, char *err) {
    return spec_parse_with(s, path, text, len, NULL, 0, err);
}

int spec_parse_with(Spec *s, const char *path, const char *text, size_t len, const char *const *sets,
                    int n_sets, char *err) {
    memset(s, 0, sizeof *s);
    SpecCtx c = {s, NULL, path ? path : "<spec>", err, NULL, "grid"};
    if (path && !(s->path = strdup(path))) return spec_oom(&c);
    int rc = override_apply(&s->overrides, c.path, text, len, sets, n_sets, err);
    if (rc) { spec_free(s); return rc; }
    text = s->overrides.text;   // from here on, the spec is the overridden one
    len = s->overrides.len;
    if (!(s->text = malloc(len + 1))) { spec_free(s); return spec_oom(&c); }
    if (len) memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->text_len = len;
    spec_data_defaults(s);
    spec_search_defaults(s);

    yaml_document_t doc;
    rc = load_document(&c, &doc);
    if (rc) { spec_free(s); return rc; }
    c.doc = &doc;
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root)
        rc = spec_bad(&c, (SrcLoc){1, 1}, NULL, "expected a mapping with a grid key, found an empty file");
    else
        rc = parse_top(&c, root);
    if (!rc) rc = spec_check_search(&c);
    if (!rc) rc = fill_defaults(&c);
    if (!rc) rc = spec_check_halving(&c);
    if (!rc) rc = spec_check_early_stopping(&c);
    if (!rc) rc = spec_check_subgrids(&c);
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
    for (int64_t i = 0; s->data.classes && i < s->data.n_classes; i++) free(s->data.classes[i]);
    free(s->data.classes);
    free(s->data.classes_locs);
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
