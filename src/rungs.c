// rungs.c: successive halving's rungs (rungs.h). Runs persist between rungs, parked (their
// scratch freed) while others train; one parallel loop per rung trains the replicates, then
// the main thread alone scores, decides (halving.c) and commits (sched_loop.h).
#include "rungs.h"

#include <math.h>
#include <stdlib.h>
#include "sched.h"
#include "sched_loop.h"
#include "sweep.h"

typedef struct {
    Run run;
    int state;                // REP_* below
    double final;             // once settled: its final value of the metric (NaN: diverged)
} Replicate;

enum { REP_NONE, REP_LIVE, REP_FAILED, REP_SETTLED };   // not started, parked run, no memory, committed

// A replicate's metric after e epochs, for its setting's score: NaN when it diverged (or
// failed), which scores the worst; its final value when it stopped early before e.
static double replicate_value(const SchedJob *job, const HalvingPlan *p, const Replicate *r, uint8_t status,
                              int64_t id, int64_t e) {
    if (status == STATUS_DIVERGED || status == STATUS_FAILED || r->state == REP_FAILED) return NAN;
    if (r->state == REP_SETTLED) return r->final;   // settled in this run: stopped early
    if (status != STATUS_PENDING) {   // committed before (a resumed file): the file's numbers
        SummaryRow row;
        double v = NAN;
        if (store_read_summary_row(job->store, id, &row) != 0) return NAN;
        if (row.epochs_run < e) return p->metric == CURVE_VAL_LOSS ? row.final_val_loss : row.final_val_acc;
        return store_read_curve_value(job->store, p->metric, id, e, &v) == 0 ? v : NAN;
    }
    if (r->run.status == STATUS_DIVERGED) return NAN;
    if (r->run.epochs_run < e) return r->run.final[p->metric];   // stopped early
    return r->run.curves[p->metric][e - 1];
}

// Commits replicate id as it stands (failed when it has no run) and frees its run; returns
// whether the store has failed.
static int settle(const SchedJob *job, const HalvingPlan *p, Replicate *r, uint8_t *status, int64_t id,
                  SchedTally *t) {
    const Config *c = &job->grid->configs[id];
    int ok = r->state == REP_LIVE;
    sched_commit(job, t, c, &r->run, ok, 0.0, 0);
    status[id] = ok ? (uint8_t)r->run.status : STATUS_FAILED;
    r->final = ok && r->run.status != STATUS_DIVERGED ? r->run.final[p->metric] : NAN;
    if (ok) train_free(&r->run);
    r->state = REP_SETTLED;
    return t->store_failed;
}

