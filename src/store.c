// store.c: the HDF5 results file. The layout and the commit protocol follow
// shared/notes/hdf5-crash-safety.md: contiguous datasets allocated at creation, no object
// timestamps, HDF5 file locking off (our own flock on PATH.lock instead), and after creation
// only raw data is written, so a kill -9 at any moment leaves a file h5py can open.
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "stats.h"
#include "sweep.h"
#include <hdf5_hl.h>

#define FORMAT_NAME "sweep-results"
#define SYNC_INTERVAL 0.25         // a round of fsync and status publication (see "Durability")
#define SYNC_LEGACY_SECONDS 2.0    // the old ordering's fsync interval
#define STATUS_ROOM (64 * 1024)    // bytes the file may grow by when its status is rewritten
#define ROWS_PER_WRITE 4096  // tables are written at creation in slices of this many rows

enum { W_W1, W_B1, W_W2, W_B2, N_WEIGHTS };
static const char *const WEIGHT_NAMES[N_WEIGHTS] = {"W1", "b1", "W2", "b2"};


// HDF5 prints its own error stack by default; we report one line instead
// (SWEEP_DEBUG_HDF5=1 keeps HDF5's stack, for whoever debugs the store).
// Also no library shutdown at exit: HDF5 1.10 crashes there retrying the close of a file
// whose close already failed (a full disk), and every file we keep is closed explicitly.
static void quiet_hdf5(void) {
    H5dont_atexit();
    if (!getenv("SWEEP_DEBUG_HDF5")) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

// ---------------------------------------------------------------------------------------
// Types.

hid_t store_config_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ConfigRow));
    H5Tinsert(t, "id", HOFFSET(ConfigRow, id), H5T_NATIVE_INT64);
    H5Tinsert(t, "hidden_dim", HOFFSET(ConfigRow, hidden_dim), H5T_NATIVE_INT64);
    H5Tinsert(t, "learning_rate", HOFFSET(ConfigRow, learning_rate), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "batch_size", HOFFSET(ConfigRow, batch_size), H5T_NATIVE_INT64);
    H5Tinsert(t, "epochs", HOFFSET(ConfigRow, epochs), H5T_NATIVE_INT64);
    H5Tinsert(t, "seed", HOFFSET(ConfigRow, seed), H5T_NATIVE_INT64);
    H5Tinsert(t, "init_scale", HOFFSET(ConfigRow, init_scale), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "shuffle", HOFFSET(ConfigRow, shuffle), H5T_NATIVE_INT8);
    H5Tinsert(t, "momentum", HOFFSET(ConfigRow, momentum), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "weight_decay", HOFFSET(ConfigRow, weight_decay), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "patience", HOFFSET(ConfigRow, patience), H5T_NATIVE_INT64);
    H5Tinsert(t, "min_delta", HOFFSET(ConfigRow, min_delta), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "repeat", HOFFSET(ConfigRow, repeat), H5T_NATIVE_INT32);
    H5Tinsert(t, "fold", HOFFSET(ConfigRow, fold), H5T_NATIVE_INT32);
    H5Tinsert(t, "weights_row", HOFFSET(ConfigRow, weights_row), H5T_NATIVE_INT64);
    return t;
}

// A name column: fixed-length, NUL-terminated ASCII (h5py: bytes of dtype S16).
static hid_t name_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, ROWS_NAME_LEN);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

// A row of /configs as the file has it: the DESIGN's column order, names as strings.
typedef struct {
    int64_t id, hidden_dim;
    double learning_rate;
    int64_t batch_size, epochs, seed;
    double init_scale;
    int8_t shuffle;
    char optimizer[ROWS_NAME_LEN];
    double momentum, weight_decay;
    char activation[ROWS_NAME_LEN], init[ROWS_NAME_LEN];
    int64_t patience;
    double min_delta;
    int32_t repeat, fold;
    int64_t weights_row;
} ConfigFileRow;

static hid_t config_file_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ConfigFileRow)), name = name_type();
    H5Tinsert(t, "id", HOFFSET(ConfigFileRow, id), H5T_NATIVE_INT64);
    H5Tinsert(t, "hidden_dim", HOFFSET(ConfigFileRow, hidden_dim), H5T_NATIVE_INT64);
    H5Tinsert(t, "learning_rate", HOFFSET(ConfigFileRow, learning_rate), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "batch_size", HOFFSET(ConfigFileRow, batch_size), H5T_NATIVE_INT64);
    H5Tinsert(t, "epochs", HOFFSET(ConfigFileRow, epochs), H5T_NATIVE_INT64);
    H5Tinsert(t, "seed", HOFFSET(ConfigFileRow, seed), H5T_NATIVE_INT64);
    H5Tinsert(t, "init_scale", HOFFSET(ConfigFileRow, init_scale), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "shuffle", HOFFSET(ConfigFileRow, shuffle), H5T_NATIVE_INT8);
    H5Tinsert(t, "optimizer", HOFFSET(ConfigFileRow, optimizer), name);
    H5Tinsert(t, "momentum", HOFFSET(ConfigFileRow, momentum), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "weight_decay", HOFFSET(ConfigFileRow, weight_decay), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "activation", HOFFSET(ConfigFileRow, activation), name);
    H5Tinsert(t, "init", HOFFSET(ConfigFileRow, init), name);
    H5Tinsert(t, "patience", HOFFSET(ConfigFileRow, patience), H5T_NATIVE_INT64);
    H5Tinsert(t, "min_delta", HOFFSET(ConfigFileRow, min_delta), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "repeat", HOFFSET(ConfigFileRow, repeat), H5T_NATIVE_INT32);
    H5Tinsert(t, "fold", HOFFSET(ConfigFileRow, fold), H5T_NATIVE_INT32);
    H5Tinsert(t, "weights_row", HOFFSET(ConfigFileRow, weights_row), H5T_NATIVE_INT64);
    H5Tclose(name);
    return t;
}

// The name columns alone, for reading them back.
typedef struct {
    char name[3][ROWS_NAME_LEN];   // optimizer, activation, init
} ConfigNames;
static const AxisId NAME_AXES[3] = {AXIS_OPTIMIZER, AXIS_ACTIVATION, AXIS_INIT};

static hid_t config_names_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ConfigNames)), name = name_type();
    for (int k = 0; k < 3; k++)
        H5Tinsert(t, AXIS_NAMES[NAME_AXES[k]], HOFFSET(ConfigNames, name) + (size_t)k * ROWS_NAME_LEN, name);
    H5Tclose(name);
    return t;
}

// Copies a name into a fixed-length column, NUL-padded.
static void put_name(char out[ROWS_NAME_LEN], AxisId a, int64_t code) {
    memset(out, 0, ROWS_NAME_LEN);
    snprintf(out, ROWS_NAME_LEN, "%s", axis_value_name(a, code));
}

hid_t store_summary_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(SummaryRow));
    H5Tinsert(t, "id", HOFFSET(SummaryRow, id), H5T_NATIVE_INT64);
    H5Tinsert(t, "status", HOFFSET(SummaryRow, status), H5T_NATIVE_INT8);
    H5Tinsert(t, "final_train_loss", HOFFSET(SummaryRow, final_train_loss), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "final_train_acc", HOFFSET(SummaryRow, final_train_acc), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "final_test_loss", HOFFSET(SummaryRow, final_test_loss), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "final_test_acc", HOFFSET(SummaryRow, final_test_acc), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "best_test_acc", HOFFSET(SummaryRow, best_test_acc), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "best_epoch", HOFFSET(SummaryRow, best_epoch), H5T_NATIVE_INT64);
    H5Tinsert(t, "final_val_loss", HOFFSET(SummaryRow, final_val_loss), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "final_val_acc", HOFFSET(SummaryRow, final_val_acc), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "best_val_loss", HOFFSET(SummaryRow, best_val_loss), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "best_val_epoch", HOFFSET(SummaryRow, best_val_epoch), H5T_NATIVE_INT64);
    H5Tinsert(t, "epochs_run", HOFFSET(SummaryRow, epochs_run), H5T_NATIVE_INT64);
    H5Tinsert(t, "train_seconds", HOFFSET(SummaryRow, train_seconds), H5T_NATIVE_DOUBLE);
    return t;
}

// The file stores compounds packed, with no padding bytes.
static hid_t packed(hid_t mem_type) {
    hid_t t = H5Tcopy(mem_type);
    H5Tpack(t);
    return t;
}

static hid_t string_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

// ---------------------------------------------------------------------------------------
// Creation helpers. Each returns a negative hid_t or status on failure; callers check.

// A variable-length UTF-8 string attribute (h5py reads it as str); rewritten in place if it exists.
int store_attr_set(hid_t obj, const char *name, const char *value) {
    hid_t t = string_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT)
                                        : H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc < 0 ? -1 : 0;
}

char *store_attr_get(hid_t obj, const char *name) {
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    hid_t t = H5Aget_type(a);
    char *out = NULL;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t));   // HDF5 converts no character sets
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(a, mt, &v) >= 0 && v) {
                out = strdup(v);
                H5free_memory(v);
            }
        } else {
            size_t n = H5Tget_size(t);
            H5Tset_size(mt, n + 1);
            out = calloc(n + 2, 1);
            if (out && H5Aread(a, mt, out) < 0) { free(out); out = NULL; }
        }
        H5Tclose(mt);
    }
    if (t >= 0) H5Tclose(t);
    H5Aclose(a);
    return out;
}

int store_attr_read(hid_t obj, const char *name, char *out, size_t n) {
    char *v = store_attr_get(obj, name);
    snprintf(out, n, "%s", v ? v : "");
    free(v);
    return v ? 0 : -1;
}

