// report.c: `sweep report FILE.h5` (see report.h). Reads the root attributes, /configs and
// /summary, ranks the groups with ranking_build (by the mean validation loss by default, each
// compared with the best) and prints the best ones as an aligned table or as CSV.
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "cli.h"
#include "html_report.h"
#include "ranking.h"
#include "report.h"
#include "spec.h"
#include "stats.h"
#include "store.h"
#include "sweep.h"
#include "table.h"

#define DEFAULT_TOP 10
#define CELL TABLE_CELL

static const char REPORT_USAGE[] =
    "usage: sweep report [--top K] [--by AXIS...] [--metric M] [--alpha A] [--csv | --html OUT.html] FILE.h5\n"
    "\n"
    "Summarise a results file, also one a sweep is still writing: status counts, the grid's\n"
    "axes, and the best settings (every axis but seed, repeat and fold) ranked by the mean of\n"
    "a metric over their done configs: final_val_loss when the file has validation folds, else\n"
    "final_test_loss. Each setting shows a 95% interval of its mean and the Holm-adjusted p of\n"
    "the corrected paired t-test against the best (sweep compare has the details); those with\n"
    "p >= alpha are indistinguishable from the best. Diverged, failed and pending configs are\n"
    "counted, not averaged.\n"
    "\n"
    "  --top K        show the best K groups (default 10; with --csv, every group)\n"
    "  --by AXIS...   group by these axes only, averaging over the others, seeds included\n"
    "                 (the names up to the next option; FILE.h5 may come before or after)\n"
    "  --metric M     rank on M: final_val_loss, final_val_acc, best_val_loss (with folds),\n"
    "                 final_test_loss, final_test_acc (without), final_train_loss, final_train_acc;\n"
    "                 a regression file's scores are r2: final_val_r2, final_test_r2, final_train_r2\n"
    "  --alpha A      the level of the comparisons with the best (default 0.05)\n"
    "  --csv          one header row and one row per group, full precision, no decoration\n"
    "  --html OUT     write the report as one self-contained HTML page with charts to OUT\n"
    "                 (the same rows and numbers; nothing fetched; prints nothing)\n"
    "  -h, --help     show this help\n"
    "\n";
static const char REPORT_USAGE_END[] =
    "Exit status: 0 printed, 1 runtime failure, 2 bad usage or not a results file.\n";

// The help: the text above, the axes (from the table), the exit statuses.
static void print_usage(void) {
    fputs(REPORT_USAGE, stdout);
    int col = printf("Axes:");
    for (int a = 0; a < N_AXES; a++) {
        const char *name = axis_name((AxisId)a);
        int len = (int)strlen(name) + (a == N_AXES - 1);   // the last one ends with a period
        if (col + 1 + len > 91) col = printf("\n%s", name) - 1;
        else col += printf(" %s", name);
    }
    printf(".\n");
    fputs(REPORT_USAGE_END, stdout);
}

typedef struct {
    const char *path;
    int64_t top;              // 0: the default
    int csv;
    const char *html;         // --html OUT, or NULL
    int by_given;
    unsigned by;              // AXIS_BIT mask
    const char *metric;       // NULL: the file's default
    double alpha;
} ReportOptions;

static int find_axis(const char *name) { return axis_find(name, strlen(name)); }

// Adds the comma-separated axis names in word to o->by. Returns -1 or the exit status.
static int add_axes(ReportOptions *o, const char *word) {
    char buf[256];
    if (strlen(word) >= sizeof buf)
        return cli_usage("report", "--by: unknown axis \"%.60s...\"", word);
    snprintf(buf, sizeof buf, "%s", word);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int a = find_axis(t);
        if (a < 0) {
            fprintf(stderr, "sweep report: --by: unknown axis \"%s\"; expected one of", t);
            for (int b = 0; b < N_AXES; b++) fprintf(stderr, "%s %s", b ? "," : "", axis_name((AxisId)b));
            fprintf(stderr, "\n");
            return SWEEP_ERR_USAGE;
        }
        o->by |= AXIS_BIT(a);
    }
    return -1;
}

static int parse_alpha(const char *s, ReportOptions *o) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0.0 && v < 1.0))
        return cli_usage("report", "--alpha: expected a number between 0 and 1, found \"%s\"", s);
    o->alpha = v;
    return -1;
}

static int parse_top(const char *s, ReportOptions *o) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1)
        return cli_usage("report", "--top: expected a whole number of at least 1, found \"%s\"", s);
    o->top = v;
    return -1;
}

