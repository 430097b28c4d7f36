// axis.h: the axes of a sweep (DESIGN section 2), one row each in one table. A row says
// everything the program knows of an axis: its name, its kind, where a config keeps it (a
// field of Hyper), its default, the values it allows and the "expected ..." message that
// says so, and a name axis's names. The spec's parser, the grid, random search, the dry run,
// report and compare loop over this table instead of naming axes one by one.
//
// A new axis is a new AxisId, a new field of Hyper (hyper.h) and a new row in axis.c, in the
// same place of the fixed order: a table with a row too few or too many does not compile,
// and the unit tests hold each row to its AxisId.
//
// Kinds, and how each is held: int (int64 values in [min, max]; seed is uint64 in Hyper, up
// to 2^63 - 1), real (finite doubles in the row's interval), bool (0 or 1, written true or
// false), name (the code of one of the row's names: its index in them). The results file
// stores an int as int64, a real as float64, a bool as int8 and a name as the name itself, a
// fixed-length string (store.h). Integers never go through a double: axis_get_i64 and
// axis_set_i64 are exact.
#ifndef AXIS_H
#define AXIS_H

#include <stddef.h>
#include <stdint.h>
#include "hyper.h"

// The axes in their fixed order: configs are their Cartesian product, the last fastest.
typedef enum {
    AXIS_HIDDEN_DIM,
    AXIS_LEARNING_RATE,
    AXIS_BATCH_SIZE,
    AXIS_EPOCHS,
    AXIS_SEED,
    AXIS_INIT_SCALE,
    AXIS_SHUFFLE,
    AXIS_OPTIMIZER,           // (v2) the training recipe
    AXIS_MOMENTUM,
    AXIS_WEIGHT_DECAY,
    AXIS_ACTIVATION,
    AXIS_INIT,
    AXIS_PATIENCE,            // (v2) early stopping on validation loss
    AXIS_MIN_DELTA,
    N_AXES
} AxisId;

typedef enum { AXIS_INT, AXIS_REAL, AXIS_BOOL, AXIS_NAME } AxisKind;

// The C type of the axis's field in Hyper (taken from the field itself, so it cannot be wrong).
typedef enum { AXIS_C_I64, AXIS_C_U64, AXIS_C_INT, AXIS_C_U8, AXIS_C_F64 } AxisCType;

// The tutorial's axes, and the two groups of (v2): the training recipe, early stopping.
typedef enum { AXIS_GROUP_TUTORIAL, AXIS_GROUP_RECIPE, AXIS_GROUP_STOPPING } AxisGroup;

enum { AXIS_NAME_CAP = 16 };   // bytes of a name, NUL included

typedef struct {
    AxisId id;                // its own index in the table
    char name[AXIS_NAME_CAP]; // the spec's key, the file's column, the field of Hyper
    AxisKind kind;
    size_t offset;            // offsetof(Hyper, <name>)
    AxisCType ctype;
    int64_t def_int;          // the default (the tutorial's value) of an int, bool or name axis
    double def_real;          //   and of a real one
    int64_t min, max;         // int, bool, name: the values allowed, both included
    double lo, hi;            // real: finite, above lo (lo_open) or from lo, and below hi
    int lo_open;
    const char *expect;       // what it allows, as the first half of a message: "expected ..."
    const char *const *names; // name axes: their names by code (OPTIM_NAMES, ...); else NULL
    int n_names;
    int width;                // its column's width in the dry run's preview
    AxisGroup group;          // the dry run's preview shows a (v2) group's columns only when
                              // some config leaves one of its defaults
    const char *unit;         // what an int or real axis's values measure (a chart's axis
                              // label: "units", "step size", ...), or NULL
} AxisInfo;

// N_AXES rows in AxisId order.
extern const AxisInfo AXIS_TABLE[];
// The names alone, indexed by AxisId (pointers into AXIS_TABLE): for code that wants an
// array of strings, such as the spec's key levels and the store's compound types.
extern const char *const AXIS_NAMES[N_AXES];

static inline const AxisInfo *axis_info(AxisId a) { return &AXIS_TABLE[a]; }
static inline const char *axis_name(AxisId a) { return AXIS_TABLE[a].name; }
static inline AxisKind axis_kind(AxisId a) { return AXIS_TABLE[a].kind; }
static inline int axis_is_real(AxisId a) { return AXIS_TABLE[a].kind == AXIS_REAL; }
static inline int axis_is_name(AxisId a) { return AXIS_TABLE[a].kind == AXIS_NAME; }
// The "expected ..." half of a message about a value of the axis.
static inline const char *axis_expect(AxisId a) { return AXIS_TABLE[a].expect; }

// The axis named by the first len bytes of name, or -1.
int axis_find(const char *name, size_t len);
// A name axis's names (OPTIM_NAMES, MLP_ACTIVATION_NAMES, MLP_INIT_NAMES) and their count;
// NULL (n 0) for the other axes.
const char *const *axis_value_names(AxisId a, int *n);
// A name axis's name for code v ("?" when v is not a code of it).
const char *axis_value_name(AxisId a, int64_t v);

