// store_read.c: reading a results file back (see store_read.h).
#include "store_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "h5util.h"
#include "spec.h"
#include "store_layout.h"
#include "sweep.h"
#include "train.h"

// ---------------------------------------------------------------------------------------
// Opening, and small things.

int store_open_read(const char *path, hid_t *file, char *err) {
    h5util_quiet();
    hid_t fapl = h5util_file_access();
    *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (*file < 0) {
        int missing = access(path, F_OK) != 0;
        return fail(err, SWEEP_ERR_USAGE, "%s: %s", path, missing ? strerror(ENOENT) : "not an HDF5 file");
    }
    char format[64];
    if (h5util_attr_read(*file, "format", format, sizeof format) != 0 || strcmp(format, STORE_FORMAT_NAME) != 0) {
        H5Fclose(*file);
        *file = -1;
        return fail(err, SWEEP_ERR_USAGE, "%s: not a sweep results file (no format = \"%s\")", path, STORE_FORMAT_NAME);
    }
    return SWEEP_OK;
}

int64_t store_format_version(hid_t file) {
    int64_t v = 0;
    return h5util_attr_i64(file, "format_version", &v) == 0 ? v : 0;
}

int store_read_splits(hid_t file, StoreSplits *s) {
    s->folds = s->repeats = 1;
    hid_t g = H5Gopen2(file, "data", H5P_DEFAULT);
    if (g < 0) return -1;
    int rc = h5util_attr_i64(g, "n_train", &s->n_train) | h5util_attr_i64(g, "n_test", &s->n_test);
    if (H5Aexists(g, "folds") > 0) rc |= h5util_attr_i64(g, "folds", &s->folds) | h5util_attr_i64(g, "repeats", &s->repeats);
    H5Gclose(g);
    return rc ? -1 : 0;
}

int store_n_curves(hid_t file) {
    return H5Lexists(file, "curves/val_loss", H5P_DEFAULT) > 0 ? N_CURVES : CURVE_VAL_LOSS;
}

// ---------------------------------------------------------------------------------------
// The data a file was written with.

// Reads a whole 1-D dataset of /data into buf (n elements of the memory type) and compares.
static int data_equal(hid_t file, const char *name, hid_t mem_type, const void *want, int64_t n, size_t size) {
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return 0;
    hid_t sp = H5Dget_space(d);
    int same = H5Sget_simple_extent_npoints(sp) == n;
    H5Sclose(sp);
    void *buf = same ? malloc((size_t)(n ? n : 1) * size) : NULL;
    same = same && buf && H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0 &&
           memcmp(buf, want, (size_t)n * size) == 0;
    free(buf);
    H5Dclose(d);
    return same;
}

// The split and scaling the file's configs trained on must be the ones this run would use:
// the same spec over a changed CSV would otherwise mix two data sets in one file.
int store_data_matches(hid_t file, const Dataset *d) {
    int64_t J = d->n_repeats * d->n_folds, D = d->n_features;
    int has_folds = H5Lexists(file, "data/folds", H5P_DEFAULT) > 0;
    if (has_folds != (d->n_folds >= 2)) return 0;
    if (has_folds && !(data_equal(file, "data/folds", H5T_NATIVE_INT32, d->folds, d->n_repeats * d->n_train, sizeof(int32_t)) &&
                       data_equal(file, "data/split_feature_offset", H5T_NATIVE_DOUBLE, d->split_offset, J * D, sizeof(double)) &&
                       data_equal(file, "data/split_feature_scale", H5T_NATIVE_DOUBLE, d->split_scale, J * D, sizeof(double))))
        return 0;
    if (!store_task_target_matches(file, d)) return 0;   // (v3) regression's target scaling
    return data_equal(file, "data/train_index", H5T_NATIVE_INT64, d->train_index, d->n_train, sizeof(int64_t)) &&
           data_equal(file, "data/test_index", H5T_NATIVE_INT64, d->test_index, d->n_test, sizeof(int64_t)) &&
           data_equal(file, "data/feature_offset", H5T_NATIVE_DOUBLE, d->feature_offset, d->n_features, sizeof(double)) &&
           data_equal(file, "data/feature_scale", H5T_NATIVE_DOUBLE, d->feature_scale, d->n_features, sizeof(double));
}

// ---------------------------------------------------------------------------------------
// Rows.

