// sched_mpi.c: the scheduler across MPI ranks (sched_mpi.h). Compiled to nothing without
// SWEEP_MPI. The training itself is the one trajectory loop (sched_loop.h); the results travel
// as wire.h's messages.
#include "sched_mpi.h"

#ifdef SWEEP_MPI
#include <errno.h>
#include <limits.h>
#include <mpi.h>
#include <omp.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cluster.h"
#include "sched.h"
#include "sched_loop.h"
#include "sweep.h"
#include "wire.h"

// Rank 0's main thread serves: it answers requests for configs with the next ones of the
// list, receives results and commits them to the store, in the same critical(store) as its own
// trainers' commits. The main thread of any other rank asks for more configs while it still
// has half a chunk queued, so its trainers never wait for an answer, and sends each result
// back as soon as it is ready.
//
// Waiting. Open MPI cannot wait for a message without spinning, and a spinning main thread
// would take a core from a trainer, so main threads sleep and poll: rank 0 at least every
// ROOT_NAP_MAX_US; the others sleep on a semaphore that their trainers post (a result is
// ready, the queue runs low, a trainer is done) and poll quickly only while an answer from
// rank 0 is due. Results travel with nonblocking sends and receives, so neither side spins
// while the other sleeps. (Each wake-up costs some tens of microseconds of a trainer's core:
// polling every millisecond cost 4 % of the speed of 2 ranks x 1 thread.)

// The messages of sched_mpi.h.
enum { TAG_REQUEST = 1, TAG_IDS, TAG_RESULT, TAG_STOP, TAG_BYE, TAG_FIN };

// A reply holds at most CHUNK_MAX configs and, beyond one per trainer of the asking rank,
// no more than CHUNK_FLOPS of estimated work per trainer (some tens of milliseconds), so big
// configs go out one by one and tiny ones in batches. It also never holds more than a
// 1/(2 x ranks x threads) share of what is left, so the end of the sweep goes out finely.
#define CHUNK_MAX 1024
#define CHUNK_FLOPS 1e8
#define ROOT_NAP_MIN_US 1000      // rank 0 polls at most this often
#define ROOT_NAP_MAX_US 4000      // and at least this often
#define WORKER_NAP_MIN_US 100     // another rank, while one of its trainers waits for configs
#define WORKER_NAP_MAX_US 1000
#define WORKER_WAIT_US 50000      // another rank, otherwise (a trainer's post wakes it sooner)
#define WORKER_SENDING_US 5000    // ... while a result or an answer is on its way

// Sleep while there is nothing to do: min_us, doubling while it stays quiet, up to max_us.
static void nap(int *idle, long min_us, long max_us) {
    long us = min_us << (*idle < 10 ? *idle : 10);
    if (us > max_us) us = max_us;
    struct timespec ts = {us / 1000000L, (us % 1000000L) * 1000L};
    nanosleep(&ts, NULL);
    (*idle)++;
}

// Nonblocking operations in flight with their buffers (touched by one main thread only).
typedef struct {
    MPI_Request *reqs;
    void **bufs;
    int *len, *from;
    int n, cap;
} Pending;

// A slot for one more operation; its request is to be filled by the caller. NULL: no memory.
static MPI_Request *pending_add(Pending *p, void *buf, int len, int from) {
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        MPI_Request *r = realloc(p->reqs, (size_t)cap * sizeof *r);
        if (r) p->reqs = r;
        void **b = r ? realloc(p->bufs, (size_t)cap * sizeof *b) : NULL;
        if (b) p->bufs = b;
        int *l = b ? realloc(p->len, (size_t)cap * sizeof *l) : NULL;
        if (l) p->len = l;
        int *f = l ? realloc(p->from, (size_t)cap * sizeof *f) : NULL;
        if (!f) return NULL;
        p->from = f;
        p->cap = cap;
    }
    p->bufs[p->n] = buf;
    p->len[p->n] = len;
    p->from[p->n] = from;
    return &p->reqs[p->n++];
}

