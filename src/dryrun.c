// dryrun.c: `sweep -n` (see dryrun.h).
#include "dryrun.h"

#include <stdio.h>

#include "halving.h"
#include "store.h"
#include "trajectory.h"

// Rough single-thread speed for the dry run's time estimate.
#define ESTIMATED_GFLOPS_PER_THREAD 30.0   // make bench measures 35-39 on an AVX2 core

// A value of axis a as the spec writes it.
static void format_axis_value(char *out, size_t cap, AxisId a, double v) {
    switch (axis_kind(a)) {
    case AXIS_BOOL: snprintf(out, cap, "%s", v != 0 ? "true" : "false"); break;
    case AXIS_NAME: snprintf(out, cap, "%s", axis_value_name(a, (int64_t)v)); break;
    case AXIS_REAL: snprintf(out, cap, "%.6g", v); break;
    default: snprintf(out, cap, "%.0f", v); break;
    }
}

// The dry run of a random search: what each axis is drawn from, and what the draw gave.
static void print_search(const Spec *s, const Grid *g) {
    const SpecAxis *axes = s->grids[0].axes;
    int without = 1;
    for (int a = 0; a < N_AXES; a++)
        if (axes[a].dist == DIST_UNIFORM || axes[a].dist == DIST_LOGUNIFORM) without = 0;
    int64_t n_seeds = axes[AXIS_SEED].n_values;
    int64_t n_splits = s->data.folds * s->data.repeats;
    char splits[48] = "";
    if (n_splits > 1) snprintf(splits, sizeof splits, " x %lld splits", (long long)n_splits);
    printf("search  random, seed %llu: %lld settings drawn %s x %lld seed%s%s = %lld configs\n",
           (unsigned long long)s->search.seed, (long long)s->search.n,
           without ? "without replacement (every drawn axis is discrete)" : "with replacement",
           (long long)n_seeds, n_seeds == 1 ? "" : "s", splits, (long long)g->n_configs);
    printf("  %-14s %-34s %8s  %-12s %s\n", "axis", "drawn from", "distinct", "min", "max");
    for (int a = 0; a < N_AXES; a++) {
        const SpecAxis *ax = &axes[a];
        char from[128], lo[32], hi[32];
        if (ax->dist == DIST_RANDINT)
            snprintf(from, sizeof from, "randint [%lld, %lld)", (long long)ax->ilo, (long long)ax->ihi);
        else if (ax->dist)
            snprintf(from, sizeof from, "%s [%.6g, %.6g]", DIST_NAMES[ax->dist], ax->lo, ax->hi);
        else {
            char v0[32], v1[32];
            double first = axis_is_real((AxisId)a) ? ax->reals[0] : (double)ax->ints[0];
            double last = axis_is_real((AxisId)a) ? ax->reals[ax->n_values - 1] : (double)ax->ints[ax->n_values - 1];
            format_axis_value(v0, sizeof v0, (AxisId)a, first);
            format_axis_value(v1, sizeof v1, (AxisId)a, last);
            const char *how = a == AXIS_SEED ? "crossed" : ax->n_values > 1 ? "list" : "fixed";
            if (ax->n_values == 1) snprintf(from, sizeof from, "%s: %s", how, v0);
            else if (ax->n_values == 2) snprintf(from, sizeof from, "%s of 2: %s, %s", how, v0, v1);
            else snprintf(from, sizeof from, "%s of %lld: %s ... %s", how, (long long)ax->n_values, v0, v1);
        }
        // At most this many distinct values: small sets for lists and randint (fast), n for reals.
        int64_t bound = ax->dist == DIST_RANDINT ? ax->ihi - ax->ilo : ax->dist ? g->n_configs : ax->n_values;
        GridSpread sp;
        if (grid_spread(g, (AxisId)a, bound, &sp) != 0) { printf("  %-14s %s\n", axis_name((AxisId)a), from); continue; }
        format_axis_value(lo, sizeof lo, (AxisId)a, sp.min);
        format_axis_value(hi, sizeof hi, (AxisId)a, sp.max);
        if (axis_is_name((AxisId)a) && sp.n_distinct > 1) snprintf(lo, sizeof lo, "-"), snprintf(hi, sizeof hi, "-");   // names have no order
        printf("  %-14s %-34s %8lld  %-12s %s\n", axis_name((AxisId)a), from, (long long)sp.n_distinct, lo, hi);
    }
}

