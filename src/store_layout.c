// store_layout.c: the results file's layout at creation (see store_layout.h). The layout
// follows shared/notes/hdf5-crash-safety.md: contiguous datasets allocated at creation, no
// object timestamps, metadata written once, so that afterwards only raw data is written.
#include "store_layout.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hdf5_hl.h>
#include "fsutil.h"
#include "h5util.h"
#include "sweep.h"

#define ROWS_PER_WRITE 4096  // tables are written at creation in slices of this many rows

// ---------------------------------------------------------------------------------------
// Tables of axes. /configs and /seed_stats have a column per axis, in the table's order
// (axis.h), among columns of their own. A row of either is laid out in memory as a C struct
// of its columns would be: each column at the next multiple of its alignment (a name's is
// 1), the row a multiple of 8 bytes; the file's type is that compound packed (h5util_packed).
// An axis's column is int64 for an int, float64 for a real, int8 for a bool and the
// fixed-length name string (ROWS_NAME_LEN bytes) for a name.

typedef enum { COL_I64, COL_I32, COL_I8, COL_F64, COL_NAME } ColType;

enum { MAX_COLS = 64 };

typedef struct {
    const char *name;   // NULL for a stat's mean or std: mean_<STAT_NAMES[stat]>, or std_ when std
    int stat, std;
    ColType type;
    size_t offset;
} Col;

typedef struct {
    Col col[MAX_COLS];
    int n;
    size_t size;          // bytes of a row, padding included
    size_t at[N_AXES];    // each axis's column (axes of the row only)
} Layout;

static size_t col_size(ColType t) {
    switch (t) {
    case COL_I32: return sizeof(int32_t);
    case COL_I8: return sizeof(int8_t);
    case COL_NAME: return ROWS_NAME_LEN;
    default: return sizeof(int64_t);
    }
}

static size_t add_col(Layout *L, const char *name, ColType t) {
    assert(L->n < MAX_COLS);
    size_t align = t == COL_NAME ? 1 : col_size(t);
    size_t at = (L->size + align - 1) / align * align;
    L->col[L->n++] = (Col){.name = name, .type = t, .offset = at};
    L->size = at + col_size(t);
    return at;
}

// The axes of the mask (AXIS_BIT), in the table's order.
static void add_axes(Layout *L, unsigned axes) {
    static const ColType BY_KIND[] = {[AXIS_INT] = COL_I64, [AXIS_REAL] = COL_F64, [AXIS_BOOL] = COL_I8,
                                      [AXIS_NAME] = COL_NAME};
    for (int a = 0; a < N_AXES; a++)
        if (axes & AXIS_BIT(a)) L->at[a] = add_col(L, axis_name((AxisId)a), BY_KIND[axis_kind((AxisId)a)]);
}

static void finish(Layout *L) { L->size = (L->size + 7) / 8 * 8; }

// The memory type of a row of L.
static hid_t layout_type(const Layout *L) {
    hid_t t = H5Tcreate(H5T_COMPOUND, L->size), name = h5util_name_type(ROWS_NAME_LEN);
    for (int i = 0; i < L->n; i++) {
        const Col *c = &L->col[i];
        hid_t type = c->type == COL_I64 ? H5T_NATIVE_INT64 : c->type == COL_I32 ? H5T_NATIVE_INT32
                   : c->type == COL_I8 ? H5T_NATIVE_INT8 : c->type == COL_F64 ? H5T_NATIVE_DOUBLE : name;
        char stat[64];
        if (!c->name) snprintf(stat, sizeof stat, "%s_%s", c->std ? "std" : "mean", STAT_NAMES[c->stat]);
        H5Tinsert(t, c->name ? c->name : stat, c->offset, type);
    }
    H5Tclose(name);
    return t;
}

static void put_i64(unsigned char *row, size_t at, int64_t v) { memcpy(row + at, &v, sizeof v); }
static void put_i32(unsigned char *row, size_t at, int32_t v) { memcpy(row + at, &v, sizeof v); }
static void put_f64(unsigned char *row, size_t at, double v) { memcpy(row + at, &v, sizeof v); }