// Returns -1 to go on, else the exit status.
static int parse_report_args(int argc, char **argv, ReportOptions *o) {
    memset(o, 0, sizeof *o);
    o->alpha = 0.05;
    // Words after --by, held until we know whether the last one is the file.
    const char **by_words = calloc((size_t)argc + 1, sizeof *by_words);
    if (!by_words) return cli_error("report", SWEEP_ERR_RUNTIME, "%s", "out of memory");
    int n_by = 0, last_by_run = 0, rc = -1, options_done = 0;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *s = argv[i];
        if (options_done || s[0] != '-' || s[1] == '\0') {
            if (o->path) rc = cli_usage("report", "unexpected argument \"%s\"", s);
            else o->path = s;
        } else if (strcmp(s, "--") == 0) {
            options_done = 1;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            print_usage();
            rc = SWEEP_OK;
        } else if (strcmp(s, "--csv") == 0) {
            o->csv = 1;
        } else if (strcmp(s, "--html") == 0) {
            if (i + 1 >= argc) rc = cli_usage("report", "%s: expected a file name", s);
            else o->html = argv[++i];
        } else if (strncmp(s, "--html=", 7) == 0) {
            o->html = s + 7;
        } else if (strcmp(s, "--top") == 0) {
            if (i + 1 >= argc) rc = cli_usage("report", "%s: expected a value", s);
            else rc = parse_top(argv[++i], o);
        } else if (strncmp(s, "--top=", 6) == 0) {
            rc = parse_top(s + 6, o);
        } else if (strcmp(s, "--metric") == 0 || strcmp(s, "--alpha") == 0) {
            if (i + 1 >= argc) rc = cli_usage("report", "%s: expected a value", s);
            else if (s[2] == 'm') o->metric = argv[++i];
            else rc = parse_alpha(argv[++i], o);
        } else if (strncmp(s, "--metric=", 9) == 0) {
            o->metric = s + 9;
        } else if (strncmp(s, "--alpha=", 8) == 0) {
            rc = parse_alpha(s + 8, o);
        } else if (strncmp(s, "--by=", 5) == 0) {
            o->by_given = 1;
            rc = add_axes(o, s + 5);
        } else if (strcmp(s, "--by") == 0) {
            o->by_given = 1;
            last_by_run = 0;
            while (i + 1 < argc && argv[i + 1][0] != '-') by_words[n_by++] = argv[++i], last_by_run++;
            if (last_by_run == 0) rc = cli_usage("report", "%s", "--by: expected one or more axis names");
        } else {
            rc = cli_usage("report", "%s: unknown option", s);
        }
    }
    // `sweep report --by a b FILE.h5`: the file is the last word of the last --by.
    if (rc < 0 && !o->path && last_by_run > 0 && n_by > 0 && strcmp(by_words[n_by - 1], argv[argc - 1]) == 0) {
        o->path = by_words[--n_by];
        if (last_by_run == 1)
            rc = cli_usage("report", "--by: expected one or more axis names before \"%s\"", o->path);
        else if (find_axis(o->path) >= 0)
            rc = cli_usage("report", "expected a results file after the axes, found the axis \"%s\"", o->path);
    }
    for (int k = 0; k < n_by && rc < 0; k++) rc = add_axes(o, by_words[k]);
    if (rc < 0 && !o->path) rc = cli_usage("report", "%s", "expected a results file");
    if (rc < 0 && o->html && !o->html[0]) rc = cli_usage("report", "%s", "--html: expected a file name");
    if (rc < 0 && o->html && o->csv) rc = cli_usage("report", "%s", "--html and --csv: choose one");
    free(by_words);
    return rc;
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
        if (real) k[i].d = axis_get_f64(&configs[i].hyper, a);
        else k[i].i = axis_get_i64(&configs[i].hyper, a);
    }
    qsort(k, (size_t)n, sizeof *k, real ? cmp_key_real : cmp_key_int);
    for (int64_t i = 0; i < n; i++) {
        int same = i > 0 && (real ? k[i].d == k[i - 1].d : k[i].i == k[i - 1].i);
        if (!same) d->rows[d->n++] = k[i].row;
    }
    free(k);
    return 0;
}

typedef struct {
    const char *path;
    char *name, *status, *sha, *shard;
    ConfigRow *configs;
    SummaryRow *summary;
    int64_t n;
    int64_t count[5];         // by status: pending, done, diverged, failed, pruned
    StoreSplits splits;
    StoreTask task;           // (v3) the file's task: its score's name (acc or r2) and classes
    int metric;
    Ranking rank;             // the groups, best first
} Report;

