// store.h: the results file (DESIGN section 4). Every object is created, full size, before
// the first config trains; afterwards only raw data is written: a config's rows when it is
// committed, its status once those rows are durable (store.c, "Durability"). Commits may come
// from any thread; the store serialises them with its background syncer.
#ifndef STORE_H
#define STORE_H

#include <hdf5.h>
#include <pthread.h>
#include <stdint.h>
#include "data.h"
#include "grid.h"
#include "rows.h"
#include "train.h"

// The results file's format_version: 2 from v2 on (folds, validation and their columns).
#define STORE_FORMAT_VERSION 2

// String attributes, as the file keeps them (variable-length UTF-8): get returns a malloc'd
// copy, or NULL when missing or not a string; set creates or rewrites. 0 or -1.
char *store_attr_get(hid_t obj, const char *name);
int store_attr_set(hid_t obj, const char *name, const char *value);
// store_attr_get into a buffer of n bytes: 0, or -1 (out is then empty).
int store_attr_read(hid_t obj, const char *name, char *out, size_t n);

// The /configs row of a config, as the store writes it.
void store_config_row(ConfigRow *row, const Config *c);

// Their HDF5 memory types (the caller closes them). store_config_type has the numeric columns
// of ConfigRow only (the names are read by store_read_tables).
hid_t store_config_type(void);
hid_t store_summary_type(void);

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

// Finished configs waiting for the syncer (store.c, "Durability").
typedef struct {
    SummaryRow row;               // its status, for once its rows are durable
    const Config *config;
    int64_t offset;               // its rows in the arena: curves, weights, initial weights
} StoreStaged;

typedef struct {
    SummaryRow *status;           // configs whose rows are written: statuses only
    int64_t n_status, cap_status;
    StoreStaged *staged;          // configs whose rows are not written yet
    int64_t n_staged, cap_staged;
    double *arena;                // the staged rows
    int64_t n_arena, cap_arena;
} StoreBatch;

// Lives where it was opened: HDF5 holds pointers to its conversion buffers.
typedef struct {
    hid_t file;
    int n_curves;                 // N_CURVES with validation, else the first 4 (no val curves)
    hid_t curves[N_CURVES];
    hid_t summary, summary_mem;   // /summary and the memory type of one SummaryRow
    hid_t status_mem;             // the memory type of its status byte alone
    hid_t dxpl;                   // transfer properties for commits, using the buffers below
    double tconv[512], bkg[512];  // type-conversion buffers (a summary row is converted)
    hid_t (*weights)[4];          // per hidden size: W1, b1, W2, b2
    hid_t (*initial)[4];          // the same under /initial_weights, or NULL
    const Grid *grid;
    int64_t n_features;
    int fd;                       // the file's descriptor, for fsync
    pthread_t syncer;             // background fsync (see store.c, "Durability")
    pthread_mutex_t sync_mu;      // the syncer's wake-ups and stop
    pthread_cond_t sync_cv;
    int syncer_running, sync_stop, sync_wake;
    pthread_mutex_t io_mu;        // held by every use of HDF5 on the open file once it is open
    pthread_mutex_t q_mu;         // guards the four below
    StoreBatch fill, spare;       // what commits leave for the syncer's next round; a spare
    int sync_dirty;               // written since the last fsync
    int sync_errno;               // a background round failed: its errno, or -1 (HDF5)
    double *scratch;              // the syncer's buffer for batched writes
    int64_t cap_scratch;
    int legacy_order;             // SWEEP_COMMIT_ORDER=legacy: the old ordering (store.c)
    int64_t n_published;          // configs whose status this store wrote (io_mu); still
                                  // valid after store_close and store_abandon
    int lock_fd;
    char *path, *lock_path;
    char status[32];              // the root status found by store_resume
    char shard[32];               // the root shard found by store_resume ("K/N")
} Store;

// Refuses (2) when path exists and replace is 0; refuses (1) when another sweep holds it.
// Builds the whole file as PATH.tmp, then renames it into place and opens it for commits.
int store_create(Store *st, const char *path, int replace, const StoreMeta *meta, const Grid *grid,
                 const Dataset *data, char *err);
// Opens an existing file for --resume: checks format and spec hash, fills status[n_configs].
// Writes nothing: the caller marks the file running once it has work to do.
int store_resume(Store *st, const char *path, const char *spec_sha256, const Grid *grid,
                 const Dataset *data, uint8_t *status, char *err);
// Commits one finished config (done or diverged): its rows now (they survive kill -9), its
// status once they are durable (within a second; at the latest by store_close).
int store_write_result(Store *st, const Config *c, const Run *r, char *err);
// The value of one committed config's curve after `epoch` epochs (0-based index epoch - 1),
// from the file being written (halving's decisions on resume). 0 or -1.
int store_read_curve_value(Store *st, int curve, int64_t id, int64_t epoch, double *out);
// One committed config's /summary row, from the file being written. 0 or -1.
int store_read_summary_row(Store *st, int64_t id, SummaryRow *out);

// The /summary row store_write_result writes for a config's run.
void store_summary_row(SummaryRow *row, const Config *c, const Run *r);
// Records a config that could not run (out of memory) as failed.
int store_write_failed(Store *st, const Config *c, char *err);
// Sets the root status attribute ("running", "complete", "interrupted") and syncs.
int store_set_status(Store *st, const char *status, char *err);
// Sets the final root status ("complete" or "interrupted"), syncs, closes and unlocks.
int store_close(Store *st, const char *status, char *err);
// Closes without touching the status (after an error); the file stays resumable.
void store_abandon(Store *st);

// Readers. Opens a results file read-only with HDF5 file locking off (a sweep may be writing
// it) and checks that it is one: 0, or 2 with err filled. Close with H5Fclose.
int store_open_read(const char *path, hid_t *file, char *err);
// An integer attribute: 0, or -1 when it is missing or unreadable.
int store_attr_i64(hid_t obj, const char *name, int64_t *v);
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
// Whether the file's /data split and scaling are those of d (what --resume checks): 1 or 0.
int store_data_matches(hid_t file, const Dataset *d);
// Reads /configs and /summary whole into malloc'd arrays of *n rows each. A column the file
// lacks (a file from before the recipe axes) reads as the spec's default (sgd, 0.9, 0, relu,
// normal); a name this version does not know is an error (2).
int store_read_tables(hid_t file, ConfigRow **configs, SummaryRow **summary, int64_t *n, char *err);
// Reads rows [start, start + n) of a 1-D dataset (a compound may be read by a subset of its
// fields): 0 or -1. store_status_type is /summary's status column alone, as uint8.
int store_read_slice(hid_t file, const char *dataset, hid_t mem_type, int64_t start, int64_t n, void *out);
hid_t store_status_type(void);
// Fills /seed_stats and /seed_stats_curves from the file's own rows (the objects exist from
// creation; a file open for writing). Done when every config is finished, and by merge.
int store_write_seed_stats(hid_t file, char *err);

// The file's size in bytes, for --dry-run.
double store_estimate_bytes(const Grid *grid, const Dataset *data, int save_initial_weights);

#endif
