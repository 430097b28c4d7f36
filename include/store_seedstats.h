// store_seedstats.h: the seed statistics of a results file: for each setting (every axis but
// seed, repeat and fold), its replicates' counts and the mean and sample standard deviation of
// every summary stat (/seed_stats) and of every curve, epoch by epoch (/seed_stats_curves),
// over its done replicates.
//
// The objects exist from the file's creation (store_layout.h); this fills them from the
// file's own rows, once every config is finished: at the end of a complete sweep, and by
// merge. Knows the layout, the rows and stats.h's grouping; nothing of the commit protocol.
#ifndef STORE_SEEDSTATS_H
#define STORE_SEEDSTATS_H

#include <hdf5.h>

// Fills /seed_stats and /seed_stats_curves of a file open for writing. SWEEP_OK, or an exit
// status with err filled, naming the file (a failed write names its cause: "PATH: cannot write
// the seed statistics: No space left on device").
int store_write_seed_stats(hid_t file, char *err);
// Whether the file's seed statistics are the ones its rows give (*same: 1 or 0), without
// writing: what --resume checks before it calls a finished file complete, as a write that
// failed may have left them partly unfilled. SWEEP_OK, or an exit status with err filled.
int store_seed_stats_current(hid_t file, int *same, char *err);

#endif
