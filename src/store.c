// store.c: the Store, a results file open for commits, and its life (see store.h): created
// (locked, built under PATH.tmp by store_layout, renamed into place) or resumed (checked
// against the spec and data), then closed with its final status or abandoned after an
// error. The commits themselves are store_commit.c's.
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fsutil.h"
#include "sweep.h"

#define STATUS_SLICE 4096   // resume reads the status column in slices of this many rows

// ---------------------------------------------------------------------------------------
// Opening for commits.

static int store_init_paths(Store *st, const char *path) {
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->io_mu, NULL);
    pthread_mutex_init(&st->q_mu, NULL);
    st->file = -1;
    st->lock_fd = -1;
    st->fd = -1;
    st->path = strdup(path);
    st->lock_path = fsutil_lock_path(path);
    return st->path && st->lock_path ? 0 : -1;
}

static void store_free(Store *st) {
    pthread_mutex_destroy(&st->io_mu);
    pthread_mutex_destroy(&st->q_mu);
    store_commit_free(st);
    free(st->path);
    free(st->lock_path);
    st->path = st->lock_path = NULL;
}

// Closes every handle and the file: 0, or -1 when HDF5 could not write what it still held
// (h5util_errno says why).
static int close_handles(Store *st) {
    store_layout_close_rows(&st->rows);
    if (st->summary_mem > 0) H5Tclose(st->summary_mem);
    if (st->status_mem > 0) H5Tclose(st->status_mem);
    if (st->dxpl > 0) H5Pclose(st->dxpl);
    int rc = st->file >= 0 && H5Fclose(st->file) < 0 ? -1 : 0;
    st->file = -1;
    return rc;
}

