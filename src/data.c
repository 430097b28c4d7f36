// data.c: the table (built in or CSV), the stratified split and the feature scaling.
#include "data.h"

#include "rng.h"
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const DATA_SCALE_NAMES[3] = {"minmax", "standard", "none"};

const char *data_scale_name(ScaleKind s) { return DATA_SCALE_NAMES[s]; }

int data_scale_parse(const char *name, ScaleKind *out) {
    for (int i = 0; i < 3; i++)
        if (strcmp(name, DATA_SCALE_NAMES[i]) == 0) { *out = (ScaleKind)i; return 0; }
    return -1;
}

// Defined in data_builtin.c: the text of a built-in source, or NULL.
const char *data_builtin_text(const char *name, size_t *len);

int data_is_builtin(const char *source) { return data_builtin_text(source, NULL) != NULL; }

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

// Room for one shown value: SHOW_MAX source bytes, each at most 4 bytes escaped, quotes, "...".
enum { SHOW_MAX = 64, SHOW_LEN = 4 * SHOW_MAX + 8 };

// A value for an error message, one line and quoted (see sweep_quote); returns out.
static const char *show(char out[SHOW_LEN], const char *s, size_t n, int quote) {
    sweep_quote(s, n, quote, out, SHOW_LEN);
    return out;
}

// ---- CSV reading -------------------------------------------------------------------------
//
// RFC 4180 with the leniencies people's files need: an optional UTF-8 BOM, LF or CRLF line
// ends, no final newline, trailing empty lines, spaces and tabs around cells (and around the
// quotes of a quoted field). A quoted field may hold commas, newlines and "" for a quote. A
// quote inside an unquoted field is an ordinary byte. Lines and columns in messages are
// 1-based; a column counts bytes from the start of its line, not counting a BOM.

typedef struct {
    int64_t line, col;
} Pos;

typedef struct {
    const char *p, *end;    // cursor and end of the text
    const char *line_start; // first byte of the line *p is on
    int64_t line;
    Pos term;               // where the last field read ended: its comma, newline or the end
    char *buf;              // the last field read, unquoted and trimmed, NUL-terminated;
    size_t len, cap;        //   it may itself contain NUL bytes
} Csv;

static Pos csv_pos(const Csv *c) { return (Pos){c->line, (int64_t)(c->p - c->line_start) + 1}; }

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

