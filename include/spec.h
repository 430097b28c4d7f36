// spec.h: the YAML spec (DESIGN section 2) parsed with libyaml into plain values.
// Every error is one line: "file:line:col: key: expected ..., found ...". What each axis
// allows, its default and its message come from the table of axes (axis.h).
#ifndef SPEC_H
#define SPEC_H

#include <stddef.h>
#include <stdint.h>
#include "axis.h"
#include "data.h"
#include "override.h"

typedef struct {
    int line, col;            // 1-based; 0 when the value was not in the file (a default)
} SrcLoc;

// (v2) Distributions, for random search only: uniform and loguniform on the real axes,
// randint (b excluded) on the integer ones.
typedef enum { DIST_NONE, DIST_UNIFORM, DIST_LOGUNIFORM, DIST_RANDINT, N_DISTS } DistKind;
extern const char *const DIST_NAMES[N_DISTS];   // "", "uniform", "loguniform", "randint"

typedef struct {
    int64_t n_values;         // 0 when the axis is a distribution
    int64_t *ints;            // integer axes (shuffle is 0/1, a name axis its codes); NULL for real axes
    double *reals;            // real axes; NULL for integer axes
    SrcLoc *locs;             // where each value was written
    DistKind dist;            // DIST_NONE: the values above; else drawn from [lo, hi] (randint: [ilo, ihi))
    double lo, hi;
    int64_t ilo, ihi;
    SrcLoc dist_loc;          // the distribution's mapping
} SpecAxis;

// One mapping of axes: the whole grid, or one of a list of sub-grids (DESIGN section 2).
typedef struct {
    SpecAxis axes[N_AXES];
    SrcLoc loc;               // where its mapping starts
} SpecGrid;

typedef enum { SEARCH_GRID, SEARCH_RANDOM } SearchMethod;
// (v3) val_acc is the score of classification, val_r2 of regression (DESIGN section 7).
typedef enum { HALVING_VAL_LOSS, HALVING_VAL_ACC, HALVING_VAL_R2 } HalvingMetric;

typedef struct {
    char *path;               // as given on the command line
    char *text;               // the file verbatim
    size_t text_len;
    char *name;               // `name`, else the file's stem
    char *output;             // `output`, or NULL
    int save_initial_weights;
    struct {
        char *source;         // "breast_cancer" or a CSV path resolved against the spec's folder
        char *source_given;   // as written in the spec
        SrcLoc source_loc;
        char *label;          // or NULL: the last column
        SrcLoc label_loc;
        // (v3) What the label means (DESIGN section 7; task.h): the task (TASK_AUTO unless
        // given), the classes' order as written (the entries' text, or NULL), the target
        // scaling of regression; handed to the data by spec_task_request.
        int task;
        SrcLoc task_loc;
        char **classes;           // (n_classes) or NULL
        int64_t n_classes;
        SrcLoc classes_loc;       // the key data.classes
        SrcLoc *classes_locs;     // (n_classes) each entry
        TargetScale target_scale;
        int target_scale_given;   // written in the spec (a classification task refuses it)
        SrcLoc target_scale_loc;
        double test_fraction;
        SrcLoc test_fraction_loc;
        uint64_t split_seed;
        ScaleKind scale;
        int64_t folds, repeats;   // K (1: no validation) and R of repeated stratified K-fold
        SrcLoc folds_loc, repeats_loc;
    } data;
    struct {
        SearchMethod method;  // grid (the default) or random
        int64_t n;            // random: settings to draw
        uint64_t seed;        // random: the draw's own seed
        SrcLoc loc, n_loc;    // the search mapping and its n
    } search;
    struct {                  // (v2) synchronous successive halving over epochs
        int enabled;
        int64_t factor;       // keep the best ceil(n / factor) settings at each rung
        int64_t min_epochs;   // the first rung
        int metric;           // HalvingMetric: val_acc only for classification, val_r2 only
                              //   for regression (spec_check_data, once the task is known)
        SrcLoc loc, min_epochs_loc, metric_loc;   // the halving mapping, its min_epochs, its metric
    } halving;
    int64_t n_grids;          // 1 for a mapping, else the sub-grids of a list, in order
    SpecGrid *grids;          // (n_grids), every axis filled (defaults included)
    Overrides overrides;      // where each byte of text came from (the file or a --set)
} Spec;

// Read and parse the file at path. Returns 0, or 2 with err filled (1 on out of memory).
int spec_load(Spec *s, const char *path, char *err);
// The same with `--set KEY=VALUE` overrides (sets[i] is "KEY=VALUE") applied to the text first
// (override.h): s->text is then the overridden spec, and a message about a value that came
// from an override names the option instead of a file position.
int spec_load_with(Spec *s, const char *path, const char *const *sets, int n_sets, char *err);
int spec_parse_with(Spec *s, const char *path, const char *text, size_t len, const char *const *sets,
                    int n_sets, char *err);
// Parse text already in memory; path is used for messages and to resolve a CSV source.
int spec_parse(Spec *s, const char *path, const char *text, size_t len, char *err);
void spec_free(Spec *s);

// A spec file's stem: its base name without .yaml/.yml ("spec" if that leaves nothing);
// malloc'd. The default `name`, and the default output results/<stem>.h5.
char *spec_stem(const char *path);

// Where a position of s->text is, for a message: "PATH:L:C" in the file (as the user wrote it,
// before any override), "PATH" for a default value (line 0), or "--set KEY=VALUE".
void spec_where(const Spec *s, SrcLoc at, char *out, size_t cap);

// (v3) What the spec asks of the label column (data.task, data.classes, data.target_scale),
// for data_load_table; the request borrows the spec's strings.
TaskRequest spec_task_request(const Spec *s);
// A loading error about one of those keys (req->bad_key, task.h), located: "PATH:L:C: " (the
// list entry req->bad_index of data.classes, else the key) put in front of err's "data.classes[2]:
// ..." text. Returns rc. An error about the data itself (bad_key TASK_KEY_NONE) is left as it is.
int spec_task_error(const Spec *s, const TaskRequest *req, int rc, char *err);

// Checks that need the split data (before its folds are made): folds <= the smallest class's
// training rows (regression: the training rows), 1 <= batch_size <= the fewest rows a config
// trains on, and (v3) the keys that depend on the task: target_scale only for regression,
// halving's metric the task's score. 0 or 2, err filled.
int spec_check_data(const Spec *s, const Dataset *d, char *err);
// The data every config of the spec trains on, from the loaded table: the split and scaling,
// spec_check_data, then the folds. Errors are located at the keys that ask for them. 0, or
// 1/2 with err filled (d is then the caller's to free).
int spec_prepare_data(const Spec *s, const Table *t, Dataset *d, char *err);

#endif
