// report.c: `sweep report FILE.h5` (see report.h). Reads the root attributes, /configs and
// /summary, groups the configs with stats_group and prints the best groups, ranked by mean
// final test accuracy, as an aligned table or as CSV.
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "report.h"
#include "spec.h"
#include "stats.h"
#include "store.h"
#include "sweep.h"

#define DEFAULT_TOP 10
#define CELL 64   // bytes of one table cell

static const char REPORT_USAGE[] =
    "usage: sweep report [--top K] [--by AXIS...] [--csv] FILE.h5\n"
    "\n"
    "Summarise a results file, also one a sweep is still writing: status counts, the grid's\n"
    "axes, and the best settings (every axis but seed) ranked by mean final test accuracy,\n"
    "with mean \u00b1 std over seeds (sample std; diverged, failed and pending configs are\n"
    "counted, not averaged).\n"
    "\n"
    "  --top K        show the best K groups (default 10; with --csv, every group)\n"
    "  --by AXIS...   group by these axes only, averaging over the others, seeds included\n"
    "                 (the names up to the next option; FILE.h5 may come before or after)\n"
    "  --csv          one header row and one row per group, full precision, no decoration\n"
    "  -h, --help     show this help\n"
    "\n"
    "Axes: hidden_dim learning_rate batch_size epochs seed init_scale shuffle.\n"
    "Exit status: 0 printed, 1 runtime failure, 2 bad usage or not a results file.\n";

typedef struct {
    const char *path;
    int64_t top;              // 0: the default
    int csv;
    int by_given;
    unsigned by;              // AXIS_BIT mask
} ReportOptions;

static int report_error(int code, const char *fmt, const char *arg) {
    fprintf(stderr, "sweep report: ");
    fprintf(stderr, fmt, arg);
    if (code == SWEEP_ERR_USAGE) fprintf(stderr, " (see sweep report --help)");
    fprintf(stderr, "\n");
    return code;
}

static int find_axis(const char *name) {
    for (int a = 0; a < N_AXES; a++)
        if (strcmp(name, AXIS_NAMES[a]) == 0) return a;
    return -1;
}

// Adds the comma-separated axis names in word to o->by. Returns -1 or the exit status.
static int add_axes(ReportOptions *o, const char *word) {
    char buf[256];
    if (strlen(word) >= sizeof buf)
        return report_error(SWEEP_ERR_USAGE, "--by: unknown axis \"%.60s...\"", word);
    snprintf(buf, sizeof buf, "%s", word);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int a = find_axis(t);
        if (a < 0) {
            fprintf(stderr, "sweep report: --by: unknown axis \"%s\"; expected one of", t);
            for (int b = 0; b < N_AXES; b++) fprintf(stderr, "%s %s", b ? "," : "", AXIS_NAMES[b]);
            fprintf(stderr, "\n");
            return SWEEP_ERR_USAGE;
        }
        o->by |= AXIS_BIT(a);
    }
    return -1;
}

static int parse_top(const char *s, ReportOptions *o) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1)
        return report_error(SWEEP_ERR_USAGE, "--top: expected a whole number of at least 1, found \"%s\"", s);
    o->top = v;
    return -1;
}

