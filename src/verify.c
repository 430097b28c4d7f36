// verify.c: `sweep verify FILE.h5` (see verify.h). Rebuilds the sweep from the file's own
// spec and data (spec, data, grid), checks the file's /configs and /data against them, draws
// the sample from a stream keyed by --seed (rng), retrains it in blocks on -j threads (train,
// sched) and compares each config with the file in id order, stopping at the first
// difference. What is compared is what the file has: the datasets under /curves and the
// weights groups, and the members of the /configs and /summary compounds, looked up by name.
#include "verify.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "data.h"
#include "grid.h"
#include "mlp.h"
#include "rng.h"
#include "sched.h"
#include "setup.h"
#include "spec.h"
#include "store.h"
#include "sweep.h"
#include "train.h"

#define DEFAULT_SAMPLE 16
#define BLOCK_PER_THREAD 4      // configs retrained at once per thread
#define SLICE 4096              // /configs rows read at once
#define MAX_SETS 64             // datasets under /curves, or in one weights group
#define WHERE_LEN 256

static const char USAGE[] =
    "usage: sweep verify [--sample K] [--seed S] [-j N] [--data CSV] FILE.h5\n"
    "\n"
    "Retrain a sample of the finished configs of a results file with the file's own spec and\n"
    "data, and compare curves, weights and summaries with the file, bitwise.\n"
    "\n"
    "  --sample K       how many finished configs to retrain (default 16); `all` for every one\n"
    "  --seed S         which sample: the same S draws the same configs (default 0)\n"
    "  -j, --threads N  threads (default: OMP_NUM_THREADS, else every core)\n"
    "      --data CSV   the data file, when the spec's CSV source is not where it says\n"
    "  -h, --help       show this help\n"
    "\n"
    "Exit status: 0 identical, 1 a config differs (the first is named, with where),\n"
    "2 bad usage or a file that cannot be verified.\n";

typedef struct {
    const char *path, *data_path;
    int64_t sample;           // -1: all
    uint64_t seed;
    int n_threads;
} VerifyOptions;

typedef struct {
    char name[64];
    int curve;                // index into the Run's curves
} CurveSet;

typedef struct {
    const VerifyOptions *o;
    hid_t file;
    Spec spec;
    Table table;
    Dataset data;
    Grid grid;
    CurveSet curves[MAX_SETS];
    int n_curves;
    Task task;                // (v3) the file's task (binary for version 1 and 2): names and shapes
    int has_initial;
    char err[ERR_LEN];
} Verify;

static int usage(const char *fmt, const char *arg) {
    fprintf(stderr, "sweep verify: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see sweep verify --help)\n");
    return SWEEP_ERR_USAGE;
}


// -1 to go on, else the exit status.
static int parse_args(int argc, char **argv, VerifyOptions *o) {
    enum { OPT_SAMPLE = 256, OPT_SEED, OPT_DATA };
    static const struct option longopts[] = {
        {"sample", required_argument, 0, OPT_SAMPLE}, {"seed", required_argument, 0, OPT_SEED},
        {"threads", required_argument, 0, 'j'},       {"data", required_argument, 0, OPT_DATA},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0}};
    *o = (VerifyOptions){.sample = DEFAULT_SAMPLE};
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":j:h", longopts, NULL)) != -1) {
        int64_t v;
        switch (ch) {
        case OPT_SAMPLE:
            if (strcmp(optarg, "all") == 0) o->sample = -1;
            else if (sweep_parse_int(optarg, 1, INT64_MAX, &o->sample))
                return usage("--sample: expected a count of configs >= 1 or \"all\", found \"%s\"", optarg);
            break;
        case OPT_SEED:
            if (sweep_parse_int(optarg, 0, INT64_MAX, &v)) return usage("--seed: expected an integer >= 0, found \"%s\"", optarg);
            o->seed = (uint64_t)v;
            break;
        case 'j':
            if (sweep_parse_int(optarg, 1, 4096, &v)) return usage("-j: expected a thread count from 1 to 4096, found \"%s\"", optarg);
            o->n_threads = (int)v;
            break;
        case OPT_DATA: o->data_path = optarg; break;
        case 'h': fputs(USAGE, stdout); return SWEEP_OK;
        case ':': return usage("%s: expected a value", argv[optind - 1]);
        default: return usage("%s: unknown option", argv[optind - 1]);
        }
    }
    if (optind == argc) return usage("%s", "expected a results file");
    if (optind + 1 < argc) return usage("unexpected argument \"%s\"", argv[optind + 1]);
    o->path = argv[optind];
    if (!o->n_threads) o->n_threads = sched_default_threads();
    return -1;
}

