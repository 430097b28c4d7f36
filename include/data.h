// data.h: the data set: its table (built in or CSV) with what its label means (task.h: the
// task, the classes, the target scaling), the stratified test split, the repeated stratified
// K-fold folds, the feature and target scaling and each config's view. The CSV syntax is
// csv.h's (the Table type too), the label column's reading task_labels.h's; this room says
// how rows are split and scaled. Knows nothing of YAML or HDF5: callers pass plain values.
#ifndef DATA_H
#define DATA_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "task.h"

typedef enum { SCALE_MINMAX, SCALE_STANDARD, SCALE_NONE } ScaleKind;

// The split and scaled data every config of a sweep trains on. (One built by hand with only
// n_train and y_train, its task fields zero and class_count NULL, is binary: the functions
// below count its classes from y_train.)
typedef struct {
    int64_t n_samples, n_features, n_train, n_test;
    char **feature_names;    // (n_features) copied from the table
    int64_t *train_index;    // (n_train) source rows, in the order batches are cut
    int64_t *test_index;     // (n_test)
    double *feature_offset;  // (n_features)  x_scaled = (x - offset) * scale
    double *feature_scale;   // (n_features)
    double *X_train, *y_train; // (n_train, D), (n_train), rows in train_index order
    double *X_test, *y_test;   //   y: the class 0..K-1, or (regression) the target in the
                               //   trained unit of the whole training part (see below)
    // Cross-validation (DESIGN section 3, Validation), filled by data_folds; n_folds 1: none.
    int64_t n_folds, n_repeats;  // K, R: J = R * K splits
    int32_t *folds;              // (R, n_train) fold of train_index[i] in repeat r
    double *split_offset;        // (R * K, D) the scaling of split r * K + k, fitted on its
    double *split_scale;         //   own training rows (those outside fold k)
    double *X_raw;               // (n_train + n_test, D) unscaled rows: training part, then test
    // The task (DESIGN section 7), from the table.
    Task task;
    int64_t n_classes;           // K >= 2 for classification; 0 for regression
    char **class_names;          // (n_classes) each class's label text, in class order
    int64_t *class_count;        // (data_n_groups) training rows of each class; regression:
                                 //   one group, n_train
    // Regression's target scaling: t = (y - target_offset) * target_scale, fitted on the whole
    // training part (mean and 1 / population std; target_scale none, and classification: 0
    // and 1); with folds each split's own, fitted on its training rows (regression only, else
    // NULL). y_raw: (n_train + n_test) unscaled targets, training part then test (regression
    // with folds, else NULL).
    TargetScale target_scaling;
    double target_offset, target_scale;
    double *split_target_offset, *split_target_scale;   // (R * K)
    double *y_raw;
} Dataset;

// The rows one config sees: it trains on `fit`, validates on `val` (none without folds) and
// is tested on `test`, all scaled with the scaling of its own training rows (features, and for
// regression the targets: y_fit, y_val and y_test are in the split's trained unit).
typedef struct {
    int64_t n_features, n_fit, n_val, n_test;
    const double *X_fit, *y_fit;    // (n_fit, D), (n_fit), in train_index order
    const double *X_val, *y_val;    // (n_val, D), (n_val), in train_index order
    const double *X_test, *y_test;  // (n_test, D), (n_test)
    double target_offset, target_scale;   // the split's target scaling (classification 0, 1)
} DataView;

// ---- Classes: what the split and the folds stratify over. A table's or data set's y holds
// each row's class 0..K-1 (as a double) for classification; regression has one group of
// every row. A zeroed (hand-built) Table is binary: classes 0 and 1.

