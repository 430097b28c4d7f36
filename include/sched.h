// sched.h: the one parallel loop. Hands configs to OpenMP threads, most expensive first,
// and commits each finished one to the store under one lock. The only file with a pragma.
#ifndef SCHED_H
#define SCHED_H

#include <stdatomic.h>
#include <stdint.h>
#include "data.h"
#include "grid.h"
#include "progress.h"
#include "store.h"

// Why a run stops early: a signal, or a failure after which nothing more can be saved.
enum { SCHED_STOP_SIGNAL = 1, SCHED_STOP_FAILURE = 2 };

typedef struct {
    const Grid *grid;
    const Dataset *data;
    Store *store;
    Progress *progress;
    const int64_t *todo;      // ids to train
    int64_t n_todo;
    int n_threads;
    atomic_int *stop;             // non-zero: abandon configs in flight (SCHED_STOP_*)
} SchedJob;

// The threads a run gets by default: OMP_NUM_THREADS if set, else every core.
int sched_default_threads(void);

// Sort ids by estimated cost, most expensive first (ties by id), so the long ones do not
// start last and leave threads idle at the end.
void sched_order(int64_t *ids, int64_t n, const Grid *g, const Dataset *d);

// Returns SWEEP_OK when every config in todo was committed (done, diverged or failed),
// SWEEP_ERR_INTERRUPTED when *stop was set, SWEEP_ERR_RUNTIME when the store failed
// (err filled; configs committed before stay committed).
// In an MPI run of several ranks this is rank 0's part: it hands the configs of todo out to
// every rank on request, trains some itself, and alone commits every result to the store.
int sched_run(const SchedJob *job, char *err);

// fn(ctx, i) for every i in [0, n), on n_threads threads, handed out one at a time (for work
// that is not a sweep's: sweep verify's retraining). fn must not exit.
void sched_map(int64_t n, int n_threads, void (*fn)(void *ctx, int64_t i), void *ctx);

#ifdef SWEEP_MPI
// The part of every MPI rank but 0: ask rank 0 for configs, train them on job->n_threads
// threads, send the results back; until rank 0 has no more or *job->stop is set. Uses
// job->grid, job->data, job->n_threads and job->stop only. Returns SWEEP_OK, or
// SWEEP_ERR_INTERRUPTED when stopped.
int sched_work(const SchedJob *job);
// Every rank, before any work: each config's result must fit one MPI message (< 2 GiB);
// SWEEP_OK, or SWEEP_ERR_USAGE with err naming the first that does not.
int sched_cluster_check(const Grid *g, int64_t n_features, char *err);
#endif

#endif