static int attr_scalar(hid_t obj, const char *name, hid_t type, const void *value) {
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

static int attr_i64(hid_t obj, const char *name, int64_t v) { return attr_scalar(obj, name, H5T_NATIVE_INT64, &v); }
static int attr_f64(hid_t obj, const char *name, double v) { return attr_scalar(obj, name, H5T_NATIVE_DOUBLE, &v); }

static hid_t group_create(hid_t parent, const char *name) {
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(gcpl, 0);
    hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

// A contiguous dataset allocated at creation. fill: NaN fill written at allocation; none
// (never-written rows then read as zeros and stay sparse on disk); or HDF5's default, for
// datasets written whole at once (variable-length strings require a defined fill).
typedef enum { FILL_NONE, FILL_NAN, FILL_DEFAULT } Fill;

static hid_t dataset_create(hid_t parent, const char *name, hid_t type, int rank,
                            const hsize_t *dims, Fill fill) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_obj_track_times(dcpl, 0);
    if (fill == FILL_NAN) {
        double nan = NAN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    } else if (fill == FILL_NONE) {
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    }
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(parent, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Sclose(sp);
    H5Pclose(dcpl);
    return d;
}

// Write rows [start, start + count) of a dataset whose first dimension indexes rows and
// whose other dimensions are written whole (cols: the row length in elements, or, for a
// curve, how many leading columns of the row to write).
static int write_rows(hid_t dset, hid_t mem_type, int64_t start, int64_t count, int64_t cols,
                      const void *buf, hid_t dxpl) {
    hid_t fsp = H5Dget_space(dset);
    int rank = H5Sget_simple_extent_ndims(fsp);
    hsize_t dims[3], off[3] = {0}, cnt[3];
    H5Sget_simple_extent_dims(fsp, dims, NULL);
    off[0] = (hsize_t)start;
    cnt[0] = (hsize_t)count;
    for (int i = 1; i < rank; i++) cnt[i] = dims[i];
    if (rank == 2 && cols >= 0) cnt[1] = (hsize_t)cols;
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
    hid_t msp = H5Screate_simple(rank, cnt, NULL);
    herr_t rc = H5Dwrite(dset, mem_type, msp, fsp, dxpl, buf);
    H5Sclose(msp);
    H5Sclose(fsp);
    return rc < 0 ? -1 : 0;
}

static int write_all(hid_t parent, const char *name, hid_t file_type, hid_t mem_type,
                     int64_t n, const void *buf) {
    hsize_t dims[1] = {(hsize_t)n};
    hid_t d = dataset_create(parent, name, file_type, 1, dims, FILL_DEFAULT);
    if (d < 0) return -1;
    herr_t rc = H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

void store_config_row(ConfigRow *row, const Config *c) {
    memset(row, 0, sizeof *row);
    row->id = c->id;
    row->hidden_dim = c->hyper.hidden_dim;
    row->learning_rate = c->hyper.learning_rate;
    row->batch_size = c->hyper.batch_size;
    row->epochs = c->hyper.epochs;
    row->seed = (int64_t)c->hyper.seed;
    row->init_scale = c->hyper.init_scale;
    row->shuffle = (int8_t)c->hyper.shuffle;
    row->optimizer = (int8_t)c->hyper.optimizer;
    row->momentum = c->hyper.momentum;
    row->weight_decay = c->hyper.weight_decay;
    row->activation = (int8_t)c->hyper.activation;
    row->init = (int8_t)c->hyper.init;
    row->patience = c->hyper.patience;
    row->min_delta = c->hyper.min_delta;
    row->repeat = c->hyper.repeat;
    row->fold = c->hyper.fold;
    row->weights_row = c->weights_row;
}

static void config_file_row(ConfigFileRow *f, const ConfigRow *r) {
    memset(f, 0, sizeof *f);
    f->id = r->id;
    f->hidden_dim = r->hidden_dim;
    f->learning_rate = r->learning_rate;
    f->batch_size = r->batch_size;
    f->epochs = r->epochs;
    f->seed = r->seed;
    f->init_scale = r->init_scale;
    f->shuffle = r->shuffle;
    put_name(f->optimizer, AXIS_OPTIMIZER, r->optimizer);
    f->momentum = r->momentum;
    f->weight_decay = r->weight_decay;
    put_name(f->activation, AXIS_ACTIVATION, r->activation);
    put_name(f->init, AXIS_INIT, r->init);
    f->patience = r->patience;
    f->min_delta = r->min_delta;
    f->repeat = r->repeat;
    f->fold = r->fold;
    f->weights_row = r->weights_row;
}

static void pending_row(SummaryRow *row, int64_t id) {
    memset(row, 0, sizeof *row);
    row->id = id;
    row->status = STATUS_PENDING;
    row->final_train_loss = row->final_train_acc = NAN;
    row->final_test_loss = row->final_test_acc = row->best_test_acc = NAN;
    row->final_val_loss = row->final_val_acc = row->best_val_loss = NAN;
    row->best_epoch = row->best_val_epoch = -1;
    row->train_seconds = NAN;
}

static int create_root_attrs(hid_t file, const StoreMeta *m, const Grid *g) {
    char created[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int rc = 0;
    rc |= store_attr_set(file, "format", FORMAT_NAME);
    rc |= store_attr_set(file, "name", m->name);
    rc |= attr_i64(file, "format_version", STORE_FORMAT_VERSION);
    rc |= store_attr_set(file, "sweep_version", SWEEP_VERSION);
    rc |= store_attr_set(file, "created", created);
    rc |= store_attr_set(file, "spec", m->spec_text);
    rc |= store_attr_set(file, "spec_sha256", m->spec_sha256);
    rc |= store_attr_set(file, "command", m->command);
    rc |= store_attr_set(file, "host", m->host);
    rc |= attr_i64(file, "n_configs", g->n_configs);
    rc |= store_attr_set(file, "shard", m->shard);
    rc |= store_attr_set(file, "status", "running");
    return rc;
}

// A whole 2-D dataset [rows, cols] written at once.
static int write_matrix(hid_t parent, const char *name, hid_t file_type, hid_t mem_type, int64_t rows,
                        int64_t cols, const void *buf) {
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    hid_t d = dataset_create(parent, name, file_type, 2, dims, FILL_DEFAULT);
    if (d < 0) return -1;
    herr_t rc = H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

// /data/folds [repeats, n_train] and each split's scaling [repeats * folds, n_features].
static int create_split_data(hid_t g, const Dataset *d) {
    int64_t J = d->n_repeats * d->n_folds;
    int rc = write_matrix(g, "folds", H5T_STD_I32LE, H5T_NATIVE_INT32, d->n_repeats, d->n_train, d->folds);
    rc |= write_matrix(g, "split_feature_offset", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, J, d->n_features, d->split_offset);
    rc |= write_matrix(g, "split_feature_scale", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, J, d->n_features, d->split_scale);
    return rc;
}

static int create_data_group(hid_t file, const StoreMeta *m, const Dataset *d) {
    hid_t g = group_create(file, "data");
    if (g < 0) return -1;
    int rc = 0;
    rc |= store_attr_set(g, "source", m->source);
    rc |= attr_i64(g, "n_samples", d->n_samples);
    rc |= attr_i64(g, "n_features", d->n_features);
    rc |= attr_i64(g, "n_train", d->n_train);
    rc |= attr_i64(g, "n_test", d->n_test);
    rc |= attr_f64(g, "test_fraction", m->test_fraction);
    rc |= attr_i64(g, "split_seed", (int64_t)m->split_seed);
    rc |= store_attr_set(g, "scale", data_scale_name(m->scale));
    rc |= attr_i64(g, "folds", d->n_folds);
    rc |= attr_i64(g, "repeats", d->n_repeats);
    rc |= write_all(g, "train_index", H5T_STD_I64LE, H5T_NATIVE_INT64, d->n_train, d->train_index);
    rc |= write_all(g, "test_index", H5T_STD_I64LE, H5T_NATIVE_INT64, d->n_test, d->test_index);
    rc |= write_all(g, "feature_offset", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, d->n_features, d->feature_offset);
    rc |= write_all(g, "feature_scale", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, d->n_features, d->feature_scale);
    hid_t st = string_type();
    rc |= write_all(g, "feature_names", st, st, d->n_features, d->feature_names);
    H5Tclose(st);
    if (d->n_folds >= 2) rc |= create_split_data(g, d);
    H5Gclose(g);
    return rc;
}

// /configs and /summary (every row pending), written in slices so memory stays flat.
static int create_tables(hid_t file, const Grid *g) {
    hid_t cmem = config_file_type(), smem = store_summary_type();
    hid_t cfile = packed(cmem), sfile = packed(smem);
    hsize_t dims[1] = {(hsize_t)g->n_configs};
    hid_t cd = dataset_create(file, "configs", cfile, 1, dims, FILL_NONE);
    hid_t sd = dataset_create(file, "summary", sfile, 1, dims, FILL_NONE);
    ConfigFileRow *crow = malloc(ROWS_PER_WRITE * sizeof *crow);
    SummaryRow *srow = malloc(ROWS_PER_WRITE * sizeof *srow);
    int rc = (cd < 0 || sd < 0 || !crow || !srow) ? -1 : 0;
    for (int64_t start = 0; rc == 0 && start < g->n_configs; start += ROWS_PER_WRITE) {
        int64_t n = g->n_configs - start < ROWS_PER_WRITE ? g->n_configs - start : ROWS_PER_WRITE;
        for (int64_t i = 0; i < n; i++) {
            ConfigRow row;
            store_config_row(&row, &g->configs[start + i]);
            config_file_row(&crow[i], &row);
            pending_row(&srow[i], start + i);
        }
        rc |= write_rows(cd, cmem, start, n, -1, crow, H5P_DEFAULT);
        rc |= write_rows(sd, smem, start, n, -1, srow, H5P_DEFAULT);
    }
    free(crow);
    free(srow);
    if (cd >= 0) H5Dclose(cd);
    if (sd >= 0) H5Dclose(sd);
    H5Tclose(cmem); H5Tclose(smem); H5Tclose(cfile); H5Tclose(sfile);
    return rc;
}

// A 1-D dimension scale 0..n-1 named `name` in group grp, attached as dimension `dim` of each
// dataset in `attach` (so xarray and netCDF tools see labelled axes). Single-threaded set-up
// only: HDF5's high-level library is not thread-safe.
static int scale_create(hid_t grp, const char *name, int64_t n, const hid_t *attach, int n_attach, unsigned dim) {
    int64_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) return -1;
    for (int64_t i = 0; i < n; i++) v[i] = i;
    int rc = write_all(grp, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, v);
    free(v);
    hid_t d = rc == 0 ? H5Dopen2(grp, name, H5P_DEFAULT) : -1;
    if (d < 0 || H5DSset_scale(d, name) < 0) rc = -1;
    for (int i = 0; rc == 0 && i < n_attach; i++)
        if (H5DSattach_scale(attach[i], d, dim) < 0) rc = -1;
    if (d >= 0) H5Dclose(d);
    return rc;
}

// A group of NaN-filled [rows, max_epochs] curves with (row_dim, epoch) dimension scales.
static int create_curve_group(hid_t file, const char *group, const char *const *names, int n_names,
                              const char *row_dim, int64_t rows, int64_t max_epochs) {
    hid_t grp = group_create(file, group);
    if (grp < 0) return -1;
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)max_epochs};
    hid_t d[2 * N_CURVES];
    int rc = 0, n = 0;
    for (int c = 0; c < n_names; c++) {
        d[n] = dataset_create(grp, names[c], H5T_IEEE_F64LE, 2, dims, FILL_NAN);
        if (d[n] < 0) rc = -1; else n++;
    }
    if (rc == 0) rc |= scale_create(grp, row_dim, rows, d, n, 0);
    if (rc == 0) rc |= scale_create(grp, "epoch", max_epochs, d, n, 1);
    for (int i = 0; i < n; i++) H5Dclose(d[i]);
    H5Gclose(grp);
    return rc;
}

// The curves a file has: the val curves only with validation folds.
static int curves_for(const Dataset *d) { return d->n_folds >= 2 ? N_CURVES : CURVE_VAL_LOSS; }

static int create_curves(hid_t file, const Grid *g, const Dataset *d) {
    return create_curve_group(file, "curves", CURVE_NAMES, curves_for(d), "config", g->n_configs, g->max_epochs);
}

// ---------------------------------------------------------------------------------------
// Seed statistics: one row per setting (every axis but seed), created with everything else
// and filled once every config is finished.

static hid_t seed_stats_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(SeedStatsRow));
    H5Tinsert(t, "setting", HOFFSET(SeedStatsRow, setting), H5T_NATIVE_INT64);
    H5Tinsert(t, "hidden_dim", HOFFSET(SeedStatsRow, hidden_dim), H5T_NATIVE_INT64);
    H5Tinsert(t, "learning_rate", HOFFSET(SeedStatsRow, learning_rate), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "batch_size", HOFFSET(SeedStatsRow, batch_size), H5T_NATIVE_INT64);
    H5Tinsert(t, "epochs", HOFFSET(SeedStatsRow, epochs), H5T_NATIVE_INT64);
    H5Tinsert(t, "init_scale", HOFFSET(SeedStatsRow, init_scale), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "shuffle", HOFFSET(SeedStatsRow, shuffle), H5T_NATIVE_INT8);
    hid_t nt = name_type();
    H5Tinsert(t, "optimizer", HOFFSET(SeedStatsRow, optimizer), nt);
    H5Tinsert(t, "momentum", HOFFSET(SeedStatsRow, momentum), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "weight_decay", HOFFSET(SeedStatsRow, weight_decay), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "activation", HOFFSET(SeedStatsRow, activation), nt);
    H5Tinsert(t, "init", HOFFSET(SeedStatsRow, init), nt);
    H5Tclose(nt);
    H5Tinsert(t, "patience", HOFFSET(SeedStatsRow, patience), H5T_NATIVE_INT64);
    H5Tinsert(t, "min_delta", HOFFSET(SeedStatsRow, min_delta), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "n_replicates", HOFFSET(SeedStatsRow, n_replicates), H5T_NATIVE_INT64);
    H5Tinsert(t, "n_done", HOFFSET(SeedStatsRow, n_done), H5T_NATIVE_INT64);
    H5Tinsert(t, "n_diverged", HOFFSET(SeedStatsRow, n_diverged), H5T_NATIVE_INT64);
    H5Tinsert(t, "n_pruned", HOFFSET(SeedStatsRow, n_pruned), H5T_NATIVE_INT64);
    for (int k = 0; k < N_STATS; k++) {
        char name[64];
        snprintf(name, sizeof name, "mean_%s", STAT_NAMES[k]);
        H5Tinsert(t, name, HOFFSET(SeedStatsRow, mean_std) + (size_t)(2 * k) * sizeof(double), H5T_NATIVE_DOUBLE);
        snprintf(name, sizeof name, "std_%s", STAT_NAMES[k]);
        H5Tinsert(t, name, HOFFSET(SeedStatsRow, mean_std) + (size_t)(2 * k + 1) * sizeof(double), H5T_NATIVE_DOUBLE);
    }
    return t;
}

