// wire.c: a config's results as one message and back (wire.h).
#include "wire.h"

#include <stdlib.h>
#include <string.h>
#include "mlp.h"

// The header: a whole number of doubles, so the curves after it stay aligned.
typedef struct {
    int64_t id, best_epoch, best_val_epoch, epochs_run, n_out;
    int32_t status, head;
    double final[N_CURVES], best_test_acc, best_val_loss, train_seconds;
} WireHeader;

size_t wire_size(const Config *c, int64_t D, int64_t O) {
    return sizeof(WireHeader) +
           (size_t)(N_CURVES * c->hyper.epochs + 2 * mlp_param_total(D, c->hyper.hidden_dim, O)) * sizeof(double);
}

// Copies m's parameters, in layout order (Mlp.mem's), to p; returns the end.
static double *put_mlp(double *p, const Mlp *m) {
    int64_t n = mlp_model_n_params(m);
    memcpy(p, m->mem, (size_t)n * sizeof(double));
    return p + n;
}

WireMsg *wire_pack(const Config *c, const Run *r, int ok, int64_t D) {
    int64_t O = ok ? r->model.n_out : 1;
    size_t len = ok ? wire_size(c, D, O) : sizeof(WireHeader);
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
        h.n_out = O;
        h.head = (int32_t)r->model.head;
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

int wire_unpack(double *buf, size_t len, const Grid *g, int64_t D, TrainTask task, const Config **c, Run *r) {
    WireHeader h;
    if (len < sizeof h) return -1;
    memcpy(&h, buf, sizeof h);
    if (h.id < 0 || h.id >= g->n_configs) return -1;
    *c = &g->configs[h.id];
    if (h.status == STATUS_FAILED && len == sizeof h) return 0;
    if ((h.status != STATUS_DONE && h.status != STATUS_DIVERGED) || h.n_out != task.n_out ||
        h.head != (int32_t)task.head || len != wire_size(*c, D, task.n_out))
        return -1;
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
    int64_t H = (*c)->hyper.hidden_dim;
    p = mlp_view(&r->model, p, D, H, task.n_out);   // views into buf: the Run owns nothing
    mlp_view(&r->initial, p, D, H, task.n_out);
    r->model.head = r->initial.head = task.head;
    return 1;
}
