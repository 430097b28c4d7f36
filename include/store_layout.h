// store_layout.h: the results file's layout (DESIGN section 4), as it is created. Every
// object, full size, is built at once under a temporary name, before the first config trains:
// the root's and /data's attributes, /data, /configs and /summary (every row pending),
// /curves, /seed_stats and /seed_stats_curves, /weights (and /initial_weights), with their
// compound types, fill values and dimension scales; afterwards only raw data is written.
// Also what a row holds at creation (a pending /summary row, a config's /configs row), the
// memory types rows are read and written with, the datasets a config's rows live in, and the
// size a grid's file will have.
//
// Knows the grid, the data and the rows; knows nothing of the commit protocol (store_commit.h),
// of locks or of renaming into place (store.h), or of reading a file back (store_read.h).
#ifndef STORE_LAYOUT_H
#define STORE_LAYOUT_H

#include <hdf5.h>
#include <stdint.h>
#include "data.h"
#include "grid.h"
#include "mlp.h"
#include "rows.h"
#include "stats.h"
#include "store_task.h"
#include "train.h"

#define STORE_FORMAT_NAME "sweep-results"   // the root's `format`
// The results file's format_version: 2 from v2 on (folds, validation and their columns), 3
// from v3 on (the task: store_task.h). Files of versions 1 and 2 read as binary.
#define STORE_FORMAT_VERSION 3

// What the root and /data attributes record about the sweep.
typedef struct {
    const char *name;        // the spec's name
    const char *spec_text;   // the YAML verbatim
    const char *spec_sha256;
    const char *command;
    const char *host;
    const char *shard;       // "K/N"
    const char *source;      // the data source as written in the spec
    double test_fraction;
    uint64_t split_seed;
    ScaleKind scale;
    int save_initial_weights;
} StoreMeta;   // folds and repeats come with the Dataset

// Builds the whole file at tmp_path (truncating whatever is there), closes and fsyncs it.
// 0, or -1 (errno, when set, says why).
int store_layout_build(const char *tmp_path, const StoreMeta *meta, const Grid *grid, const Dataset *data);

// How many curves a file of this data has: N_CURVES with validation folds, else the first 4.
int store_layout_curves_for(const Dataset *d);

// The /configs row of a config, as the store writes it.
void store_config_row(ConfigRow *row, const Config *c);
// A /summary row as created: pending, NaN values, -1 epochs.
void store_layout_pending_row(SummaryRow *row, int64_t id);
// A name column's value: the name of axis a's value code, NUL-padded to ROWS_NAME_LEN bytes.
void store_layout_put_name(char out[ROWS_NAME_LEN], AxisId a, int64_t code);
// One row of /seed_stats: a setting (every axis but seed, repeat and fold), its replicates'
// counts (every seed, repeat and fold), and the mean and sample std of each stat over its done
// replicates. Its columns follow the table of axes (store_layout_seed_stats_type says where
// each is), so in memory it is bytes: room for the widest row the table allows.
typedef struct {
    _Alignas(8) unsigned char bytes[8 * (6 + 2 * N_STATS) + N_AXES * (ROWS_NAME_LEN + 8)];
} SeedStatsRow;
// The /seed_stats row of setting k: its axes from c (its first config), counts and moments from gs.
void store_layout_seed_stats_row(SeedStatsRow *row, int64_t k, const GroupStats *gs, const ConfigRow *c);
// The datasets under /seed_stats_curves: <curve>_mean, <curve>_std for each curve in order
// (the binary names; store_task_name gives a task's).
extern const char *const STORE_SEED_CURVE_NAMES[2 * N_CURVES];

// Memory types (the caller closes them): ConfigRow's numeric columns (the names are read by
// store_read_tables), SummaryRow, /summary's status column alone as uint8, a SeedStatsRow's
// columns (its file type is this one packed). SummaryRow's and SeedStatsRow's carry the binary
// names; store_task_compound renames them for a file's task.
hid_t store_config_type(void);
hid_t store_summary_type(void);
hid_t store_status_type(void);
hid_t store_layout_seed_stats_type(void);
// /configs' columns as the file has them, names included (a memory type; the file's is this
// one packed): what a reader holds a file's /configs to.
hid_t store_layout_config_file_type(void);
// Where a SeedStatsRow's moments begin: 2 * N_STATS doubles, mean then std of each stat; what
// comes before them (the setting, its axes and counts) is compared bytewise.
size_t store_layout_seed_stats_moments(void);

// The datasets one config's rows live in, open: /summary, its curves (named by the file's
// task), and per hidden size /weights/hidden_<H>/{W1, b1, W2, b2} (MLP_PARAM_NAMES), and the
// same under /initial_weights.
typedef struct {
    hid_t summary;
    int n_curves;                       // /curves/<CURVE_NAMES[c]> for c < n_curves
    hid_t curves[N_CURVES];
    int64_t n_hidden;
    hid_t (*weights)[MLP_N_PARAMS];     // (n_hidden), in the order of the hidden sizes given
    hid_t (*initial)[MLP_N_PARAMS];     // the same, or NULL without initial weights
} StoreRows;
// Opens them in file: 0, -1 when one is missing, or ENOMEM. Close with store_layout_close_rows
// whatever it returned.
int store_layout_open_rows(StoreRows *r, hid_t file, int n_curves, const int64_t *hidden, int64_t n_hidden,
                           int with_initial);
void store_layout_close_rows(StoreRows *r);

// The file's size in bytes, for --dry-run.
double store_estimate_bytes(const Grid *grid, const Dataset *data, int save_initial_weights);

#endif
