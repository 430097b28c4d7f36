// halving.h: synchronous successive halving over epochs (DESIGN section 3). Candidates are
// settings (every axis but seed, repeat and fold): a setting's replicates live or die
// together. Rungs are e_i = min(min_epochs * factor^i, E) until E; at each rung below E every
// live setting has trained every replicate to e_i epochs, its score is the mean over them of
// the metric's value after e_i epochs (a diverged replicate counts as the worst possible
// value: +inf for val_loss, 0 for val_acc), and the best ceil(n_alive / factor) go on (ties:
// the lower setting index); the rest are pruned where they stand. The survivors of the last
// rung below E train to E. Pure decisions: rungs.c trains and commits.
#ifndef HALVING_H
#define HALVING_H

#include <stdint.h>
#include "data.h"
#include "grid.h"
#include "spec.h"

enum { HALVING_MAX_RUNGS = 64 };

typedef struct {
    int64_t factor, epochs;       // the factor and the full budget E
    int metric;                   // CURVE_VAL_LOSS or CURVE_VAL_ACC
    int64_t n_rungs;
    int64_t rungs[HALVING_MAX_RUNGS];   // ascending, the last E
    int64_t n_settings;
    int64_t *start;               // (n_settings + 1): setting k's replicates are ids[start[k] ..]
    int64_t *ids;                 // (n_configs) every config, by setting (in order of first id), ids ascending
    int64_t *setting_of;          // (n_configs) the setting of each config id
} HalvingPlan;

// The plan of a sweep whose spec has a halving section (every config has the same epochs).
// Returns 0, or -1 when out of memory.
int halving_plan(HalvingPlan *p, const Spec *s, const Grid *g);
void halving_free(HalvingPlan *p);

// Settings still alive at rung i (0-based): n, then ceil(n / factor) after each rung below E.
int64_t halving_alive(const HalvingPlan *p, int64_t rung);
// Epochs of training in all: what halving costs, against n_configs * E for the full grid.
int64_t halving_epochs(const HalvingPlan *p);

// A setting's score from its replicates' metric values after the rung's epochs (NaN for a
// diverged replicate, which scores the worst possible value).
double halving_score(const HalvingPlan *p, const double *values, int64_t n);
// Of n_alive settings (in ascending setting index) with their scores, marks the ones that go
// on: keep[j] = 1 for the best ceil(n_alive / factor), ties to the lower index. scratch holds
// n_alive entries.
void halving_select(const HalvingPlan *p, const double *score, int64_t n_alive, uint8_t *keep, int64_t *scratch);

#endif
