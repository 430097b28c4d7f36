// test_wire.c: a config's results as one message and back (what MPI ranks send rank 0):
// bitwise the same curves, weights and values; a failed config as the header alone; anything
// malformed refused.
#include <stdlib.h>
#include "check.h"
#include "fixture.h"
#include "grid.h"
#include "sweep.h"
#include "train.h"
#include "wire.h"

static int same_doubles(const double *a, const double *b, int64_t n) { return memcmp(a, b, (size_t)n * sizeof *a) == 0; }

static int same_mlp(const Mlp *a, const Mlp *b) {
    int64_t D = a->n_in, H = a->n_hidden, O = a->n_out;
    return a->n_in == b->n_in && a->n_hidden == b->n_hidden && a->n_out == b->n_out && a->head == b->head &&
           same_doubles(a->W1, b->W1, D * H) && same_doubles(a->b1, b->b1, H) &&
           same_doubles(a->W2, b->W2, H * O) && same_doubles(a->b2, b->b2, O);
}

static void results_travel_bitwise(void) {
    Spec s; Grid g; Dataset d; Table t;
    CHECK(fixture_setup(&s, &g, &d, &t, "grid:\n  hidden_dim: [3, 5]\n  epochs: 12\n  learning_rate: 0.5\n") == 0);
    const Config *c = &g.configs[1];
    int64_t D = d.n_features;
    TrainTask task = train_task_of(&d);
    Run r;
    CHECK(train_init(&r, &d, &c->hyper) == 0);
    CHECK(train_run(&r, &d, NULL) == 0);
    WireMsg *m = wire_pack(c, &r, 1, D);
    CHECK(m && m->len == wire_size(c, D, 1) && !m->next);
    // the header, the curves and two sets of weights, nothing more
    CHECK(wire_size(c, D, 1) > (size_t)(6 * 12 + 2 * (D * 5 + 5 + 5 + 1)) * sizeof(double));
    const Config *got_c = NULL;
    Run got;
    CHECK(m && wire_unpack(m->data, m->len, &g, D, task, &got_c, &got) == 1);
    CHECK(got_c == c && got.status == r.status && got.epochs_run == r.epochs_run);
    CHECK(got.best_epoch == r.best_epoch && got.best_val_epoch == r.best_val_epoch);
    CHECK(same_doubles(got.final, r.final, N_CURVES) && same_doubles(&got.best_test_acc, &r.best_test_acc, 1));
    CHECK(same_doubles(&got.best_val_loss, &r.best_val_loss, 1) && got.train_seconds == r.train_seconds);
    for (int k = 0; k < N_CURVES; k++) CHECK(same_doubles(got.curves[k], r.curves[k], 12));
    CHECK(same_mlp(train_result_model(&got), train_result_model(&r)));
    CHECK(same_mlp(&got.initial, &r.initial));
    // Malformed: short, long, another id, a status no result has.
    CHECK(m && wire_unpack(m->data, m->len - 8, &g, D, task, &got_c, &got) == -1);
    CHECK(m && wire_unpack(m->data, 8, &g, D, task, &got_c, &got) == -1);
    int64_t id = 2;
    if (m) memcpy(m->data, &id, sizeof id);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, task, &got_c, &got) == -1);
    id = 0;   // config 0 (3 hidden) is smaller: the length no longer fits
    if (m) memcpy(m->data, &id, sizeof id);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, task, &got_c, &got) == -1);
    free(m);
    r.status = STATUS_PENDING;
    m = wire_pack(c, &r, 1, D);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, task, &got_c, &got) == -1);
    free(m);
    train_free(&r);
    fixture_teardown(&s, &g, &d, &t);
}

static void a_failed_config_is_its_header_alone(void) {
    Spec s; Grid g; Dataset d; Table t;
    CHECK(fixture_setup(&s, &g, &d, &t, "grid:\n  hidden_dim: 4\n  epochs: 3\n") == 0);
    WireMsg *m = wire_pack(&g.configs[0], NULL, 0, d.n_features);
    const Config *c = NULL;
    Run r;
    CHECK(m && m->len < wire_size(&g.configs[0], d.n_features, 1));
    CHECK(m && wire_unpack(m->data, m->len, &g, d.n_features, train_task_of(&d), &c, &r) == 0 && c == &g.configs[0]);
    free(m);
    fixture_teardown(&s, &g, &d, &t);
}

// A network of several outputs (softmax, O = 4) travels whole: W2 (H, O) and b2 (O) of both
// sets of weights; a receiver whose data have another task refuses it.
static void a_network_of_several_outputs_travels(void) {
    Spec s; Grid g; Dataset d; Table t;
    CHECK(fixture_setup(&s, &g, &d, &t, "grid:\n  hidden_dim: 5\n  epochs: 2\n") == 0);
    const Config *c = &g.configs[0];
    int64_t D = d.n_features, H = 5, O = 4;
    Run r;
    memset(&r, 0, sizeof r);
    r.hyper = c->hyper;
    r.status = STATUS_DONE;
    r.epochs_run = 2;
    double curves[N_CURVES * 2];
    for (int i = 0; i < N_CURVES * 2; i++) curves[i] = 0.25 * i;
    for (int k = 0; k < N_CURVES; k++) r.curves[k] = curves + 2 * k;
    CHECK(mlp_init(&r.model, D, H, O, MLP_HEAD_SOFTMAX) == 0 && mlp_init(&r.initial, D, H, O, MLP_HEAD_SOFTMAX) == 0);
    for (int64_t i = 0; i < mlp_model_n_params(&r.model); i++) {
        r.model.mem[i] = 1.0 + (double)i;
        r.initial.mem[i] = -0.5 * (double)i;
    }
    WireMsg *m = wire_pack(c, &r, 1, D);
    CHECK(m && m->len == wire_size(c, D, O) && wire_size(c, D, O) > wire_size(c, D, 1));
    const Config *got_c = NULL;
    Run got;
    TrainTask softmax4 = {MLP_HEAD_SOFTMAX, 4}, softmax3 = {MLP_HEAD_SOFTMAX, 3};
    CHECK(m && wire_unpack(m->data, m->len, &g, D, softmax4, &got_c, &got) == 1 && got_c == c);
    CHECK(m && same_mlp(&got.model, &r.model) && same_mlp(&got.initial, &r.initial));
    CHECK(m && got.model.W2[H * O - 1] == r.model.W2[H * O - 1] && got.initial.b2[O - 1] == r.initial.b2[O - 1]);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, softmax3, &got_c, &got) == -1);
    CHECK(m && wire_unpack(m->data, m->len, &g, D, train_task_of(&d), &got_c, &got) == -1);
    free(m);
    mlp_free(&r.model);
    mlp_free(&r.initial);
    fixture_teardown(&s, &g, &d, &t);
}

int main(void) {
    RUN(results_travel_bitwise);
    RUN(a_network_of_several_outputs_travels);
    RUN(a_failed_config_is_its_header_alone);
    return CHECK_SUMMARY();
}