// Value i of a written axis as the dry run shows it.
static void axis_value_text(char *out, size_t cap, const SpecAxis *ax, AxisId a, int64_t i) {
    axis_format(out, cap, a, ax->ints ? ax->ints[i] : 0, ax->reals ? ax->reals[i] : 0.0, "%g");
}

static void print_axis_values(const SpecAxis *ax, AxisId a) {
    int64_t shown = ax->n_values <= 8 ? ax->n_values : 6;
    char v[48];
    for (int64_t i = 0; i < shown; i++) {
        axis_value_text(v, sizeof v, ax, a, i);
        printf("%s%s", i ? ", " : "", v);
    }
    if (shown < ax->n_values) {
        axis_value_text(v, sizeof v, ax, a, ax->n_values - 1);
        printf(", ... %s", v);
    }
}

// The preview's columns: the tutorial's axes, and each (v2) group of axes (the training
// recipe, early stopping) when some config leaves one of its defaults.
static void preview_columns(const Grid *g, int shown[N_AXES]) {
    unsigned groups = 1u << AXIS_GROUP_TUTORIAL;
    for (int64_t i = 0; i < g->n_configs; i++) groups |= axis_groups_changed(&g->configs[i].hyper);
    for (int a = 0; a < N_AXES; a++) shown[a] = (groups >> axis_info((AxisId)a)->group) & 1;
}

static void print_config_row(const Config *c, const int shown[N_AXES], int with_splits) {
    const Hyper *h = &c->hyper;
    printf("  %8lld", (long long)c->id);
    for (int a = 0; a < N_AXES; a++) {
        if (!shown[a]) continue;
        char v[48];
        axis_format(v, sizeof v, (AxisId)a, axis_get_i64(h, (AxisId)a), axis_get_f64(h, (AxisId)a), "%g");
        printf(" %*s", axis_info((AxisId)a)->width, v);
    }
    if (with_splits) printf(" %6d %4d", (int)h->repeat, (int)h->fold);
    printf("\n");
}

static void human_bytes(char *buf, size_t n, double b) {
    const char *unit[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000.0 && u < 4) { b /= 1000.0; u++; }
    snprintf(buf, n, "%.1f %s", b, unit[u]);
}

void dryrun_task_text(const Dataset *d, const char *target, char *out, size_t cap) {
    if (d->task != TASK_REGRESSION) {
        store_task_describe(d->task, d->n_classes, d->class_names, out, cap);
        return;
    }
    snprintf(out, cap, "regression, target %s, scaled %s", target ? target : "(the last column)",
             TARGET_SCALE_NAMES[d->target_scaling < N_TARGET_SCALES ? d->target_scaling : 0]);
}

