// ranking.c: units ranked by the mean of a metric and compared with the best (ranking.h,
// DESIGN section 6). The per-pair scores are each unit's mean over its done configs on one
// split (with folds) or one seed (without); the tests themselves are paired.c's.
#include "ranking.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"
#include "tdist.h"

int ranking_metric(const char *name, int has_validation, int *metric, char *err) {
    return ranking_metric_task(name, has_validation, TASK_BINARY, metric, err);
}

int ranking_metric_task(const char *name, int has_validation, Task task, int *metric, char *err) {
    if (!name) {
        *metric = has_validation ? STAT_FINAL_VAL_LOSS : STAT_FINAL_TEST_LOSS;
        return 0;
    }
#define N(k) stats_name(k, task)
    int k = stats_find_task(name, task);
    if (k < 0) {   // a score column of the other task's names: say which the file's is
        Task other = task == TASK_REGRESSION ? TASK_BINARY : TASK_REGRESSION;
        int j = stats_find_task(name, other);
        if (j >= 0 && j != STAT_BEST_TEST_ACC)
            return fail(err, SWEEP_ERR_USAGE, "--metric %s: the file's task is %s, whose score is %s: rank on %s",
                        name, task_name(task), task == TASK_REGRESSION ? "r2" : "acc", N(j));
    }
    if (k < 0 || k == STAT_BEST_TEST_ACC)
        return fail(err, SWEEP_ERR_USAGE, "--metric: expected final_train_loss, %s, final_test_loss, "
                    "%s, final_val_loss, %s or best_val_loss, found \"%s\"", N(STAT_FINAL_TRAIN_ACC),
                    N(STAT_FINAL_TEST_ACC), N(STAT_FINAL_VAL_ACC), name);
    int on_test = k == STAT_FINAL_TEST_LOSS || k == STAT_FINAL_TEST_ACC;
    int on_val = k == STAT_FINAL_VAL_LOSS || k == STAT_FINAL_VAL_ACC || k == STAT_BEST_VAL_LOSS;
    if (on_test && has_validation)
        return fail(err, SWEEP_ERR_USAGE, "--metric %s: the file has validation folds, and the test part judges "
                    "the chosen setting, it does not choose it: rank on final_val_loss, %s or "
                    "best_val_loss", name, N(STAT_FINAL_VAL_ACC));
    if (on_val && !has_validation)
        return fail(err, SWEEP_ERR_USAGE, "--metric %s: the file has no validation folds (data.folds); "
                    "rank on final_test_loss or %s", name, N(STAT_FINAL_TEST_ACC));
#undef N
    *metric = k;
    return 0;
}

// Ranking order: the better mean first, units with no mean last, ties by the lower unit index.
typedef struct {
    const RankedUnit *units;
    const GroupStats *groups;
    int lower_is_better;
} Order;

static int cmp_means(double a, double b, int lower_is_better) {
    int an = isnan(a), bn = isnan(b);
    if (an || bn) return an - bn;
    if (a == b) return 0;
    return (a < b) == lower_is_better ? -1 : 1;
}

static int cmp_units(const void *x, const void *y, void *ctx) {
    const Order *o = ctx;
    const RankedUnit *a = x, *b = y;
    int k = cmp_means(a->mean, b->mean, o->lower_is_better);
    if (k) return k;
    if (isnan(a->mean) && a->pruned_at != b->pruned_at) return a->pruned_at > b->pruned_at ? -1 : 1;
    if (isnan(a->mean) && (k = cmp_means(a->pruned_mean, b->pruned_mean, o->lower_is_better))) return k;
    int64_t fa = o->groups[a->group].first, fb = o->groups[b->group].first;
    return (fa > fb) - (fa < fb);
}

