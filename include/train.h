// train.h: one config, start to finish: initial weights, epochs of mini-batch training with the
// config's optimizer, curves.
// Knows the network and the prepared data; knows nothing of grids, files or threads.
#ifndef TRAIN_H
#define TRAIN_H

#include <stdatomic.h>
#include <stdint.h>
#include "data.h"
#include "mlp.h"
#include "optim.h"
#include "rows.h"

// The hyperparameters of one config (DESIGN section 2): one field per axis, named as the axis
// (axis.h's table points into it by name), and the data split.
typedef struct {
    int64_t hidden_dim;
    double learning_rate;
    int64_t batch_size;
    int64_t epochs;
    uint64_t seed;
    double init_scale;
    double momentum;          // momentum and nesterov's mu (the others ignore it)
    double weight_decay;
    int shuffle;
    int32_t repeat, fold;     // the data split: fold `fold` of repeat `repeat` (0, 0 without folds)
    uint8_t optimizer;        // OptimKind
    uint8_t activation;       // MlpActivation
    uint8_t init;             // MlpInit
    int64_t patience;         // early stopping on val_loss after this many epochs without
    double min_delta;         //   improving by more than min_delta; patience 0: off
} Hyper;

// A config's status (Status, STATUS_*) is defined with the rows that store it: rows.h.

// What the network of a run computes for the data's task (DESIGN section 7): its output head
// and outputs O. binary: MLP_HEAD_BINARY, 1; multiclass: MLP_HEAD_SOFTMAX, K; regression:
// MLP_HEAD_MSE, 1.
typedef struct {
    MlpHead head;
    int64_t n_out;
} TrainTask;
// The task of the data a run trains on: the one place that maps a Dataset to its network.
TrainTask train_task_of(const Dataset *d);

// The val curves are NaN without folds (and the results file then has none). The *_ACC slots
// hold the task's score: the accuracy for classification, R2 for regression (where the curves'
// names say r2: train_curve_name).
enum { N_CURVES = 6 };
enum { CURVE_TRAIN_LOSS, CURVE_TRAIN_ACC, CURVE_TEST_LOSS, CURVE_TEST_ACC, CURVE_VAL_LOSS, CURVE_VAL_ACC };
extern const char *const CURVE_NAMES[N_CURVES];   // classification's: "train_loss", "train_acc", ...
// Curve c's name for a task: CURVE_NAMES[c], or for regression (is_regression != 0) the score
// curves' "train_r2", "test_r2", "val_r2".
const char *train_curve_name(int curve, int is_regression);

// Everything one config produces. Sized once by train_init for a given (D, Hyper).
typedef struct {
    Hyper hyper;
    Mlp initial;             // weights before the first update
    Mlp model;               // weights after the last epoch (or at divergence)
    double *curves[N_CURVES];// each (epochs), NaN past divergence
    double *curve_mem;
    Status status;
    int64_t epochs_run;      // epochs computed (== epochs unless diverged or cancelled)
    double final[N_CURVES];  // each curve's last computed value
    double best_test_acc;    // the best test score (accuracy, or R2 for regression): higher is better
    int64_t best_epoch;      // 0-based epoch of best_test_acc (first one on ties)
    double best_val_loss;    // the lowest val_loss, NaN without validation
    int64_t best_val_epoch;  // its 0-based epoch (first one on ties), -1 without validation
    double train_seconds;
    // scratch: batch gather buffers, the epoch permutation, the network's work space, and the
    // config's own rows when it trains on a cross-validation split
    MlpWork work;
    Optim optim;             // the optimizer's state (none for plain SGD, which mlp_step fuses)
    double *Xb, *yb;
    int64_t *order;
    double *view_mem;
    DataView view;
    // early stopping (hyper.patience > 0): the best epoch so far by its rule, its weights and
    // values (restored as the run's results), and the epochs since it
    Mlp best;
    double best_final[N_CURVES];
    double es_ref;           // val_loss of the last improvement; NaN before the first epoch
    int64_t es_epoch, es_wait;
    int stopped;             // patience ran out: no epoch follows
} Run;

// A run of config h on d, its network's head and outputs train_task_of(d). 0, or -1 when out
// of memory.
int train_init(Run *r, const Dataset *d, const Hyper *h);
void train_free(Run *r);

// Train to the end. Returns 0 when the run finished (done or diverged: see r->status),
// 1 when *cancel became non-zero first (the run is abandoned and stays pending).
int train_run(Run *r, const Dataset *d, atomic_int *cancel);

// The same in steps, for runs that pause (a trajectory's shorter configs, halving's rungs):
// train_begin sets the initial weights and an empty history; train_advance trains epochs
// [r->epochs_run, until) (until <= r->hyper.epochs) unless the run has ended (diverged), and
// leaves r exactly as a run of `until` epochs would end: final values, best epochs, weights.
// So begin, advance(a), advance(b) is bitwise begin, advance(b). Returns 0, or 1 when
// cancelled (the run is then abandoned).
void train_begin(Run *r, const Dataset *d);
int train_advance(Run *r, const Dataset *d, int64_t until, atomic_int *cancel);
int train_ended(const Run *r);   // diverged or stopped early: no epoch can follow
// The weights a run's results hold: with early stopping its best epoch's (restore best),
// else the last epoch's.
const Mlp *train_result_model(const Run *r);

// A run paused for a while (halving's rungs): train_park frees its scratch (batch buffers,
// work space, its own rows) and keeps its state (weights, curves, best epochs);
// train_unpark rebuilds the scratch, after which the run goes on bitwise as if never parked.
// 0, or -1 when out of memory (the run stays parked).
void train_park(Run *r);
int train_unpark(Run *r, const Dataset *d);

// Whether two configs differ in nothing but their epochs (the same trajectory), and an order
// that puts such configs together: the data split (repeat, fold), then every axis but epochs
// in the fixed order (axis.h).
int train_compare_but_epochs(const Hyper *a, const Hyper *b);

// Floating-point operations one config costs, for scheduling, ETAs and GFLOP/s figures
// (with folds, for the mean size of a split), for the network's O outputs.
double train_flops(const Hyper *h, const Dataset *d);

#endif
