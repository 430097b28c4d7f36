// store_read.c: reading a results file back (see store_read.h).
#include "store_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "h5util.h"
#include "mlp.h"
#include "spec.h"
#include "store_layout.h"
#include "sweep.h"
#include "train.h"

// ---------------------------------------------------------------------------------------
// Opening, and small things.

// A string whose heap is damaged (HDF5 parses a heap collection whole, so one damaged object
// makes every string in it unreadable) is a damaged file, not another kind of file.
int store_format_damaged(hid_t file, const char *path, char *err) {
    if (H5Aexists(file, "format") <= 0 || h5util_vlen_check(file, "format") == 1) return 0;
    fail(err, SWEEP_ERR_USAGE, "%s: /: attribute \"format\" is damaged (its type or its value is not what sweep writes)",
         path);
    return 1;
}

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
        int damaged = store_format_damaged(*file, path, err);
        H5Fclose(*file);
        *file = -1;
        if (damaged) return SWEEP_ERR_USAGE;
        return fail(err, SWEEP_ERR_USAGE, "%s: not a sweep results file (no format = \"%s\")", path, STORE_FORMAT_NAME);
    }
    int rc = store_check(*file, err);
    if (rc != SWEEP_OK) {
        H5Fclose(*file);
        *file = -1;
    }
    return rc;
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

// ---------------------------------------------------------------------------------------
// Checks. A results file is input like a spec (DESIGN section 4): every value a reader uses
// is checked here before it is used, and a file that fails a check is refused (2) with one
// line naming the file and the object at fault. Every reader comes through here: the
// read-only ones open the file with store_open_read, which runs store_check, and every
// reader of the tables (report, compare, verify, html, the seed statistics, the store's own
// end) reads them with store_read_tables, which checks what it returns the same way.

#define CHECK_SLICE 4096   // rows read at once by store_check

typedef struct {
    char path[512];
    int64_t n;                     // configs: the root's n_configs, the rows of every table
    StoreSplits splits;
    int64_t n_features, max_epochs;
    int64_t n_hidden;
    int64_t *hidden, *rows;        // the /weights groups: hidden sizes ascending, rows of each
    int64_t *first_bit, *count;    // each group's first bit in seen_row; configs of each size
    uint8_t *seen_config, *seen_summary, *seen_row;   // bitmaps: ids met, weights rows met
    int64_t misplaced[2];          // the first row of /configs, /summary whose id is not its row (-1)
    Task task;                     // the file's (store_file_task): names its curves and columns
    char odd[64];                  // a link under /weights that is not a hidden_<H> group
} Check;

static void check_free(Check *c) {
    free(c->hidden); free(c->rows); free(c->first_bit); free(c->count);
    free(c->seen_config); free(c->seen_summary); free(c->seen_row);
    memset(c, 0, sizeof *c);
}