static void pending_drop(Pending *p, int i) {   // forget operation i (its buffer is the caller's)
    p->n--;
    p->reqs[i] = p->reqs[p->n];
    p->bufs[i] = p->bufs[p->n];
    p->len[i] = p->len[p->n];
    p->from[i] = p->from[p->n];
}

// Free the buffers of the sends that have completed; returns how many did.
static int pending_reap_sends(Pending *p) {
    int done_any = 0;
    for (int i = 0; i < p->n;) {
        int done = 0;
        MPI_Test(&p->reqs[i], &done, MPI_STATUS_IGNORE);
        if (!done) { i++; continue; }
        free(p->bufs[i]);
        pending_drop(p, i);
        done_any++;
    }
    return done_any;
}

static void pending_free(Pending *p) {
    free(p->reqs);
    free(p->bufs);
    free(p->len);
    free(p->from);
    memset(p, 0, sizeof *p);
}

// A send that completes in the background (buf, malloc'd or NULL, is freed once it has).
static void isend(Pending *p, void *buf, int count, MPI_Datatype type, int dest, int tag) {
    MPI_Request *req = pending_add(p, buf, 0, dest);
    if (req) {
        MPI_Isend(buf, count, type, dest, tag, cluster_comm(), req);
    } else {   // no memory to track it: send it blocking (small messages only come here)
        MPI_Send(buf, count, type, dest, tag, cluster_comm());
        free(buf);
    }
}

int sched_cluster_check(const Grid *g, int64_t n_features, int64_t n_out, char *err) {
    for (int64_t i = 0; i < g->n_configs; i++) {
        size_t bytes = wire_size(&g->configs[i], n_features, n_out);
        if (bytes > (size_t)INT_MAX)
            return fail(err, SWEEP_ERR_USAGE, "config %lld's results are %.1f GiB, more than one MPI message "
                        "carries (2 GiB); run this sweep without MPI, or with --shard", (long long)i,
                        (double)bytes / (1 << 30));
    }
    return SWEEP_OK;
}


// ---------------------------------------------------------------------------------------
// Rank 0.

typedef struct {
    const SchedJob *job;
    int64_t next;          // the next unit to hand out; critical(handout)
    int64_t next_in_unit;  // and its first config not handed out yet (a unit split over chunks)
    SchedTally tally;      // critical(store); by_rank counts each rank's configs
    double *work;          // (n_configs) the work each config adds to its trajectory's
} Root;

// The next unit to train on rank 0 itself, or -1; critical(handout) is the caller's.
static int64_t root_take_unit(Root *r) {
    if (*r->job->stop || r->next >= r->job->units->n_units || r->next_in_unit > 0) return -1;
    return r->next++;
}

// The ids for one REQUEST from a rank with `want` trainers (see CHUNK_MAX): whole units, in
// ascending epochs, so that the rank trains each trajectory once (a unit of more than
// CHUNK_MAX configs goes in pieces, each trained from the start).
static int64_t *root_chunk(Root *r, int want, int *k) {
    const SchedJob *job = r->job;
    const Trajectories *t = job->units;
    int64_t *ids = malloc(CHUNK_MAX * sizeof *ids);
    *k = 0;
    if (!ids) return NULL;
    if (want < 1) want = 1;
    #pragma omp critical(handout)
    {
        int64_t left = t->n_units - r->next;
        int64_t share = left / (2 * (int64_t)cluster_size() * job->n_threads);
        int64_t limit = share < 1 ? 1 : share > CHUNK_MAX ? CHUNK_MAX : share;
        int64_t n_units = 0;
        double flops = 0.0;
        while (!*job->stop && r->next < t->n_units && n_units < limit &&
               (n_units < want || flops < want * CHUNK_FLOPS)) {
            int64_t u = r->next, from = t->start[u] + r->next_in_unit, to = t->start[u + 1];
            if (to - from > CHUNK_MAX - *k) {
                if (*k > 0) break;                 // the next chunk takes it whole
                to = from + CHUNK_MAX;             // too big for any chunk: a piece
            }
            for (int64_t i = from; i < to; i++) ids[(*k)++] = t->ids[i];
            if (to == t->start[u + 1]) r->next++, r->next_in_unit = 0;
            else r->next_in_unit = to - t->start[u];
            flops += t->flops[u];
            n_units++;
        }
    }
    return ids;
}

