// main.c: the command line (DESIGN section 1). Validates everything (flags, spec, data,
// grid) before it creates any file, then hands the configs to the scheduler. Its rooms:
// cli (errors and shards, shared with the subcommands), setup (spec -> data -> grid, shared
// with verify) and dryrun (-n).
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cluster.h"
#include "compare.h"
#include "data.h"
#include "dryrun.h"
#include "grid.h"
#include "halving.h"
#include "merge.h"
#include "progress.h"
#include "report.h"
#include "sched.h"
#include "setup.h"
#include "sha256.h"
#include "spec.h"
#include "store.h"
#include "sweep.h"
#include "trajectory.h"
#include "verify.h"

// Set by SIGINT/SIGTERM (SCHED_STOP_SIGNAL) or by the scheduler when nothing more can be saved
// (SCHED_STOP_FAILURE); the one piece of mutable global state, as signals require. A lock-free
// atomic, so signal handlers and threads may both touch it.
static atomic_int g_stop = 0;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be lock-free to be set in a signal handler");

typedef struct {
    const char *spec_path;
    const char *output;
    int n_threads;            // 0: the default
    int dry_run, resume, force, quiet;
    int64_t shard_k, shard_n;
    int shard_given;
    const char *sets[256];    // --set KEY=VALUE, in order (pointers into argv)
    int n_sets;
} Options;

static const char USAGE[] =
    "usage: sweep [OPTIONS] SPEC.yaml\n"
    "       sweep report [--top K] [--by AXIS...] [--metric M] [--alpha A] [--csv | --html OUT.html] FILE.h5\n"
    "       sweep compare [--by AXIS] [--where AXIS=V]... [--metric M] [--alpha A] [--rope R] [--csv] FILE.h5\n"
    "       sweep merge [--force] [--allow-partial] OUT.h5 PART.h5...\n"
    "       sweep verify [--sample K] [--seed S] [-j N] FILE.h5\n"
    "\n"
    "Train one small network per config of the spec's grid, in parallel, into one HDF5 file.\n"
    "\n"
    "  -o, --output PATH   results file (default: the spec's `output`, else results/<spec stem>.h5)\n"
    "  -j, --threads N     worker threads (default: OMP_NUM_THREADS, else every core)\n"
    "  -n, --dry-run       validate; print the grid, a preview, the work and file size; write nothing\n"
    "      --resume        continue an interrupted sweep in PATH: keep finished configs, run the rest\n"
    "      --force         replace an existing results file\n"
    "      --shard K/N     run only configs with id % N == K (0-based), for job arrays\n"
    "      --set KEY=VALUE override one spec key (repeatable): --set grid.hidden_dim=[8,16]\n"
    "  -q, --quiet         no progress display\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "Exit status: 0 all configs finished, 1 runtime failure, 2 bad usage or spec,\n"
    "130 interrupted (every finished config saved; --resume continues).\n";

static void on_signal(int sig) {
    if (g_stop == SCHED_STOP_SIGNAL) _exit(SWEEP_ERR_INTERRUPTED);  // second signal: stop now; the file stays readable
    g_stop = SCHED_STOP_SIGNAL;
}


