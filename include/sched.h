// sched.h: the one parallel loop. Hands trajectories (trajectory.h: configs that differ only
// in epochs, trained once) to OpenMP threads, most expensive first, and commits each config
// to the store under one lock as its trajectory passes it. The only file with a pragma.
#ifndef SCHED_H
#define SCHED_H

#include <stdatomic.h>
#include <stdint.h>
#include "data.h"
#include "grid.h"
#include "halving.h"
#include "progress.h"
#include "store.h"
#include "trajectory.h"

// Why a run stops early: a signal, or a failure after which nothing more can be saved.
enum { SCHED_STOP_SIGNAL = 1, SCHED_STOP_FAILURE = 2 };

typedef struct {
    const Grid *grid;
    const Dataset *data;
    Store *store;
    Progress *progress;
    const Trajectories *units;    // the configs to train, grouped
    int64_t n_todo;               // how many configs that is
    int n_threads;
    atomic_int *stop;             // non-zero: abandon configs in flight (SCHED_STOP_*)
} SchedJob;

// The threads a run gets by default: OMP_NUM_THREADS if set, else every core.
int sched_default_threads(void);

// Returns SWEEP_OK when every config of the units was committed (done, diverged or failed),
// SWEEP_ERR_INTERRUPTED when *stop was set, SWEEP_ERR_RUNTIME when the store failed
// (err filled; configs committed before stay committed).
// In an MPI run of several ranks this is rank 0's part: it hands the configs of todo out to
// every rank on request (whole trajectories), trains some itself, and alone commits every
// result to the store.
int sched_run(const SchedJob *job, char *err);

// Successive halving (halving.h) over the whole grid, rung by rung on this process's threads:
// trains every pending replicate of the live settings to the rung, scores the settings from
// the runs and, for configs already committed (status: the file's statuses on resume, else
// all pending), from the file's curves, so a resumed sweep takes the decisions it took before;
// commits pruned, diverged and (at E) finished configs. job->units is not used. Returns as
// sched_run does.
int sched_run_halving(const SchedJob *job, const HalvingPlan *plan, const uint8_t *status, char *err);

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