// A RESULT from rank `from` (len bytes at buf), committed as rank 0's own trainers commit.
static void root_commit(Root *r, double *buf, size_t len, int from) {
    const SchedJob *job = r->job;
    const Config *c = NULL;
    Run run;
    int kind = wire_unpack(buf, len, job->grid, job->data->n_features, train_task_of(job->data), &c, &run);
    if (kind < 0) {   // the run fails as when the store fails
        #pragma omp critical(store)
        {
            if (!r->tally.store_failed) {
                r->tally.store_failed = 1;
                *job->stop = SCHED_STOP_FAILURE;
                fail(r->tally.err, SWEEP_ERR_RUNTIME, "MPI rank %d sent a malformed result (%zu bytes)", from, len);
            }
        }
        return;
    }
    sched_commit(job, &r->tally, c, &run, kind, r->work ? r->work[c->id] : train_flops(&c->hyper, job->data), from);
}

// Rank 0's main thread: serve the other ranks until each has said BYE and every result has
// arrived. alone: it is the only thread of its team, so it trains too, one config per round.
static void root_serve(Root *r, int alone) {
    MPI_Comm comm = cluster_comm();
    int size = cluster_size(), active = size - 1, stop_sent = 0, idle = 0;
    char *said_bye = calloc((size_t)size, 1);
    Pending sends = {0}, recvs = {0};
    if (!said_bye) MPI_Abort(comm, SWEEP_ERR_RUNTIME);
    for (;;) {
        int busy = 0;
        if (*r->job->stop && !stop_sent) {
            for (int w = 1; w < size; w++)
                if (!said_bye[w]) isend(&sends, NULL, 0, MPI_BYTE, w, TAG_STOP);
            stop_sent = 1;
        }
        for (;;) {   // every message that has come
            int flag = 0, n = 0;
            MPI_Status st;
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &st);
            if (!flag) break;
            busy = 1;
            int from = st.MPI_SOURCE;
            MPI_Get_count(&st, MPI_BYTE, &n);
            if (st.MPI_TAG == TAG_RESULT) {   // received in the background, committed below
                void *buf = malloc(n > 0 ? (size_t)n : 1);
                MPI_Request *req = buf ? pending_add(&recvs, buf, n, from) : NULL;
                if (!req) MPI_Abort(comm, SWEEP_ERR_RUNTIME);   // cannot even take a message
                MPI_Irecv(buf, n, MPI_BYTE, from, TAG_RESULT, comm, req);
                continue;
            }
            int want = 0;
            MPI_Recv(&want, n == (int)sizeof want ? 1 : 0, MPI_INT, from, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
            if (st.MPI_TAG == TAG_REQUEST) {
                int k = 0;
                int64_t *ids = root_chunk(r, want, &k);
                isend(&sends, ids, k, MPI_INT64_T, from, TAG_IDS);
            } else if (st.MPI_TAG == TAG_BYE) {
                said_bye[from] = 1;
                active--;
                isend(&sends, NULL, 0, MPI_BYTE, from, TAG_FIN);
            }
        }
        for (int i = 0; i < recvs.n;) {   // results that have arrived whole
            int done = 0;
            MPI_Test(&recvs.reqs[i], &done, MPI_STATUS_IGNORE);
            if (!done) { i++; continue; }
            root_commit(r, recvs.bufs[i], (size_t)recvs.len[i], recvs.from[i]);
            free(recvs.bufs[i]);
            pending_drop(&recvs, i);
            busy = 1;
        }
        pending_reap_sends(&sends);
        int64_t u = -1;
        if (alone) {
            #pragma omp critical(handout)
            u = root_take_unit(r);
        }
        if (u >= 0) {
            sched_train_unit(r->job, u, &r->tally);
            busy = 1;
        } else if (active == 0 && recvs.n == 0) {
            break;
        }
        if (busy) idle = 0; else nap(&idle, ROOT_NAP_MIN_US, ROOT_NAP_MAX_US);
    }
    if (sends.n) MPI_Waitall(sends.n, sends.reqs, MPI_STATUSES_IGNORE);
    for (int i = 0; i < sends.n; i++) free(sends.bufs[i]);
    pending_free(&sends);
    pending_free(&recvs);
    free(said_bye);
}