// The values of h's axes of the mask, in their columns of a row of L.
static void put_axes(unsigned char *row, const Layout *L, unsigned axes, const Hyper *h) {
    for (int a = 0; a < N_AXES; a++) {
        if (!(axes & AXIS_BIT(a))) continue;
        int64_t v = axis_get_i64(h, (AxisId)a);
        switch (axis_kind((AxisId)a)) {
        case AXIS_REAL: put_f64(row, L->at[a], axis_get_f64(h, (AxisId)a)); break;
        case AXIS_BOOL: row[L->at[a]] = (unsigned char)(int8_t)v; break;
        case AXIS_NAME: store_layout_put_name((char *)row + L->at[a], (AxisId)a, v); break;
        default: put_i64(row, L->at[a], v); break;
        }
    }
}

// /configs as the file has it (DESIGN section 4): id, every axis, repeat, fold, weights_row;
// names as strings (fixed-length, NUL-terminated ASCII; h5py: bytes of dtype S16).
typedef struct {
    Layout L;
    size_t id, repeat, fold, weights_row;
} ConfigLayout;

#define ALL_AXES ((1u << N_AXES) - 1)

static void config_layout(ConfigLayout *c) {
    memset(c, 0, sizeof *c);
    c->id = add_col(&c->L, "id", COL_I64);
    add_axes(&c->L, ALL_AXES);
    c->repeat = add_col(&c->L, "repeat", COL_I32);
    c->fold = add_col(&c->L, "fold", COL_I32);
    c->weights_row = add_col(&c->L, "weights_row", COL_I64);
    finish(&c->L);
}

static void config_file_row(unsigned char *f, const ConfigLayout *c, const ConfigRow *r) {
    memset(f, 0, c->L.size);
    put_i64(f, c->id, r->id);
    put_axes(f, &c->L, ALL_AXES, &r->hyper);
    put_i32(f, c->repeat, r->hyper.repeat);
    put_i32(f, c->fold, r->hyper.fold);
    put_i64(f, c->weights_row, r->weights_row);
}

// ConfigRow as read back: id, every axis but the name axes (store_read_tables reads those by
// name), repeat, fold and weights_row, each in its field's own type (seed as int64, as the
// file has it).
hid_t store_config_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ConfigRow));
    H5Tinsert(t, "id", HOFFSET(ConfigRow, id), H5T_NATIVE_INT64);
    for (int a = 0; a < N_AXES; a++) {
        const AxisInfo *r = axis_info((AxisId)a);
        if (r->kind == AXIS_NAME) continue;
        hid_t type = r->ctype == AXIS_C_F64 ? H5T_NATIVE_DOUBLE : r->ctype == AXIS_C_INT ? H5T_NATIVE_INT
                   : r->ctype == AXIS_C_U8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_INT64;
        H5Tinsert(t, r->name, HOFFSET(ConfigRow, hyper) + r->offset, type);
    }
    H5Tinsert(t, "repeat", HOFFSET(ConfigRow, hyper.repeat), H5T_NATIVE_INT32);
    H5Tinsert(t, "fold", HOFFSET(ConfigRow, hyper.fold), H5T_NATIVE_INT32);
    H5Tinsert(t, "weights_row", HOFFSET(ConfigRow, weights_row), H5T_NATIVE_INT64);
    return t;
}

void store_layout_put_name(char out[ROWS_NAME_LEN], AxisId a, int64_t code) {
    memset(out, 0, ROWS_NAME_LEN);
    snprintf(out, ROWS_NAME_LEN, "%s", axis_value_name(a, code));
}

// ---------------------------------------------------------------------------------------
// Types.

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

hid_t store_status_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, 1);
    H5Tinsert(t, "status", 0, H5T_NATIVE_UINT8);
    return t;
}

// ---------------------------------------------------------------------------------------
// Rows at creation.