// Returns -1 to go on, else the exit status.
static int parse_report_args(int argc, char **argv, ReportOptions *o) {
    memset(o, 0, sizeof *o);
    // Words after --by, held until we know whether the last one is the file.
    const char **by_words = calloc((size_t)argc + 1, sizeof *by_words);
    if (!by_words) return report_error(SWEEP_ERR_RUNTIME, "%s", "out of memory");
    int n_by = 0, last_by_run = 0, rc = -1, options_done = 0;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *s = argv[i];
        if (options_done || s[0] != '-' || s[1] == '\0') {
            if (o->path) rc = report_error(SWEEP_ERR_USAGE, "unexpected argument \"%s\"", s);
            else o->path = s;
        } else if (strcmp(s, "--") == 0) {
            options_done = 1;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            fputs(REPORT_USAGE, stdout);
            rc = SWEEP_OK;
        } else if (strcmp(s, "--csv") == 0) {
            o->csv = 1;
        } else if (strcmp(s, "--top") == 0) {
            if (i + 1 >= argc) rc = report_error(SWEEP_ERR_USAGE, "%s: expected a value", s);
            else rc = parse_top(argv[++i], o);
        } else if (strncmp(s, "--top=", 6) == 0) {
            rc = parse_top(s + 6, o);
        } else if (strncmp(s, "--by=", 5) == 0) {
            o->by_given = 1;
            rc = add_axes(o, s + 5);
        } else if (strcmp(s, "--by") == 0) {
            o->by_given = 1;
            last_by_run = 0;
            while (i + 1 < argc && argv[i + 1][0] != '-') by_words[n_by++] = argv[++i], last_by_run++;
            if (last_by_run == 0) rc = report_error(SWEEP_ERR_USAGE, "%s", "--by: expected one or more axis names");
        } else {
            rc = report_error(SWEEP_ERR_USAGE, "%s: unknown option", s);
        }
    }
    // `sweep report --by a b FILE.h5`: the file is the last word of the last --by.
    if (rc < 0 && !o->path && last_by_run > 0 && n_by > 0 && strcmp(by_words[n_by - 1], argv[argc - 1]) == 0) {
        o->path = by_words[--n_by];
        if (last_by_run == 1)
            rc = report_error(SWEEP_ERR_USAGE, "--by: expected one or more axis names before \"%s\"", o->path);
        else if (find_axis(o->path) >= 0)
            rc = report_error(SWEEP_ERR_USAGE, "expected a results file after the axes, found the axis \"%s\"", o->path);
    }
    for (int k = 0; k < n_by && rc < 0; k++) rc = add_axes(o, by_words[k]);
    if (rc < 0 && !o->path) rc = report_error(SWEEP_ERR_USAGE, "%s", "expected a results file");
    free(by_words);
    return rc;
}



// The shortest of %.15g, %.16g, %.17g that reads back as v: full precision, and 0.003 stays 0.003.
static void format_real(char *out, size_t n, double v) {
    if (isnan(v)) { snprintf(out, n, "nan"); return; }
    for (int p = 15; p <= 17; p++) {
        snprintf(out, n, "%.*g", p, v);
        if (strtod(out, NULL) == v) return;
    }
}

static int64_t axis_int(const ConfigRow *c, AxisId a) {
    switch (a) {
    case AXIS_HIDDEN_DIM: return c->hidden_dim;
    case AXIS_BATCH_SIZE: return c->batch_size;
    case AXIS_EPOCHS: return c->epochs;
    case AXIS_SEED: return c->seed;
    case AXIS_SHUFFLE: return c->shuffle;
    default: return 0;
    }
}

static void format_axis(char *out, size_t n, const ConfigRow *c, AxisId a, int csv) {
    if (axis_is_real(a)) format_real(out, n, stats_axis_value(c, a));
    else if (a == AXIS_SHUFFLE && !csv) snprintf(out, n, "%s", c->shuffle ? "true" : "false");
    else snprintf(out, n, "%" PRId64, axis_int(c, a));
}

// An axis's distinct values: indices of configs that carry them, in increasing order of value.
typedef struct {
    int64_t n;
    int64_t *rows;
} Distinct;

typedef struct {
    int64_t i;     // exact for integer axes
    double d;
    int64_t row;
} AxisKey;

static int cmp_key_int(const void *x, const void *y) {
    const AxisKey *a = x, *b = y;
    return (a->i > b->i) - (a->i < b->i);
}

static int cmp_key_real(const void *x, const void *y) {
    const AxisKey *a = x, *b = y;
    return (a->d > b->d) - (a->d < b->d);
}

