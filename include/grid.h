// grid.h: the spec's axes expanded into configs, in the fixed axis order (DESIGN section 2).
#ifndef GRID_H
#define GRID_H

#include <stdint.h>
#include "spec.h"
#include "train.h"

typedef struct {
    int64_t id;               // index in the Cartesian product, last axis fastest
    Hyper hyper;
    int64_t weights_row;      // row in /weights/hidden_<H>/...
} Config;

typedef struct {
    int64_t n_configs;
    Config *configs;          // (n_configs), configs[i].id == i
    int64_t n_hidden;         // distinct hidden sizes, in the axis's order
    int64_t *hidden_dims;     // (n_hidden)
    int64_t *n_per_hidden;    // (n_hidden) configs with that hidden size
    int64_t max_epochs;
} Grid;

// Returns 0, or 2 when the grid is too large (err filled), 1 when out of memory.
int grid_expand(Grid *g, const Spec *s, char *err);
void grid_free(Grid *g);
int64_t grid_hidden_index(const Grid *g, int64_t hidden_dim);  // -1 if absent

#endif