// Opening for writing writes the superblock: a failing disk shows here first, and is an I/O
// error (1), not a file that is not a results file (2).
static int store_open_file(Store *st, char *err) {
    hid_t fapl = h5util_file_access();
    h5util_errno_clear();
    st->file = H5Fopen(st->path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (st->file >= 0) return SWEEP_OK;
    int e = h5util_errno();
    if (e && e != EACCES && e != EPERM && e != ENOENT && e != EROFS)
        return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot open it for writing: %s", st->path, strerror(e));
    return fail(err, SWEEP_ERR_USAGE, "%s: not an HDF5 file, or not writable%s%s", st->path, e ? ": " : "",
                e ? strerror(e) : "");
}

// Open every dataset a commit touches and start the background fsync.
static int store_open_datasets(Store *st, const Grid *g, int64_t D, char *err) {
    st->grid = g;
    st->n_features = D;
    StoreTask task;   // the file's (checked against the data on resume)
    if (store_task_read(st->file, &task, err) != SWEEP_OK) {
        char why[ERR_LEN];
        snprintf(why, sizeof why, "%s", err);
        return fail(err, SWEEP_ERR_USAGE, "%s: %s", st->path, why);
    }
    st->task = task.task;
    st->n_out = task.n_out;
    store_task_free(&task);
    int with_initial = H5Lexists(st->file, "initial_weights", H5P_DEFAULT) > 0;
    int opened = store_layout_open_rows(&st->rows, st->file, store_n_curves(st->file), g->hidden_dims, g->n_hidden,
                                        with_initial);
    if (opened == ENOMEM) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    int bad = opened != 0;
    st->summary_mem = store_task_compound(store_summary_type(), st->task);
    st->status_mem = store_status_type();
    // Our own conversion buffers: HDF5's default allocates and frees 1 MB per converting
    // write, which cost more than the write itself for small configs.
    st->dxpl = H5Pcreate(H5P_DATASET_XFER);
    bad |= st->summary_mem < 0 || st->dxpl < 0 || H5Pset_buffer(st->dxpl, sizeof st->tconv, st->tconv, st->bkg) < 0;
    if (bad) return fail(err, SWEEP_ERR_RUNTIME, "%s: not a complete sweep results file", st->path);
    void *handle = NULL;
    if (H5Fget_vfd_handle(st->file, H5P_DEFAULT, &handle) >= 0 && handle) st->fd = *(int *)handle;
    if (store_commit_start(st) != 0) return fail(err, SWEEP_ERR_RUNTIME, "cannot start the fsync thread");
    return SWEEP_OK;
}

int store_create(Store *st, const char *path, int replace, const StoreMeta *meta, const Grid *grid,
                 const Dataset *data, char *err) {
    h5util_quiet();
    if (store_init_paths(st, path) != 0) { store_free(st); return fail(err, SWEEP_ERR_RUNTIME, "out of memory"); }
    if (!replace && access(path, F_OK) == 0) {
        store_free(st);
        return fail(err, SWEEP_ERR_USAGE, "%s: already exists; pass --resume to continue it or --force to replace it", path);
    }
    int rc = fsutil_lock_acquire(st->lock_path, st->path, "another sweep is writing this file", &st->lock_fd, err);
    if (rc != SWEEP_OK) { store_free(st); return rc; }
    char *tmp = malloc(strlen(path) + 8);
    if (!tmp) {
        fsutil_lock_release(st->lock_path, &st->lock_fd);
        store_free(st);
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    }
    sprintf(tmp, "%s.tmp", path);
    errno = 0;
    h5util_errno_clear();
    if (store_layout_build(tmp, meta, grid, data) != 0) {
        int e = h5util_errno() ? h5util_errno() : errno;   // HDF5's write, or the fsync after it
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
        fsutil_fsync_dir_of(path);
        rc = store_open_file(st, err);
        if (rc == SWEEP_OK) rc = store_open_datasets(st, grid, data->n_features, err);
    }
    free(tmp);
    if (rc != SWEEP_OK) store_abandon(st);
    return rc;
}

// ---------------------------------------------------------------------------------------
// Resuming.

// The checks that need only the file: a sweep file, of this spec and data, of this grid size.
static int resume_checks(Store *st, const char *spec_sha256, const Grid *grid, const Dataset *data, char *err) {
    char text[128];
    const char *path = st->path;
    if (h5util_attr_read(st->file, "format", text, sizeof text) != 0 || strcmp(text, STORE_FORMAT_NAME) != 0)
        return store_format_damaged(st->file, path, err) ? SWEEP_ERR_USAGE
                                                          : fail(err, SWEEP_ERR_USAGE, "%s: not a sweep results file", path);
    int64_t version = store_format_version(st->file);
    if (version != STORE_FORMAT_VERSION)
        return fail(err, SWEEP_ERR_USAGE, "%s: format_version %lld, written by an older sweep; this sweep resumes "
                    "version %d only: use --force to start over or -o for a new file", path, (long long)version,
                    STORE_FORMAT_VERSION);
    int rc = store_check(st->file, err);   // every value resume reads from the file, before it is used
    if (rc != SWEEP_OK) return rc;
    if (h5util_attr_read(st->file, "spec_sha256", text, sizeof text) != 0 || strcmp(text, spec_sha256) != 0)
        return fail(err, SWEEP_ERR_USAGE, "%s: was written by a different spec (spec_sha256 %.12s..., this spec %.12s...); "
                    "use --force to start over or -o for a new file", path, text, spec_sha256);
    h5util_attr_read(st->file, "status", st->status, sizeof st->status);
    h5util_attr_read(st->file, "shard", st->shard, sizeof st->shard);
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
    char held[512], now[512];
    if (!store_task_matches(st->file, data, held, sizeof held)) {
        store_task_describe(data->task, data->task == TASK_REGRESSION ? 0 : data->n_classes, data->class_names, now,
                            sizeof now);
        return fail(err, SWEEP_ERR_USAGE, "%s: holds task %s, but the data now give task %s; use --force to start "
                    "over or -o for a new file", path, held, now);
    }
    if (!store_data_matches(st->file, data))
        return fail(err, SWEEP_ERR_USAGE, "%s: the data changed since this file was written (its split or scaling "
                    "differs); use --force to start over or -o for a new file", path);
    return SWEEP_OK;
}

int store_resume(Store *st, const char *path, const char *spec_sha256, const Grid *grid,
                 const Dataset *data, uint8_t *status, char *err) {
    h5util_quiet();
    if (store_init_paths(st, path) != 0) { store_free(st); return fail(err, SWEEP_ERR_RUNTIME, "out of memory"); }
    if (access(path, F_OK) != 0) {
        store_free(st);
        return fail(err, SWEEP_ERR_USAGE, "%s: nothing to resume: the file does not exist", path);
    }
    int rc = fsutil_lock_acquire(st->lock_path, st->path, "another sweep is writing this file", &st->lock_fd, err);
    if (rc != SWEEP_OK) { store_free(st); return rc; }
    rc = store_open_file(st, err);
    if (rc == SWEEP_OK) rc = resume_checks(st, spec_sha256, grid, data, err);
    if (rc == SWEEP_OK) rc = store_open_datasets(st, grid, data->n_features, err);
    if (rc == SWEEP_OK) {
        // Read just the status column, in slices.
        hid_t t = store_status_type();
        for (int64_t start = 0; rc == SWEEP_OK && start < grid->n_configs; start += STATUS_SLICE) {
            int64_t cnt = grid->n_configs - start < STATUS_SLICE ? grid->n_configs - start : STATUS_SLICE;
            if (h5util_read_slice(st->file, "summary", t, start, cnt, status + start) != 0)
                rc = fail(err, SWEEP_ERR_RUNTIME, "%s: cannot read /summary", path);
        }
        H5Tclose(t);
    }
    if (rc != SWEEP_OK) store_abandon(st);
    return rc;
}

// ---------------------------------------------------------------------------------------
// Reads from the file being written, and the end.

int store_read_curve_value(Store *st, int curve, int64_t id, int64_t epoch, double *out) {
    if (curve < 0 || curve >= st->rows.n_curves || epoch < 1) return -1;
    pthread_mutex_lock(&st->io_mu);   // the syncer may be writing the file
    hid_t fsp = H5Dget_space(st->rows.curves[curve]);
    hsize_t off[2] = {(hsize_t)id, (hsize_t)(epoch - 1)}, cnt[2] = {1, 1};
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
    hid_t msp = H5Screate_simple(2, cnt, NULL);
    herr_t rc = H5Dread(st->rows.curves[curve], H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, out);
    H5Sclose(msp);
    H5Sclose(fsp);
    pthread_mutex_unlock(&st->io_mu);
    return rc < 0 ? -1 : 0;
}

int store_read_summary_row(Store *st, int64_t id, SummaryRow *out) {
    store_layout_pending_row(out, id);
    pthread_mutex_lock(&st->io_mu);   // the syncer may be writing the file
    hid_t fsp = H5Dget_space(st->rows.summary);
    hsize_t off = (hsize_t)id, cnt = 1;
    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    hid_t msp = H5Screate_simple(1, &cnt, NULL);
    herr_t rc = H5Dread(st->rows.summary, st->summary_mem, msp, fsp, H5P_DEFAULT, out);
    H5Sclose(msp);
    H5Sclose(fsp);
    pthread_mutex_unlock(&st->io_mu);
    return rc < 0 ? -1 : 0;
}

// Whether no config in the file is pending (*all; a shard's file has other shards' rows
// pending). SWEEP_OK, or an exit status with err filled.
static int all_finished(Store *st, int *all, char *err) {
    ConfigRow *c;
    SummaryRow *s;
    int64_t n;
    *all = 0;
    int rc = store_read_tables(st->file, &c, &s, &n, err);
    if (rc != SWEEP_OK) return rc;
    *all = 1;
    for (int64_t i = 0; i < n; i++) *all &= s[i].status != STATUS_PENDING;
    free(c);
    free(s);
    return SWEEP_OK;
}

int store_is_complete(Store *st, int *complete, char *err) {
    *complete = 0;
    if (strcmp(st->status, "complete") != 0) return SWEEP_OK;
    int all, same = 1, rc = all_finished(st, &all, err);
    if (rc == SWEEP_OK && all) rc = store_seed_stats_current(st->file, &same, err);
    *complete = rc == SWEEP_OK && same;
    return rc;
}

int store_close(Store *st, const char *status, char *err) {
    int rc = store_commit_drain(st, err), all = 0;
    if (rc == SWEEP_OK && strcmp(status, "complete") == 0) rc = all_finished(st, &all, err);
    if (rc == SWEEP_OK && all) {
        // Derived from the rows, and part of a complete file: a file whose seed statistics
        // could not be written is not complete (it keeps its status; --resume writes them).
        rc = store_write_seed_stats(st->file, err);
    }
    if (rc != SWEEP_OK) {
        store_abandon(st);
        return rc;
    }
    rc = store_set_status(st, status, err);
    st->fd = -1;
    h5util_errno_clear();
    if (close_handles(st) != 0 && rc == SWEEP_OK)
        rc = fail(err, SWEEP_ERR_RUNTIME, "%s: cannot close it: %s", st->path, h5util_strerror());
    // The statuses, the final status and whatever HDF5 wrote at close, on disk before we
    // say "done".
    if (fsutil_fsync_file(st->path) != 0 && rc == SWEEP_OK)
        rc = fail(err, SWEEP_ERR_RUNTIME, "%s: fsync failed: %s", st->path, strerror(errno));
    fsutil_lock_release(st->lock_path, &st->lock_fd);
    store_free(st);
    return rc;
}

void store_abandon(Store *st) {
    char err[ERR_LEN];
    // Best effort after a failure: the configs committed before it get their statuses.
    if (store_commit_drain(st, err) == SWEEP_OK && st->fd >= 0) fsync(st->fd);
    st->fd = -1;
    close_handles(st);
    fsutil_lock_release(st->lock_path, &st->lock_fd);
    store_free(st);
}
