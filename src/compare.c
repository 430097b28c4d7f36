// compare.c: `sweep compare FILE.h5` (see compare.h): options, the ranking of ranking.c, and
// its comparisons printed as a table or as CSV.
#include "compare.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "cli.h"
#include "ranking.h"
#include "spec.h"
#include "stats.h"
#include "store.h"
#include "sweep.h"
#include "table.h"

enum { MAX_WHERE = N_AXES * 4 };

static const char COMPARE_USAGE[] =
    "usage: sweep compare [--by AXIS] [--where AXIS=V]... [--metric M] [--alpha A] [--rope R]\n"
    "                     [--csv] FILE.h5\n"
    "\n"
    "Compare every unit of a results file with the best one. A unit is a setting (every axis but\n"
    "seed, repeat and fold), or with --by one value of that axis. Units are ranked by the mean of\n"
    "the metric over their done configs (final_val_loss with validation folds, else\n"
    "final_test_loss). With folds, a unit's score on each split (repeat, fold) is the mean over\n"
    "its done configs there, d is the best's score minus the unit's, split by split, and the\n"
    "test is the corrected paired t-test: se = sqrt((1/n + n_val/n_fit) var(d)), df = n - 1\n"
    "(Nadeau & Bengio). Without folds the pairs are the seeds and se = sd(d)/sqrt(n): seed\n"
    "noise only. p is two-sided, Holm-adjusted over the comparisons made; a unit with\n"
    "Holm p >= alpha is indistinguishable from the best.\n"
    "\n"
    "  --by AXIS       compare the values of one axis, each over every config that has it\n"
    "  --where AXIS=V  only configs with this value (repeatable; e.g. --where batch_size=32,\n"
    "                  --where optimizer=adam)\n"
    "  --metric M      final_val_loss, final_val_acc, best_val_loss (with folds), final_test_loss,\n"
    "                  final_test_acc (without), final_train_loss or final_train_acc; a regression\n"
    "                  file's scores are r2: final_val_r2, final_test_r2, final_train_r2\n"
    "  --alpha A       the level for indistinguishable (default 0.05)\n"
    "  --rope R        also the Bayesian correlated t-test (Benavoli et al. 2017): P(best better\n"
    "                  by more than R), P(|difference| <= R), P(other better by more than R)\n"
    "  --csv           a header and one row per unit compared, full precision; the best unit is\n"
    "                  named on stderr\n"
    "  -h, --help      show this help\n"
    "\n"
    "Exit status: 0 printed, 1 runtime failure, 2 bad usage or not a results file.\n";

typedef struct {
    AxisId axis;
    double value;
    const char *text;         // as given, for messages
} Where;

typedef struct {
    const char *path;
    int by;                   // an AxisId, or -1: settings
    Where where[MAX_WHERE];
    int n_where;
    const char *metric;       // NULL: the file's default
    double alpha, rope;       // rope NaN: none
    int csv;
} CompareOptions;

static int unknown_axis(const char *option, const char *name, size_t len) {
    char list[256] = "";
    for (int a = 0; a < N_AXES; a++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a ? ", " : "", axis_name((AxisId)a));
    return cli_usage("compare", "%s: unknown axis \"%.*s\"; expected one of %s", option, (int)len, name, list);
}

// A number in (lo, hi) (open) or, with closed_lo, [lo, hi).
static int parse_number(const char *option, const char *s, double lo, double hi, int closed_lo, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || !(closed_lo ? v >= lo : v > lo) || !(v < hi))
        return cli_usage("compare", "%s: expected a number %s %g and below %g, found \"%s\"", option,
                             closed_lo ? "of at least" : "above", lo, hi, s);
    *out = v;
    return -1;
}

