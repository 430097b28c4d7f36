// group.h: configs grouped by a key, the one way every module groups them (the seed
// statistics and `sweep report --by` in stats.c, halving's settings, the trajectories of shared
// prefixes), and the one definition of a setting.
//
// Contract of group_by. Items 0..n-1 carry distinct ids in [0, n_ids) (ids[i], or i itself when
// ids is NULL). Items whose keys compare equal form one group. Groups are numbered 0, 1, ... in
// the order of their smallest id ("by first appearance" in id order), and each group lists its
// members' ids ascending. An id out of range, or given twice, is refused (GROUP_ERR_ID) before
// anything is written where it points: ids may come from a damaged results file. The key
// comparison gets two ids, only once every id has been checked, and must be a total order
// (consistent, transitive).
#ifndef GROUP_H
#define GROUP_H

#include <stdint.h>
#include "grid.h"
#include "spec.h"

enum { GROUP_OK = 0, GROUP_ERR_MEMORY = -1, GROUP_ERR_ID = -2 };

typedef struct {
    int64_t n_groups;
    int64_t n_ids;            // the range of ids given
    int64_t *start;           // (n_groups + 1): group k's members are members[start[k] .. start[k + 1])
    int64_t *members;         // (n) every id given, by group, ascending within a group
    int64_t *group_of;        // (n_ids) the group of each id; -1 for an id that was not given
} Grouping;

// Three-way comparison of the keys of the items with ids a and b.
typedef int (*GroupCompare)(int64_t a, int64_t b, void *ctx);

// Groups items as above. Returns GROUP_OK, GROUP_ERR_MEMORY or GROUP_ERR_ID (*g then empty).
int group_by(Grouping *g, const int64_t *ids, int64_t n, int64_t n_ids, GroupCompare cmp, void *ctx);
void group_free(Grouping *g);

// Masks of axes: AXIS_BIT(a) | ...
#define AXIS_BIT(a) (1u << (a))

// A setting (DESIGN section 6): the values of every axis but seed. The configs of a setting,
// its replicates, differ in seed and in the data split (repeat, fold), which is no axis. This
// is the one definition: the seed statistics, `sweep report`, `sweep compare` and halving's
// candidates all group by it.
#define SETTING_AXES (((1u << N_AXES) - 1) & ~AXIS_BIT(AXIS_SEED))

// Three-way comparison of two configs' values on the axes of the mask, in axis order, each
// in its own type (a total order: NaN after every number, equal to NaN).
int group_compare_axes(const Hyper *a, const Hyper *b, unsigned axes);

// The grid's configs ids[0..n) (every config when ids is NULL) grouped by the axes of the
// mask, ids in [0, g->n_configs). Returns as group_by.
int group_configs(Grouping *out, const Grid *g, const int64_t *ids, int64_t n, unsigned axes);

#endif
