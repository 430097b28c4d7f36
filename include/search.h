// search.h: random search (DESIGN section 2): the settings (every axis but seed) of a spec with
// `search.method: random`, drawn one at a time in order; the grid module crosses each with the
// seeds. Knows the spec's axes and the rng module, nothing of files or training.
//
// A setting is drawn with replacement when some drawn axis is continuous (uniform,
// loguniform): axis a of setting i takes its value from its own stream keyed by
// (search.seed, i, a), so setting i is the same whatever n is and whatever else is drawn.
// When every drawn axis is discrete (lists, range forms, randint), the settings are instead the
// first n points of a permutation of the whole space (the product of the drawn axes, each point
// a mixed-radix number in the fixed axis order): a Fisher-Yates shuffle of [0, space) whose step
// i swaps position i with i + below(space - i) drawn from the stream (search.seed, i). Step i
// depends only on the steps before it, so the first n are the same for any larger n. The
// shuffle is lazy: a position holds its own index until a step displaces it, and only displaced
// positions are stored, so n draws take O(n) memory and time whatever the size of the space
// (a dense array when the space is at most 4 n, an open-addressing hash map otherwise; both give
// the same permutation). Drawn reals are rounded to 15 significant digits.
#ifndef SEARCH_H
#define SEARCH_H

#include <stdint.h>
#include "spec.h"
#include "train.h"

typedef struct {
    const SpecAxis *axes;     // the spec's one grid
    uint64_t seed;
    int64_t n;                // settings to draw
    int without_replacement;  // every drawn axis is discrete
    uint64_t space;           // without replacement: the number of points of the drawn axes' product
    uint64_t radix[N_AXES];   // values of each axis in that product (1 when not drawn)
    uint64_t *keys, *vals;    // the displaced positions: a hash map, or vals alone as a dense array
    uint64_t mask;            // hash map capacity - 1 (0 with the dense array)
    int64_t next;             // the next setting to draw
} Search;

// An axis that random search draws: a distribution, or a list or range form of two or more
// values (seed never is).
int search_axis_is_drawn(AxisId a, const SpecAxis *ax);

// Checks n against the space and sizes the permutation's memory. 0, 2 with err filled (n
// larger than the space, a space too large to permute), or 1 when out of memory.
int search_init(Search *se, const Spec *s, char *err);
// Setting se->next into h (every axis but seed, which is left 0), then advances.
void search_next(Search *se, Hyper *h);
void search_free(Search *se);

// v rounded to 15 significant digits: strtod of printf("%.15g", v), computed exactly and fast.
double search_round15(double v);

#endif
