// sched_mpi.h: the scheduler across MPI ranks (built with SWEEP_MPI only; sched.h), the
// transport around the one trajectory loop (sched_loop.h).
//
// Contract. Rank 0 holds the todo list (job->units, most expensive first) and the results
// file; it alone commits, through the scheduler's one commit, its own trainers' results and
// those that arrive from the other ranks (wire.h). Every other rank asks rank 0 for configs,
// receives whole trajectories (ids in ascending epochs; a trajectory longer than one message
// arrives in pieces, each trained from the start), trains each once with the same loop and
// sends every config's results back as the run passes it. Each rank runs one OpenMP team of
// job->n_threads trainers plus its main thread, the only one that calls MPI
// (MPI_THREAD_FUNNELED). Messages, all on cluster_comm():
//   worker -> 0   REQUEST  int: its trainer count
//   0 -> worker   IDS      int64[k]: configs to train; k = 0: there are no more
//   worker -> 0   RESULT   one config's results (wire.h)
//   0 -> worker   STOP     (empty) abandon configs in flight: interrupted, or the store failed
//   worker -> 0   BYE      (empty) its last message, once all its results have arrived
//   0 -> worker   FIN      (empty) the answer to BYE and rank 0's last message to it
// A malformed RESULT fails the run as a store failure would (exit 1, one line naming the rank).
#ifndef SCHED_MPI_H
#define SCHED_MPI_H

#ifdef SWEEP_MPI
#include <stdint.h>
#include "grid.h"

struct SchedJob;

// Rank 0's part of sched_run when there are several ranks; returns as sched_run does, and
// prints how many configs each rank trained under the progress display.
int sched_run_cluster(const struct SchedJob *job, char *err);

// The part of every MPI rank but 0: ask rank 0 for configs, train them on job->n_threads
// threads, send the results back; until rank 0 has no more or *job->stop is set. Uses
// job->grid, job->data, job->n_threads and job->stop only. Returns SWEEP_OK, or
// SWEEP_ERR_INTERRUPTED when stopped.
int sched_work(const struct SchedJob *job);

// Every rank, before any work: each config's result must fit one MPI message (< 2 GiB), for
// networks of n_features inputs and n_out outputs; SWEEP_OK, or SWEEP_ERR_USAGE with err
// naming the first that does not.
int sched_cluster_check(const Grid *g, int64_t n_features, int64_t n_out, char *err);
#endif

#endif
