// chart.h: the charts of `sweep report --html` (DESIGN section 8), each an inline SVG with a
// <title>, drawn from a results file's tables already in memory and, for the learning curves
// and halving's rungs, its /curves: each unit's 95% interval on one scale beside the ranking,
// the learning curves of the top units (curve_chart.c), a heatmap of the metric for each pair
// of swept axes, a parallel-coordinates chart of every setting, and halving's settings alive
// at each rung. The numbers come from ranking.h and stats.h, the same functions as the text
// report's; nothing here computes a statistic of its own beyond a mean of a curve.
//
// Contract: the model borrows the caller's tables and ranking (which outlive it) and the open
// file; every chart writes to the FILE only (errors: ferror on it, or -1 with err filled when
// the file cannot be read or memory runs out); every user-given text is escaped.
#ifndef CHART_H
#define CHART_H

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include "ranking.h"
#include "spec.h"
#include "stats.h"
#include "store.h"
#include "svg.h"

// An axis's distinct values in the file, ascending, and whether they are drawn on a log scale.
typedef struct {
    int64_t n;
    double *v;
    int log;
} ChartAxis;

typedef struct {
    hid_t file;                   // the results file, open read-only (borrowed)
    const ConfigRow *configs;     // (n) borrowed
    const SummaryRow *summary;
    int64_t n;
    const Ranking *rank;          // the units as the text report ranks them (borrowed)
    int metric;                   // the STAT_* ranked on
    int64_t rows;                 // units shown: the text report's top K
    unsigned mask;                // the unit's axes (STATS_SETTING_AXES unless --by)
    Groups settings;              // every config grouped by every axis but seed (owned)
    ChartAxis axes[N_AXES];       // (owned)
    int n_swept;                  // setting axes with more than one value, in axis order
    int swept[N_AXES];
    char task[32];                // /data's task ("binary" for files from before tasks)
} ChartModel;

// 0, GROUP_ERR_ID when the configs' ids are not 0..n-1 each once, or -1 when out of memory
// (m is then freed).
int chart_model_init(ChartModel *m, hid_t file, const ConfigRow *configs, const SummaryRow *summary, int64_t n,
                     const Ranking *rank, int metric, int64_t rows, unsigned mask);
void chart_model_free(ChartModel *m);

// Text for people: an axis's name with its unit (and ", log scale" when scaled and drawn so);
// a value of an axis as a spec writes it; a summary column's name with what it measures; a
// unit's axes as "a=1, b=2" (the axes of mask that are swept, or all of mask when none is).
void chart_axis_label(const ChartModel *m, AxisId a, int scaled, char *out, size_t n);
void chart_axis_value(AxisId a, double v, char *out, size_t n);
void chart_metric_label(const ChartModel *m, int stat, char *out, size_t n);
// (v3) The file's task (from m->task; binary when unknown) and stat's name for it
// (stats_name: acc or r2).
Task chart_task(const ChartModel *m);
const char *chart_stat_name(const ChartModel *m, int stat);
// What a kind of curve measures ("loss": the task's loss, "acc", "r2"), for axis names.
const char *chart_kind_unit(const ChartModel *m, const char *kind);
void chart_unit_label(const ChartModel *m, const GroupStats *g, unsigned mask, char *out, size_t n);

// The scale of the intervals column, from the shown units' means and intervals.
void chart_interval_scale(const ChartModel *m, SvgScale *s);
// The intervals column's header: the scale's axis. A row: the unit's interval and mean, marked
// best / indistinguishable / other, with a line at the best's mean.
void chart_interval_axis(FILE *f, const ChartModel *m, const SvgScale *s);
void chart_interval_row(FILE *f, const ChartModel *m, const SvgScale *s, int64_t k);

// A heading and a chart per pair of swept setting axes (a scatter of the settings when an
// axis has more than 12 values). Returns 0 or -1 (memory; err filled).
int chart_heatmaps(FILE *f, const ChartModel *m, char *err);
// Every setting over its swept axes, coloured by the metric.
int chart_parallel(FILE *f, const ChartModel *m, char *err);
// Whether the file raced its settings by successive halving (the spec says so, or some
// config was pruned).
int chart_halving(const ChartModel *m, const Spec *spec);
// Successive halving: the rungs (from the spec's halving section, else from where pruned
// configs stopped), the settings alive at each and their scores there. Writes nothing for a
// file without halving. Returns 0 or -1 (err filled).
int chart_rungs(FILE *f, const ChartModel *m, const Spec *spec, char *err);

// The learning curves of the top units (curve_chart.c): the mean over replicates with a band
// of one standard deviation, per curve kind (loss, the task's score) and part (train,
// validation, test), each curve thinned to no fewer than CURVE_MIN_POINTS points. 0 or -1.
enum { CURVE_MIN_POINTS = 500 };
int curve_chart_write(FILE *f, const ChartModel *m, char *err);

#endif