static const char *const SEED_CURVE_NAMES[2 * N_CURVES] = {
    "train_loss_mean", "train_loss_std", "train_acc_mean", "train_acc_std",
    "test_loss_mean",  "test_loss_std",  "test_acc_mean",  "test_acc_std",
    "val_loss_mean",   "val_loss_std",   "val_acc_mean",   "val_acc_std"};

static void seed_stats_row(SeedStatsRow *row, int64_t k, const GroupStats *gs, const ConfigRow *c) {
    memset(row, 0, sizeof *row);
    row->setting = k;
    row->hidden_dim = c->hidden_dim;
    row->learning_rate = c->learning_rate;
    row->batch_size = c->batch_size;
    row->epochs = c->epochs;
    row->init_scale = c->init_scale;
    row->shuffle = c->shuffle;
    put_name(row->optimizer, AXIS_OPTIMIZER, c->optimizer);
    row->momentum = c->momentum;
    row->weight_decay = c->weight_decay;
    put_name(row->activation, AXIS_ACTIVATION, c->activation);
    put_name(row->init, AXIS_INIT, c->init);
    row->patience = c->patience;
    row->min_delta = c->min_delta;
    row->n_replicates = gs->n_configs;
    row->n_done = gs->n_done;
    row->n_diverged = gs->n_diverged;
    row->n_pruned = gs->n_pruned;
    for (int s = 0; s < N_STATS; s++) {
        row->mean_std[2 * s] = gs->mean[s];
        row->mean_std[2 * s + 1] = gs->std[s];
    }
}

// The settings are known before training: the table is written now with counts and NaNs.
static int create_seed_stats(hid_t file, const Grid *g, int n_curves) {
    ConfigRow *rows = malloc((size_t)g->n_configs * sizeof *rows);
    if (!rows) return -1;
    for (int64_t i = 0; i < g->n_configs; i++) store_config_row(&rows[i], &g->configs[i]);
    Groups groups;
    int rc = stats_group(&groups, rows, NULL, g->n_configs, STATS_SETTING_AXES);
    hid_t mem = seed_stats_type(), ftype = packed(mem);
    hsize_t dims[1] = {(hsize_t)groups.n_groups};
    hid_t d = rc == 0 ? dataset_create(file, "seed_stats", ftype, 1, dims, FILL_NONE) : -1;
    if (d < 0) rc = -1;
    for (int64_t k = 0; rc == 0 && k < groups.n_groups; k++) {
        SeedStatsRow row;
        seed_stats_row(&row, k, &groups.groups[k], &rows[groups.groups[k].first]);
        rc |= write_rows(d, mem, k, 1, -1, &row, H5P_DEFAULT);
    }
    if (d >= 0) H5Dclose(d);
    H5Tclose(mem);
    H5Tclose(ftype);
    if (rc == 0)
        rc = create_curve_group(file, "seed_stats_curves", SEED_CURVE_NAMES, 2 * n_curves, "setting",
                                groups.n_groups, g->max_epochs);
    stats_free(&groups);
    free(rows);
    return rc;
}

// /weights or /initial_weights: one group per hidden size with W1, b1, W2, b2, config_id.
static int create_weights(hid_t file, const char *name, const Grid *g, int64_t D) {
    hid_t top = group_create(file, name);
    if (top < 0) return -1;
    int rc = 0;
    int64_t *ids = malloc((size_t)g->n_configs * sizeof(int64_t));
    if (!ids) rc = -1;
    for (int64_t k = 0; rc == 0 && k < g->n_hidden; k++) {
        int64_t H = g->hidden_dims[k], n_H = g->n_per_hidden[k];
        char gname[64];
        snprintf(gname, sizeof gname, "hidden_%lld", (long long)H);
        hid_t grp = group_create(top, gname);
        if (grp < 0) { rc = -1; break; }
        hsize_t dW1[3] = {(hsize_t)n_H, (hsize_t)D, (hsize_t)H}, dH[2] = {(hsize_t)n_H, (hsize_t)H};
        hsize_t d1[1] = {(hsize_t)n_H};
        const hsize_t *dims[N_WEIGHTS] = {dW1, dH, dH, d1};
        const int ranks[N_WEIGHTS] = {3, 2, 2, 1};
        for (int w = 0; w < N_WEIGHTS; w++) {
            hid_t d = dataset_create(grp, WEIGHT_NAMES[w], H5T_IEEE_F64LE, ranks[w], dims[w], FILL_NONE);
            if (d < 0) rc = -1; else H5Dclose(d);
        }
        int64_t n = 0;
        for (int64_t i = 0; i < g->n_configs; i++)
            if (g->configs[i].hyper.hidden_dim == H) ids[n++] = g->configs[i].id;
        rc |= write_all(grp, "config_id", H5T_STD_I64LE, H5T_NATIVE_INT64, n, ids);
        H5Gclose(grp);
    }
    free(ids);
    H5Gclose(top);
    return rc;
}

static hid_t file_access(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);   // readers may open the file while we write it
    // No data sieve: with it, every flush rewrote a whole 64 KB window around each small
    // row (5 GB of writes for 10,000 tiny configs); without it a row is one exact pwrite.
    H5Pset_sieve_buf_size(fapl, 0);
    return fapl;
}

// ---------------------------------------------------------------------------------------
// The lock beside the results file.

