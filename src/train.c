// train.c: one config's training run (DESIGN section 3).
#include "train.h"
#include "axis.h"
#include "sweep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const CURVE_NAMES[N_CURVES] = {"train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc"};
static const char *const CURVE_NAMES_R2[N_CURVES] = {"train_loss", "train_r2", "test_loss", "test_r2", "val_loss", "val_r2"};

const char *train_curve_name(int curve, int is_regression) {
    if (curve < 0 || curve >= N_CURVES) return NULL;
    return is_regression ? CURVE_NAMES_R2[curve] : CURVE_NAMES[curve];
}

// The data's task decides the head (DESIGN section 7): multiclass a softmax over its K
// classes, regression one prediction under mean squared error, binary (and a hand-built data
// set, whose task is zero) the one logit.
TrainTask train_task_of(const Dataset *d) {
    switch (d->task) {
    case TASK_MULTICLASS: return (TrainTask){.head = MLP_HEAD_SOFTMAX, .n_out = d->n_classes};
    case TASK_REGRESSION: return (TrainTask){.head = MLP_HEAD_MSE, .n_out = 1};
    default: return (TrainTask){.head = MLP_HEAD_BINARY, .n_out = 1};
    }
}

// Rows the evaluation pass handles at once (it reuses the batch work space).
enum { EVAL_ROWS = 64 };

// The scratch of a run: batch gather buffers, the epoch permutation, the network's work space
// and the config's own rows (with folds). Rebuilt by train_unpark, exactly as before.
static int scratch_init(Run *r, const Dataset *d) {
    const Hyper *h = &r->hyper;
    int64_t D = d->n_features, H = h->hidden_dim, B = h->batch_size;
    int64_t rows = B > EVAL_ROWS ? B : EVAL_ROWS;
    r->Xb = malloc((size_t)(B * D) * sizeof(double));
    r->yb = malloc((size_t)B * sizeof(double));
    r->order = malloc((size_t)d->n_train * sizeof(int64_t));
    int64_t view_doubles = data_view_doubles(d);
    r->view_mem = view_doubles ? malloc((size_t)view_doubles * sizeof(double)) : NULL;
    int bad = !r->Xb || !r->yb || !r->order || (view_doubles && !r->view_mem);
    bad |= mlp_work_init(&r->work, D, H, r->model.n_out, rows) != 0;   // the model's outputs
    if (!bad) {
        data_view(d, h->repeat, h->fold, r->view_mem, &r->view);
        optim_set_kernels(&r->optim, mlp_work_kernels(&r->work));   // the network's choice
    }
    return bad ? -1 : 0;
}

static void scratch_free(Run *r) {
    mlp_work_free(&r->work);
    free(r->Xb);
    free(r->yb);
    free(r->order);
    free(r->view_mem);
    r->Xb = r->yb = r->view_mem = NULL;
    r->order = NULL;
    memset(&r->view, 0, sizeof r->view);
}

int train_init(Run *r, const Dataset *d, const Hyper *h) {
    memset(r, 0, sizeof *r);
    r->hyper = *h;
    int64_t D = d->n_features, H = h->hidden_dim;
    TrainTask task = train_task_of(d);   // the network's head and outputs
    int64_t O = task.n_out;
    r->curve_mem = malloc((size_t)(N_CURVES * h->epochs) * sizeof(double));
    int bad = !r->curve_mem;
    bad |= mlp_init(&r->initial, D, H, O, task.head) != 0;
    bad |= mlp_init(&r->model, D, H, O, task.head) != 0;
    if (h->patience > 0) bad |= mlp_init(&r->best, D, H, O, task.head) != 0;
    bad |= optim_init(&r->optim, (OptimKind)h->optimizer, h->learning_rate, h->momentum, h->weight_decay,
                      mlp_param_total(D, H, O)) != 0;   // its state (velocities, moments) is the run's
    bad |= bad || scratch_init(r, d) != 0;
    if (bad) {
        train_free(r);
        return -1;
    }
    for (int c = 0; c < N_CURVES; c++) r->curves[c] = r->curve_mem + c * h->epochs;
    return 0;
}

void train_park(Run *r) { scratch_free(r); }

int train_unpark(Run *r, const Dataset *d) {
    if (r->Xb) return 0;
    if (scratch_init(r, d) == 0) return 0;
    scratch_free(r);
    return -1;
}