// Field by field through the table of axes, so that the row's padding stays zero (sweep verify
// compares rows whole).
void store_config_row(ConfigRow *row, const Config *c) {
    memset(row, 0, sizeof *row);
    row->id = c->id;
    for (int a = 0; a < N_AXES; a++) {
        if (axis_is_real((AxisId)a)) axis_set_f64(&row->hyper, (AxisId)a, axis_get_f64(&c->hyper, (AxisId)a));
        else axis_set_i64(&row->hyper, (AxisId)a, axis_get_i64(&c->hyper, (AxisId)a));
    }
    row->hyper.repeat = c->hyper.repeat;
    row->hyper.fold = c->hyper.fold;
    row->weights_row = c->weights_row;
}

void store_layout_pending_row(SummaryRow *row, int64_t id) {
    memset(row, 0, sizeof *row);
    row->id = id;
    row->status = STATUS_PENDING;
    row->final_train_loss = row->final_train_acc = NAN;
    row->final_test_loss = row->final_test_acc = row->best_test_acc = NAN;
    row->final_val_loss = row->final_val_acc = row->best_val_loss = NAN;
    row->best_epoch = row->best_val_epoch = -1;
    row->train_seconds = NAN;
}

// ---------------------------------------------------------------------------------------
// Creation.

static int create_root_attrs(hid_t file, const StoreMeta *m, const Grid *g) {
    char created[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int rc = 0;
    rc |= h5util_attr_set(file, "format", STORE_FORMAT_NAME);
    rc |= h5util_attr_set(file, "name", m->name);
    rc |= h5util_attr_put_i64(file, "format_version", STORE_FORMAT_VERSION);
    rc |= h5util_attr_set(file, "sweep_version", SWEEP_VERSION);
    rc |= h5util_attr_set(file, "created", created);
    rc |= h5util_attr_set(file, "spec", m->spec_text);
    rc |= h5util_attr_set(file, "spec_sha256", m->spec_sha256);
    rc |= h5util_attr_set(file, "command", m->command);
    rc |= h5util_attr_set(file, "host", m->host);
    rc |= h5util_attr_put_i64(file, "n_configs", g->n_configs);
    rc |= h5util_attr_set(file, "shard", m->shard);
    rc |= h5util_attr_set(file, "status", "running");
    return rc;
}

// /data/folds [repeats, n_train] and each split's scaling [repeats * folds, n_features].
static int create_split_data(hid_t g, const Dataset *d) {
    int64_t J = d->n_repeats * d->n_folds;
    int rc = h5util_write_matrix(g, "folds", H5T_STD_I32LE, H5T_NATIVE_INT32, d->n_repeats, d->n_train, d->folds);
    rc |= h5util_write_matrix(g, "split_feature_offset", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, J, d->n_features,
                              d->split_offset);
    rc |= h5util_write_matrix(g, "split_feature_scale", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, J, d->n_features,
                              d->split_scale);
    return rc;
}

static int create_data_group(hid_t file, const StoreMeta *m, const Dataset *d) {
    hid_t g = h5util_group_create(file, "data");
    if (g < 0) return -1;
    int rc = 0;
    rc |= h5util_attr_set(g, "source", m->source);
    rc |= h5util_attr_put_i64(g, "n_samples", d->n_samples);
    rc |= h5util_attr_put_i64(g, "n_features", d->n_features);
    rc |= h5util_attr_put_i64(g, "n_train", d->n_train);
    rc |= h5util_attr_put_i64(g, "n_test", d->n_test);
    rc |= h5util_attr_put_f64(g, "test_fraction", m->test_fraction);
    rc |= h5util_attr_put_i64(g, "split_seed", (int64_t)m->split_seed);
    rc |= h5util_attr_set(g, "scale", data_scale_name(m->scale));
    rc |= h5util_attr_put_i64(g, "folds", d->n_folds);
    rc |= h5util_attr_put_i64(g, "repeats", d->n_repeats);
    rc |= store_task_write(g, d);   // (v3) the task, its classes or its target scaling
    rc |= h5util_write_all(g, "train_index", H5T_STD_I64LE, H5T_NATIVE_INT64, d->n_train, d->train_index);
    rc |= h5util_write_all(g, "test_index", H5T_STD_I64LE, H5T_NATIVE_INT64, d->n_test, d->test_index);
    rc |= h5util_write_all(g, "feature_offset", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, d->n_features, d->feature_offset);
    rc |= h5util_write_all(g, "feature_scale", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, d->n_features, d->feature_scale);
    hid_t st = h5util_string_type();
    rc |= h5util_write_all(g, "feature_names", st, st, d->n_features, d->feature_names);
    H5Tclose(st);
    if (d->n_folds >= 2) rc |= create_split_data(g, d);
    H5Gclose(g);
    return rc;
}

// /configs and /summary (every row pending), written in slices so memory stays flat.
static int create_tables(hid_t file, const Grid *g, Task task) {
    ConfigLayout cl;
    config_layout(&cl);
    hid_t cmem = layout_type(&cl.L), smem = store_task_compound(store_summary_type(), task);
    hid_t cfile = h5util_packed(cmem), sfile = h5util_packed(smem);
    hsize_t dims[1] = {(hsize_t)g->n_configs};
    hid_t cd = h5util_dataset_create(file, "configs", cfile, 1, dims, H5UTIL_FILL_NONE);
    hid_t sd = h5util_dataset_create(file, "summary", sfile, 1, dims, H5UTIL_FILL_NONE);
    unsigned char *crow = malloc(ROWS_PER_WRITE * cl.L.size);
    SummaryRow *srow = malloc(ROWS_PER_WRITE * sizeof *srow);
    int rc = (cd < 0 || sd < 0 || !crow || !srow) ? -1 : 0;
    for (int64_t start = 0; rc == 0 && start < g->n_configs; start += ROWS_PER_WRITE) {
        int64_t n = g->n_configs - start < ROWS_PER_WRITE ? g->n_configs - start : ROWS_PER_WRITE;
        for (int64_t i = 0; i < n; i++) {
            ConfigRow row;
            store_config_row(&row, &g->configs[start + i]);
            config_file_row(crow + (size_t)i * cl.L.size, &cl, &row);
            store_layout_pending_row(&srow[i], start + i);
        }
        rc |= h5util_write_rows(cd, cmem, start, n, -1, crow, H5P_DEFAULT);
        rc |= h5util_write_rows(sd, smem, start, n, -1, srow, H5P_DEFAULT);
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
    int rc = h5util_write_all(grp, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, v);
    free(v);
    hid_t d = rc == 0 ? H5Dopen2(grp, name, H5P_DEFAULT) : -1;
    if (d < 0 || H5DSset_scale(d, name) < 0) rc = -1;
    for (int i = 0; rc == 0 && i < n_attach; i++)
        if (H5DSattach_scale(attach[i], d, dim) < 0) rc = -1;
    if (d >= 0) H5Dclose(d);
    return rc;
}

// A group of NaN-filled [rows, max_epochs] curves with (row_dim, epoch) dimension scales, the
// names as the task has them.
static int create_curve_group(hid_t file, const char *group, const char *const *names, int n_names, Task task,
                              const char *row_dim, int64_t rows, int64_t max_epochs) {
    hid_t grp = h5util_group_create(file, group);
    if (grp < 0) return -1;
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)max_epochs};
    hid_t d[2 * N_CURVES];
    int rc = 0, n = 0;
    for (int c = 0; c < n_names; c++) {
        char name[64];
        store_task_name(names[c], task, name, sizeof name);
        d[n] = h5util_dataset_create(grp, name, H5T_IEEE_F64LE, 2, dims, H5UTIL_FILL_NAN);
        if (d[n] < 0) rc = -1; else n++;
    }
    if (rc == 0) rc |= scale_create(grp, row_dim, rows, d, n, 0);
    if (rc == 0) rc |= scale_create(grp, "epoch", max_epochs, d, n, 1);
    for (int i = 0; i < n; i++) H5Dclose(d[i]);
    H5Gclose(grp);
    return rc;
}