// Whether a value is one the axis allows: an int, bool or name axis's v in [min, max]; a
// real axis's v finite and in its interval.
int axis_allows_i64(AxisId a, int64_t v);
int axis_allows_f64(AxisId a, double v);

// The default of an axis the grid leaves out (DESIGN section 2): exactly, by kind, and as a
// double (exact for every default, integer axes included).
static inline int64_t axis_default_i64(AxisId a) { return AXIS_TABLE[a].def_int; }
static inline double axis_default_f64(AxisId a) { return AXIS_TABLE[a].def_real; }
double axis_default(AxisId a);

// Typed access to the axis's field of a Hyper. get_i64/set_i64 are for int, bool and name
// axes and exact (get_i64 of a real axis is 0); get_f64 is a real axis's value, or an
// integer axis's as a double (for spreads and printing); set_f64 is for real axes.
// Inline, as are the comparison and axis_is_default below: the grid, random search, the dry
// run and the sorts of trajectory.c and halving.c use them on every axis of millions of configs.
static inline int64_t axis_get_i64(const Hyper *h, AxisId a) {
    const char *p = (const char *)h + AXIS_TABLE[a].offset;
    switch (AXIS_TABLE[a].ctype) {
    case AXIS_C_I64: return *(const int64_t *)p;
    case AXIS_C_U64: return (int64_t)*(const uint64_t *)p;
    case AXIS_C_INT: return *(const int *)p;
    case AXIS_C_U8: return *(const uint8_t *)p;
    default: return 0;
    }
}
static inline double axis_get_f64(const Hyper *h, AxisId a) {
    const char *p = (const char *)h + AXIS_TABLE[a].offset;
    // seed (uint64) goes through int64 like the file's column: the same for every seed allowed
    if (AXIS_TABLE[a].ctype == AXIS_C_F64) return *(const double *)p;
    return (double)axis_get_i64(h, a);
}
static inline void axis_set_i64(Hyper *h, AxisId a, int64_t v) {
    char *p = (char *)h + AXIS_TABLE[a].offset;
    switch (AXIS_TABLE[a].ctype) {
    case AXIS_C_I64: *(int64_t *)p = v; break;
    case AXIS_C_U64: *(uint64_t *)p = (uint64_t)v; break;
    case AXIS_C_INT: *(int *)p = (int)v; break;
    case AXIS_C_U8: *(uint8_t *)p = (uint8_t)v; break;
    case AXIS_C_F64: *(double *)p = (double)v; break;
    }
}
static inline void axis_set_f64(Hyper *h, AxisId a, double v) {
    if (AXIS_TABLE[a].ctype == AXIS_C_F64) *(double *)((char *)h + AXIS_TABLE[a].offset) = v;
    else axis_set_i64(h, a, (int64_t)v);
}
// Every axis of h its default (the other fields of h are left as they are).
void axis_set_defaults(Hyper *h);
// Whether h's value of axis a is the default.
static inline int axis_is_default(const Hyper *h, AxisId a) {
    if (AXIS_TABLE[a].kind == AXIS_REAL) return axis_get_f64(h, a) == AXIS_TABLE[a].def_real;
    return axis_get_i64(h, a) == AXIS_TABLE[a].def_int;
}
// The groups in which h leaves some default: bit 1 << group for each.
unsigned axis_groups_changed(const Hyper *h);
// Three-way comparison of two configs' values of axis a (integers exactly).
static inline int axis_compare(const Hyper *x, const Hyper *y, AxisId a) {
    const char *p = (const char *)x + AXIS_TABLE[a].offset, *q = (const char *)y + AXIS_TABLE[a].offset;
    switch (AXIS_TABLE[a].ctype) {
    case AXIS_C_F64: {
        double u = *(const double *)p, v = *(const double *)q;
        return u == v ? 0 : u < v ? -1 : 1;
    }
    case AXIS_C_I64: {
        int64_t u = *(const int64_t *)p, v = *(const int64_t *)q;
        return u == v ? 0 : u < v ? -1 : 1;
    }
    case AXIS_C_U64: {
        uint64_t u = *(const uint64_t *)p, v = *(const uint64_t *)q;
        return u == v ? 0 : u < v ? -1 : 1;
    }
    case AXIS_C_INT: {
        int u = *(const int *)p, v = *(const int *)q;
        return u == v ? 0 : u < v ? -1 : 1;
    }
    default: {
        uint8_t u = *(const uint8_t *)p, v = *(const uint8_t *)q;
        return u == v ? 0 : u < v ? -1 : 1;
    }
    }
}

// The same over every axis but epochs, in the fixed order: the first that differs decides
// (configs equal in all of them are one trajectory, trajectory.h).
int axis_compare_but_epochs(const Hyper *x, const Hyper *y);

// A value as a spec writes it: an integer in decimal, a bool as true/false, a name axis's
// code as its name, a real with real_format ("%.15g", "%g", ...). i is the value of an int,
// bool or name axis, d of a real one.
void axis_format(char *out, size_t cap, AxisId a, int64_t i, double d, const char *real_format);

#endif
