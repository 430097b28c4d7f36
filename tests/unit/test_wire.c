// test_wire.c: a config's results as one message and back (what MPI ranks send rank 0):
// bitwise the same curves, weights and values; a failed config as the header alone; anything
// malformed refused.
#include <stdlib.h>
#include "check.h"
#include "grid.h"
#include "sweep.h"
#include "train.h"
#include "wire.h"

static int setup(Spec *s, Grid *g, Dataset *d, Table *t, const char *text) {
    char err[ERR_LEN];
    if (spec_parse(s, "mem.yaml", text, strlen(text), err) || grid_expand(g, s, err) ||
        data_load_table(t, "breast_cancer", NULL, NULL, err) || data_prepare(d, t, 0.2, 42, SCALE_MINMAX, err)) {
        fprintf(stderr, "  %s\n", err);
        return -1;
    }
    return 0;
}

static void teardown(Spec *s, Grid *g, Dataset *d, Table *t) {
    spec_free(s);
    grid_free(g);
    data_free(d);
    data_free_table(t);
}

static int same_doubles(const double *a, const double *b, int64_t n) { return memcmp(a, b, (size_t)n * sizeof *a) == 0; }

static int same_mlp(const Mlp *a, const Mlp *b) {
    int64_t D = a->n_in, H = a->n_hidden;
    return a->n_in == b->n_in && a->n_hidden == b->n_hidden && same_doubles(a->W1, b->W1, D * H) &&
           same_doubles(a->b1, b->b1, H) && same_doubles(a->W2, b->W2, H) && same_doubles(a->b2, b->b2, 1);
}

static void results_travel_bitwise(void) {
    Spec s; Grid g; Dataset d; Table t;
    CHECK(setup(&s, &g, &d, &t, "grid:\n  hidden_dim: [3, 5]\n  epochs: 12\n  learning_rate: 0.5\n") == 0);
    const Config *c = &g.configs[1];
    int64_t D = d.n_features;
    Run r;
    CHECK(train_init(&r, &d, &c->hyper) == 0);
    CHECK(train_run(&r, &d, NULL) == 0);
    WireMsg *m = wire_pack(c, &r, 1, D);
    CHECK(m && m->len == wire_size(c, D) && !m->next);
    // the header, the curves and two sets of weights, nothing more
    CHECK(wire_size(c, D) > (size_t)(6 * 12 + 2 * (D * 5 + 5 + 5 + 1)) * sizeof(double));
    const Config *got_c = NULL;
    Run got;
    CHECK(m && wire_unpack(m->data, m->len, &g, D, &got_c, &got) == 1);
    CHECK(got_c == c && got.status == r.status && got.epochs_run == r.epochs_run);
    CHECK(got.best_epoch == r.best_epoch && got.best_val_epoch == r.best_val_epoch);
    CHECK(same_doubles(got.final, r.final, N_CURVES) && same_doubles(&got.best_test_acc, &r.best_test_acc, 1));
    CHECK(same_doubles(&got.best_val_loss, &r.best_val_loss, 1) && got.train_seconds == r.train_seconds);
    for (int k = 0; k < N_CURVES; k++) CHECK(same_doubles(got.curves[k], r.curves[k], 12));
    CHECK(same_mlp(train_result_model(&got), train_result_model(&r)));
    CHECK(same_mlp(&got.initial, &r.initial));
    // Malformed: short, long, another id, a status no result has.
    CHECK(m && wire_unpack(m->data, m->len - 8, &g, D, &got_c, &got) == -1);
    CHECK(m && wire_unpack(m->data, 8, &g, D, &got_c, &got) == -1);
    int64_t id = 2;
    if (m) memcpy(m->data, &id, sizeof id);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, &got_c, &got) == -1);
    id = 0;   // config 0 (3 hidden) is smaller: the length no longer fits
    if (m) memcpy(m->data, &id, sizeof id);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, &got_c, &got) == -1);
    free(m);
    r.status = STATUS_PENDING;
    m = wire_pack(c, &r, 1, D);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, &got_c, &got) == -1);
    free(m);
    train_free(&r);
    teardown(&s, &g, &d, &t);
}

static void a_failed_config_is_its_header_alone(void) {
    Spec s; Grid g; Dataset d; Table t;
    CHECK(setup(&s, &g, &d, &t, "grid:\n  hidden_dim: 4\n  epochs: 3\n") == 0);
    WireMsg *m = wire_pack(&g.configs[0], NULL, 0, d.n_features);
    const Config *c = NULL;
    Run r;
    CHECK(m && m->len < wire_size(&g.configs[0], d.n_features));
    CHECK(m && wire_unpack(m->data, m->len, &g, d.n_features, &c, &r) == 0 && c == &g.configs[0]);
    free(m);
    teardown(&s, &g, &d, &t);
}

int main(void) {
    RUN(results_travel_bitwise);
    RUN(a_failed_config_is_its_header_alone);
    return CHECK_SUMMARY();
}
