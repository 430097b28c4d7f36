// override.c: `--set KEY=VALUE` as splices of the spec's text (see override.h). Each override
// is applied to the text the previous ones left: the text is loaded with libyaml, KEY is
// followed to its node(s), the edits are made as bytes, and the result is loaded again to check
// that KEY now holds exactly VALUE (a value that would not fit where it goes is refused rather
// than silently read as something else).
#include "override.h"
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

enum {
    MAX_COMPONENTS = 16,      // a key path is short: grid.1.hidden_dim
    MAX_TARGETS = 1024,       // one per sub-grid at most
    OPT_SHOWN = 160,          // an option quoted in a message
    APPLY_STOP = -1,          // the text is not a YAML mapping: leave it to the spec parser
};

typedef struct {
    const char *opt;          // "KEY=VALUE" as given
    char shown[OPT_SHOWN];    // the same, printable, for messages
    const char *path;         // the spec file, for messages
    char *err;
    char *comp[MAX_COMPONENTS];
    int n_comp;
    char keybuf[512];         // the components live here, NUL-separated
    const char *value;        // VALUE as written
    size_t value_len;
} SetCtx;

// ---------------------------------------------------------------------------------------------
// Positions: libyaml counts lines and characters (after a UTF-8 byte-order mark); we splice bytes.

