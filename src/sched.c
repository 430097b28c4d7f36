// sched.c: the OpenMP loop over configs.
#include "sched.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

int sched_default_threads(void) {
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && atoi(env) > 0) return atoi(env);
    return omp_get_num_procs();
}

typedef struct {
    int64_t id;
    double cost;
} Ranked;

static int by_cost_desc(const void *a, const void *b) {
    const Ranked *x = a, *y = b;
    if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

void sched_order(int64_t *ids, int64_t n, const Grid *g, const Dataset *d) {
    Ranked *r = malloc((size_t)n * sizeof *r);
    if (!r) return;  // order is only an optimisation
    for (int64_t i = 0; i < n; i++) {
        r[i].id = ids[i];
        r[i].cost = train_flops(&g->configs[ids[i]].hyper, d->n_features, d->n_train, d->n_test);
    }
    qsort(r, (size_t)n, sizeof *r, by_cost_desc);
    for (int64_t i = 0; i < n; i++) ids[i] = r[i].id;
    free(r);
}

int sched_run(const SchedJob *job, char *err) {
    int store_failed = 0;     // written and read only inside critical(store)
    int64_t n_committed = 0;  // likewise
    const Dataset *d = job->data;

    #pragma omp parallel for schedule(dynamic, 1) num_threads(job->n_threads)
    for (int64_t i = 0; i < job->n_todo; i++) {
        if (*job->stop) continue;
        const Config *c = &job->grid->configs[job->todo[i]];
        double work = train_flops(&c->hyper, d->n_features, d->n_train, d->n_test);
        Run run;
        int ok = train_init(&run, d, &c->hyper) == 0;
        int cancelled = ok && train_run(&run, d, job->stop) != 0;
        if (!cancelled) {
            #pragma omp critical(store)
            {
                if (!store_failed) {
                    int rc = ok ? store_write_result(job->store, c, &run, err)
                                : store_write_failed(job->store, c, err);
                    if (rc != SWEEP_OK) {
                        store_failed = 1;
                        *job->stop = 1;   // nothing more can be saved: let the others stop
                    } else {
                        n_committed++;
                        progress_update(job->progress, ok ? (int)run.status : STATUS_FAILED, work);
                    }
                }
            }
        }
        if (ok) train_free(&run);
    }
    if (store_failed) return SWEEP_ERR_RUNTIME;
    return n_committed == job->n_todo ? SWEEP_OK : SWEEP_ERR_INTERRUPTED;
}
