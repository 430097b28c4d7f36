// Unit tests for the table of axes (axis.h): each row in its AxisId's place, pointing at the
// field of Hyper it names, with typed access exact for every kind.
#include <stdint.h>
#include <string.h>
#include "axis.h"
#include "check.h"
#include "mlp.h"
#include "optim.h"

// The rows in AxisId order, each naming its own field (DESIGN section 2's order).
static void test_rows_in_order(void) {
    static const char *const order[] = {"hidden_dim", "learning_rate", "batch_size", "epochs",     "seed",
                                        "init_scale", "shuffle",       "optimizer",  "momentum",   "weight_decay",
                                        "activation", "init",          "patience",   "min_delta"};
    CHECK(sizeof order / sizeof order[0] == N_AXES);
    for (int a = 0; a < N_AXES; a++) {
        const AxisInfo *r = axis_info((AxisId)a);
        CHECK(r->id == (AxisId)a);
        CHECK(strcmp(r->name, order[a]) == 0);
        CHECK(AXIS_NAMES[a] == r->name);
        CHECK(axis_find(order[a], strlen(order[a])) == a);
        CHECK(strncmp(r->expect, "expected ", 9) == 0);
        CHECK(r->width >= (int)strlen(r->name));
        CHECK(r->group == (a <= AXIS_SHUFFLE ? AXIS_GROUP_TUTORIAL : a <= AXIS_INIT ? AXIS_GROUP_RECIPE
                                                                              : AXIS_GROUP_STOPPING));
        CHECK((r->kind == AXIS_NAME) == (r->names != NULL));
        CHECK(r->kind == AXIS_REAL ? r->ctype == AXIS_C_F64 : r->ctype != AXIS_C_F64);
        // A unit only for numbers, and for every number but the seed (a chart's axis label).
        CHECK((r->unit != NULL) == ((r->kind == AXIS_INT || r->kind == AXIS_REAL) && a != AXIS_SEED));
    }
    CHECK(strcmp(axis_info(AXIS_HIDDEN_DIM)->unit, "units") == 0 && strcmp(axis_info(AXIS_EPOCHS)->unit, "passes") == 0);
    CHECK(axis_find("hidden", 6) == -1 && axis_find("hidden_dimx", 11) == -1 && axis_find("hidden_dim", 10) == 0);
    // Fields: the offsets of the fields the rows name.
    CHECK(axis_info(AXIS_HIDDEN_DIM)->offset == offsetof(Hyper, hidden_dim));
    CHECK(axis_info(AXIS_SEED)->offset == offsetof(Hyper, seed) && axis_info(AXIS_SEED)->ctype == AXIS_C_U64);
    CHECK(axis_info(AXIS_SHUFFLE)->offset == offsetof(Hyper, shuffle) && axis_info(AXIS_SHUFFLE)->ctype == AXIS_C_INT);
    CHECK(axis_info(AXIS_INIT)->offset == offsetof(Hyper, init) && axis_info(AXIS_INIT)->ctype == AXIS_C_U8);
    CHECK(axis_info(AXIS_MIN_DELTA)->offset == offsetof(Hyper, min_delta));
}