// The curves a file has: the val curves only with validation folds.
int store_layout_curves_for(const Dataset *d) { return d->n_folds >= 2 ? N_CURVES : CURVE_VAL_LOSS; }

static int create_curves(hid_t file, const Grid *g, const Dataset *d) {
    return create_curve_group(file, "curves", CURVE_NAMES, store_layout_curves_for(d), d->task, "config",
                              g->n_configs, g->max_epochs);
}

// ---------------------------------------------------------------------------------------
// Seed statistics: one row per setting (every axis but seed), created with everything else
// and filled once every config is finished (store_seedstats.c).

// /seed_stats: setting, the axes of a setting (every axis but seed), the counts, and the mean
// and std of each stat in turn.
typedef struct {
    Layout L;
    size_t setting, n_replicates, n_done, n_diverged, n_pruned, moments;
} SeedStatsLayout;

static void seed_stats_layout(SeedStatsLayout *s) {
    memset(s, 0, sizeof *s);
    s->setting = add_col(&s->L, "setting", COL_I64);
    add_axes(&s->L, STATS_SETTING_AXES);
    s->n_replicates = add_col(&s->L, "n_replicates", COL_I64);
    s->n_done = add_col(&s->L, "n_done", COL_I64);
    s->n_diverged = add_col(&s->L, "n_diverged", COL_I64);
    s->n_pruned = add_col(&s->L, "n_pruned", COL_I64);
    for (int k = 0; k < 2 * N_STATS; k++) {
        size_t at = add_col(&s->L, NULL, COL_F64);
        if (k == 0) s->moments = at;
        s->L.col[s->L.n - 1].stat = k / 2;
        s->L.col[s->L.n - 1].std = k % 2;
    }
    finish(&s->L);
    assert(s->L.size <= sizeof(SeedStatsRow));
}

