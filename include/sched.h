// sched.h: the scheduler, whole: what a run of a sweep calls. Hands trajectories
// (trajectory.h: configs that differ only in epochs, trained once) to OpenMP threads, most
// expensive first, and commits each config to the store under one lock as its trajectory
// passes it. It lives in rooms, the only files with a pragma:
//   sched.c       the one trajectory loop and the one commit (sched_loop.h), the plain run
//   rungs.c       successive halving's rungs (rungs.h)
//   sched_mpi.c   the hand-out across MPI ranks (sched_mpi.h; built with SWEEP_MPI only)
//   wire.c        a config's results as one message between ranks (wire.h)
// This header declares the plain run and includes the rooms' headers, so that a caller needs
// no other.
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

typedef struct SchedJob {
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
// In an MPI run of several ranks this is rank 0's part (sched_mpi.h): it hands the configs of
// todo out to every rank on request (whole trajectories), trains some itself, and alone
// commits every result to the store.
int sched_run(const SchedJob *job, char *err);

// fn(ctx, i) for every i in [0, n), on n_threads threads, handed out one at a time (for work
// that is not a sweep's: sweep verify's retraining). fn must not exit.
void sched_map(int64_t n, int n_threads, void (*fn)(void *ctx, int64_t i), void *ctx);

#include "rungs.h"       // sched_run_halving
#include "sched_mpi.h"   // sched_work, sched_cluster_check (SWEEP_MPI only)

#endif