// "PATH: what", exit status 2.
static int bad(const Check *c, char *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(const Check *c, char *err, const char *fmt, ...) {
    char what[ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return fail(err, SWEEP_ERR_USAGE, "%s: %s", c->path, what);
}

static int test_and_set(uint8_t *bits, int64_t i) {
    int was = bits[i >> 3] >> (i & 7) & 1;
    bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    return was;
}

// The extent of a dataset: its rank (at most 3 dimensions read), or -1 when it is missing or
// not a simple dataset.
static int extent(hid_t file, const char *name, hsize_t dims[3]) {
    dims[0] = dims[1] = dims[2] = 0;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    int rank = sp >= 0 && H5Sget_simple_extent_type(sp) == H5S_SIMPLE ? H5Sget_simple_extent_ndims(sp) : -1;
    hsize_t all[H5S_MAX_RANK];
    if (rank >= 1 && H5Sget_simple_extent_dims(sp, all, NULL) == rank)
        for (int i = 0; i < rank && i < 3; i++) dims[i] = all[i];
    else
        rank = -1;
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(d);
    return rank;
}

static void show_dims(char *out, size_t n, const hsize_t *dims, int rank) {
    size_t len = (size_t)snprintf(out, n, "[");
    for (int i = 0; i < rank && i < 3 && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
    if (len < n) snprintf(out + len, n - len, "]");
}

// Dataset `name` must have exactly this shape (rank dims of want); `why` says where the
// expected shape comes from.
static int shape_is(const Check *c, hid_t file, const char *name, int rank, const int64_t *want, const char *why,
                    char *err) {
    hsize_t dims[3];
    int r = extent(file, name, dims);
    if (r < 0) return bad(c, err, "/%s: missing, or not a dataset", name);
    int same = r == rank;
    for (int i = 0; same && i < rank; i++) same = dims[i] == (hsize_t)want[i];
    if (same) return SWEEP_OK;
    char got[96], expected[96];
    hsize_t w[3] = {0};
    for (int i = 0; i < rank && i < 3; i++) w[i] = (hsize_t)want[i];
    show_dims(got, sizeof got, dims, r);
    show_dims(expected, sizeof expected, w, rank);
    return bad(c, err, "/%s: shape %s, expected %s (%s)", name, got, expected, why);
}

// The types of what is read and written are exactly those sweep writes, so HDF5 converts
// nothing but between equal types: a damaged datatype message (a float of 300 bits) makes
// HDF5 1.10's conversions write out of bounds. want: the file type; for a table, the memory
// type of its rows: each of its columns the file has must be of the same type (a column the
// file lacks reads as its default).
static int type_is(const Check *c, hid_t file, const char *name, hid_t want, char *err) {
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return SWEEP_OK;   // shapes are checked apart
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t t = d >= 0 ? H5Dget_type(d) : -1, sp = d >= 0 ? H5Dget_space(d) : -1, dcpl = d >= 0 ? H5Dget_create_plist(d) : -1;
    // Contiguous, all of it in the file: a damaged layout (compact, or shorter than its
    // extent) makes HDF5 copy past the end of what it holds.
    hssize_t points = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    int ok = t >= 0 && points >= 0 && dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CONTIGUOUS &&
             H5Dget_storage_size(d) == (hsize_t)points * H5Tget_size(t);
    if (sp >= 0) H5Sclose(sp);
    if (dcpl >= 0) H5Pclose(dcpl);
    char column[64] = "";
    if (ok && H5Tget_class(want) == H5T_COMPOUND) {
        ok = H5Tget_class(t) == H5T_COMPOUND;
        int n_file = ok ? H5Tget_nmembers(t) : 0;
        size_t size = H5Tget_size(t);
        for (int i = 0; ok && i < n_file; i++) {   // every column inside the row
            hid_t m = H5Tget_member_type(t, (unsigned)i);
            ok = m >= 0 && H5Tget_member_offset(t, (unsigned)i) <= size && H5Tget_size(m) <= size - H5Tget_member_offset(t, (unsigned)i);
            if (m >= 0) H5Tclose(m);
        }
        int n = ok ? H5Tget_nmembers(want) : 0;
        for (int i = 0; ok && i < n; i++) {
            char *member = H5Tget_member_name(want, (unsigned)i);
            int k = member ? H5Tget_member_index(t, member) : -1;
            if (k >= 0) {
                hid_t a = H5Tget_member_type(t, (unsigned)k), b = H5Tget_member_type(want, (unsigned)i);
                ok = H5Tequal(a, b) > 0;
                if (!ok) snprintf(column, sizeof column, " (column %s)", member);
                H5Tclose(a);
                H5Tclose(b);
            }
            if (member) H5free_memory(member);
        }
    } else if (ok) {
        ok = H5Tequal(t, want) > 0;
    }
    if (t >= 0) H5Tclose(t);
    if (d >= 0) H5Dclose(d);
    return ok ? SWEEP_OK : bad(c, err, "/%s: not of the type or layout sweep writes%s", name, column);
}

static herr_t collect_group(hid_t g, const char *name, const H5L_info_t *info, void *data) {
    (void)g; (void)info;
    Check *c = data;
    long long h;
    char tail;
    if (sscanf(name, "hidden_%lld%c", &h, &tail) != 1 || h < 1) {
        snprintf(c->odd, sizeof c->odd, "%s", name);
        return 1;
    }
    int64_t *p = realloc(c->hidden, (size_t)(c->n_hidden + 1) * sizeof *p);
    if (!p) return -1;
    c->hidden = p;
    c->hidden[c->n_hidden++] = h;
    return 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

// The weights groups: hidden_<H> for each hidden size, each dataset [rows, the parameter's
// shape], the same under /initial_weights when the file keeps them.
static int check_weights(Check *c, hid_t file, char *err) {
    hid_t w = H5Lexists(file, "weights", H5P_DEFAULT) > 0 ? H5Gopen2(file, "weights", H5P_DEFAULT) : -1;
    if (w < 0) return bad(c, err, "/weights: missing, or not a group");
    herr_t it = H5Literate(w, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_group, c);
    H5Gclose(w);
    if (it > 0) return bad(c, err, "/weights/%s: not a group of one hidden size (hidden_<H>)", c->odd);
    if (it < 0) return bad(c, err, "/weights: cannot list its groups");
    if (c->n_hidden == 0) return bad(c, err, "/weights: no hidden_<H> group");
    qsort(c->hidden, (size_t)c->n_hidden, sizeof *c->hidden, cmp_i64);
    c->rows = calloc((size_t)c->n_hidden, sizeof *c->rows);
    c->first_bit = calloc((size_t)c->n_hidden + 1, sizeof *c->first_bit);
    c->count = calloc((size_t)c->n_hidden, sizeof *c->count);
    if (!c->rows || !c->first_bit || !c->count) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    int with_initial = H5Lexists(file, "initial_weights", H5P_DEFAULT) > 0;
    int64_t total = 0;
    for (int64_t k = 0; k < c->n_hidden; k++) {
        int64_t H = c->hidden[k];
        char name[96];
        hsize_t dims[3];
        snprintf(name, sizeof name, "weights/hidden_%lld/config_id", (long long)H);
        if (extent(file, name, dims) != 1) return bad(c, err, "/%s: missing, or not 1-D", name);
        int rc = type_is(c, file, name, H5T_STD_I64LE, err);
        if (rc) return rc;
        int64_t n_H = (int64_t)dims[0];
        if (n_H > c->n - total) return bad(c, err, "/weights: its groups hold more rows than the file's %lld configs", (long long)c->n);
        c->rows[k] = n_H;
        c->first_bit[k + 1] = c->first_bit[k] + n_H;
        total += n_H;
        for (int top = 0; top < 1 + with_initial; top++)
            for (int p = 0; p < MLP_N_PARAMS; p++) {
                // [n_H, the parameter's shape]; W2 and b2 may have one more dimension (outputs).
                int64_t shape[2], want[3] = {n_H};
                int rank = 1 + mlp_param_shape(p, c->n_features, H, 1, shape);
                for (int i = 1; i < rank; i++) want[i] = shape[i - 1];
                snprintf(name, sizeof name, "%s/hidden_%lld/%s", top ? "initial_weights" : "weights", (long long)H,
                         MLP_PARAM_NAMES[p]);
                if ((rc = type_is(c, file, name, H5T_IEEE_F64LE, err))) return rc;
                int r = extent(file, name, dims);
                int same = r == rank || (p >= MLP_W2 && r == rank + 1);
                for (int i = 0; same && i < rank; i++) same = dims[i] == (hsize_t)want[i];
                if (!same) {
                    char got[96], expected[96];
                    hsize_t w3[3] = {(hsize_t)want[0], (hsize_t)want[1], (hsize_t)want[2]};
                    show_dims(got, sizeof got, dims, r);
                    show_dims(expected, sizeof expected, w3, rank);
                    return bad(c, err, "/%s: %s, expected %s (its config_id's rows, n_features %lld, hidden size %lld)",
                               name, r < 0 ? "missing" : got, expected, (long long)c->n_features, (long long)H);
                }
            }
    }
    if (total != c->n)
        return bad(c, err, "/weights: its groups hold %lld rows, the file %lld configs", (long long)total, (long long)c->n);
    return SWEEP_OK;
}

// The attributes sweep reads, on the root and /data: strings whose bytes are where the file
// says (HDF5 1.10 reads out of bounds on a damaged one: h5util_vlen_check), numbers of types
// HDF5 converts safely. Looked up by name: listing every attribute of a damaged object header
// is itself a crash in HDF5 1.10 (H5Aiterate closing a damaged attribute).
static const char *const ATTRS[] = {"format", "name", "format_version", "sweep_version", "created", "spec",
                                    "spec_sha256", "command", "host", "n_configs", "shard", "status", "source",
                                    "n_samples", "n_features", "n_train", "n_test", "test_fraction", "split_seed",
                                    "scale", "folds", "repeats", "task", "n_classes", "target_offset", "target_scale"};

static int attr_ok(hid_t obj, const char *name, hid_t t) {
    size_t size = H5Tget_size(t);
    switch (H5Tget_class(t)) {
    case H5T_STRING:
        return h5util_string_type_ok(t) && (H5Tis_variable_str(t) <= 0 || h5util_vlen_check(obj, name) != 0);
    case H5T_INTEGER:
        return (size == 1 || size == 2 || size == 4 || size == 8) && H5Tget_precision(t) == 8 * size &&
               H5Tget_offset(t) == 0 && H5Tget_order(t) == H5T_ORDER_LE;
    case H5T_FLOAT:
        return H5Tequal(t, H5T_IEEE_F64LE) > 0 || H5Tequal(t, H5T_IEEE_F32LE) > 0;
    default:
        return 0;
    }
}

static int check_attrs(const Check *c, hid_t obj, const char *where, char *err) {
    for (size_t i = 0; i < sizeof ATTRS / sizeof *ATTRS; i++) {
        if (H5Aexists(obj, ATTRS[i]) <= 0) continue;
        hid_t a = H5Aopen(obj, ATTRS[i], H5P_DEFAULT), sp = a >= 0 ? H5Aget_space(a) : -1;
        hid_t t = a >= 0 ? H5Aget_type(a) : -1;
        int ok = t >= 0 && sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1 && attr_ok(obj, ATTRS[i], t);
        if (t >= 0) H5Tclose(t);
        if (sp >= 0) H5Sclose(sp);
        if (a >= 0) H5Aclose(a);
        if (!ok) return bad(c, err, "%s: attribute \"%s\" is damaged (its type or its value is not what sweep writes)", where, ATTRS[i]);
    }
    return SWEEP_OK;
}

// The types of every dataset but the weights' (check_weights): /data's arrays, the tables,
// the curves and the seed statistics.
static int check_types(const Check *c, hid_t file, int n_curves, char *err) {
    static const char *const I64[] = {"data/train_index", "data/test_index"};
    static const char *const F64[] = {"data/feature_offset", "data/feature_scale", "data/split_feature_offset",
                                      "data/split_feature_scale"};
    int rc = SWEEP_OK;
    for (size_t i = 0; rc == SWEEP_OK && i < sizeof I64 / sizeof *I64; i++) rc = type_is(c, file, I64[i], H5T_STD_I64LE, err);
    for (size_t i = 0; rc == SWEEP_OK && i < sizeof F64 / sizeof *F64; i++) rc = type_is(c, file, F64[i], H5T_IEEE_F64LE, err);
    if (rc == SWEEP_OK) rc = type_is(c, file, "data/folds", H5T_STD_I32LE, err);
    Task file_task = c->task;
    for (int k = 0; rc == SWEEP_OK && k < n_curves; k++) {
        char name[96], renamed[64];
        snprintf(name, sizeof name, "curves/%s", store_task_name(CURVE_NAMES[k], file_task, renamed, sizeof renamed));
        rc = type_is(c, file, name, H5T_IEEE_F64LE, err);
        for (int m = 0; rc == SWEEP_OK && m < 2; m++) {
            snprintf(name, sizeof name, "seed_stats_curves/%s",
                     store_task_name(STORE_SEED_CURVE_NAMES[2 * k + m], file_task, renamed, sizeof renamed));
            rc = type_is(c, file, name, H5T_IEEE_F64LE, err);
        }
    }
    // /configs as the file has it, names included; the others as read, by the file's task.
    hid_t tables[3] = {store_layout_config_file_type(), store_task_compound(store_summary_type(), file_task),
                       store_task_compound(store_layout_seed_stats_type(), file_task)};
    const char *names[3] = {"configs", "summary", "seed_stats"};
    for (int i = 0; i < 3; i++) {
        if (rc == SWEEP_OK) rc = type_is(c, file, names[i], tables[i], err);
        H5Tclose(tables[i]);
    }
    return rc;
}

// What the file says of itself and the shapes of its datasets: the root's n_configs, /data's
// attributes and arrays, /configs, /summary, /curves and /weights.
static int check_begin(Check *c, hid_t file, char *err) {
    memset(c, 0, sizeof *c);
    c->misplaced[0] = c->misplaced[1] = -1;
    if (H5Fget_name(file, c->path, sizeof c->path) < 0) snprintf(c->path, sizeof c->path, "the results file");
    int rc = check_attrs(c, file, "/", err);
    if (rc) return rc;
    if (h5util_attr_i64(file, "n_configs", &c->n) != 0) return bad(c, err, "/: no n_configs attribute (an integer)");
    hsize_t size = 0;
    H5Fget_filesize(file, &size);
    if (c->n < 1 || (hsize_t)c->n > size) return bad(c, err, "/: n_configs %lld, not a count of configs this file can hold", (long long)c->n);
    const char *tables[2] = {"configs", "summary"};
    for (int t = 0; t < 2 && rc == SWEEP_OK; t++) {
        hsize_t dims[3];
        int r = extent(file, tables[t], dims);
        hid_t d = r == 1 ? H5Dopen2(file, tables[t], H5P_DEFAULT) : -1;
        hid_t type = d >= 0 ? H5Dget_type(d) : -1;
        int compound = type >= 0 && H5Tget_class(type) == H5T_COMPOUND;
        if (type >= 0) H5Tclose(type);
        if (d >= 0) H5Dclose(d);
        if (r != 1 || !compound) rc = bad(c, err, "/%s: missing, or not a table (1-D compound)", tables[t]);
        else if ((int64_t)dims[0] != c->n)
            rc = bad(c, err, "/%s: %llu rows, the root's n_configs says %lld", tables[t], (unsigned long long)dims[0], (long long)c->n);
    }
    if (rc) return rc;
    StoreSplits *s = &c->splits;
    if (store_read_splits(file, s) != 0)
        return bad(c, err, "/data: missing, or without its attributes n_train, n_test (and folds, repeats)");
    hid_t g = H5Gopen2(file, "data", H5P_DEFAULT);
    int nf = g >= 0 ? h5util_attr_i64(g, "n_features", &c->n_features) : -1;
    rc = g >= 0 ? check_attrs(c, g, "/data", err) : SWEEP_OK;
    for (int k = 0; k < 2 && rc == SWEEP_OK && g >= 0; k++) {   // the names: strings in a heap too
        const char *names = k ? "classes" : "feature_names";
        hid_t d = H5Lexists(g, names, H5P_DEFAULT) > 0 ? H5Dopen2(g, names, H5P_DEFAULT) : -1;
        hid_t t = d >= 0 ? H5Dget_type(d) : -1;
        if (t >= 0 && H5Tis_variable_str(t) > 0 && h5util_vlen_check(d, NULL) == 0)
            rc = bad(c, err, "/data/%s: damaged (a string is not where the file says it is)", names);
        if (t >= 0) H5Tclose(t);
        if (d >= 0) H5Dclose(d);
    }
    if (g >= 0) H5Gclose(g);
    if (rc) return rc;
    if (nf != 0) return bad(c, err, "/data: no n_features attribute (an integer)");
    if (c->n_features < 1 || (hsize_t)c->n_features > size) return bad(c, err, "/data: n_features %lld", (long long)c->n_features);
    if (s->n_train < 1 || (hsize_t)s->n_train > size || s->n_test < 0 || (hsize_t)s->n_test > size)
        return bad(c, err, "/data: n_train %lld and n_test %lld, not the sizes of a split", (long long)s->n_train, (long long)s->n_test);
    if (s->folds < 1 || s->repeats < 1 || (s->folds == 1 && s->repeats != 1) || (s->folds >= 2 && s->folds > s->n_train) ||
        s->repeats > (int64_t)size / s->folds)
        return bad(c, err, "/data: folds %lld and repeats %lld do not fit its %lld training rows", (long long)s->folds,
                   (long long)s->repeats, (long long)s->n_train);
    int64_t J = s->repeats * s->folds;
    if ((rc = shape_is(c, file, "data/train_index", 1, &s->n_train, "/data's n_train", err)) ||
        (rc = shape_is(c, file, "data/test_index", 1, &s->n_test, "/data's n_test", err)) ||
        (rc = shape_is(c, file, "data/feature_offset", 1, &c->n_features, "/data's n_features", err)) ||
        (rc = shape_is(c, file, "data/feature_scale", 1, &c->n_features, "/data's n_features", err)))
        return rc;
    if (s->folds >= 2) {
        int64_t folds[2] = {s->repeats, s->n_train}, split[2] = {J, c->n_features};
        if ((rc = shape_is(c, file, "data/folds", 2, folds, "/data's repeats and n_train", err)) ||
            (rc = shape_is(c, file, "data/split_feature_offset", 2, split, "/data's repeats * folds and n_features", err)) ||
            (rc = shape_is(c, file, "data/split_feature_scale", 2, split, "/data's repeats * folds and n_features", err)))
            return rc;
    }
    int n_curves = store_n_curves(file);
    if ((n_curves == N_CURVES) != (s->folds >= 2))
        return bad(c, err, "/curves/val_loss: %s, but /data's folds is %lld", n_curves == N_CURVES ? "present" : "missing",
                   (long long)s->folds);
    c->task = store_file_task(file);   // the curves' names follow it
    Task file_task = c->task;
    for (int k = 0; k < n_curves; k++) {
        char name[96], renamed[64];
        hsize_t dims[3];
        snprintf(name, sizeof name, "curves/%s", store_task_name(CURVE_NAMES[k], file_task, renamed, sizeof renamed));
        if (k == 0 && extent(file, name, dims) == 2) c->max_epochs = (int64_t)dims[1];
        int64_t want[2] = {c->n, c->max_epochs};
        if ((rc = shape_is(c, file, name, 2, want, "n_configs and the longest config's epochs", err))) return rc;
    }
    if (c->max_epochs < 1) return bad(c, err, "/curves/%s: no epochs", CURVE_NAMES[0]);
    if ((rc = check_types(c, file, n_curves, err))) return rc;
    if ((rc = check_weights(c, file, err))) return rc;
    size_t bytes = (size_t)(c->n + 7) / 8;
    c->seen_config = calloc(bytes, 1);
    c->seen_summary = calloc(bytes, 1);
    c->seen_row = calloc((size_t)(c->first_bit[c->n_hidden] + 7) / 8 + 1, 1);
    if (!c->seen_config || !c->seen_summary || !c->seen_row) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    return SWEEP_OK;
}

// An id from row `row` of table t (0 /configs, 1 /summary): in range and met once.
static int check_id(Check *c, int t, int64_t row, int64_t id, char *err) {
    const char *table = t ? "/summary" : "/configs";
    if (id < 0 || id >= c->n)
        return bad(c, err, "%s: row %lld has id %lld, outside 0..%lld", table, (long long)row, (long long)id, (long long)c->n - 1);
    if (test_and_set(t ? c->seen_summary : c->seen_config, id))
        return bad(c, err, "%s: id %lld appears twice", table, (long long)id);
    if (id != row && c->misplaced[t] < 0) c->misplaced[t] = row;
    return SWEEP_OK;
}

// Rows [start, start + k) of both tables, read (the name columns as their codes).
static int check_rows(Check *c, const ConfigRow *cfg, const SummaryRow *sum, int64_t start, int64_t k, char *err) {
    const StoreSplits *s = &c->splits;
    for (int64_t j = 0; j < k; j++) {
        const ConfigRow *r = &cfg[j];
        const SummaryRow *m = &sum[j];
        int64_t i = start + j;
        int rc;
        if ((rc = check_id(c, 0, i, r->id, err)) || (rc = check_id(c, 1, i, m->id, err))) return rc;
        const int64_t *at = bsearch(&r->hyper.hidden_dim, c->hidden, (size_t)c->n_hidden, sizeof *c->hidden, cmp_i64);
        if (!at)
            return bad(c, err, "/configs: config %lld has hidden_dim %lld, which has no /weights/hidden_%lld group",
                       (long long)r->id, (long long)r->hyper.hidden_dim, (long long)r->hyper.hidden_dim);
        int64_t h = at - c->hidden;
        if (r->weights_row < 0 || r->weights_row >= c->rows[h])
            return bad(c, err, "/configs: config %lld has weights_row %lld, outside the %lld rows of /weights/hidden_%lld",
                       (long long)r->id, (long long)r->weights_row, (long long)c->rows[h], (long long)r->hyper.hidden_dim);
        if (test_and_set(c->seen_row, c->first_bit[h] + r->weights_row))
            return bad(c, err, "/configs: weights_row %lld of /weights/hidden_%lld appears twice (config %lld)",
                       (long long)r->weights_row, (long long)r->hyper.hidden_dim, (long long)r->id);
        c->count[h]++;
        if (r->hyper.epochs < 1 || r->hyper.epochs > c->max_epochs)
            return bad(c, err, "/configs: config %lld has epochs %lld, outside 1..%lld (the curves' length)",
                       (long long)r->id, (long long)r->hyper.epochs, (long long)c->max_epochs);
        int split_ok = s->folds >= 2 ? r->hyper.repeat >= 0 && r->hyper.repeat < s->repeats && r->hyper.fold >= 0 && r->hyper.fold < s->folds
                                     : r->hyper.repeat == 0 && r->hyper.fold == 0;
        if (!split_ok)
            return bad(c, err, "/configs: config %lld has repeat %d and fold %d, not a split of /data's %lld repeat%s of %lld fold%s",
                       (long long)r->id, r->hyper.repeat, r->hyper.fold, (long long)s->repeats, s->repeats == 1 ? "" : "s",
                       (long long)s->folds, s->folds == 1 ? "" : "s");
        if (m->status < STATUS_PENDING || m->status > STATUS_PRUNED)
            return bad(c, err, "/summary: config %lld has status %d, not a status (0 pending, 1 done, 2 diverged, 3 failed, "
                       "4 pruned)", (long long)m->id, m->status);
        if (m->epochs_run < 0 || m->epochs_run > r->hyper.epochs)
            return bad(c, err, "/summary: config %lld has epochs_run %lld, outside 0..%lld (its epochs)", (long long)m->id,
                       (long long)m->epochs_run, (long long)r->hyper.epochs);
    }
    return SWEEP_OK;
}

// What only the whole tables show: the rows in id order, each hidden size's rows all used.
static int check_end(Check *c, char *err) {
    for (int t = 0; t < 2; t++)
        if (c->misplaced[t] >= 0)
            return bad(c, err, "%s: row %lld does not hold id %lld (each config's row is its id)", t ? "/summary" : "/configs",
                       (long long)c->misplaced[t], (long long)c->misplaced[t]);
    for (int64_t h = 0; h < c->n_hidden; h++)
        if (c->count[h] != c->rows[h])
            return bad(c, err, "/weights/hidden_%lld: %lld rows, but %lld configs have that hidden size",
                       (long long)c->hidden[h], (long long)c->rows[h], (long long)c->count[h]);
    return SWEEP_OK;
}

// ---------------------------------------------------------------------------------------
// Rows.

// The name axes' columns alone, for reading them back: ROWS_NAME_LEN bytes each, in the
// table's order. Returns how many name axes there are (axes: N_AXES of room).
static int name_axes(AxisId *axes) {
    int n = 0;
    for (int a = 0; a < N_AXES; a++)
        if (axis_is_name((AxisId)a)) axes[n++] = (AxisId)a;
    return n;
}

static hid_t config_names_type(const AxisId *axes, int n) {
    hid_t t = H5Tcreate(H5T_COMPOUND, (size_t)n * ROWS_NAME_LEN), name = h5util_name_type(ROWS_NAME_LEN);
    for (int k = 0; k < n; k++) H5Tinsert(t, axis_name(axes[k]), (size_t)k * ROWS_NAME_LEN, name);
    H5Tclose(name);
    return t;
}

// Rows [start, start + k) of one open table, read in memory type t. 0 or -1.
static int read_rows(hid_t d, hid_t t, int64_t start, int64_t k, void *out) {
    hid_t fsp = H5Dget_space(d);
    hsize_t off = (hsize_t)start, cnt = (hsize_t)k;
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    hid_t msp = H5Screate_simple(1, &cnt, NULL);
    herr_t rc = H5Dread(d, t, msp, fsp, H5P_DEFAULT, out);
    H5Sclose(msp);
    H5Sclose(fsp);
    return rc < 0 ? -1 : 0;
}

// Both tables, read a slice at a time, each slice checked (check_rows).
typedef struct {
    hid_t configs, summary;                     // the datasets
    hid_t config_type, summary_type, name_type; // memory types
    AxisId axes[N_AXES];                        // the name axes, in the table's order
    int n_names;
    size_t row_names;                           // bytes of a row's names
    char *names;                                // a slice's names
} Tables;

static void tables_close(Tables *t) {
    if (t->configs >= 0) H5Dclose(t->configs);
    if (t->summary >= 0) H5Dclose(t->summary);
    H5Tclose(t->config_type);
    H5Tclose(t->summary_type);
    H5Tclose(t->name_type);
    free(t->names);
}

static int tables_open(Tables *t, hid_t file, int64_t slice) {
    t->configs = H5Dopen2(file, "configs", H5P_DEFAULT);
    t->summary = H5Dopen2(file, "summary", H5P_DEFAULT);
    t->config_type = store_config_type();
    // (v3) The summary's score columns are named by the file's task (store_task.h).
    t->summary_type = store_task_compound(store_summary_type(), store_file_task(file));
    t->n_names = name_axes(t->axes);
    t->row_names = (size_t)t->n_names * ROWS_NAME_LEN;
    t->name_type = config_names_type(t->axes, t->n_names);
    t->names = malloc((size_t)(slice ? slice : 1) * t->row_names);
    return t->configs >= 0 && t->summary >= 0 && t->names ? 0 : -1;
}

// Rows [start, start + k): read, names as codes, checked. A column the file lacks reads as its
// axis's default (a file from before the recipe axes lacks those), repeat and fold as 0, and a
// /summary column as in a pending row (NaN, -1, 0; a version-1 file lacks the validation
// columns).
static int tables_read(Tables *t, Check *c, int64_t start, int64_t k, ConfigRow *configs, SummaryRow *summary, char *err) {
    for (int64_t i = 0; i < k; i++) {
        memset(&configs[i], 0, sizeof *configs);
        axis_set_defaults(&configs[i].hyper);
        for (int a = 0; a < t->n_names; a++)
            store_layout_put_name(t->names + (size_t)i * t->row_names + (size_t)a * ROWS_NAME_LEN, t->axes[a],
                                  axis_default_i64(t->axes[a]));
        store_layout_pending_row(&summary[i], start + i);
    }
    h5util_errno_clear();
    const char *table = NULL;
    if (read_rows(t->configs, t->config_type, start, k, configs) != 0 || read_rows(t->configs, t->name_type, start, k, t->names) != 0)
        table = "/configs";
    else if (read_rows(t->summary, t->summary_type, start, k, summary) != 0)
        table = "/summary";
    if (table && h5util_errno())   // the disk failed, not the file
        return fail(err, SWEEP_ERR_RUNTIME, "%s: %s: cannot read: %s", c->path, table, h5util_strerror());
    if (table) return bad(c, err, "%s: cannot read rows %lld..%lld", table, (long long)start, (long long)(start + k - 1));
    for (int64_t i = 0; i < k; i++)
        for (int a = 0; a < t->n_names; a++) {
            int count, code = -1;
            const char *const *known = axis_value_names(t->axes[a], &count);
            char *name = t->names + (size_t)i * t->row_names + (size_t)a * ROWS_NAME_LEN;
            name[ROWS_NAME_LEN - 1] = '\0';
            for (int j = 0; j < count && code < 0; j++)
                if (strcmp(name, known[j]) == 0) code = j;
            axis_set_i64(&configs[i].hyper, t->axes[a], code);
            if (code < 0) {
                for (char *q = name; *q; q++)
                    if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e) *q = '?';   // one printable line
                return bad(c, err, "/configs: config %lld has %s \"%s\", which this version does not know",
                           (long long)(start + i), axis_name(t->axes[a]), name);
            }
        }
    return check_rows(c, configs, summary, start, k, err);
}

int store_check(hid_t file, char *err) {
    Check c;
    int rc = check_begin(&c, file, err);
    ConfigRow *configs = NULL;
    SummaryRow *summary = NULL;
    Tables t;
    memset(&t, 0, sizeof t);
    t.configs = t.summary = -1;
    int64_t slice = CHECK_SLICE;
    if (rc == SWEEP_OK) {
        configs = malloc(slice * sizeof *configs);
        summary = malloc(slice * sizeof *summary);
        if (tables_open(&t, file, slice) != 0 || !configs || !summary) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
        for (int64_t start = 0; rc == SWEEP_OK && start < c.n; start += slice) {
            int64_t k = c.n - start < slice ? c.n - start : slice;
            rc = tables_read(&t, &c, start, k, configs, summary, err);
        }
        if (rc == SWEEP_OK) rc = check_end(&c, err);
        tables_close(&t);
    }
    free(configs);
    free(summary);
    check_free(&c);
    return rc;
}

int store_read_tables(hid_t file, ConfigRow **configs, SummaryRow **summary, int64_t *n, char *err) {
    *configs = NULL;
    *summary = NULL;
    *n = 0;
    Check c;
    int rc = check_begin(&c, file, err);
    if (rc == SWEEP_OK) {
        Tables t;
        memset(&t, 0, sizeof t);
        *configs = malloc((size_t)c.n * sizeof **configs);
        *summary = malloc((size_t)c.n * sizeof **summary);
        if (tables_open(&t, file, c.n) != 0 || !*configs || !*summary) rc = fail(err, SWEEP_ERR_RUNTIME, "out of memory");
        if (rc == SWEEP_OK) rc = tables_read(&t, &c, 0, c.n, *configs, *summary, err);
        if (rc == SWEEP_OK) rc = check_end(&c, err);
        tables_close(&t);
        *n = c.n;
    }
    check_free(&c);
    if (rc != SWEEP_OK) {
        free(*configs); free(*summary);
        *configs = NULL; *summary = NULL; *n = 0;
    }
    return rc;
}
