// csv.c: the CSV reader (csv.h): text in, a Table of numbers out, every error located.
//
// The syntax: RFC 4180 with the leniencies people's files need: an optional UTF-8 BOM, LF or
// CRLF line ends, no final newline, trailing empty lines, spaces and tabs around cells (and
// around the quotes of a quoted field). A quoted field may hold commas, newlines and "" for a
// quote. A quote inside an unquoted field is an ordinary byte. Lines and columns in messages
// are 1-based; a column counts bytes from the start of its line, not counting a BOM.
//
// The table: the first row names the columns (at least two, none empty, no two alike); every
// later row has as many fields, each a plain decimal (see is_decimal) that is a finite double;
// the label column's cells go, as text, through the caller's CsvLabelRule (without one they
// are numbers like the rest). The first bad row stops the reading; within it a quoting error
// or a wrong field count wins over a bad cell (a missing comma shifts every cell after it),
// else the first bad cell, label or not, is reported.
#include "csv.h"

#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- Small helpers -----------------------------------------------------------------------

// calloc for `count` items, never returning NULL for count 0 (so NULL always means no memory).
static void *alloc_array(int64_t count, size_t size) {
    if (count < 0 || (uint64_t)count > SIZE_MAX / size) return NULL;
    return calloc(count ? (size_t)count : 1, size);
}

static char *copy_string(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = '\0'; }
    return d;
}

static void free_strings(char **s, int64_t n) {
    if (s)
        for (int64_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

const char *csv_show(char out[CSV_SHOW_LEN], const char *s, size_t n, int quote) {
    sweep_quote(s, n, quote, out, CSV_SHOW_LEN);
    return out;
}

// ---- Fields ------------------------------------------------------------------------------

typedef struct {
    const char *p, *end;    // cursor and end of the text
    const char *line_start; // first byte of the line *p is on
    int64_t line;
    CsvPos term;            // where the last field read ended: its comma, newline or the end
    char *buf;              // the last field read, unquoted and trimmed, NUL-terminated;
    size_t len, cap;        //   it may itself contain NUL bytes
} Csv;

static CsvPos csv_pos(const Csv *c) { return (CsvPos){c->line, (int64_t)(c->p - c->line_start) + 1}; }

static int is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

static int buf_put(Csv *c, char ch) {
    if (c->len + 2 > c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        char *b = realloc(c->buf, cap);
        if (!b) return 1;
        c->buf = b;
        c->cap = cap;
    }
    c->buf[c->len++] = ch;
    c->buf[c->len] = '\0';
    return 0;
}

static int buf_put_bytes(Csv *c, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (buf_put(c, s[i])) return 1;
    return 0;
}

static void newline(Csv *c) {
    c->line++;
    c->line_start = c->p;
}

// True when nothing but blanks and newlines is left: the data has ended.
static int at_data_end(const Csv *c) {
    for (const char *q = c->p; q < c->end; q++)
        if (!is_blank(*q) && *q != '\n') return 0;
    return 1;
}

// True when the line at the cursor holds nothing but blanks.
static int line_is_blank(const Csv *c) {
    for (const char *q = c->p; q < c->end && *q != '\n'; q++)
        if (!is_blank(*q)) return 0;
    return 1;
}

int csv_fail_at(char *err, const char *name, CsvPos at, const char *fmt, ...) {
    if (err) {
        int k = snprintf(err, ERR_LEN, "%s:%" PRId64 ":%" PRId64 ": ", name, at.line, at.col);
        if (k >= 0 && k < ERR_LEN) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, (size_t)(ERR_LEN - k), fmt, ap);
            va_end(ap);
        }
    }
    return SWEEP_ERR_USAGE;
}

static int out_of_memory(char *err, const char *name) {
    return fail(err, SWEEP_ERR_RUNTIME, "%s: out of memory", name);
}

