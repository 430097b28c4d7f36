// data.c: the data set (data.h): the table of a source with its labels checked, the stratified
// test split, the repeated stratified K-fold folds, the feature scaling and each config's view.
// The CSV syntax is csv.c's; this file says what a label is. The split and the folds are
// drawn exactly as the comments above them say: results files record them and other tools
// redraw them, so any change here changes results.
#include "data.h"

#include "rng.h"
#include "sweep.h"

#include <inttypes.h>
#include <math.h>
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

static void free_strings(char **s, int64_t n) {
    if (s)
        for (int64_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

// ---- Classes -----------------------------------------------------------------------------
//
// What a label means, in one place: the CSV check, the split, the folds and the counts ask
// these functions and nothing else compares labels. Binary: a label is 0 or 1 and is its own
// class; a table's y holds the class of each row.

int data_class_of(double label) { return label == 0.0 ? 0 : label == 1.0 ? 1 : -1; }

int64_t data_count_classes(const double *y, int64_t n, int64_t count[DATA_N_CLASSES]) {
    for (int c = 0; c < DATA_N_CLASSES; c++) count[c] = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = data_class_of(y[i]);
        if (c < 0) return i;
        count[c]++;
    }
    return -1;
}

int64_t data_class_rows(const double *y, int64_t n, int c, int64_t *rows) {
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (data_class_of(y[i]) == c) rows[m++] = i;
    return m;
}

void data_class_counts(const Dataset *d, int64_t count[DATA_N_CLASSES]) {
    data_count_classes(d->y_train, d->n_train, count);
}

// The label column's cells, for the CSV reader: a number that is a label, kept as its class.
static int read_label(double v, double *label) {
    int c = data_class_of(v);
    if (c < 0) return -1;
    *label = (double)c;
    return 0;
}

static const CsvLabelRule LABEL_RULE = {"a label 0 or 1", read_label};

// A table read from CSV needs rows of every class; the error points at the label's name.
static int check_table_classes(Table *t, const char *name, CsvPos label_at, char *err) {
    int64_t count[DATA_N_CLASSES];
    data_count_classes(t->y, t->n_samples, count);
    for (int c = 0; c < DATA_N_CLASSES; c++)
        if (count[c] == t->n_samples) {
            char s[CSV_SHOW_LEN];
            return csv_fail_at(err, name ? name : "<csv>", label_at,
                               "column %s: every row has label %d; need rows of both classes 0 and 1",
                               csv_show(s, t->label_name, strlen(t->label_name), 1), c);
        }
    return 0;
}

// A table built by other means is checked again before the split: every label a class.
static int check_labels(const Table *t, int64_t count[DATA_N_CLASSES], char *err) {
    int64_t bad = data_count_classes(t->y, t->n_samples, count);
    if (bad < 0) return 0;
    return fail(err, SWEEP_ERR_USAGE, "row %" PRId64 " has label %g, expected 0 or 1", bad, t->y[bad]);
}

// ---- The table ---------------------------------------------------------------------------
//
// The CSV reader (csv.c) reads the cells; the label rule and the class check above say what
// the label column must hold.

int data_parse_csv(Table *t, const char *text, size_t len, const char *name, const char *label,
                   char *err) {
    CsvPos label_at;
    int rc = csv_parse(t, text, len, name, label, &LABEL_RULE, &label_at, err);
    if (!rc && (rc = check_table_classes(t, name, label_at, err))) data_free_table(t);
    return rc;
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
    int rc = csv_read_file(source, &text, &len, err);
    if (rc) return rc;
    rc = data_parse_csv(t, text, len, source, label, err);
    free(text);
    return rc;
}

void data_free_table(Table *t) { csv_free_table(t); }

// ---- Split and scaling -------------------------------------------------------------------
//
// The split, exactly (results files record it, and other tools must be able to redraw it):
//  1. perm = 0, 1, ..., n-1 shuffled by rng_permute with rng_init(&r, split_seed, RNG_SPLIT, 0, 0).
//  2. n_test = ceil(test_fraction * n - 1e-9) (the 1e-9 absorbs rounding, e.g. 0.1 * 30),
//     n_train = n - n_test. Both must be >= 1 (n_test = 0 when test_fraction is 0), and every
//     class must keep a training row.
//  3. Per class c (data_class_of: label 0 and 1) with n_c rows: quota_c = floor(n_test * n_c / n), computed
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
    int64_t n = t->n_samples, count[DATA_N_CLASSES];
    int rc = check_labels(t, count, err);
    if (rc) return rc;
    if (!(test_fraction >= 0.0 && test_fraction < 1.0))
        return split_error("is not in [0, 1)", test_fraction, n, err);
    int64_t n_test = test_fraction > 0.0 ? (int64_t)ceil(test_fraction * (double)n - 1e-9) : 0;
    if (n_test < 1 && test_fraction > 0.0) return split_error("puts no row in the test part", test_fraction, n, err);
    if (n_test >= n) return split_error("leaves no row for training", test_fraction, n, err);
    int64_t quota[DATA_N_CLASSES], rem[DATA_N_CLASSES], left = n_test;
    int given[DATA_N_CLASSES];
    for (int c = 0; c < DATA_N_CLASSES; c++) {
        unsigned __int128 num = (unsigned __int128)n_test * (uint64_t)count[c];
        quota[c] = (int64_t)(num / (uint64_t)n);
        rem[c] = (int64_t)(num % (uint64_t)n);
        given[c] = 0;
        left -= quota[c];
    }
    for (; left > 0; left--) {
        int c = -1;
        for (int k = 0; k < DATA_N_CLASSES; k++)
            if (!given[k] && (c < 0 || rem[k] > rem[c])) c = k;
        if (c < 0) break;
        given[c] = 1;
        quota[c]++;
    }
    for (int c = 0; c < DATA_N_CLASSES; c++)
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
    int64_t taken[DATA_N_CLASSES] = {0}, n_tr = 0, n_te = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = data_class_of(t->y[perm[i]]);
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
        if (!(d->feature_names[j] = strdup(s))) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
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
//  class 1: the positions i (0 <= i < n_train) of that class's training rows, ascending
//  (data_class_rows), are shuffled by rng_permute from that stream, and the j-th shuffled
//  position goes to fold j % K. So per class the folds differ in size by at most one row,
//  fold 0 being the largest.
// Split r * K + k trains on the training rows outside fold k, in train_index order, and fits
// its scaling on them alone (as above); it scales its validation fold and the test part with it.

int64_t data_min_fit_rows(const Dataset *d, int64_t folds) {
    if (folds < 2) return d->n_train;
    int64_t count[DATA_N_CLASSES], n_fit = d->n_train;
    data_class_counts(d, count);
    for (int c = 0; c < DATA_N_CLASSES; c++) n_fit -= (count[c] + folds - 1) / folds;  // fold 0 is the largest
    return n_fit;
}

static void deal_folds(int32_t *fold, const double *y, int64_t n, int64_t K, int64_t repeat, uint64_t split_seed,
                       int64_t *pos) {
    Rng g;
    rng_init(&g, split_seed, RNG_FOLDS, (uint64_t)repeat, 0);
    for (int c = 0; c < DATA_N_CLASSES; c++) {
        int64_t m = data_class_rows(y, n, c, pos);
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
    int64_t n = d->n_train, D = d->n_features, K = folds, R = repeats, count[DATA_N_CLASSES];
    data_class_counts(d, count);
    int fits = K >= 2 && R >= 1 && K <= INT32_MAX;
    for (int c = 0; c < DATA_N_CLASSES; c++) fits &= K <= count[c];
    if (!fits)
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
