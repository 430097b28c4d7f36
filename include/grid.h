// grid.h: the spec's configs (DESIGN section 2): each sub-grid's Cartesian product in the fixed
// axis order, the sub-grids in list order, or random search's settings in draw order (search.h),
// every setting crossed with the seed axis.
#ifndef GRID_H
#define GRID_H

#include <stdint.h>
#include "spec.h"
#include "train.h"

typedef struct {
    int64_t id;               // index in the Cartesian product (last axis fastest) or the draw
    Hyper hyper;
    int64_t weights_row;      // row in /weights/hidden_<H>/...
} Config;

typedef struct {
    int64_t n_configs;
    Config *configs;          // (n_configs), configs[i].id == i
    int64_t n_hidden;         // distinct hidden sizes, in order of first appearance (by id)
    int64_t *hidden_dims;     // (n_hidden)
    int64_t *n_per_hidden;    // (n_hidden) configs with that hidden size
    int64_t max_epochs;
    int64_t n_settings;       // settings (every axis but seed): the rows of /seed_stats for one
                              // grid or a draw without replacement, else an upper bound
} Grid;

// Returns 0, or 2 when the grid is too large or the draw impossible (err filled), 1 when out
// of memory.
int grid_expand(Grid *g, const Spec *s, char *err);
void grid_free(Grid *g);
int64_t grid_hidden_index(const Grid *g, int64_t hidden_dim);  // -1 if absent

// One axis over every config: smallest and largest value (as doubles) and how many distinct.
typedef struct {
    double min, max;
    int64_t n_distinct;
} GridSpread;
// max_distinct bounds the count (the size of the set it is counted in): n_configs will do.
int grid_spread(const Grid *g, AxisId a, int64_t max_distinct, GridSpread *out);  // 0, or -1 (memory)

#endif