void dryrun_print(const Spec *s, const Dataset *d, const Grid *g, const int64_t *todo, int64_t n_todo,
                  const char *output, int n_threads, const char *target) {
    printf("spec    %s (%s)\n", s->path, s->name);
    printf("data    %s: %lld rows x %lld features, train %lld / test %lld, scale %s\n", s->data.source_given,
           (long long)d->n_samples, (long long)d->n_features, (long long)d->n_train, (long long)d->n_test,
           data_scale_name(s->data.scale));
    char task[512];
    dryrun_task_text(d, target, task, sizeof task);
    printf("task    %s\n", task);
    int with_splits = d->n_folds >= 2;
    int64_t n_splits = d->n_folds * d->n_repeats;
    if (with_splits) {
        int64_t K = d->n_folds, min_fit = data_min_fit_rows(d, K);
        int64_t max_fit = data_max_fit_rows(d, K);   // beside the smallest fold
        printf("folds   %lld-fold x %lld repeat%s = %lld splits of the training part: each config fits ",
               (long long)K, (long long)d->n_repeats, d->n_repeats == 1 ? "" : "s", (long long)n_splits);
        if (min_fit == max_fit) printf("%lld rows", (long long)min_fit);
        else printf("%lld to %lld rows", (long long)min_fit, (long long)max_fit);
        printf(" and validates on the rest\n");
    }
    if (s->search.method == SEARCH_RANDOM) {
        print_search(s, g);
    } else {
        if (s->n_grids > 1) printf("grid    %lld sub-grids = %lld configs\n", (long long)s->n_grids, (long long)g->n_configs);
        for (int64_t k = 0; k < s->n_grids; k++) {
            const SpecAxis *axes = s->grids[k].axes;
            int64_t n = 1;
            for (int a = 0; a < N_AXES; a++) n *= axes[a].n_values;
            const char *indent = s->n_grids > 1 ? "  " : "";
            if (s->n_grids > 1) {
                printf("  grid[%lld]", (long long)k);
            } else {
                printf("grid   ");
            }
            for (int a = 0; a < N_AXES; a++) printf(" %s%lld", a ? "x " : "", (long long)axes[a].n_values);
            if (with_splits) printf(" x %lld splits", (long long)n_splits);
            printf(" = %lld configs", (long long)(n * n_splits));
            if (s->n_grids > 1) {
                char where[256];
                spec_where(s, s->grids[k].loc, where, sizeof where);
                printf(" (%s)", where);
            }
            printf("\n");
            for (int a = 0; a < N_AXES; a++) {
                printf("%s  %-14s %4lld: ", indent, axis_name((AxisId)a), (long long)axes[a].n_values);
                print_axis_values(&axes[a], (AxisId)a);
                printf("\n");
            }
        }
    }
    int shown[N_AXES];
    preview_columns(g, shown);
    printf("configs (first and last)\n  %8s", "id");
    for (int a = 0; a < N_AXES; a++)
        if (shown[a]) printf(" %*s", axis_info((AxisId)a)->width, axis_name((AxisId)a));
    printf(with_splits ? " %6s %4s\n" : "\n", "repeat", "fold");
    int64_t head = n_todo <= 6 ? n_todo : 4;
    for (int64_t i = 0; i < head; i++) print_config_row(&g->configs[todo[i]], shown, with_splits);
    if (head < n_todo) {
        printf("  %8s\n", "...");
        print_config_row(&g->configs[todo[n_todo - 1]], shown, with_splits);
    }
    // The work: each trajectory (configs that differ only in epochs) once, to its longest.
    double alone = 0.0, flops = 0.0;
    for (int64_t i = 0; i < n_todo; i++) alone += train_flops(&g->configs[todo[i]].hyper, d);
    Trajectories t;
    int64_t n_units = n_todo;
    if (trajectory_group(&t, g, d, todo, n_todo) == 0) {
        flops = trajectory_total_flops(&t);
        n_units = t.n_units;
        trajectory_free(&t);
    } else {
        flops = alone;
    }
    HalvingPlan hp;
    double share = 1.0;   // of the full grid's epochs that halving trains
    if (s->halving.enabled && halving_plan(&hp, s, g) == 0) {
        printf("halving factor %lld on %s: rungs", (long long)hp.factor, train_curve_name(hp.metric, d->task == TASK_REGRESSION));
        for (int64_t i = 0; i < hp.n_rungs; i++) printf("%s %lld", i ? "," : "", (long long)hp.rungs[i]);
        printf(" epochs; settings");
        for (int64_t i = 0; i < hp.n_rungs; i++) printf("%s %lld", i ? " ->" : "", (long long)halving_alive(&hp, i));
        share = (double)halving_epochs(&hp) / ((double)g->n_configs * (double)hp.epochs);
        printf("\n        trains %.1f%% of the full grid's epochs (%lld of %lld)\n", 100.0 * share,
               (long long)halving_epochs(&hp), (long long)(g->n_configs * hp.epochs));
        flops *= share;
        halving_free(&hp);
    }
    double seconds = flops / (ESTIMATED_GFLOPS_PER_THREAD * 1e9 * n_threads);
    printf("work    %lld configs to train, %.3g GFLOP, roughly %.0f s on %d thread%s\n", (long long)n_todo,
           flops / 1e9, seconds, n_threads, n_threads == 1 ? "" : "s");
    if (n_units < n_todo)
        printf("        as %lld trajectories: configs that differ only in epochs share their prefix "
               "(%.3g GFLOP each alone, %.2fx)\n", (long long)n_units, alone / 1e9, alone / flops);
    char size[32];
    human_bytes(size, sizeof size, store_estimate_bytes(g, d, s->save_initial_weights));
    printf("file    %s, about %s\n", output, size);
}