// Stat k's name in this file (the task's).
static const char *stat_name(const Report *r, int k) { return stats_name(k, r->task.task); }

static const GroupStats *unit_group(const Report *r, int64_t k) {
    return &r->rank.groups.groups[r->rank.units[k].group];
}

static void print_csv(const Report *r, unsigned mask, int64_t rows) {
    printf("rank");
    for (int a = 0; a < N_AXES; a++)
        if (mask & AXIS_BIT(a)) printf(",%s", axis_name((AxisId)a));
    printf(",n_configs,n_done,n_diverged,n_failed,n_pending");
    for (int s = 0; s < N_STATS; s++) printf(",mean_%s,std_%s", stat_name(r, s), stat_name(r, s));
    printf(",metric,ci_low,ci_high,n_pairs,mean_diff,p,p_holm,indistinguishable\n");
    char buf[CELL];
    for (int64_t k = 0; k < rows; k++) {
        const RankedUnit *u = &r->rank.units[k];
        const GroupStats *g = unit_group(r, k);
        printf("%" PRId64, k + 1);
        for (int a = 0; a < N_AXES; a++) {
            if (!(mask & AXIS_BIT(a))) continue;
            table_format_axis(buf, sizeof buf, &r->configs[g->first], (AxisId)a, 1);
            printf(",%s", buf);
        }
        printf(",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64, g->n_configs, g->n_done,
               g->n_diverged, g->n_failed, g->n_pending);
        double cells[N_STATS * 2 + 7];
        int c = 0;
        for (int s = 0; s < N_STATS; s++) cells[c++] = g->mean[s], cells[c++] = g->std[s];
        const PairedTest *t = &u->test;
        int cmp = u->compared;
        double tail[] = {u->ci_low, u->ci_high, cmp ? (double)t->n_pairs : NAN, cmp ? t->mean_diff : NAN,
                         cmp ? t->p : NAN, cmp ? t->p_holm : NAN};
        for (int s = 0; s < N_STATS * 2; s++) table_format_real(buf, sizeof buf, cells[s]), printf(",%s", buf);
        printf(",%s", stat_name(r, r->metric));
        for (size_t s = 0; s < sizeof tail / sizeof *tail; s++) {
            if (s == 2 && cmp) printf(",%" PRId64, t->n_pairs);
            else table_format_real(buf, sizeof buf, tail[s]), printf(",%s", buf);
        }
        printf(",%s\n", u->is_best ? "1" : cmp ? (t->indistinguishable ? "1" : "0") : "nan");
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
    printf("configs  %" PRId64 ": %" PRId64 " done, %" PRId64 " diverged, ", r->n, r->count[1], r->count[2]);
    if (r->count[STATUS_PRUNED]) printf("%" PRId64 " pruned, ", r->count[STATUS_PRUNED]);
    printf("%" PRId64 " failed, %" PRId64 " pending", r->count[3], r->count[0]);
    if (r->shard && strcmp(r->shard, "0/1") != 0) printf(" (shard %s of the grid)", r->shard);
    printf("\n");
    char task[512];
    store_task_describe(r->task.task, r->task.task == TASK_REGRESSION ? 0 : r->task.n_classes, r->task.class_names,
                        task, sizeof task);
    printf("task     %s", task);
    if (r->task.task == TASK_REGRESSION) {   // what the losses are in
        if (r->task.target_offset == 0.0 && r->task.target_scale == 1.0) printf(" (losses in the target's own unit)");
        else printf(" (losses in the scaled target's unit: (y - %.6g) * %.6g)", r->task.target_offset, r->task.target_scale);
    }
    printf("\n");
    char buf[CELL];
    for (int a = 0; a < N_AXES; a++) {
        printf("%s %-14s %3" PRId64 ": ", a ? "        " : "axes    ", axis_name((AxisId)a), dist[a].n);
        for (int64_t i = 0; i < dist[a].n; i++) {
            if (dist[a].n > 12 && i == 8) {   // long axes: the first 8 and the last 2
                printf(", ...");
                i = dist[a].n - 3;
                continue;
            }
            table_format_axis(buf, sizeof buf, &r->configs[dist[a].rows[i]], (AxisId)a, 0);
            printf("%s%s", i ? ", " : "", buf);
        }
        printf("\n");
    }
    return 0;
}

// What the ranking rests on, in a sentence or two under the table's title.
static void print_basis(const Report *r, const ReportOptions *o) {
    const Ranking *k = &r->rank;
    printf("ranked by mean %s (%s is better)", stat_name(r, r->metric), k->lower_is_better ? "lower" : "higher");
    if (k->by_split)
        printf(" over %lld-fold cross-validation x %lld repeat%s;\nintervals and Holm-adjusted p against "
               "the best: the corrected paired t-test over the %lld splits (Nadeau & Bengio).\n",
               (long long)r->splits.folds, (long long)r->splits.repeats, r->splits.repeats == 1 ? "" : "s",
               (long long)(r->splits.folds * r->splits.repeats));
    else
        printf(";\nintervals and Holm-adjusted p against the best: the paired t-test over seeds (the data\n"
               "split is fixed, so they show seed noise only).\n");
    printf("%lld of %lld compared %s indistinguishable from the best (Holm p >= %g).\n",
           (long long)k->n_indistinguishable, (long long)k->n_compared, k->n_indistinguishable == 1 ? "is" : "are",
           o->alpha);
    if (r->metric == STAT_FINAL_TEST_LOSS || r->metric == STAT_FINAL_TEST_ACC)
        printf("note: ranked on the test part (the file has no validation folds): the best setting's test\n"
               "score is optimistic, since it was chosen on it.\n");
    if (r->count[STATUS_PRUNED])
        printf("Settings that successive halving pruned are listed after the rest, those that got furthest\n"
               "first (then by the metric there, shown without an interval), and are not compared.\n");
    printf("Diverged, pruned, failed and pending configs are not averaged.\n\n");
}

static int print_table(const Report *r, const Distinct *dist, const ReportOptions *o, unsigned mask, int64_t rows) {
    // Columns: rank, the shown axes, counts, the metric with its interval, p, verdict, and
    // the test accuracy (mean +- std) as information.
    int axes[N_AXES], n_axes = 0;
    for (int a = 0; a < N_AXES; a++)
        if ((mask & AXIS_BIT(a)) && (o->by_given || dist[a].n > 1)) axes[n_axes++] = a;
    int show_test = r->metric != STAT_FINAL_TEST_ACC && r->splits.n_test > 0;
    int n_cols = 1 + n_axes + 3 + 3 + show_test;
    char(*cells)[CELL] = calloc((size_t)(rows + 1) * (size_t)n_cols, CELL);
    if (!cells) return -1;
    int c = 0;
    snprintf(cells[c++], CELL, "rank");
    for (int i = 0; i < n_axes; i++) snprintf(cells[c++], CELL, "%s", axis_name((AxisId)axes[i]));
    snprintf(cells[c++], CELL, "%s", o->by_given ? "configs" : "replicates");
    snprintf(cells[c++], CELL, "done");
    snprintf(cells[c++], CELL, "diverged");
    snprintf(cells[c++], CELL, "%s [95%% interval]", stat_name(r, r->metric));
    snprintf(cells[c++], CELL, "Holm p");
    snprintf(cells[c++], CELL, "vs best");
    if (show_test) snprintf(cells[c++], CELL, "%s", stat_name(r, STAT_FINAL_TEST_ACC));   // the task's score
    for (int64_t k = 0; k < rows; k++) {
        const RankedUnit *u = &r->rank.units[k];
        const GroupStats *g = unit_group(r, k);
        snprintf(cells[c++], CELL, "%" PRId64, k + 1);
        for (int i = 0; i < n_axes; i++) table_format_axis(cells[c++], CELL, &r->configs[g->first], (AxisId)axes[i], 0);
        snprintf(cells[c++], CELL, "%" PRId64, g->n_configs);
        snprintf(cells[c++], CELL, "%" PRId64, g->n_done);
        snprintf(cells[c++], CELL, "%" PRId64, g->n_diverged);
        table_format_interval(cells[c++], CELL, u);
        table_format_p(cells[c++], CELL, u->compared ? u->test.p_holm : NAN);
        char why[CELL];
        snprintf(cells[c++], CELL, "%s", table_verdict(u, r->rank.lower_is_better, why, sizeof why));
        if (show_test) table_format_mean_std(cells[c++], CELL, g->mean[STAT_FINAL_TEST_ACC], g->std[STAT_FINAL_TEST_ACC]);
    }
    const char *what = o->by_given ? "groups" : "settings";
    int64_t n_groups = r->rank.n_units;
    printf("\n%s %" PRId64 " of %" PRId64 " %s ", rows == n_groups ? "all" : "best", rows, n_groups, what);
    if (o->by_given) {
        printf("by");
        for (int a = 0, first = 1; a < N_AXES; a++)
            if (mask & AXIS_BIT(a)) printf("%s %s", first ? "" : ",", axis_name((AxisId)a)), first = 0;
        printf(" (each over every config with that value), ");
    } else {
        printf("(every axis but seed, repeat and fold; each over its seeds and splits),\n");
    }
    print_basis(r, o);
    int rc = table_print((const char(*)[CELL])cells, rows + 1, n_cols);
    free(cells);
    return rc;
}

static void report_free(Report *r) {
    free(r->name);
    free(r->status);
    free(r->sha);
    free(r->shard);
    free(r->configs);
    free(r->summary);
    store_task_free(&r->task);
    ranking_free(&r->rank);
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
    r.name = h5util_attr_get(file, "name");
    r.status = h5util_attr_get(file, "status");
    r.sha = h5util_attr_get(file, "spec_sha256");
    r.shard = h5util_attr_get(file, "shard");
    char why[ERR_LEN];
    rc = store_task_read(file, &r.task, why);   // (v3) a file of version 1 or 2 is binary
    if (rc) fail(err, rc, "%s: %s", o.path, why);
    if (rc == SWEEP_OK) rc = store_read_tables(file, &r.configs, &r.summary, &r.n, err);
    if (rc == SWEEP_OK && store_read_splits(file, &r.splits) != 0)
        rc = fail(err, SWEEP_ERR_USAGE, "%s: cannot read /data", o.path);
    if (rc == SWEEP_OK) rc = ranking_metric_task(o.metric, r.splits.folds >= 2, r.task.task, &r.metric, err);
    H5Fclose(file);
    if (rc) {
        fprintf(stderr, "sweep report: %s\n", err);
        report_free(&r);
        return rc;
    }
    for (int64_t i = 0; i < r.n; i++) {
        int s = r.summary[i].status;
        r.count[s >= 0 && s <= STATUS_PRUNED ? s : STATUS_FAILED]++;
    }

    unsigned mask = o.by_given ? o.by : STATS_SETTING_AXES;
    Distinct dist[N_AXES];
    memset(dist, 0, sizeof dist);
    RankingOptions ro = {.metric = r.metric, .axes = mask, .alpha = o.alpha, .rope = NAN,
                         .n_train = r.splits.n_train, .n_folds = r.splits.folds, .n_repeats = r.splits.repeats};
    int built = ranking_build(&r.rank, r.configs, r.summary, r.n, &ro), oom = built != 0;
    if (built == GROUP_ERR_ID) {
        fprintf(stderr, "sweep report: %s: /configs: its ids are not 0..%lld, each once\n", o.path, (long long)r.n - 1);
        report_free(&r);
        return SWEEP_ERR_USAGE;
    }
    for (int a = 0; a < N_AXES && !oom && !o.csv && !o.html; a++) oom = distinct_values(&dist[a], r.configs, r.n, (AxisId)a) != 0;
    if (!oom) {
        int64_t rows = o.top ? o.top : o.csv ? r.rank.n_units : DEFAULT_TOP;
        if (rows > r.rank.n_units) rows = r.rank.n_units;
        if (o.html) {
            HtmlReportInput hi = {.path = o.path, .out = o.html, .configs = r.configs, .summary = r.summary, .n = r.n,
                                  .splits = r.splits, .task = r.task.task, .rank = &r.rank, .metric = r.metric, .mask = mask,
                                  .by_given = o.by_given, .rows = rows, .alpha = o.alpha};
            if ((rc = html_report_write(&hi, err)) != SWEEP_OK) {
                fprintf(stderr, "sweep report: %s\n", err);
                for (int a = 0; a < N_AXES; a++) free(dist[a].rows);
                report_free(&r);
                return rc;
            }
        } else if (o.csv) {
            print_csv(&r, mask, rows);
        } else {
            print_header(&r, dist);
            oom = print_table(&r, dist, &o, mask, rows) != 0;
        }
    }
    for (int a = 0; a < N_AXES; a++) free(dist[a].rows);
    report_free(&r);
    if (oom) return cli_error("report", SWEEP_ERR_RUNTIME, "%s", "out of memory");
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_error("report", SWEEP_ERR_RUNTIME, "cannot write the report: %s", strerror(errno));
    return SWEEP_OK;
}
