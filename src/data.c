// data.c: the data set (data.h): the table of a source with its label read (task_labels.h),
// the stratified test split, the repeated stratified K-fold folds, the feature and target
// scaling and each config's view. The CSV syntax is csv.c's, what a label column holds
// task.c's. The split and the folds are drawn exactly as the comments above them say:
// results files record them and other tools redraw them, so any change here changes results.
#include "data.h"

#include "data_builtin.h"
#include "rng.h"
#include "sweep.h"
#include "task_labels.h"

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

int data_is_builtin(const char *source) { return data_builtin(source) != NULL; }

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

static int out_of_memory(char *err) { return fail(err, SWEEP_ERR_RUNTIME, "out of memory"); }

// ---- Classes -----------------------------------------------------------------------------
//
// What the split and the folds stratify over, in one place: K classes (y holds each row's
// class), or for regression one group of every row. A hand-built table with n_classes 0 is
// binary (K = 2), as every table was before section 7.

int64_t data_table_classes(const Table *t) {
    if (t->task == TASK_REGRESSION) return 0;
    return t->n_classes > 0 ? t->n_classes : t->task == TASK_BINARY ? 2 : 0;
}

int64_t data_n_groups(const Dataset *d) {
    if (d->task == TASK_REGRESSION) return 1;
    return d->n_classes > 0 ? d->n_classes : 2;   // a zeroed (hand-built) data set is binary
}

int64_t data_class_of(double y, int64_t n_classes) {
    return y >= 0.0 && y < (double)n_classes && y == floor(y) ? (int64_t)y : -1;
}

int64_t data_count_classes(const double *y, int64_t n, int64_t n_classes, int64_t *count) {
    for (int64_t c = 0; c < n_classes; c++) count[c] = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = data_class_of(y[i], n_classes);
        if (c < 0) return i;
        count[c]++;
    }
    return -1;
}

// The group of row value y: its class, or 0 for regression.
static int64_t group_of(Task task, double y) { return task == TASK_REGRESSION ? 0 : (int64_t)y; }

// The training rows of group c: the data set's count, or for one built by hand (class_count
// NULL) counted from y_train.
static int64_t group_count(const Dataset *d, int64_t c) {
    if (d->class_count) return d->class_count[c];
    if (d->task == TASK_REGRESSION) return d->n_train;
    int64_t m = 0, K = data_n_groups(d);
    for (int64_t i = 0; i < d->n_train; i++) m += data_class_of(d->y_train[i], K) == c;
    return m;
}

int64_t data_smallest_class(const Dataset *d, int64_t *which) {
    int64_t best = 0, best_count = group_count(d, 0), G = data_n_groups(d);
    for (int64_t c = 1; c < G; c++) {
        int64_t m = group_count(d, c);
        if (m <= best_count) best = c, best_count = m;
    }
    if (which) *which = best;
    return best_count;
}

const char *data_class_label(const Dataset *d, int64_t c, char *out, size_t cap) {
    char number[32];
    snprintf(number, sizeof number, "%" PRId64, c);
    out[0] = '\0';
    if (d->task == TASK_REGRESSION || !d->class_names || c < 0 || c >= d->n_classes ||
        strcmp(d->class_names[c], number) == 0)
        return out;
    const char *name = d->class_names[c];
    double v;
    char shown[CSV_SHOW_LEN];
    snprintf(out, cap, " (label %s)", csv_show(shown, name, strlen(name), csv_number(name, strlen(name), &v) != NULL));
    return out;
}

// A table built by other means is checked again before the split: every label a class, every
// target finite. count (room for K, or 1) gets each group's rows.
static int check_labels(const Table *t, int64_t K, int64_t *count, char *err) {
    if (t->task == TASK_REGRESSION) {
        count[0] = t->n_samples;
        for (int64_t i = 0; i < t->n_samples; i++)
            if (!isfinite(t->y[i]))
                return fail(err, SWEEP_ERR_USAGE, "row %" PRId64 " has target %g, expected a finite number", i, t->y[i]);
        return 0;
    }
    int64_t bad = data_count_classes(t->y, t->n_samples, K, count);
    if (bad < 0) return 0;
    if (K == 2) return fail(err, SWEEP_ERR_USAGE, "row %" PRId64 " has label %g, expected 0 or 1", bad, t->y[bad]);
    return fail(err, SWEEP_ERR_USAGE, "row %" PRId64 " has label %g, expected a class 0 to %" PRId64, bad, t->y[bad], K - 1);
}

