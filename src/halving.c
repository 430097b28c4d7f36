// halving.c: the rungs and the decisions of successive halving (halving.h).
#include "halving.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "train.h"

// A config's setting: its Hyper with seed and split cleared (epochs are one value here).
static Hyper setting_key(const Hyper *h) {
    Hyper k = *h;
    k.seed = 0;
    k.repeat = k.fold = 0;
    return k;
}

// Config ids by setting, then id.
static int cmp_setting(const void *x, const void *y, void *grid) {
    const Config *configs = ((const Grid *)grid)->configs;
    int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
    Hyper a = setting_key(&configs[i].hyper), b = setting_key(&configs[j].hyper);
    int k = train_compare_but_epochs(&a, &b);
    return k ? k : (i > j) - (i < j);
}

// Settings in order of their first id (the seed statistics' numbering).
typedef struct {
    int64_t first, start, len;
} Span;

static int by_first(const void *x, const void *y) {
    const Span *a = x, *b = y;
    return (a->first > b->first) - (a->first < b->first);
}

int halving_plan(HalvingPlan *p, const Spec *s, const Grid *g) {
    memset(p, 0, sizeof *p);
    p->factor = s->halving.factor;
    p->epochs = g->max_epochs;
    p->metric = s->halving.metric == HALVING_VAL_ACC ? CURVE_VAL_ACC : CURVE_VAL_LOSS;
    // e_i = min(min_epochs * factor^i, E), until E.
    for (int64_t e = s->halving.min_epochs; p->n_rungs < HALVING_MAX_RUNGS; e *= p->factor) {
        if (e >= p->epochs || p->n_rungs == HALVING_MAX_RUNGS - 1) { p->rungs[p->n_rungs++] = p->epochs; break; }
        p->rungs[p->n_rungs++] = e;
    }
    int64_t n = g->n_configs;
    size_t cap = (size_t)(n ? n : 1);
    int64_t *sorted = malloc(cap * sizeof *sorted);
    Span *runs = malloc(cap * sizeof *runs);
    p->start = malloc((cap + 1) * sizeof *p->start);
    p->ids = malloc(cap * sizeof *p->ids);
    p->setting_of = malloc(cap * sizeof *p->setting_of);
    if (!sorted || !runs || !p->start || !p->ids || !p->setting_of) {
        free(sorted); free(runs);
        halving_free(p);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) sorted[i] = i;
    qsort_r(sorted, (size_t)n, sizeof *sorted, cmp_setting, (void *)g);
    int64_t n_settings = 0;
    for (int64_t i = 0; i < n; i++) {
        Hyper here = setting_key(&g->configs[sorted[i]].hyper);
        Hyper before = i ? setting_key(&g->configs[sorted[i - 1]].hyper) : here;
        if (i == 0 || train_compare_but_epochs(&before, &here) != 0) runs[n_settings++] = (Span){sorted[i], i, 0};
        runs[n_settings - 1].len++;   // ids ascend within a setting: the first is its smallest
    }
    qsort(runs, (size_t)n_settings, sizeof *runs, by_first);
    p->n_settings = n_settings;
    int64_t pos = 0;
    for (int64_t k = 0; k < n_settings; k++) {
        p->start[k] = pos;
        for (int64_t j = 0; j < runs[k].len; j++) {
            int64_t id = sorted[runs[k].start + j];
            p->ids[pos++] = id;
            p->setting_of[id] = k;
        }
    }
    p->start[n_settings] = pos;
    free(sorted);
    free(runs);
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