int sched_run_cluster(const SchedJob *job, char *err) {
    Root r = {.job = job, .tally = {.err = err}};
    r.tally.by_rank = calloc((size_t)cluster_size(), sizeof *r.tally.by_rank);
    const Trajectories *t = job->units;
    r.work = calloc((size_t)job->grid->n_configs, sizeof *r.work);   // for the ETA only: none is fine
    for (int64_t u = 0; r.work && u < t->n_units; u++)
        for (int64_t k = 0; k < t->start[u + 1] - t->start[u]; k++)
            r.work[t->ids[t->start[u] + k]] = trajectory_step_flops(t, job->grid, job->data, u, k);
    cluster_announce(1);
    #pragma omp parallel num_threads(job->n_threads + 1)
    {
        if (omp_get_thread_num() == 0) {
            root_serve(&r, omp_get_num_threads() == 1);
        } else {
            for (;;) {
                int64_t u = -1;
                #pragma omp critical(handout)
                u = root_take_unit(&r);
                if (u < 0) break;
                sched_train_unit(job, u, &r.tally);
            }
        }
    }
    if (r.tally.by_rank && job->progress->enabled) {
        if (job->progress->tty) fputs("\r\033[K", job->progress->out);   // under the progress line
        fprintf(job->progress->out, "sweep: configs trained by rank:");
        for (int i = 0; i < cluster_size(); i++)
            fprintf(job->progress->out, "%s %d: %lld", i ? "," : "", i, (long long)r.tally.by_rank[i]);
        fprintf(job->progress->out, "\n");
    }
    free(r.tally.by_rank);
    free(r.work);
    return sched_outcome(job, &r.tally);
}

// ---------------------------------------------------------------------------------------
// Every other rank.

typedef struct {
    const SchedJob *job;
    sem_t wake;             // posted by trainers for the main thread
    // All below: critical(handout).
    int64_t *queue;         // ids received and not yet taken: queue[0 .. q_len)
    int64_t *take;          // the main thread's trajectory when it trains alone
    int q_len, last_chunk;  // last_chunk: the size of rank 0's last answer
    int no_more;            // rank 0 has no more configs
    int running;            // trainer threads still in their loop
    int training;           // trainer threads with a config
    WireMsg *out_head, *out_tail;   // results waiting for the main thread to send them
} Worker;

// The next queued trajectory (the first queued id and the ids after it that differ from it
// only in epochs: rank 0 sends a unit's ids together, in ascending epochs) into ids; returns
// how many, 0 when none is queued (*quit set when there will be none: stopped or all done).
// Wakes the main thread when the queue runs low, so it asks for more in time.
static int64_t worker_take(Worker *w, int64_t *ids, int *quit) {
    int64_t n = 0;
    int low = 0;
    const Config *configs = w->job->grid->configs;
    #pragma omp critical(handout)
    {
        if (*w->job->stop) {
            *quit = 1;
        } else if (w->q_len > 0) {
            w->training++;
            ids[n++] = w->queue[0];
            while (n < w->q_len &&
                   train_compare_but_epochs(&configs[w->queue[n]].hyper, &configs[ids[0]].hyper) == 0)
                ids[n] = w->queue[n], n++;
            w->q_len -= (int)n;
            memmove(w->queue, w->queue + n, (size_t)w->q_len * sizeof *w->queue);
            low = 2 * w->q_len <= w->last_chunk && !w->no_more;
        } else if (w->no_more) {
            *quit = 1;
        }
    }
    if (low) sem_post(&w->wake);
    return n;
}