// Reads the quoted field whose opening quote is at the cursor into c->buf.
static int read_quoted(Csv *c, const char *name, CsvPos at, char *err) {
    c->p++;
    for (;;) {
        if (c->p == c->end)
            return csv_fail_at(err, name, at, "this quoted field has no closing quote");
        char ch = *c->p++;
        if (ch == '"') {
            if (c->p == c->end || *c->p != '"') break;
            c->p++;
        } else if (ch == '\n') {
            newline(c);
        }
        if (buf_put(c, ch)) return out_of_memory(err, name);
    }
    while (c->p < c->end && is_blank(*c->p)) c->p++;
    if (c->p < c->end && *c->p != ',' && *c->p != '\n') {
        char s[CSV_SHOW_LEN];
        return csv_fail_at(err, name, csv_pos(c),
                           "expected a comma or the end of the line after a quoted field, found %s "
                           "(write a quote inside a quoted field as \"\")",
                           csv_show(s, c->p, 1, 1));
    }
    return 0;
}

// Reads one field at the cursor into c->buf: *at is where it starts (after leading blanks),
// *last is set when it ends its record (a newline or the end of the text).
static int read_field(Csv *c, const char *name, CsvPos *at, int *last, char *err) {
    if (!c->buf && buf_put(c, '\0')) return out_of_memory(err, name);
    c->len = 0;
    c->buf[0] = '\0';
    while (c->p < c->end && is_blank(*c->p)) c->p++;
    *at = csv_pos(c);
    if (c->p < c->end && *c->p == '"') {
        int rc = read_quoted(c, name, *at, err);
        if (rc) return rc;
    } else {
        const char *s = c->p;
        while (c->p < c->end && *c->p != ',' && *c->p != '\n') c->p++;
        const char *e = c->p;
        while (e > s && is_blank(e[-1])) e--;
        if (buf_put_bytes(c, s, (size_t)(e - s))) return out_of_memory(err, name);
    }
    c->term = csv_pos(c);
    *last = c->p == c->end || *c->p == '\n';
    if (c->p < c->end) {
        c->p++;
        if (*last) newline(c);
    }
    return 0;
}

// ---- Cells -------------------------------------------------------------------------------

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// A plain decimal: [+-] digits [. digits] [(e|E) [+-] digits], with a digit before or after
// the point. No hex, no inf or nan, no thousands separators.
static int is_decimal(const char *s, size_t n) {
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    for (; i < n && is_digit(s[i]); i++) digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && is_digit(s[i]); i++) digits++;
    if (!digits) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        for (; i < n && is_digit(s[i]); i++) exp_digits++;
        if (!exp_digits) return 0;
    }
    return i == n;
}

// Parses the NUL-terminated s (n bytes) as a finite decimal. Returns 0, or a description of
// what is wrong: "" not a number, "finite" inf/nan, "range" too large for a double.
const char *csv_number(const char *s, size_t n, double *out) {
    char *end;
    double v = strtod(s, &end);
    int whole = end == s + n && n > 0;
    if (!is_decimal(s, n)) return whole && !isfinite(v) ? "finite" : "";
    if (!whole) return "";
    if (!isfinite(v)) return "range";
    *out = v;
    return NULL;
}

// ---- The parser --------------------------------------------------------------------------

typedef struct {
    Csv c;
    const char *name;
    char *err;
    const CsvLabelRule *rule; // how the label column's cells are read; NULL: as numbers
    int64_t n_cols, label;   // header width, the label's column
    char **names;            // (n_cols) column names
    CsvPos *name_at;         // (n_cols) where each name is in the header
    int64_t header_end_line; // the header's last line
    double *row;             // (n_cols) the row being read
    double *X, *y;           // (cap_rows, n_cols - 1), (cap_rows): rows read so far
    int64_t n_rows, cap_rows;
} Parser;

static void parser_free(Parser *P) {
    free(P->c.buf);
    free_strings(P->names, P->n_cols);
    free(P->name_at);
    free(P->row);
    free(P->X);
    free(P->y);
}

