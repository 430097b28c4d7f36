// h5util.c: small HDF5 helpers (see h5util.h).
#include "h5util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The errno of this thread's last failed HDF5 call that had one. HDF5's file driver records
// it in its error's text ("..., errno = 28, error message = 'No space left on device', ...");
// the stack is cleared by the next API call, so it is read by the automatic error handler,
// which HDF5 calls as the failing call returns.
static _Thread_local int t_errno;

static herr_t find_errno(unsigned n, const H5E_error2_t *e, void *data) {
    (void)n;
    const char *p = e && e->desc ? strstr(e->desc, "errno = ") : NULL;
    int v = p ? atoi(p + strlen("errno = ")) : 0;
    if (v <= 0) return 0;
    *(int *)data = v;
    return 1;   // the innermost one: stop
}

static herr_t on_error(hid_t stack, void *debug) {
    int e = 0;
    H5Ewalk2(stack, H5E_WALK_UPWARD, find_errno, &e);
    if (e) t_errno = e;
    if (debug) H5Eprint2(stack, stderr);
    return 0;
}

static void set_handler(void) {
    H5Eset_auto2(H5E_DEFAULT, on_error, getenv("SWEEP_DEBUG_HDF5") ? (void *)1 : NULL);
}

void h5util_quiet(void) {
    H5dont_atexit();
    set_handler();
}

void h5util_quiet_thread(void) { set_handler(); }

int h5util_errno(void) { return t_errno; }
void h5util_errno_clear(void) { t_errno = 0; }
const char *h5util_strerror(void) { return t_errno ? strerror(t_errno) : "an HDF5 error"; }

hid_t h5util_file_access(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    H5Pset_sieve_buf_size(fapl, 0);
    return fapl;
}

// ---------------------------------------------------------------------------------------
// Types.

hid_t h5util_string_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

hid_t h5util_name_type(size_t n) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, n);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

hid_t h5util_packed(hid_t mem_type) {
    hid_t t = H5Tcopy(mem_type);
    H5Tpack(t);
    return t;
}

// ---------------------------------------------------------------------------------------
// Attributes.

int h5util_attr_set(hid_t obj, const char *name, const char *value) {
    hid_t t = h5util_string_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT)
                                        : H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc < 0 ? -1 : 0;
}

char *h5util_attr_get(hid_t obj, const char *name) {
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

int h5util_attr_read(hid_t obj, const char *name, char *out, size_t n) {
    char *v = h5util_attr_get(obj, name);
    snprintf(out, n, "%s", v ? v : "");
    free(v);
    return v ? 0 : -1;
}

int h5util_attr_i64(hid_t obj, const char *name, int64_t *v) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t rc = H5Aread(a, H5T_NATIVE_INT64, v);
    H5Aclose(a);
    return rc < 0 ? -1 : 0;
}

static int attr_scalar(hid_t obj, const char *name, hid_t type, const void *value) {
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a < 0 ? -1 : H5Awrite(a, type, value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

int h5util_attr_put_i64(hid_t obj, const char *name, int64_t v) { return attr_scalar(obj, name, H5T_NATIVE_INT64, &v); }
int h5util_attr_put_f64(hid_t obj, const char *name, double v) { return attr_scalar(obj, name, H5T_NATIVE_DOUBLE, &v); }

// ---------------------------------------------------------------------------------------
// Groups and datasets.

hid_t h5util_group_create(hid_t parent, const char *name) {
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(gcpl, 0);
    hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

hid_t h5util_dataset_create(hid_t parent, const char *name, hid_t type, int rank, const hsize_t *dims,
                            H5utilFill fill) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_obj_track_times(dcpl, 0);
    if (fill == H5UTIL_FILL_NAN) {
        double nan = NAN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    } else if (fill == H5UTIL_FILL_NONE) {
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    }
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(parent, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Sclose(sp);
    H5Pclose(dcpl);
    return d;
}

int h5util_write_rows(hid_t dset, hid_t mem_type, int64_t start, int64_t count, int64_t cols,
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

int h5util_write_all(hid_t parent, const char *name, hid_t file_type, hid_t mem_type, int64_t n,
                     const void *buf) {
    hsize_t dims[1] = {(hsize_t)n};
    hid_t d = h5util_dataset_create(parent, name, file_type, 1, dims, H5UTIL_FILL_DEFAULT);
    if (d < 0) return -1;
    herr_t rc = H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

int h5util_write_matrix(hid_t parent, const char *name, hid_t file_type, hid_t mem_type, int64_t rows,
                        int64_t cols, const void *buf) {
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    hid_t d = h5util_dataset_create(parent, name, file_type, 2, dims, H5UTIL_FILL_DEFAULT);
    if (d < 0) return -1;
    herr_t rc = H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return rc < 0 ? -1 : 0;
}

int h5util_read_slice(hid_t file, const char *dataset, hid_t mem_type, int64_t start, int64_t n, void *out) {
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
