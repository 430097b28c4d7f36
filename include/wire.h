// wire.h: one config's results as one message, and back: how an MPI worker sends rank 0 what
// rank 0 commits (sched_mpi.c). Plain bytes, no MPI: compiled in every build and unit-tested.
//
// Contract. A message is a header (the config's id and status, and the Run's scalar results:
// final values, best epochs, epochs_run, train_seconds), then its N_CURVES curves of `epochs`
// doubles each in CURVE_* order, then the trained weights (train_result_model) and the initial
// weights, each as mlp.h's parameters in their layout order (MLP_W1 .. MLP_B2, mlp_param_count
// doubles each for the network's O outputs; the header names O and the output head). A config
// that could not run (out of memory) is the header alone, with status failed. Both ends are
// the same program (cluster_agree checks the spec and the data), so numbers travel in native
// form. wire_unpack trusts nothing: the id must be the grid's, the status done or diverged (or
// failed for a header alone), the outputs and head the data's task's and the length exactly
// the config's.
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "grid.h"
#include "train.h"

// A packed message; next is free for the sender's queue.
typedef struct WireMsg {
    struct WireMsg *next;
    size_t len;               // bytes at data
    double data[];
} WireMsg;

// Bytes of config c's message with results, for input width D and O outputs.
size_t wire_size(const Config *c, int64_t D, int64_t O);

// Config c's message: its results in r when ok, else the failed header alone (also when the
// full message does not fit in memory). malloc'd, freed by the caller; NULL when not even the
// header fits.
WireMsg *wire_pack(const Config *c, const Run *r, int ok, int64_t D);

// A message of len bytes at buf as the config it is about (*c) and, for results, a Run that
// store_write_result takes, pointing into buf (which must outlive it), for data of input
// width D and task `task` (train_task_of). Returns 1 for results, 0 for a failed config, -1
// for anything malformed.
int wire_unpack(double *buf, size_t len, const Grid *g, int64_t D, TrainTask task, const Config **c, Run *r);

#endif