static int add_name(Parser *P, CsvPos at, int64_t *cap) {
    Csv *c = &P->c;
    if (c->len == 0) return csv_fail_at(P->err, P->name, at, "column %" PRId64 " has no name", P->n_cols + 1);
    if (memchr(c->buf, '\0', c->len))
        return csv_fail_at(P->err, P->name, at, "column %" PRId64 ": its name holds a NUL byte", P->n_cols + 1);
    if (P->n_cols == *cap) {
        int64_t n = *cap ? 2 * *cap : 32;
        char **names = alloc_array(n, sizeof *names);
        CsvPos *at_ = alloc_array(n, sizeof *at_);
        if (!names || !at_) { free(names); free(at_); return out_of_memory(P->err, P->name); }
        if (P->n_cols) {
            memcpy(names, P->names, (size_t)P->n_cols * sizeof *names);
            memcpy(at_, P->name_at, (size_t)P->n_cols * sizeof *at_);
        }
        free(P->names);
        free(P->name_at);
        P->names = names;
        P->name_at = at_;
        *cap = n;
    }
    if (!(P->names[P->n_cols] = copy_string(c->buf, c->len))) return out_of_memory(P->err, P->name);
    P->name_at[P->n_cols++] = at;
    return 0;
}

typedef struct {
    const char *s;
    int64_t i;
} NameRef;

static int cmp_name_ref(const void *a, const void *b) {
    const NameRef *x = a, *y = b;
    int d = strcmp(x->s, y->s);
    return d ? d : (x->i > y->i) - (x->i < y->i);
}

// Points at the first column (in file order) whose name an earlier column already has.
static int check_duplicates(Parser *P) {
    NameRef *r = alloc_array(P->n_cols, sizeof *r);
    if (!r) return out_of_memory(P->err, P->name);
    for (int64_t i = 0; i < P->n_cols; i++) r[i] = (NameRef){P->names[i], i};
    qsort(r, (size_t)P->n_cols, sizeof *r, cmp_name_ref);
    int64_t dup = -1, first = -1;
    for (int64_t i = 1; i < P->n_cols; i++)
        if (strcmp(r[i].s, r[i - 1].s) == 0 && (i < 2 || strcmp(r[i - 1].s, r[i - 2].s) != 0) &&
            (dup < 0 || r[i].i < dup)) {
            dup = r[i].i;
            first = r[i - 1].i;
        }
    free(r);
    if (dup < 0) return 0;
    char s[CSV_SHOW_LEN];
    return csv_fail_at(P->err, P->name, P->name_at[dup], "duplicate column name %s (also column %" PRId64 ")",
                       csv_show(s, P->names[dup], strlen(P->names[dup]), 1), first + 1);
}


static int no_label_column(Parser *P, const char *label) {
    int64_t best = -1, best_d = 0, len = (int64_t)strlen(label);
    for (int64_t i = 0; i < P->n_cols; i++) {
        int64_t d = sweep_edit_distance(label, P->names[i]);
        int is_close = d == 0 || (d > 0 && d < len && d <= 1 + len / 4);
        if (is_close && (best < 0 || d < best_d)) {
            best = i;
            best_d = d;
        }
    }
    char a[CSV_SHOW_LEN], b[CSV_SHOW_LEN], z[CSV_SHOW_LEN];
    csv_show(a, label, strlen(label), 1);
    CsvPos at = {1, 1};
    if (best >= 0)
        return csv_fail_at(P->err, P->name, at, "no label column %s in the header; did you mean %s?", a,
                           csv_show(b, P->names[best], strlen(P->names[best]), 1));
    const char *last = P->names[P->n_cols - 1];
    return csv_fail_at(P->err, P->name, at, "no label column %s in the header (%" PRId64 " columns: %s ... %s)", a,
                       P->n_cols, csv_show(b, P->names[0], strlen(P->names[0]), 1), csv_show(z, last, strlen(last), 1));
}