static int parse_where(CompareOptions *o, const char *s) {
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1])
        return cli_usage("compare", "--where: expected AXIS=VALUE, found \"%s\"", s);
    int a = axis_find(s, (size_t)(eq - s));
    if (a < 0) return unknown_axis("--where", s, (size_t)(eq - s));
    if (o->n_where == MAX_WHERE) return cli_usage("compare", "--where: at most %d of them", MAX_WHERE);
    Where *w = &o->where[o->n_where++];
    w->axis = (AxisId)a;
    w->text = s;
    const char *v = eq + 1;
    if (axis_is_name((AxisId)a)) {
        int n;
        const char *const *names = axis_value_names((AxisId)a, &n);
        char list[128] = "";
        for (int k = 0; k < n; k++) {
            if (strcmp(v, names[k]) == 0) { w->value = k; return -1; }
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", names[k]);
        }
        return cli_usage("compare", "--where %s: expected one of %s, found \"%s\"", s, list, v);
    }
    int is_bool = axis_kind((AxisId)a) == AXIS_BOOL;
    if (is_bool && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)) {
        w->value = v[0] == 't';
        return -1;
    }
    char *end;
    errno = 0;
    w->value = strtod(v, &end);
    if (errno || end == v || *end)
        return cli_usage("compare", "--where %s: expected a number%s, found \"%s\"", s,
                             is_bool ? " or true/false" : "", v);
    return -1;
}

// Returns -1 to go on, else the exit status.
static int parse_compare_args(int argc, char **argv, CompareOptions *o) {
    memset(o, 0, sizeof *o);
    o->by = -1;
    o->alpha = 0.05;
    o->rope = NAN;
    int rc = -1, options_done = 0;
    for (int i = 1; i < argc && rc < 0; i++) {
        const char *s = argv[i], *value = NULL;
        if (options_done || s[0] != '-' || s[1] == '\0') {
            if (o->path) rc = cli_usage("compare", "unexpected argument \"%s\"", s);
            else o->path = s;
            continue;
        }
        if (strcmp(s, "--") == 0) { options_done = 1; continue; }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) { fputs(COMPARE_USAGE, stdout); return SWEEP_OK; }
        if (strcmp(s, "--csv") == 0) { o->csv = 1; continue; }
        // The options with a value: --name VALUE or --name=VALUE.
        static const char *const WITH_VALUE[] = {"--by", "--where", "--metric", "--alpha", "--rope"};
        int which = -1;
        for (int k = 0; k < 5; k++) {
            size_t len = strlen(WITH_VALUE[k]);
            if (strncmp(s, WITH_VALUE[k], len) == 0 && (s[len] == '\0' || s[len] == '=')) {
                which = k;
                value = s[len] == '=' ? s + len + 1 : NULL;
            }
        }
        if (which < 0) { rc = cli_usage("compare", "%s: unknown option", s); break; }
        if (!value) {
            if (i + 1 >= argc) { rc = cli_usage("compare", "%s: expected a value", s); break; }
            value = argv[++i];
        }
        switch (which) {
        case 0:
            if ((o->by = axis_find(value, strlen(value))) < 0) rc = unknown_axis("--by", value, strlen(value));
            break;
        case 1: rc = parse_where(o, value); break;
        case 2: o->metric = value; break;
        case 3: rc = parse_number("--alpha", value, 0.0, 1.0, 0, &o->alpha); break;
        default: rc = parse_number("--rope", value, 0.0, INFINITY, 1, &o->rope); break;
        }
    }
    if (rc < 0 && !o->path) rc = cli_usage("compare", "expected a results file");
    return rc;
}

// keep[i]: config i has every --where value. Returns -1 to go on, else the exit status.
static int select_configs(const CompareOptions *o, const ConfigRow *c, int64_t n, uint8_t *keep) {
    for (int64_t i = 0; i < n; i++) keep[i] = 1;
    for (int w = 0; w < o->n_where; w++) {
        int64_t hits = 0;
        for (int64_t i = 0; i < n; i++) {
            keep[i] &= axis_get_f64(&c[i].hyper, o->where[w].axis) == o->where[w].value;
            hits += axis_get_f64(&c[i].hyper, o->where[w].axis) == o->where[w].value;
        }
        if (!hits) return cli_usage("compare", "--where %s: no config of %s has that value", o->where[w].text, o->path);
    }
    return -1;
}

