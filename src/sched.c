// sched.c: the scheduler's one trajectory loop and its one commit (sched_loop.h), the plain
// run over OpenMP threads, and sched_map. Halving's rungs are in rungs.c, the MPI hand-out in
// sched_mpi.c (sched.h).
#include "sched.h"

#include <omp.h>
#include <stdlib.h>
#include "cluster.h"
#include "sched_loop.h"
#include "sweep.h"

int sched_default_threads(void) {
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && atoi(env) > 0) return atoi(env);
    return omp_get_num_procs();
}

void sched_commit(const SchedJob *job, SchedTally *t, const Config *c, const Run *run, int ok, double work, int rank) {
    #pragma omp critical(store)
    {
        if (!t->store_failed) {
            int rc = ok ? store_write_result(job->store, c, run, t->err) : store_write_failed(job->store, c, t->err);
            if (rc != SWEEP_OK) {
                t->store_failed = 1;
                *job->stop = SCHED_STOP_FAILURE;   // nothing more can be saved: let the others stop
            } else {
                t->n_committed++;
                if (t->by_rank) t->by_rank[rank]++;
                progress_update(job->progress, ok ? (int)run->status : STATUS_FAILED, work);
            }
        }
    }
}

int sched_outcome(const SchedJob *job, const SchedTally *t) {
    if (t->store_failed) return SWEEP_ERR_RUNTIME;
    return t->n_committed == job->n_todo ? SWEEP_OK : SWEEP_ERR_INTERRUPTED;
}

void sched_trajectory(const SchedJob *job, const int64_t *ids, int64_t n, SchedEmit emit, void *ctx) {
    const Config *configs = job->grid->configs;
    const Dataset *d = job->data;
    Run run;
    int ok = train_init(&run, d, &configs[ids[n - 1]].hyper) == 0;   // sized for the longest
    if (ok) train_begin(&run, d);
    double before = 0.0;   // the flops of the config before
    for (int64_t k = 0; k < n && !*job->stop; k++) {
        const Config *c = &configs[ids[k]];
        if (ok && train_advance(&run, d, c->hyper.epochs, job->stop) != 0) break;   // cancelled: pending
        double here = train_flops(&c->hyper, d);
        emit(ctx, c, &run, ok, k == 0 ? here : here - before);
        before = here;
    }
    if (ok) train_free(&run);
}

typedef struct {
    const SchedJob *job;
    SchedTally *tally;
} Committer;

static void commit_emitted(void *ctx, const Config *c, const Run *run, int ok, double work) {
    const Committer *to = ctx;
    sched_commit(to->job, to->tally, c, run, ok, work, 0);
}

void sched_train_unit(const SchedJob *job, int64_t u, SchedTally *t) {
    const Trajectories *units = job->units;
    Committer to = {job, t};
    sched_trajectory(job, units->ids + units->start[u], units->start[u + 1] - units->start[u], commit_emitted, &to);
}

int sched_run(const SchedJob *job, char *err) {
#ifdef SWEEP_MPI
    if (cluster_size() > 1) return sched_run_cluster(job, err);
#endif
    SchedTally t = {.err = err};
    #pragma omp parallel for schedule(dynamic, 1) num_threads(job->n_threads)
    for (int64_t u = 0; u < job->units->n_units; u++) {
        if (*job->stop) continue;
        sched_train_unit(job, u, &t);
    }
    return sched_outcome(job, &t);
}

void sched_map(int64_t n, int n_threads, void (*fn)(void *ctx, int64_t i), void *ctx) {
    #pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
    for (int64_t i = 0; i < n; i++) fn(ctx, i);
}
