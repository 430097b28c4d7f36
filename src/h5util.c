// h5util.c: small HDF5 helpers (see h5util.h).
#include "h5util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int h5util_string_type_ok(hid_t t) {
    if (H5Tget_class(t) != H5T_STRING) return 0;
    if (H5Tis_variable_str(t) <= 0) return H5Tget_size(t) <= H5UTIL_STRING_MAX;
    hid_t want = h5util_string_type();
    int ok = H5Tequal(t, want) > 0;
    H5Tset_cset(want, H5T_CSET_ASCII);
    ok = ok || H5Tequal(t, want) > 0;
    H5Tclose(want);
    return ok;
}

hid_t h5util_packed(hid_t mem_type) {
    hid_t t = H5Tcopy(mem_type);
    H5Tpack(t);
    return t;
}

// ---------------------------------------------------------------------------------------
// Variable-length strings, checked before HDF5 reads them. HDF5 1.10 trusts what a file
// says of them: it reads a string from the global heap collection and object index that the
// string's reference (in the attribute's message, or in a dataset's raw data) names, and a
// damaged reference or collection makes it read out of bounds (H5HG_read) or loop forever.
// So the reference and the collection are read here first, with our own reads of the file,
// and checked the way HDF5 will walk them. The formats (HDF5 file format specification):
// a version-1 object header, its messages and continuation blocks; the attribute message
// (versions 1 to 3); the reference (length u32, collection address, object index u32); the
// collection ("GCOL", version 1, its size, then objects: index u16, references u16, 4 bytes,
// size, the data padded to 8 bytes; index 0 is the free space, the rest of the collection).

#define GCOL_MAX (256u << 20)    // a collection larger than this is not one a sweep wrote
#define HEADER_CHUNKS 64         // continuation blocks followed, at most

typedef struct {
    int fd;
    size_t o, l;                 // bytes of a file address, of a length
    uint64_t eof;                // the file's size
    uint64_t eoa;                // the end HDF5 reads up to (its superblock's), checked by HDF5 itself
} RawFile;