int sched_run_halving(const SchedJob *job, const HalvingPlan *p, const uint8_t *file_status, char *err) {
    const Grid *g = job->grid;
    const Dataset *d = job->data;
    int64_t n = g->n_configs, S = p->n_settings;
    Replicate *reps = calloc((size_t)(n ? n : 1), sizeof *reps);
    uint8_t *status = malloc((size_t)(n ? n : 1)), *keep = malloc((size_t)(S ? S : 1));
    int64_t *alive = malloc((size_t)(S ? S : 1) * sizeof *alive), *todo = malloc((size_t)(n ? n : 1) * sizeof *todo);
    int64_t *scratch = malloc((size_t)(S ? S : 1) * sizeof *scratch);
    double *score = malloc((size_t)(S ? S : 1) * sizeof *score), *values = malloc((size_t)(n ? n : 1) * sizeof *values);
    if (!reps || !status || !keep || !alive || !todo || !scratch || !score || !values) {
        free(reps); free(status); free(keep); free(alive); free(todo); free(scratch); free(score); free(values);
        return fail(err, SWEEP_ERR_RUNTIME, "out of memory planning the halving");
    }
    for (int64_t i = 0; i < n; i++) status[i] = file_status ? file_status[i] : STATUS_PENDING;
    int64_t n_alive = S;
    SchedTally t = {.err = err};   // the main thread alone commits: no lock needed to read it
    for (int64_t k = 0; k < S; k++) alive[k] = k;
    for (int64_t rung = 0; rung < p->n_rungs && !*job->stop && !t.store_failed; rung++) {
        int64_t e = p->rungs[rung], m = 0;
        int last = rung == p->n_rungs - 1;
        for (int64_t j = 0; j < n_alive; j++)
            for (int64_t q = p->start[alive[j]]; q < p->start[alive[j] + 1]; q++) {
                int64_t id = p->ids[q];
                if (status[id] == STATUS_PENDING && !(reps[id].state == REP_LIVE && train_ended(&reps[id].run)))
                    todo[m++] = id;
            }
        // Train every live pending replicate from where it stands to e.
        #pragma omp parallel for schedule(dynamic, 1) num_threads(job->n_threads)
        for (int64_t j = 0; j < m; j++) {
            if (*job->stop) continue;
            int64_t id = todo[j];
            Replicate *r = &reps[id];
            const Hyper *h = &g->configs[id].hyper;
            if (r->state == REP_NONE) {
                if (train_init(&r->run, d, h) != 0) { r->state = REP_FAILED; continue; }
                train_begin(&r->run, d);
                r->state = REP_LIVE;
            } else if (train_unpark(&r->run, d) != 0) {
                train_free(&r->run);
                r->state = REP_FAILED;
                continue;
            }
            int64_t from = r->run.epochs_run;
            if (train_advance(&r->run, d, e, job->stop) != 0) { train_park(&r->run); continue; }
            train_park(&r->run);
            Hyper done = *h, start = *h;
            done.epochs = r->run.epochs_run;
            start.epochs = from;
            double work = train_flops(&done, d) - (from ? train_flops(&start, d) : 0.0);
            #pragma omp critical(store)
            progress_work(job->progress, work);
        }
        if (*job->stop) break;
        // Replicates that are finished whatever comes: diverged, out of memory, or at E.
        for (int64_t j = 0; j < m && !t.store_failed; j++) {
            Replicate *r = &reps[todo[j]];
            if (r->state == REP_FAILED || (r->state == REP_LIVE && (last || train_ended(&r->run))))
                settle(job, p, r, status, todo[j], &t);
        }
        if (last || t.store_failed) break;
        // Score the live settings at e and keep the best ceil(n_alive / factor).
        for (int64_t j = 0; j < n_alive; j++) {
            int64_t k = alive[j], nr = 0;
            for (int64_t q = p->start[k]; q < p->start[k + 1]; q++)
                values[nr++] = replicate_value(job, p, &reps[p->ids[q]], status[p->ids[q]], p->ids[q], e);
            score[j] = halving_score(p, values, nr);
        }
        halving_select(p, score, n_alive, keep, scratch);
        int64_t next = 0;
        for (int64_t j = 0; j < n_alive && !t.store_failed; j++) {
            if (keep[j]) { alive[next++] = alive[j]; continue; }
            for (int64_t q = p->start[alive[j]]; q < p->start[alive[j] + 1] && !t.store_failed; q++) {
                int64_t id = p->ids[q];
                if (status[id] != STATUS_PENDING) continue;
                reps[id].run.status = STATUS_PRUNED;   // its results stand at e epochs
                settle(job, p, &reps[id], status, id, &t);
            }
        }
        n_alive = next;
    }
    for (int64_t i = 0; i < n; i++)
        if (reps[i].state == REP_LIVE) train_free(&reps[i].run);
    int64_t pending = 0;
    for (int64_t i = 0; i < n; i++) pending += status[i] == STATUS_PENDING;
    free(reps); free(status); free(keep); free(alive); free(todo); free(scratch); free(score); free(values);
    if (t.store_failed) return SWEEP_ERR_RUNTIME;
    return pending == 0 ? SWEEP_OK : SWEEP_ERR_INTERRUPTED;
}