int store_peek(const char *path, int64_t n_configs, uint8_t *status, char *shard, size_t n_shard) {
    hid_t file;
    char err[ERR_LEN];
    if (store_open_read(path, &file, err) != SWEEP_OK) return SWEEP_ERR_USAGE;
    hid_t d = H5Dopen2(file, "summary", H5P_DEFAULT), t = store_status_type();
    hssize_t n = -1;
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        n = H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
    }
    int rc = n == n_configs && h5util_read_slice(file, "summary", t, 0, n_configs, status) == 0 &&
             h5util_attr_read(file, "shard", shard, n_shard) == 0 ? SWEEP_OK : SWEEP_ERR_USAGE;
    if (rc != SWEEP_OK) memset(status, 0, (size_t)n_configs);
    H5Tclose(t);
    H5Fclose(file);
    return rc;
}

// The name columns alone, for reading them back.
typedef struct {
    char name[3][ROWS_NAME_LEN];   // optimizer, activation, init
} ConfigNames;
static const AxisId NAME_AXES[3] = {AXIS_OPTIMIZER, AXIS_ACTIVATION, AXIS_INIT};

static hid_t config_names_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ConfigNames)), name = h5util_name_type(ROWS_NAME_LEN);
    for (int k = 0; k < 3; k++)
        H5Tinsert(t, AXIS_NAMES[NAME_AXES[k]], HOFFSET(ConfigNames, name) + (size_t)k * ROWS_NAME_LEN, name);
    H5Tclose(name);
    return t;
}

int store_read_tables(hid_t file, ConfigRow **configs, SummaryRow **summary, int64_t *n, char *err) {
    *configs = NULL;
    *summary = NULL;
    *n = 0;
    hid_t cd = H5Dopen2(file, "configs", H5P_DEFAULT), sd = H5Dopen2(file, "summary", H5P_DEFAULT);
    int rc = SWEEP_OK;
    if (cd < 0 || sd < 0) rc = fail(err, SWEEP_ERR_USAGE, "results file without /configs or /summary");
    if (rc == SWEEP_OK) {
        hid_t sp = H5Dget_space(cd);
        *n = H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        *configs = malloc((size_t)(*n ? *n : 1) * sizeof **configs);
        *summary = malloc((size_t)(*n ? *n : 1) * sizeof **summary);
        // (v3) The summary's score columns are named by the file's task (store_task.h).
        hid_t ct = store_config_type(), stype = store_task_compound(store_summary_type(), store_file_task(file));
        hid_t nt = config_names_type();
        ConfigNames *names = malloc((size_t)(*n ? *n : 1) * sizeof *names);
        // A version-1 file lacks some columns: they read as in a pending row (NaN, -1, 0); a file
        // from before the recipe axes lacks those: they read as their defaults.
        for (int64_t i = 0; *configs && *summary && names && i < *n; i++) {
            memset(&(*configs)[i], 0, sizeof **configs);
            (*configs)[i].momentum = axis_default(AXIS_MOMENTUM);
            (*configs)[i].weight_decay = axis_default(AXIS_WEIGHT_DECAY);
            for (int k = 0; k < 3; k++) store_layout_put_name(names[i].name[k], NAME_AXES[k], (int64_t)axis_default(NAME_AXES[k]));
            store_layout_pending_row(&(*summary)[i], i);
        }
        if (!*configs || !*summary || !names) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
        else if (H5Dread(cd, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, *configs) < 0 ||
                 H5Dread(cd, nt, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0 ||
                 H5Dread(sd, stype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *summary) < 0)
            rc = fail(err, SWEEP_ERR_RUNTIME, "cannot read /configs and /summary");
        for (int64_t i = 0; rc == SWEEP_OK && i < *n; i++)
            for (int k = 0; k < 3 && rc == SWEEP_OK; k++) {
                int count, code = -1;
                const char *const *known = axis_value_names(NAME_AXES[k], &count);
                names[i].name[k][ROWS_NAME_LEN - 1] = '\0';
                for (int j = 0; j < count && code < 0; j++)
                    if (strcmp(names[i].name[k], known[j]) == 0) code = j;
                int8_t *slot = k == 0 ? &(*configs)[i].optimizer : k == 1 ? &(*configs)[i].activation : &(*configs)[i].init;
                *slot = (int8_t)code;
                if (code < 0)
                    rc = fail(err, SWEEP_ERR_USAGE, "/configs: config %lld has %s \"%s\", which this version does not know",
                              (long long)i, AXIS_NAMES[NAME_AXES[k]], names[i].name[k]);
            }
        free(names);
        H5Tclose(ct);
        H5Tclose(nt);
        H5Tclose(stype);
    }
    if (cd >= 0) H5Dclose(cd);
    if (sd >= 0) H5Dclose(sd);
    if (rc != SWEEP_OK) {
        free(*configs); free(*summary);
        *configs = NULL; *summary = NULL; *n = 0;
    }
    return rc;
}