void train_free(Run *r) {
    mlp_free(&r->initial);
    mlp_free(&r->model);
    mlp_free(&r->best);
    optim_free(&r->optim);
    free(r->curve_mem);
    scratch_free(r);
    memset(r, 0, sizeof *r);
}

// One epoch of mini-batch training over the config's training rows, batches cut from r->order.
static void train_epoch(Run *r) {
    const Hyper *h = &r->hyper;
    const DataView *v = &r->view;
    int64_t D = v->n_features, n = v->n_fit;
    int fused = optim_is_plain_sgd((OptimKind)h->optimizer, h->weight_decay);
    for (int64_t start = 0; start < n; start += h->batch_size) {
        int64_t B = n - start < h->batch_size ? n - start : h->batch_size;  // last may be smaller
        const double *X = v->X_fit + start * D, *y = v->y_fit + start;
        if (h->shuffle) {
            for (int64_t b = 0; b < B; b++) {
                int64_t row = r->order[start + b];
                memcpy(r->Xb + b * D, v->X_fit + row * D, (size_t)D * sizeof(double));
                r->yb[b] = v->y_fit[row];
            }
            X = r->Xb;
            y = r->yb;
        }
        if (fused) {
            mlp_step(&r->model, X, y, B, &r->work, h->learning_rate);   // forward, backward, update
        } else {
            mlp_forward(&r->model, X, B, &r->work);
            mlp_backward(&r->model, X, y, B, &r->work);
            optim_step(&r->optim, r->model.mem, r->work.grad.mem);    // the optimizer's update
        }
    }
}

// Loss and score (accuracy or R2) over n rows; NaN for an empty set (no test part, no
// validation fold).
static void evaluate(Run *r, const double *X, const double *y, int64_t n, double *loss, double *score) {
    if (n == 0) { *loss = *score = NAN; return; }
    mlp_evaluate(&r->model, X, y, n, &r->work, loss, score);
}

void train_begin(Run *r, const Dataset *d) {
    const Hyper *h = &r->hyper;
    // The initial weights depend on (seed, input width, hidden_dim, O, init) alone; normal
    // keeps the tutorial's stream, the other initialisers have streams of their own. O joins
    // the key only when O > 1 (in hidden_dim's word, above its bits), so one output keeps the
    // stream it always had.
    Rng rng;
    static const uint64_t INIT_PURPOSE[N_MLP_INITS] = {RNG_INIT, RNG_INIT_XAVIER_UNIFORM, RNG_INIT_HE_NORMAL};
    uint64_t O = (uint64_t)r->initial.n_out, key_b = (uint64_t)h->hidden_dim;
    if (O > 1) key_b |= O << 32;
    rng_init(&rng, h->seed, INIT_PURPOSE[h->init], (uint64_t)d->n_features, key_b);
    mlp_init_weights(&r->initial, (MlpInit)h->init, &rng, h->init_scale);
    r->initial.act = (MlpActivation)h->activation;
    mlp_copy(&r->model, &r->initial);
    optim_reset(&r->optim);
    for (int c = 0; c < N_CURVES; c++)
        for (int64_t e = 0; e < h->epochs; e++) r->curves[c][e] = NAN;
    r->status = STATUS_DONE;
    r->best_test_acc = r->best_val_loss = NAN;
    r->best_epoch = r->best_val_epoch = -1;
    r->epochs_run = 0;
    r->train_seconds = 0.0;
    for (int c = 0; c < N_CURVES; c++) r->final[c] = r->best_final[c] = NAN;
    r->es_ref = NAN;
    r->es_epoch = -1;
    r->es_wait = 0;
    r->stopped = 0;
}

int train_ended(const Run *r) { return r->status == STATUS_DIVERGED || r->stopped; }

const Mlp *train_result_model(const Run *r) { return r->best.W1 && r->es_epoch >= 0 ? &r->best : &r->model; }

// Early stopping after epoch e (DESIGN section 3): an epoch improves when its val_loss is below
// the last improvement's less min_delta (the first always does); the run stops once patience
// epochs have passed without one, and keeps its best epoch's weights and values.
static void early_stopping(Run *r, int64_t e, const double *x) {
    const Hyper *h = &r->hyper;
    if (isnan(r->es_ref) || x[CURVE_VAL_LOSS] < r->es_ref - h->min_delta) {
        r->es_ref = x[CURVE_VAL_LOSS];
        r->es_epoch = e;
        r->es_wait = 0;
        mlp_copy(&r->best, &r->model);
        memcpy(r->best_final, x, sizeof r->best_final);
    } else if (++r->es_wait >= h->patience) {
        r->stopped = 1;
    }
}