// Returns -1 to go on, else the exit status.
static int parse_args(int argc, char **argv, Options *o) {
    enum { OPT_RESUME = 256, OPT_FORCE, OPT_SHARD, OPT_SET };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"threads", required_argument, 0, 'j'},
        {"dry-run", no_argument, 0, 'n'},      {"resume", no_argument, 0, OPT_RESUME},
        {"force", no_argument, 0, OPT_FORCE},  {"shard", required_argument, 0, OPT_SHARD},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},      {"set", required_argument, 0, OPT_SET},
        {0, 0, 0, 0}};
    *o = (Options){.shard_k = 0, .shard_n = 1};
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:j:nqhV", longopts, NULL)) != -1) {
        int64_t v;
        switch (ch) {
        case 'o': o->output = optarg; break;
        case 'j':
            if (sweep_parse_int(optarg, 1, 4096, &v))
                return cli_usage(NULL, "-j: expected a thread count from 1 to 4096, found \"%s\"", optarg);
            o->n_threads = (int)v;
            break;
        case 'n': o->dry_run = 1; break;
        case 'q': o->quiet = 1; break;
        case OPT_RESUME: o->resume = 1; break;
        case OPT_FORCE: o->force = 1; break;
        case OPT_SHARD:
            if (cli_parse_shard(optarg, &o->shard_k, &o->shard_n))
                return cli_usage(NULL, "--shard: expected K/N with 0 <= K < N, found \"%s\"", optarg);
            o->shard_given = 1;
            break;
        case OPT_SET:
            if (o->n_sets == (int)(sizeof o->sets / sizeof o->sets[0]))
                return cli_usage(NULL, "--set: expected at most %s overrides", "256");
            o->sets[o->n_sets++] = optarg;
            break;
        case 'h': fputs(USAGE, stdout); return SWEEP_OK;
        case 'V': printf("sweep %s\n", SWEEP_VERSION); return SWEEP_OK;
        case ':': return cli_usage(NULL, "%s: expected a value", argv[optind - 1]);
        default: return cli_usage(NULL, "%s: unknown option", argv[optind - 1]);
        }
    }
    if (o->resume && o->force) return cli_usage(NULL, "%s", "--resume and --force contradict each other");
    if (optind == argc) return cli_usage(NULL, "%s", "expected a spec file");
    if (optind + 1 < argc) return cli_usage(NULL, "unexpected argument \"%s\"", argv[optind + 1]);
    o->spec_path = argv[optind];
    return -1;
}

// The command line as one string, for the file's `command` attribute.
static char *join_argv(int argc, char **argv) {
    size_t n = 1;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 3;
    char *s = malloc(n);
    if (!s) return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        int quote = strpbrk(argv[i], " \t") != NULL;
        if (i) strcat(s, " ");
        if (quote) strcat(s, "'");
        strcat(s, argv[i]);
        if (quote) strcat(s, "'");
    }
    return s;
}

// results/<stem>.h5 for a spec at .../<stem>.yaml
static char *default_output(const char *spec_path) {
    char *stem = spec_stem(spec_path);
    char *out = stem ? malloc(strlen(stem) + 16) : NULL;
    if (out) sprintf(out, "results/%s.h5", stem);
    free(stem);
    return out;
}

// The output's directory must exist (the default results/ is made on demand).
static int check_output_dir(const char *path, int is_default, char *err) {
    struct stat pb;
    if (path[0] == '\0') return fail(err, SWEEP_ERR_USAGE, "-o: expected a file path, found \"\"");
    if (stat(path, &pb) == 0 && S_ISDIR(pb.st_mode))
        return fail(err, SWEEP_ERR_USAGE, "%s: is a directory; expected a results file path like %s/results.h5",
                    path, path);
    char *dir = strdup(path);
    if (!dir) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    char *slash = strrchr(dir, '/');
    int rc = SWEEP_OK;
    if (slash) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        struct stat sb;
        if (stat(dir, &sb) != 0 && is_default && errno == ENOENT) mkdir(dir, 0777);
        if (stat(dir, &sb) != 0)
            rc = fail(err, SWEEP_ERR_RUNTIME, "%s: output directory %s: %s", path, dir, strerror(errno));
        else if (!S_ISDIR(sb.st_mode))
            rc = fail(err, SWEEP_ERR_RUNTIME, "%s: %s is not a directory", path, dir);
        else if (access(dir, W_OK) != 0)
            rc = fail(err, SWEEP_ERR_RUNTIME, "%s: output directory %s is not writable: %s", path, dir, strerror(errno));
    }
    free(dir);
    return rc;
}