static int parse_header(Parser *P, const char *label) {
    Csv *c = &P->c;
    if (at_data_end(c)) return csv_fail_at(P->err, P->name, csv_pos(c), "no header row: the text is empty");
    if (line_is_blank(c))
        return csv_fail_at(P->err, P->name, csv_pos(c), "expected a header row of column names, found an empty line");
    int64_t cap = 0;
    for (int last = 0; !last;) {
        CsvPos at;
        int rc = read_field(c, P->name, &at, &last, P->err);
        if (!rc) rc = add_name(P, at, &cap);
        if (rc) return rc;
    }
    P->header_end_line = c->term.line;
    if (P->n_cols < 2)
        return csv_fail_at(P->err, P->name, P->name_at[0],
                           "the header has 1 column; need at least one feature column and the label column");
    int rc = check_duplicates(P);
    if (rc) return rc;
    P->label = P->n_cols - 1;
    if (label) {
        for (P->label = 0; P->label < P->n_cols && strcmp(P->names[P->label], label) != 0; P->label++) {}
        if (P->label == P->n_cols) return no_label_column(P, label);
    }
    return 0;
}

const char *csv_cell_shown(char out[CSV_SHOW_LEN], const CsvCell *cell) {
    if (cell->len == 0) return strcpy(out, "an empty cell");
    double v;
    return csv_show(out, cell->text, cell->len, csv_number(cell->text, cell->len, &v) != NULL);
}

int csv_cell_fail(char *err, const CsvCell *cell, const char *fmt, ...) {
    if (err) {
        char col[CSV_SHOW_LEN];
        csv_show(col, cell->column, strlen(cell->column), 1);
        int k = snprintf(err, ERR_LEN, "%s:%" PRId64 ":%" PRId64 ": column %s: ", cell->file, cell->at.line,
                         cell->at.col, col);
        if (k >= 0 && k < ERR_LEN) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, (size_t)(ERR_LEN - k), fmt, ap);
            va_end(ap);
        }
    }
    return SWEEP_ERR_USAGE;
}

// Parses the field just read as column k of the current row: a number, or in the label
// column whatever the label rule makes of it.
static int parse_cell(Parser *P, int64_t k, CsvPos at) {
    const Csv *c = &P->c;
    if (k == P->label && P->rule) {
        CsvCell cell = {c->buf, c->len, at, P->name, P->names[k]};
        return P->rule->read(P->rule->ctx, &cell, &P->row[k], P->err);
    }
    double v = 0;
    const char *bad = csv_number(c->buf, c->len, &v);
    if (!bad) { P->row[k] = v; return 0; }
    char col[CSV_SHOW_LEN], s[CSV_SHOW_LEN];
    csv_show(col, P->names[k], strlen(P->names[k]), 1);
    const char *expected = *bad ? "a finite number" : "a number";
    if (c->len == 0) return csv_fail_at(P->err, P->name, at, "column %s: expected %s, found an empty cell", col, expected);
    csv_show(s, c->buf, c->len, 1);
    const char *why = *bad == 'r' ? " (too large for a double)" : "";
    return csv_fail_at(P->err, P->name, at, "column %s: expected %s, found %s%s", col, expected, s, why);
}

static int append_row(Parser *P) {
    int64_t D = P->n_cols - 1;
    if (P->n_rows == P->cap_rows) {
        int64_t cap = P->cap_rows ? 2 * P->cap_rows : 256;
        if (cap > INT64_MAX / D || (uint64_t)(cap * D) > SIZE_MAX / sizeof(double))
            return out_of_memory(P->err, P->name);
        double *X = realloc(P->X, (size_t)(cap * D) * sizeof *X);
        if (X) P->X = X;
        double *y = X ? realloc(P->y, (size_t)cap * sizeof *y) : NULL;
        if (!y) return out_of_memory(P->err, P->name);
        P->y = y;
        P->cap_rows = cap;
    }
    double *x = P->X + P->n_rows * D;
    for (int64_t k = 0; k < P->n_cols; k++)
        if (k != P->label) *x++ = P->row[k];
    P->y[P->n_rows++] = P->row[P->label];
    return 0;
}