static int distinct_values(Distinct *d, const ConfigRow *configs, int64_t n, AxisId a) {
    d->n = 0;
    d->rows = NULL;
    if (n == 0) return 0;
    AxisKey *k = malloc((size_t)n * sizeof *k);
    d->rows = malloc((size_t)n * sizeof *d->rows);
    if (!k || !d->rows) { free(k); free(d->rows); d->rows = NULL; return -1; }
    int real = axis_is_real(a);
    for (int64_t i = 0; i < n; i++) {
        k[i].row = i;
        if (real) k[i].d = stats_axis_value(&configs[i], a);
        else k[i].i = axis_int(&configs[i], a);
    }
    qsort(k, (size_t)n, sizeof *k, real ? cmp_key_real : cmp_key_int);
    for (int64_t i = 0; i < n; i++) {
        int same = i > 0 && (real ? k[i].d == k[i - 1].d : k[i].i == k[i - 1].i);
        if (!same) d->rows[d->n++] = k[i].row;
    }
    free(k);
    return 0;
}

// Ranking: mean final test accuracy, high first; then mean final test loss, low first; groups
// with nothing done last; then the group's first config id.
static int cmp_nan_last(double a, double b, int descending) {
    int an = isnan(a), bn = isnan(b);
    if (an || bn) return an - bn;
    if (a == b) return 0;
    return (a < b) == !descending ? -1 : 1;
}

static int cmp_rank(const void *x, const void *y, void *groups) {
    const GroupStats *g = groups;
    const GroupStats *a = &g[*(const int64_t *)x], *b = &g[*(const int64_t *)y];
    int c = cmp_nan_last(a->mean[STAT_FINAL_TEST_ACC], b->mean[STAT_FINAL_TEST_ACC], 1);
    if (!c) c = cmp_nan_last(a->mean[STAT_FINAL_TEST_LOSS], b->mean[STAT_FINAL_TEST_LOSS], 0);
    if (!c) c = (a->first > b->first) - (a->first < b->first);
    return c;
}

