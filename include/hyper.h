// hyper.h: the hyperparameters of one config (DESIGN section 2): one field per axis, named as
// the axis (axis.h's table points into it by name), and the data split. Plain data, no other
// header of ours: the network's training (train.h), the table of axes (axis.h) and the rows
// read back from a results file (rows.h) all hold one.
#ifndef HYPER_H
#define HYPER_H

#include <stdint.h>

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

#endif
