// store_read.h: reading a results file back, read-only: opening it (and checking it is one),
// its format version, data splits and curves, a quick look at its statuses, whether its data
// are a given Dataset's, and its /configs and /summary tables whole, as rows.
//
// Every reader opens the file with HDF5's file locking off, so it may read a file a sweep is
// writing; it then trusts only rows whose status is not pending. Knows the layout
// (store_layout.h); knows nothing of the commit protocol or of the Store being written.
#ifndef STORE_READ_H
#define STORE_READ_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include "data.h"
#include "rows.h"

// When a file's root attribute `format` is there but its string is damaged: 1 with err filled
// (exit status 2, the file and the attribute named), else 0.
int store_format_damaged(hid_t file, const char *path, char *err);
// Opens a results file read-only with HDF5 file locking off (a sweep may be writing it) and
// checks that it is one, and a sound one (store_check): 0, or 2 with err filled. Close with
// H5Fclose.
int store_open_read(const char *path, hid_t *file, char *err);
// Checks every value a reader of the file uses before it is used (DESIGN section 4): the
// root's n_configs against the rows of /configs, /summary, /curves and /weights; /data's
// attributes (n_train, n_test, n_features, folds, repeats) against its arrays' shapes; every
// row's ids (0..n-1, each once, in row order), hidden_dim (a /weights/hidden_<H> group),
// weights_row (within that group's rows, each once, every row used), epochs (within the
// curves), repeat and fold (a split of /data's), status (a known code), epochs_run (within
// its epochs) and names (optimizer, activation, init this version knows). Reads the tables a
// slice at a time. SWEEP_OK, or 2 with err "PATH: /object: what is wrong" (1 when the disk
// failed).
int store_check(hid_t file, char *err);
// The file's format_version (0 when missing). Resume and merge take only STORE_FORMAT_VERSION.
int64_t store_format_version(hid_t file);
// The data splits the configs trained on, from /data's attributes (a version-1 file has no
// folds: 1 and 1). 0, or -1 when /data is unreadable.
typedef struct {
    int64_t n_train, n_test, folds, repeats;
} StoreSplits;
int store_read_splits(hid_t file, StoreSplits *s);
// How many curves the file has (N_CURVES with validation, 4 without).
int store_n_curves(hid_t file);
// A quick look, read-only: the status column (n_configs of them) and the shard of the file
// at path. SWEEP_OK, or SWEEP_ERR_USAGE (no such file, or another grid: status all pending).
int store_peek(const char *path, int64_t n_configs, uint8_t *status, char *shard, size_t n_shard);
// Whether the file's /data split and scaling are those of d (what --resume checks), the target
// scaling of regression included: 1 or 0. (The task itself: store_task_matches.)
int store_data_matches(hid_t file, const Dataset *d);
// Reads /configs and /summary whole into malloc'd arrays of *n rows each, checked as
// store_check checks them (an error names the file and the object). An axis's column the file
// lacks (a file from before the recipe axes) reads as the axis's default (axis.h: sgd, 0.9, 0,
// relu, normal); a name this version does not know is an error (2). /summary's score columns
// are read by the file's task's names (a regression file's final_train_r2 into final_train_acc).
int store_read_tables(hid_t file, ConfigRow **configs, SummaryRow **summary, int64_t *n, char *err);

#endif
