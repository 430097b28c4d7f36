// csv.h: the CSV reader. Text in, a Table out: a header row of column names, then rows of
// cells, every feature cell a number, one column the label. It knows the syntax (quoting,
// blanks, line ends, a BOM), what a number is, and where every cell is: its errors are one
// line, "name:line:col: ...". It does not know what a label means: the caller passes a
// CsvLabelRule for the label column's cells (task_labels.h's reader is the one sweep uses)
// and fills the Table's task fields itself. Knows nothing of splits, YAML or HDF5.
#ifndef CSV_H
#define CSV_H

#include <stddef.h>
#include <stdint.h>

#include "task.h"

// A place in the text: 1-based line, and column in bytes from the start of its line (a BOM
// not counted).
typedef struct {
    int64_t line, col;
} CsvPos;

// A table read from CSV text (or built by hand): numeric features and a label per row.
typedef struct {
    int64_t n_samples, n_features;
    double *X;               // (n_samples, n_features), row-major, feature columns in file order
    double *y;               // (n_samples): the label column as the label rule read it; after
                             //   data.c's loading the class 0..K-1 (classification) or the raw
                             //   target (regression)
    char **feature_names;    // (n_features)
    char *label_name;
    // What the label means (task.h). The reader leaves these zero; data.c's loader fills them.
    // A zeroed Table is binary with classes 0 and 1 (n_classes 0 and class_names NULL then
    // mean K = 2 named "0" and "1").
    Task task;
    int64_t n_classes;          // K; 0 for regression
    char **class_names;         // (n_classes) each class's label text, in class order
    TargetScale target_scaling; // regression: how data_prepare scales the targets
} Table;

// One label cell, as the reader hands it to a CsvLabelRule.
typedef struct {
    const char *text;        // the cell unquoted and trimmed, NUL-terminated; it may itself
    size_t len;              //   hold NUL bytes (len counts them)
    CsvPos at;               // where it starts
    const char *file;        // the text's name and the label column's name, for messages
    const char *column;
} CsvCell;

// How the label column's cells are read: read(ctx, cell, &label) returns 0 with the row's
// label set, or fills err (csv_cell_fail) and returns 2 (bad input) / 1 (out of memory). It is
// called once per row, in file order, only for rows whose earlier cells were good.
typedef struct {
    int (*read)(void *ctx, const CsvCell *cell, double *label, char *err);
    void *ctx;
} CsvLabelRule;

// Parses CSV text: a header row of names, then rows of numbers. label names the label column
// (NULL: the last one); rule reads its cells (NULL: as numbers, like the features); name is
// the text's name in messages. On success *label_at (unless NULL) is where the label's name
// is in the header. Returns 0, or 2 (bad input) / 1 (out of memory) with err (ERR_LEN bytes)
// filled and t zeroed.
int csv_parse(Table *t, const char *text, size_t len, const char *name, const char *label,
              const CsvLabelRule *rule, CsvPos *label_at, char *err);

// Reads the whole file at path into *text (malloc'd; the caller frees it). Returns 0, or 2
// (cannot read: "path: cannot read: reason") / 1 (out of memory) with err filled.
int csv_read_file(const char *path, char **text, size_t *len, char *err);

// Frees what t holds (class names too) and zeroes it; a zeroed Table is fine.
void csv_free_table(Table *t);

// A located error: fills err with "name:line:col: " and the message; returns 2 (bad input).
int csv_fail_at(char *err, const char *name, CsvPos at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Room for one shown value: 64 source bytes, each at most 4 bytes escaped, quotes, "...".
enum { CSV_SHOW_LEN = 4 * 64 + 8 };

// n bytes of s as a message shows a cell or a name: one line, in quotes unless quote is 0,
// cut after about 60 characters (see sweep_quote). Returns out.
const char *csv_show(char out[CSV_SHOW_LEN], const char *s, size_t n, int quote);

// Reads the NUL-terminated s (n bytes) as a finite plain decimal ([+-] digits [. digits]
// [(e|E) [+-] digits]; no hex, inf, nan or separators): NULL with *out set, or what is wrong:
// "" not a number, "finite" text that reads as inf or nan, "range" too large for a double.
const char *csv_number(const char *s, size_t n, double *out);

// A label cell as a message shows it: "an empty cell", a number as it is (2.5), anything else
// in quotes ("yes"). Returns out.
const char *csv_cell_shown(char out[CSV_SHOW_LEN], const CsvCell *cell);

// A located error about a label cell: "file:line:col: column "NAME": " and the message.
// Returns 2 (bad input).
int csv_cell_fail(char *err, const CsvCell *cell, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
