// store_commit.c: the commit protocol and its background syncer (see store_commit.h).
#include "store_commit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "h5util.h"
#include "mlp.h"
#include "store.h"
#include "store_layout.h"
#include "sweep.h"

#define SYNC_INTERVAL 0.25         // a round of fsync and status publication (see "Durability")
#define SYNC_LEGACY_SECONDS 2.0    // the old ordering's fsync interval
#define STATUS_ROOM (64 * 1024)    // bytes the file may grow by when its status is rewritten

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

static int legacy_wanted(void) {
    const char *v = getenv("SWEEP_COMMIT_ORDER");
    return v && strcmp(v, "legacy") == 0;
}

static int64_t n_params(const Store *st, const Config *c) {
    return mlp_param_total(st->n_features, c->hyper.hidden_dim, st->n_out);   // O outputs
}

// Doubles a staged config takes: its curves, its weights, its initial weights if stored.
static int64_t staged_size(const Store *st, const Config *c) {
    return st->rows.n_curves * c->hyper.epochs + (st->rows.initial ? 2 : 1) * n_params(st, c);
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

void store_commit_free(Store *st) {
    batch_free(&st->fill);
    batch_free(&st->spare);
    free(st->scratch);
    st->scratch = NULL;
    st->cap_scratch = 0;
}

// A model's parameters, one after another in MLP_PARAM_NAMES order, from p on; returns the end.
static double *put_model(double *p, const Mlp *m) {
    for (int k = 0; k < MLP_N_PARAMS; k++) {
        int64_t n = mlp_param_count(k, m->n_in, m->n_hidden, m->n_out);
        memcpy(p, mlp_param(m, k), (size_t)n * sizeof *p);
        p += n;
    }
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
    for (int i = 0; i < st->rows.n_curves; i++) {
        memcpy(p, r->curves[i], (size_t)c->hyper.epochs * sizeof *p);
        p += c->hyper.epochs;
    }
    p = put_model(p, train_result_model(r));
    if (st->rows.initial) put_model(p, &r->initial);
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

// Part `what` (the curves, then the weights' parameters in MLP_PARAM_NAMES order, then the
// initial weights') of staged config s: where it starts in the arena and how many doubles it has.
static const double *staged_part(const Store *st, const StoreBatch *b, const StoreStaged *s, int what, int64_t *len) {
    const Config *c = s->config;
    int64_t E = c->hyper.epochs, D = st->n_features, H = c->hyper.hidden_dim;
    const double *p = b->arena + s->offset;
    if (what < st->rows.n_curves) { *len = E; return p + what * E; }
    p += st->rows.n_curves * E;
    int w = what - st->rows.n_curves;
    if (w >= MLP_N_PARAMS) { p += n_params(st, c); w -= MLP_N_PARAMS; }
    for (int k = 0; k < w; k++) p += mlp_param_count(k, D, H, st->n_out);
    *len = mlp_param_count(w, D, H, st->n_out);
    return p;
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
    return h5util_write_rows(st->rows.summary, st->summary_mem, s[0].row.id, k, -1, rows, st->dxpl);
}

// Write every staged row of batch b, one write per dataset per run (io_mu held). 0 or -1;
// *done: how many of b->staged (sorted by id now) are written whole.
static int write_staged(Store *st, StoreBatch *b, int64_t *done) {
    *done = 0;
    qsort(b->staged, (size_t)b->n_staged, sizeof *b->staged, staged_by_id);
    int parts = st->rows.n_curves + (st->rows.initial ? 2 : 1) * MLP_N_PARAMS, rc = 0;
    for (int64_t i = 0; i < b->n_staged && rc == 0;) {
        int64_t biggest = 0, j = i + 1;
        for (int what = 0; what < parts; what++) {   // the longest part: a curve or a parameter
            int64_t len = 0;
            staged_part(st, b, &b->staged[i], what, &len);
            if (len > biggest) biggest = len;
        }
        int64_t E = b->staged[i].config->hyper.epochs;
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
            if (what < st->rows.n_curves) {
                rc = h5util_write_rows(st->rows.curves[what], H5T_NATIVE_DOUBLE, c->id, k, E, st->scratch, st->dxpl);
            } else {
                int w = what - st->rows.n_curves;
                hid_t d = w < MLP_N_PARAMS ? st->rows.weights[h][w] : st->rows.initial[h][w - MLP_N_PARAMS];
                rc = h5util_write_rows(d, H5T_NATIVE_DOUBLE, c->weights_row, k, -1, st->scratch, st->dxpl);
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
        rc = h5util_write_rows(st->rows.summary, st->status_mem, rows[i].id, j - i, -1, status, st->dxpl);
        i = j;
    }
    return rc;
}

enum { SYNC_FAILED_WRITE = 1, SYNC_FAILED_FSYNC = 2 };

// One round of the protocol above, also store_close's last. Returns 0, an fsync's errno,
// or -1 when HDF5 could not write; a failure is also kept for sync_error.
static int sync_round(Store *st) {
    h5util_errno_clear();
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
    if (rc != 0 && !st->sync_failed) {
        st->sync_failed = rc > 0 ? SYNC_FAILED_FSYNC : SYNC_FAILED_WRITE;
        st->sync_errno = rc > 0 ? rc : h5util_errno();
    }
    st->spare = b;                                // its buffers, for the next round
    pthread_mutex_unlock(&st->q_mu);
    return rc;
}

static void *syncer_loop(void *arg) {
    Store *st = arg;
    h5util_quiet_thread();
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
    if (!st->sync_failed) return SWEEP_OK;
    if (st->sync_failed == SYNC_FAILED_WRITE)
        return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot write the results of finished configs: %s", st->path,
                    e ? strerror(e) : "an HDF5 error");
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

int store_commit_start(Store *st) {
    st->legacy_order = legacy_wanted();
    return st->fd >= 0 ? syncer_start(st) : 0;
}

// ---------------------------------------------------------------------------------------
// Commits.

// A model's row of each weights dataset (h: W1, b1, W2, b2, as MLP_PARAM_NAMES).
static int write_weights(const Store *st, const hid_t h[MLP_N_PARAMS], int64_t row, const Mlp *m) {
    int rc = 0;
    for (int p = 0; p < MLP_N_PARAMS; p++)
        rc |= h5util_write_rows(h[p], H5T_NATIVE_DOUBLE, row, 1, -1, mlp_param(m, p), st->dxpl);
    return rc;
}

// A finished config's rows of /curves and of the weights (and initial weights), written now
// (io_mu held). 0 or -1.
static int write_config(const Store *st, const Config *c, const Run *r) {
    int rc = 0;
    int64_t k = grid_hidden_index(st->grid, c->hyper.hidden_dim);
    for (int i = 0; i < st->rows.n_curves; i++)
        rc |= h5util_write_rows(st->rows.curves[i], H5T_NATIVE_DOUBLE, c->id, 1, c->hyper.epochs, r->curves[i], st->dxpl);
    rc |= write_weights(st, st->rows.weights[k], c->weights_row, train_result_model(r));
    if (st->rows.initial) rc |= write_weights(st, st->rows.initial[k], c->weights_row, &r->initial);
    return rc;
}

static int write_failed(const Store *st, int64_t id, char *err) {
    return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot write the results of config %lld: %s", st->path, (long long)id,
                h5util_strerror());
}

void store_summary_row(SummaryRow *row, const Config *c, const Run *r) {
    store_layout_pending_row(row, c->id);
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
    int rc = r ? write_config(st, c, r) : 0;
    if (rc != 0 || H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0 ||
        h5util_write_rows(st->rows.summary, st->summary_mem, row->id, 1, -1, row, st->dxpl) != 0 ||
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
    pthread_mutex_lock(&st->io_mu);
    int bad = write_config(st, c, r);
    SummaryRow values = *row;
    values.status = STATUS_PENDING;
    bad |= h5util_write_rows(st->rows.summary, st->summary_mem, row->id, 1, -1, &values, st->dxpl);
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
    h5util_quiet_thread();
    h5util_errno_clear();
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

int store_write_failed(Store *st, const Config *c, char *err) {
    SummaryRow row;
    store_layout_pending_row(&row, c->id);
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
    h5util_errno_clear();
    errno = 0;
    int bad = make_room(st) != 0 || h5util_attr_set(st->file, "status", status) != 0 ||
              H5Fflush(st->file, H5F_SCOPE_LOCAL) < 0 || trim(st) != 0;
    int e = h5util_errno() ? h5util_errno() : errno;   // HDF5's write, or our ftruncate or fsync
    pthread_mutex_unlock(&st->io_mu);
    if (bad) return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot write the status \"%s\": %s", st->path, status,
                         e ? strerror(e) : "an HDF5 error");
    return syncer_mark_dirty(st, err);
}

// The last round, by hand, once the syncer has stopped: rows still queued are synced and
// their statuses written (the fsync after them comes at the close). Reports any error a
// background round left.
int store_commit_drain(Store *st, char *err) {
    syncer_stop(st);
    if (st->fd < 0) return SWEEP_OK;
    sync_round(st);
    pthread_mutex_lock(&st->q_mu);
    int rc = sync_error(st, err);
    pthread_mutex_unlock(&st->q_mu);
    return rc;
}