// The classes of a table: K, 0 for regression.
int64_t data_table_classes(const Table *t);
// The groups of a data set: K, or 1 for regression.
int64_t data_n_groups(const Dataset *d);
// The class of a y value among K classes: 0 .. K - 1, or -1 when it is none.
int64_t data_class_of(double y, int64_t n_classes);
// The rows of each class among y[0..n), into count (room for K). Returns -1, or the first row
// whose y is no class (count then covers the rows before it).
int64_t data_count_classes(const double *y, int64_t n, int64_t n_classes, int64_t *count);
// The smallest training count of any class (regression: n_train) and, unless which is NULL,
// that class: the last of equal ones (as v2 named class 1 on a tie).
int64_t data_smallest_class(const Dataset *d, int64_t *which);
// " (label \"virginica\")" when class c's name is not its number c, else "" (for messages).
const char *data_class_label(const Dataset *d, int64_t c, char *out, size_t cap);

// ---- Loading

// The built-in sources, each with its own task and classes: breast_cancer (binary, 0
// malignant, 1 benign), iris (multiclass: setosa, versicolor, virginica), wine (multiclass:
// cultivars 1, 2, 3), digits (multiclass: 0 to 9), diabetes (regression: progression).
enum { DATA_N_BUILTINS = 5 };
extern const char *const DATA_BUILTIN_NAMES[DATA_N_BUILTINS];
int data_is_builtin(const char *source);

// Parse CSV text (csv_parse) and read its label column (task_labels.h) as req asks (NULL:
// TASK_REQUEST_AUTO): a header row of names, then rows of numbers; label names the label
// column (NULL: the last one). name is used in error messages: "name:line:col: ...". Fills
// t's task fields. Returns 0, or 2 (bad input) / 1 (out of memory) with err filled, t zeroed
// and req->bad_key saying whether the error is about a spec key (task.h).
int data_parse_csv(Table *t, const char *text, size_t len, const char *name, const char *label,
                   TaskRequest *req, char *err);
// Load a built-in source or a CSV file by path. A built-in source has its own task, classes
// and label column: req's task must be auto or that task (else an error at data.task), req's
// classes NULL (else at data.classes), label NULL or its label column (another of its columns:
// an error at data.label; a name that is no column: "<builtin NAME>:1:1: no label column ...").
int data_load_table(Table *t, const char *source, const char *label, TaskRequest *req, char *err);
void data_free_table(Table *t);

extern const char *const DATA_SCALE_NAMES[3];   // indexed by ScaleKind
const char *data_scale_name(ScaleKind s);
int data_scale_parse(const char *name, ScaleKind *out);   // 0 ok, -1 unknown

// Stratified split drawn from split_seed alone, then scaling fitted on the training part
// (features, and for regression the targets as the table's target_scaling says; a constant
// training target with standard scaling is an error). test_fraction 0 puts every row in the
// training part (for cross-validation alone).
int data_prepare(Dataset *d, const Table *t, double test_fraction, uint64_t split_seed,
                 ScaleKind scale, char *err);
void data_free(Dataset *d);

// Repeated stratified K-fold inside the training part, drawn from the split seed and the
// repeat alone, and each split's scaling. 2 <= folds <= the smallest class's training rows
// (regression: the training rows; the spec checks that, with its location); repeats >= 1.
// Returns 0, or 1/2 with err filled.
int data_folds(Dataset *d, const Table *t, int64_t folds, int64_t repeats, uint64_t split_seed,
               ScaleKind scale, char *err);
// The fewest and the most rows any split trains on (the training part less each class's
// largest fold, fold 0; or less each class's smallest fold).
int64_t data_min_fit_rows(const Dataset *d, int64_t folds);
int64_t data_max_fit_rows(const Dataset *d, int64_t folds);

// The view of split (repeat, fold). Without folds it points into d itself; with folds it
// gathers and scales the rows into buf, which holds data_view_doubles(d) doubles (sized and
// allocated once per config by the caller): X of the training part and the test part, then
// their y (regression: the test part's targets too, in the split's unit).
int64_t data_view_doubles(const Dataset *d);
void data_view(const Dataset *d, int64_t repeat, int64_t fold, double *buf, DataView *v);

#endif
