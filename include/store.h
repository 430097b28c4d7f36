// store.h: the results file (DESIGN section 4). Every object is created, full size, before
// the first config trains; afterwards only raw data is written: a config's rows when it is
// committed, its status once those rows are durable (store_commit.h). Commits may come from
// any thread; the store serialises them with its background syncer.
//
// The store is one module in rooms, each with its header and its contract:
//   rows.h             the rows as held in memory (no HDF5, no threads: for pure modules)
//   h5util.h           small HDF5 helpers: attributes, types, datasets, rows by hyperslab
//   fsutil.h           the lock file beside a results file, fsync of a file and its directory
//   store_layout.h     the file as created: objects, compound types, rows at creation, size
//   store_commit.h     the commit protocol and its background syncer, the root status
//   store_read.h       reading a file back, read-only
//   store_seedstats.h  the seed statistics, filled once every config is finished
// This header is the front door: the Store (a file open for commits) and its life, create or
// resume, then close or abandon (store.c); it includes the rooms' public headers, so a module
// that uses the store includes this one alone.
#ifndef STORE_H
#define STORE_H

#include <hdf5.h>
#include <pthread.h>
#include <stdint.h>
#include "data.h"
#include "grid.h"
#include "h5util.h"
#include "rows.h"
#include "store_commit.h"
#include "store_layout.h"
#include "store_read.h"
#include "store_seedstats.h"
#include "store_task.h"
#include "train.h"

// Lives where it was opened: HDF5 holds pointers to its conversion buffers.
struct Store {
    hid_t file;
    StoreRows rows;               // what commits write: /summary, /curves, the weights
    hid_t summary_mem;            // the memory type of one SummaryRow
    hid_t status_mem;             // the memory type of its status byte alone
    hid_t dxpl;                   // transfer properties for commits, using the buffers below
    double tconv[512], bkg[512];  // type-conversion buffers (a summary row is converted)
    const Grid *grid;
    int64_t n_features;
    Task task;                    // (v3) the file's task: its columns' names
    int64_t n_out;                //   and the network's outputs O (the weights' shapes)
    int fd;                       // the file's descriptor, for fsync
    pthread_t syncer;             // background fsync (store_commit.c, "Durability")
    pthread_mutex_t sync_mu;      // the syncer's wake-ups and stop
    pthread_cond_t sync_cv;
    int syncer_running, sync_stop, sync_wake;
    pthread_mutex_t io_mu;        // held by every use of HDF5 on the open file once it is open
    pthread_mutex_t q_mu;         // guards the four below
    StoreBatch fill, spare;       // what commits leave for the syncer's next round; a spare
    int sync_dirty;               // written since the last fsync
    int sync_failed;              // a background round failed: SYNC_FAILED_WRITE or _FSYNC (store_commit.c)
    int sync_errno;               // and the system error behind it (0 when unknown)
    double *scratch;              // the syncer's buffer for batched writes
    int64_t cap_scratch;
    int legacy_order;             // SWEEP_COMMIT_ORDER=legacy: the old ordering (store_commit.c)
    int64_t n_published;          // configs whose status this store wrote (io_mu); still
                                  // valid after store_close and store_abandon
    int lock_fd;
    char *path, *lock_path;
    char status[32];              // the root status found by store_resume
    char shard[32];               // the root shard found by store_resume ("K/N")
};

// Refuses (2) when path exists and replace is 0; refuses (1) when another sweep holds it.
// Builds the whole file as PATH.tmp, then renames it into place and opens it for commits.
int store_create(Store *st, const char *path, int replace, const StoreMeta *meta, const Grid *grid,
                 const Dataset *data, char *err);
// Opens an existing file for --resume: checks format, spec hash and data (the task and its
// classes, the split and every scaling), fills status[n_configs].
// Writes nothing: the caller marks the file running once it has work to do.
int store_resume(Store *st, const char *path, const char *spec_sha256, const Grid *grid,
                 const Dataset *data, uint8_t *status, char *err);
// The value of one committed config's curve after `epoch` epochs (0-based index epoch - 1),
// from the file being written (halving's decisions on resume). 0 or -1.
int store_read_curve_value(Store *st, int curve, int64_t id, int64_t epoch, double *out);
// One committed config's /summary row, from the file being written. 0 or -1.
int store_read_summary_row(Store *st, int64_t id, SummaryRow *out);
// Whether a resumed file is complete (*complete: 1 or 0): its root status says so and, when
// no config is pending, its seed statistics are the ones its rows give (a failed write may
// have left them unfilled). Writes nothing. SWEEP_OK, or an exit status with err filled.
int store_is_complete(Store *st, int *complete, char *err);
// Sets the final root status ("complete" or "interrupted"), syncs, closes and unlocks. With
// "complete" and no config pending, writes the seed statistics first; if they cannot be
// written the file keeps its status and the error is returned (the Store is then abandoned).
int store_close(Store *st, const char *status, char *err);
// Closes without touching the status (after an error); the file stays resumable.
void store_abandon(Store *st);

#endif