// ---------------------------------------------------------------------------------------
// The sweep, rebuilt from the file.

static int cannot(Verify *v, const char *fmt, const char *arg) {
    char what[ERR_LEN];
    snprintf(what, sizeof what, fmt, arg);
    return fail(v->err, SWEEP_ERR_USAGE, "%s: %s", v->o->path, what);
}

// The spec's CSV path as sweep resolved it (relative to the spec file) is not known here: it
// is looked for relative to the results file's folder, then to the working directory.
static int find_source(Verify *v) {
    Spec *s = &v->spec;
    if (v->o->data_path) {
        free(s->data.source);
        s->data.source = strdup(v->o->data_path);
        if (!s->data.source) return fail(v->err, SWEEP_ERR_USAGE, "out of memory");
        if (access(s->data.source, R_OK) != 0)
            return fail(v->err, SWEEP_ERR_USAGE, "--data: cannot read \"%s\": %s", s->data.source, strerror(errno));
        return SWEEP_OK;
    }
    if (data_is_builtin(s->data.source) || access(s->data.source, R_OK) == 0) return SWEEP_OK;
    if (s->data.source_given[0] != '/' && access(s->data.source_given, R_OK) == 0) {
        free(s->data.source);
        s->data.source = strdup(s->data.source_given);
        return s->data.source ? SWEEP_OK : fail(v->err, SWEEP_ERR_USAGE, "out of memory");
    }
    return fail(v->err, SWEEP_ERR_USAGE, "%s: its data source \"%s\" is neither at %s nor in the working directory; "
                "pass --data CSV", v->o->path, s->data.source_given, s->data.source);
}

static int rebuild(Verify *v) {
    char *text = h5util_attr_get(v->file, "spec");
    if (!text) return cannot(v, "%s", "no `spec` attribute: not written by sweep, or damaged");
    // Spec errors then read "FILE.h5:spec:line:col: ...", and a relative CSV path resolves
    // against the file's folder.
    char *name = malloc(strlen(v->o->path) + 8);
    int rc = name ? SWEEP_OK : fail(v->err, SWEEP_ERR_USAGE, "out of memory");
    if (name) sprintf(name, "%s:spec", v->o->path);
    char why[ERR_LEN];
    if (rc == SWEEP_OK && spec_parse(&v->spec, name, text, strlen(text), why) != SWEEP_OK)
        rc = fail(v->err, SWEEP_ERR_USAGE, "%s (the file's own spec)", why);
    free(name);
    free(text);
    if (rc == SWEEP_OK) rc = find_source(v);
    const Spec *s = &v->spec;
    SetupStep step;
    if (rc == SWEEP_OK && setup_build(s, &v->table, &v->data, &v->grid, &step, why) != SWEEP_OK)
        rc = step == SETUP_TABLE ? fail(v->err, SWEEP_ERR_USAGE, "%s: cannot load its data: %s", v->o->path, why)
                                 : fail(v->err, SWEEP_ERR_USAGE, "%s: %s", v->o->path, why);
    char held[512], now[512];
    if (rc == SWEEP_OK && !store_task_matches(v->file, &v->data, held, sizeof held)) {
        store_task_describe(v->data.task, v->data.task == TASK_REGRESSION ? 0 : v->data.n_classes, v->data.class_names,
                            now, sizeof now);
        rc = fail(v->err, SWEEP_ERR_USAGE, "%s: holds task %s, but its spec and %s give task %s", v->o->path, held,
                  s->data.source, now);
    }
    if (rc == SWEEP_OK && !store_data_matches(v->file, &v->data))
        rc = fail(v->err, SWEEP_ERR_USAGE, "%s: %s is not the data this file was written with (its split or scaling "
                  "differs)", v->o->path, s->data.source);
    return rc;
}

