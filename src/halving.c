// halving.c: the rungs and the decisions of successive halving (halving.h).
#include "halving.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "group.h"

int halving_plan(HalvingPlan *p, const Spec *s, const Grid *g) {
    memset(p, 0, sizeof *p);
    p->factor = s->halving.factor;
    p->epochs = g->max_epochs;
    p->metric = s->halving.metric == HALVING_VAL_LOSS ? CURVE_VAL_LOSS : CURVE_VAL_ACC;   // val_acc or val_r2: the score
    // e_i = min(min_epochs * factor^i, E), until E.
    for (int64_t e = s->halving.min_epochs; p->n_rungs < HALVING_MAX_RUNGS; e *= p->factor) {
        if (e >= p->epochs || p->n_rungs == HALVING_MAX_RUNGS - 1) { p->rungs[p->n_rungs++] = p->epochs; break; }
        p->rungs[p->n_rungs++] = e;
    }
    Grouping settings;   // numbered by first id (the seed statistics' numbering), ids ascending
    if (group_configs(&settings, g, NULL, g->n_configs, SETTING_AXES) != GROUP_OK) {
        halving_free(p);
        return -1;
    }
    p->n_settings = settings.n_groups;
    p->start = settings.start;
    p->ids = settings.members;
    p->setting_of = settings.group_of;
    return 0;
}

void halving_free(HalvingPlan *p) {
    free(p->start);
    free(p->ids);
    free(p->setting_of);
    memset(p, 0, sizeof *p);
}

int64_t halving_alive(const HalvingPlan *p, int64_t rung) {
    int64_t n = p->n_settings;
    for (int64_t i = 0; i < rung; i++) n = (n + p->factor - 1) / p->factor;   // ceil(n / factor)
    return n;
}

int64_t halving_epochs(const HalvingPlan *p) {
    int64_t total = 0, before = 0, replicates = p->n_settings ? p->start[1] - p->start[0] : 0;
    for (int64_t i = 0; i < p->n_rungs; i++) {
        total += halving_alive(p, i) * replicates * (p->rungs[i] - before);   // every live replicate, one segment
        before = p->rungs[i];
    }
    return total;
}

double halving_score(const HalvingPlan *p, const double *values, int64_t n) {
    double worst = p->metric == CURVE_VAL_LOSS ? INFINITY : 0.0, sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += isnan(values[i]) ? worst : values[i];
    return sum / (double)n;   // mean over the replicates
}

typedef struct {
    const double *score;
    int lower_is_better;
} Order;

static int cmp_score(const void *x, const void *y, void *ctx) {
    const Order *o = ctx;
    int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
    double a = o->score[i], b = o->score[j];
    if (a != b) return (a < b) == o->lower_is_better ? -1 : 1;
    return (i > j) - (i < j);   // ties: the lower setting index (alive[] ascends)
}

void halving_select(const HalvingPlan *p, const double *score, int64_t n_alive, uint8_t *keep, int64_t *scratch) {
    for (int64_t j = 0; j < n_alive; j++) scratch[j] = j, keep[j] = 0;
    Order o = {score, p->metric == CURVE_VAL_LOSS};
    qsort_r(scratch, (size_t)n_alive, sizeof *scratch, cmp_score, &o);
    int64_t n_keep = (n_alive + p->factor - 1) / p->factor;
    for (int64_t j = 0; j < n_keep; j++) keep[scratch[j]] = 1;
}