static int lock_acquire(Store *st, char *err) {
    for (;;) {
        int fd = open(st->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot create lock file: %s", st->lock_path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK)
                return fail(err, SWEEP_ERR_RUNTIME, "%s: another sweep is writing this file (it holds %s)",
                            st->path, st->lock_path);
            return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot lock: %s", st->lock_path, strerror(e));
        }
        // The holder before us may have unlinked the lock file after we opened it: the lock
        // counts only if the path still names the inode we locked.
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(st->lock_path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            st->lock_fd = fd;
            return SWEEP_OK;
        }
        close(fd);
    }
}

static void lock_release(Store *st) {
    if (st->lock_fd < 0) return;
    unlink(st->lock_path);
    close(st->lock_fd);
    st->lock_fd = -1;
}

// ---------------------------------------------------------------------------------------
// Opening for commits.

static void batch_free(StoreBatch *b);

static int store_init_paths(Store *st, const char *path) {
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->io_mu, NULL);
    pthread_mutex_init(&st->q_mu, NULL);
    st->file = -1;
    st->lock_fd = -1;
    st->fd = -1;
    st->path = strdup(path);
    st->lock_path = malloc(strlen(path) + 8);
    if (!st->path || !st->lock_path) return -1;
    sprintf(st->lock_path, "%s.lock", path);
    return 0;
}

static void store_free(Store *st) {
    pthread_mutex_destroy(&st->io_mu);
    pthread_mutex_destroy(&st->q_mu);
    batch_free(&st->fill);
    batch_free(&st->spare);
    free(st->scratch);
    st->scratch = NULL;
    free(st->path);
    free(st->lock_path);
    free(st->weights);
    free(st->initial);
    st->path = st->lock_path = NULL;
    st->weights = st->initial = NULL;
}

static void close_handles(Store *st) {
    for (int c = 0; c < st->n_curves; c++)
        if (st->curves[c] > 0) H5Dclose(st->curves[c]);
    if (st->summary > 0) H5Dclose(st->summary);
    if (st->summary_mem > 0) H5Tclose(st->summary_mem);
    if (st->status_mem > 0) H5Tclose(st->status_mem);
    if (st->dxpl > 0) H5Pclose(st->dxpl);
    for (int64_t k = 0; st->grid && k < st->grid->n_hidden; k++)
        for (int w = 0; w < N_WEIGHTS; w++) {
            if (st->weights && st->weights[k][w] > 0) H5Dclose(st->weights[k][w]);
            if (st->initial && st->initial[k][w] > 0) H5Dclose(st->initial[k][w]);
        }
    if (st->file >= 0) H5Fclose(st->file);
    st->file = -1;
}

static int open_weight_handles(hid_t file, const char *top, const Grid *g, hid_t (*h)[4]) {
    for (int64_t k = 0; k < g->n_hidden; k++)
        for (int w = 0; w < N_WEIGHTS; w++) {
            char name[128];
            snprintf(name, sizeof name, "%s/hidden_%lld/%s", top, (long long)g->hidden_dims[k], WEIGHT_NAMES[w]);
            if ((h[k][w] = H5Dopen2(file, name, H5P_DEFAULT)) < 0) return -1;
        }
    return 0;
}

// ---------------------------------------------------------------------------------------
// Durability (DESIGN section 4, the v2 sentence). No status may reach the disk before the
// rows it vouches for, whatever order a power cut lets the disk write pages in; and none
// may be in the file (the page cache, for kill -9 and for readers) before its rows are.
//
// A commit leaves the config with the background syncer: a small config's rows are copied
// into the fill batch (staged), a big one's are written at once (its status alone waits).
// Every SYNC_INTERVAL while there is anything new, the syncer takes the batch, writes its
// staged rows (each config's /summary row too, its numbers with the status still pending),
// flushes and fsyncs (every row of the batch is now on disk), and only then writes the
// batch's status bytes, alone, which the next round's fsync makes durable. A finished config
// is visible to readers within about one interval and durable within two; a clean end runs
// one more round and fsyncs (store_close). Writing a round's rows together (one write per
// run of consecutive ids rather than eight per config) is also what keeps commits cheap.
//
// SWEEP_COMMIT_ORDER=legacy keeps the old ordering instead (at every commit: rows, flush,
// status, flush; an fsync every SYNC_LEGACY_SECONDS), which a power cut can break: it exists
// only for the crash simulator's negative control and scripts/bench_commit.py.

#define STAGE_CONFIG_MAX (1 << 17)   // doubles: bigger configs are written at commit
#define STAGE_WAKE (1 << 18)         // doubles staged (2 MB): wake the syncer before its time
#define STAGE_MAX (1 << 25)          // doubles staged: beyond, commits write their rows at once
#define RUN_MAX_DOUBLES 8192         // a batched write: at most this many doubles per dataset