static int64_t rows_of(hid_t file, const char *name) {
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    int64_t n = H5Sget_simple_extent_ndims(sp) >= 1 ? (int64_t)H5Sget_simple_extent_npoints(sp) : -1;
    if (H5Sget_simple_extent_ndims(sp) == 2) {
        hsize_t dims[2];
        H5Sget_simple_extent_dims(sp, dims, NULL);
        n = (int64_t)dims[0];
    }
    H5Sclose(sp);
    H5Dclose(d);
    return n;
}

static herr_t add_curve(hid_t group, const char *name, const H5L_info_t *info, void *arg) {
    (void)info;
    Verify *v = arg;
    hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
    if (d < 0) return 0;   // not a dataset
    hid_t sp = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(sp);
    H5Sclose(sp);
    H5Dclose(d);
    if (rank != 2) return 0;   // the dimension scales config and epoch
    int c = -1;
    for (int i = 0; i < N_CURVES; i++)   // named by the file's task (train_acc or train_r2)
        if (strcmp(train_curve_name(i, v->task == TASK_REGRESSION), name) == 0) c = i;
    if (c < 0 || v->n_curves == MAX_SETS || strlen(name) >= sizeof v->curves[0].name) {
        cannot(v, "/curves/%s: not a curve this version of sweep computes", name);
        return -1;
    }
    snprintf(v->curves[v->n_curves].name, sizeof v->curves[0].name, "%s", name);
    v->curves[v->n_curves++].curve = c;
    return 0;
}

// ---------------------------------------------------------------------------------------
// Comparisons. Each returns 0 (same), 1 (differs: v->err names where) or 2 (cannot verify).

static void show(char *out, size_t n, const double *x) {
    if (!x) snprintf(out, n, "(nothing)");
    else if (isnan(*x)) snprintf(out, n, "nan");
    else snprintf(out, n, "%.17g", *x);
}

static int differs_at(Verify *v, int64_t id, const char *where, const double *got, const double *want) {
    char a[64], b[64];
    show(a, sizeof a, got);
    show(b, sizeof b, want);
    fail(v->err, 1, "%s: config %lld differs: %s: file %s, retrained %s", v->o->path, (long long)id, where, a, b);
    return 1;
}

static int same_bits(const double *a, const double *b) { return memcmp(a, b, sizeof *a) == 0; }

