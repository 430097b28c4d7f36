// csv.h: the CSV reader. Text in, a Table out: a header row of column names, then rows of
// cells, every cell a number, one column of them the label. It knows the syntax (quoting,
// blanks, line ends, a BOM), what a number is, and where every cell is: its errors are one
// line, "name:line:col: ...". It does not know what a label means: the caller passes a
// CsvLabelRule for the label column's cells (data.h's classes give the one sweep uses).
// Knows nothing of classes, splits, YAML or HDF5.
#ifndef CSV_H
#define CSV_H

#include <stddef.h>
#include <stdint.h>

// A place in the text: 1-based line, and column in bytes from the start of its line (a BOM
// not counted).
typedef struct {
    int64_t line, col;
} CsvPos;

// A table read from CSV text (or built by hand): numeric features and a label per row.
typedef struct {
    int64_t n_samples, n_features;
    double *X;               // (n_samples, n_features), row-major, feature columns in file order
    double *y;               // (n_samples), the label column as the label rule read it
    char **feature_names;    // (n_features)
    char *label_name;
} Table;

// How the label column's cells are read. A cell that reads as a finite number v is the
// row's label when read(v, &label) returns 0 (label is what the table keeps); any other cell
// is an error "column NAME: expected <expected>, found CELL".
typedef struct {
    const char *expected;                 // e.g. "a label 0 or 1"
    int (*read)(double v, double *label); // 0: a label; -1: not one
} CsvLabelRule;

// Parses CSV text: a header row of names, then rows of numbers. label names the label column
// (NULL: the last one); name is the text's name in messages. On success *label_at (unless
// NULL) is where the label's name is in the header. Returns 0, or 2 (bad input) / 1 (out of
// memory) with err (ERR_LEN bytes) filled and t zeroed.
int csv_parse(Table *t, const char *text, size_t len, const char *name, const char *label,
              const CsvLabelRule *rule, CsvPos *label_at, char *err);

// Reads the whole file at path into *text (malloc'd; the caller frees it). Returns 0, or 2
// (cannot read: "path: cannot read: reason") / 1 (out of memory) with err filled.
int csv_read_file(const char *path, char **text, size_t *len, char *err);

// Frees what t holds and zeroes it; a zeroed Table is fine.
void csv_free_table(Table *t);

// A located error: fills err with "name:line:col: " and the message; returns 2 (bad input).
int csv_fail_at(char *err, const char *name, CsvPos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Room for one shown value: 64 source bytes, each at most 4 bytes escaped, quotes, "...".
enum { CSV_SHOW_LEN = 4 * 64 + 8 };

// n bytes of s as a message shows a cell or a name: one line, in quotes unless quote is 0,
// cut after about 60 characters (see sweep_quote). Returns out.
const char *csv_show(char out[CSV_SHOW_LEN], const char *s, size_t n, int quote);

#endif
