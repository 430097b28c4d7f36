// wire.c: a config's results as one message and back (wire.h).
#include "wire.h"

#include <stdlib.h>
#include <string.h>
#include "mlp.h"

// The header: a whole number of doubles, so the curves after it stay aligned.
typedef struct {
    int64_t id, best_epoch, best_val_epoch, epochs_run;
    int32_t status, unused;
    double final[N_CURVES], best_test_acc, best_val_loss, train_seconds;
} WireHeader;

enum { WIRE_OUTPUTS = 1 };   // O: the network's outputs (mlp.h's layout), one for now

// Doubles of one set of weights: every parameter of the layout.
static int64_t weights_count(int64_t D, int64_t H) {
    int64_t n = 0;
    for (int p = 0; p < MLP_N_PARAMS; p++) n += mlp_param_count(p, D, H, WIRE_OUTPUTS);
    return n;
}

size_t wire_size(const Config *c, int64_t D) {
    return sizeof(WireHeader) +
           (size_t)(N_CURVES * c->hyper.epochs + 2 * weights_count(D, c->hyper.hidden_dim)) * sizeof(double);
}

// Copies m's parameters, in layout order, to p; returns the end.
static double *put_mlp(double *p, const Mlp *m) {
    for (int k = 0; k < MLP_N_PARAMS; k++) {
        int64_t n = mlp_param_count(k, m->n_in, m->n_hidden, WIRE_OUTPUTS);
        memcpy(p, mlp_param(m, k), (size_t)n * sizeof(double));
        p += n;
    }
    return p;
}

// Points m's parameters, in layout order, into p (a view: m owns nothing); returns the end.
static double *view_mlp(double *p, Mlp *m, int64_t D, int64_t H) {
    memset(m, 0, sizeof *m);
    m->n_in = D;
    m->n_hidden = H;
    double **at[MLP_N_PARAMS] = {[MLP_W1] = &m->W1, [MLP_B1] = &m->b1, [MLP_W2] = &m->W2, [MLP_B2] = &m->b2};
    for (int k = 0; k < MLP_N_PARAMS; k++) {
        *at[k] = p;
        p += mlp_param_count(k, D, H, WIRE_OUTPUTS);
    }
    return p;
}

WireMsg *wire_pack(const Config *c, const Run *r, int ok, int64_t D) {
    size_t len = ok ? wire_size(c, D) : sizeof(WireHeader);
    WireMsg *o = malloc(sizeof *o + len);
    if (!o && ok) return wire_pack(c, r, 0, D);  // too big to send: at least say it failed
    if (!o) return NULL;
    o->next = NULL;
    o->len = len;
    WireHeader h;
    memset(&h, 0, sizeof h);
    h.id = c->id;
    h.status = ok ? (int32_t)r->status : STATUS_FAILED;
    h.best_epoch = h.best_val_epoch = -1;
    if (ok) {
        memcpy(h.final, r->final, sizeof h.final);
        h.best_test_acc = r->best_test_acc;
        h.best_epoch = r->best_epoch;
        h.best_val_loss = r->best_val_loss;
        h.best_val_epoch = r->best_val_epoch;
        h.epochs_run = r->epochs_run;
        h.train_seconds = r->train_seconds;
        double *p = o->data + sizeof h / sizeof(double);
        for (int i = 0; i < N_CURVES; i++) {
            memcpy(p, r->curves[i], (size_t)c->hyper.epochs * sizeof(double));
            p += c->hyper.epochs;
        }
        p = put_mlp(p, train_result_model(r));
        put_mlp(p, &r->initial);
    }
    memcpy(o->data, &h, sizeof h);
    return o;
}

int wire_unpack(double *buf, size_t len, const Grid *g, int64_t D, const Config **c, Run *r) {
    WireHeader h;
    if (len < sizeof h) return -1;
    memcpy(&h, buf, sizeof h);
    if (h.id < 0 || h.id >= g->n_configs) return -1;
    *c = &g->configs[h.id];
    if (h.status == STATUS_FAILED && len == sizeof h) return 0;
    if ((h.status != STATUS_DONE && h.status != STATUS_DIVERGED) || len != wire_size(*c, D)) return -1;
    memset(r, 0, sizeof *r);
    r->hyper = (*c)->hyper;
    r->status = (Status)h.status;
    r->epochs_run = h.epochs_run;
    memcpy(r->final, h.final, sizeof r->final);
    r->best_test_acc = h.best_test_acc;
    r->best_epoch = h.best_epoch;
    r->best_val_loss = h.best_val_loss;
    r->best_val_epoch = h.best_val_epoch;
    r->train_seconds = h.train_seconds;
    double *p = buf + sizeof h / sizeof(double);
    for (int i = 0; i < N_CURVES; i++) {
        r->curves[i] = p;
        p += (*c)->hyper.epochs;
    }
    p = view_mlp(p, &r->model, D, (*c)->hyper.hidden_dim);
    view_mlp(p, &r->initial, D, (*c)->hyper.hidden_dim);
    return 1;
}
