// axis.c: the table of axes (axis.h) and typed access to a config's values by axis.
#include "axis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include "mlp.h"
#include "optim.h"

// The C type of a field of Hyper, from the field itself (a type without a case does not compile).
#define FIELD_CTYPE(field)                                                                          \
    _Generic(((Hyper *)0)->field, int64_t: AXIS_C_I64, uint64_t: AXIS_C_U64, int: AXIS_C_INT,     \
             uint8_t: AXIS_C_U8, double: AXIS_C_F64)
// The part of a row every kind has: the axis's name is its field's.
#define ROW(id_, field, kind_) \
    .id = id_, .name = #field, .kind = kind_, .offset = offsetof(Hyper, field), .ctype = FIELD_CTYPE(field)

// An integer in [lo, hi].
#define INT_AXIS(id_, field, def_, lo_, hi_, expect_, width_, group_, unit_) \
    {ROW(id_, field, AXIS_INT), .def_int = def_, .def_real = (double)(def_), .min = lo_, .max = hi_, \
     .expect = "expected " expect_, .width = width_, .group = AXIS_GROUP_##group_, .unit = unit_}
// A finite number above lo (OPEN) or from lo (CLOSED), and below hi.
enum { CLOSED, OPEN };
#define REAL_AXIS(id_, field, def_, lo_, lo_kind, hi_, expect_, width_, group_, unit_) \
    {ROW(id_, field, AXIS_REAL), .def_real = def_, .lo = lo_, .hi = hi_, .lo_open = lo_kind, \
     .expect = "expected " expect_, .width = width_, .group = AXIS_GROUP_##group_, .unit = unit_}
#define BOOL_AXIS(id_, field, def_, width_, group_) \
    {ROW(id_, field, AXIS_BOOL), .def_int = def_, .def_real = (double)(def_), .min = 0, .max = 1, \
     .expect = "expected true or false", .width = width_, .group = AXIS_GROUP_##group_}
// One of names (n of them), held as its index.
#define NAME_AXIS(id_, field, def_, names_, n_, expect_, width_, group_) \
    {ROW(id_, field, AXIS_NAME), .def_int = def_, .def_real = (double)(def_), .min = 0, .max = (n_) - 1, \
     .expect = "expected " expect_, .names = names_, .n_names = n_, .width = width_, .group = AXIS_GROUP_##group_}

// The defaults are the tutorial's (hidden_dim 128, learning_rate 0.01, batch_size 32, epochs
// 1000, seed 0, init_scale 0.01, no shuffling) and the recipe's (sgd, momentum 0.9, used by
// momentum and nesterov only, no weight decay, relu, normal); early stopping is off (patience 0).
// An int or real axis's last argument is its unit: what a chart's axis label says its values
// measure (NULL: nothing to say).
const AxisInfo AXIS_TABLE[] = {
    INT_AXIS(AXIS_HIDDEN_DIM, hidden_dim, 128, 1, 1048576, "an integer from 1 to 1048576", 10, TUTORIAL,
             "units"),
    REAL_AXIS(AXIS_LEARNING_RATE, learning_rate, 0.01, 0.0, OPEN, INFINITY, "a positive number", 13, TUTORIAL,
              "step size"),
    INT_AXIS(AXIS_BATCH_SIZE, batch_size, 32, 1, INT64_MAX, "a positive integer", 10, TUTORIAL, "rows"),
    INT_AXIS(AXIS_EPOCHS, epochs, 1000, 1, 1000000000, "an integer from 1 to 1000000000", 8, TUTORIAL,
             "passes"),
    INT_AXIS(AXIS_SEED, seed, 0, 0, INT64_MAX, "an integer from 0 to 9223372036854775807", 6,
             TUTORIAL, NULL),
    REAL_AXIS(AXIS_INIT_SCALE, init_scale, 0.01, 0.0, OPEN, INFINITY, "a positive number", 10, TUTORIAL,
              "initial weights' std"),
    BOOL_AXIS(AXIS_SHUFFLE, shuffle, 0, 7, TUTORIAL),
    NAME_AXIS(AXIS_OPTIMIZER, optimizer, OPTIM_SGD, OPTIM_NAMES, N_OPTIMS, "sgd, momentum, nesterov, adam or adamw",
              9, RECIPE),
    REAL_AXIS(AXIS_MOMENTUM, momentum, 0.9, 0.0, CLOSED, 1.0, "a number from 0 to 1 (1 excluded)", 8, RECIPE,
              "coefficient"),
    REAL_AXIS(AXIS_WEIGHT_DECAY, weight_decay, 0.0, 0.0, CLOSED, INFINITY, "a number >= 0", 12, RECIPE,
              "coefficient"),
    NAME_AXIS(AXIS_ACTIVATION, activation, MLP_RELU, MLP_ACTIVATION_NAMES, N_MLP_ACTIVATIONS,
              "relu, tanh or leaky_relu", 10, RECIPE),
    NAME_AXIS(AXIS_INIT, init, MLP_INIT_NORMAL, MLP_INIT_NAMES, N_MLP_INITS, "normal, xavier_uniform or he_normal",
              14, RECIPE),
    INT_AXIS(AXIS_PATIENCE, patience, 0, 0, 1000000000, "an integer from 0 to 1000000000", 8, STOPPING,
             "epochs"),
    REAL_AXIS(AXIS_MIN_DELTA, min_delta, 0.0, 0.0, CLOSED, INFINITY, "a number >= 0", 9, STOPPING,
              "validation loss"),
};
_Static_assert(sizeof AXIS_TABLE / sizeof AXIS_TABLE[0] == N_AXES,
               "AXIS_TABLE needs one row per AxisId, in AxisId order");

// Pointers into the rows (each an address constant); the size makes a missing one an error.
#define NAME_OF(a) AXIS_TABLE[a].name
const char *const AXIS_NAMES[] = {NAME_OF(0), NAME_OF(1), NAME_OF(2),  NAME_OF(3),  NAME_OF(4),
                                  NAME_OF(5), NAME_OF(6), NAME_OF(7),  NAME_OF(8),  NAME_OF(9),
                                  NAME_OF(10), NAME_OF(11), NAME_OF(12), NAME_OF(13)};
_Static_assert(sizeof AXIS_NAMES / sizeof AXIS_NAMES[0] == N_AXES, "AXIS_NAMES needs one entry per axis");

int axis_find(const char *name, size_t len) {
    for (int a = 0; a < N_AXES; a++)
        if (strlen(AXIS_TABLE[a].name) == len && strncmp(name, AXIS_TABLE[a].name, len) == 0) return a;
    return -1;
}

const char *const *axis_value_names(AxisId a, int *n) {
    *n = AXIS_TABLE[a].n_names;
    return AXIS_TABLE[a].names;
}

const char *axis_value_name(AxisId a, int64_t v) {
    const AxisInfo *r = &AXIS_TABLE[a];
    return r->names && v >= 0 && v < r->n_names ? r->names[v] : "?";
}

int axis_allows_i64(AxisId a, int64_t v) { return v >= AXIS_TABLE[a].min && v <= AXIS_TABLE[a].max; }

int axis_allows_f64(AxisId a, double v) {
    const AxisInfo *r = &AXIS_TABLE[a];
    return isfinite(v) && (r->lo_open ? v > r->lo : v >= r->lo) && v < r->hi;
}

double axis_default(AxisId a) { return AXIS_TABLE[a].def_real; }

void axis_set_defaults(Hyper *h) {
    for (int a = 0; a < N_AXES; a++) {
        if (axis_is_real((AxisId)a)) axis_set_f64(h, (AxisId)a, AXIS_TABLE[a].def_real);
        else axis_set_i64(h, (AxisId)a, AXIS_TABLE[a].def_int);
    }
}

// The loop is unrolled and the table is known here, so this compiles to a compare of each
// field in turn: it sorts millions of configs (trajectory.c, halving.c).
int axis_compare_but_epochs(const Hyper *x, const Hyper *y) {
#pragma GCC unroll 16
    for (int a = 0; a < N_AXES; a++) {
        if (a == AXIS_EPOCHS) continue;
        int k = axis_compare(x, y, (AxisId)a);
        if (k) return k;
    }
    return 0;
}

unsigned axis_groups_changed(const Hyper *h) {
    unsigned groups = 0;
#pragma GCC unroll 16
    for (int a = 0; a < N_AXES; a++)
        if (!axis_is_default(h, (AxisId)a)) groups |= 1u << AXIS_TABLE[a].group;
    return groups;
}

void axis_format(char *out, size_t cap, AxisId a, int64_t i, double d, const char *real_format) {
    switch (AXIS_TABLE[a].kind) {
    case AXIS_REAL: snprintf(out, cap, real_format, d); break;
    case AXIS_BOOL: snprintf(out, cap, "%s", i ? "true" : "false"); break;
    case AXIS_NAME: snprintf(out, cap, "%s", axis_value_name(a, i)); break;
    default: snprintf(out, cap, "%lld", (long long)i); break;
    }
}
