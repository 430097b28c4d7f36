// cluster.h: the ranks of an MPI run (built with `make MPI=1`, which defines SWEEP_MPI).
// Without SWEEP_MPI nothing here exists and nothing about MPI is compiled.
//
// Every rank runs the same command line: it parses the options, loads the spec and the data
// and expands the grid by itself (all deterministic). Then the ranks check they agree, rank 0
// alone opens the results file and decides what to train, and sched_mpi.c hands the configs out.
// Ranks other than 0 print nothing (their stdout and stderr go to /dev/null unless
// SWEEP_MPI_VERBOSE=1): rank 0 reports for all, and every rank exits with rank 0's status.
//
// The collective calls, in the order every rank makes them:
//   cluster_init                 at the start of the run
//   cluster_agree                once the spec, data and grid are loaded (skipped by a rank
//                                that failed before: its cluster_exit takes its place)
//   cluster_announce / _wait     rank 0 says whether there is work (sched_mpi.c, or cluster_exit)
//   cluster_exit                 every rank, with its exit status; returns rank 0's
#ifndef CLUSTER_H
#define CLUSTER_H

#ifdef SWEEP_MPI
#include <mpi.h>
#include <stddef.h>
#include "data.h"

// MPI_Init_thread (funneled: only each rank's main thread calls MPI). Returns this rank.
int cluster_init(void);
int cluster_rank(void);          // 0 before cluster_init
int cluster_size(void);          // 1 before cluster_init
MPI_Comm cluster_comm(void);     // the sweep's own communicator

// Every rank loaded the same spec text and the same data (split and scaling): 0, or an exit
// status with err filled (rank 0 reports it). Also fails when a rank failed before this.
int cluster_agree(const char *spec_text, size_t spec_len, const Dataset *d, char *err);

// Rank 0: tell the other ranks whether configs will be handed out (1) or not (0). Once.
void cluster_announce(int work);
// Ranks other than 0: wait for rank 0's announcement; returns it.
int cluster_wait_announce(void);

// The end of a run on every rank: pass this rank's exit status; returns rank 0's, after
// MPI_Finalize. A no-op returning status when cluster_init was not called.
int cluster_exit(int status);
#endif

#endif
