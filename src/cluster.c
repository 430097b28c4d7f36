// cluster.c: MPI start-up, agreement and shutdown (see cluster.h). Compiled to nothing
// without SWEEP_MPI. The configs themselves are handed out in sched_mpi.c.
#include "cluster.h"

#ifdef SWEEP_MPI
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sha256.h"
#include "sweep.h"

// Where this rank is in the sequence of collective calls (cluster.h).
typedef enum { C_NONE, C_STARTED, C_AGREED, C_FAILED, C_ANNOUNCED } Phase;

static Phase g_phase = C_NONE;
static int g_rank = 0, g_size = 1;
static MPI_Comm g_comm = MPI_COMM_NULL;

int cluster_init(void) {
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_dup(MPI_COMM_WORLD, &g_comm);
    MPI_Comm_rank(g_comm, &g_rank);
    MPI_Comm_size(g_comm, &g_size);
    g_phase = C_STARTED;
    const char *verbose = getenv("SWEEP_MPI_VERBOSE");
    if (g_rank != 0 && !(verbose && strcmp(verbose, "1") == 0)) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            fflush(stdout);
            fflush(stderr);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
    }
    return g_rank;
}

int cluster_rank(void) { return g_rank; }
int cluster_size(void) { return g_size; }
MPI_Comm cluster_comm(void) { return g_comm; }

// (v3) The task: its code, K and each class's name, and regression's target scaling (the
// whole training part's, each split's, and the unscaled targets the splits scale).
static void task_digest(const Dataset *d, char out[65]) {
    char parts[4][65];
    int64_t head[2] = {(int64_t)d->task, d->n_classes};
    double target[2] = {d->target_offset, d->target_scale};
    sha256_hex(head, sizeof head, parts[0]);
    sha256_hex(target, sizeof target, parts[1]);
    size_t len = 0;   // the class names, each with its NUL
    for (int64_t c = 0; d->class_names && c < d->n_classes; c++) len += strlen(d->class_names[c]) + 1;
    char *names = malloc(len ? len : 1);
    size_t at = 0;
    for (int64_t c = 0; names && d->class_names && c < d->n_classes; c++) {
        size_t n = strlen(d->class_names[c]) + 1;
        memcpy(names + at, d->class_names[c], n);
        at += n;
    }
    sha256_hex(names ? names : "?", names ? len : 1, parts[2]);   // out of memory: a digest no rank matches
    free(names);
    int64_t J = d->n_folds * d->n_repeats;
    if (d->task == TASK_REGRESSION && d->n_folds >= 2 && d->split_target_offset && d->split_target_scale && d->y_raw) {
        char split[3][65];
        sha256_hex(d->split_target_offset, (size_t)J * sizeof(double), split[0]);
        sha256_hex(d->split_target_scale, (size_t)J * sizeof(double), split[1]);
        sha256_hex(d->y_raw, (size_t)(d->n_train + d->n_test) * sizeof(double), split[2]);
        sha256_hex(split, sizeof split, parts[3]);
    } else {
        sha256_hex("", 0, parts[3]);
    }
    sha256_hex(parts, sizeof parts, out);
}

// One hex digest over everything a config's training reads: the spec text and the prepared
// data (split, scaling, the scaled rows themselves, and the folds and unscaled rows of
// cross-validation, whose scaling follows from them; (v3) the task, its classes and target
// scaling).
static void digest(const char *spec_text, size_t spec_len, const Dataset *d, char out[65]) {
    char parts[10][65];
    sha256_hex(spec_text, spec_len, parts[0]);
    sha256_hex(d->train_index, (size_t)d->n_train * sizeof(int64_t), parts[1]);
    sha256_hex(d->test_index, (size_t)d->n_test * sizeof(int64_t), parts[2]);
    sha256_hex(d->X_train, (size_t)(d->n_train * d->n_features) * sizeof(double), parts[3]);
    sha256_hex(d->y_train, (size_t)d->n_train * sizeof(double), parts[4]);
    sha256_hex(d->X_test, (size_t)(d->n_test * d->n_features) * sizeof(double), parts[5]);
    sha256_hex(d->y_test, (size_t)d->n_test * sizeof(double), parts[6]);
    if (d->n_folds >= 2) {
        sha256_hex(d->folds, (size_t)(d->n_repeats * d->n_train) * sizeof(int32_t), parts[7]);
        sha256_hex(d->X_raw, (size_t)((d->n_train + d->n_test) * d->n_features) * sizeof(double), parts[8]);
    } else {   // no folds: the digest of nothing
        sha256_hex("", 0, parts[7]);
        sha256_hex("", 0, parts[8]);
    }
    task_digest(d, parts[9]);
    sha256_hex(parts, sizeof parts, out);
}

int cluster_agree(const char *spec_text, size_t spec_len, const Dataset *d, char *err) {
    // First, whether some rank failed before getting here (it waits in cluster_exit).
    int zero = 0, worst = 0;
    MPI_Allreduce(&zero, &worst, 1, MPI_INT, MPI_MAX, g_comm);
    if (worst != 0) {
        g_phase = C_FAILED;
        return fail(err, worst, "another MPI rank failed while loading the spec or the data");
    }
    char mine[65], root[65];
    digest(spec_text, spec_len, d, mine);
    memcpy(root, mine, sizeof root);
    MPI_Bcast(root, (int)sizeof root, MPI_CHAR, 0, g_comm);
    int differs = strcmp(mine, root) != 0 ? g_rank : g_size, first = g_size;
    MPI_Allreduce(&differs, &first, 1, MPI_INT, MPI_MIN, g_comm);
    if (first < g_size) {
        g_phase = C_FAILED;
        return fail(err, SWEEP_ERR_USAGE,
                    "MPI rank %d loaded a different spec or different data than rank 0 "
                    "(is every file the same on every node?)", first);
    }
    g_phase = C_AGREED;
    return SWEEP_OK;
}

void cluster_announce(int work) {
    if (g_phase != C_AGREED) return;
    MPI_Bcast(&work, 1, MPI_INT, 0, g_comm);
    g_phase = C_ANNOUNCED;
}

int cluster_wait_announce(void) {
    int work = 0;
    MPI_Bcast(&work, 1, MPI_INT, 0, g_comm);
    g_phase = C_ANNOUNCED;
    return work;
}

int cluster_exit(int status) {
    switch (g_phase) {
    case C_NONE:
        return status;
    case C_STARTED: {  // failed (or finished, as a dry run does) before agreeing: match cluster_agree
        int worst = 0;
        MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, g_comm);
        break;
    }
    case C_AGREED:     // rank 0 stopped before handing anything out
        cluster_announce(0);
        /* fall through */
    case C_ANNOUNCED:
        MPI_Bcast(&status, 1, MPI_INT, 0, g_comm);
        break;
    case C_FAILED:
        break;
    }
    MPI_Comm_free(&g_comm);
    MPI_Finalize();
    g_phase = C_NONE;
    return status;
}
#else
typedef int cluster_unused;  // ISO C wants something in every translation unit
#endif
