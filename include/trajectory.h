// trajectory.h: configs that differ only in their epochs are one trajectory (DESIGN section 3,
// "Shared prefixes"): a config of E epochs passes through exactly the state of the same config
// with fewer, since the batch order depends on (seed, epoch) alone. So a trajectory is trained
// once, to its longest config, and each shorter one is committed as the training passes its
// epoch count: the work of the longest alone, results bitwise those of training each alone.
#ifndef TRAJECTORY_H
#define TRAJECTORY_H

#include <stdint.h>
#include "data.h"
#include "grid.h"

typedef struct {
    int64_t n_units;
    int64_t *start;           // (n_units + 1): unit u is ids[start[u] .. start[u + 1])
    int64_t *ids;             // every id given, each unit's in ascending epochs (ties by id)
    double *flops;            // (n_units) the unit's work: its longest config's
} Trajectories;

// Groups the ids (a run's todo list: only those configs share) into units, ordered most
// expensive first (ties by the lowest id), so the long ones do not start last. 0 or -1 (memory).
int trajectory_group(Trajectories *t, const Grid *g, const Dataset *d, const int64_t *ids, int64_t n);
void trajectory_free(Trajectories *t);

// The work a unit's k-th config adds: its flops less those of the config before it.
double trajectory_step_flops(const Trajectories *t, const Grid *g, const Dataset *d, int64_t u, int64_t k);
double trajectory_total_flops(const Trajectories *t);

#endif