// Print an error line and return its status.
static int print_error(int rc, const char *err) {
    fprintf(stderr, "sweep: %s\n", err);
    return rc;
}

// A runtime failure after configs were committed: the error and what is safe. Returns 1.
static int print_failure(const char *err, int64_t saved) {
    fprintf(stderr, "sweep: %s\nsweep: %lld configs committed before the failure are safe; "
            "fix the cause and run again with --resume\n", err, (long long)saved);
    return SWEEP_ERR_RUNTIME;
}

typedef struct {
    Spec spec;
    Table table;
    Dataset data;
    Grid grid;
    int64_t *todo;
    uint8_t *status;
    char *output, *command;
} Sweep;

static void sweep_free(Sweep *w) {
    spec_free(&w->spec);
    data_free_table(&w->table);
    data_free(&w->data);
    grid_free(&w->grid);
    free(w->todo);
    free(w->status);
    free(w->output);
    free(w->command);
}

// Everything that can be wrong with the input is found here, before any file is touched.
static int sweep_prepare(Sweep *w, const Options *o, char *err) {
    int rc = spec_load_with(&w->spec, o->spec_path, o->sets, o->n_sets, err);
    if (rc) return rc;
    const Spec *s = &w->spec;
    SetupStep step;
    if ((rc = setup_check_source(s, err)) || (rc = setup_build(s, &w->table, &w->data, &w->grid, &step, err)))
        return rc;
    int is_default = !o->output && !s->output;
    w->output = o->output ? strdup(o->output) : s->output ? strdup(s->output) : default_output(o->spec_path);
    w->todo = malloc((size_t)w->grid.n_configs * sizeof(int64_t));
    w->status = calloc((size_t)w->grid.n_configs, 1);
    if (!w->output || !w->todo || !w->status) return fail(err, SWEEP_ERR_RUNTIME, "out of memory");
    if (!o->dry_run && (rc = check_output_dir(w->output, is_default, err))) return rc;
    return SWEEP_OK;
}

// A resumed file keeps its shard: --shard may repeat it, not change it.
static int resume_shard(Options *o, const char *file_shard, const char *path, char *err) {
    int64_t k, n;
    if (cli_parse_shard(file_shard, &k, &n) != 0)
        return fail(err, SWEEP_ERR_USAGE, "%s: its shard attribute \"%s\" is not K/N", path, file_shard);
    if (o->shard_given && (k != o->shard_k || n != o->shard_n))
        return fail(err, SWEEP_ERR_USAGE, "%s: holds shard %s; --shard %lld/%lld cannot resume it", path, file_shard,
                    (long long)o->shard_k, (long long)o->shard_n);
    o->shard_k = k;
    o->shard_n = n;
    return SWEEP_OK;
}

// For --dry-run --resume: the statuses (and shard) of the file as it is; a file that is
// missing or of another grid leaves every config pending (the real run will say why).
static void read_statuses(Sweep *w, Options *o) {
    char shard[32];
    if (store_peek(w->output, w->grid.n_configs, w->status, shard, sizeof shard) == SWEEP_OK && !o->shard_given)
        cli_parse_shard(shard, &o->shard_k, &o->shard_n);
}

// Halving decides between settings from all their replicates: it needs the whole sweep in
// one process.
static int halving_allowed(const Spec *s, const Options *o, char *err) {
    char where[256];
    spec_where(s, s->halving.loc, where, sizeof where);
    if (o->shard_given && o->shard_n > 1)
        return fail(err, SWEEP_ERR_USAGE, "%s: halving: cannot run with --shard %lld/%lld: it decides between "
                    "settings from all their replicates, so it needs the whole sweep in one process", where,
                    (long long)o->shard_k, (long long)o->shard_n);
#ifdef SWEEP_MPI
    if (cluster_size() > 1)
        return fail(err, SWEEP_ERR_USAGE, "%s: halving: runs in one process, not over %d MPI ranks; run it without "
                    "mpirun", where, cluster_size());
#endif
    return SWEEP_OK;
}

