// data.h: the data set: its table (built in or CSV) and what a label means, the stratified
// test split, the repeated stratified K-fold folds and the feature scaling. The CSV syntax is
// csv.h's (the Table type too); this room says which cells are labels and how rows are
// split. Knows nothing of YAML or HDF5: callers pass plain values.
#ifndef DATA_H
#define DATA_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"

typedef enum { SCALE_MINMAX, SCALE_STANDARD, SCALE_NONE } ScaleKind;

// The split and scaled data every config of a sweep trains on.
typedef struct {
    int64_t n_samples, n_features, n_train, n_test;
    char **feature_names;    // (n_features) copied from the table
    int64_t *train_index;    // (n_train) source rows, in the order batches are cut
    int64_t *test_index;     // (n_test)
    double *feature_offset;  // (n_features)  x_scaled = (x - offset) * scale
    double *feature_scale;   // (n_features)
    double *X_train, *y_train; // (n_train, D), (n_train), rows in train_index order
    double *X_test, *y_test;
    // Cross-validation (DESIGN section 3, Validation), filled by data_folds; n_folds 1: none.
    int64_t n_folds, n_repeats;  // K, R: J = R * K splits
    int32_t *folds;              // (R, n_train) fold of train_index[i] in repeat r
    double *split_offset;        // (R * K, D) the scaling of split r * K + k, fitted on its
    double *split_scale;         //   own training rows (those outside fold k)
    double *X_raw;               // (n_train + n_test, D) unscaled rows: training part, then test
} Dataset;

// The rows one config sees: it trains on `fit`, validates on `val` (none without folds) and
// is tested on `test`, all scaled with the scaling of its own training rows.
typedef struct {
    int64_t n_features, n_fit, n_val, n_test;
    const double *X_fit, *y_fit;    // (n_fit, D), (n_fit), in train_index order
    const double *X_val, *y_val;    // (n_val, D), (n_val), in train_index order
    const double *X_test, *y_test;  // (n_test, D), (n_test)
} DataView;

// ---- Classes: what a label means, for the CSV check, the split, the folds and the counts.
// Binary: a label is 0 or 1 and is its own class, class 1 the positive one; a table's y and
// a data set's y_train and y_test hold each row's class.
enum { DATA_N_CLASSES = 2 };

// The class of a label value, 0 .. DATA_N_CLASSES - 1, or -1 when the value is no label.
int data_class_of(double label);
// The rows of each class among the labels y[0..n), into count. Returns -1, or the first row
// whose label is no label (count then covers the rows before it).
int64_t data_count_classes(const double *y, int64_t n, int64_t count[DATA_N_CLASSES]);
// The rows i of class c among y[0..n), ascending, into rows (room for n); returns how many.
int64_t data_class_rows(const double *y, int64_t n, int c, int64_t *rows);
// The training rows of each class.
void data_class_counts(const Dataset *d, int64_t count[DATA_N_CLASSES]);

// The built-in sources: "breast_cancer".
int data_is_builtin(const char *source);

// Parse CSV text (csv_parse) with the label rule of the classes above: a header row of
// names, then numeric rows. label names the 0/1 column (NULL: the last one); both labels must
// occur. name is used in error messages: "name:line:col: ...". Returns 0, or 2 (bad input) /
// 1 (out of memory) with err filled and t zeroed.
int data_parse_csv(Table *t, const char *text, size_t len, const char *name, const char *label,
                   char *err);
// Load a built-in source or a CSV file by path.
int data_load_table(Table *t, const char *source, const char *label, char *err);
void data_free_table(Table *t);

extern const char *const DATA_SCALE_NAMES[3];   // indexed by ScaleKind
const char *data_scale_name(ScaleKind s);
int data_scale_parse(const char *name, ScaleKind *out);   // 0 ok, -1 unknown

// Stratified split drawn from split_seed alone, then scaling fitted on the training part.
// test_fraction 0 puts every row in the training part (for cross-validation alone).
int data_prepare(Dataset *d, const Table *t, double test_fraction, uint64_t split_seed,
                 ScaleKind scale, char *err);
void data_free(Dataset *d);

// Repeated stratified K-fold inside the training part, drawn from the split seed and the
// repeat alone, and each split's scaling. 2 <= folds <= the smaller class's training rows
// (the spec checks that, with its location); repeats >= 1. Returns 0, or 1/2 with err filled.
int data_folds(Dataset *d, const Table *t, int64_t folds, int64_t repeats, uint64_t split_seed,
               ScaleKind scale, char *err);
// The fewest rows any split trains on (the training part less each class's fold 0).
int64_t data_min_fit_rows(const Dataset *d, int64_t folds);

// The view of split (repeat, fold). Without folds it points into d itself; with folds it
// gathers and scales the rows into buf, which holds data_view_doubles(d) doubles (sized and
// allocated once per config by the caller).
int64_t data_view_doubles(const Dataset *d);
void data_view(const Dataset *d, int64_t repeat, int64_t fold, double *buf, DataView *v);

#endif