// The members of the file's compound `dataset` must all be in the memory type mem; then row
// `row` of it, read as mem, must match want at every member the file has but `skip`.
static int compare_row(Verify *v, int64_t id, const char *dataset, hid_t mem, int64_t row, const void *want,
                       size_t size, const char *skip) {
    hid_t d = H5Dopen2(v->file, dataset, H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    int rc = ft < 0 || H5Tget_class(ft) != H5T_COMPOUND ? cannot(v, "/%s: missing or not a table", dataset) : 0;
    unsigned char *got = rc ? NULL : calloc(1, size);
    if (!rc && !got) rc = cannot(v, "%s", "out of memory");
    int n = rc ? 0 : H5Tget_nmembers(ft);
    for (int i = 0; i < n && !rc; i++) {
        char *name = H5Tget_member_name(ft, (unsigned)i);
        if (H5Tget_member_index(mem, name) < 0) {
            char what[128];
            snprintf(what, sizeof what, "/%s has a column \"%s\" this version of sweep does not write", dataset, name);
            rc = cannot(v, "%s", what);
        }
        H5free_memory(name);
    }
    if (!rc && h5util_read_slice(v->file, dataset, mem, row, 1, got) != 0) rc = cannot(v, "cannot read /%s", dataset);
    for (int i = 0; i < n && !rc; i++) {
        char *name = H5Tget_member_name(ft, (unsigned)i);
        int k = H5Tget_member_index(mem, name);
        size_t off = H5Tget_member_offset(mem, (unsigned)k);
        hid_t mt = H5Tget_member_type(mem, (unsigned)k);
        size_t len = H5Tget_size(mt);
        if (strcmp(name, skip) != 0 && memcmp(got + off, (const unsigned char *)want + off, len) != 0) {
            char where[WHERE_LEN];
            snprintf(where, sizeof where, "/%s[%lld].%s", dataset, (long long)row, name);
            if (H5Tget_class(mt) == H5T_FLOAT && len == sizeof(double)) {
                double a, b;
                memcpy(&a, got + off, sizeof a);
                memcpy(&b, (const unsigned char *)want + off, sizeof b);
                rc = differs_at(v, id, where, &a, &b);
            } else {
                long long a = 0, b = 0;
                if (len == 1) { a = *(const int8_t *)(got + off); b = *((const int8_t *)want + off); }
                else if (len == 8) { memcpy(&a, got + off, 8); memcpy(&b, (const unsigned char *)want + off, 8); }
                fail(v->err, 1, "%s: config %lld differs: %s: file %lld, retrained %lld", v->o->path, (long long)id,
                     where, a, b);
                rc = 1;
            }
        }
        H5Tclose(mt);
        H5free_memory(name);
    }
    free(got);
    if (ft >= 0) H5Tclose(ft);
    if (d >= 0) H5Dclose(d);
    return rc;
}

// Every /configs row against the spec's grid (cheap, and a changed row means every retrained
// result would be judged against the wrong config).
static int compare_configs(Verify *v) {
    int64_t n = v->grid.n_configs, n_file = 0;
    ConfigRow *got = NULL;
    SummaryRow *summary = NULL;
    char why[ERR_LEN];
    // Whole, names included (store_read_tables reads the name columns as their codes).
    if (store_read_tables(v->file, &got, &summary, &n_file, why) != SWEEP_OK) return cannot(v, "%s", why);
    free(summary);
    hid_t mem = store_config_type();
    int rc = n_file == n ? 0 : cannot(v, "%s", "/configs does not hold the spec's configs");
    for (int64_t i = 0; i < n && !rc; i++) {
        ConfigRow want;
        store_config_row(&want, &v->grid.configs[i]);
        if (memcmp(&want, &got[i], sizeof want) != 0)   // both zeroed, then filled: padding agrees
            rc = compare_row(v, i, "configs", mem, i, &want, sizeof want, "");
    }
    H5Tclose(mem);
    free(got);
    return rc;
}

// Row `row` of a dataset of float64 whose other dimensions are read whole: n values.
static int read_doubles(hid_t d, int64_t row, double *out, int64_t n, hsize_t *dims, int *rank) {
    hid_t fsp = H5Dget_space(d);
    *rank = H5Sget_simple_extent_ndims(fsp);
    if (*rank < 1 || *rank > 3) { H5Sclose(fsp); return -1; }
    H5Sget_simple_extent_dims(fsp, dims, NULL);
    hsize_t off[3] = {(hsize_t)row, 0, 0}, cnt[3] = {1, 1, 1};
    int64_t total = 1;
    for (int i = 1; i < *rank; i++) { cnt[i] = dims[i]; total *= (int64_t)dims[i]; }
    herr_t rc = -1;
    if (total == n && (hsize_t)row < dims[0]) {
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
        hid_t msp = H5Screate_simple(*rank, cnt, NULL);
        rc = H5Dread(d, H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, out);
        H5Sclose(msp);
    }
    H5Sclose(fsp);
    return rc < 0 ? -1 : 0;
}

static void where_index(char *out, size_t n, const char *dataset, int64_t row, int64_t flat, const hsize_t *dims, int rank) {
    if (rank == 1) { snprintf(out, n, "%s[%lld]", dataset, (long long)row); return; }
    if (rank == 2) { snprintf(out, n, "%s[%lld, %lld]", dataset, (long long)row, (long long)flat); return; }
    snprintf(out, n, "%s[%lld, %lld, %lld]", dataset, (long long)row, (long long)(flat / (int64_t)dims[2]),
             (long long)(flat % (int64_t)dims[2]));
}

static int compare_curves(Verify *v, const Config *c, const Run *r, double *buf) {
    int64_t E = r->hyper.epochs;   // the config's, or a pruned config's epochs_run
    for (int s = 0; s < v->n_curves; s++) {
        char name[128];
        snprintf(name, sizeof name, "curves/%s", v->curves[s].name);
        hid_t d = H5Dopen2(v->file, name, H5P_DEFAULT);
        hsize_t dims[3];
        int rank = 0;
        int bad = d < 0 || read_doubles(d, c->id, buf, v->grid.max_epochs, dims, &rank) != 0;
        if (d >= 0) H5Dclose(d);
        if (bad) return cannot(v, "cannot read /%s", name);
        for (int64_t e = 0; e < v->grid.max_epochs; e++) {
            // Past the config's epochs the file holds its fill, NaN.
            int same = e < E ? same_bits(&buf[e], &r->curves[v->curves[s].curve][e]) : isnan(buf[e]);
            if (!same) {
                char where[WHERE_LEN], slash[130];
                snprintf(slash, sizeof slash, "/%s", name);
                where_index(where, sizeof where, slash, c->id, e, dims, 2);
                return differs_at(v, c->id, where, &buf[e], e < E ? &r->curves[v->curves[s].curve][e] : NULL);
            }
        }
    }
    return 0;
}

typedef struct {
    Verify *v;
    const Config *c;
    const Mlp *m;
    const char *group;        // "weights/hidden_H" or "initial_weights/hidden_H"
    double *buf;
    int rc;
} WeightsCheck;

static herr_t compare_weight_set(hid_t group, const char *name, const H5L_info_t *info, void *arg) {
    (void)info;
    WeightsCheck *w = arg;
    Verify *v = w->v;
    const Mlp *m = w->m;
    char where[WHERE_LEN];
    snprintf(where, sizeof where, "/%s/%s", w->group, name);
    hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
    if (d < 0) { w->rc = cannot(v, "cannot read %s", where); return -1; }
    if (strcmp(name, "config_id") == 0) {
        int64_t id = -1;
        int rc = h5util_read_slice(v->file, where + 1, H5T_NATIVE_INT64, w->c->weights_row, 1, &id);
        H5Dclose(d);
        if (rc != 0) { w->rc = cannot(v, "cannot read %s", where); return -1; }
        if (id != w->c->id) {
            char at[WHERE_LEN + 32];
            snprintf(at, sizeof at, "%s[%lld]", where, (long long)w->c->weights_row);
            fail(v->err, 1, "%s: config %lld differs: %s: file %lld, retrained %lld", v->o->path, (long long)w->c->id, at,
                 (long long)id, (long long)w->c->id);
            w->rc = 1;
            return -1;
        }
        return 0;
    }
    int p = 0;
    while (p < MLP_N_PARAMS && strcmp(name, MLP_PARAM_NAMES[p]) != 0) p++;
    if (p == MLP_N_PARAMS) {
        H5Dclose(d);
        w->rc = cannot(v, "%s: not a weight this version of sweep computes", where);
        return -1;
    }
    const double *want = mlp_param(m, p);
    int64_t n = mlp_param_count(p, m->n_in, m->n_hidden, m->n_out);   // O outputs
    hsize_t dims[3];
    int rank = 0;
    int bad = read_doubles(d, w->c->weights_row, w->buf, n, dims, &rank) != 0;
    H5Dclose(d);
    if (bad) { w->rc = cannot(v, "cannot read %s (or not the shape its config has)", where); return -1; }
    for (int64_t i = 0; i < n; i++)
        if (!same_bits(&w->buf[i], &want[i])) {
            char at[WHERE_LEN + 64];
            where_index(at, sizeof at, where, w->c->weights_row, i, dims, rank);
            w->rc = differs_at(v, w->c->id, at, &w->buf[i], &want[i]);
            return -1;
        }
    return 0;
}

static int compare_weights(Verify *v, const Config *c, const Mlp *m, const char *top, double *buf) {
    char group[96];
    snprintf(group, sizeof group, "%s/hidden_%lld", top, (long long)c->hyper.hidden_dim);
    hid_t g = H5Gopen2(v->file, group, H5P_DEFAULT);
    if (g < 0) return cannot(v, "no /%s", group);
    WeightsCheck w = {.v = v, .c = c, .m = m, .group = group, .buf = buf};
    hsize_t idx = 0;
    herr_t rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, compare_weight_set, &w);
    H5Gclose(g);
    if (rc < 0 && !w.rc) w.rc = cannot(v, "cannot read /%s", group);
    return w.rc;
}

