// sched_loop.h: the scheduler's one trajectory loop and its one commit, shared by its rooms
// (sched.h): the plain run and MPI rank 0's own trainers (sched.c, sched_mpi.c), the other MPI
// ranks' trainers (which send instead of commit), and halving's rungs (commit only).
//
// Contract. sched_trajectory trains one trajectory (configs that differ only in epochs, given
// in ascending epochs) once, to its longest config, and hands each config to an emitter as
// the run passes its epoch count, with the results a run of exactly that many epochs has
// (train.h: train_advance). A trajectory that cannot start (out of memory) hands every config
// over as failed. Once *job->stop is set nothing more is handed over: the rest stay pending.
// sched_commit writes one config's results (or its failure) to the store inside
// critical(store), the one lock of the results file, and keeps the tally that decides the
// run's outcome; after the store fails it writes nothing more and sets *job->stop.
#ifndef SCHED_LOOP_H
#define SCHED_LOOP_H

#include <stdint.h>
#include "sched.h"
#include "train.h"

// What a run has committed. Read and written inside critical(store) only, while threads run.
typedef struct {
    int store_failed;         // the store failed: nothing more is committed
    int64_t n_committed;      // configs committed (done, diverged, pruned or failed)
    int64_t *by_rank;         // (MPI ranks) configs committed per rank that trained them, or NULL
    char *err;                // the store's error, once store_failed
} SchedTally;

// Commits config c: its results in run when ok, else its failure; work (flops) goes to the
// progress display; rank is the MPI rank that trained it (0 without MPI).
void sched_commit(const SchedJob *job, SchedTally *t, const Config *c, const Run *run, int ok, double work, int rank);

// The outcome of a run of job->units from its tally: SWEEP_ERR_RUNTIME when the store failed,
// SWEEP_OK when every config of the todo list was committed, else SWEEP_ERR_INTERRUPTED.
int sched_outcome(const SchedJob *job, const SchedTally *t);

// Receives each config of a trajectory as the run passes it: ok 0 when the run could not
// start; work is the flops the config adds to the one before it in the trajectory.
typedef void (*SchedEmit)(void *ctx, const Config *c, const Run *run, int ok, double work);

// Trains the trajectory ids[0 .. n) (ascending epochs) and hands each config to emit.
void sched_trajectory(const SchedJob *job, const int64_t *ids, int64_t n, SchedEmit emit, void *ctx);

// Unit u of job->units through sched_trajectory, each config committed with sched_commit (rank 0).
void sched_train_unit(const SchedJob *job, int64_t u, SchedTally *t);

#endif
