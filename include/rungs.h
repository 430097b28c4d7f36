// rungs.h: successive halving's rungs (halving.h decides, rungs.c trains and commits), a room
// of the scheduler (sched.h).
//
// Contract. Rung by rung, on this process's threads: one parallel loop trains every pending
// replicate of the live settings from where it stands to the rung's epochs (runs persist
// between rungs, parked with their scratch freed while others train); then the calling thread
// alone scores the live settings, decides which go on, and commits, through the scheduler's one
// commit (sched_loop.h), the configs that are finished whatever comes: diverged, out of memory,
// stopped early before the rung, at the full budget E, or pruned (status pruned, results as
// they stand at the rung). Scores come from the runs and, for configs already committed
// (status: the file's statuses on resume, else NULL for all pending), from the file's
// summary and curves, so a resumed sweep takes the decisions it took before. Needs every
// config in this process: not for shards, not across MPI ranks.
#ifndef RUNGS_H
#define RUNGS_H

#include <stdint.h>
#include "halving.h"

struct SchedJob;

// Successive halving over the whole grid (job->units is not used). Returns SWEEP_OK when every
// config was committed, SWEEP_ERR_INTERRUPTED when *job->stop was set first,
// SWEEP_ERR_RUNTIME when the store failed (err filled).
int sched_run_halving(const struct SchedJob *job, const HalvingPlan *plan, const uint8_t *status, char *err);

#endif