// Kinds, names, ranges and defaults as DESIGN section 2 gives them.
static void test_kinds_ranges_defaults(void) {
    int n;
    CHECK(axis_value_names(AXIS_OPTIMIZER, &n) == OPTIM_NAMES && n == N_OPTIMS);
    CHECK(axis_value_names(AXIS_ACTIVATION, &n) == MLP_ACTIVATION_NAMES && n == N_MLP_ACTIVATIONS);
    CHECK(axis_value_names(AXIS_INIT, &n) == MLP_INIT_NAMES && n == N_MLP_INITS);
    CHECK(axis_value_names(AXIS_EPOCHS, &n) == NULL && n == 0);
    CHECK(strcmp(axis_value_name(AXIS_OPTIMIZER, OPTIM_ADAMW), "adamw") == 0);
    CHECK(strcmp(axis_value_name(AXIS_OPTIMIZER, N_OPTIMS), "?") == 0 && strcmp(axis_value_name(AXIS_SEED, 0), "?") == 0);
    CHECK(axis_kind(AXIS_SHUFFLE) == AXIS_BOOL && axis_kind(AXIS_SEED) == AXIS_INT && axis_is_real(AXIS_MIN_DELTA));
    CHECK(axis_allows_i64(AXIS_HIDDEN_DIM, 1) && axis_allows_i64(AXIS_HIDDEN_DIM, 1048576));
    CHECK(!axis_allows_i64(AXIS_HIDDEN_DIM, 0) && !axis_allows_i64(AXIS_HIDDEN_DIM, 1048577));
    CHECK(axis_allows_i64(AXIS_SEED, INT64_MAX) && !axis_allows_i64(AXIS_SEED, -1));
    CHECK(axis_allows_i64(AXIS_SHUFFLE, 1) && !axis_allows_i64(AXIS_SHUFFLE, 2));
    CHECK(axis_allows_i64(AXIS_INIT, N_MLP_INITS - 1) && !axis_allows_i64(AXIS_INIT, N_MLP_INITS));
    CHECK(axis_allows_i64(AXIS_PATIENCE, 0) && !axis_allows_i64(AXIS_PATIENCE, 1000000001));
    CHECK(axis_allows_f64(AXIS_MOMENTUM, 0.0) && !axis_allows_f64(AXIS_MOMENTUM, 1.0));
    CHECK(!axis_allows_f64(AXIS_LEARNING_RATE, 0.0) && !axis_allows_f64(AXIS_LEARNING_RATE, INFINITY));
    CHECK(!axis_allows_f64(AXIS_LEARNING_RATE, NAN) && axis_allows_f64(AXIS_LEARNING_RATE, 1e300));
    CHECK(axis_allows_f64(AXIS_WEIGHT_DECAY, 0.0) && !axis_allows_f64(AXIS_WEIGHT_DECAY, -1e-300));
    Hyper h;
    memset(&h, 0xff, sizeof h);
    axis_set_defaults(&h);
    CHECK(h.hidden_dim == 128 && h.learning_rate == 0.01 && h.batch_size == 32 && h.epochs == 1000 && h.seed == 0);
    CHECK(h.init_scale == 0.01 && h.shuffle == 0 && h.optimizer == OPTIM_SGD && h.momentum == 0.9);
    CHECK(h.weight_decay == 0.0 && h.activation == MLP_RELU && h.init == MLP_INIT_NORMAL && h.patience == 0);
    CHECK(h.min_delta == 0.0);
    for (int a = 0; a < N_AXES; a++) {
        CHECK(axis_is_default(&h, (AxisId)a));
        CHECK(axis_default((AxisId)a) == (axis_is_real((AxisId)a) ? axis_default_f64((AxisId)a)
                                                                   : (double)axis_default_i64((AxisId)a)));
    }
}

// Integers never go through a double; every field type round-trips.
static void test_typed_access(void) {
    Hyper h, g;
    memset(&h, 0, sizeof h);
    axis_set_i64(&h, AXIS_SEED, INT64_MAX);
    CHECK(h.seed == (uint64_t)INT64_MAX && axis_get_i64(&h, AXIS_SEED) == INT64_MAX);
    axis_set_i64(&h, AXIS_SEED, INT64_MAX - 1);
    CHECK(axis_get_i64(&h, AXIS_SEED) == INT64_MAX - 1);   // not representable as a double
    axis_set_i64(&h, AXIS_BATCH_SIZE, (int64_t)1 << 60 | 1);
    CHECK(h.batch_size == ((int64_t)1 << 60 | 1));
    axis_set_i64(&h, AXIS_SHUFFLE, 1);
    axis_set_i64(&h, AXIS_ACTIVATION, MLP_LEAKY_RELU);
    axis_set_f64(&h, AXIS_MOMENTUM, 0.25);
    CHECK(h.shuffle == 1 && h.activation == MLP_LEAKY_RELU && h.momentum == 0.25);
    CHECK(axis_get_i64(&h, AXIS_SHUFFLE) == 1 && axis_get_i64(&h, AXIS_ACTIVATION) == MLP_LEAKY_RELU);
    CHECK(axis_get_f64(&h, AXIS_MOMENTUM) == 0.25 && axis_get_i64(&h, AXIS_MOMENTUM) == 0);
    CHECK(axis_get_f64(&h, AXIS_ACTIVATION) == (double)MLP_LEAKY_RELU);
    g = h;
    CHECK(axis_compare(&h, &g, AXIS_SEED) == 0);
    axis_set_i64(&g, AXIS_SEED, INT64_MAX);
    CHECK(axis_compare(&h, &g, AXIS_SEED) < 0 && axis_compare(&g, &h, AXIS_SEED) > 0);
    axis_set_f64(&g, AXIS_MOMENTUM, 0.5);
    CHECK(axis_compare(&h, &g, AXIS_MOMENTUM) < 0);
    char buf[64];
    axis_format(buf, sizeof buf, AXIS_SHUFFLE, 1, 0.0, "%g");
    CHECK(strcmp(buf, "true") == 0);
    axis_format(buf, sizeof buf, AXIS_INIT, MLP_INIT_HE_NORMAL, 0.0, "%g");
    CHECK(strcmp(buf, "he_normal") == 0);
    axis_format(buf, sizeof buf, AXIS_SEED, INT64_MAX, 0.0, "%g");
    CHECK(strcmp(buf, "9223372036854775807") == 0);
    axis_format(buf, sizeof buf, AXIS_LEARNING_RATE, 0, 0.1, "%.17g");
    CHECK(strcmp(buf, "0.10000000000000001") == 0);
}

int main(void) {
    RUN(test_rows_in_order);
    RUN(test_kinds_ranges_defaults);
    RUN(test_typed_access);
    return CHECK_SUMMARY();
}