// HDF5's automatic error printing is per thread: every thread that calls HDF5 silences it.
static void quiet_thread(void) {
    if (!getenv("SWEEP_DEBUG_HDF5")) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static int legacy_wanted(void) {
    const char *v = getenv("SWEEP_COMMIT_ORDER");
    return v && strcmp(v, "legacy") == 0;
}

static int64_t n_params(const Store *st, const Config *c) { return mlp_n_params(st->n_features, c->hyper.hidden_dim); }

// Doubles a staged config takes: its curves, its weights, its initial weights if stored.
static int64_t staged_size(const Store *st, const Config *c) {
    return st->n_curves * c->hyper.epochs + (st->initial ? 2 : 1) * n_params(st, c);
}

static int grow(void **p, int64_t *cap, int64_t need, size_t size) {
    if (need <= *cap) return 0;
    int64_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    void *q = realloc(*p, (size_t)c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static void batch_free(StoreBatch *b) {
    free(b->status);
    free(b->staged);
    free(b->arena);
    memset(b, 0, sizeof *b);
}

static double *put_model(double *p, const Mlp *m) {
    int64_t D = m->n_in, H = m->n_hidden;
    memcpy(p, m->W1, (size_t)(D * H) * sizeof *p); p += D * H;
    memcpy(p, m->b1, (size_t)H * sizeof *p); p += H;
    memcpy(p, m->W2, (size_t)H * sizeof *p); p += H;
    *p++ = m->b2[0];
    return p;
}

// Copy a config's rows into the fill batch (q_mu held). 0, or -1 when out of memory.
static int stage(Store *st, const Config *c, const Run *r, const SummaryRow *row) {
    StoreBatch *b = &st->fill;
    int64_t n = staged_size(st, c);
    if (grow((void **)&b->staged, &b->cap_staged, b->n_staged + 1, sizeof *b->staged) != 0 ||
        grow((void **)&b->arena, &b->cap_arena, b->n_arena + n, sizeof *b->arena) != 0)
        return -1;
    double *p = b->arena + b->n_arena;
    for (int i = 0; i < st->n_curves; i++) {
        memcpy(p, r->curves[i], (size_t)c->hyper.epochs * sizeof *p);
        p += c->hyper.epochs;
    }
    p = put_model(p, train_result_model(r));
    if (st->initial) put_model(p, &r->initial);
    b->staged[b->n_staged++] = (StoreStaged){.row = *row, .config = c, .offset = b->n_arena};
    b->n_arena += n;
    return 0;
}

static int staged_by_id(const void *x, const void *y) {
    const StoreStaged *a = x, *b = y;
    return (a->config->id > b->config->id) - (a->config->id < b->config->id);
}

static int rows_by_id(const void *x, const void *y) {
    const SummaryRow *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

// Whether staged config b can join the run that ends with a in one write per dataset.
static int continues(const StoreStaged *a, const StoreStaged *b) {
    const Config *x = a->config, *y = b->config;
    return y->id == x->id + 1 && y->hyper.epochs == x->hyper.epochs && y->hyper.hidden_dim == x->hyper.hidden_dim &&
           y->weights_row == x->weights_row + 1;
}

// Part `what` (0..3 curves, then W1, b1, W2, b2 of the weights, then of the initial
// weights) of staged config s: where it starts in the arena and how many doubles it has.
static const double *staged_part(const Store *st, const StoreBatch *b, const StoreStaged *s, int what, int64_t *len) {
    const Config *c = s->config;
    int64_t E = c->hyper.epochs, D = st->n_features, H = c->hyper.hidden_dim;
    const double *p = b->arena + s->offset;
    if (what < st->n_curves) { *len = E; return p + what * E; }
    p += st->n_curves * E;
    int w = what - st->n_curves;
    if (w >= N_WEIGHTS) { p += n_params(st, c); w -= N_WEIGHTS; }
    const int64_t lens[N_WEIGHTS] = {D * H, H, H, 1}, offs[N_WEIGHTS] = {0, D * H, D * H + H, D * H + 2 * H};
    *len = lens[w];
    return p + offs[w];
}

// The /summary rows of k staged configs of consecutive ids, their numbers but with the status
// still pending (io_mu held): a status is a byte of that same row, written only once the rest
// of the row is durable too, so a torn page cannot mark a config finished with half a row.
static int write_values(Store *st, const StoreStaged *s, int64_t k) {
    if (grow((void **)&st->scratch, &st->cap_scratch, (k * (int64_t)sizeof(SummaryRow) + 7) / 8, sizeof *st->scratch) != 0)
        return -1;
    SummaryRow *rows = (SummaryRow *)st->scratch;
    for (int64_t m = 0; m < k; m++) {
        rows[m] = s[m].row;
        rows[m].status = STATUS_PENDING;
    }
    return write_rows(st->summary, st->summary_mem, s[0].row.id, k, -1, rows, st->dxpl);
}

// Write every staged row of batch b, one write per dataset per run (io_mu held). 0 or -1;
// *done: how many of b->staged (sorted by id now) are written whole.
static int write_staged(Store *st, StoreBatch *b, int64_t *done) {
    *done = 0;
    qsort(b->staged, (size_t)b->n_staged, sizeof *b->staged, staged_by_id);
    int parts = st->n_curves + (st->initial ? 2 : 1) * N_WEIGHTS, rc = 0;
    for (int64_t i = 0; i < b->n_staged && rc == 0;) {
        int64_t biggest = 0, j = i + 1;
        staged_part(st, b, &b->staged[i], st->n_curves, &biggest);    // W1 or ...
        int64_t E = b->staged[i].config->hyper.epochs;
        if (E > biggest) biggest = E;                             // ... a curve, whichever is longer
        int64_t k_max = RUN_MAX_DOUBLES / biggest > 1 ? RUN_MAX_DOUBLES / biggest : 1;
        while (j < b->n_staged && j - i < k_max && continues(&b->staged[j - 1], &b->staged[j])) j++;
        int64_t k = j - i;
        if (grow((void **)&st->scratch, &st->cap_scratch, k * biggest, sizeof *st->scratch) != 0) return -1;
        const Config *c = b->staged[i].config;
        int64_t h = grid_hidden_index(st->grid, c->hyper.hidden_dim);
        for (int what = 0; what < parts && rc == 0; what++) {
            int64_t len = 0;
            for (int64_t m = 0; m < k; m++) {
                const double *src = staged_part(st, b, &b->staged[i + m], what, &len);
                memcpy(st->scratch + m * len, src, (size_t)len * sizeof *src);
            }
            if (what < st->n_curves) {
                rc = write_rows(st->curves[what], H5T_NATIVE_DOUBLE, c->id, k, E, st->scratch, st->dxpl);
            } else {
                int w = what - st->n_curves;
                hid_t d = w < N_WEIGHTS ? st->weights[h][w] : st->initial[h][w - N_WEIGHTS];
                rc = write_rows(d, H5T_NATIVE_DOUBLE, c->weights_row, k, -1, st->scratch, st->dxpl);
            }
        }
        if (rc == 0) rc = write_values(st, b->staged + i, k);
        if (rc == 0) *done = j;
        i = j;
    }
    return rc;
}

// Write the status byte of n summary rows, one write per run of consecutive ids (io_mu held;
// the rest of each row is in the file already). 0 or -1.
static int write_statuses(Store *st, SummaryRow *rows, int64_t n) {
    qsort(rows, (size_t)n, sizeof *rows, rows_by_id);
    enum { RUN = 4096 };
    uint8_t status[RUN];
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0;) {
        int64_t j = i + 1;
        while (j < n && rows[j].id == rows[j - 1].id + 1 && j - i < RUN) j++;
        for (int64_t m = i; m < j; m++) status[m - i] = (uint8_t)rows[m].status;
        rc = write_rows(st->summary, st->status_mem, rows[i].id, j - i, -1, status, st->dxpl);
        i = j;
    }
    return rc;
}

// One round of the protocol above, also store_close's last. Returns 0, an fsync's errno,
// or -1 when HDF5 could not write; a failure is also kept for sync_error.
static int sync_round(Store *st) {
    pthread_mutex_lock(&st->q_mu);                // take the fill batch, leave an empty one
    StoreBatch b = st->fill;
    st->fill = st->spare;
    memset(&st->spare, 0, sizeof st->spare);
    st->fill.n_status = st->fill.n_staged = st->fill.n_arena = 0;
    int dirty = st->sync_dirty;
    st->sync_dirty = 0;
    pthread_mutex_unlock(&st->q_mu);
    int work = dirty || b.n_status || b.n_staged, rc = 0;
    int64_t written = 0;                          // staged configs whose rows are all written
    if (work) {
        pthread_mutex_lock(&st->io_mu);
        if (b.n_staged && write_staged(st, &b, &written) != 0) rc = -1;
        if (H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0 && rc == 0) rc = -1;
        pthread_mutex_unlock(&st->io_mu);
    }
    // Whatever was written whole is synced and gets its status, even when the rest failed
    // (a full disk): the configs committed before a failure are safe.
    int synced = 0;
    if (work && fsync(st->fd) != 0) rc = errno ? errno : EIO;
    else synced = work;
    if (synced && (b.n_status || written)) {   // those rows are durable: their statuses may follow
        if (grow((void **)&b.status, &b.cap_status, b.n_status + written, sizeof *b.status) != 0) {
            if (rc == 0) rc = -1;
        } else {
            for (int64_t i = 0; i < written; i++) b.status[b.n_status++] = b.staged[i].row;
            pthread_mutex_lock(&st->io_mu);
            if (write_statuses(st, b.status, b.n_status) != 0 || H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0) {
                if (rc == 0) rc = -1;
            } else {
                st->n_published += b.n_status;
            }
            pthread_mutex_unlock(&st->io_mu);
        }
    }
    // After a failure b's statuses are dropped: those configs stay pending (resume trains
    // them again), and the error stops the sweep at its next commit or at the close.
    pthread_mutex_lock(&st->q_mu);
    if (b.n_status || written) st->sync_dirty = 1;
    if (rc != 0 && !st->sync_errno) st->sync_errno = rc;
    st->spare = b;                                // its buffers, for the next round
    pthread_mutex_unlock(&st->q_mu);
    return rc;
}

static void *syncer_loop(void *arg) {
    Store *st = arg;
    quiet_thread();
    double every = st->legacy_order ? SYNC_LEGACY_SECONDS : SYNC_INTERVAL;
    pthread_mutex_lock(&st->sync_mu);
    while (!st->sync_stop) {
        if (!st->sync_wake) {
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            long ns = deadline.tv_nsec + (long)((every - (double)(long)every) * 1e9);
            deadline.tv_sec += (time_t)every + ns / 1000000000L;
            deadline.tv_nsec = ns % 1000000000L;
            pthread_cond_timedwait(&st->sync_cv, &st->sync_mu, &deadline);
        }
        st->sync_wake = 0;
        if (st->sync_stop) break;
        pthread_mutex_unlock(&st->sync_mu);
        sync_round(st);
        pthread_mutex_lock(&st->sync_mu);
    }
    pthread_mutex_unlock(&st->sync_mu);
    return NULL;
}

static int syncer_start(Store *st) {
    pthread_mutex_init(&st->sync_mu, NULL);
    pthread_cond_init(&st->sync_cv, NULL);
    st->sync_stop = st->sync_wake = 0;
    if (pthread_create(&st->syncer, NULL, syncer_loop, st) != 0) return -1;
    st->syncer_running = 1;
    return 0;
}

static void syncer_stop(Store *st) {
    if (!st->syncer_running) return;
    pthread_mutex_lock(&st->sync_mu);
    st->sync_stop = 1;
    pthread_cond_signal(&st->sync_cv);
    pthread_mutex_unlock(&st->sync_mu);
    pthread_join(st->syncer, NULL);
    pthread_mutex_destroy(&st->sync_mu);
    pthread_cond_destroy(&st->sync_cv);
    st->syncer_running = 0;
}

static void syncer_wake(Store *st) {
    pthread_mutex_lock(&st->sync_mu);
    st->sync_wake = 1;
    pthread_cond_signal(&st->sync_cv);
    pthread_mutex_unlock(&st->sync_mu);
}

// The error a background round left, as one line (q_mu held); SWEEP_OK if none.
static int sync_error(const Store *st, char *err) {
    int e = st->sync_errno;
    if (!e) return SWEEP_OK;
    if (e < 0)
        return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot write the results of finished configs (disk full?)", st->path);
    return fail(err, SWEEP_ERR_RUNTIME, "%s: fsync failed: %s", st->path, strerror(e));
}

// After a legacy commit or a status change: there is something to sync.
static int syncer_mark_dirty(Store *st, char *err) {
    pthread_mutex_lock(&st->q_mu);
    st->sync_dirty = 1;
    int rc = sync_error(st, err);
    pthread_mutex_unlock(&st->q_mu);
    return rc;
}

static int store_open_file(Store *st, char *err) {
    hid_t fapl = file_access();
    st->file = H5Fopen(st->path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (st->file < 0) return fail(err, SWEEP_ERR_USAGE, "%s: not an HDF5 file, or not writable", st->path);
    return SWEEP_OK;
}

// Open every dataset a commit touches and start the background fsync.
static int store_open_datasets(Store *st, const Grid *g, int64_t D, char *err) {
    st->grid = g;
    st->n_features = D;
    st->weights = calloc((size_t)g->n_hidden, sizeof *st->weights);
    if (!st->weights) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    int bad = 0;
    st->n_curves = store_n_curves(st->file);
    for (int c = 0; c < st->n_curves; c++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", CURVE_NAMES[c]);
        bad |= (st->curves[c] = H5Dopen2(st->file, name, H5P_DEFAULT)) < 0;
    }
    bad |= (st->summary = H5Dopen2(st->file, "summary", H5P_DEFAULT)) < 0;
    st->summary_mem = store_summary_type();
    st->status_mem = store_status_type();
    // Our own conversion buffers: HDF5's default allocates and frees 1 MB per converting
    // write, which cost more than the write itself for small configs.
    st->dxpl = H5Pcreate(H5P_DATASET_XFER);
    bad |= st->dxpl < 0 || H5Pset_buffer(st->dxpl, sizeof st->tconv, st->tconv, st->bkg) < 0;
    bad |= open_weight_handles(st->file, "weights", g, st->weights) != 0;
    if (!bad && H5Lexists(st->file, "initial_weights", H5P_DEFAULT) > 0) {
        st->initial = calloc((size_t)g->n_hidden, sizeof *st->initial);
        bad |= !st->initial || open_weight_handles(st->file, "initial_weights", g, st->initial) != 0;
    }
    if (bad) return fail(err, SWEEP_ERR_RUNTIME, "%s: not a complete sweep results file", st->path);
    void *handle = NULL;
    if (H5Fget_vfd_handle(st->file, H5P_DEFAULT, &handle) >= 0 && handle) st->fd = *(int *)handle;
    st->legacy_order = legacy_wanted();
    if (st->fd >= 0 && syncer_start(st) != 0) return fail(err, SWEEP_ERR_RUNTIME, "cannot start the fsync thread");
    return SWEEP_OK;
}

static int fsync_dir_of(const char *path) {
    char *dir = strdup(path);
    if (!dir) return -1;
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = '\0'; else strcpy(dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

// Build the whole file at tmp_path. Returns 0 or -1.
static int build_file(const char *tmp_path, const StoreMeta *meta, const Grid *grid, const Dataset *data) {
    hid_t fapl = file_access();
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, 0);
    hid_t file = H5Fcreate(tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (file < 0) return -1;
    int rc = 0;
    rc |= create_root_attrs(file, meta, grid);
    rc |= create_data_group(file, meta, data);
    rc |= create_tables(file, grid);
    rc |= create_curves(file, grid, data);
    rc |= create_seed_stats(file, grid, curves_for(data));
    rc |= create_weights(file, "weights", grid, data->n_features);
    if (meta->save_initial_weights) rc |= create_weights(file, "initial_weights", grid, data->n_features);
    if (H5Fclose(file) < 0) rc = -1;
    if (rc == 0) {
        int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) rc = -1;
        if (fd >= 0) close(fd);
    }
    return rc;
}

int store_create(Store *st, const char *path, int replace, const StoreMeta *meta, const Grid *grid,
                 const Dataset *data, char *err) {
    quiet_hdf5();
    if (store_init_paths(st, path) != 0) { store_free(st); return fail(err, SWEEP_ERR_RUNTIME, "out of memory"); }
    if (!replace && access(path, F_OK) == 0) {
        store_free(st);
        return fail(err, SWEEP_ERR_USAGE, "%s: already exists; pass --resume to continue it or --force to replace it", path);
    }
    int rc = lock_acquire(st, err);
    if (rc != SWEEP_OK) { store_free(st); return rc; }
    char *tmp = malloc(strlen(path) + 8);
    if (!tmp) { lock_release(st); store_free(st); return fail(err, SWEEP_ERR_RUNTIME, "out of memory"); }
    sprintf(tmp, "%s.tmp", path);
    errno = 0;
    if (build_file(tmp, meta, grid, data) != 0) {
        int e = errno;
        unlink(tmp);
        rc = fail(err, SWEEP_ERR_RUNTIME, "%s: cannot create the results file%s%s", tmp,
                  e ? ": " : "", e ? strerror(e) : "");
    } else if ((replace ? rename(tmp, path) : renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)) != 0) {
        // Without --force the name is taken only if still free (another process may have made it).
        int e = errno;
        rc = e == EEXIST ? fail(err, SWEEP_ERR_USAGE, "%s: already exists; pass --resume to continue it or --force to replace it", path)
                         : fail(err, SWEEP_ERR_RUNTIME, "%s: cannot rename into place: %s", path, strerror(e));
        unlink(tmp);
    } else {
        fsync_dir_of(path);
        rc = store_open_file(st, err);
        if (rc == SWEEP_OK) rc = store_open_datasets(st, grid, data->n_features, err);
    }
    free(tmp);
    if (rc != SWEEP_OK) store_abandon(st);
    return rc;
}


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
static int data_unchanged(hid_t file, const Dataset *d) {
    int64_t J = d->n_repeats * d->n_folds, D = d->n_features;
    int has_folds = H5Lexists(file, "data/folds", H5P_DEFAULT) > 0;
    if (has_folds != (d->n_folds >= 2)) return 0;
    if (has_folds && !(data_equal(file, "data/folds", H5T_NATIVE_INT32, d->folds, d->n_repeats * d->n_train, sizeof(int32_t)) &&
                       data_equal(file, "data/split_feature_offset", H5T_NATIVE_DOUBLE, d->split_offset, J * D, sizeof(double)) &&
                       data_equal(file, "data/split_feature_scale", H5T_NATIVE_DOUBLE, d->split_scale, J * D, sizeof(double))))
        return 0;
    return data_equal(file, "data/train_index", H5T_NATIVE_INT64, d->train_index, d->n_train, sizeof(int64_t)) &&
           data_equal(file, "data/test_index", H5T_NATIVE_INT64, d->test_index, d->n_test, sizeof(int64_t)) &&
           data_equal(file, "data/feature_offset", H5T_NATIVE_DOUBLE, d->feature_offset, d->n_features, sizeof(double)) &&
           data_equal(file, "data/feature_scale", H5T_NATIVE_DOUBLE, d->feature_scale, d->n_features, sizeof(double));
}

int store_data_matches(hid_t file, const Dataset *d) { return data_unchanged(file, d); }

// The checks that need only the file: a sweep file, of this spec and data, of this grid size.
static int resume_checks(Store *st, const char *spec_sha256, const Grid *grid, const Dataset *data, char *err) {
    char text[128];
    const char *path = st->path;
    if (store_attr_read(st->file, "format", text, sizeof text) != 0 || strcmp(text, FORMAT_NAME) != 0)
        return fail(err, SWEEP_ERR_USAGE, "%s: not a sweep results file", path);
    int64_t version = store_format_version(st->file);
    if (version != STORE_FORMAT_VERSION)
        return fail(err, SWEEP_ERR_USAGE, "%s: format_version %lld, written by an older sweep; this sweep resumes "
                    "version %d only: use --force to start over or -o for a new file", path, (long long)version,
                    STORE_FORMAT_VERSION);
    if (store_attr_read(st->file, "spec_sha256", text, sizeof text) != 0 || strcmp(text, spec_sha256) != 0)
        return fail(err, SWEEP_ERR_USAGE, "%s: was written by a different spec (spec_sha256 %.12s..., this spec %.12s...); "
                    "use --force to start over or -o for a new file", path, text, spec_sha256);
    store_attr_read(st->file, "status", st->status, sizeof st->status);
    store_attr_read(st->file, "shard", st->shard, sizeof st->shard);
    hid_t d = H5Dopen2(st->file, "summary", H5P_DEFAULT);
    hssize_t n = -1;
    if (d >= 0) {
        hid_t sp = H5Dget_space(d);
        n = H5Sget_simple_extent_npoints(sp);
        H5Sclose(sp);
        H5Dclose(d);
    }
    if (n != grid->n_configs)
        return fail(err, SWEEP_ERR_USAGE, "%s: holds %lld configs, the spec gives %lld", path, (long long)n,
                    (long long)grid->n_configs);
    if (!data_unchanged(st->file, data))
        return fail(err, SWEEP_ERR_USAGE, "%s: the data changed since this file was written (its split or scaling "
                    "differs); use --force to start over or -o for a new file", path);
    return SWEEP_OK;
}

int store_resume(Store *st, const char *path, const char *spec_sha256, const Grid *grid,
                 const Dataset *data, uint8_t *status, char *err) {
    quiet_hdf5();
    if (store_init_paths(st, path) != 0) { store_free(st); return fail(err, SWEEP_ERR_RUNTIME, "out of memory"); }
    if (access(path, F_OK) != 0) {
        store_free(st);
        return fail(err, SWEEP_ERR_USAGE, "%s: nothing to resume: the file does not exist", path);
    }
    int rc = lock_acquire(st, err);
    if (rc != SWEEP_OK) { store_free(st); return rc; }
    rc = store_open_file(st, err);
    if (rc == SWEEP_OK) rc = resume_checks(st, spec_sha256, grid, data, err);
    if (rc == SWEEP_OK) rc = store_open_datasets(st, grid, data->n_features, err);
    if (rc == SWEEP_OK) {
        // Read just the status column, in slices.
        hid_t t = store_status_type();
        for (int64_t start = 0; rc == SWEEP_OK && start < grid->n_configs; start += ROWS_PER_WRITE) {
            int64_t cnt = grid->n_configs - start < ROWS_PER_WRITE ? grid->n_configs - start : ROWS_PER_WRITE;
            if (store_read_slice(st->file, "summary", t, start, cnt, status + start) != 0)
                rc = fail(err, SWEEP_ERR_RUNTIME, "%s: cannot read /summary", path);
        }
        H5Tclose(t);
    }
    if (rc != SWEEP_OK) store_abandon(st);
    return rc;
}

// ---------------------------------------------------------------------------------------
// Commits.


static int write_weights(const Store *st, hid_t h[4], int64_t row, const Mlp *m) {
    int rc = 0;
    rc |= write_rows(h[W_W1], H5T_NATIVE_DOUBLE, row, 1, -1, m->W1, st->dxpl);
    rc |= write_rows(h[W_B1], H5T_NATIVE_DOUBLE, row, 1, -1, m->b1, st->dxpl);
    rc |= write_rows(h[W_W2], H5T_NATIVE_DOUBLE, row, 1, -1, m->W2, st->dxpl);
    rc |= write_rows(h[W_B2], H5T_NATIVE_DOUBLE, row, 1, -1, m->b2, st->dxpl);
    return rc;
}

static int write_failed(const Store *st, int64_t id, char *err) {
    return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot write the results of config %lld (disk full?)", st->path,
                (long long)id);
}

void store_summary_row(SummaryRow *row, const Config *c, const Run *r) {
    pending_row(row, c->id);
    row->status = (int8_t)r->status;
    row->final_train_loss = r->final[CURVE_TRAIN_LOSS];
    row->final_train_acc = r->final[CURVE_TRAIN_ACC];
    row->final_test_loss = r->final[CURVE_TEST_LOSS];
    row->final_test_acc = r->final[CURVE_TEST_ACC];
    row->best_test_acc = r->best_test_acc;
    row->best_epoch = r->best_epoch;
    row->final_val_loss = r->final[CURVE_VAL_LOSS];
    row->final_val_acc = r->final[CURVE_VAL_ACC];
    row->best_val_loss = r->best_val_loss;
    row->best_val_epoch = r->best_val_epoch;
    row->epochs_run = r->epochs_run;
    row->train_seconds = r->train_seconds;
}

// The old ordering (and the one without a syncer): rows, flush, status, flush (io_mu held).
static int commit_now(Store *st, const Config *c, const Run *r, const SummaryRow *row, char *err) {
    int rc = 0;
    if (r) {
        int64_t k = grid_hidden_index(st->grid, c->hyper.hidden_dim);
        for (int i = 0; i < st->n_curves; i++)
            rc |= write_rows(st->curves[i], H5T_NATIVE_DOUBLE, c->id, 1, c->hyper.epochs, r->curves[i], st->dxpl);
        rc |= write_weights(st, st->weights[k], c->weights_row, train_result_model(r));
        if (st->initial) rc |= write_weights(st, st->initial[k], c->weights_row, &r->initial);
    }
    if (rc != 0 || H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0 ||
        write_rows(st->summary, st->summary_mem, row->id, 1, -1, row, st->dxpl) != 0 ||
        H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0)
        return write_failed(st, c->id, err);
    st->n_published++;
    return SWEEP_OK;
}

// Leaves a finished config with the syncer: its rows staged, or written now when big (or
// when too much is staged already), and its status queued behind them.
static int commit_queued(Store *st, const Config *c, const Run *r, const SummaryRow *row, char *err) {
    int64_t n = r ? staged_size(st, c) : 0;
    int rc = SWEEP_OK, wake = 0;
    pthread_mutex_lock(&st->q_mu);
    int staged = r && n <= STAGE_CONFIG_MAX && st->fill.n_arena + n <= STAGE_MAX;
    if (!r || staged) {
        if (staged ? stage(st, c, r, row) != 0
                   : grow((void **)&st->fill.status, &st->fill.cap_status, st->fill.n_status + 1, sizeof *row) != 0)
            rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
        else if (!staged)
            st->fill.status[st->fill.n_status++] = *row;
        wake = st->fill.n_arena >= STAGE_WAKE;
    }
    if (rc == SWEEP_OK) rc = sync_error(st, err);
    pthread_mutex_unlock(&st->q_mu);
    if (wake) syncer_wake(st);
    if (!r || staged || rc != SWEEP_OK) return rc;
    // Written at once, outside q_mu; queued only once written.
    int64_t k = grid_hidden_index(st->grid, c->hyper.hidden_dim);
    pthread_mutex_lock(&st->io_mu);
    int bad = 0;
    for (int i = 0; i < st->n_curves; i++)
        bad |= write_rows(st->curves[i], H5T_NATIVE_DOUBLE, c->id, 1, c->hyper.epochs, r->curves[i], st->dxpl);
    bad |= write_weights(st, st->weights[k], c->weights_row, train_result_model(r));
    if (st->initial) bad |= write_weights(st, st->initial[k], c->weights_row, &r->initial);
    SummaryRow values = *row;
    values.status = STATUS_PENDING;
    bad |= write_rows(st->summary, st->summary_mem, row->id, 1, -1, &values, st->dxpl);
    pthread_mutex_unlock(&st->io_mu);
    if (bad) return write_failed(st, c->id, err);
    pthread_mutex_lock(&st->q_mu);
    if (grow((void **)&st->fill.status, &st->fill.cap_status, st->fill.n_status + 1, sizeof *row) != 0)
        rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    else
        st->fill.status[st->fill.n_status++] = *row;
    pthread_mutex_unlock(&st->q_mu);
    return rc;
}

static int commit(Store *st, const Config *c, const Run *r, const SummaryRow *row, char *err) {
    quiet_thread();
    if (!st->legacy_order && st->syncer_running) return commit_queued(st, c, r, row, err);
    pthread_mutex_lock(&st->io_mu);
    int rc = commit_now(st, c, r, row, err);
    pthread_mutex_unlock(&st->io_mu);
    return rc == SWEEP_OK ? syncer_mark_dirty(st, err) : rc;
}

int store_write_result(Store *st, const Config *c, const Run *r, char *err) {
    SummaryRow row;
    store_summary_row(&row, c, r);
    return commit(st, c, r, &row, err);
}

int store_read_curve_value(Store *st, int curve, int64_t id, int64_t epoch, double *out) {
    if (curve < 0 || curve >= st->n_curves || epoch < 1) return -1;
    pthread_mutex_lock(&st->io_mu);   // the syncer may be writing the file
    hid_t fsp = H5Dget_space(st->curves[curve]);
    hsize_t off[2] = {(hsize_t)id, (hsize_t)(epoch - 1)}, cnt[2] = {1, 1};
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
    hid_t msp = H5Screate_simple(2, cnt, NULL);
    herr_t rc = H5Dread(st->curves[curve], H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, out);
    H5Sclose(msp);
    H5Sclose(fsp);
    pthread_mutex_unlock(&st->io_mu);
    return rc < 0 ? -1 : 0;
}

int store_read_summary_row(Store *st, int64_t id, SummaryRow *out) {
    pending_row(out, id);
    pthread_mutex_lock(&st->io_mu);   // the syncer may be writing the file
    hid_t fsp = H5Dget_space(st->summary);
    hsize_t off = (hsize_t)id, cnt = 1;
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    hid_t msp = H5Screate_simple(1, &cnt, NULL);
    herr_t rc = H5Dread(st->summary, st->summary_mem, msp, fsp, H5P_DEFAULT, out);
    H5Sclose(msp);
    H5Sclose(fsp);
    pthread_mutex_unlock(&st->io_mu);
    return rc < 0 ? -1 : 0;
}

int store_write_failed(Store *st, const Config *c, char *err) {
    SummaryRow row;
    pending_row(&row, c->id);
    row.status = STATUS_FAILED;
    return commit(st, c, NULL, &row, err);
}

// Rewriting the root's status (a variable-length string) puts the new string in a new
// global heap collection at the end of the file, and the flush writes it together with the
// superblock's new end-of-file address, in either order. A power cut between the two could
// leave a superblock that points past the end of the file, which HDF5 refuses to open. So
// the file is first made longer than it will be, durably: whatever part of the rewrite
// reaches the disk, the file is long enough; after the flush it is cut to its true length
// (HDF5 does not know of the room, so it would not cut it).
static int make_room(Store *st) {
    haddr_t eoa = 0;
    if (st->fd < 0) return 0;
    if (H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0 || H5Fget_eoa(st->file, &eoa) < 0) return -1;
    return ftruncate(st->fd, (off_t)eoa + STATUS_ROOM) == 0 && fsync(st->fd) == 0 ? 0 : -1;
}

static int trim(Store *st) {
    haddr_t eoa = 0;
    if (st->fd < 0) return 0;
    return H5Fget_eoa(st->file, &eoa) >= 0 && ftruncate(st->fd, (off_t)eoa) == 0 ? 0 : -1;
}

int store_set_status(Store *st, const char *status, char *err) {
    pthread_mutex_lock(&st->io_mu);
    int bad = make_room(st) != 0 || store_attr_set(st->file, "status", status) != 0 ||
              H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0 || trim(st) != 0;
    pthread_mutex_unlock(&st->io_mu);
    if (bad) return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot write the status \"%s\" (disk full?)", st->path, status);
    return syncer_mark_dirty(st, err);
}

// ---------------------------------------------------------------------------------------
// Readers.

int store_open_read(const char *path, hid_t *file, char *err) {
    quiet_hdf5();
    hid_t fapl = file_access();
    *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (*file < 0) {
        int missing = access(path, F_OK) != 0;
        return fail(err, SWEEP_ERR_USAGE, "%s: %s", path, missing ? strerror(ENOENT) : "not an HDF5 file");
    }
    char format[64];
    if (store_attr_read(*file, "format", format, sizeof format) != 0 || strcmp(format, FORMAT_NAME) != 0) {
        H5Fclose(*file);
        *file = -1;
        return fail(err, SWEEP_ERR_USAGE, "%s: not a sweep results file (no format = \"%s\")", path, FORMAT_NAME);
    }
    return SWEEP_OK;
}

int store_attr_i64(hid_t obj, const char *name, int64_t *v) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t rc = H5Aread(a, H5T_NATIVE_INT64, v);
    H5Aclose(a);
    return rc < 0 ? -1 : 0;
}

int64_t store_format_version(hid_t file) {
    int64_t v = 0;
    return store_attr_i64(file, "format_version", &v) == 0 ? v : 0;
}

int store_read_splits(hid_t file, StoreSplits *s) {
    s->folds = s->repeats = 1;
    hid_t g = H5Gopen2(file, "data", H5P_DEFAULT);
    if (g < 0) return -1;
    int rc = store_attr_i64(g, "n_train", &s->n_train) | store_attr_i64(g, "n_test", &s->n_test);
    if (H5Aexists(g, "folds") > 0) rc |= store_attr_i64(g, "folds", &s->folds) | store_attr_i64(g, "repeats", &s->repeats);
    H5Gclose(g);
    return rc ? -1 : 0;
}

int store_n_curves(hid_t file) {
    return H5Lexists(file, "curves/val_loss", H5P_DEFAULT) > 0 ? N_CURVES : CURVE_VAL_LOSS;
}

int store_read_slice(hid_t file, const char *dataset, hid_t mem_type, int64_t start, int64_t n, void *out) {
    hid_t d = H5Dopen2(file, dataset, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t fsp = H5Dget_space(d);
    hsize_t off = (hsize_t)start, cnt = (hsize_t)n;
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    hid_t msp = H5Screate_simple(1, &cnt, NULL);
    herr_t rc = H5Dread(d, mem_type, msp, fsp, H5P_DEFAULT, out);
    H5Sclose(msp);
    H5Sclose(fsp);
    H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

hid_t store_status_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, 1);
    H5Tinsert(t, "status", 0, H5T_NATIVE_UINT8);
    return t;
}

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
    int rc = n == n_configs && store_read_slice(file, "summary", t, 0, n_configs, status) == 0 &&
             store_attr_read(file, "shard", shard, n_shard) == 0 ? SWEEP_OK : SWEEP_ERR_USAGE;
    if (rc != SWEEP_OK) memset(status, 0, (size_t)n_configs);
    H5Tclose(t);
    H5Fclose(file);
    return rc;
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
        hid_t ct = store_config_type(), stype = store_summary_type(), nt = config_names_type();
        ConfigNames *names = malloc((size_t)(*n ? *n : 1) * sizeof *names);
        // A version-1 file lacks some columns: they read as in a pending row (NaN, -1, 0); a file
        // from before the recipe axes lacks those: they read as their defaults.
        for (int64_t i = 0; *configs && *summary && names && i < *n; i++) {
            memset(&(*configs)[i], 0, sizeof **configs);
            (*configs)[i].momentum = axis_default(AXIS_MOMENTUM);
            (*configs)[i].weight_decay = axis_default(AXIS_WEIGHT_DECAY);
            for (int k = 0; k < 3; k++) put_name(names[i].name[k], NAME_AXES[k], (int64_t)axis_default(NAME_AXES[k]));
            pending_row(&(*summary)[i], i);
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


// Rows of a curve, read a slice at a time: a setting's replicates are mostly neighbours, and
// one read per row cost more than the whole sweep for many tiny configs.
typedef struct {
    hid_t dset;
    int64_t lo, n, cap, n_rows, E;   // holds rows [lo, lo + n); cap rows fit
    double *rows;
} RowCache;

static int cache_init(RowCache *rc, hid_t dset, int64_t n_rows, int64_t E) {
    memset(rc, 0, sizeof *rc);
    rc->dset = dset;
    rc->n_rows = n_rows;
    rc->E = E ? E : 1;
    rc->cap = (1 << 17) / rc->E > 1 ? (1 << 17) / rc->E : 1;   // about 1 MB
    rc->rows = malloc((size_t)(rc->cap * rc->E) * sizeof *rc->rows);
    return rc->rows ? 0 : -1;
}

static int cached_row(RowCache *rc, int64_t row, double *out) {
    if (row < rc->lo || row >= rc->lo + rc->n) {
        int64_t n = rc->n_rows - row < rc->cap ? rc->n_rows - row : rc->cap;
        hid_t fsp = H5Dget_space(rc->dset);
        hsize_t off[2] = {(hsize_t)row, 0}, cnt[2] = {(hsize_t)n, (hsize_t)rc->E};
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
        hid_t msp = H5Screate_simple(2, cnt, NULL);
        herr_t bad = H5Dread(rc->dset, H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, rc->rows);
        H5Sclose(msp);
        H5Sclose(fsp);
        rc->n = 0;
        if (bad < 0) return -1;
        rc->lo = row;
        rc->n = n;
    }
    memcpy(out, rc->rows + (row - rc->lo) * rc->E, (size_t)rc->E * sizeof *out);
    return 0;
}

int store_write_seed_stats(hid_t file, char *err) {
    ConfigRow *configs;
    SummaryRow *summary;
    int64_t n;
    int rc = store_read_tables(file, &configs, &summary, &n, err);
    if (rc) return rc;
    Groups g;
    if (stats_group(&g, configs, summary, n, STATS_SETTING_AXES) != 0) {
        free(configs); free(summary);
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    }
    hid_t table = H5Dopen2(file, "seed_stats", H5P_DEFAULT), mem = seed_stats_type();
    hid_t curve[N_CURVES], stat[2 * N_CURVES];
    int bad = table < 0, n_curves = store_n_curves(file);
    for (int c = 0; c < n_curves; c++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", CURVE_NAMES[c]);
        bad |= (curve[c] = H5Dopen2(file, name, H5P_DEFAULT)) < 0;
    }
    for (int c = 0; c < 2 * n_curves; c++) {
        char name[64];
        snprintf(name, sizeof name, "seed_stats_curves/%s", SEED_CURVE_NAMES[c]);
        bad |= (stat[c] = H5Dopen2(file, name, H5P_DEFAULT)) < 0;
    }
    int64_t E = 0;
    if (!bad) {
        hid_t sp = H5Dget_space(curve[0]);
        hsize_t dims[2];
        H5Sget_simple_extent_dims(sp, dims, NULL);
        H5Sclose(sp);
        E = (int64_t)dims[1];
    }
    // Members of every group, bucketed by group (counting sort), ids ascending.
    int64_t *start = calloc((size_t)g.n_groups + 1, sizeof *start), *member = malloc((size_t)(n ? n : 1) * sizeof *member);
    int64_t max_members = 0;
    for (int64_t k = 0; k < g.n_groups; k++) if (g.groups[k].n_configs > max_members) max_members = g.groups[k].n_configs;
    double *buf = malloc((size_t)((max_members ? max_members : 1) * (E ? E : 1)) * sizeof *buf);
    double *mean = malloc((size_t)(E ? E : 1) * sizeof *mean), *sd = malloc((size_t)(E ? E : 1) * sizeof *sd);
    RowCache cache[N_CURVES];
    int no_cache = 0;
    for (int c = 0; c < n_curves; c++) no_cache |= cache_init(&cache[c], bad ? -1 : curve[c], n, E) != 0;
    if (bad) rc = fail(err, SWEEP_ERR_USAGE, "results file without the seed statistics objects");
    else if (!start || !member || !buf || !mean || !sd || no_cache) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    if (rc == SWEEP_OK) {
        for (int64_t i = 0; i < n; i++) start[g.group_of[i] + 1]++;
        for (int64_t k = 0; k < g.n_groups; k++) start[k + 1] += start[k];
        int64_t *fill = calloc((size_t)g.n_groups + 1, sizeof *fill);
        if (!fill) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
        for (int64_t i = 0; fill && i < n; i++) member[start[g.group_of[i]] + fill[g.group_of[i]]++] = i;
        free(fill);
    }
    for (int64_t k = 0; rc == SWEEP_OK && k < g.n_groups; k++) {
        SeedStatsRow row;
        seed_stats_row(&row, k, &g.groups[k], &configs[g.groups[k].first]);
        if (write_rows(table, mem, k, 1, -1, &row, H5P_DEFAULT) != 0) rc = -1;
        for (int c = 0; rc == SWEEP_OK && c < n_curves; c++) {
            int64_t m = 0;
            for (int64_t j = start[k]; j < start[k + 1]; j++) {
                if (summary[member[j]].status != STATUS_DONE) continue;
                if (cached_row(&cache[c], member[j], buf + m * E) != 0) rc = -1;
                m++;
            }
            for (int64_t e = 0; e < E; e++) stats_moments(buf + e, m, E, &mean[e], &sd[e]);   // per epoch
            rc |= write_rows(stat[2 * c], H5T_NATIVE_DOUBLE, k, 1, -1, mean, H5P_DEFAULT);
            rc |= write_rows(stat[2 * c + 1], H5T_NATIVE_DOUBLE, k, 1, -1, sd, H5P_DEFAULT);
        }
        if (rc != SWEEP_OK) rc = fail(err, SWEEP_ERR_RUNTIME, "cannot write the seed statistics (disk full?)");
    }
    free(start); free(member); free(buf); free(mean); free(sd);
    for (int c = 0; c < n_curves; c++) free(cache[c].rows);
    if (table >= 0) H5Dclose(table);
    for (int c = 0; c < n_curves; c++) if (curve[c] >= 0) H5Dclose(curve[c]);
    for (int c = 0; c < 2 * n_curves; c++) if (stat[c] >= 0) H5Dclose(stat[c]);
    H5Tclose(mem);
    stats_free(&g);
    free(configs);
    free(summary);
    return rc;
}

// True when no config in the file is pending (a shard's file has other shards' rows pending).
static int all_finished(hid_t file) {
    ConfigRow *c;
    SummaryRow *s;
    int64_t n;
    char err[ERR_LEN];
    if (store_read_tables(file, &c, &s, &n, err) != 0) return 0;
    int all = 1;
    for (int64_t i = 0; i < n; i++) all &= s[i].status != STATUS_PENDING;
    free(c);
    free(s);
    return all;
}

// The last round, by hand, once the syncer has stopped: rows still queued are synced and
// their statuses written (the fsync after them comes at the close). Reports any error a
// background round left.
static int drain(Store *st, char *err) {
    syncer_stop(st);
    if (st->fd < 0) return SWEEP_OK;
    sync_round(st);
    pthread_mutex_lock(&st->q_mu);
    int rc = sync_error(st, err);
    pthread_mutex_unlock(&st->q_mu);
    return rc;
}

int store_close(Store *st, const char *status, char *err) {
    int rc = drain(st, err);
    if (rc != SWEEP_OK) {
        store_abandon(st);
        return rc;
    }
    if (strcmp(status, "complete") == 0 && all_finished(st->file) && store_write_seed_stats(st->file, err) != SWEEP_OK)
        // Derived numbers only: every result is already safe, and `sweep report` computes them too.
        fprintf(stderr, "sweep: warning: %s; /seed_stats left unfilled\n", err);
    rc = store_set_status(st, status, err);
    st->fd = -1;
    close_handles(st);
    // The statuses, the final status and whatever HDF5 wrote at close, on disk before we
    // say "done".
    int fd = open(st->path, O_RDONLY | O_CLOEXEC);
    if ((fd < 0 || fsync(fd) != 0) && rc == SWEEP_OK)
        rc = fail(err, SWEEP_ERR_RUNTIME, "%s: fsync failed: %s", st->path, strerror(errno));
    if (fd >= 0) close(fd);
    lock_release(st);
    store_free(st);
    return rc;
}

void store_abandon(Store *st) {
    char err[ERR_LEN];
    // Best effort after a failure: the configs committed before it get their statuses.
    if (drain(st, err) == SWEEP_OK && st->fd >= 0) fsync(st->fd);
    st->fd = -1;
    close_handles(st);
    lock_release(st);
    store_free(st);
}

double store_estimate_bytes(const Grid *g, const Dataset *d, int save_initial_weights) {
    double E = (double)g->max_epochs, n_settings = (double)g->n_settings, D = (double)d->n_features;
    double n_curves = curves_for(d);
    double per_config = (double)sizeof(ConfigFileRow) + (double)sizeof(SummaryRow) + 8.0;  // + the config scale
    double bytes = (double)g->n_configs * (per_config + n_curves * 8.0 * E);
    bytes += n_settings * ((double)sizeof(SeedStatsRow) + 8.0 + 2 * n_curves * 8.0 * E);  // seed statistics
    if (d->n_folds >= 2)   // the folds and each split's scaling
        bytes += (double)(d->n_repeats * d->n_train) * 4.0 + (double)(d->n_repeats * d->n_folds) * 16.0 * D;
    double weights = 0.0;
    for (int64_t k = 0; k < g->n_hidden; k++) {
        double H = (double)g->hidden_dims[k];
        weights += (double)g->n_per_hidden[k] * 8.0 * (D * H + 2.0 * H + 2.0);  // + config_id
    }
    return bytes + weights * (save_initial_weights ? 2.0 : 1.0) + 64.0 * 1024.0;  // + metadata
}