// ---- The table ---------------------------------------------------------------------------
//
// The CSV reader (csv.c) reads the cells, the label reader (task.c) the label column.

int data_parse_csv(Table *t, const char *text, size_t len, const char *name, const char *label,
                   TaskRequest *req, char *err) {
    TaskRequest dflt = TASK_REQUEST_AUTO;
    if (!req) req = &dflt;
    req->bad_key = TASK_KEY_NONE;
    req->bad_index = -1;
    memset(t, 0, sizeof *t);
    if (!(req->task == TASK_AUTO || (req->task >= 0 && req->task < N_TASKS)) || req->n_classes < 0 ||
        (req->classes == NULL && req->n_classes != 0) || (unsigned)req->target_scale >= N_TARGET_SCALES)
        return fail(err, SWEEP_ERR_USAGE, "invalid task request (task %d, %" PRId64 " classes, target_scale %d)",
                    req->task, req->n_classes, (int)req->target_scale);
    for (int64_t i = 0; i < req->n_classes; i++)
        if (!req->classes[i]) return fail(err, SWEEP_ERR_USAGE, "invalid task request (class %" PRId64 " is NULL)", i);
    TaskLabels L;
    task_labels_init(&L, req->task);
    CsvLabelRule rule = task_labels_rule(&L);
    CsvPos label_at;
    int rc = csv_parse(t, text, len, name, label, &rule, &label_at, err);
    if (!rc) rc = task_labels_finish(&L, t, name, label_at, req, err);
    task_labels_free(&L);
    if (rc) data_free_table(t);
    return rc;
}

// True when the header (first line) of a built-in text, plain names and commas, names a column.
static int builtin_has_column(const char *text, const char *name) {
    size_t n = strlen(name);
    for (const char *p = text; *p && *p != '\n'; p++) {
        const char *e = p;
        while (*e && *e != ',' && *e != '\n') e++;
        if ((size_t)(e - p) == n && memcmp(p, name, n) == 0) return 1;
        p = e;
        if (!*p || *p == '\n') break;
    }
    return 0;
}

// A built-in source: its own task, classes and label column; the request may restate the task
// and the label. A label that names no column at all fails in the text, as in v2 ("did you
// mean").
static int load_builtin(Table *t, const DataBuiltin *b, const char *label, TaskRequest *req, char *err) {
    if (label && strcmp(label, b->label) != 0 && builtin_has_column(b->text, label)) {
        req->bad_key = TASK_KEY_LABEL;
        char shown[CSV_SHOW_LEN];
        return fail(err, SWEEP_ERR_USAGE, "data.label: expected %s (the label column of the built-in source %s; label is "
                    "for CSV sources), found %s", b->label, b->name, csv_show(shown, label, strlen(label), 1));
    }
    req->bad_key = req->task != TASK_AUTO && req->task != (int)b->task ? TASK_KEY_TASK
                 : req->classes ? TASK_KEY_CLASSES : TASK_KEY_NONE;
    if (req->bad_key == TASK_KEY_TASK)
        return fail(err, SWEEP_ERR_USAGE, "data.task: expected %s (the task of the built-in source %s) or auto, found %s",
                    TASK_NAMES[b->task], b->name, task_name(req->task));
    if (req->bad_key == TASK_KEY_CLASSES)
        return fail(err, SWEEP_ERR_USAGE, "data.classes: expected no classes for the built-in source %s, which has its "
                    "own; classes are for CSV sources", b->name);
    TaskRequest own = {b->task, b->classes, b->n_classes, req->target_scale, TASK_KEY_NONE, -1};
    char name[256];
    snprintf(name, sizeof name, "<builtin %s>", b->name);
    return data_parse_csv(t, b->text, (size_t)*b->size, name, label, &own, err);
}