static void worker_queue_result(Worker *w, WireMsg *o) {
    #pragma omp critical(handout)
    {
        if (o) {   // else no memory even to say it failed: it stays pending
            if (w->out_tail) w->out_tail->next = o; else w->out_head = o;
            w->out_tail = o;
        }
    }
    sem_post(&w->wake);
}

static void send_emitted(void *ctx, const Config *c, const Run *run, int ok, double work) {
    Worker *w = ctx;
    worker_queue_result(w, wire_pack(c, run, ok, w->job->data->n_features));
}

// Train one trajectory, in ascending epochs; queue each config's results for sending as the
// run passes it, unless the run is cancelled (the rest then stays pending).
static void worker_train(Worker *w, const int64_t *ids, int64_t n) {
    sched_trajectory(w->job, ids, n, send_emitted, w);
    #pragma omp critical(handout)
    w->training--;
    sem_post(&w->wake);
}

static void worker_trainer(Worker *w) {
    int idle = 0;
    int64_t *ids = malloc(CHUNK_MAX * 2 * sizeof *ids);
    for (;;) {
        int quit = 0;
        int64_t n = ids ? worker_take(w, ids, &quit) : 0;
        if (quit || !ids) break;
        if (n == 0) { nap(&idle, WORKER_NAP_MIN_US, WORKER_NAP_MAX_US); continue; }   // only before the first answer
        idle = 0;
        worker_train(w, ids, n);
    }
    free(ids);
    #pragma omp critical(handout)
    w->running--;
    sem_post(&w->wake);
}

static void wait_on(sem_t *s, long us) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (us % 1000000L) * 1000L;
    ts.tv_sec += us / 1000000L + ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    while (sem_timedwait(s, &ts) != 0 && errno == EINTR) {}
}

