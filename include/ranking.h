// ranking.h: units of a results file ranked by a metric, each compared with the best by the
// paired tests of DESIGN section 6. A unit is a setting (every axis but seed, repeat and
// fold) or, grouping by one axis, one value of it. Units are paired on the data splits
// (repeat, fold) when the file has validation folds, else on the seeds. Pure computation over
// /configs and /summary rows already in memory; `sweep report` and `sweep compare` print it.
#ifndef RANKING_H
#define RANKING_H

#include <stdint.h>
#include "paired.h"
#include "rows.h"
#include "stats.h"

typedef struct {
    int metric;               // a STAT_* index: the summary column ranked on
    unsigned axes;            // the unit: STATS_SETTING_AXES, or AXIS_BIT(a) for one axis
    double alpha;             // Holm-adjusted p >= alpha: indistinguishable from the best
    double rope;              // half-width of the region of practical equivalence, or NaN
    int64_t n_train;          // /data's n_train, folds and repeats: the splits and the
    int64_t n_folds, n_repeats;   // Nadeau-Bengio correction n_val / n_fit
    const uint8_t *keep;      // (n) 1 for configs to rank (--where), or NULL for all
} RankingOptions;

typedef struct {
    int64_t group;            // index into Ranking.groups.groups
    int64_t n_kept;           // configs of the unit that were kept
    double mean;              // mean of the metric over its done configs; NaN when none
    int64_t n_scores;         // splits (or seeds) on which it has a score
    double ci_low, ci_high;   // 95% interval of its mean over those scores (NaN below two)
    int is_best;
    int compared;             // 1: test holds the comparison with the best
    int64_t pruned_at;        // halving: the most epochs a pruned replicate ran (0: none pruned)
    double pruned_mean;       // and the mean of the metric over its pruned replicates there
    PairedTest test;          // d = score of the best - score of this unit, per pair
} RankedUnit;

typedef struct {
    Groups groups;            // every group of the file's configs by opts.axes
    int64_t n_units;          // groups with a kept config
    RankedUnit *units;        // (n_units) best first; then units halving pruned, the later the
                              // better (then by the metric there); units with nothing done last
    int by_split;             // 1: pairs are the J splits; 0: the seeds (J = 1)
    int64_t n_pairs_max;      // J, or the number of distinct seeds
    double correction;        // n_val / n_fit, 0 when pairing on seeds
    int64_t n_compared, n_indistinguishable;   // the best itself not counted
    int lower_is_better;
} Ranking;

// Returns 0, GROUP_ERR_ID when the configs' ids are not 0..n-1 each once (a damaged file;
// store_read_tables refuses such a file first), or -1 when out of memory (r is then freed).
int ranking_build(Ranking *r, const ConfigRow *configs, const SummaryRow *summary, int64_t n,
                  const RankingOptions *o);
void ranking_free(Ranking *r);

// The metric a file is ranked on by default: final_val_loss with validation folds, else
// final_test_loss. Checks a chosen one: 0, or 2 with err filled (a test-part metric with
// validation folds, a validation metric without, an unknown name).
int ranking_metric(const char *name, int has_validation, int *metric, char *err);
// (v3) The same for a file's task: the score columns are the task's (acc for classification,
// r2 for regression, stats_name); the other task's score column is refused in one line that
// names the file's task and the column to use instead. ranking_metric is this for binary.
int ranking_metric_task(const char *name, int has_validation, Task task, int *metric, char *err);

#endif