// Display width of UTF-8 text (the table's "±").
static int text_width(const char *s) {
    int w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void print_padded(const char *s, int width, int left) {
    int pad = width - text_width(s);
    if (!left) for (int i = 0; i < pad; i++) putchar(' ');
    fputs(s, stdout);
    if (left) for (int i = 0; i < pad; i++) putchar(' ');
}

static void mean_std_cell(char *out, size_t n, const GroupStats *g, int stat) {
    double m = g->mean[stat], s = g->std[stat];
    if (isnan(m)) snprintf(out, n, "-");
    else if (isnan(s)) snprintf(out, n, "%.4f \u00b1      -", m);
    else snprintf(out, n, "%.4f \u00b1 %.4f", m, s);
}

typedef struct {
    const char *path;
    char *name, *status, *sha, *shard;
    ConfigRow *configs;
    SummaryRow *summary;
    int64_t n;
    int64_t count[4];         // by status: pending, done, diverged, failed
    Groups groups;
    int64_t *order;           // group indices, best first
} Report;

static void print_csv(const Report *r, unsigned mask, int64_t rows) {
    printf("rank");
    for (int a = 0; a < N_AXES; a++)
        if (mask & AXIS_BIT(a)) printf(",%s", AXIS_NAMES[a]);
    printf(",n_configs,n_done,n_diverged,n_failed,n_pending");
    for (int s = 0; s < N_STATS; s++) printf(",mean_%s,std_%s", STAT_NAMES[s], STAT_NAMES[s]);
    printf("\n");
    char buf[CELL];
    for (int64_t k = 0; k < rows; k++) {
        const GroupStats *g = &r->groups.groups[r->order[k]];
        printf("%" PRId64, k + 1);
        for (int a = 0; a < N_AXES; a++) {
            if (!(mask & AXIS_BIT(a))) continue;
            format_axis(buf, sizeof buf, &r->configs[g->first], (AxisId)a, 1);
            printf(",%s", buf);
        }
        printf(",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64, g->n_configs, g->n_done,
               g->n_diverged, g->n_failed, g->n_pending);
        for (int s = 0; s < N_STATS; s++) {
            format_real(buf, sizeof buf, g->mean[s]);
            printf(",%s", buf);
            format_real(buf, sizeof buf, g->std[s]);
            printf(",%s", buf);
        }
        printf("\n");
    }
}

static int print_header(const Report *r, const Distinct *dist) {
    printf("file     %s\n", r->path);
    const char *name = r->name;
    char sha[13] = "";
    if (r->sha) snprintf(sha, sizeof sha, "%s", r->sha);
    printf("spec     %s%s%s\n", name ? name : "(unnamed)", sha[0] ? ", sha256 " : "", sha);
    const char *st = r->status ? r->status : "unknown";
    const char *hint = strcmp(st, "running") == 0 ? " (a sweep may still be writing it: run again for new rows)"
                       : strcmp(st, "interrupted") == 0 ? " (sweep --resume continues it)" : "";
    printf("status   %s%s\n", st, hint);
    printf("configs  %" PRId64 ": %" PRId64 " done, %" PRId64 " diverged, %" PRId64 " failed, %" PRId64 " pending",
           r->n, r->count[1], r->count[2], r->count[3], r->count[0]);
    if (r->shard && strcmp(r->shard, "0/1") != 0) printf(" (shard %s of the grid)", r->shard);
    printf("\n");
    char buf[CELL];
    for (int a = 0; a < N_AXES; a++) {
        printf("%s %-14s %3" PRId64 ": ", a ? "        " : "axes    ", AXIS_NAMES[a], dist[a].n);
        for (int64_t i = 0; i < dist[a].n; i++) {
            if (dist[a].n > 12 && i == 8) {   // long axes: the first 8 and the last 2
                printf(", ...");
                i = dist[a].n - 3;
                continue;
            }
            format_axis(buf, sizeof buf, &r->configs[dist[a].rows[i]], (AxisId)a, 0);
            printf("%s%s", i ? ", " : "", buf);
        }
        printf("\n");
    }
    return 0;
}

static int print_table(const Report *r, const Distinct *dist, const ReportOptions *o, unsigned mask, int64_t rows) {
    // Columns: rank, the shown axes, counts, four mean ± std statistics.
    int axes[N_AXES], n_axes = 0;
    for (int a = 0; a < N_AXES; a++)
        if ((mask & AXIS_BIT(a)) && (o->by_given || dist[a].n > 1)) axes[n_axes++] = a;
    static const int SHOWN[] = {STAT_FINAL_TEST_ACC, STAT_BEST_TEST_ACC, STAT_FINAL_TEST_LOSS, STAT_FINAL_TRAIN_LOSS};
    enum { N_SHOWN = sizeof SHOWN / sizeof SHOWN[0] };
    int n_cols = 1 + n_axes + 3 + N_SHOWN;
    char(*cells)[CELL] = calloc((size_t)(rows + 1) * (size_t)n_cols, CELL);
    int *width = calloc((size_t)n_cols, sizeof *width);
    if (!cells || !width) { free(cells); free(width); return -1; }
    int c = 0;
    snprintf(cells[c++], CELL, "rank");
    for (int i = 0; i < n_axes; i++) snprintf(cells[c++], CELL, "%s", AXIS_NAMES[axes[i]]);
    snprintf(cells[c++], CELL, "%s", o->by_given ? "configs" : "seeds");
    snprintf(cells[c++], CELL, "done");
    snprintf(cells[c++], CELL, "diverged");
    for (int s = 0; s < N_SHOWN; s++) snprintf(cells[c++], CELL, "%s", STAT_NAMES[SHOWN[s]]);
    for (int64_t k = 0; k < rows; k++) {
        const GroupStats *g = &r->groups.groups[r->order[k]];
        snprintf(cells[c++], CELL, "%" PRId64, k + 1);
        for (int i = 0; i < n_axes; i++) format_axis(cells[c++], CELL, &r->configs[g->first], (AxisId)axes[i], 0);
        snprintf(cells[c++], CELL, "%" PRId64, g->n_configs);
        snprintf(cells[c++], CELL, "%" PRId64, g->n_done);
        snprintf(cells[c++], CELL, "%" PRId64, g->n_diverged);
        for (int s = 0; s < N_SHOWN; s++) mean_std_cell(cells[c++], CELL, g, SHOWN[s]);
    }
    for (int64_t k = 0; k <= rows; k++)
        for (int j = 0; j < n_cols; j++) {
            int w = text_width(cells[k * n_cols + j]);
            if (w > width[j]) width[j] = w;
        }

    const char *what = o->by_given ? "groups" : "settings";
    int64_t n_groups = r->groups.n_groups;
    printf("\n%s %" PRId64 " of %" PRId64 " %s ", rows == n_groups ? "all" : "best", rows, n_groups, what);
    if (o->by_given) {
        printf("by");
        for (int a = 0, first = 1; a < N_AXES; a++)
            if (mask & AXIS_BIT(a)) printf("%s %s", first ? "" : ",", AXIS_NAMES[a]), first = 0;
        printf(" (mean \u00b1 std over the configs of each group)");
    } else {
        printf("(every axis but seed; mean \u00b1 std over seeds)");
    }
    printf(",\nranked by mean final test accuracy; diverged, failed and pending configs are not averaged\n\n");
    for (int64_t k = 0; k <= rows; k++) {
        for (int j = 0; j < n_cols; j++) {
            if (j) fputs("  ", stdout);
            print_padded(cells[k * n_cols + j], width[j], 0);
        }
        putchar('\n');
    }
    free(cells);
    free(width);
    return 0;
}

static void report_free(Report *r) {
    free(r->name);
    free(r->status);
    free(r->sha);
    free(r->shard);
    free(r->configs);
    free(r->summary);
    free(r->order);
    stats_free(&r->groups);
}

int report_main(int argc, char **argv) {
    ReportOptions o;
    int rc = parse_report_args(argc, argv, &o);
    if (rc >= 0) return rc;

    char err[ERR_LEN];
    hid_t file;
    if ((rc = store_open_read(o.path, &file, err))) {
        fprintf(stderr, "sweep report: %s\n", err);
        return rc;
    }
    Report r;
    memset(&r, 0, sizeof r);
    r.path = o.path;
    r.name = store_attr_get(file, "name");
    r.status = store_attr_get(file, "status");
    r.sha = store_attr_get(file, "spec_sha256");
    r.shard = store_attr_get(file, "shard");
    rc = store_read_tables(file, &r.configs, &r.summary, &r.n, err);
    H5Fclose(file);
    if (rc) {
        fprintf(stderr, "sweep report: %s\n", err);
        report_free(&r);
        return rc;
    }
    for (int64_t i = 0; i < r.n; i++) {
        int s = r.summary[i].status;
        r.count[s >= 0 && s <= 3 ? s : 3]++;
    }

    unsigned mask = o.by_given ? o.by : STATS_SETTING_AXES;
    Distinct dist[N_AXES];
    memset(dist, 0, sizeof dist);
    int oom = stats_group(&r.groups, r.configs, r.summary, r.n, mask) != 0;
    if (!oom) oom = !(r.order = malloc((size_t)(r.groups.n_groups ? r.groups.n_groups : 1) * sizeof *r.order));
    for (int a = 0; a < N_AXES && !oom && !o.csv; a++) oom = distinct_values(&dist[a], r.configs, r.n, (AxisId)a) != 0;
    if (!oom) {
        for (int64_t k = 0; k < r.groups.n_groups; k++) r.order[k] = k;
        qsort_r(r.order, (size_t)r.groups.n_groups, sizeof *r.order, cmp_rank, r.groups.groups);
        int64_t rows = o.top ? o.top : o.csv ? r.groups.n_groups : DEFAULT_TOP;
        if (rows > r.groups.n_groups) rows = r.groups.n_groups;
        if (o.csv) {
            print_csv(&r, mask, rows);
        } else {
            print_header(&r, dist);
            oom = print_table(&r, dist, &o, mask, rows) != 0;
        }
    }
    for (int a = 0; a < N_AXES; a++) free(dist[a].rows);
    report_free(&r);
    if (oom) return report_error(SWEEP_ERR_RUNTIME, "%s", "out of memory");
    if (fflush(stdout) != 0 || ferror(stdout)) return report_error(SWEEP_ERR_RUNTIME, "cannot write the report: %s", strerror(errno));
    return SWEEP_OK;
}
