// h5util.h: small HDF5 helpers, the same for every file we write or read: string and
// attribute types, attributes, groups and datasets created the crash-safe way (contiguous,
// allocated at creation, no object timestamps), rows written and read by hyperslab, the file
// access we always use, and HDF5's error printing turned off.
//
// Knows HDF5 and nothing of a results file's layout (store_layout.h), of the commit protocol
// (store_commit.h) or of sweeps. Each function returns 0 (or a valid hid_t), or -1 (a
// negative hid_t); none prints anything.
#ifndef H5UTIL_H
#define H5UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

// HDF5 prints its own error stack by default; we report one line instead
// (SWEEP_DEBUG_HDF5=1 keeps HDF5's stack, for whoever debugs the store).
// h5util_quiet, once per process before the first HDF5 call, also turns off the library's
// shutdown at exit: HDF5 1.10 crashes there retrying the close of a file whose close already
// failed (a full disk), and every file we keep is closed explicitly.
void h5util_quiet(void);
// HDF5's automatic error printing is per thread: every other thread that calls HDF5 calls this.
void h5util_quiet_thread(void);

// The system error behind this thread's last failed HDF5 call (ENOSPC, EIO, ...), taken from
// HDF5's error stack as the call fails (h5util_quiet installs the handler): the errno, or 0
// when no failed call since h5util_errno_clear had one. h5util_strerror says it in words, or
// "an HDF5 error" when there was none.
int h5util_errno(void);
void h5util_errno_clear(void);
const char *h5util_strerror(void);

// File access for every results file: HDF5's file locking off (readers may open the file
// while a sweep writes it; the sweep takes its own lock, fsutil.h) and no data sieve (with
// it, every flush rewrote a whole 64 KB window around each small row; without it a row is
// one exact pwrite). The caller closes it.
hid_t h5util_file_access(void);

// Types (the caller closes them): a variable-length UTF-8 string (h5py reads it as str); a
// fixed-length, NUL-terminated ASCII string of n bytes (h5py: bytes of dtype S<n>); a copy of
// a compound memory type packed, with no padding bytes, as files store compounds.
hid_t h5util_string_type(void);
hid_t h5util_name_type(size_t n);
hid_t h5util_packed(hid_t mem_type);
// Whether t is a string type HDF5 converts safely: a variable-length string of UTF-8 or ASCII
// (exactly as written), or a fixed-length one of at most H5UTIL_STRING_MAX bytes. A damaged
// datatype message (a string of 300-bit characters) makes HDF5 1.10's conversion write out
// of bounds. 1 or 0.
int h5util_string_type_ok(hid_t t);

// Whether HDF5 may read the variable-length strings of attribute `attr` of obj, or of the
// dataset obj (attr NULL): each reference points at an object of its length in a sound
// global heap collection, read and walked here as HDF5 will walk it (HDF5 1.10 itself reads
// out of bounds, or loops, on a damaged one). 1 yes, 0 damaged, -1 cannot tell (an object
// header or a layout this does not parse: not what sweep writes).
int h5util_vlen_check(hid_t obj, const char *attr);
// The longest fixed-length string attribute read (a damaged size is refused).
#define H5UTIL_STRING_MAX (16u << 20)

// String attributes, as the file keeps them (variable-length UTF-8): get returns a malloc'd
// copy (of a fixed-length string attribute too), or NULL when missing, not one string, or
// damaged (h5util_vlen_check); set creates or rewrites in place. 0 or -1.
char *h5util_attr_get(hid_t obj, const char *name);
int h5util_attr_set(hid_t obj, const char *name, const char *value);
// h5util_attr_get into a buffer of n bytes: 0, or -1 (out is then empty).
int h5util_attr_read(hid_t obj, const char *name, char *out, size_t n);
// An integer attribute: 0, or -1 when it is missing or unreadable.
int h5util_attr_i64(hid_t obj, const char *name, int64_t *v);
// New scalar attributes (int64, float64). 0 or -1.
int h5util_attr_put_i64(hid_t obj, const char *name, int64_t v);
int h5util_attr_put_f64(hid_t obj, const char *name, double v);

// A group without timestamps.
hid_t h5util_group_create(hid_t parent, const char *name);

// A contiguous dataset allocated at creation, without timestamps. fill: NaN fill written at
// allocation; none (never-written rows then read as zeros and stay sparse on disk); or
// HDF5's default, for datasets written whole at once (variable-length strings require a
// defined fill).
typedef enum { H5UTIL_FILL_NONE, H5UTIL_FILL_NAN, H5UTIL_FILL_DEFAULT } H5utilFill;
hid_t h5util_dataset_create(hid_t parent, const char *name, hid_t type, int rank, const hsize_t *dims,
                            H5utilFill fill);

// Writes rows [start, start + count) of a dataset (rank 1 to 3) whose first dimension indexes
// rows and whose other dimensions are written whole (cols: -1, or for a 2-D dataset such as
// a curve, how many leading columns of each row to write). 0 or -1.
int h5util_write_rows(hid_t dset, hid_t mem_type, int64_t start, int64_t count, int64_t cols,
                      const void *buf, hid_t dxpl);
// A new dataset written whole at once: 1-D [n], or 2-D [rows, cols]. 0 or -1.
int h5util_write_all(hid_t parent, const char *name, hid_t file_type, hid_t mem_type, int64_t n,
                     const void *buf);
int h5util_write_matrix(hid_t parent, const char *name, hid_t file_type, hid_t mem_type, int64_t rows,
                        int64_t cols, const void *buf);
// Reads rows [start, start + n) of a 1-D dataset (a compound may be read by a subset of its
// fields): 0 or -1.
int h5util_read_slice(hid_t file, const char *dataset, hid_t mem_type, int64_t start, int64_t n, void *out);

#endif
