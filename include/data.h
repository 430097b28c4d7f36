// data.h: the table (built in or CSV), the stratified split and the feature scaling.
// Knows nothing of YAML or HDF5: callers pass plain values.
#ifndef DATA_H
#define DATA_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SCALE_MINMAX, SCALE_STANDARD, SCALE_NONE } ScaleKind;

// A raw table: numeric features and a 0/1 label per row.
typedef struct {
    int64_t n_samples, n_features;
    double *X;               // (n_samples, n_features), row-major
    double *y;               // (n_samples), each 0 or 1
    char **feature_names;    // (n_features)
    char *label_name;
} Table;

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
} Dataset;

// The built-in sources: "breast_cancer".
int data_is_builtin(const char *source);

// Parse CSV text: a header row of names, then numeric rows. label names the 0/1 column
// (NULL: the last one). name is used in error messages: "name:line:col: ...". Returns
// 0, or 2 (bad input) / 1 (out of memory) with err filled.
int data_parse_csv(Table *t, const char *text, size_t len, const char *name, const char *label,
                   char *err);
// Load a built-in source or a CSV file by path.
int data_load_table(Table *t, const char *source, const char *label, char *err);
void data_free_table(Table *t);

extern const char *const DATA_SCALE_NAMES[3];   // indexed by ScaleKind
const char *data_scale_name(ScaleKind s);
int data_scale_parse(const char *name, ScaleKind *out);   // 0 ok, -1 unknown

// Stratified split drawn from split_seed alone, then scaling fitted on the training part.
int data_prepare(Dataset *d, const Table *t, double test_fraction, uint64_t split_seed,
                 ScaleKind scale, char *err);
void data_free(Dataset *d);

#endif