__attribute__((format(printf, 4, 5)))
static int fail_at(char *err, const char *name, Pos at, const char *fmt, ...) {
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
static int read_quoted(Csv *c, const char *name, Pos at, char *err) {
    c->p++;
    for (;;) {
        if (c->p == c->end)
            return fail_at(err, name, at, "this quoted field has no closing quote");
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
        char s[SHOW_LEN];
        return fail_at(err, name, csv_pos(c),
                       "expected a comma or the end of the line after a quoted field, found %s "
                       "(write a quote inside a quoted field as \"\")",
                       show(s, c->p, 1, 1));
    }
    return 0;
}

// Reads one field at the cursor into c->buf: *at is where it starts (after leading blanks),
// *last is set when it ends its record (a newline or the end of the text).
static int read_field(Csv *c, const char *name, Pos *at, int *last, char *err) {
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
static const char *parse_number(const char *s, size_t n, double *out) {
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
    int64_t n_cols, label;   // header width, the label's column
    char **names;            // (n_cols) column names
    Pos *name_at;            // (n_cols) where each name is in the header
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

static int add_name(Parser *P, Pos at, int64_t *cap) {
    Csv *c = &P->c;
    if (c->len == 0) return fail_at(P->err, P->name, at, "column %" PRId64 " has no name", P->n_cols + 1);
    if (memchr(c->buf, '\0', c->len))
        return fail_at(P->err, P->name, at, "column %" PRId64 ": its name holds a NUL byte", P->n_cols + 1);
    if (P->n_cols == *cap) {
        int64_t n = *cap ? 2 * *cap : 32;
        char **names = alloc_array(n, sizeof *names);
        Pos *at_ = alloc_array(n, sizeof *at_);
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
    char s[SHOW_LEN];
    return fail_at(P->err, P->name, P->name_at[dup], "duplicate column name %s (also column %" PRId64 ")",
                   show(s, P->names[dup], strlen(P->names[dup]), 1), first + 1);
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
    char a[SHOW_LEN], b[SHOW_LEN], z[SHOW_LEN];
    show(a, label, strlen(label), 1);
    Pos at = {1, 1};
    if (best >= 0)
        return fail_at(P->err, P->name, at, "no label column %s in the header; did you mean %s?", a,
                       show(b, P->names[best], strlen(P->names[best]), 1));
    const char *last = P->names[P->n_cols - 1];
    return fail_at(P->err, P->name, at, "no label column %s in the header (%" PRId64 " columns: %s ... %s)", a,
                   P->n_cols, show(b, P->names[0], strlen(P->names[0]), 1), show(z, last, strlen(last), 1));
}

static int parse_header(Parser *P, const char *label) {
    Csv *c = &P->c;
    if (at_data_end(c)) return fail_at(P->err, P->name, csv_pos(c), "no header row: the text is empty");
    if (line_is_blank(c))
        return fail_at(P->err, P->name, csv_pos(c), "expected a header row of column names, found an empty line");
    int64_t cap = 0;
    for (int last = 0; !last;) {
        Pos at;
        int rc = read_field(c, P->name, &at, &last, P->err);
        if (!rc) rc = add_name(P, at, &cap);
        if (rc) return rc;
    }
    P->header_end_line = c->term.line;
    if (P->n_cols < 2)
        return fail_at(P->err, P->name, P->name_at[0],
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

// Parses the field just read as column k of the current row.
static int parse_cell(Parser *P, int64_t k, Pos at) {
    const Csv *c = &P->c;
    double v = 0;
    const char *bad = parse_number(c->buf, c->len, &v);
    if (k == P->label && !bad && (v == 0.0 || v == 1.0)) { P->row[k] = v == 1.0 ? 1.0 : 0.0; return 0; }
    if (k != P->label && !bad) { P->row[k] = v; return 0; }
    char col[SHOW_LEN], s[SHOW_LEN];
    show(col, P->names[k], strlen(P->names[k]), 1);
    const char *expected = k == P->label ? "a label 0 or 1" : *bad ? "a finite number" : "a number";
    if (c->len == 0) return fail_at(P->err, P->name, at, "column %s: expected %s, found an empty cell", col, expected);
    // A label that is a number but not 0 or 1 is shown as it is: found 2.
    show(s, c->buf, c->len, bad != NULL);
    const char *why = bad && *bad == 'r' ? " (too large for a double)" : "";
    return fail_at(P->err, P->name, at, "column %s: expected %s, found %s%s", col, expected, s, why);
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
    Pos start = csv_pos(c), extra = start;
    if (line_is_blank(c))
        return fail_at(P->err, P->name, start, "empty line; expected %" PRId64 " fields as in the header", P->n_cols);
    int bad_cell = 0;
    int64_t k = 0;
    for (int last = 0; !last; k++) {
        Pos at;
        int rc = read_field(c, P->name, &at, &last, P->err);
        if (rc) return rc;
        if (k < P->n_cols) {
            if (!bad_cell && parse_cell(P, k, at)) bad_cell = 1;
        } else if (k == P->n_cols) {
            extra = at;
        }
    }
    if (k != P->n_cols)
        return fail_at(P->err, P->name, k > P->n_cols ? extra : c->term,
                       "expected %" PRId64 " fields as in the header, found %" PRId64, P->n_cols, k);
    return bad_cell ? SWEEP_ERR_USAGE : append_row(P);
}

static int parse_rows(Parser *P) {
    if (!(P->row = alloc_array(P->n_cols, sizeof *P->row))) return out_of_memory(P->err, P->name);
    while (!at_data_end(&P->c)) {
        int rc = parse_row(P);
        if (rc) return rc;
    }
    if (P->n_rows == 0)
        return fail_at(P->err, P->name, (Pos){P->header_end_line + 1, 1}, "no data rows after the header");
    int64_t ones = 0;
    for (int64_t i = 0; i < P->n_rows; i++) ones += P->y[i] == 1.0;
    if (ones == 0 || ones == P->n_rows) {
        char s[SHOW_LEN];
        const char *nm = P->names[P->label];
        return fail_at(P->err, P->name, P->name_at[P->label],
                       "column %s: every row has label %d; need rows of both classes 0 and 1",
                       show(s, nm, strlen(nm), 1), ones != 0);
    }
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

int data_parse_csv(Table *t, const char *text, size_t len, const char *name, const char *label,
                   char *err) {
    memset(t, 0, sizeof *t);
    if (!name) name = "<csv>";
    if (!text) len = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { text += 3; len -= 3; }
    Parser P = {.c = {.p = text, .end = text + len, .line_start = text, .line = 1}, .name = name, .err = err};
    int rc = parse_header(&P, label);
    if (!rc) rc = parse_rows(&P);
    if (!rc) rc = build_table(&P, t);
    parser_free(&P);
    if (rc) data_free_table(t);
    return rc;
}

// Reads the whole file at path into a malloc'd buffer.
static int read_file(const char *path, char **text, size_t *len, char *err) {
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

int data_load_table(Table *t, const char *source, const char *label, char *err) {
    memset(t, 0, sizeof *t);
    if (!source) return fail(err, SWEEP_ERR_USAGE, "no data source given");
    size_t len;
    const char *builtin = data_builtin_text(source, &len);
    if (builtin) {
        char name[256];
        snprintf(name, sizeof name, "<builtin %s>", source);
        return data_parse_csv(t, builtin, len, name, label, err);
    }
    char *text;
    int rc = read_file(source, &text, &len, err);
    if (rc) return rc;
    rc = data_parse_csv(t, text, len, source, label, err);
    free(text);
    return rc;
}

void data_free_table(Table *t) {
    free(t->X);
    free(t->y);
    free_strings(t->feature_names, t->n_features);
    free(t->label_name);
    memset(t, 0, sizeof *t);
}

// ---- Split and scaling -------------------------------------------------------------------
//
// The split, exactly (results files record it, and other tools must be able to redraw it):
//  1. perm = 0, 1, ..., n-1 shuffled by rng_permute with rng_init(&r, split_seed, RNG_SPLIT, 0, 0).
//  2. n_test = ceil(test_fraction * n - 1e-9) (the 1e-9 absorbs rounding, e.g. 0.1 * 30),
//     n_train = n - n_test. Both must be >= 1 (n_test = 0 when test_fraction is 0), and every
//     class must keep a training row.
//  3. Per class c (label 0 and 1) with n_c rows: quota_c = floor(n_test * n_c / n), computed
//     exactly in integers. The n_test - quota_0 - quota_1 remaining test slots go one each to
//     the classes with the largest fractional part n_test * n_c / n - quota_c (ties: class 0
//     first).
//  4. Walk perm in order: a row of class c goes to the test part while its class has taken
//     fewer than quota_c test rows, else to the training part. train_index and test_index
//     are in walking order.
// Scaling, fitted on the training rows only, per feature:
//     minmax:   offset = min, scale = 1 / (max - min)
//     standard: offset = mean, scale = 1 / std (population std, ddof 0, two passes: the mean,
//               then the mean squared deviation; sums run in train_index order)
//     none:     offset = 0, scale = 1
// A constant feature (max == min, std == 0) gets scale 1, and so does one whose spread or its
// reciprocal is not a finite double. X_train and X_test hold (x - offset) * scale, rows in
// index order.

static int split_error(const char *what, double test_fraction, int64_t n, char *err) {
    return fail(err, SWEEP_ERR_USAGE, "test_fraction %g %s (n = %" PRId64 ")", test_fraction, what, n);
}

// Fills d->train_index and d->test_index (allocated) as described above.
static int split(Dataset *d, const Table *t, double test_fraction, uint64_t split_seed, char *err) {
    int64_t n = t->n_samples, count[2] = {0, 0};
    for (int64_t i = 0; i < n; i++) {
        double y = t->y[i];
        if (y != 0.0 && y != 1.0)
            return fail(err, SWEEP_ERR_USAGE, "row %" PRId64 " has label %g, expected 0 or 1", i, y);
        count[y == 1.0]++;
    }
    if (!(test_fraction >= 0.0 && test_fraction < 1.0))
        return split_error("is not in [0, 1)", test_fraction, n, err);
    int64_t n_test = test_fraction > 0.0 ? (int64_t)ceil(test_fraction * (double)n - 1e-9) : 0;
    if (n_test < 1 && test_fraction > 0.0) return split_error("puts no row in the test part", test_fraction, n, err);
    if (n_test >= n) return split_error("leaves no row for training", test_fraction, n, err);
    int64_t quota[2], rem[2];
    for (int c = 0; c < 2; c++) {
        unsigned __int128 num = (unsigned __int128)n_test * (uint64_t)count[c];
        quota[c] = (int64_t)(num / (uint64_t)n);
        rem[c] = (int64_t)(num % (uint64_t)n);
    }
    int given[2] = {0, 0};
    for (int64_t left = n_test - quota[0] - quota[1]; left > 0; left--) {
        int c = -1;
        for (int k = 0; k < 2; k++)
            if (!given[k] && (c < 0 || rem[k] > rem[c])) c = k;
        if (c < 0) break;
        given[c] = 1;
        quota[c]++;
    }
    for (int c = 0; c < 2; c++)
        if (count[c] - quota[c] < 1) {
            char what[96];
            snprintf(what, sizeof what, "leaves no training row of class %d, which has %" PRId64 " row%s", c, count[c],
                     count[c] == 1 ? "" : "s");
            return split_error(what, test_fraction, n, err);
        }
    d->n_test = n_test;
    d->n_train = n - n_test;
    int64_t *perm = alloc_array(n, sizeof *perm);
    d->train_index = alloc_array(d->n_train, sizeof *d->train_index);
    d->test_index = alloc_array(d->n_test, sizeof *d->test_index);
    if (!perm || !d->train_index || !d->test_index) { free(perm); return fail(err, SWEEP_ERR_RUNTIME, "out of memory"); }
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    Rng r;
    rng_init(&r, split_seed, RNG_SPLIT, 0, 0);
    rng_permute(&r, perm, n);
    int64_t taken[2] = {0, 0}, n_tr = 0, n_te = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = t->y[perm[i]] == 1.0;
        if (taken[c] < quota[c]) { taken[c]++; d->test_index[n_te++] = perm[i]; }
        else d->train_index[n_tr++] = perm[i];
    }
    free(perm);
    return 0;
}

// Fits offset and scale of every feature on X (n rows of D, already in training order).
static void fit_scaling(int64_t D, const double *X, int64_t n, ScaleKind kind, double *offset_out,
                        double *scale_out) {
    for (int64_t j = 0; j < D; j++) {
        double offset = 0.0, spread = 1.0;
        if (kind == SCALE_MINMAX) {
            double lo = X[j], hi = X[j];
            for (int64_t i = 1; i < n; i++) {
                double x = X[i * D + j];
                if (x < lo) lo = x;
                if (x > hi) hi = x;
            }
            offset = lo;
            spread = hi - lo;
        } else if (kind == SCALE_STANDARD) {
            double sum = 0.0, sq = 0.0;
            for (int64_t i = 0; i < n; i++) sum += X[i * D + j];
            offset = sum / (double)n;
            for (int64_t i = 0; i < n; i++) {
                double dx = X[i * D + j] - offset;
                sq += dx * dx;
            }
            spread = sqrt(sq / (double)n);
        }
        double scale = 1.0 / spread;
        offset_out[j] = offset;
        scale_out[j] = spread > 0.0 && isfinite(spread) && isfinite(scale) ? scale : 1.0;
    }
}

// Copies the rows index[0..n) of t into X (unscaled) and, unless y is NULL, their labels into y.
static void gather(const Dataset *d, const Table *t, const int64_t *index, int64_t n, double *X, double *y) {
    int64_t D = d->n_features;
    for (int64_t i = 0; i < n; i++) {
        const double *src = t->X + index[i] * D;
        for (int64_t j = 0; j < D; j++) X[i * D + j] = src[j];
        if (y) y[i] = t->y[index[i]];
    }
}

// X[i] = (X[i] - offset) * scale, feature by feature, for n rows of D.
static void apply_scaling(int64_t D, double *X, int64_t n, const double *offset, const double *scale) {
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < D; j++) X[i * D + j] = (X[i * D + j] - offset[j]) * scale[j];
}

static int prepare(Dataset *d, const Table *t, double test_fraction, uint64_t split_seed, ScaleKind scale,
                   char *err) {
    int64_t n = t->n_samples, D = t->n_features;
    if (n < 1 || D < 1 || !t->X || !t->y || !t->feature_names)
        return fail(err, SWEEP_ERR_USAGE, "the table is empty (%" PRId64 " rows, %" PRId64 " features)", n, D);
    if (scale != SCALE_MINMAX && scale != SCALE_STANDARD && scale != SCALE_NONE)
        return fail(err, SWEEP_ERR_USAGE, "unknown scaling %d", (int)scale);
    if ((uint64_t)n > SIZE_MAX / sizeof(double) / (uint64_t)D) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    d->n_samples = n;
    d->n_features = D;
    int rc = split(d, t, test_fraction, split_seed, err);
    if (rc) return rc;
    d->feature_names = alloc_array(D, sizeof *d->feature_names);
    d->feature_offset = alloc_array(D, sizeof *d->feature_offset);
    d->feature_scale = alloc_array(D, sizeof *d->feature_scale);
    d->X_train = alloc_array(d->n_train * D, sizeof *d->X_train);
    d->y_train = alloc_array(d->n_train, sizeof *d->y_train);
    d->X_test = alloc_array(d->n_test * D, sizeof *d->X_test);
    d->y_test = alloc_array(d->n_test, sizeof *d->y_test);
    if (!d->feature_names || !d->feature_offset || !d->feature_scale || !d->X_train || !d->y_train ||
        !d->X_test || !d->y_test)
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    for (int64_t j = 0; j < D; j++) {
        const char *s = t->feature_names[j] ? t->feature_names[j] : "";
        if (!(d->feature_names[j] = copy_string(s, strlen(s)))) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    }
    gather(d, t, d->train_index, d->n_train, d->X_train, d->y_train);
    gather(d, t, d->test_index, d->n_test, d->X_test, d->y_test);
    fit_scaling(D, d->X_train, d->n_train, scale, d->feature_offset, d->feature_scale);
    apply_scaling(D, d->X_train, d->n_train, d->feature_offset, d->feature_scale);
    apply_scaling(D, d->X_test, d->n_test, d->feature_offset, d->feature_scale);
    return 0;
}

int data_prepare(Dataset *d, const Table *t, double test_fraction, uint64_t split_seed, ScaleKind scale,
                 char *err) {
    memset(d, 0, sizeof *d);
    d->n_folds = d->n_repeats = 1;
    int rc = prepare(d, t, test_fraction, split_seed, scale, err);
    if (rc) data_free(d);
    return rc;
}

void data_free(Dataset *d) {
    free_strings(d->feature_names, d->n_features);
    free(d->train_index);
    free(d->test_index);
    free(d->feature_offset);
    free(d->feature_scale);
    free(d->X_train);
    free(d->y_train);
    free(d->X_test);
    free(d->y_test);
    free(d->folds);
    free(d->split_offset);
    free(d->split_scale);
    free(d->X_raw);
    memset(d, 0, sizeof *d);
}

// ---------------------------------------------------------------------------------------
// Cross-validation folds, exactly (results files record them; other tools redraw them):
//  For repeat r, one stream rng_init(&g, split_seed, RNG_FOLDS, r, 0). For class 0, then
//  class 1: the positions i (0 <= i < n_train) of that class's training rows, ascending, are
//  shuffled by rng_permute from that stream, and the j-th shuffled position goes to fold
//  j % K. So per class the folds differ in size by at most one row, fold 0 being the largest.
// Split r * K + k trains on the training rows outside fold k, in train_index order, and fits
// its scaling on them alone (as above); it scales its validation fold and the test part with it.

void data_class_counts(const Dataset *d, int64_t count[2]) {
    count[0] = count[1] = 0;
    for (int64_t i = 0; i < d->n_train; i++) count[d->y_train[i] == 1.0]++;
}

int64_t data_min_fit_rows(const Dataset *d, int64_t folds) {
    if (folds < 2) return d->n_train;
    int64_t count[2];
    data_class_counts(d, count);
    return d->n_train - (count[0] + folds - 1) / folds - (count[1] + folds - 1) / folds;  // fold 0 is the largest
}

static void deal_folds(int32_t *fold, const double *y, int64_t n, int64_t K, int64_t repeat, uint64_t split_seed,
                       int64_t *pos) {
    Rng g;
    rng_init(&g, split_seed, RNG_FOLDS, (uint64_t)repeat, 0);
    for (int c = 0; c < 2; c++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if ((y[i] == 1.0) == c) pos[m++] = i;
        rng_permute(&g, pos, m);
        for (int64_t j = 0; j < m; j++) fold[pos[j]] = (int32_t)(j % K);   // round-robin
    }
}

// Rows of the training part outside (keep_out = 1) or inside (0) fold k of one repeat's
// folds, copied from raw in train_index order; returns how many.
static int64_t gather_fold(const double *raw, const double *y, const int32_t *fold, int64_t n, int64_t D,
                           int64_t k, int keep_out, double *X, double *y_out) {
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if ((fold[i] == k) == keep_out) continue;
        memcpy(X + m * D, raw + i * D, (size_t)D * sizeof(double));
        if (y_out) y_out[m] = y[i];
        m++;
    }
    return m;
}

int data_folds(Dataset *d, const Table *t, int64_t folds, int64_t repeats, uint64_t split_seed, ScaleKind scale,
               char *err) {
    int64_t n = d->n_train, D = d->n_features, K = folds, R = repeats, count[2];
    data_class_counts(d, count);
    if (K < 2 || R < 1 || K > count[0] || K > count[1] || K > INT32_MAX)
        return fail(err, SWEEP_ERR_USAGE, "%lld folds over %lld repeats do not fit %lld and %lld training rows per class",
                    (long long)K, (long long)R, (long long)count[0], (long long)count[1]);
    if ((uint64_t)R > SIZE_MAX / sizeof(int32_t) / (uint64_t)n / (uint64_t)K)
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    d->folds = alloc_array(R * n, sizeof *d->folds);
    d->split_offset = alloc_array(R * K * D, sizeof *d->split_offset);
    d->split_scale = alloc_array(R * K * D, sizeof *d->split_scale);
    d->X_raw = alloc_array((n + d->n_test) * D, sizeof *d->X_raw);
    double *fit = alloc_array(n * D, sizeof *fit);
    int64_t *pos = alloc_array(n, sizeof *pos);
    if (!d->folds || !d->split_offset || !d->split_scale || !d->X_raw || !fit || !pos) {
        free(fit); free(pos);
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    }
    gather(d, t, d->train_index, n, d->X_raw, NULL);                 // labels are in y_train
    gather(d, t, d->test_index, d->n_test, d->X_raw + n * D, NULL);  // and y_test
    d->n_folds = K;
    d->n_repeats = R;
    for (int64_t r = 0; r < R; r++) {
        int32_t *fold = d->folds + r * n;
        deal_folds(fold, d->y_train, n, K, r, split_seed, pos);
        for (int64_t k = 0; k < K; k++) {
            int64_t m = gather_fold(d->X_raw, NULL, fold, n, D, k, 1, fit, NULL);
            fit_scaling(D, fit, m, scale, d->split_offset + (r * K + k) * D, d->split_scale + (r * K + k) * D);
        }
    }
    free(fit); free(pos);
    return 0;
}

int64_t data_view_doubles(const Dataset *d) {
    if (d->n_folds < 2) return 0;
    return (d->n_train + d->n_test) * (d->n_features + 1);
}

void data_view(const Dataset *d, int64_t repeat, int64_t fold, double *buf, DataView *v) {
    int64_t n = d->n_train, D = d->n_features;
    v->n_features = D;
    v->n_test = d->n_test;
    if (d->n_folds < 2) {
        v->n_fit = n;
        v->X_fit = d->X_train, v->y_fit = d->y_train;
        v->n_val = 0;
        v->X_val = v->y_val = NULL;
        v->X_test = d->X_test, v->y_test = d->y_test;
        return;
    }
    // buf: X_fit, X_val (n rows together), X_test, then y_fit, y_val.
    const int32_t *folds = d->folds + repeat * n;
    const double *offset = d->split_offset + (repeat * d->n_folds + fold) * D;
    const double *scale = d->split_scale + (repeat * d->n_folds + fold) * D;
    double *X = buf, *y = buf + (n + d->n_test) * D;
    int64_t n_fit = gather_fold(d->X_raw, d->y_train, folds, n, D, fold, 1, X, y);
    int64_t n_val = gather_fold(d->X_raw, d->y_train, folds, n, D, fold, 0, X + n_fit * D, y + n_fit);
    double *X_test = X + n * D;
    memcpy(X_test, d->X_raw + n * D, (size_t)(d->n_test * D) * sizeof(double));
    apply_scaling(D, X, n + d->n_test, offset, scale);
    v->n_fit = n_fit, v->X_fit = X, v->y_fit = y;
    v->n_val = n_val, v->X_val = X + n_fit * D, v->y_val = y + n_fit;
    v->X_test = X_test, v->y_test = d->y_test;
}