// Reads one data row. A wrong field count is reported before a bad cell in the same row,
// since a missing or extra comma shifts every cell after it.
static int parse_row(Parser *P) {
    Csv *c = &P->c;
    CsvPos start = csv_pos(c), extra = start;
    if (line_is_blank(c))
        return csv_fail_at(P->err, P->name, start, "empty line; expected %" PRId64 " fields as in the header", P->n_cols);
    int bad_cell = 0;   // the first bad cell's status: 2, or 1 out of memory
    int64_t k = 0;
    for (int last = 0; !last; k++) {
        CsvPos at;
        int rc = read_field(c, P->name, &at, &last, P->err);
        if (rc) return rc;
        if (k < P->n_cols) {
            if (!bad_cell) bad_cell = parse_cell(P, k, at);
            if (bad_cell == SWEEP_ERR_RUNTIME) return bad_cell;
        } else if (k == P->n_cols) {
            extra = at;
        }
    }
    if (k != P->n_cols)
        return csv_fail_at(P->err, P->name, k > P->n_cols ? extra : c->term,
                           "expected %" PRId64 " fields as in the header, found %" PRId64, P->n_cols, k);
    return bad_cell ? bad_cell : append_row(P);
}

static int parse_rows(Parser *P) {
    if (!(P->row = alloc_array(P->n_cols, sizeof *P->row))) return out_of_memory(P->err, P->name);
    while (!at_data_end(&P->c)) {
        int rc = parse_row(P);
        if (rc) return rc;
    }
    if (P->n_rows == 0)
        return csv_fail_at(P->err, P->name, (CsvPos){P->header_end_line + 1, 1}, "no data rows after the header");
    return 0;
}

// Moves the parsed rows and names into t.
static int build_table(Parser *P, Table *t) {
    int64_t D = P->n_cols - 1;
    if (!(t->feature_names = alloc_array(D, sizeof *t->feature_names))) return out_of_memory(P->err, P->name);
    for (int64_t k = 0, j = 0; k < P->n_cols; k++) {
        if (k == P->label) t->label_name = P->names[k];
        else t->feature_names[j++] = P->names[k];
        P->names[k] = NULL;
    }
    t->n_samples = P->n_rows;
    t->n_features = D;
    t->X = P->X;
    t->y = P->y;
    P->X = P->y = NULL;
    return 0;
}

int csv_parse(Table *t, const char *text, size_t len, const char *name, const char *label,
              const CsvLabelRule *rule, CsvPos *label_at, char *err) {
    memset(t, 0, sizeof *t);
    if (!name) name = "<csv>";
    if (!text) len = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { text += 3; len -= 3; }
    Parser P = {.c = {.p = text, .end = text + len, .line_start = text, .line = 1}, .name = name, .err = err,
                .rule = rule};
    int rc = parse_header(&P, label);
    if (!rc) rc = parse_rows(&P);
    if (!rc && label_at) *label_at = P.name_at[P.label];
    if (!rc) rc = build_table(&P, t);
    parser_free(&P);
    if (rc) csv_free_table(t);
    return rc;
}

void csv_free_table(Table *t) {
    free(t->X);
    free(t->y);
    free_strings(t->feature_names, t->n_features);
    free(t->label_name);
    free_strings(t->class_names, t->n_classes);
    memset(t, 0, sizeof *t);
}

int csv_read_file(const char *path, char **text, size_t *len, char *err) {
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, SWEEP_ERR_USAGE, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        if (n == cap) {
            size_t c2 = cap ? 2 * cap : 1 << 16;
            char *b = c2 > cap ? realloc(buf, c2) : NULL;
            if (!b) { free(buf); fclose(f); return out_of_memory(err, path); }
            buf = b;
            cap = c2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int e = errno, bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return fail(err, SWEEP_ERR_USAGE, "%s: cannot read: %s", path, strerror(e));
    }
    *text = buf;
    *len = n;
    return 0;
}
