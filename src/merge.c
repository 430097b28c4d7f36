// merge.c: `sweep merge OUT.h5 PART.h5...` (see merge.h).
//
// A config is present in a part when its /summary status there is not pending. Its rows are
// then the ones to copy: /curves/* (row id), /weights/hidden_<H>/{W1,b1,W2,b2} and the same
// under /initial_weights (row weights_row), and last its /summary row. Everything else in a
// file (/data with the task, its classes and target scaling; /configs, config_id, the seed
// statistics objects) is the same in every part of one spec and comes with the copied part.
#include "merge.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include "cli.h"
#include "fsutil.h"
#include "mlp.h"
#include "store.h"
#include "sweep.h"

#define SLICE 4096          // configs read at once from each part
#define LIST_MAX 10         // ids named in a message
#define COPY_BUFFER (1 << 20)

static volatile sig_atomic_t g_merge_stop = 0;

static void on_signal(int sig) {
    (void)sig;
    g_merge_stop = 1;
}

static const char USAGE[] =
    "usage: sweep merge [OPTIONS] OUT.h5 PART.h5...\n"
    "\n"
    "Join the results files of a sharded sweep (sweep --shard K/N) into one file, identical in\n"
    "content to a run on one machine. Parts must come from the same spec and data, and no\n"
    "config may be finished in two of them.\n"
    "\n"
    "      --allow-partial  merge even when configs are missing from every part (the file is\n"
    "                       marked interrupted; sweep --resume -o OUT.h5 runs the rest)\n"
    "      --force          replace an existing OUT.h5\n"
    "  -q, --quiet          no summary line\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 merged, 1 runtime failure, 2 bad usage or parts that do not fit together,\n"
    "130 interrupted. Nothing is written unless the merge succeeds.\n";

typedef struct {
    const char *path;
    hid_t file;
    char shard[64], sha[80];
    int64_t shard_k, shard_n;   // parsed from shard; n = 0 when unreadable
    int64_t present, failed;    // configs finished here, and of those, failed ones
    StoreRows rows;             // its datasets of config rows, while they are copied
} Part;

typedef struct {
    int n_parts;
    Part *parts;
    int64_t n_configs, max_epochs, n_features;
    int64_t n_hidden, *hidden;  // hidden sizes, ascending (from /weights' group names)
    int has_initial;
    int n_curves;               // the parts' curves (store_n_curves of the first)
    int64_t n_out;              // the network's outputs O (the first part's task): the weights' rows
    size_t summary_size;        // bytes of one /summary row in the file
    char *err;
} Merge;

static int say(char *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int say(char *err, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ERR_LEN, fmt, ap);
    va_end(ap);
    return code;
}

// ---------------------------------------------------------------------------------------
// Reading small things.




// The extent of a dataset (rank <= 3), or -1 when it cannot be opened.
static int dataset_dims(hid_t file, const char *name, hsize_t dims[3]) {
    dims[0] = dims[1] = dims[2] = 0;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(sp);
    if (rank >= 1 && rank <= 3) H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
    H5Dclose(d);
    return rank >= 1 && rank <= 3 ? rank : -1;
}