static size_t skip_bom(const char *t, size_t len) {
    return len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

// Byte offset of 0-based (line, column) in t.
static size_t line_col_offset(const char *t, size_t len, size_t line, size_t col) {
    size_t i = skip_bom(t, len), l = 0;
    while (i < len && l < line) {
        char ch = t[i++];
        if (ch == '\n') l++;
        else if (ch == '\r') { if (i < len && t[i] == '\n') i++; l++; }
    }
    for (size_t c = 0; i < len && c < col && t[i] != '\n' && t[i] != '\r'; c++) {
        i++;
        while (i < len && ((unsigned char)t[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

static size_t mark_offset(const char *t, size_t len, yaml_mark_t m) {
    return line_col_offset(t, len, m.line, m.column);
}

// 1-based line and column of byte offset off in t.
static void offset_line_col(const char *t, size_t len, size_t off, int *line, int *col) {
    size_t i = skip_bom(t, len);
    int l = 1, c = 1;
    if (off > len) off = len;
    for (; i < off; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch == '\n' || (ch == '\r' && (i + 1 >= len || t[i + 1] != '\n'))) { l++; c = 1; }
        else if ((ch & 0xC0) != 0x80 && ch != '\r') c++;
    }
    *line = l;
    *col = c;
}

int override_origin(const Overrides *o, int line, int col, int *file_line, int *file_col) {
    *file_line = line;
    *file_col = col;
    if (o->n_pieces == 0 || line <= 0) return 0;
    size_t at = line_col_offset(o->text, o->len, (size_t)line - 1, col > 0 ? (size_t)col - 1 : 0);
    int64_t i = 0;
    size_t pos = 0;
    while (i + 1 < o->n_pieces && at >= pos + o->pieces[i].len) pos += o->pieces[i++].len;
    const OverridePiece *p = &o->pieces[i];
    if (p->origin) return p->origin;
    size_t in = at - pos < p->len ? at - pos : p->len;
    offset_line_col(o->file_text, o->file_len, p->off + in, file_line, file_col);
    return 0;
}

// Replaces bytes [start, end) of the text with ins (n bytes from override origin).
static int splice(Overrides *o, size_t start, size_t end, const char *ins, size_t n, int origin) {
    char *text = malloc(o->len - (end - start) + n + 1);
    OverridePiece *pieces = malloc((size_t)(o->n_pieces + 2) * sizeof *pieces);
    if (!text || !pieces) { free(text); free(pieces); return SWEEP_ERR_RUNTIME; }
    memcpy(text, o->text, start);
    memcpy(text + start, ins, n);
    memcpy(text + start + n, o->text + end, o->len - end);
    int64_t m = 0;
    size_t pos = 0;
    for (int64_t i = 0; i < o->n_pieces; pos += o->pieces[i].len, i++) {
        const OverridePiece *p = &o->pieces[i];
        if (pos < start) {
            size_t stop = pos + p->len < start ? pos + p->len : start;
            pieces[m++] = (OverridePiece){p->origin, p->off, stop - pos};
        }
    }
    if (n) pieces[m++] = (OverridePiece){origin, 0, n};
    pos = 0;
    for (int64_t i = 0; i < o->n_pieces; pos += o->pieces[i].len, i++) {
        const OverridePiece *p = &o->pieces[i];
        if (pos + p->len > end) {
            size_t from = pos > end ? pos : end;
            pieces[m++] = (OverridePiece){p->origin, p->off + (from - pos), pos + p->len - from};
        }
    }
    o->len = o->len - (end - start) + n;
    text[o->len] = '\0';
    free(o->text);
    free(o->pieces);
    o->text = text;
    o->pieces = pieces;
    o->n_pieces = m;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// YAML

static int load(const char *text, size_t len, yaml_document_t *doc, yaml_parser_t *parser) {
    if (!yaml_parser_initialize(parser)) return SWEEP_ERR_RUNTIME;
    yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(parser, doc)) return parser->error == YAML_MEMORY_ERROR ? SWEEP_ERR_RUNTIME : SWEEP_ERR_USAGE;
    // One document only: a second one (or a syntax error after the first) is not a spec.
    yaml_document_t next;
    int rc = 0;
    if (!yaml_parser_load(parser, &next)) rc = SWEEP_ERR_USAGE;
    else {
        if (yaml_document_get_root_node(&next)) rc = SWEEP_ERR_USAGE;
        yaml_document_delete(&next);
    }
    if (rc) yaml_document_delete(doc);
    return rc;
}

static yaml_node_t *node_at(yaml_document_t *d, int id) { return yaml_document_get_node(d, id); }

static int is_block(const yaml_node_t *n) {
    return (n->type == YAML_MAPPING_NODE && n->data.mapping.style != YAML_FLOW_MAPPING_STYLE)
           || (n->type == YAML_SEQUENCE_NODE && n->data.sequence.style != YAML_FLOW_SEQUENCE_STYLE);
}

static int is_empty_null(const yaml_node_t *n) {
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *t = (const char *)n->data.scalar.value;
    return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL");
}

// The byte just past a node's last character. A block collection's own end mark is where the
// next token starts (the next line, or further), so its end is that of its last content.
static size_t node_end(yaml_document_t *d, const yaml_node_t *n, const char *t, size_t len) {
    if (!is_block(n)) return mark_offset(t, len, n->end_mark);
    size_t end = mark_offset(t, len, n->start_mark);
    if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = node_at(d, p->key), *v = node_at(d, p->value);
            size_t e = k ? node_end(d, k, t, len) : 0;
            if (e > end) end = e;
            e = v && !(v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0) ? node_end(d, v, t, len) : 0;
            if (e > end) end = e;
        }
    } else {
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
            yaml_node_t *v = node_at(d, *i);
            size_t e = v ? node_end(d, v, t, len) : 0;
            if (e > end) end = e;
        }
    }
    return end;
}

// Two nodes of two documents hold the same data (scalars compared as text and as plain or not).
static int same_node(yaml_document_t *da, const yaml_node_t *a, yaml_document_t *db, const yaml_node_t *b) {
    if (!a || !b || a->type != b->type) return 0;
    switch (a->type) {
    case YAML_SCALAR_NODE:
        return a->data.scalar.length == b->data.scalar.length
               && (a->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) == (b->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
               && memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
    case YAML_SEQUENCE_NODE: {
        ptrdiff_t n = a->data.sequence.items.top - a->data.sequence.items.start;
        if (n != b->data.sequence.items.top - b->data.sequence.items.start) return 0;
        for (ptrdiff_t i = 0; i < n; i++)
            if (!same_node(da, node_at(da, a->data.sequence.items.start[i]), db, node_at(db, b->data.sequence.items.start[i])))
                return 0;
        return 1;
    }
    case YAML_MAPPING_NODE: {
        ptrdiff_t n = a->data.mapping.pairs.top - a->data.mapping.pairs.start;
        if (n != b->data.mapping.pairs.top - b->data.mapping.pairs.start) return 0;
        for (ptrdiff_t i = 0; i < n; i++) {
            const yaml_node_pair_t *p = &a->data.mapping.pairs.start[i], *q = &b->data.mapping.pairs.start[i];
            if (!same_node(da, node_at(da, p->key), db, node_at(db, q->key))
                || !same_node(da, node_at(da, p->value), db, node_at(db, q->value)))
                return 0;
        }
        return 1;
    }
    default: return 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Following KEY

typedef struct {
    yaml_node_t *node;        // the node to replace (with VALUE, or with the rest of the path
    yaml_node_t *key;         //   as a flow mapping when it is an empty value); its key, if any
    yaml_node_t *map;         // else: the mapping that lacks comp[rest]
    int rest;
} Target;

typedef struct {
    Target t[MAX_TARGETS];
    int n;
} Targets;

static void prefix_of(const SetCtx *c, int upto, char *out, size_t cap) {
    out[0] = '\0';
    for (int i = 0; i < upto && i < c->n_comp; i++) {
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", i ? "." : "", c->comp[i]);
    }
}

static int where_in_file(const SetCtx *c, const char *text, size_t len, const yaml_node_t *n, char *out, size_t cap) {
    int l, col;
    offset_line_col(text, len, mark_offset(text, len, n->start_mark), &l, &col);
    return snprintf(out, cap, "%s:%d:%d", c->path, l, col);
}

static int is_index(const char *s, long long *out) {
    if (!*s || strlen(s) > 9) return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    *out = atoll(s);
    return 1;
}

static int add_target(const SetCtx *c, Targets *ts, Target t) {
    if (ts->n == MAX_TARGETS)
        return fail(c->err, SWEEP_ERR_USAGE, "--set %s: expected at most %d places to set, found more", c->shown, MAX_TARGETS);
    ts->t[ts->n++] = t;
    return 0;
}

// Follows comp[i..] from n (the value of key, or a list item: key NULL).
static int walk(const SetCtx *c, yaml_document_t *d, const char *text, size_t len, yaml_node_t *n,
                yaml_node_t *key, int i, Targets *ts) {
    char prefix[256], where[256];
    if (i == c->n_comp) return add_target(c, ts, (Target){n, key, NULL, i});
    if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
            yaml_node_t *k = node_at(d, p->key), *v = node_at(d, p->value);
            if (k && v && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, c->comp[i]) == 0)
                return walk(c, d, text, len, v, k, i + 1, ts);
        }
        return add_target(c, ts, (Target){NULL, NULL, n, i});
    }
    prefix_of(c, i, prefix, sizeof prefix);
    where_in_file(c, text, len, n, where, sizeof where);
    if (n->type == YAML_SEQUENCE_NODE) {
        ptrdiff_t count = n->data.sequence.items.top - n->data.sequence.items.start;
        long long idx;
        if (is_index(c->comp[i], &idx)) {
            if (idx >= count)
                return fail(c->err, SWEEP_ERR_USAGE, "--set %s: %s: expected an item number below %lld (the list at %s), found %lld",
                            c->shown, prefix, (long long)count, where, idx);
            yaml_node_t *item = node_at(d, n->data.sequence.items.start[idx]);
            return item ? walk(c, d, text, len, item, NULL, i + 1, ts) : 0;
        }
        if (count == 0)
            return fail(c->err, SWEEP_ERR_USAGE, "--set %s: %s: expected a mapping or a list of mappings, found an empty list at %s",
                        c->shown, prefix, where);
        for (ptrdiff_t k = 0; k < count; k++) {   // every item: grid.epochs sets each sub-grid's
            yaml_node_t *item = node_at(d, n->data.sequence.items.start[k]);
            if (!item) continue;
            if (item->type != YAML_MAPPING_NODE) {
                where_in_file(c, text, len, item, where, sizeof where);
                return fail(c->err, SWEEP_ERR_USAGE, "--set %s: %s[%lld]: expected a mapping to set %s in, found a value at %s",
                            c->shown, prefix, (long long)k, c->comp[i], where);
            }
            int rc = walk(c, d, text, len, item, NULL, i, ts);
            if (rc) return rc;
        }
        return 0;
    }
    if (is_empty_null(n)) return add_target(c, ts, (Target){n, key, NULL, i});
    return fail(c->err, SWEEP_ERR_USAGE, "--set %s: %s: expected a mapping to set %s in, found a value at %s (set %s itself)",
                c->shown, prefix, c->comp[i], where, prefix);
}

// ---------------------------------------------------------------------------------------------
// Edits

typedef struct {
    size_t start, end;
    char *text;
} Edit;

static int cmp_edit_desc(const void *a, const void *b) {
    const Edit *x = a, *y = b;
    return (x->start < y->start) - (x->start > y->start);
}

// "a: {b: VALUE}" for comp[rest..].
static char *flow_chain(const SetCtx *c, int rest) {
    size_t n = c->value_len + 1;
    for (int i = rest; i < c->n_comp; i++) n += strlen(c->comp[i]) + 4;
    char *s = malloc(n);
    if (!s) return NULL;
    s[0] = '\0';
    for (int i = rest; i < c->n_comp; i++) {
        strcat(s, c->comp[i]);
        strcat(s, i + 1 < c->n_comp ? ": {" : ": ");
    }
    strncat(s, c->value, c->value_len);
    for (int i = rest; i + 1 < c->n_comp; i++) strcat(s, "}");
    return s;
}

// The lines "INDENT a:\n INDENT  b: VALUE\n" for comp[rest..], after lead.
static char *block_chain(const SetCtx *c, int rest, size_t indent, const char *lead) {
    size_t n = strlen(lead) + c->value_len + 1;
    for (int i = rest; i < c->n_comp; i++) n += indent + 2 * (size_t)(i - rest) + strlen(c->comp[i]) + 3;
    char *s = malloc(n);
    if (!s) return NULL;
    char *p = s;
    p += sprintf(p, "%s", lead);
    for (int i = rest; i < c->n_comp; i++) {
        size_t sp = indent + 2 * (size_t)(i - rest);
        memset(p, ' ', sp);
        p += sp;
        p += sprintf(p, "%s:", c->comp[i]);
        if (i + 1 == c->n_comp) {
            *p++ = ' ';
            memcpy(p, c->value, c->value_len);
            p += c->value_len;
        }
        *p++ = '\n';
    }
    *p = '\0';
    return s;
}

static int make_edit(const SetCtx *c, yaml_document_t *d, const char *t, size_t len, const Target *g, Edit *e) {
    e->text = NULL;
    if (g->node) {
        const yaml_node_t *n = g->node;
        e->start = mark_offset(t, len, n->start_mark);
        e->end = node_end(d, n, t, len);
        int rest_is_path = g->rest < c->n_comp;
        char *val = rest_is_path ? flow_chain(c, g->rest) : strndup(c->value, c->value_len);
        if (!val) return SWEEP_ERR_RUNTIME;
        if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0 && g->key) {
            // "key:" with nothing after it: the value goes right after the colon.
            size_t p = node_end(d, g->key, t, len);
            while (p < len && (t[p] == ' ' || t[p] == '\t')) p++;
            if (p < len && t[p] == ':') p++;
            e->start = e->end = p;
            e->text = malloc(strlen(val) + 2);
            if (e->text) sprintf(e->text, " %s", val);
            free(val);
        } else {
            e->text = val;
        }
        return e->text ? 0 : SWEEP_ERR_RUNTIME;
    }
    const yaml_node_t *m = g->map;
    if (m->data.mapping.style == YAML_FLOW_MAPPING_STYLE) {
        size_t close = mark_offset(t, len, m->end_mark);
        if (close == 0 || t[close - 1] != '}')
            return fail(c->err, SWEEP_ERR_USAGE, "--set %s: cannot find the end of the mapping to add %s to", c->shown,
                        c->comp[g->rest]);
        char *chain = flow_chain(c, g->rest);
        if (!chain) return SWEEP_ERR_RUNTIME;
        int empty = m->data.mapping.pairs.top == m->data.mapping.pairs.start;
        e->start = e->end = close - 1;
        e->text = malloc(strlen(chain) + 3);
        if (e->text) sprintf(e->text, "%s%s", empty ? "" : ", ", chain);
        free(chain);
        return e->text ? 0 : SWEEP_ERR_RUNTIME;
    }
    // A block mapping: a new line after its last line, indented as its first key.
    const yaml_node_t *first = node_at(d, m->data.mapping.pairs.start[0].key);
    size_t indent = first ? first->start_mark.column : 0;
    size_t p = node_end(d, m, t, len);
    const char *lead = "";
    if (!(p > 0 && t[p - 1] == '\n')) {
        while (p < len && t[p] != '\n') p++;
        if (p < len) p++;
        else lead = "\n";
    }
    e->start = e->end = p;
    e->text = block_chain(c, g->rest, indent, lead);
    return e->text ? 0 : SWEEP_ERR_RUNTIME;
}

// ---------------------------------------------------------------------------------------------
// One override

static int parse_option(SetCtx *c) {
    const char *eq = strchr(c->opt, '=');
    if (!eq)
        return fail(c->err, SWEEP_ERR_USAGE, "--set %s: expected KEY=VALUE, such as grid.hidden_dim=[8, 16]", c->shown);
    size_t klen = (size_t)(eq - c->opt);
    if (klen == 0 || klen >= sizeof c->keybuf)
        return fail(c->err, SWEEP_ERR_USAGE, "--set %s: expected KEY=VALUE with KEY a dotted path of spec keys, such as grid.hidden_dim",
                    c->shown);
    memcpy(c->keybuf, c->opt, klen);
    c->keybuf[klen] = '\0';
    c->n_comp = 0;
    for (char *s = c->keybuf;;) {
        char *dot = strchr(s, '.');
        if (dot) *dot = '\0';
        int ok = *s != '\0' && c->n_comp < MAX_COMPONENTS;
        for (const char *q = s; ok && *q; q++)
            ok = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_' || *q == '-';
        if (!ok)
            return fail(c->err, SWEEP_ERR_USAGE, "--set %s: expected KEY=VALUE with KEY a dotted path of spec keys "
                        "(letters, digits, _ and -), such as grid.hidden_dim", c->shown);
        c->comp[c->n_comp++] = s;
        if (!dot) break;
        s = dot + 1;
    }
    c->value = eq + 1;
    c->value_len = strlen(c->value);
    if (c->value_len == 0)
        return fail(c->err, SWEEP_ERR_USAGE, "--set %s: expected a YAML value after \"=\"", c->shown);
    if (strpbrk(c->value, "\r\n"))
        return fail(c->err, SWEEP_ERR_USAGE, "--set %s: expected a value on one line", c->shown);
    return 0;
}

// VALUE alone: one scalar or flow collection.
static int check_value(const SetCtx *c, yaml_document_t *vdoc) {
    yaml_parser_t parser;
    int rc = load(c->value, c->value_len, vdoc, &parser);
    if (rc == SWEEP_ERR_USAGE) {
        const char *problem = parser.problem ? parser.problem : "expected one value";
        size_t col = parser.problem_mark.column + 1;
        yaml_parser_delete(&parser);
        return fail(c->err, SWEEP_ERR_USAGE, "--set %s: invalid YAML in the value: %s (at character %zu of the value)",
                    c->shown, problem, col);
    }
    yaml_parser_delete(&parser);
    if (rc) return fail(c->err, rc, "out of memory applying --set");
    yaml_node_t *root = yaml_document_get_root_node(vdoc);
    const char *what = !root ? "nothing" : root->type == YAML_MAPPING_NODE ? "a block mapping (key: value)" : "a block list (- item)";
    if (!root || is_block(root)) {
        if (root) yaml_document_delete(vdoc);
        return fail(c->err, SWEEP_ERR_USAGE, "--set %s: expected one value in YAML flow form, such as 8, [8, 16] or "
                    "{range: [0, 5]}, found %s", c->shown, what);
    }
    return 0;
}

static int apply_one(Overrides *o, const char *path, int k, char *err) {
    SetCtx c;
    memset(&c, 0, sizeof c);
    c.opt = o->sets[k];
    c.path = path;
    c.err = err;
    sweep_quote(c.opt, strlen(c.opt), 0, c.shown, sizeof c.shown);
    int rc = parse_option(&c);
    if (rc) return rc;
    yaml_document_t vdoc, doc;
    if ((rc = check_value(&c, &vdoc))) return rc;

    yaml_parser_t parser;
    rc = load(o->text, o->len, &doc, &parser);
    yaml_parser_delete(&parser);
    yaml_node_t *root = rc ? NULL : yaml_document_get_root_node(&doc);
    if (rc || !root || root->type != YAML_MAPPING_NODE) {
        if (!rc) yaml_document_delete(&doc);
        yaml_document_delete(&vdoc);
        return rc == SWEEP_ERR_RUNTIME ? fail(err, rc, "out of memory applying --set") : APPLY_STOP;
    }
    Targets *ts = malloc(sizeof *ts);
    Edit *edits = ts ? calloc(MAX_TARGETS, sizeof *edits) : NULL;
    if (!ts || !edits) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory applying --set");
    if (!rc) {
        ts->n = 0;
        rc = walk(&c, &doc, o->text, o->len, root, NULL, 0, ts);
    }
    int n_edits = 0;
    for (int i = 0; !rc && i < ts->n; i++) {
        rc = make_edit(&c, &doc, o->text, o->len, &ts->t[i], &edits[i]);
        if (rc == SWEEP_ERR_RUNTIME) fail(err, rc, "out of memory applying --set");
        n_edits = i + 1;
    }
    yaml_document_delete(&doc);
    if (!rc) {
        qsort(edits, (size_t)n_edits, sizeof *edits, cmp_edit_desc);   // from the end: offsets stay true
        for (int i = 0; !rc && i < n_edits; i++)
            if (splice(o, edits[i].start, edits[i].end, edits[i].text, strlen(edits[i].text), k + 1))
                rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory applying --set");
    }
    for (int i = 0; i < n_edits; i++) free(edits[i].text);
    free(edits);

    // The text must now be YAML in which KEY holds exactly VALUE, at every place it was set.
    if (!rc) {
        int loaded = load(o->text, o->len, &doc, &parser);
        yaml_parser_delete(&parser);
        int ok = loaded == 0;
        if (ok) {
            Targets *again = malloc(sizeof *again);
            char scratch[ERR_LEN];
            SetCtx quiet = c;
            quiet.err = scratch;
            ok = again != NULL;
            if (ok) {
                again->n = 0;
                yaml_node_t *r = yaml_document_get_root_node(&doc);
                ok = r && walk(&quiet, &doc, o->text, o->len, r, NULL, 0, again) == 0 && again->n == ts->n;
                for (int i = 0; ok && i < again->n; i++)
                    ok = again->t[i].node && again->t[i].rest == c.n_comp
                         && same_node(&doc, again->t[i].node, &vdoc, yaml_document_get_root_node(&vdoc));
            }
            free(again);
            yaml_document_delete(&doc);
        }
        if (loaded == SWEEP_ERR_RUNTIME) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory applying --set");
        else if (!ok)
            rc = fail(err, SWEEP_ERR_USAGE, "--set %s: the value does not read back as written where it goes in %s "
                      "(write it in YAML flow form, such as [a, b] or {key: value}, or quote it)", c.shown, path);
    }
    free(ts);
    yaml_document_delete(&vdoc);
    return rc;
}

int override_apply(Overrides *o, const char *path, const char *text, size_t len,
                   const char *const *sets, int n_sets, char *err) {
    memset(o, 0, sizeof *o);
    o->file_text = malloc(len + 1);
    o->text = malloc(len + 1);
    o->pieces = malloc(sizeof *o->pieces);
    o->sets = calloc((size_t)(n_sets > 0 ? n_sets : 1), sizeof *o->sets);
    int rc = o->file_text && o->text && o->pieces && o->sets ? 0 : SWEEP_ERR_RUNTIME;
    if (o->sets) o->n_sets = n_sets;
    for (int i = 0; !rc && i < n_sets; i++)
        if (!(o->sets[i] = strdup(sets[i]))) rc = SWEEP_ERR_RUNTIME;
    if (rc) {
        override_free(o);
        return fail(err, rc, "out of memory applying --set");
    }
    if (len) memcpy(o->file_text, text, len);
    if (len) memcpy(o->text, text, len);
    o->file_text[len] = o->text[len] = '\0';
    o->file_len = o->len = len;
    o->pieces[0] = (OverridePiece){0, 0, len};
    o->n_pieces = len ? 1 : 0;
    for (int k = 0; k < n_sets; k++) {
        rc = apply_one(o, path ? path : "<spec>", k, err);
        if (rc == APPLY_STOP) { rc = 0; break; }
        if (rc) { override_free(o); return rc; }
    }
    return 0;
}

void override_free(Overrides *o) {
    if (!o) return;
    free(o->text);
    free(o->file_text);
    free(o->pieces);
    for (int i = 0; o->sets && i < o->n_sets; i++) free(o->sets[i]);
    free(o->sets);
    memset(o, 0, sizeof *o);
}
