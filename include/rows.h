// rows.h: the results file's rows as the program holds them in memory: a config's /configs
// and /summary rows, and the statuses /summary stores.
//
// Types only, and no HDF5, no threads, no header of ours but the plain Hyper (hyper.h): the
// pure modules (train's statuses, stats, ranking, the report's tables) use rows without the
// store. How a row is laid out in the file (packed compounds, names as strings, columns in
// the order of the table of axes), and how it is read and written, is the store's
// (store_layout.h, store_read.h), as is the /seed_stats row; what fills a row from a config
// or a run is too (store.h).
#ifndef ROWS_H
#define ROWS_H

#include <stdint.h>
#include "hyper.h"

// A config's status, as /summary stores it.
typedef enum {
    STATUS_PENDING = 0,
    STATUS_DONE = 1,
    STATUS_DIVERGED = 2,
    STATUS_FAILED = 3,
    STATUS_PRUNED = 4,   // stopped by successive halving at a rung: results of that many epochs
} Status;

// Bytes of a name column (/configs' and /seed_stats' optimizer, activation and init):
// fixed-length strings, NUL-terminated.
#define ROWS_NAME_LEN 16

// One row of /configs, as held in memory: the config's id, its axes and data split as a
// Hyper (axis.h's axis_get_i64 / axis_get_f64 read an axis by its AxisId), and its row in its
// hidden size's weights. The name axes are codes here (OptimKind, MlpActivation, MlpInit);
// /configs stores their names as fixed-length strings (ROWS_NAME_LEN bytes), which h5py and
// pandas read as the names themselves (b"adam"), where an HDF5 enum would read as a bare code
// in pandas.
typedef struct {
    int64_t id;
    Hyper hyper;
    int64_t weights_row;
} ConfigRow;

// One row of /summary.
typedef struct {
    int64_t id;
    int8_t status;            // Status
    double final_train_loss, final_train_acc, final_test_loss, final_test_acc;
    double best_test_acc;
    int64_t best_epoch;
    double final_val_loss, final_val_acc, best_val_loss;
    int64_t best_val_epoch, epochs_run;
    double train_seconds;
} SummaryRow;

// The summary columns that statistics over a group of configs cover, by index (their names
// and values: stats.h).
enum { STAT_FINAL_TRAIN_LOSS, STAT_FINAL_TRAIN_ACC, STAT_FINAL_TEST_LOSS, STAT_FINAL_TEST_ACC,
       STAT_BEST_TEST_ACC, STAT_FINAL_VAL_LOSS, STAT_FINAL_VAL_ACC, STAT_BEST_VAL_LOSS, N_STATS };

#endif