hid_t store_layout_seed_stats_type(void) {
    SeedStatsLayout s;
    seed_stats_layout(&s);
    return layout_type(&s.L);
}

const char *const STORE_SEED_CURVE_NAMES[2 * N_CURVES] = {
    "train_loss_mean", "train_loss_std", "train_acc_mean", "train_acc_std",
    "test_loss_mean",  "test_loss_std",  "test_acc_mean",  "test_acc_std",
    "val_loss_mean",   "val_loss_std",   "val_acc_mean",   "val_acc_std"};

hid_t store_layout_config_file_type(void) {
    ConfigLayout cl;
    config_layout(&cl);
    return layout_type(&cl.L);
}

size_t store_layout_seed_stats_moments(void) {
    SeedStatsLayout s;
    seed_stats_layout(&s);
    return s.moments;
}

void store_layout_seed_stats_row(SeedStatsRow *row, int64_t k, const GroupStats *gs, const ConfigRow *c) {
    SeedStatsLayout s;
    seed_stats_layout(&s);
    unsigned char *r = row->bytes;
    memset(r, 0, sizeof row->bytes);
    put_i64(r, s.setting, k);
    put_axes(r, &s.L, STATS_SETTING_AXES, &c->hyper);
    put_i64(r, s.n_replicates, gs->n_configs);
    put_i64(r, s.n_done, gs->n_done);
    put_i64(r, s.n_diverged, gs->n_diverged);
    put_i64(r, s.n_pruned, gs->n_pruned);
    for (int m = 0; m < N_STATS; m++) {
        put_f64(r, s.moments + (size_t)(2 * m) * sizeof(double), gs->mean[m]);
        put_f64(r, s.moments + (size_t)(2 * m + 1) * sizeof(double), gs->std[m]);
    }
}