static int compare_config(Verify *v, const Config *c, const Run *r, int pruned, double *buf) {
    SummaryRow want;
    store_summary_row(&want, c, r);
    if (pruned && want.status == STATUS_DONE) want.status = STATUS_PRUNED;   // halving stopped it there
    hid_t mem = store_task_compound(store_summary_type(), v->task);   // the task's column names
    int rc = compare_row(v, c->id, "summary", mem, c->id, &want, sizeof want, "train_seconds");
    H5Tclose(mem);
    if (!rc) rc = compare_curves(v, c, r, buf);
    if (!rc) rc = compare_weights(v, c, train_result_model(r), "weights", buf);
    if (!rc && v->has_initial) rc = compare_weights(v, c, &r->initial, "initial_weights", buf);
    return rc;
}

// ---------------------------------------------------------------------------------------
// Retraining.

typedef struct {
    const Verify *v;
    const int64_t *ids;
    const int64_t *pruned_at;   // per id: the epochs a pruned config ran, 0 for the others
    Run *runs;
    int *ok;
} Block;

// A config as a plain run: for one that successive halving pruned, a run of its epochs_run.
static void retrain(void *arg, int64_t i) {
    Block *b = arg;
    Hyper h = b->v->grid.configs[b->ids[i]].hyper;
    if (b->pruned_at[i] > 0 && b->pruned_at[i] < h.epochs) h.epochs = b->pruned_at[i];
    atomic_int never = 0;
    b->ok[i] = train_init(&b->runs[i], &b->v->data, &h) == 0;
    if (b->ok[i]) train_run(&b->runs[i], &b->v->data, &never);
}