// "hidden_dim=64 learning_rate=0.1": the unit's axes.
static void unit_name(char *out, size_t n, const ConfigRow *first, unsigned mask) {
    out[0] = '\0';
    char v[TABLE_CELL];
    for (int a = 0; a < N_AXES; a++) {
        if (!(mask & AXIS_BIT(a))) continue;
        table_format_axis(v, sizeof v, first, (AxisId)a, 0);
        size_t used = strlen(out);
        snprintf(out + used, n - used, "%s%s=%s", used ? " " : "", axis_name((AxisId)a), v);
    }
}

static void print_csv(const Ranking *rk, const ConfigRow *configs, unsigned mask, int rope) {
    int first = 1;
    for (int a = 0; a < N_AXES; a++)
        if (mask & AXIS_BIT(a)) printf("%s%s", first ? "" : ",", axis_name((AxisId)a)), first = 0;
    printf(",n_pairs,mean_diff,se,t,df,p,p_holm,ci_low,ci_high,indistinguishable");
    if (rope) printf(",p_best_better,p_rope,p_other_better");
    printf("\n");
    char buf[TABLE_CELL];
    for (int64_t k = 0; k < rk->n_units; k++) {
        const RankedUnit *u = &rk->units[k];
        if (!u->compared) continue;
        const ConfigRow *c = &configs[rk->groups.groups[u->group].first];
        first = 1;
        for (int a = 0; a < N_AXES; a++) {
            if (!(mask & AXIS_BIT(a))) continue;
            table_format_axis(buf, sizeof buf, c, (AxisId)a, 1);
            printf("%s%s", first ? "" : ",", buf);
            first = 0;
        }
        const PairedTest *t = &u->test;
        printf(",%" PRId64, t->n_pairs);
        double v[] = {t->mean_diff, t->se, t->t, t->df, t->p, t->p_holm, t->ci_low, t->ci_high};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++) table_format_real(buf, sizeof buf, v[i]), printf(",%s", buf);
        printf(",%d", t->indistinguishable);
        if (rope) {
            double q[] = {t->p_best_better, t->p_rope, t->p_other_better};
            for (int i = 0; i < 3; i++) table_format_real(buf, sizeof buf, q[i]), printf(",%s", buf);
        }
        printf("\n");
    }
}

static void fixed(char *out, size_t n, double v, int places) {
    if (isnan(v)) snprintf(out, n, "-");
    else snprintf(out, n, "%.*f", places, v);
}

static const char *verdict(const PairedTest *t, int lower_is_better) {
    if (isnan(t->p_holm) && t->n_pairs < 2) return "too few pairs";
    if (t->indistinguishable) return "indistinguishable";
    return (t->mean_diff > 0.0) == !lower_is_better ? "worse" : "better";
}