// A whole 1-D dataset as raw bytes in the given memory type; NULL on failure.
// A whole dataset of any rank, as n elements of mem_type (*bytes in all); NULL if unreadable.
static void *read_whole(hid_t file, const char *name, hid_t mem_type, size_t *bytes) {
    hsize_t dims[3];
    int rank = dataset_dims(file, name, dims);
    if (rank < 1 || rank > 2) return NULL;
    *bytes = (size_t)(dims[0] * (rank == 2 ? dims[1] : 1)) * H5Tget_size(mem_type);
    void *buf = malloc(*bytes ? *bytes : 1);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (buf && (d < 0 || H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) {
        free(buf);
        buf = NULL;
    }
    if (d >= 0) H5Dclose(d);
    return buf;
}

// Hidden sizes from the names of /weights' groups.
static herr_t collect_hidden(hid_t g, const char *name, const H5L_info_t *info, void *data) {
    (void)g; (void)info;
    Merge *m = data;
    long long h;
    char tail;
    if (sscanf(name, "hidden_%lld%c", &h, &tail) != 1 || h < 1) return 0;
    int64_t *p = realloc(m->hidden, (size_t)(m->n_hidden + 1) * sizeof *p);
    if (!p) return -1;
    m->hidden = p;
    m->hidden[m->n_hidden++] = h;
    return 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t hidden_index(const Merge *m, int64_t h) {
    const int64_t *p = bsearch(&h, m->hidden, (size_t)m->n_hidden, sizeof h, cmp_i64);
    return p ? p - m->hidden : -1;
}

// ---------------------------------------------------------------------------------------
// Checking the parts.

// The split and scaling; the others exist only with validation folds ((v3) the target's
// only for regression).
static const char *const DATA_ARRAYS[] = {"data/train_index", "data/test_index", "data/feature_offset",
                                          "data/feature_scale", "data/folds", "data/split_feature_offset",
                                          "data/split_feature_scale", "data/split_target_offset",
                                          "data/split_target_scale"};
static const hid_t *const DATA_TYPES[] = {&H5T_NATIVE_INT64_g, &H5T_NATIVE_INT64_g, &H5T_NATIVE_DOUBLE_g,
                                          &H5T_NATIVE_DOUBLE_g, &H5T_NATIVE_INT32_g, &H5T_NATIVE_DOUBLE_g,
                                          &H5T_NATIVE_DOUBLE_g, &H5T_NATIVE_DOUBLE_g, &H5T_NATIVE_DOUBLE_g};
enum { N_DATA = 9, N_DATA_ALWAYS = 4 };

// (v3) Whether two parts hold the same task: its name, classes and target scaling, bit for bit.
static int same_task(const StoreTask *a, const StoreTask *b) {
    if (a->task != b->task || a->n_classes != b->n_classes || !a->class_names != !b->class_names ||
        memcmp(&a->target_offset, &b->target_offset, sizeof(double)) != 0 ||
        memcmp(&a->target_scale, &b->target_scale, sizeof(double)) != 0)
        return 0;
    for (int64_t c = 0; a->class_names && c < a->n_classes; c++)
        if (strcmp(a->class_names[c], b->class_names[c]) != 0) return 0;
    return 1;
}

// Open every part and check it against the first: a sweep results file of the same format,
// spec, data and shape.
static int open_parts(Merge *m) {
    void *ref[N_DATA] = {0};
    size_t ref_bytes[N_DATA] = {0};
    StoreTask ref_task;
    memset(&ref_task, 0, sizeof ref_task);
    hid_t ref_summary_type = -1;
    hsize_t ref_curve[3] = {0};
    int rc = SWEEP_OK;
    for (int i = 0; rc == SWEEP_OK && i < m->n_parts; i++) {
        Part *p = &m->parts[i];
        // Is a sweep writing this part right now? (It holds PATH.lock; the kernel drops that
        // lock when a sweep dies, so a killed shard's file merges fine.)
        if (fsutil_lock_held(p->path)) {
            rc = say(m->err, SWEEP_ERR_RUNTIME, "%s: a sweep is still writing it (it holds %s.lock); "
                     "merge once it has finished", p->path, p->path);
            break;
        }
        if ((rc = store_open_read(p->path, &p->file, m->err))) {
            char why[ERR_LEN];
            snprintf(why, sizeof why, "%s", m->err);
            if (strstr(why, "sweep results file")) rc = say(m->err, rc, "%s", why);
            else rc = say(m->err, rc, "%s (expected a sweep results file)", why);
            break;
        }
        int64_t version = 0, n = -1;
        hsize_t curve[3], summary[3];
        if (h5util_attr_i64(p->file, "format_version", &version) != 0 || version != STORE_FORMAT_VERSION) {
            rc = say(m->err, SWEEP_ERR_USAGE, "%s: format_version %lld, written by %s sweep; this sweep merges version %d only",
                     p->path, (long long)version, version < STORE_FORMAT_VERSION ? "an older" : "a newer",
                     STORE_FORMAT_VERSION);
            break;
        }
        int bad = h5util_attr_read(p->file, "spec_sha256", p->sha, sizeof p->sha) != 0;
        bad |= h5util_attr_i64(p->file, "n_configs", &n) != 0;
        bad |= dataset_dims(p->file, "summary", summary) != 1;
        bad |= dataset_dims(p->file, "curves/train_loss", curve) != 2;
        h5util_attr_read(p->file, "shard", p->shard, sizeof p->shard);
        if (cli_parse_shard(p->shard, &p->shard_k, &p->shard_n) != 0) p->shard_n = 0;
        if (bad || n < 0 || summary[0] != (hsize_t)n) {
            rc = say(m->err, SWEEP_ERR_USAGE, "%s: not a complete sweep results file", p->path);
            break;
        }
        const Part *first = &m->parts[0];
        if (i == 0) {
            m->n_configs = n;
            m->n_curves = store_n_curves(p->file);
            m->max_epochs = (int64_t)curve[1];
            ref_curve[0] = curve[0];
            ref_curve[1] = curve[1];
        } else if (strcmp(p->sha, first->sha) != 0) {
            rc = say(m->err, SWEEP_ERR_USAGE, "%s: written by a different spec than %s (spec_sha256 %.12s... vs "
                     "%.12s...); only shards of one spec merge", p->path, first->path, p->sha, first->sha);
            break;
        } else if (n != m->n_configs || curve[0] != ref_curve[0] || curve[1] != ref_curve[1]) {
            rc = say(m->err, SWEEP_ERR_USAGE, "%s: holds %lld configs of up to %llu epochs, %s %lld of up to %lld",
                     p->path, (long long)n, (unsigned long long)curve[1], first->path, (long long)m->n_configs,
                     (long long)m->max_epochs);
            break;
        }
        // (v3) The same task, classes and target scaling.
        StoreTask task;
        char why[ERR_LEN];
        if (store_task_read(p->file, &task, why) != SWEEP_OK) {
            rc = say(m->err, SWEEP_ERR_USAGE, "%s: %s", p->path, why);
            break;
        }
        if (i == 0) {
            ref_task = task;
            m->n_out = task.n_out;
        } else {
            int same = same_task(&task, &ref_task);
            store_task_free(&task);
            if (!same) {
                rc = say(m->err, SWEEP_ERR_USAGE, "%s: its task, classes or target scaling differ from %s's (/data); was "
                         "the data file changed between the shards?", p->path, first->path);
                break;
            }
        }
        // The same data: the split and the scaling (a changed data file keeps the spec's hash).
        for (int a = 0; rc == SWEEP_OK && a < N_DATA; a++) {
            size_t bytes = 0;
            int present = a < N_DATA_ALWAYS || H5Lexists(p->file, DATA_ARRAYS[a], H5P_DEFAULT) > 0;
            void *v = present ? read_whole(p->file, DATA_ARRAYS[a], *DATA_TYPES[a], &bytes) : NULL;
            if (!present && (i == 0 || !ref[a])) continue;   // no folds here, nor in the first part
            if (!v && present) {
                rc = say(m->err, SWEEP_ERR_USAGE, "%s: cannot read /%s; not a complete sweep results file",
                         p->path, DATA_ARRAYS[a]);
            } else if (i == 0) {
                ref[a] = v;
                ref_bytes[a] = bytes;
                v = NULL;
            } else if (bytes != ref_bytes[a] || memcmp(v, ref[a], bytes) != 0) {
                rc = say(m->err, SWEEP_ERR_USAGE, "%s: its data differ from %s's (/%s); was the data file changed "
                         "between the shards?", p->path, first->path, DATA_ARRAYS[a]);
            }
            free(v);
        }
        if (rc != SWEEP_OK) break;
        hid_t sd = H5Dopen2(p->file, "summary", H5P_DEFAULT);
        hid_t st = sd >= 0 ? H5Dget_type(sd) : -1;
        if (sd >= 0) H5Dclose(sd);
        if (st < 0) {
            rc = say(m->err, SWEEP_ERR_USAGE, "%s: cannot read /summary", p->path);
        } else if (i == 0) {
            ref_summary_type = st;
            m->summary_size = H5Tget_size(st);
            st = -1;
        } else if (H5Tequal(st, ref_summary_type) <= 0) {
            rc = say(m->err, SWEEP_ERR_USAGE, "%s: its /summary table differs in layout from %s's", p->path, first->path);
        }
        if (st >= 0) H5Tclose(st);
    }
    for (int a = 0; a < N_DATA; a++) free(ref[a]);
    store_task_free(&ref_task);
    if (ref_summary_type >= 0) H5Tclose(ref_summary_type);
    return rc;
}

// Read the status column of configs [start, start + n) of one part.
static int read_status(const Part *p, int64_t start, int64_t n, uint8_t *out) {
    hid_t t = store_status_type();
    int rc = h5util_read_slice(p->file, "summary", t, start, n, out);
    H5Tclose(t);
    return rc;
}

// Which part holds each config of the slice: owner[i] = part index, -1 none, -2 several.
static int slice_owners(Merge *m, int64_t start, int64_t n, uint8_t *status, int *owner, int count) {
    for (int64_t i = 0; i < n; i++) owner[i] = -1;
    for (int j = 0; j < m->n_parts; j++) {
        Part *p = &m->parts[j];
        if (read_status(p, start, n, status) != 0)
            return say(m->err, SWEEP_ERR_RUNTIME, "%s: cannot read /summary", p->path);
        for (int64_t i = 0; i < n; i++) {
            if (status[i] == STATUS_PENDING) continue;
            if (count) {
                p->present++;
                if (status[i] == STATUS_FAILED) p->failed++;
            }
            owner[i] = owner[i] == -1 ? j : -2;
        }
    }
    return SWEEP_OK;
}

typedef struct {
    int64_t missing, duplicated, failed;
    int64_t missing_ids[LIST_MAX], dup_ids[LIST_MAX];
    int dup_a[LIST_MAX], dup_b[LIST_MAX];   // two parts holding each listed duplicate
} Scan;

// Pass 1: count what each part holds, find configs held twice or by none.
static int scan(Merge *m, Scan *s) {
    memset(s, 0, sizeof *s);
    uint8_t *status = malloc(SLICE);
    int *owner = malloc(SLICE * sizeof *owner);
    int rc = status && owner ? SWEEP_OK : say(m->err, SWEEP_ERR_RUNTIME, "out of memory");
    for (int64_t start = 0; rc == SWEEP_OK && start < m->n_configs; start += SLICE) {
        int64_t n = m->n_configs - start < SLICE ? m->n_configs - start : SLICE;
        if ((rc = slice_owners(m, start, n, status, owner, 1))) break;
        for (int64_t i = 0; i < n; i++) {
            if (owner[i] == -1) {
                if (s->missing < LIST_MAX) s->missing_ids[s->missing] = start + i;
                s->missing++;
            } else if (owner[i] == -2) {
                if (s->duplicated < LIST_MAX) {   // find the first two holders again
                    int k = (int)s->duplicated, found = 0;
                    s->dup_ids[k] = start + i;
                    for (int j = 0; j < m->n_parts && found < 2; j++) {
                        uint8_t st = 0;
                        if (read_status(&m->parts[j], start + i, 1, &st) == 0 && st != STATUS_PENDING) {
                            if (found++ == 0) s->dup_a[k] = j; else s->dup_b[k] = j;
                        }
                    }
                }
                s->duplicated++;
            }
        }
        if (g_merge_stop) rc = say(m->err, SWEEP_ERR_INTERRUPTED, "interrupted; nothing written");
    }
    for (int j = 0; j < m->n_parts; j++) s->failed += m->parts[j].failed;
    free(status);
    free(owner);
    return rc;
}

static void list_ids(char *buf, size_t n, const int64_t *ids, int64_t count) {
    size_t len = 0;
    buf[0] = '\0';
    for (int64_t i = 0; i < count && i < LIST_MAX && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%lld", i ? ", " : "", (long long)ids[i]);
    if (count > LIST_MAX && len < n) snprintf(buf + len, n - len, ", ... (%lld in all)", (long long)count);
}

// " (no part for shard 2/3)" when every part is a shard of the same N and some K is absent.
static void missing_shards(const Merge *m, char *buf, size_t n) {
    buf[0] = '\0';
    int64_t N = m->parts[0].shard_n;
    for (int j = 0; j < m->n_parts; j++)
        if (m->parts[j].shard_n != N) return;
    if (N < 2 || N > 65536) return;
    char *seen = calloc((size_t)N, 1);
    if (!seen) return;
    for (int j = 0; j < m->n_parts; j++) seen[m->parts[j].shard_k] = 1;
    size_t len = 0;
    int listed = 0;
    for (int64_t k = 0; k < N && len < n; k++) {
        if (seen[k]) continue;
        if (listed == 5) { len += (size_t)snprintf(buf + len, n - len, ", ..."); break; }
        len += (size_t)snprintf(buf + len, n - len, "%s%lld/%lld", listed ? ", " : " (no part for shard ",
                                (long long)k, (long long)N);
        listed++;
    }
    if (listed && len < n) snprintf(buf + len, n - len, ")");
    free(seen);
}

// ---------------------------------------------------------------------------------------
// Writing.

// Copy src to dst byte for byte, keeping holes (unwritten weights stay sparse).
static int copy_bytes(const char *src, const char *dst, char *err) {
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return say(err, SWEEP_ERR_RUNTIME, "%s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out < 0) {
        int e = errno;
        close(in);
        return say(err, SWEEP_ERR_RUNTIME, "%s: cannot create: %s", dst, strerror(e));
    }
    struct stat sb;
    char *buf = malloc(COPY_BUFFER);
    int rc = fstat(in, &sb) == 0 && buf ? SWEEP_OK : say(err, SWEEP_ERR_RUNTIME, "%s: %s", src, buf ? strerror(errno) : "out of memory");
    off_t size = sb.st_size, pos = 0;
    while (rc == SWEEP_OK && pos < size) {
        off_t data = lseek(in, pos, SEEK_DATA);
        if (data < 0 && errno == ENXIO) break;       // only a hole is left
        if (data < 0) data = pos;                    // no SEEK_DATA here: copy everything
        off_t hole = lseek(in, data, SEEK_HOLE);
        if (hole < 0 || hole > size) hole = size;
        for (off_t at = data; rc == SWEEP_OK && at < hole;) {
            size_t want = hole - at < COPY_BUFFER ? (size_t)(hole - at) : COPY_BUFFER;
            ssize_t got = pread(in, buf, want, at);
            if (got <= 0) { rc = say(err, SWEEP_ERR_RUNTIME, "%s: read error: %s", src, got ? strerror(errno) : "file shrank"); break; }
            for (ssize_t done = 0; done < got;) {
                ssize_t w = pwrite(out, buf + done, (size_t)(got - done), at + done);
                if (w < 0) { rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot write: %s", dst, strerror(errno)); break; }
                done += w;
            }
            at += got;
        }
        pos = hole;
        if (g_merge_stop && rc == SWEEP_OK) rc = say(err, SWEEP_ERR_INTERRUPTED, "interrupted; nothing written");
    }
    if (rc == SWEEP_OK && ftruncate(out, size) != 0)
        rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot write: %s", dst, strerror(errno));
    free(buf);
    close(in);
    if (close(out) != 0 && rc == SWEEP_OK) rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot write: %s", dst, strerror(errno));
    return rc;
}


// Open the datasets a config's rows live in. 0, or -1 (missing, or out of memory).
static int open_rows(const Merge *m, hid_t file, Part *p) {
    return store_layout_open_rows(&p->rows, file, m->n_curves, m->hidden, m->n_hidden, m->has_initial) == 0 ? 0 : -1;
}

// Copy row `row` of src to dst (same shapes): the whole row, or for a curve its first
// `cols` columns (the rest is NaN in both). The memory type is the file's, so no conversion.
static int copy_row(hid_t src, hid_t dst, int64_t row, int64_t cols, void *buf) {
    hid_t fsp = H5Dget_space(src), type = H5Dget_type(src);
    int rank = H5Sget_simple_extent_ndims(fsp);
    hsize_t dims[3] = {0}, off[3] = {0}, cnt[3] = {0};
    H5Sget_simple_extent_dims(fsp, dims, NULL);
    off[0] = (hsize_t)row;
    cnt[0] = 1;
    for (int i = 1; i < rank; i++) cnt[i] = dims[i];
    if (rank == 2 && cols >= 0 && (hsize_t)cols < dims[1]) cnt[1] = (hsize_t)cols;
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
    hid_t msp = H5Screate_simple(rank, cnt, NULL);
    herr_t rc = H5Dread(src, type, msp, fsp, H5P_DEFAULT, buf);
    if (rc >= 0) rc = H5Dwrite(dst, type, msp, fsp, H5P_DEFAULT, buf);
    H5Sclose(msp);
    H5Sclose(fsp);
    H5Tclose(type);
    return rc < 0 ? -1 : 0;
}

// The columns of /configs the copy needs.
typedef struct {
    int64_t hidden_dim, epochs, weights_row;
} ConfigCols;

static int read_config_cols(hid_t file, int64_t start, int64_t n, ConfigCols *out) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ConfigCols));
    H5Tinsert(t, "hidden_dim", HOFFSET(ConfigCols, hidden_dim), H5T_NATIVE_INT64);
    H5Tinsert(t, "epochs", HOFFSET(ConfigCols, epochs), H5T_NATIVE_INT64);
    H5Tinsert(t, "weights_row", HOFFSET(ConfigCols, weights_row), H5T_NATIVE_INT64);
    int rc = h5util_read_slice(file, "configs", t, start, n, out);
    H5Tclose(t);
    return rc;
}

// Pass 2: copy every config that a part other than base holds into out.
static int copy_rows(Merge *m, int base, Part *out) {
    // The longest row copied: a curve's, a parameter's of the largest hidden size, or /summary's.
    int64_t longest = m->max_epochs;
    for (int64_t k = 0; k < m->n_hidden; k++)
        for (int w = 0; w < MLP_N_PARAMS; w++) {
            int64_t n = mlp_param_count(w, m->n_features, m->hidden[k], m->n_out);
            if (n > longest) longest = n;
        }
    size_t row_bytes = (size_t)longest * sizeof(double);
    if (m->summary_size > row_bytes) row_bytes = m->summary_size;
    void *buf = malloc(row_bytes ? row_bytes : 1);
    uint8_t *status = malloc(SLICE);
    int *owner = malloc(SLICE * sizeof *owner);
    ConfigCols *cols = malloc(SLICE * sizeof *cols);
    int rc = buf && status && owner && cols ? SWEEP_OK : say(m->err, SWEEP_ERR_RUNTIME, "out of memory");
    for (int64_t start = 0; rc == SWEEP_OK && start < m->n_configs; start += SLICE) {
        int64_t n = m->n_configs - start < SLICE ? m->n_configs - start : SLICE;
        if ((rc = slice_owners(m, start, n, status, owner, 0))) break;
        if (read_config_cols(out->file, start, n, cols) != 0) {
            rc = say(m->err, SWEEP_ERR_RUNTIME, "%s: cannot read /configs", m->parts[base].path);
            break;
        }
        for (int64_t i = 0; rc == SWEEP_OK && i < n; i++) {
            if (owner[i] < 0 || owner[i] == base) continue;
            Part *p = &m->parts[owner[i]];
            int64_t id = start + i, k = hidden_index(m, cols[i].hidden_dim), row = cols[i].weights_row;
            if (k < 0) {
                rc = say(m->err, SWEEP_ERR_USAGE, "%s: config %lld has hidden size %lld, which has no /weights group",
                         p->path, (long long)id, (long long)cols[i].hidden_dim);
                break;
            }
            int bad = 0;
            const StoreRows *from = &p->rows, *to = &out->rows;
            for (int c = 0; c < m->n_curves; c++) bad |= copy_row(from->curves[c], to->curves[c], id, cols[i].epochs, buf);
            for (int w = 0; w < MLP_N_PARAMS; w++) {
                bad |= copy_row(from->weights[k][w], to->weights[k][w], row, -1, buf);
                if (from->initial) bad |= copy_row(from->initial[k][w], to->initial[k][w], row, -1, buf);
            }
            bad |= copy_row(from->summary, to->summary, id, -1, buf);   // last, as in a commit
            if (bad) rc = say(m->err, SWEEP_ERR_RUNTIME, "%s: cannot copy config %lld from %s: %s", out->path,
                              (long long)id, p->path, h5util_strerror());
            if (g_merge_stop && rc == SWEEP_OK) rc = say(m->err, SWEEP_ERR_INTERRUPTED, "interrupted; nothing written");
        }
    }
    free(buf);
    free(status);
    free(owner);
    free(cols);
    return rc;
}


static char *join_command(int argc, char **argv) {
    size_t n = 8;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 3;
    char *s = malloc(n);
    if (!s) return NULL;
    strcpy(s, "sweep");
    for (int i = 0; i < argc; i++) {
        int quote = strpbrk(argv[i], " \t") != NULL;
        strcat(s, quote ? " '" : " ");
        strcat(s, argv[i]);
        if (quote) strcat(s, "'");
    }
    return s;
}

// Build OUT.tmp from the parts and rename it to OUT.
static int build(Merge *m, const char *out_path, const char *command, const char *status, char *err) {
    int base = 0;
    for (int j = 1; j < m->n_parts; j++)
        if (m->parts[j].present > m->parts[base].present) base = j;
    size_t len = strlen(out_path) + 8;
    char *tmp = malloc(len), *lock = fsutil_lock_path(out_path);
    if (!tmp || !lock) { free(tmp); free(lock); return say(err, SWEEP_ERR_RUNTIME, "out of memory"); }
    snprintf(tmp, len, "%s.tmp", out_path);
    // OUT.lock, as a sweep takes it: a sweep or another merge on OUT is refused meanwhile.
    int lock_fd = -1;
    int rc = fsutil_lock_acquire(lock, out_path, "a sweep or merge is writing it", &lock_fd, err);
    if (rc != SWEEP_OK) { free(tmp); free(lock); return rc; }
    Part out;
    memset(&out, 0, sizeof out);
    out.path = tmp;
    out.file = -1;
    rc = copy_bytes(m->parts[base].path, tmp, err);
    h5util_errno_clear();
    if (rc == SWEEP_OK) {
        hid_t fapl = h5util_file_access();   // a row is one exact write, as in the store
        out.file = H5Fopen(tmp, H5F_ACC_RDWR, fapl);
        H5Pclose(fapl);
        if (out.file < 0)
            rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot open the copy of %s: %s", tmp, m->parts[base].path, h5util_strerror());
    }
    for (int j = 0; rc == SWEEP_OK && j < m->n_parts; j++)
        if (j != base && m->parts[j].present > 0 && open_rows(m, m->parts[j].file, &m->parts[j]) != 0)
            rc = say(err, SWEEP_ERR_USAGE, "%s: not a complete sweep results file (a /curves or /weights dataset "
                     "is missing)", m->parts[j].path);
    if (rc == SWEEP_OK && open_rows(m, out.file, &out) != 0)
        rc = say(err, SWEEP_ERR_USAGE, "%s: not a complete sweep results file", m->parts[base].path);
    if (rc == SWEEP_OK) rc = copy_rows(m, base, &out);
    for (int j = 0; j < m->n_parts; j++) store_layout_close_rows(&m->parts[j].rows);
    store_layout_close_rows(&out.rows);
    // The seed statistics before the root's attributes change: reading the tables checks the
    // file as it is on disk, and nothing HDF5 holds is then waiting to be written.
    if (rc == SWEEP_OK && strcmp(status, "complete") == 0) rc = store_write_seed_stats(out.file, err);   // names tmp
    if (rc == SWEEP_OK) {
        int bad = h5util_attr_set(out.file, "shard", "0/1") != 0;
        bad |= h5util_attr_set(out.file, "command", command) != 0;
        if (bad) rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot write the root attributes: %s", tmp, h5util_strerror());
    }
    if (rc == SWEEP_OK && h5util_attr_set(out.file, "status", status) != 0)
        rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot write the status: %s", tmp, h5util_strerror());
    if (out.file >= 0 && H5Fclose(out.file) < 0 && rc == SWEEP_OK)
        rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot close: %s", tmp, h5util_strerror());
    if (rc == SWEEP_OK && fsutil_fsync_file(tmp) != 0)
        rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot sync: %s", tmp, strerror(errno));
    if (rc == SWEEP_OK && g_merge_stop) rc = say(err, SWEEP_ERR_INTERRUPTED, "interrupted; nothing written");
    if (rc == SWEEP_OK && rename(tmp, out_path) != 0)
        rc = say(err, SWEEP_ERR_RUNTIME, "%s: cannot rename into place: %s", out_path, strerror(errno));
    if (rc == SWEEP_OK) fsutil_fsync_dir_of(out_path);
    else unlink(tmp);
    fsutil_lock_release(lock, &lock_fd);
    free(tmp);
    free(lock);
    return rc;
}

// ---------------------------------------------------------------------------------------

static int same_file(const char *a, const char *b) {
    struct stat x, y;
    if (stat(a, &x) != 0 || stat(b, &y) != 0) return strcmp(a, b) == 0;
    return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int merge_main(int argc, char **argv) {
    enum { OPT_PARTIAL = 256, OPT_FORCE };
    static const struct option longopts[] = {
        {"allow-partial", no_argument, 0, OPT_PARTIAL}, {"force", no_argument, 0, OPT_FORCE},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int partial = 0, force = 0, quiet = 0, ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_PARTIAL: partial = 1; break;
        case OPT_FORCE: force = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(USAGE, stdout); return SWEEP_OK;
        default: return cli_usage("merge", "%s: unknown option", argv[optind - 1]);
        }
    }
    if (argc - optind < 2) return cli_usage("merge", "expected OUT.h5 and at least one PART.h5");
    const char *out_path = argv[optind];
    int n_parts = argc - optind - 1;
    char **paths = argv + optind + 1;
    if (out_path[0] == '\0') return cli_usage("merge", "OUT.h5: expected a file path, found \"\"");
    struct stat sb;
    if (stat(out_path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_usage("merge", "%s: is a directory; expected a results file path", out_path);
    for (int i = 0; i < n_parts; i++) {
        if (same_file(paths[i], out_path))
            return cli_usage("merge", "%s: is both the output and a part; write the merge to a new file", paths[i]);
        for (int j = 0; j < i; j++)
            if (same_file(paths[i], paths[j])) return cli_usage("merge", "%s: is given twice", paths[i]);
    }
    if (!force && access(out_path, F_OK) == 0) {
        fprintf(stderr, "sweep merge: %s: already exists; pass --force to replace it\n", out_path);
        return SWEEP_ERR_USAGE;
    }

    sweep_install_signals(on_signal);

    char err[ERR_LEN] = "";
    Merge m;
    memset(&m, 0, sizeof m);
    m.err = err;
    m.n_parts = n_parts;
    m.parts = calloc((size_t)n_parts, sizeof *m.parts);
    if (!m.parts) { fprintf(stderr, "sweep merge: out of memory\n"); return SWEEP_ERR_RUNTIME; }
    for (int i = 0; i < n_parts; i++) {
        m.parts[i].path = paths[i];
        m.parts[i].file = -1;
    }
    int rc = open_parts(&m);
    Scan s;
    memset(&s, 0, sizeof s);
    if (rc == SWEEP_OK) {
        hid_t w = H5Gopen2(m.parts[0].file, "weights", H5P_DEFAULT);
        if (w < 0 || H5Literate(w, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, collect_hidden, &m) < 0 || m.n_hidden == 0)
            rc = say(err, SWEEP_ERR_USAGE, "%s: not a complete sweep results file (no /weights groups)", m.parts[0].path);
        if (w >= 0) H5Gclose(w);
        if (m.n_hidden) qsort(m.hidden, (size_t)m.n_hidden, sizeof *m.hidden, cmp_i64);
        m.has_initial = H5Lexists(m.parts[0].file, "initial_weights", H5P_DEFAULT) > 0;
        hsize_t dims[3];
        if (rc == SWEEP_OK) {
            char name[64];
            snprintf(name, sizeof name, "weights/hidden_%lld/W1", (long long)m.hidden[0]);
            if (dataset_dims(m.parts[0].file, name, dims) != 3)
                rc = say(err, SWEEP_ERR_USAGE, "%s: not a complete sweep results file (no %s)", m.parts[0].path, name);
            m.n_features = (int64_t)dims[1];
        }
    }
    if (rc == SWEEP_OK) rc = scan(&m, &s);
    char ids[512], hint[256];
    if (rc == SWEEP_OK && s.duplicated > 0) {
        int64_t id = s.dup_ids[0];
        const Part *a = &m.parts[s.dup_a[0]], *b = &m.parts[s.dup_b[0]];
        list_ids(ids, sizeof ids, s.dup_ids, s.duplicated);
        rc = say(err, SWEEP_ERR_USAGE, "config %lld is finished in both %s (shard %s) and %s (shard %s); "
                 "%lld config%s finished in more than one part (ids %s): give each shard once",
                 (long long)id, a->path, a->shard, b->path, b->shard, (long long)s.duplicated,
                 s.duplicated == 1 ? " is" : "s are", ids);
    }
    if (rc == SWEEP_OK && s.missing > 0 && !partial) {
        list_ids(ids, sizeof ids, s.missing_ids, s.missing);
        missing_shards(&m, hint, sizeof hint);
        rc = say(err, SWEEP_ERR_USAGE, "missing %lld of %lld configs: ids %s%s; merge their shards too, or "
                 "pass --allow-partial to merge what there is", (long long)s.missing, (long long)m.n_configs, ids, hint);
    }
    char *command = rc == SWEEP_OK ? join_command(argc, argv) : NULL;
    if (rc == SWEEP_OK && !command) rc = say(err, SWEEP_ERR_RUNTIME, "out of memory");
    const char *status = s.missing == 0 && s.failed == 0 ? "complete" : "interrupted";
    if (rc == SWEEP_OK) rc = build(&m, out_path, command, status, err);
    free(command);
    for (int i = 0; i < n_parts; i++)
        if (m.parts[i].file >= 0) H5Fclose(m.parts[i].file);
    free(m.parts);
    free(m.hidden);
    if (rc != SWEEP_OK) {
        fprintf(stderr, "sweep merge: %s\n", err);
        return rc;
    }
    if (!quiet) {
        fprintf(stderr, "sweep merge: %lld of %lld configs from %d part%s -> %s (%s)\n",
                (long long)(m.n_configs - s.missing), (long long)m.n_configs, n_parts, n_parts == 1 ? "" : "s",
                out_path, status);
        if (s.missing > 0) {
            list_ids(ids, sizeof ids, s.missing_ids, s.missing);
            fprintf(stderr, "sweep merge: missing %lld configs (ids %s); sweep --resume -o %s SPEC runs them\n",
                    (long long)s.missing, ids, out_path);
        }
    }
    if (s.failed > 0)
        fprintf(stderr, "sweep merge: %lld config%s failed in %s shard (out of memory); sweep --resume -o %s SPEC "
                "retries %s\n", (long long)s.failed, s.failed == 1 ? "" : "s", s.failed == 1 ? "its" : "their",
                out_path, s.failed == 1 ? "it" : "them");
    return SWEEP_OK;
}