// The configs this run trains: its shard's, less those already finished.
static int64_t collect_todo(Sweep *w, const Options *o) {
    int64_t n = 0;
    for (int64_t id = 0; id < w->grid.n_configs; id++) {
        if (id % o->shard_n != o->shard_k) continue;
        if (w->status[id] != STATUS_PENDING && w->status[id] != STATUS_FAILED) continue;   // failed: retried
        w->todo[n++] = id;
    }
    return n;
}

static int run(int argc, char **argv) {
#ifdef SWEEP_MPI
    cluster_init();
#endif
    Options o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    char err[ERR_LEN];
    Sweep w;
    memset(&w, 0, sizeof w);
    if ((rc = sweep_prepare(&w, &o, err))) {   // each of these names its file (and line:col) first
        fprintf(stderr, "%s\n", err);
        sweep_free(&w);
        return rc;
    }
    int n_threads = o.n_threads ? o.n_threads : sched_default_threads();
    if (w.spec.halving.enabled && (rc = halving_allowed(&w.spec, &o, err))) {
        fprintf(stderr, "%s\n", err);
        sweep_free(&w);
        return rc;
    }

    if (o.dry_run) {
        if (o.resume) read_statuses(&w, &o);   // preview what a resume would train
        int64_t n_todo = collect_todo(&w, &o);
        dryrun_print(&w.spec, &w.data, &w.grid, w.todo, n_todo, w.output, n_threads, w.table.label_name);
        sweep_free(&w);
        return SWEEP_OK;
    }

    char sha[65], host[256] = "unknown", shard[64];
    sha256_hex(w.spec.text, w.spec.text_len, sha);
    gethostname(host, sizeof host - 1);
    snprintf(shard, sizeof shard, "%lld/%lld", (long long)o.shard_k, (long long)o.shard_n);
    w.command = join_argv(argc, argv);
    StoreMeta meta = {
        .name = w.spec.name, .spec_text = w.spec.text, .spec_sha256 = sha, .command = w.command ? w.command : "sweep",
        .host = host, .shard = shard, .source = w.spec.data.source_given,
        .test_fraction = w.spec.data.test_fraction, .split_seed = w.spec.data.split_seed,
        .scale = w.spec.data.scale, .save_initial_weights = w.spec.save_initial_weights};

    sweep_install_signals(on_signal);
#ifdef SWEEP_MPI
    if ((rc = cluster_agree(w.spec.text, w.spec.text_len, &w.data, err)) ||
        (rc = sched_cluster_check(&w.grid, w.data.n_features, train_task_of(&w.data).n_out, err))) {
        sweep_free(&w);
        return print_error(rc, err);
    }
    if (cluster_rank() != 0) {   // rank 0 alone writes the file; the others train what it hands out
        SchedJob job = {.grid = &w.grid, .data = &w.data, .n_threads = n_threads, .stop = &g_stop};
        rc = sched_work(&job);
        sweep_free(&w);
        return rc;
    }
#endif
    Store store;
    rc = o.resume ? store_resume(&store, w.output, sha, &w.grid, &w.data, w.status, err)
                  : store_create(&store, w.output, o.force, &meta, &w.grid, &w.data, err);
    if (rc) { sweep_free(&w); return print_error(rc, err); }
    if (o.resume && (rc = resume_shard(&o, store.shard, w.output, err))) {
        store_abandon(&store);
        sweep_free(&w);
        return print_error(rc, err);
    }
    int64_t n_todo = collect_todo(&w, &o);
    if (o.resume && n_todo == 0) {
        // Killed, or failed, between its last commit and its end: finish the end (seed
        // statistics, status), unless the file is complete already, derived data included.
        int complete = 0;
        rc = store_is_complete(&store, &complete, err);
        if (rc == SWEEP_OK && !complete) rc = store_close(&store, "complete", err);
        else store_abandon(&store);
        if (rc) { sweep_free(&w); return print_error(rc, err); }
        fprintf(stderr, "sweep: %s: every config is already finished; %s\n", w.output,
                complete ? "nothing to do" : "marked it complete");
        sweep_free(&w);
        return SWEEP_OK;
    }
    if (o.resume && (rc = store_set_status(&store, "running", err))) {
        store_abandon(&store);
        sweep_free(&w);
        return print_error(rc, err);
    }
    Trajectories units;
    HalvingPlan plan;
    memset(&plan, 0, sizeof plan);
    int halving = w.spec.halving.enabled;
    if (trajectory_group(&units, &w.grid, &w.data, w.todo, n_todo) != 0 ||
        (halving && halving_plan(&plan, &w.spec, &w.grid) != 0)) {
        trajectory_free(&units);
        store_abandon(&store);
        sweep_free(&w);
        return print_error(SWEEP_ERR_RUNTIME, "out of memory grouping the configs");
    }
    double work = trajectory_total_flops(&units);
    if (halving)   // every replicate of a live setting trains each rung's epochs
        work *= (double)halving_epochs(&plan) / ((double)w.grid.n_configs * (double)plan.epochs);
    Progress progress;
    progress_init(&progress, stderr, !o.quiet, n_todo, work);
    if (!o.quiet) {
        char task[512];
        dryrun_task_text(&w.data, w.table.label_name, task, sizeof task);
        fprintf(stderr, "sweep: %lld configs on %d thread%s -> %s\n", (long long)n_todo, n_threads,
                n_threads == 1 ? "" : "s", w.output);
        fprintf(stderr, "sweep: task %s\n", task);
    }
    SchedJob job = {.grid = &w.grid, .data = &w.data, .store = &store, .progress = &progress,
                    .units = &units, .n_todo = n_todo, .n_threads = n_threads, .stop = &g_stop};
    rc = halving ? sched_run_halving(&job, &plan, w.status, err) : sched_run(&job, err);
    progress_finish(&progress);
    trajectory_free(&units);
    halving_free(&plan);

    if (rc == SWEEP_ERR_RUNTIME) {
        store_abandon(&store);
        print_failure(err, store.n_published);
    } else if (rc == SWEEP_ERR_INTERRUPTED) {
        int rc2 = store_close(&store, "interrupted", err);
        if (rc2) print_error(rc2, err);
        fprintf(stderr, "sweep: interrupted; %lld of %lld configs saved in %s; --resume continues\n",
                (long long)progress.done, (long long)n_todo, w.output);
    } else {
        int failed = progress.failed > 0;
        int rc2 = store_close(&store, failed ? "interrupted" : "complete", err);
        if (rc2) rc = print_failure(err, store.n_published);
        else if (failed) {
            fprintf(stderr, "sweep: %lld configs failed (out of memory); --resume retries them\n",
                    (long long)progress.failed);
            rc = SWEEP_ERR_RUNTIME;
        } else if (!o.quiet) {
            char pruned[48] = "";
            if (progress.pruned) snprintf(pruned, sizeof pruned, ", %lld pruned", (long long)progress.pruned);
            fprintf(stderr, "sweep: %lld configs in %.1f s (%lld diverged%s) -> %s\n", (long long)n_todo,
                    progress_elapsed(&progress), (long long)progress.diverged, pruned, w.output);
        }
    }
    sweep_free(&w);
    return rc;
}

int main(int argc, char **argv) {
    // Subcommands come first; anything else is a sweep.
    if (argc > 1 && strcmp(argv[1], "report") == 0) return report_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "merge") == 0) return merge_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "compare") == 0) return compare_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "verify") == 0) return verify_main(argc - 1, argv + 1);
#ifdef SWEEP_MPI
    return cluster_exit(run(argc, argv));   // every rank exits with rank 0's status
#else
    return run(argc, argv);
#endif
}