// The main thread of a rank other than 0. alone: no trainer threads, so it trains too.
static void worker_serve(Worker *w, int n_trainers, int alone) {
    MPI_Comm comm = cluster_comm();
    int asked = 0, idle = 0;
    Pending sends = {0};
    int64_t *ids = malloc(CHUNK_MAX * sizeof *ids);
    if (!ids) *w->job->stop = SCHED_STOP_FAILURE;   // out of memory: say BYE at once; the others train its share
    for (;;) {
        int busy = 0;
        for (;;) {   // send every result that is ready
            WireMsg *o = NULL;
            #pragma omp critical(handout)
            {
                if ((o = w->out_head)) {
                    w->out_head = o->next;
                    if (!w->out_head) w->out_tail = NULL;
                }
            }
            if (!o) break;
            MPI_Request *req = pending_add(&sends, o, 0, 0);
            if (req) MPI_Isend(o->data, (int)o->len, MPI_BYTE, 0, TAG_RESULT, comm, req);
            else { MPI_Send(o->data, (int)o->len, MPI_BYTE, 0, TAG_RESULT, comm); free(o); }
            busy = 1;
        }
        pending_reap_sends(&sends);
        int stop = 0, no_more = 0, q_len = 0, last_chunk = 0, running = 0, training = 0, ready = 0;
        #pragma omp critical(handout)
        {
            stop = *w->job->stop;
            no_more = w->no_more;
            q_len = w->q_len;
            last_chunk = w->last_chunk;
            running = w->running;
            training = w->training;
            ready = w->out_head != NULL;
        }
        int draining = (stop || (no_more && q_len == 0)) && running == 0 && !ready;
        if (draining && sends.n == 0) break;
        if (!stop && !no_more && !asked && 2 * q_len <= last_chunk) {
            int want = n_trainers > 0 ? n_trainers : 1;
            MPI_Send(&want, 1, MPI_INT, 0, TAG_REQUEST, comm);
            asked = busy = 1;
        }
        for (;;) {   // every message from rank 0
            int flag = 0;
            MPI_Status st;
            MPI_Iprobe(0, MPI_ANY_TAG, comm, &flag, &st);
            if (!flag) break;
            busy = 1;
            if (st.MPI_TAG == TAG_IDS) {
                int k = 0;
                MPI_Recv(ids, CHUNK_MAX, MPI_INT64_T, 0, TAG_IDS, comm, &st);
                MPI_Get_count(&st, MPI_INT64_T, &k);
                #pragma omp critical(handout)
                {
                    if (k == 0) w->no_more = 1;
                    memcpy(w->queue + w->q_len, ids, (size_t)k * sizeof *ids);
                    w->q_len += k;
                    w->last_chunk = k;
                }
                asked = 0;
            } else {
                MPI_Recv(NULL, 0, MPI_BYTE, 0, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
                if (st.MPI_TAG == TAG_STOP) *w->job->stop = SCHED_STOP_SIGNAL;
            }
        }
        if (alone && !busy) {
            int quit = 0;
            int64_t n = worker_take(w, w->take, &quit);
            if (n > 0) {
                worker_train(w, w->take, n);
                busy = 1;
            }
        }
        int starving = asked && q_len == 0 && (training < running || alone);
        if (busy) {
            idle = 0;
        } else if (starving || draining) {   // a trainer waits for rank 0's answer, or the end is near
            nap(&idle, WORKER_NAP_MIN_US, WORKER_NAP_MAX_US);
        } else {                             // until a trainer has news, polling now and then
            wait_on(&w->wake, sends.n || asked ? WORKER_SENDING_US : WORKER_WAIT_US);
            idle = 0;
        }
    }
    free(ids);
    pending_free(&sends);
    // The last word: BYE, then wait for rank 0's FIN, dropping whatever it sent before.
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_BYE, comm);
    int64_t *scratch = malloc(CHUNK_MAX * sizeof *scratch);
    for (;;) {
        MPI_Status st;
        int flag = 0;
        idle = 0;
        while (!flag) {
            MPI_Iprobe(0, MPI_ANY_TAG, comm, &flag, &st);
            if (!flag) nap(&idle, WORKER_NAP_MIN_US, WORKER_NAP_MAX_US);
        }
        if (st.MPI_TAG == TAG_IDS && scratch) {
            MPI_Recv(scratch, CHUNK_MAX, MPI_INT64_T, 0, TAG_IDS, comm, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(NULL, 0, MPI_BYTE, 0, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
            if (st.MPI_TAG == TAG_FIN) break;
        }
    }
    free(scratch);
}

int sched_work(const SchedJob *job) {
    if (!cluster_wait_announce()) return SWEEP_OK;
    Worker w = {.job = job};
    // The queue holds at most half a chunk when an answer of at most a chunk comes.
    w.queue = malloc(2 * CHUNK_MAX * sizeof *w.queue);
    w.take = malloc(2 * CHUNK_MAX * sizeof *w.take);
    if (sem_init(&w.wake, 0, 0) != 0) MPI_Abort(cluster_comm(), SWEEP_ERR_RUNTIME);
    if (!w.queue || !w.take) *job->stop = SCHED_STOP_FAILURE;   // out of memory: say BYE at once; the others train its share
    #pragma omp parallel num_threads(job->n_threads + 1)
    {
        int n = omp_get_num_threads();
        #pragma omp single
        w.running = n - 1;
        // (single's barrier: every trainer is counted before any leaves)
        if (omp_get_thread_num() == 0) worker_serve(&w, n - 1, n == 1);
        else worker_trainer(&w);
    }
    sem_destroy(&w.wake);
    free(w.queue);
    free(w.take);
    return *job->stop ? SWEEP_ERR_INTERRUPTED : SWEEP_OK;
}
#else
typedef int sched_mpi_unused;  // ISO C wants something in every translation unit
#endif