static uint64_t get_le(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

static int raw_read(const RawFile *f, uint64_t at, void *buf, uint64_t n) {
    if (at > f->eof || n > f->eof - at) return -1;
    unsigned char *b = buf;
    while (n > 0) {
        ssize_t got = pread(f->fd, b, n, (off_t)at);
        if (got <= 0) return -1;
        b += got, at += (uint64_t)got, n -= (uint64_t)got;
    }
    return 0;
}

static int raw_open(hid_t obj, RawFile *f) {
    hid_t file = H5Iget_file_id(obj);
    if (file < 0) return -1;
    unsigned intent = 0;   // the bytes read are the file's: what HDF5 holds for it must be there
    if (H5Fget_intent(file, &intent) >= 0 && (intent & H5F_ACC_RDWR) && H5Fflush(file, H5F_SCOPE_LOCAL) < 0) {
        H5Fclose(file);
        return -1;
    }
    void *handle = NULL;
    hid_t fcpl = H5Fget_create_plist(file);
    int ok = H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle && fcpl >= 0 &&
             H5Pget_sizes(fcpl, &f->o, &f->l) >= 0 && f->o >= 2 && f->o <= 8 && f->l >= 2 && f->l <= 8;
    if (fcpl >= 0) H5Pclose(fcpl);
    struct stat sb;
    haddr_t eoa = 0;
    ok = ok && fstat(*(int *)handle, &sb) == 0 && H5Fget_eoa(file, &eoa) >= 0;
    if (ok) {
        f->fd = *(int *)handle;
        f->eof = (uint64_t)sb.st_size;
        f->eoa = (uint64_t)eoa;
    }
    H5Fclose(file);
    return ok ? 0 : -1;
}

// Whether the string a reference names is there, as HDF5 will find it: 1, 0 (damaged).
static int gheap_ok(const RawFile *f, const unsigned char *ref) {
    uint64_t len = get_le(ref, 4), addr = get_le(ref + 4, f->o), idx = get_le(ref + 4 + f->o, 4);
    if (addr == 0) return len == 0;   // no string (HDF5 reads nothing)
    // HDF5 reads a collection up to its end of file (the superblock's): one that starts
    // there, or runs past it, it refuses cleanly by itself (as a disk that failed before the
    // superblock that would have moved the end reached it leaves a rewritten string).
    size_t hsize = 8 + f->l, ohdr = 8 + f->l;   // the collection's header, an object's
    if (addr >= f->eoa) return 1;
    unsigned char head[24];
    if (f->eoa - addr < hsize || raw_read(f, addr, head, hsize) != 0 || memcmp(head, "GCOL", 4) != 0 || head[4] != 1)
        return 0;
    uint64_t size = get_le(head + 8, f->l);
    if (size > f->eoa - addr) return 1;
    if (size < 4096 || size > GCOL_MAX || size > f->eof - addr) return 0;
    unsigned char *c = malloc(size);
    if (!c) return 0;
    int ok = raw_read(f, addr, c, size) == 0;
    uint64_t begin = 0, osize = 0, max_idx = 0;
    int found = 0;
    for (uint64_t p = hsize; ok && p < size;) {
        if (p + ohdr > size) break;                  // too small for an object: free space
        uint64_t i = get_le(c + p, 2), n = get_le(c + p + 8, f->l);
        uint64_t need = i > 0 ? (n > size ? 0 : ohdr + ((n + 7) & ~(uint64_t)7)) : n;
        // Every object within the collection (the free space, index 0, is the rest of it):
        // HDF5 steps a pointer by `need` unchecked, so a huge one sends it anywhere, and a
        // zero one keeps it here forever.
        if (need == 0 || need > size - p) { ok = 0; break; }
        if (i == idx) begin = p, osize = n, found = 1;   // the last one wins, as in HDF5
        if (i > max_idx) max_idx = i;
        p += need;
    }
    ok = ok && found && idx >= 1 && idx <= max_idx && begin + ohdr <= size && osize <= size - begin - ohdr && osize == len;
    free(c);
    return ok;
}

// The raw reference of attribute `name` in the version-1 object header at addr: 1 found
// (ref filled), 0 damaged, -1 not a header this parses.
static int attr_ref(const RawFile *f, uint64_t addr, const char *name, unsigned char *ref) {
    unsigned char pre[16];
    if (raw_read(f, addr, pre, 16) != 0) return 0;
    if (pre[0] != 1) return -1;                     // a version-2 header ("OHDR"), or damage
    uint64_t chunk[HEADER_CHUNKS][2] = {{addr + 16, get_le(pre + 8, 4)}};
    int n_chunks = 1, found = 0, rc = 1;
    size_t want = strlen(name) + 1, rsize = 4 + f->o + 4;   // the reference
    for (int k = 0; k < n_chunks && rc == 1 && !found; k++) {
        uint64_t at = chunk[k][0], size = chunk[k][1];
        unsigned char *b = size <= (1u << 20) ? malloc(size ? size : 1) : NULL;
        if (!b || raw_read(f, at, b, size) != 0) { free(b); return 0; }
        for (uint64_t p = 0; rc == 1 && !found && p + 8 <= size;) {
            uint64_t type = get_le(b + p, 2), len = get_le(b + p + 2, 2);
            const unsigned char *d = b + p + 8;
            if (len > size - p - 8) { rc = 0; break; }
            if (type == 0x10) {                      // continuation: another block of messages
                if (len < f->o + f->l || n_chunks == HEADER_CHUNKS) { rc = 0; break; }
                chunk[n_chunks][0] = get_le(d, f->o);
                chunk[n_chunks][1] = get_le(d + f->o, f->l);
                n_chunks++;
            } else if (type == 0x0C && len >= 8) {   // an attribute
                int v = d[0];
                uint64_t nsize = get_le(d + 2, 2), tsize = get_le(d + 4, 2), ssize = get_le(d + 6, 2), q;
                if (v < 1 || v > 3 || (v > 1 && (d[1] & 3))) { rc = -1; break; }   // shared parts: not parsed
                uint64_t pad = v == 1 ? 7 : 0;
                q = v == 3 ? 9 : 8;
                uint64_t name_at = q;
                q += (nsize + pad) & ~pad;
                q += (tsize + pad) & ~pad;
                q += (ssize + pad) & ~pad;
                if (nsize == want && name_at + nsize <= len && memcmp(d + name_at, name, want) == 0) {
                    if (q > len || len - q < rsize) { rc = 0; break; }
                    memcpy(ref, d + q, rsize);
                    found = 1;
                }
            }
            p += 8 + len;
        }
        free(b);
    }
    return rc == 1 ? found : rc;
}

int h5util_vlen_check(hid_t obj, const char *attr) {
    RawFile f;
    if (raw_open(obj, &f) != 0) return -1;
    unsigned char ref[4 + 8 + 4];
    size_t rsize = 4 + f.o + 4;
    if (attr) {
        H5O_info_t info;
        if (H5Oget_info2(obj, &info, H5O_INFO_BASIC) < 0) return -1;
        int found = attr_ref(&f, (uint64_t)info.addr, attr, ref);
        return found == 1 ? gheap_ok(&f, ref) : found;
    }
    // A dataset's strings: its raw data, contiguous, one reference per element.
    hid_t sp = H5Dget_space(obj);
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    haddr_t at = H5Dget_offset(obj);
    if (n < 0 || at == HADDR_UNDEF) return -1;
    if ((uint64_t)n > f.eof / rsize) return 0;
    unsigned char *raw = malloc((size_t)n * rsize + 1);
    int ok = raw && raw_read(&f, (uint64_t)at, raw, (uint64_t)n * rsize) == 0;
    for (hssize_t i = 0; ok && i < n; i++) ok = gheap_ok(&f, raw + (size_t)i * rsize);
    free(raw);
    return ok;
}

// ---------------------------------------------------------------------------------------
// Attributes.

int h5util_attr_set(hid_t obj, const char *name, const char *value) {
    hid_t t = h5util_string_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT)
                                        : H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;   // rewritten only as the string it is (a damaged type: refused)
    herr_t rc = a < 0 || ft < 0 || H5Tequal(ft, t) <= 0 ? -1 : H5Awrite(a, t, &value);
    if (ft >= 0) H5Tclose(ft);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc < 0 ? -1 : 0;
}

char *h5util_attr_get(hid_t obj, const char *name) {
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    int scalar = sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1;   // one string: what we write
    if (sp >= 0) H5Sclose(sp);
    char *out = NULL;
    if (t >= 0 && h5util_string_type_ok(t)) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t));   // HDF5 converts no character sets
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (scalar && h5util_vlen_check(obj, name) != 0 && H5Aread(a, mt, &v) >= 0 && v) {
                out = strdup(v);
                H5free_memory(v);
            }
        } else if (scalar) {
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