// The settings are known before training: the table is written now with counts and NaNs.
static int create_seed_stats(hid_t file, const Grid *g, int n_curves, Task task) {
    ConfigRow *rows = malloc((size_t)g->n_configs * sizeof *rows);
    if (!rows) return -1;
    for (int64_t i = 0; i < g->n_configs; i++) store_config_row(&rows[i], &g->configs[i]);
    Groups groups;
    int rc = stats_group(&groups, rows, NULL, g->n_configs, STATS_SETTING_AXES);
    hid_t mem = store_task_compound(store_layout_seed_stats_type(), task), ftype = h5util_packed(mem);
    hsize_t dims[1] = {(hsize_t)groups.n_groups};
    hid_t d = rc == 0 ? h5util_dataset_create(file, "seed_stats", ftype, 1, dims, H5UTIL_FILL_NONE) : -1;
    if (d < 0) rc = -1;
    for (int64_t k = 0; rc == 0 && k < groups.n_groups; k++) {
        SeedStatsRow row;
        store_layout_seed_stats_row(&row, k, &groups.groups[k], &rows[groups.groups[k].first]);
        rc |= h5util_write_rows(d, mem, k, 1, -1, &row, H5P_DEFAULT);
    }
    if (d >= 0) H5Dclose(d);
    H5Tclose(mem);
    H5Tclose(ftype);
    if (rc == 0)
        rc = create_curve_group(file, "seed_stats_curves", STORE_SEED_CURVE_NAMES, 2 * n_curves, task, "setting",
                                groups.n_groups, g->max_epochs);
    stats_free(&groups);
    free(rows);
    return rc;
}

// /weights or /initial_weights: one group per hidden size with W1, b1, W2, b2, config_id; O
// outputs (W2 [n_H, H] and b2 [n_H] when O = 1, [n_H, H, O] and [n_H, O] when O > 1).
static int create_weights(hid_t file, const char *name, const Grid *g, int64_t D, int64_t O) {
    hid_t top = h5util_group_create(file, name);
    if (top < 0) return -1;
    int rc = 0;
    int64_t *ids = malloc((size_t)g->n_configs * sizeof(int64_t));
    if (!ids) rc = -1;
    for (int64_t k = 0; rc == 0 && k < g->n_hidden; k++) {
        int64_t H = g->hidden_dims[k], n_H = g->n_per_hidden[k];
        char gname[64];
        snprintf(gname, sizeof gname, "hidden_%lld", (long long)H);
        hid_t grp = h5util_group_create(top, gname);
        if (grp < 0) { rc = -1; break; }
        for (int p = 0; p < MLP_N_PARAMS; p++) {   // [n_H, the parameter's shape]
            int64_t shape[2];
            int rank = mlp_param_shape(p, D, H, O, shape);
            hsize_t dims[3] = {(hsize_t)n_H};
            for (int i = 0; i < rank; i++) dims[i + 1] = (hsize_t)shape[i];
            hid_t d = h5util_dataset_create(grp, MLP_PARAM_NAMES[p], H5T_IEEE_F64LE, rank + 1, dims, H5UTIL_FILL_NONE);
            if (d < 0) rc = -1; else H5Dclose(d);
        }
        int64_t n = 0;
        for (int64_t i = 0; i < g->n_configs; i++)
            if (g->configs[i].hyper.hidden_dim == H) ids[n++] = g->configs[i].id;
        rc |= h5util_write_all(grp, "config_id", H5T_STD_I64LE, H5T_NATIVE_INT64, n, ids);
        H5Gclose(grp);
    }
    free(ids);
    H5Gclose(top);
    return rc;
}

int store_layout_build(const char *tmp_path, const StoreMeta *meta, const Grid *grid, const Dataset *data) {
    hid_t fapl = h5util_file_access();
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, 0);
    hid_t file = H5Fcreate(tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (file < 0) return -1;
    int rc = 0;
    rc |= create_root_attrs(file, meta, grid);
    rc |= create_data_group(file, meta, data);
    int64_t O = train_task_of(data).n_out;
    rc |= create_tables(file, grid, data->task);
    rc |= create_curves(file, grid, data);
    rc |= create_seed_stats(file, grid, store_layout_curves_for(data), data->task);
    rc |= create_weights(file, "weights", grid, data->n_features, O);
    if (meta->save_initial_weights) rc |= create_weights(file, "initial_weights", grid, data->n_features, O);
    if (H5Fclose(file) < 0) rc = -1;
    if (rc == 0 && fsutil_fsync_file(tmp_path) != 0) rc = -1;
    return rc;
}

// ---------------------------------------------------------------------------------------
// The datasets a config's rows live in.