static int print_table(const Ranking *rk, const ConfigRow *configs, const CompareOptions *o, unsigned mask,
                       const StoreSplits *sp, int metric, Task task) {
    const RankedUnit *best = rk->n_units && rk->units[0].is_best ? &rk->units[0] : NULL;
    char name[1024];
    printf("file     %s\n", o->path);
    printf("metric   %s (%s is better), the mean over each unit's done configs\n", stats_name(metric, task),
           rk->lower_is_better ? "lower" : "higher");
    if (rk->by_split)
        printf("pairs    the %lld splits of %lld-fold cross-validation x %lld repeat%s; se = sqrt((1/n + %.4g) var(d)) "
               "(Nadeau & Bengio)\n", (long long)(sp->folds * sp->repeats), (long long)sp->folds,
               (long long)sp->repeats, sp->repeats == 1 ? "" : "s", rk->correction);
    else
        printf("pairs    the seeds (the data split is fixed: seed noise only); se = sd(d) / sqrt(n)\n");
    if (!best) {
        printf("best     none: no unit has a done config\n");
        return 0;
    }
    unit_name(name, sizeof name, &configs[rk->groups.groups[best->group].first], mask);
    printf("best     %s: %.6g over %" PRId64 " done configs\n", name, best->mean,
           rk->groups.groups[best->group].n_done);
    printf("compared %" PRId64 " unit%s with the best: %" PRId64 " indistinguishable (Holm p >= %g)\n\n",
           rk->n_compared, rk->n_compared == 1 ? "" : "s", rk->n_indistinguishable, o->alpha);
    int rope = !isnan(o->rope);
    // Columns for the unit's axes that differ between units (all of them with --by).
    int axes[N_AXES], n_axes = 0;
    for (int a = 0; a < N_AXES; a++) {
        if (!(mask & AXIS_BIT(a))) continue;
        int varies = o->by >= 0;
        double v0 = axis_get_f64(&configs[rk->groups.groups[best->group].first].hyper, (AxisId)a);
        for (int64_t k = 1; k < rk->n_units && !varies; k++)
            varies = axis_get_f64(&configs[rk->groups.groups[rk->units[k].group].first].hyper, (AxisId)a) != v0;
        if (varies) axes[n_axes++] = a;
    }
    int n_cols = 1 + n_axes + 6 + (rope ? 3 : 0);
    char(*cells)[TABLE_CELL] = calloc((size_t)(rk->n_compared + 1) * (size_t)n_cols, TABLE_CELL);
    if (!cells) return -1;
    int c = 0;
    snprintf(cells[c++], TABLE_CELL, "rank");
    for (int i = 0; i < n_axes; i++) snprintf(cells[c++], TABLE_CELL, "%s", axis_name((AxisId)axes[i]));
    static const char *const HEAD[] = {"pairs", "best - this", "95% interval", "p", "Holm p", "verdict"};
    for (int i = 0; i < 6; i++) snprintf(cells[c++], TABLE_CELL, "%s", HEAD[i]);
    if (rope) {
        snprintf(cells[c++], TABLE_CELL, "P(best better)");
        snprintf(cells[c++], TABLE_CELL, "P(|d| <= %g)", o->rope);
        snprintf(cells[c++], TABLE_CELL, "P(this better)");
    }
    int64_t rows = 1;
    for (int64_t k = 0; k < rk->n_units; k++) {
        const RankedUnit *u = &rk->units[k];
        if (!u->compared) continue;
        const PairedTest *t = &u->test;
        const ConfigRow *first = &configs[rk->groups.groups[u->group].first];
        snprintf(cells[c++], TABLE_CELL, "%" PRId64, k + 1);
        for (int i = 0; i < n_axes; i++) table_format_axis(cells[c++], TABLE_CELL, first, (AxisId)axes[i], 0);
        snprintf(cells[c++], TABLE_CELL, "%" PRId64, t->n_pairs);
        fixed(cells[c++], TABLE_CELL, t->mean_diff, 4);
        if (isnan(t->ci_low)) snprintf(cells[c++], TABLE_CELL, "-");
        else snprintf(cells[c++], TABLE_CELL, "[%.4f, %.4f]", t->ci_low, t->ci_high);
        table_format_p(cells[c++], TABLE_CELL, t->p);
        table_format_p(cells[c++], TABLE_CELL, t->p_holm);
        snprintf(cells[c++], TABLE_CELL, "%s", verdict(t, rk->lower_is_better));
        if (rope) {
            fixed(cells[c++], TABLE_CELL, t->p_best_better, 3);
            fixed(cells[c++], TABLE_CELL, t->p_rope, 3);
            fixed(cells[c++], TABLE_CELL, t->p_other_better, 3);
        }
        rows++;
    }
    int rc = table_print((const char(*)[TABLE_CELL])cells, rows, n_cols);
    free(cells);
    int64_t left = rk->n_units - 1 - rk->n_compared;
    if (left > 0) printf("\n%" PRId64 " unit%s with no done config not compared\n", left, left == 1 ? "" : "s");
    return rc;
}