static int cmp_i64(const void *x, const void *y) {
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

// The pair key of each kept config: its split r * K + k, or the index of its seed among the
// distinct seeds. Returns the number of keys, or -1 when out of memory.
static int64_t pair_keys(const ConfigRow *c, int64_t n, const uint8_t *keep, const RankingOptions *o,
                         int by_split, int64_t *key) {
    if (by_split) {
        for (int64_t i = 0; i < n; i++) key[i] = (int64_t)c[i].hyper.repeat * o->n_folds + c[i].hyper.fold;
        return o->n_repeats * o->n_folds;
    }
    int64_t *seeds = malloc((size_t)(n ? n : 1) * sizeof *seeds), m = 0;
    if (!seeds) return -1;
    for (int64_t i = 0; i < n; i++)
        if (!keep || keep[i]) seeds[m++] = (int64_t)c[i].hyper.seed;
    qsort(seeds, (size_t)m, sizeof *seeds, cmp_i64);
    int64_t n_keys = 0;
    for (int64_t i = 0; i < m; i++)
        if (i == 0 || seeds[i] != seeds[i - 1]) seeds[n_keys++] = seeds[i];
    for (int64_t i = 0; i < n; i++) {
        int64_t seed = (int64_t)c[i].hyper.seed;
        const int64_t *at = bsearch(&seed, seeds, (size_t)n_keys, sizeof *seeds, cmp_i64);
        key[i] = at ? at - seeds : -1;
    }
    free(seeds);
    return n_keys;
}

// The interval of a unit's mean from its per-pair scores x (n of them, NaN where none):
// mean +- T_{m-1}^-1(0.975) * sqrt((1/m + correction) * var(x, ddof 1)) over the m scores.
static void unit_interval(RankedUnit *u, const double *x, int64_t n, double correction) {
    double sum = 0.0, ss = 0.0;
    int64_t m = 0;
    for (int64_t p = 0; p < n; p++)
        if (!isnan(x[p])) sum += x[p], m++;
    u->n_scores = m;
    u->ci_low = u->ci_high = NAN;
    if (m < 2 || isnan(u->mean)) return;
    double mean = sum / (double)m;
    for (int64_t p = 0; p < n; p++)
        if (!isnan(x[p])) ss += (x[p] - mean) * (x[p] - mean);
    double se = sqrt((1.0 / (double)m + correction) * ss / (double)(m - 1));   // Nadeau-Bengio
    double half = tdist_quantile(0.975, (double)(m - 1)) * se;
    u->ci_low = u->mean - half;
    u->ci_high = u->mean + half;
}

int ranking_build(Ranking *r, const ConfigRow *configs, const SummaryRow *summary, int64_t n,
                  const RankingOptions *o) {
    memset(r, 0, sizeof *r);
    r->lower_is_better = stats_lower_is_better(o->metric);
    r->by_split = o->n_folds >= 2;
    if (r->by_split) {
        double n_val = (double)o->n_train / (double)o->n_folds;   // the mean fold, the mean rest
        r->correction = n_val / ((double)o->n_train - n_val);
    }
    // Configs left out by --where count as nothing: not done, not pending.
    SummaryRow *kept = malloc((size_t)(n ? n : 1) * sizeof *kept);
    int64_t *key = malloc((size_t)(n ? n : 1) * sizeof *key);
    int64_t *unit_of_group = NULL;
    double *sum = NULL, *cnt = NULL;
    PairedTest *tests = NULL;
    int64_t *order = NULL;
    int rc = -1;
    if (!kept || !key) goto done;
    memcpy(kept, summary, (size_t)n * sizeof *kept);
    for (int64_t i = 0; o->keep && i < n; i++)
        if (!o->keep[i]) kept[i].status = -1;
    int grouped = stats_group(&r->groups, configs, kept, n, o->axes);
    if (grouped != 0) {
        rc = grouped == GROUP_ERR_ID ? GROUP_ERR_ID : -1;
        goto done;
    }
    int64_t G = r->groups.n_groups, P = pair_keys(configs, n, o->keep, o, r->by_split, key);
    if (P < 0) goto done;
    r->n_pairs_max = P;
    unit_of_group = malloc((size_t)(G ? G : 1) * sizeof *unit_of_group);
    r->units = calloc((size_t)(G ? G : 1), sizeof *r->units);
    if (!unit_of_group || !r->units) goto done;

    for (int64_t g = 0; g < G; g++) unit_of_group[g] = 0;
    for (int64_t i = 0; i < n; i++)
        if (!o->keep || o->keep[i]) unit_of_group[r->groups.group_of[i]]++;
    for (int64_t g = 0; g < G; g++) {
        if (!unit_of_group[g]) continue;
        RankedUnit *u = &r->units[r->n_units++];
        u->group = g;
        u->n_kept = unit_of_group[g];
        u->mean = r->groups.groups[g].mean[o->metric];
        u->pruned_mean = NAN;
        unit_of_group[g] = r->n_units - 1;   // for now: the unit's position before sorting
    }
    // Pruned replicates: how far each unit got, and its mean there.
    for (int64_t i = 0; i < n; i++) {
        if (kept[i].status != STATUS_PRUNED) continue;
        RankedUnit *u = &r->units[unit_of_group[r->groups.group_of[i]]];
        if (kept[i].epochs_run > u->pruned_at) u->pruned_at = kept[i].epochs_run;
    }
    double *psum = calloc((size_t)(r->n_units ? r->n_units : 1), sizeof *psum);
    int64_t *pcnt = calloc((size_t)(r->n_units ? r->n_units : 1), sizeof *pcnt);
    if (!psum || !pcnt) { free(psum); free(pcnt); goto done; }
    for (int64_t i = 0; i < n; i++) {
        int64_t u = unit_of_group[r->groups.group_of[i]];
        if (kept[i].status == STATUS_PRUNED && kept[i].epochs_run == r->units[u].pruned_at)
            psum[u] += stats_value(&kept[i], o->metric), pcnt[u]++;
    }
    for (int64_t u = 0; u < r->n_units; u++)
        if (pcnt[u]) r->units[u].pruned_mean = psum[u] / (double)pcnt[u];
    free(psum);
    free(pcnt);
    Order ord = {r->units, r->groups.groups, r->lower_is_better};
    qsort_r(r->units, (size_t)r->n_units, sizeof *r->units, cmp_units, &ord);
    for (int64_t g = 0; g < G; g++) unit_of_group[g] = -1;
    for (int64_t u = 0; u < r->n_units; u++) unit_of_group[r->units[u].group] = u;

    // Per unit and pair: the sum and count of the metric over its done configs.
    size_t cells = (size_t)(r->n_units ? r->n_units : 1) * (size_t)(P ? P : 1);
    sum = calloc(cells, sizeof *sum);
    cnt = calloc(cells, sizeof *cnt);
    tests = malloc((size_t)(r->n_units ? r->n_units : 1) * sizeof *tests);
    order = malloc((size_t)(r->n_units ? r->n_units : 1) * sizeof *order);
    if (!sum || !cnt || !tests || !order) goto done;
    for (int64_t i = 0; i < n; i++) {
        if (kept[i].status != STATUS_DONE || key[i] < 0 || key[i] >= P) continue;
        int64_t u = unit_of_group[r->groups.group_of[i]];
        double v = stats_value(&kept[i], o->metric);
        if (u < 0 || isnan(v)) continue;
        sum[u * P + key[i]] += v;
        cnt[u * P + key[i]] += 1.0;
    }
    for (size_t c = 0; c < cells; c++) sum[c] = cnt[c] > 0.0 ? sum[c] / cnt[c] : NAN;   // now the scores
    for (int64_t u = 0; u < r->n_units; u++) unit_interval(&r->units[u], sum + u * P, P, r->correction);

    // Each unit with a mean against the best: d_p = score_best(p) - score_unit(p).
    int64_t m = 0;
    if (r->n_units > 0 && !isnan(r->units[0].mean)) {
        r->units[0].is_best = 1;
        double *d = cnt;   // the counts are spent: reuse as the differences
        const double *best = sum;
        for (int64_t u = 1; u < r->n_units; u++) {
            RankedUnit *x = &r->units[u];
            if (isnan(x->mean)) continue;
            int64_t k = 0;
            for (int64_t p = 0; p < P; p++)
                if (!isnan(best[p]) && !isnan(sum[u * P + p])) d[k++] = best[p] - sum[u * P + p];
            paired_test(d, k, r->correction, r->lower_is_better, o->rope, &tests[m++]);
            x->compared = 1;
        }
        paired_holm(tests, m, o->alpha, order);
        for (int64_t u = 1, j = 0; u < r->n_units; u++)
            if (r->units[u].compared) {
                r->units[u].test = tests[j++];
                r->n_indistinguishable += r->units[u].test.indistinguishable;
            }
    }
    r->n_compared = m;
    rc = 0;
done:
    free(kept);
    free(key);
    free(unit_of_group);
    free(sum);
    free(cnt);
    free(tests);
    free(order);
    if (rc) ranking_free(r);
    return rc;
}

void ranking_free(Ranking *r) {
    stats_free(&r->groups);
    free(r->units);
    memset(r, 0, sizeof *r);
}
