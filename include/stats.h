// stats.h: statistics over groups of configs. A group is every config that shares the values
// of some axes; the seed statistics group by every axis but seed (a "setting"), `sweep report
// --by` by the axes it names. Pure computation over rows already in memory.
#ifndef STATS_H
#define STATS_H

#include <stdint.h>
#include "rows.h"
#include "spec.h"

// The summary columns averaged over a group: STAT_* and N_STATS, in rows.h.
extern const char *const STAT_NAMES[N_STATS];   // "final_train_loss", ..., "best_val_loss"
// A summary row's value of stat k; whether lower is better (losses) for ranking.
double stats_value(const SummaryRow *s, int k);
int stats_lower_is_better(int k);
// The stat named name, or -1.
int stats_find(const char *name);
// (v3) The names follow the task (DESIGN section 7): the score columns are acc for
// classification, r2 for regression (final_train_r2, final_test_r2, best_test_r2,
// final_val_r2); the STAT_* indices stay (STAT_FINAL_TRAIN_ACC holds R2 then), and so does
// higher is better. stats_name is stat k's name for a task; stats_find_task the stat of that
// name for the task, or -1 (a score column of the other task's names included).
const char *stats_name(int k, Task task);
int stats_find_task(const char *name, Task task);

#include "group.h"   // AXIS_BIT, and SETTING_AXES: the one definition of a setting
#define STATS_SETTING_AXES SETTING_AXES

typedef struct {
    int64_t first;            // id of the group's first config: it carries the group's axis values
    int64_t n_configs, n_done, n_diverged, n_failed, n_pending, n_pruned;
    double mean[N_STATS];     // over configs with status done; NaN when there are none
    double std[N_STATS];      // sample standard deviation (ddof 1); NaN below two done configs
} GroupStats;

typedef struct {
    int64_t n_configs, n_groups;
    int64_t *group_of;        // (n_configs) group index of each config
    GroupStats *groups;       // (n_groups), numbered in order of their first config's id
    int64_t *start, *members; // group k's config ids: members[start[k] .. start[k + 1]), ascending
} Groups;

// Groups configs by the axes in the mask (AXIS_BIT(a) | ...); mask 0 gives one group
// (group.h's group_by: configs[i].id are the ids, which must be 0..n-1 in some order).
// summary may be NULL (counts and means are then left zero / NaN). Returns 0, -1 (memory), or
// GROUP_ERR_ID (-2) when a config's id is out of range or repeated (a damaged file).
int stats_group(Groups *g, const ConfigRow *configs, const SummaryRow *summary, int64_t n, unsigned axes);
void stats_free(Groups *g);

// Mean and sample standard deviation (ddof 1) of the non-NaN values among x[0], x[stride],
// ..., x[(n-1) stride]: NaN mean when there are none, NaN std below two. Two passes.
void stats_moments(const double *x, int64_t n, int64_t stride, double *mean, double *std);

// An axis's value in a config row, as a double (for printing and comparing), and exactly for
// an integer axis (0 for a real one); a name axis's value is its code (spec.h).
double stats_axis_value(const ConfigRow *c, AxisId a);
int64_t stats_axis_int(const ConfigRow *c, AxisId a);

#endif