int compare_main(int argc, char **argv) {
    CompareOptions o;
    int rc = parse_compare_args(argc, argv, &o);
    if (rc >= 0) return rc;
    char err[ERR_LEN];
    hid_t file;
    if ((rc = store_open_read(o.path, &file, err))) {
        fprintf(stderr, "sweep compare: %s\n", err);
        return rc;
    }
    ConfigRow *configs = NULL;
    SummaryRow *summary = NULL;
    int64_t n = 0;
    StoreSplits sp;
    int metric = 0;
    StoreTask task;   // (v3) the score's name (acc or r2); a file of version 1 or 2 is binary
    char why[ERR_LEN];
    rc = store_task_read(file, &task, why);
    if (rc) fail(err, rc, "%s: %s", o.path, why);
    if (rc == SWEEP_OK) rc = store_read_tables(file, &configs, &summary, &n, err);
    if (rc == SWEEP_OK && store_read_splits(file, &sp) != 0) rc = fail(err, SWEEP_ERR_USAGE, "%s: cannot read /data", o.path);
    if (rc == SWEEP_OK) rc = ranking_metric_task(o.metric, sp.folds >= 2, task.task, &metric, err);
    Task file_task = task.task;
    store_task_free(&task);
    H5Fclose(file);
    if (rc) {
        fprintf(stderr, "sweep compare: %s\n", err);
        free(configs);
        free(summary);
        return rc;
    }
    uint8_t *keep = malloc((size_t)(n ? n : 1));
    Ranking rk;
    memset(&rk, 0, sizeof rk);
    unsigned mask = o.by >= 0 ? AXIS_BIT(o.by) : STATS_SETTING_AXES;
    int status = SWEEP_OK;
    if (!keep) status = cli_error("compare", SWEEP_ERR_RUNTIME, "out of memory");
    else if ((rc = select_configs(&o, configs, n, keep)) >= 0) status = rc;
    else {
        RankingOptions ro = {.metric = metric, .axes = mask, .alpha = o.alpha, .rope = o.rope, .n_train = sp.n_train,
                             .n_folds = sp.folds, .n_repeats = sp.repeats, .keep = keep};
        int built = ranking_build(&rk, configs, summary, n, &ro);
        if (built == GROUP_ERR_ID) {
            fprintf(stderr, "sweep compare: %s: /configs: its ids are not 0..%lld, each once\n", o.path, (long long)n - 1);
            status = SWEEP_ERR_USAGE;
        }
        else if (built != 0) status = cli_error("compare", SWEEP_ERR_RUNTIME, "out of memory");
    }
    if (status == SWEEP_OK) {
        if (o.csv) {
            if (rk.n_units && rk.units[0].is_best) {
                char name[1024];
                unit_name(name, sizeof name, &configs[rk.groups.groups[rk.units[0].group].first], mask);
                fprintf(stderr, "sweep compare: best %s: %s = %.17g\n", name, stats_name(metric, file_task), rk.units[0].mean);
            } else {
                fprintf(stderr, "sweep compare: no unit has a done config\n");
            }
            print_csv(&rk, configs, mask, !isnan(o.rope));
        } else if (print_table(&rk, configs, &o, mask, &sp, metric, file_task) != 0) {
            status = cli_error("compare", SWEEP_ERR_RUNTIME, "out of memory");
        }
        if (status == SWEEP_OK && (fflush(stdout) != 0 || ferror(stdout)))
            status = cli_error("compare", SWEEP_ERR_RUNTIME, "cannot write: %s", strerror(errno));
    }
    ranking_free(&rk);
    free(keep);
    free(configs);
    free(summary);
    return status;
}