// The epochs each sampled config ran if halving pruned it (0 if not). 0 or -1.
static int pruned_epochs(const Verify *v, const int64_t *ids, int64_t k, int64_t *out) {
    typedef struct {
        uint8_t status;
        int64_t epochs_run;
    } Ran;
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(Ran));
    H5Tinsert(t, "status", HOFFSET(Ran, status), H5T_NATIVE_UINT8);
    H5Tinsert(t, "epochs_run", HOFFSET(Ran, epochs_run), H5T_NATIVE_INT64);
    int rc = 0;
    for (int64_t i = 0; i < k && rc == 0; i++) {
        Ran r = {0, 0};
        rc = h5util_read_slice(v->file, "summary", t, ids[i], 1, &r);
        out[i] = r.status == STATUS_PRUNED ? r.epochs_run : 0;
    }
    H5Tclose(t);
    return rc;
}

// The finished configs (done, diverged or pruned), then the sample of them, ascending: *n of them.
static int64_t *draw_sample(Verify *v, int64_t *n, int64_t *n_finished) {
    int64_t N = v->grid.n_configs;
    uint8_t *status = malloc((size_t)(N ? N : 1));
    int64_t *ids = malloc((size_t)(N ? N : 1) * sizeof *ids);
    hid_t t = store_status_type();
    int bad = !status || !ids;
    for (int64_t start = 0; !bad && start < N; start += SLICE) {
        int64_t k = N - start < SLICE ? N - start : SLICE;
        bad = h5util_read_slice(v->file, "summary", t, start, k, status + start) != 0;
    }
    H5Tclose(t);
    int64_t m = 0;
    for (int64_t i = 0; !bad && i < N; i++)
        if (status[i] == STATUS_DONE || status[i] == STATUS_DIVERGED || status[i] == STATUS_PRUNED) ids[m++] = i;
    free(status);
    if (bad) {
        free(ids);
        cannot(v, "%s", "cannot read the statuses in /summary");
        return NULL;
    }
    *n_finished = m;
    int64_t k = v->o->sample < 0 || v->o->sample > m ? m : v->o->sample;
    Rng r;
    rng_init(&r, v->o->seed, RNG_VERIFY, 0, 0);
    for (int64_t i = 0; i < k && k < m; i++) {   // the first k of a random permutation
        int64_t j = i + (int64_t)rng_below(&r, (uint64_t)(m - i)), x = ids[i];
        ids[i] = ids[j];
        ids[j] = x;
    }
    *n = k;
    return ids;
}

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int run_verify(Verify *v, int64_t *n_checked, int64_t *n_finished) {
    StoreTask task;
    char why[ERR_LEN];
    if (store_task_read(v->file, &task, why) != SWEEP_OK) return cannot(v, "%s", why);
    v->task = task.task;
    store_task_free(&task);
    int rc = rebuild(v);
    if (rc) return rc;
    int64_t n = -1;
    if ((n = rows_of(v->file, "configs")) != v->grid.n_configs || rows_of(v->file, "summary") != n)
        return fail(v->err, SWEEP_ERR_USAGE, "%s: holds %lld configs, its spec gives %lld", v->o->path, (long long)n,
                    (long long)v->grid.n_configs);
    hsize_t idx = 0;
    hid_t g = H5Gopen2(v->file, "curves", H5P_DEFAULT);
    if (g < 0) return cannot(v, "%s", "no /curves");
    herr_t it = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, add_curve, v);
    H5Gclose(g);
    if (it < 0) return v->err[0] ? SWEEP_ERR_USAGE : cannot(v, "%s", "cannot read /curves");
    v->has_initial = H5Lexists(v->file, "initial_weights", H5P_DEFAULT) > 0;
    if ((rc = compare_configs(v))) return rc;
    int64_t k = 0;
    int64_t *ids = draw_sample(v, &k, n_finished);
    if (!ids) return SWEEP_ERR_USAGE;
    if (k > 1) qsort(ids, (size_t)k, sizeof *ids, cmp_id);
    if (*n_finished == 0) {
        free(ids);
        return cannot(v, "%s", "no finished config to verify");
    }
    // buf holds one row of a curve or of a parameter: the longest of either.
    int64_t block = (int64_t)v->o->n_threads * BLOCK_PER_THREAD, biggest = v->grid.max_epochs;
    for (int64_t i = 0; i < v->grid.n_hidden; i++)
        for (int p = 0; p < MLP_N_PARAMS; p++) {
            int64_t count = mlp_param_count(p, v->data.n_features, v->grid.hidden_dims[i], train_task_of(&v->data).n_out);
            if (count > biggest) biggest = count;
        }
    Run *runs = calloc((size_t)block, sizeof *runs);
    int *ok = calloc((size_t)block, sizeof *ok);
    double *buf = malloc((size_t)biggest * sizeof *buf);
    int64_t *pruned_at = malloc((size_t)(k ? k : 1) * sizeof *pruned_at);
    if (!runs || !ok || !buf || !pruned_at) rc = cannot(v, "%s", "out of memory");
    else if (pruned_epochs(v, ids, k, pruned_at) != 0) rc = cannot(v, "%s", "cannot read /summary");
    for (int64_t start = 0; start < k && !rc; start += block) {
        int64_t m = k - start < block ? k - start : block;
        Block b = {.v = v, .ids = ids + start, .pruned_at = pruned_at + start, .runs = runs, .ok = ok};
        sched_map(m, v->o->n_threads, retrain, &b);
        for (int64_t i = 0; i < m; i++) {
            if (!rc && !ok[i]) rc = cannot(v, "%s", "out of memory while retraining");
            if (!rc) rc = compare_config(v, &v->grid.configs[ids[start + i]], &runs[i], pruned_at[start + i] > 0, buf);
            if (!rc) (*n_checked)++;
            if (ok[i]) train_free(&runs[i]);
        }
    }
    free(runs);
    free(ok);
    free(buf);
    free(pruned_at);
    free(ids);
    return rc;
}

int verify_main(int argc, char **argv) {
    VerifyOptions o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    Verify v;
    memset(&v, 0, sizeof v);
    v.o = &o;
    if ((rc = store_open_read(o.path, &v.file, v.err))) {
        fprintf(stderr, "sweep verify: %s\n", v.err);
        return SWEEP_ERR_USAGE;
    }
    int64_t checked = 0, finished = 0;
    rc = run_verify(&v, &checked, &finished);
    H5Fclose(v.file);
    if (rc == 1) {
        printf("sweep verify: %s\n", v.err);
    } else if (rc) {
        fprintf(stderr, "sweep verify: %s\n", v.err);
        rc = SWEEP_ERR_USAGE;
    } else {
        printf("sweep verify: %s: %lld of %lld finished configs retrained (seed %" PRIu64 ", %d thread%s): curves, "
               "weights and summaries identical\n", o.path, (long long)checked, (long long)finished, o.seed,
               o.n_threads, o.n_threads == 1 ? "" : "s");
    }
    spec_free(&v.spec);
    data_free_table(&v.table);
    data_free(&v.data);
    grid_free(&v.grid);
    return rc;
}
