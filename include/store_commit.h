// store_commit.h: the commit protocol (DESIGN section 4, "Writing"; the README's "How the file
// survives a crash"). A finished config's rows reach the file when it is committed, its
// status only once those rows are durable: no status may reach the disk before the rows it
// vouches for, whatever order a power cut lets the disk write pages in, and none may be in
// the file (the page cache, for kill -9 and for readers) before its rows are.
//
// Here live the commits (from any thread), the batches they leave, the background syncer that
// writes a batch's rows, fsyncs, then writes its statuses (store_commit.c, "Durability"), the
// old ordering kept for the crash simulator's negative control (SWEEP_COMMIT_ORDER=legacy),
// and the root status's rewrite. Knows the open Store's datasets (store.h) and the rows;
// knows nothing of how the file was created or is checked on resume (store.c), and creates
// no object: after creation only raw data and the status attribute are written.
#ifndef STORE_COMMIT_H
#define STORE_COMMIT_H

#include <stdint.h>
#include "grid.h"
#include "rows.h"
#include "train.h"

typedef struct Store Store;   // store.h

// Finished configs waiting for the syncer.
typedef struct {
    SummaryRow row;               // its status, for once its rows are durable
    const Config *config;
    int64_t offset;               // its rows in the arena: curves, weights, initial weights
} StoreStaged;

typedef struct {
    SummaryRow *status;           // configs whose rows are written: statuses only
    int64_t n_status, cap_status;
    StoreStaged *staged;          // configs whose rows are not written yet
    int64_t n_staged, cap_staged;
    double *arena;                // the staged rows
    int64_t n_arena, cap_arena;
} StoreBatch;

// Commits one finished config (done or diverged): its rows now (they survive kill -9), its
// status once they are durable (within a second; at the latest by store_close).
int store_write_result(Store *st, const Config *c, const Run *r, char *err);
// Records a config that could not run (out of memory) as failed.
int store_write_failed(Store *st, const Config *c, char *err);
// The /summary row store_write_result writes for a config's run.
void store_summary_row(SummaryRow *row, const Config *c, const Run *r);
// Sets the root status attribute ("running", "complete", "interrupted") and syncs.
int store_set_status(Store *st, const char *status, char *err);

// For the Store's life (store.c). Picks the ordering and, when the file's descriptor is known,
// starts the syncer: 0, or -1 (no thread).
int store_commit_start(Store *st);
// Stops the syncer and runs the last round by hand: rows still queued are synced and their
// statuses written (the fsync after them comes at the close). Reports any error a
// background round left: SWEEP_OK, or an exit status with err filled.
int store_commit_drain(Store *st, char *err);
// Frees the batches' and the syncer's buffers.
void store_commit_free(Store *st);

#endif