int store_layout_open_rows(StoreRows *r, hid_t file, int n_curves, const int64_t *hidden, int64_t n_hidden,
                           int with_initial) {
    memset(r, 0, sizeof *r);
    r->n_curves = n_curves;
    r->n_hidden = n_hidden;
    Task task = store_file_task(file);   // the curves' names
    r->weights = calloc((size_t)(n_hidden ? n_hidden : 1), sizeof *r->weights);
    r->initial = with_initial ? calloc((size_t)(n_hidden ? n_hidden : 1), sizeof *r->initial) : NULL;
    if (!r->weights || (with_initial && !r->initial)) return ENOMEM;
    int bad = (r->summary = H5Dopen2(file, "summary", H5P_DEFAULT)) < 0;
    for (int c = 0; c < n_curves; c++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", train_curve_name(c, task == TASK_REGRESSION));
        bad |= (r->curves[c] = H5Dopen2(file, name, H5P_DEFAULT)) < 0;
    }
    for (int64_t k = 0; k < n_hidden; k++)
        for (int p = 0; p < MLP_N_PARAMS; p++) {
            char name[128];
            snprintf(name, sizeof name, "weights/hidden_%lld/%s", (long long)hidden[k], MLP_PARAM_NAMES[p]);
            bad |= (r->weights[k][p] = H5Dopen2(file, name, H5P_DEFAULT)) < 0;
            if (r->initial) {
                snprintf(name, sizeof name, "initial_weights/hidden_%lld/%s", (long long)hidden[k], MLP_PARAM_NAMES[p]);
                bad |= (r->initial[k][p] = H5Dopen2(file, name, H5P_DEFAULT)) < 0;
            }
        }
    return bad ? -1 : 0;
}

void store_layout_close_rows(StoreRows *r) {
    if (r->summary > 0) H5Dclose(r->summary);
    for (int c = 0; c < r->n_curves; c++)
        if (r->curves[c] > 0) H5Dclose(r->curves[c]);
    for (int64_t k = 0; k < r->n_hidden; k++)
        for (int p = 0; p < MLP_N_PARAMS; p++) {
            if (r->weights && r->weights[k][p] > 0) H5Dclose(r->weights[k][p]);
            if (r->initial && r->initial[k][p] > 0) H5Dclose(r->initial[k][p]);
        }
    free(r->weights);
    free(r->initial);
    memset(r, 0, sizeof *r);
}

// ---------------------------------------------------------------------------------------

double store_estimate_bytes(const Grid *g, const Dataset *d, int save_initial_weights) {
    double E = (double)g->max_epochs, n_settings = (double)g->n_settings, D = (double)d->n_features;
    double n_curves = store_layout_curves_for(d);
    ConfigLayout cl;
    SeedStatsLayout sl;
    config_layout(&cl);
    seed_stats_layout(&sl);
    double per_config = (double)cl.L.size + (double)sizeof(SummaryRow) + 8.0;  // + the config scale
    double bytes = (double)g->n_configs * (per_config + n_curves * 8.0 * E);
    bytes += n_settings * ((double)sl.L.size + 8.0 + 2 * n_curves * 8.0 * E);  // seed statistics
    if (d->n_folds >= 2)   // the folds and each split's scaling (and target scaling, for regression)
        bytes += (double)(d->n_repeats * d->n_train) * 4.0 +
                 (double)(d->n_repeats * d->n_folds) * 16.0 * (D + (d->task == TASK_REGRESSION));
    double weights = 0.0;
    int64_t O = train_task_of(d).n_out;
    for (int64_t k = 0; k < g->n_hidden; k++) {
        int64_t row = 1;   // a config's weights and its config_id
        for (int p = 0; p < MLP_N_PARAMS; p++) row += mlp_param_count(p, d->n_features, g->hidden_dims[k], O);
        weights += (double)g->n_per_hidden[k] * 8.0 * (double)row;
    }
    return bytes + weights * (save_initial_weights ? 2.0 : 1.0) + 64.0 * 1024.0;  // + metadata
}