int train_advance(Run *r, const Dataset *d, int64_t until, atomic_int *cancel) {
    const Hyper *h = &r->hyper;
    const DataView *v = &r->view;
    double t0 = sweep_seconds();
    Rng rng;
    for (int64_t e = r->epochs_run; e < until && !train_ended(r); e++) {
        if (cancel && *cancel) return 1;
        if (h->shuffle) {
            // The epoch's batch order depends on (seed, epoch) alone.
            for (int64_t i = 0; i < v->n_fit; i++) r->order[i] = i;
            rng_init(&rng, h->seed, RNG_SHUFFLE, (uint64_t)e, 0);
            rng_permute(&rng, r->order, v->n_fit);
        }
        train_epoch(r);
        double x[N_CURVES];
        evaluate(r, v->X_fit, v->y_fit, v->n_fit, &x[CURVE_TRAIN_LOSS], &x[CURVE_TRAIN_ACC]);
        evaluate(r, v->X_test, v->y_test, v->n_test, &x[CURVE_TEST_LOSS], &x[CURVE_TEST_ACC]);
        evaluate(r, v->X_val, v->y_val, v->n_val, &x[CURVE_VAL_LOSS], &x[CURVE_VAL_ACC]);
        r->epochs_run = e + 1;
        int finite = isfinite(x[CURVE_TRAIN_LOSS]) && (v->n_test == 0 || isfinite(x[CURVE_TEST_LOSS])) &&
                     (v->n_val == 0 || isfinite(x[CURVE_VAL_LOSS])) && mlp_all_finite(&r->model);
        if (!finite) x[CURVE_TRAIN_ACC] = x[CURVE_TEST_ACC] = x[CURVE_VAL_ACC] = NAN;  // a broken network predicts nothing
        for (int c = 0; c < N_CURVES; c++) r->curves[c][e] = x[c];
        if (finite && !(x[CURVE_TEST_ACC] <= r->best_test_acc)) {  // first maximum; NaN start
            r->best_test_acc = x[CURVE_TEST_ACC];
            r->best_epoch = e;
        }
        if (finite && v->n_val > 0 && !(x[CURVE_VAL_LOSS] >= r->best_val_loss)) {  // first minimum; NaN start
            r->best_val_loss = x[CURVE_VAL_LOSS];
            r->best_val_epoch = e;
        }
        if (!finite) {
            mlp_canonicalize_nans(&r->model);   // one NaN pattern, whichever machine made it
            r->status = STATUS_DIVERGED;
        } else if (h->patience > 0) {
            early_stopping(r, e, x);
        }
    }
    int restore = h->patience > 0 && r->es_epoch >= 0 && r->status != STATUS_DIVERGED;
    if (r->epochs_run > 0)
        for (int c = 0; c < N_CURVES; c++) r->final[c] = restore ? r->best_final[c] : r->curves[c][r->epochs_run - 1];
    r->train_seconds += sweep_seconds() - t0;
    return 0;
}

int train_run(Run *r, const Dataset *d, atomic_int *cancel) {
    train_begin(r, d);
    return train_advance(r, d, r->hyper.epochs, cancel);
}

int train_compare_but_epochs(const Hyper *a, const Hyper *b) {
    if (a->repeat != b->repeat) return a->repeat < b->repeat ? -1 : 1;
    if (a->fold != b->fold) return a->fold < b->fold ? -1 : 1;
    return axis_compare_but_epochs(a, b);
}

double train_flops(const Hyper *h, const Dataset *d) {
    double D = (double)d->n_features, H = (double)h->hidden_dim, O = (double)train_task_of(d).n_out;
    double K = (double)d->n_folds, n_fit = K >= 2 ? (double)d->n_train * (K - 1.0) / K : (double)d->n_train;
    double n_batches = ceil(n_fit / (double)h->batch_size);
    double step = 2.0 * n_fit * H * (2.0 * D + 3.0 * O)                // forward, dW1, dZ1, dW2
                  + n_batches * optim_flops_per_param((OptimKind)h->optimizer, h->weight_decay)
                        * (D * H + H + H * O + O);                      // update
    double eval = 2.0 * (double)(d->n_train + d->n_test) * H * (D + O);  // fit, val and test rows
    return (double)h->epochs * (step + eval);
}