int data_load_table(Table *t, const char *source, const char *label, TaskRequest *req, char *err) {
    TaskRequest dflt = TASK_REQUEST_AUTO;
    if (!req) req = &dflt;
    req->bad_key = TASK_KEY_NONE;
    req->bad_index = -1;
    memset(t, 0, sizeof *t);
    if (!source) return fail(err, SWEEP_ERR_USAGE, "no data source given");
    const DataBuiltin *b = data_builtin(source);
    if (b) return load_builtin(t, b, label, req, err);
    char *text;
    size_t len;
    int rc = csv_read_file(source, &text, &len, err);
    if (rc) return rc;
    rc = data_parse_csv(t, text, len, source, label, req, err);
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
//  3. The groups are the K classes (classification: a row's group is its class), or one group
//     of every row (regression). Per group c with n_c rows: quota_c = floor(n_test * n_c / n),
//     computed exactly in integers. The n_test - sum of quota_c remaining test slots go one
//     each to the groups with the largest fractional part n_test * n_c / n - quota_c (ties:
//     the lower class first).
//  4. Walk perm in order: a row of group c goes to the test part while its group has taken
//     fewer than quota_c test rows, else to the training part. train_index and test_index
//     are in walking order.
// With two classes this is v2's split, bit for bit; with one group the test part is the first
// n_test rows of perm.
// Scaling, fitted on the training rows only, per feature:
//     minmax:   offset = min, scale = 1 / (max - min)
//     standard: offset = mean, scale = 1 / std (population std, ddof 0, two passes: the mean,
//               then the mean squared deviation; sums run in train_index order)
//     none:     offset = 0, scale = 1
// A constant feature (max == min, std == 0) gets scale 1, and so does one whose spread or its
// reciprocal is not a finite double. X_train and X_test hold (x - offset) * scale, rows in
// index order.
// Target scaling (regression), fitted on the training rows' targets the same way:
//     standard: offset = mean, scale = 1 / std (population std, two passes as above); targets
//               that are all equal, or whose mean, std or 1 / std is not a finite double, are
//               an error (no fallback: a config cannot train on them)
//     none:     offset = 0, scale = 1
// y_train and y_test hold (y - offset) * scale (classification: the class, untouched).

static int split_error(const char *what, double test_fraction, int64_t n, char *err) {
    return fail(err, SWEEP_ERR_USAGE, "test_fraction %g %s (n = %" PRId64 ")", test_fraction, what, n);
}

// Fills d->train_index and d->test_index (allocated) as described above; G groups (d->task
// and d->n_classes set).
static int split(Dataset *d, const Table *t, int64_t G, double test_fraction, uint64_t split_seed, char *err) {
    int64_t n = t->n_samples;
    int64_t *count = alloc_array(4 * G, sizeof *count);
    if (!count) return out_of_memory(err);
    int64_t *quota = count + G, *rem = quota + G, *taken = rem + G;   // taken: also "given" below
    int rc = check_labels(t, d->n_classes, count, err);
    int64_t n_test = 0;
    if (!rc && !(test_fraction >= 0.0 && test_fraction < 1.0)) rc = split_error("is not in [0, 1)", test_fraction, n, err);
    if (!rc && test_fraction > 0.0) n_test = (int64_t)ceil(test_fraction * (double)n - 1e-9);
    if (!rc && n_test < 1 && test_fraction > 0.0) rc = split_error("puts no row in the test part", test_fraction, n, err);
    if (!rc && n_test >= n) rc = split_error("leaves no row for training", test_fraction, n, err);
    if (rc) { free(count); return rc; }
    int64_t left = n_test;
    for (int64_t c = 0; c < G; c++) {
        unsigned __int128 num = (unsigned __int128)n_test * (uint64_t)count[c];
        quota[c] = (int64_t)(num / (uint64_t)n);
        rem[c] = (int64_t)(num % (uint64_t)n);
        taken[c] = 0;
        left -= quota[c];
    }
    for (; left > 0; left--) {
        int64_t c = -1;
        for (int64_t k = 0; k < G; k++)
            if (!taken[k] && (c < 0 || rem[k] > rem[c])) c = k;
        if (c < 0) break;
        taken[c] = 1;
        quota[c]++;
    }
    for (int64_t c = 0; c < G; c++)
        if (count[c] - quota[c] < 1) {
            char what[160], label[CSV_SHOW_LEN + 16];
            snprintf(what, sizeof what, "leaves no training row of class %" PRId64 "%s, which has %" PRId64 " row%s", c,
                     data_class_label(d, c, label, sizeof label), count[c], count[c] == 1 ? "" : "s");
            free(count);
            return split_error(what, test_fraction, n, err);
        }
    d->n_test = n_test;
    d->n_train = n - n_test;
    int64_t *perm = alloc_array(n, sizeof *perm);
    d->train_index = alloc_array(d->n_train, sizeof *d->train_index);
    d->test_index = alloc_array(d->n_test, sizeof *d->test_index);
    if (!perm || !d->train_index || !d->test_index) { free(perm); free(count); return out_of_memory(err); }
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    Rng r;
    rng_init(&r, split_seed, RNG_SPLIT, 0, 0);
    rng_permute(&r, perm, n);
    for (int64_t c = 0; c < G; c++) taken[c] = 0;
    int64_t n_tr = 0, n_te = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t c = group_of(d->task, t->y[perm[i]]);
        if (taken[c] < quota[c]) { taken[c]++; d->test_index[n_te++] = perm[i]; }
        else d->train_index[n_tr++] = perm[i];
    }
    free(perm);
    free(count);
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

// Fits the target scaling on the targets y[0..n) (training order) as described above.
// Returns 0, or 2 with err filled, `what` naming the rows ("the training part", "split 3
// (repeat 0, fold 3)").
static int fit_target(const double *y, int64_t n, TargetScale kind, double *offset_out, double *scale_out,
                      const char *what, char *err) {
    *offset_out = 0.0;
    *scale_out = 1.0;
    if (kind == TARGET_SCALE_NONE) return 0;
    double sum = 0.0, sq = 0.0, lo = y[0], hi = y[0];
    for (int64_t i = 0; i < n; i++) {
        sum += y[i];
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
    }
    double offset = sum / (double)n;
    for (int64_t i = 0; i < n; i++) {
        double dy = y[i] - offset;
        sq += dy * dy;
    }
    double spread = sqrt(sq / (double)n), scale = 1.0 / spread;
    char v[TASK_NUMBER_TEXT_LEN];
    if (lo == hi)
        return fail(err, SWEEP_ERR_USAGE, "%s has every target %s: target_scale standard cannot scale a constant "
                    "target (target_scale: none trains on it as it is)", what, task_number_text(lo, v));
    if (!isfinite(offset) || !(spread > 0.0) || !isfinite(spread) || !isfinite(scale))
        return fail(err, SWEEP_ERR_USAGE, "%s's targets cannot be standardised (mean %g, std %g); target_scale: none "
                    "trains on them as they are", what, offset, spread);
    *offset_out = offset;
    *scale_out = scale;
    return 0;
}

// y[i] = (y[i] - offset) * scale for n targets; 2 with err filled when one is then not finite.
static int apply_target(double *y, int64_t n, double offset, double scale, const char *what, char *err) {
    for (int64_t i = 0; i < n; i++) {
        y[i] = (y[i] - offset) * scale;
        if (!isfinite(y[i]))
            return fail(err, SWEEP_ERR_USAGE, "%s: a target is too large to scale (offset %g, scale %g)", what, offset, scale);
    }
    return 0;
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

// The table's task, classes and names into d.
static int take_task(Dataset *d, const Table *t, char *err) {
    int64_t K = data_table_classes(t);
    if (!((unsigned)t->task < N_TASKS) || (t->task != TASK_REGRESSION && K < 2) || (t->task == TASK_BINARY && K != 2) ||
        (unsigned)t->target_scaling >= N_TARGET_SCALES)
        return fail(err, SWEEP_ERR_USAGE, "the table's task is not one (task %d, %" PRId64 " classes)", (int)t->task, K);
    d->task = t->task;
    d->n_classes = K;
    d->target_scaling = t->target_scaling;
    d->target_offset = 0.0;
    d->target_scale = 1.0;
    if (!(d->class_names = alloc_array(K, sizeof *d->class_names))) return out_of_memory(err);
    for (int64_t c = 0; c < K; c++) {
        char number[32];
        snprintf(number, sizeof number, "%" PRId64, c);
        const char *s = t->class_names && t->class_names[c] ? t->class_names[c] : number;
        if (!(d->class_names[c] = strdup(s))) return out_of_memory(err);
    }
    return 0;
}

static int prepare(Dataset *d, const Table *t, double test_fraction, uint64_t split_seed, ScaleKind scale,
                   char *err) {
    int64_t n = t->n_samples, D = t->n_features;
    if (n < 1 || D < 1 || !t->X || !t->y || !t->feature_names)
        return fail(err, SWEEP_ERR_USAGE, "the table is empty (%" PRId64 " rows, %" PRId64 " features)", n, D);
    if (scale != SCALE_MINMAX && scale != SCALE_STANDARD && scale != SCALE_NONE)
        return fail(err, SWEEP_ERR_USAGE, "unknown scaling %d", (int)scale);
    if ((uint64_t)n > SIZE_MAX / sizeof(double) / (uint64_t)D) return out_of_memory(err);
    d->n_samples = n;
    d->n_features = D;
    int rc = take_task(d, t, err);
    int64_t G = data_n_groups(d);
    if (!rc) rc = split(d, t, G, test_fraction, split_seed, err);
    if (rc) return rc;
    d->feature_names = alloc_array(D, sizeof *d->feature_names);
    d->feature_offset = alloc_array(D, sizeof *d->feature_offset);
    d->feature_scale = alloc_array(D, sizeof *d->feature_scale);
    d->X_train = alloc_array(d->n_train * D, sizeof *d->X_train);
    d->y_train = alloc_array(d->n_train, sizeof *d->y_train);
    d->X_test = alloc_array(d->n_test * D, sizeof *d->X_test);
    d->y_test = alloc_array(d->n_test, sizeof *d->y_test);
    d->class_count = alloc_array(G, sizeof *d->class_count);
    if (!d->feature_names || !d->feature_offset || !d->feature_scale || !d->X_train || !d->y_train ||
        !d->X_test || !d->y_test || !d->class_count)
        return out_of_memory(err);
    for (int64_t j = 0; j < D; j++) {
        const char *s = t->feature_names[j] ? t->feature_names[j] : "";
        if (!(d->feature_names[j] = strdup(s))) return out_of_memory(err);
    }
    gather(d, t, d->train_index, d->n_train, d->X_train, d->y_train);
    gather(d, t, d->test_index, d->n_test, d->X_test, d->y_test);
    for (int64_t i = 0; i < d->n_train; i++) d->class_count[group_of(d->task, d->y_train[i])]++;
    fit_scaling(D, d->X_train, d->n_train, scale, d->feature_offset, d->feature_scale);
    apply_scaling(D, d->X_train, d->n_train, d->feature_offset, d->feature_scale);
    apply_scaling(D, d->X_test, d->n_test, d->feature_offset, d->feature_scale);
    if (d->task == TASK_REGRESSION) {   // fitted on the training part, applied to both parts
        const char *what = "the training part";
        rc = fit_target(d->y_train, d->n_train, d->target_scaling, &d->target_offset, &d->target_scale, what, err);
        if (!rc) rc = apply_target(d->y_train, d->n_train, d->target_offset, d->target_scale, what, err);
        if (!rc) rc = apply_target(d->y_test, d->n_test, d->target_offset, d->target_scale, "the test part", err);
    }
    return rc;
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
    free_strings(d->class_names, d->n_classes);
    free(d->class_count);
    free(d->split_target_offset);
    free(d->split_target_scale);
    free(d->y_raw);
    memset(d, 0, sizeof *d);
}

// ---------------------------------------------------------------------------------------
// Cross-validation folds, exactly (results files record them; other tools redraw them):
//  For repeat r, one stream rng_init(&g, split_seed, RNG_FOLDS, r, 0). For each group (as in
//  the split: class 0, class 1, ..., class K-1; regression one group of every row), in that
//  order: the positions i (0 <= i < n_train) of that group's training rows, ascending, are
//  shuffled by rng_permute from that stream, and the j-th shuffled position goes to fold
//  j % K. So per class the folds differ in size by at most one row, fold 0 being the largest.
//  With two classes this is v2's dealing, bit for bit.
// Split r * K + k trains on the training rows outside fold k, in train_index order, and fits
// its scaling on them alone (as above: features, and for regression the targets); it scales
// its validation fold and the test part with it.

int64_t data_min_fit_rows(const Dataset *d, int64_t folds) {
    if (folds < 2) return d->n_train;
    int64_t n_fit = d->n_train, G = data_n_groups(d);
    for (int64_t c = 0; c < G; c++) n_fit -= (group_count(d, c) + folds - 1) / folds;  // fold 0 is the largest
    return n_fit;
}

int64_t data_max_fit_rows(const Dataset *d, int64_t folds) {
    if (folds < 2) return d->n_train;
    int64_t n_fit = d->n_train, G = data_n_groups(d);
    for (int64_t c = 0; c < G; c++) n_fit -= group_count(d, c) / folds;   // beside the smallest fold
    return n_fit;
}

// Deals one repeat's folds. pos: room for n; start: room for G + 1.
static void deal_folds(const Dataset *d, int32_t *fold, int64_t K, int64_t repeat, uint64_t split_seed, int64_t *pos,
                       int64_t *start) {
    int64_t n = d->n_train, G = data_n_groups(d);
    for (int64_t c = 0; c <= G; c++) start[c] = 0;
    for (int64_t i = 0; i < n; i++) start[group_of(d->task, d->y_train[i]) + 1]++;
    for (int64_t c = 0; c < G; c++) start[c + 1] += start[c];
    for (int64_t i = 0; i < n; i++) pos[start[group_of(d->task, d->y_train[i])]++] = i;   // ascending per group
    Rng g;
    rng_init(&g, split_seed, RNG_FOLDS, (uint64_t)repeat, 0);
    for (int64_t c = 0, first = 0; c < G; first = start[c++]) {
        int64_t *p = pos + first, m = start[c] - first;
        rng_permute(&g, p, m);
        for (int64_t j = 0; j < m; j++) fold[p[j]] = (int32_t)(j % K);   // round-robin
    }
}

// Rows of the training part outside (keep_out = 1) or inside (0) fold k of one repeat's
// folds, copied from raw in train_index order; returns how many.
static int64_t gather_fold(const double *raw, const double *y, const int32_t *fold, int64_t n, int64_t D,
                           int64_t k, int keep_out, double *X, double *y_out) {
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if ((fold[i] == k) == keep_out) continue;
        if (X) memcpy(X + m * D, raw + i * D, (size_t)D * sizeof(double));
        if (y_out) y_out[m] = y[i];
        m++;
    }
    return m;
}

static int folds_do_not_fit(const Dataset *d, int64_t K, int64_t R, char *err) {
    int64_t which, smallest = data_smallest_class(d, &which);
    if (d->task == TASK_REGRESSION)
        return fail(err, SWEEP_ERR_USAGE, "%lld folds over %lld repeats do not fit %lld training rows", (long long)K,
                    (long long)R, (long long)smallest);
    if (d->n_classes == 2)
        return fail(err, SWEEP_ERR_USAGE, "%lld folds over %lld repeats do not fit %lld and %lld training rows per class",
                    (long long)K, (long long)R, (long long)group_count(d, 0), (long long)group_count(d, 1));
    char label[CSV_SHOW_LEN + 16];
    return fail(err, SWEEP_ERR_USAGE, "%lld folds over %lld repeats do not fit the %lld training rows of class %lld%s, "
                "the smallest", (long long)K, (long long)R, (long long)smallest, (long long)which,
                data_class_label(d, which, label, sizeof label));
}

int data_folds(Dataset *d, const Table *t, int64_t folds, int64_t repeats, uint64_t split_seed, ScaleKind scale,
               char *err) {
    int64_t n = d->n_train, D = d->n_features, K = folds, R = repeats, G = data_n_groups(d);
    int regression = d->task == TASK_REGRESSION;
    if (!(K >= 2 && R >= 1 && K <= INT32_MAX && K <= data_smallest_class(d, NULL))) return folds_do_not_fit(d, K, R, err);
    if ((uint64_t)R > SIZE_MAX / sizeof(int32_t) / (uint64_t)n / (uint64_t)K) return out_of_memory(err);
    d->folds = alloc_array(R * n, sizeof *d->folds);
    d->split_offset = alloc_array(R * K * D, sizeof *d->split_offset);
    d->split_scale = alloc_array(R * K * D, sizeof *d->split_scale);
    d->X_raw = alloc_array((n + d->n_test) * D, sizeof *d->X_raw);
    double *fit = alloc_array(n * D, sizeof *fit), *y_fit = NULL;
    int64_t *pos = alloc_array(n, sizeof *pos), *start = alloc_array(G + 1, sizeof *start);
    int oom = !d->folds || !d->split_offset || !d->split_scale || !d->X_raw || !fit || !pos || !start;
    if (regression && !oom) {
        d->split_target_offset = alloc_array(R * K, sizeof *d->split_target_offset);
        d->split_target_scale = alloc_array(R * K, sizeof *d->split_target_scale);
        d->y_raw = alloc_array(n + d->n_test, sizeof *d->y_raw);
        y_fit = alloc_array(n, sizeof *y_fit);
        oom = !d->split_target_offset || !d->split_target_scale || !d->y_raw || !y_fit;
    }
    int rc = oom ? out_of_memory(err) : 0;
    if (!rc) {
        gather(d, t, d->train_index, n, d->X_raw, d->y_raw);                      // class labels are in y_train
        gather(d, t, d->test_index, d->n_test, d->X_raw + n * D, d->y_raw ? d->y_raw + n : NULL);   // and y_test
        d->n_folds = K;
        d->n_repeats = R;
    }
    for (int64_t r = 0; !rc && r < R; r++) {
        int32_t *fold = d->folds + r * n;
        deal_folds(d, fold, K, r, split_seed, pos, start);
        for (int64_t k = 0; !rc && k < K; k++) {
            int64_t s = r * K + k, m = gather_fold(d->X_raw, d->y_raw, fold, n, D, k, 1, fit, y_fit);
            fit_scaling(D, fit, m, scale, d->split_offset + s * D, d->split_scale + s * D);
            if (regression) {
                char what[96];
                snprintf(what, sizeof what, "split %lld (repeat %lld, fold %lld)", (long long)s, (long long)r, (long long)k);
                rc = fit_target(y_fit, m, d->target_scaling, &d->split_target_offset[s], &d->split_target_scale[s],
                                what, err);
                for (int64_t i = 0; !rc && i < n + d->n_test; i++)   // data_view scales them all
                    if (!isfinite((d->y_raw[i] - d->split_target_offset[s]) * d->split_target_scale[s]))
                        rc = fail(err, SWEEP_ERR_USAGE, "%s: a target is too large to scale (offset %g, scale %g)",
                                  what, d->split_target_offset[s], d->split_target_scale[s]);
            }
        }
    }
    free(fit);
    free(y_fit);
    free(pos);
    free(start);
    return rc;
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
        v->target_offset = d->target_offset, v->target_scale = d->target_scale;
        return;
    }
    // buf: X_fit, X_val (n rows together), X_test, then y_fit, y_val (and for regression y_test).
    int64_t s = repeat * d->n_folds + fold;
    const int32_t *folds = d->folds + repeat * n;
    const double *offset = d->split_offset + s * D, *scale = d->split_scale + s * D;
    int regression = d->task == TASK_REGRESSION;
    const double *y_src = regression ? d->y_raw : d->y_train;
    double *X = buf, *y = buf + (n + d->n_test) * D;
    int64_t n_fit = gather_fold(d->X_raw, y_src, folds, n, D, fold, 1, X, y);
    int64_t n_val = gather_fold(d->X_raw, y_src, folds, n, D, fold, 0, X + n_fit * D, y + n_fit);
    double *X_test = X + n * D;
    memcpy(X_test, d->X_raw + n * D, (size_t)(d->n_test * D) * sizeof(double));
    apply_scaling(D, X, n + d->n_test, offset, scale);
    v->n_fit = n_fit, v->X_fit = X, v->y_fit = y;
    v->n_val = n_val, v->X_val = X + n_fit * D, v->y_val = y + n_fit;
    v->X_test = X_test, v->y_test = d->y_test;
    v->target_offset = 0.0, v->target_scale = 1.0;
    if (regression) {   // the targets in the split's unit: its scaling was checked by data_folds
        double t_off = d->split_target_offset[s], t_sc = d->split_target_scale[s];
        memcpy(y + n, d->y_raw + n, (size_t)d->n_test * sizeof *y);
        for (int64_t i = 0; i < n + d->n_test; i++) y[i] = (y[i] - t_off) * t_sc;
        v->y_test = y + n;
        v->target_offset = t_off, v->target_scale = t_sc;
    }
}
