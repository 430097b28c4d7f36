// chart.c: the HTML report's charts over the tables (chart.h): the model they share, the
// intervals beside the ranking, a heatmap per pair of swept axes, parallel coordinates of every
// setting, and successive halving's rungs. Group means come from stats_group and the units
// from the ranking, as in the text report.
#include "chart.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"
#include "table.h"
#include "train.h"

enum { MAX_CELL_VALUES = 12 };   // more values on an axis: a scatter instead of a heatmap

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

// The index of v among an axis's values, or -1.
static int64_t value_index(const ChartAxis *ax, double v) {
    const double *at = bsearch(&v, ax->v, (size_t)ax->n, sizeof *ax->v, cmp_double);
    return at ? at - ax->v : -1;
}

int chart_model_init(ChartModel *m, hid_t file, const ConfigRow *configs, const SummaryRow *summary, int64_t n,
                     const Ranking *rank, int metric, int64_t rows, unsigned mask) {
    memset(m, 0, sizeof *m);
    m->file = file, m->configs = configs, m->summary = summary, m->n = n;
    m->rank = rank, m->metric = metric, m->rows = rows, m->mask = mask;
    snprintf(m->task, sizeof m->task, "binary");
    hid_t data = H5Gopen2(file, "data", H5P_DEFAULT);
    if (data >= 0) {
        char task[32];
        if (h5util_attr_read(data, "task", task, sizeof task) == 0 && task[0]) snprintf(m->task, sizeof m->task, "%s", task);
        H5Gclose(data);
    }
    int grouped = stats_group(&m->settings, configs, summary, n, STATS_SETTING_AXES);
    if (grouped != 0) return grouped == GROUP_ERR_ID ? GROUP_ERR_ID : -1;
    for (int a = 0; a < N_AXES; a++) {
        ChartAxis *ax = &m->axes[a];
        ax->v = malloc((size_t)(n ? n : 1) * sizeof *ax->v);
        if (!ax->v) { chart_model_free(m); return -1; }
        for (int64_t i = 0; i < n; i++) ax->v[i] = axis_get_f64(&configs[i].hyper, (AxisId)a);
        qsort(ax->v, (size_t)n, sizeof *ax->v, cmp_double);
        for (int64_t i = 0; i < n; i++)
            if (i == 0 || ax->v[i] != ax->v[ax->n - 1]) ax->v[ax->n++] = ax->v[i];
        ax->log = !axis_is_name((AxisId)a) && axis_kind((AxisId)a) != AXIS_BOOL && a != AXIS_SEED &&
                  svg_values_geometric(ax->v, (size_t)ax->n);
        if (a != AXIS_SEED && ax->n > 1) m->swept[m->n_swept++] = a;
    }
    return 0;
}

void chart_model_free(ChartModel *m) {
    stats_free(&m->settings);
    for (int a = 0; a < N_AXES; a++) free(m->axes[a].v);
    memset(m, 0, sizeof *m);
}

static void axis_unit_text(const ChartModel *m, AxisId a, int scaled, char *out, size_t n) {
    const char *u = axis_info(a)->unit;
    int log = scaled && m->axes[a].log;
    if (u && log) snprintf(out, n, "(%s, log scale)", u);
    else if (u || log) snprintf(out, n, "(%s)", u ? u : "log scale");
    else snprintf(out, n, "%s", axis_is_name(a) ? "(name)" : "");
}

void chart_axis_label(const ChartModel *m, AxisId a, int scaled, char *out, size_t n) {
    char unit[64];
    axis_unit_text(m, a, scaled, unit, sizeof unit);
    snprintf(out, n, "%s%s%s", AXIS_NAMES[a], unit[0] ? " " : "", unit);
}

void chart_axis_value(AxisId a, double v, char *out, size_t n) {
    if (axis_is_name(a)) snprintf(out, n, "%s", axis_value_name(a, (int64_t)v));
    else if (axis_kind(a) == AXIS_BOOL) snprintf(out, n, "%s", v != 0.0 ? "true" : "false");
    else if (axis_is_real(a)) table_format_real(out, n, v);
    else snprintf(out, n, "%" PRId64, (int64_t)v);
}

Task chart_task(const ChartModel *m) {
    int t;
    return task_parse(m->task, &t) == 0 && t >= 0 && t < N_TASKS ? (Task)t : TASK_BINARY;
}

const char *chart_stat_name(const ChartModel *m, int stat) { return stats_name(stat, chart_task(m)); }

const char *chart_kind_unit(const ChartModel *m, const char *kind) {
    if (strcmp(kind, "loss") == 0)
        return strcmp(m->task, "regression") == 0 ? "mean squared error"
               : strcmp(m->task, "multiclass") == 0 ? "mean cross-entropy" : "mean binary cross-entropy";
    if (strcmp(kind, "acc") == 0) return "fraction correct";
    if (strcmp(kind, "r2") == 0) return "coefficient of determination";
    return "value";
}

// A tick's text: as chart_axis_value, reals to 3 significant digits.
static void tick_value(AxisId a, double v, char *out, size_t n) {
    if (axis_is_real(a)) snprintf(out, n, "%.3g", v);
    else chart_axis_value(a, v, out, n);
}

void chart_metric_label(const ChartModel *m, int stat, char *out, size_t n) {
    const char *name = chart_stat_name(m, stat), *kind = strrchr(name, '_');
    snprintf(out, n, "%s (%s)", name, chart_kind_unit(m, kind ? kind + 1 : name));
}

void chart_unit_label(const ChartModel *m, const GroupStats *g, unsigned mask, char *out, size_t n) {
    size_t used = 0;
    out[0] = '\0';
    int any_swept = 0;
    for (int a = 0; a < N_AXES; a++) any_swept |= (mask & AXIS_BIT(a)) && m->axes[a].n > 1;
    for (int a = 0; a < N_AXES && used < n; a++) {
        if (!(mask & AXIS_BIT(a)) || (any_swept && m->axes[a].n < 2)) continue;
        char v[TABLE_CELL];
        chart_axis_value((AxisId)a, axis_get_f64(&m->configs[g->first].hyper, (AxisId)a), v, sizeof v);
        int k = snprintf(out + used, n - used, "%s%s=%s", used ? ", " : "", AXIS_NAMES[a], v);
        if (k < 0) break;
        used += (size_t)k;
    }
}

// Better is brighter: the viridis position of a value in [lo, hi].
static double shade(const ChartModel *m, double v, double lo, double hi) {
    if (isnan(v)) return NAN;
    double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return m->rank->lower_is_better ? 1.0 - t : t;
}

// ---------------------------------------------------------------------------------------
// The intervals beside the ranking table.

enum { IV_W = 200, IV_H = 20, IV_PAD = 10 };

void chart_interval_scale(const ChartModel *m, SvgScale *s) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t k = 0; k < m->rows; k++) {
        const RankedUnit *u = &m->rank->units[k];
        double v[] = {u->mean, u->ci_low, u->ci_high, u->pruned_mean};
        for (size_t i = 0; i < sizeof v / sizeof *v; i++)
            if (isfinite(v[i])) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    }
    if (lo > hi) lo = 0.0, hi = 1.0;
    double pad = (hi - lo) * 0.04;
    svg_scale_init(s, lo - pad, hi + pad, IV_PAD, IV_W - IV_PAD, 0);
}

void chart_interval_axis(FILE *f, const ChartModel *m, const SvgScale *s) {
    char title[160];
    snprintf(title, sizeof title, "Scale of the 95%% intervals of the mean %s", chart_stat_name(m, m->metric));
    svg_begin(f, IV_W, 26, "ivx", title, NULL);
    svg_axis(f, s, 0, 4, NAN, NULL);
    svg_end(f);
}

void chart_interval_row(FILE *f, const ChartModel *m, const SvgScale *s, int64_t k) {
    const RankedUnit *u = &m->rank->units[k], *best = &m->rank->units[0];
    char title[320], c[32], why[64];
    const char *verdict = table_verdict(u, m->rank->lower_is_better, why, sizeof why);
    if (isnan(u->mean) && !isnan(u->pruned_mean))
        snprintf(title, sizeof title, "rank %" PRId64 ": %s, mean %s %.4f where it was pruned", k + 1, verdict,
                 chart_stat_name(m, m->metric), u->pruned_mean);
    else if (isnan(u->mean))
        snprintf(title, sizeof title, "rank %" PRId64 ": no done config", k + 1);
    else {
        table_format_interval(c, sizeof c, u);
        snprintf(title, sizeof title, "rank %" PRId64 ": mean %s [95%% interval] %s; %s", k + 1, chart_stat_name(m, m->metric),
                 c, verdict);
    }
    svg_begin(f, IV_W, IV_H, "iv", title, NULL);
    double mid = IV_H / 2.0;
    if (best->is_best && isfinite(best->mean))
        fprintf(f, "<path class=\"bestline\" d=\"M%.1f 0V%d\"/>", svg_scale_map(s, best->mean), IV_H);
    if (isfinite(u->ci_low) && isfinite(u->ci_high)) {
        double x0 = svg_scale_map(s, u->ci_low), x1 = svg_scale_map(s, u->ci_high);
        fprintf(f, "<path class=\"ci\" d=\"M%.1f %.1fH%.1fM%.1f %.1fv8M%.1f %.1fv8\"/>", x0, mid, x1, x0, mid - 4, x1,
                mid - 4);
    }
    if (isfinite(u->mean)) {
        double x = svg_scale_map(s, u->mean);
        if (u->is_best)
            fprintf(f, "<path class=\"mk best\" d=\"M%.1f %.1fl5 5-5 5-5-5z\"/>", x, mid - 5);
        else
            fprintf(f, "<circle class=\"mk %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>",
                    u->compared && u->test.indistinguishable ? "ind" : "oth", x, mid);
    } else if (isfinite(u->pruned_mean)) {
        fprintf(f, "<rect class=\"mk prn\" x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\"/>",
                svg_scale_map(s, u->pruned_mean) - 3.5, mid - 3.5);
    }
    svg_end(f);
}

// ---------------------------------------------------------------------------------------
// Heatmaps: the mean of the metric over every config with each pair of values.

enum { HM_LEFT = 120, HM_TOP = 8, HM_CW = 72, HM_CH = 34, HM_BOTTOM = 48, HM_BAR = 16, HM_BAR_ROOM = 120 };

static void cell_text(char *out, size_t n, double v) {
    if (isnan(v)) snprintf(out, n, "n/a");
    else if (fabs(v) >= 1e4 || (v != 0.0 && fabs(v) < 1e-3)) snprintf(out, n, "%.3g", v);
    else snprintf(out, n, "%.4f", v);
}

static void finite_range(const double *v, int64_t n, double *lo, double *hi) {
    *lo = INFINITY, *hi = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(v[i])) *lo = fmin(*lo, v[i]), *hi = fmax(*hi, v[i]);
    if (*lo > *hi) *lo = 0.0, *hi = 1.0;
}

static int heatmap(FILE *f, const ChartModel *m, AxisId ax, AxisId ay, char *err) {
    Groups g;
    if (stats_group(&g, m->configs, m->summary, m->n, AXIS_BIT(ax) | AXIS_BIT(ay)) != 0)
        return fail(err, -1, "out of memory");
    const ChartAxis *X = &m->axes[ax], *Y = &m->axes[ay];
    int64_t nx = X->n, ny = Y->n;
    double ch = ny * HM_CH < 120 ? 120.0 / (double)ny : HM_CH;   // room for the axis's name
    int64_t *cell = malloc((size_t)(nx * ny) * sizeof *cell);
    double *means = malloc((size_t)(g.n_groups ? g.n_groups : 1) * sizeof *means);
    if (!cell || !means) { free(cell); free(means); stats_free(&g); return fail(err, -1, "out of memory"); }
    for (int64_t i = 0; i < nx * ny; i++) cell[i] = -1;
    for (int64_t k = 0; k < g.n_groups; k++) {
        const ConfigRow *c = &m->configs[g.groups[k].first];
        int64_t i = value_index(X, axis_get_f64(&c->hyper, ax)), j = value_index(Y, axis_get_f64(&c->hyper, ay));
        if (i >= 0 && j >= 0) cell[j * nx + i] = k;
        means[k] = g.groups[k].mean[m->metric];
    }
    double lo, hi;
    finite_range(means, g.n_groups, &lo, &hi);
    char xl[96], yl[96], title[200], buf[640], col[8], v[TABLE_CELL], w[TABLE_CELL];
    chart_axis_label(m, ax, 0, xl, sizeof xl);
    chart_axis_label(m, ay, 0, yl, sizeof yl);
    snprintf(title, sizeof title, "Mean %s by %s and %s", chart_stat_name(m, m->metric), AXIS_NAMES[ax], AXIS_NAMES[ay]);
    fputs("<figure><h3>", f);
    svg_escape(f, title);
    fputs("</h3>\n", f);
    double W = HM_LEFT + nx * HM_CW + 20 + HM_BAR + HM_BAR_ROOM, H = HM_TOP + ny * ch + HM_BOTTOM;
    snprintf(buf, sizeof buf, "%s; each cell the mean over every done config with those two values, over the other axes",
             title);
    svg_begin(f, W, H < 170 ? 170 : H, "hm", buf, NULL);
    for (int64_t j = 0; j < ny; j++) {
        double y = HM_TOP + (ny - 1 - j) * ch;   // the smallest value at the bottom
        for (int64_t i = 0; i < nx; i++) {
            double x = HM_LEFT + i * HM_CW;
            int64_t k = cell[j * nx + i];
            const GroupStats *gs = k >= 0 ? &g.groups[k] : NULL;
            double mean = gs ? gs->mean[m->metric] : NAN, t = shade(m, mean, lo, hi);
            if (isnan(mean)) snprintf(col, sizeof col, "#dddddd");
            else svg_viridis(t, col);
            chart_axis_value(ax, X->v[i], v, sizeof v);
            chart_axis_value(ay, Y->v[j], w, sizeof w);
            char ct[32];
            cell_text(ct, sizeof ct, mean);
            fprintf(f, "<g><rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>", x, y, HM_CW - 1,
                    ch - 1, col);
            snprintf(buf, sizeof buf, "%s=%s, %s=%s: mean %s %s over %" PRId64 " done of %" PRId64 " configs "
                     "(%" PRId64 " diverged, %" PRId64 " failed, %" PRId64 " pruned, %" PRId64 " pending)",
                     AXIS_NAMES[ax], v, AXIS_NAMES[ay], w, chart_stat_name(m, m->metric), ct, gs ? gs->n_done : 0,
                     gs ? gs->n_configs : 0, gs ? gs->n_diverged : 0, gs ? gs->n_failed : 0, gs ? gs->n_pruned : 0,
                     gs ? gs->n_pending : 0);
            fputs("<title>", f);
            svg_escape(f, buf);
            fprintf(f, "</title><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"%s\">%s</text>",
                    x + HM_CW / 2.0, y + ch / 2.0 + (gs && gs->n_diverged + gs->n_failed ? -1 : 4),
                    svg_viridis_ink(t), ct);
            if (gs && gs->n_diverged + gs->n_failed) {
                snprintf(buf, sizeof buf, "%" PRId64 " diverged", gs->n_diverged + gs->n_failed);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"small %s\">%s</text>",
                        x + HM_CW / 2.0, y + ch - 6.0, svg_viridis_ink(t), buf);
            }
            fputs("</g>\n", f);
        }
        tick_value(ay, Y->v[j], w, sizeof w);
        svg_text(f, HM_LEFT - 6, HM_TOP + (ny - 1 - j) * ch + ch / 2.0 + 4, "end", NULL, w);
    }
    for (int64_t i = 0; i < nx; i++) {
        tick_value(ax, X->v[i], v, sizeof v);
        svg_text(f, HM_LEFT + i * HM_CW + HM_CW / 2.0, HM_TOP + ny * ch + 14, "middle", NULL, v);
    }
    svg_text(f, HM_LEFT + nx * HM_CW / 2.0, HM_TOP + ny * ch + 34, "middle", "name", xl);
    fprintf(f, "<text class=\"name\" text-anchor=\"middle\" transform=\"translate(%d %.1f) rotate(-90)\">", 16,
            HM_TOP + ny * ch / 2.0);
    svg_escape(f, yl);
    fputs("</text>\n", f);
    double bar_h = ny * ch < 120 ? 120 : ny * ch;
    svg_color_bar(f, HM_LEFT + nx * HM_CW + 20, HM_TOP, HM_BAR, bar_h, lo, hi, m->rank->lower_is_better,
                  chart_stat_name(m, m->metric));
    svg_end(f);
    fputs("</figure>\n", f);
    free(cell);
    free(means);
    stats_free(&g);
    return 0;
}

enum { SC_LEFT = 80, SC_TOP = 10, SC_W = 460, SC_H = 300 };

// For axes with many values (a random search's draws): one point per setting.
static int scatter(FILE *f, const ChartModel *m, AxisId ax, AxisId ay, char *err) {
    const Groups *g = &m->settings;
    double *means = malloc((size_t)(g->n_groups ? g->n_groups : 1) * sizeof *means);
    if (!means) return fail(err, -1, "out of memory");
    for (int64_t k = 0; k < g->n_groups; k++) means[k] = g->groups[k].mean[m->metric];
    double lo, hi;
    finite_range(means, g->n_groups, &lo, &hi);
    const ChartAxis *X = &m->axes[ax], *Y = &m->axes[ay];
    SvgScale sx, sy;
    svg_scale_init(&sx, X->v[0], X->v[X->n - 1], SC_LEFT, SC_LEFT + SC_W, X->log);
    svg_scale_init(&sy, Y->v[0], Y->v[Y->n - 1], SC_TOP + SC_H, SC_TOP, Y->log);
    char xl[96], yl[96], title[400], buf[700], col[8], label[512], ct[32];
    chart_axis_label(m, ax, 1, xl, sizeof xl);
    chart_axis_label(m, ay, 1, yl, sizeof yl);
    snprintf(title, sizeof title, "Mean %s of each setting by %s and %s", chart_stat_name(m, m->metric), AXIS_NAMES[ax],
             AXIS_NAMES[ay]);
    fputs("<figure><h3>", f);
    svg_escape(f, title);
    fputs("</h3>\n", f);
    svg_begin(f, SC_LEFT + SC_W + 40 + HM_BAR + HM_BAR_ROOM, SC_TOP + SC_H + 50, "sc", title, NULL);
    svg_axis(f, &sx, 0, SC_TOP + SC_H, SC_TOP, xl);
    svg_axis(f, &sy, 1, SC_LEFT, SC_LEFT + SC_W, yl);
    for (int64_t k = 0; k < g->n_groups; k++) {
        const ConfigRow *c = &m->configs[g->groups[k].first];
        double x = svg_scale_map(&sx, axis_get_f64(&c->hyper, ax)), y = svg_scale_map(&sy, axis_get_f64(&c->hyper, ay));
        chart_unit_label(m, &g->groups[k], STATS_SETTING_AXES, label, sizeof label);
        cell_text(ct, sizeof ct, means[k]);
        snprintf(buf, sizeof buf, "%s: mean %s %s (%" PRId64 " done of %" PRId64 ")", label, chart_stat_name(m, m->metric), ct,
                 g->groups[k].n_done, g->groups[k].n_configs);
        if (isnan(means[k])) fprintf(f, "<path class=\"nodone\" d=\"M%.1f %.1fl6 6m-6 0l6-6\">", x - 3, y - 3);
        else {
            svg_viridis(shade(m, means[k], lo, hi), col);
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\">", x, y, col);
        }
        fputs("<title>", f);
        svg_escape(f, buf);
        fputs(isnan(means[k]) ? "</title></path>\n" : "</title></circle>\n", f);
    }
    svg_color_bar(f, SC_LEFT + SC_W + 40, SC_TOP, HM_BAR, SC_H, lo, hi, m->rank->lower_is_better, chart_stat_name(m, m->metric));
    svg_end(f);
    fputs("</figure>\n", f);
    free(means);
    return 0;
}

int chart_heatmaps(FILE *f, const ChartModel *m, char *err) {
    if (m->n_swept < 2) {
        fprintf(f, "<p class=\"note\">%s: no pair of axes to draw.</p>\n",
                m->n_swept ? "Only one axis is swept (besides seed)" : "No axis is swept (besides seed)");
        return 0;
    }
    for (int i = 0; i < m->n_swept; i++)
        for (int j = i + 1; j < m->n_swept; j++) {
            AxisId a = (AxisId)m->swept[i], b = (AxisId)m->swept[j];
            // x: the axis with more values (ties: the later axis), y: the other.
            AxisId ax = m->axes[a].n > m->axes[b].n ? a : b, ay = ax == a ? b : a;
            int many = m->axes[ax].n > MAX_CELL_VALUES || m->axes[ay].n > MAX_CELL_VALUES;
            if ((many ? scatter(f, m, ax, ay, err) : heatmap(f, m, ax, ay, err)) != 0) return -1;
        }
    return 0;
}

// ---------------------------------------------------------------------------------------
// Parallel coordinates: every setting, one polyline over its swept axes and the metric.

enum { PC_LEFT = 70, PC_STEP = 180, PC_TOP = 44, PC_H = 300, PC_BAR_ROOM = 150 };

typedef struct {
    const double *mean;
    int lower_is_better;
} PcOrder;

// Settings without a mean first, then the worst to the best (drawn last, on top).
static int cmp_pc(const void *x, const void *y, void *ctx) {
    const PcOrder *o = ctx;
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    double va = o->mean[a], vb = o->mean[b];
    int an = isnan(va), bn = isnan(vb);
    if (an != bn) return an ? -1 : 1;
    if (an || va == vb) return (a > b) - (a < b);
    return (va > vb) == o->lower_is_better ? -1 : 1;
}

// The vertical position of a value on axis a: a scale for numbers, the value's index for names.
static double pc_y(const ChartModel *m, AxisId a, const SvgScale *s, double v) {
    const ChartAxis *ax = &m->axes[a];
    if (axis_is_name(a) || axis_kind(a) == AXIS_BOOL) return svg_scale_map(s, (double)value_index(ax, v));
    return svg_scale_map(s, v);
}

int chart_parallel(FILE *f, const ChartModel *m, char *err) {
    const Groups *g = &m->settings;
    int na = m->n_swept;
    if (na == 0) {
        fputs("<p class=\"note\">No axis is swept (besides seed): one setting, nothing to draw.</p>\n", f);
        return 0;
    }
    double *means = malloc((size_t)(g->n_groups ? g->n_groups : 1) * sizeof *means);
    int64_t *order = malloc((size_t)(g->n_groups ? g->n_groups : 1) * sizeof *order);
    if (!means || !order) { free(means); free(order); return fail(err, -1, "out of memory"); }
    for (int64_t k = 0; k < g->n_groups; k++) means[k] = g->groups[k].mean[m->metric], order[k] = k;
    PcOrder po = {means, m->rank->lower_is_better};
    qsort_r(order, (size_t)g->n_groups, sizeof *order, cmp_pc, &po);
    double lo, hi;
    finite_range(means, g->n_groups, &lo, &hi);
    SvgScale s[N_AXES + 1];
    for (int i = 0; i < na; i++) {
        const ChartAxis *ax = &m->axes[m->swept[i]];
        int ordinal = axis_is_name((AxisId)m->swept[i]) || axis_kind((AxisId)m->swept[i]) == AXIS_BOOL;
        if (ordinal) svg_scale_init(&s[i], 0, (double)(ax->n - 1), PC_TOP + PC_H, PC_TOP, 0);
        else svg_scale_init(&s[i], ax->v[0], ax->v[ax->n - 1], PC_TOP + PC_H, PC_TOP, ax->log);
    }
    svg_scale_init(&s[na], lo, hi, PC_TOP + PC_H, PC_TOP, 0);
    char title[200], ml[96], label[512], buf[800], col[8], ct[32], v[TABLE_CELL];
    chart_metric_label(m, m->metric, ml, sizeof ml);
    snprintf(title, sizeof title, "Every setting over its swept axes, coloured by its mean %s", chart_stat_name(m, m->metric));
    double W = PC_LEFT + na * PC_STEP + PC_BAR_ROOM;
    svg_begin(f, W, PC_TOP + PC_H + 30, "pc", title, NULL);
    int64_t best_first = m->mask == STATS_SETTING_AXES && m->rank->n_units && m->rank->units[0].is_best
                             ? m->rank->groups.groups[m->rank->units[0].group].first : -1;
    for (int64_t r = 0; r < g->n_groups; r++) {
        int64_t k = order[r];
        const ConfigRow *c = &m->configs[g->groups[k].first];
        int is_best = g->groups[k].first == best_first;
        if (isnan(means[k])) snprintf(col, sizeof col, "#999999");
        else svg_viridis(shade(m, means[k], lo, hi), col);
        char attrs[96];
        snprintf(attrs, sizeof attrs, "class=\"%s\" stroke=\"%s\"", isnan(means[k]) ? "pl nodone" : is_best ? "pl top" : "pl",
                 col);
        SvgPath p;
        svg_path_begin(&p, f, attrs);
        for (int i = 0; i < na; i++)
            svg_path_to(&p, PC_LEFT + i * PC_STEP, pc_y(m, (AxisId)m->swept[i], &s[i], axis_get_f64(&c->hyper, (AxisId)m->swept[i])));
        if (!isnan(means[k])) svg_path_to(&p, PC_LEFT + na * PC_STEP, svg_scale_map(&s[na], means[k]));
        chart_unit_label(m, &g->groups[k], STATS_SETTING_AXES, label, sizeof label);
        cell_text(ct, sizeof ct, means[k]);
        snprintf(buf, sizeof buf, "%s%s: mean %s %s (%" PRId64 " done of %" PRId64 " configs)", is_best ? "best: " : "",
                 label, chart_stat_name(m, m->metric), ct, g->groups[k].n_done, g->groups[k].n_configs);
        svg_path_end(&p, buf);
    }
    // The axes on top of the lines: ticks at each value (up to 12), else round ticks.
    for (int i = 0; i <= na; i++) {
        double x = PC_LEFT + i * PC_STEP;
        fprintf(f, "<g class=\"axis\"><path class=\"dom\" d=\"M%.1f %dV%d\"/>", x, PC_TOP, PC_TOP + PC_H);
        if (i < na) {
            AxisId a = (AxisId)m->swept[i];
            const ChartAxis *ax = &m->axes[a];
            char unit[64];
            axis_unit_text(m, a, 1, unit, sizeof unit);
            svg_text(f, x, 16, "middle", "name", AXIS_NAMES[a]);
            svg_text(f, x, 30, "middle", "small", unit);
            double ticks[16];
            int nt = ax->n <= MAX_CELL_VALUES ? (int)ax->n : svg_scale_ticks(&s[i], ticks, 8);
            for (int t = 0; t < nt; t++) {
                double val = ax->n <= MAX_CELL_VALUES ? ax->v[t] : ticks[t];
                double y = ax->n <= MAX_CELL_VALUES ? pc_y(m, a, &s[i], val) : svg_scale_map(&s[i], val);
                tick_value(a, val, v, sizeof v);
                if (ax->n > MAX_CELL_VALUES) svg_format_number(v, sizeof v, val);
                fprintf(f, "<path d=\"M%.1f %.1fh-4\"/>", x, y);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"halo\">", x - 6, y + 3.5);
                svg_escape(f, v);
                fputs("</text>", f);
            }
        } else {
            svg_text(f, x, 16, "middle", "name", chart_stat_name(m, m->metric));
            svg_text(f, x, 30, "middle", "small", strchr(ml, '(') ? strchr(ml, '(') : "");
            double ticks[16];
            int nt = svg_scale_ticks(&s[na], ticks, 7);
            for (int t = 0; t < nt; t++) {
                double y = svg_scale_map(&s[na], ticks[t]);
                svg_format_number(v, sizeof v, ticks[t]);
                fprintf(f, "<path d=\"M%.1f %.1fh4\"/>", x, y);
                svg_text(f, x + 6, y + 3.5, "start", "halo", v);
            }
        }
        fputs("</g>\n", f);
    }
    svg_color_bar(f, PC_LEFT + na * PC_STEP + 64, PC_TOP, 14, PC_H, lo, hi, m->rank->lower_is_better, NULL);
    svg_end(f);
    free(means);
    free(order);
    return 0;
}

// ---------------------------------------------------------------------------------------
// Successive halving: the settings alive at each rung.

enum { MAX_RUNGS = 64, RG_LEFT = 80, RG_TOP = 14, RG_W = 520, RG_H = 280 };

int chart_halving(const ChartModel *m, const Spec *spec) {
    if (spec && spec->halving.enabled) return 1;
    for (int64_t i = 0; i < m->n; i++)
        if (m->summary[i].status == STATUS_PRUNED) return 1;
    return 0;
}

// The rungs: e_i = min(min_epochs * factor^i, E) from the spec, else where pruned configs stopped.
static int find_rungs(const ChartModel *m, const Spec *spec, int64_t *rungs) {
    int64_t E = 0, n = 0;
    for (int64_t i = 0; i < m->n; i++) E = m->configs[i].hyper.epochs > E ? m->configs[i].hyper.epochs : E;
    if (spec && spec->halving.enabled && spec->halving.min_epochs > 0 && spec->halving.factor >= 2) {
        for (int64_t e = spec->halving.min_epochs; n < MAX_RUNGS; e *= spec->halving.factor) {
            rungs[n++] = e < E ? e : E;
            if (e >= E || e > INT64_MAX / spec->halving.factor) break;
        }
        if (rungs[n - 1] != E && n < MAX_RUNGS) rungs[n++] = E;
        return (int)n;
    }
    for (int64_t i = 0; i < m->n; i++) {
        if (m->summary[i].status != STATUS_PRUNED) continue;
        int64_t e = m->summary[i].epochs_run, j = 0;
        while (j < n && rungs[j] != e) j++;
        if (j == n && n < MAX_RUNGS - 1) rungs[n++] = e;
    }
    for (int64_t a = 1; a < n; a++)   // insertion sort: few rungs
        for (int64_t b = a; b > 0 && rungs[b] < rungs[b - 1]; b--) { int64_t t = rungs[b]; rungs[b] = rungs[b - 1]; rungs[b - 1] = t; }
    if (n == 0 || rungs[n - 1] != E) rungs[n++] = E;
    return (int)n;
}

// Column `epoch - 1` of a curve for every config (NaN where the file has none).
static void read_column(hid_t file, const char *curve, int64_t n, int64_t epoch, double *out) {
    for (int64_t i = 0; i < n; i++) out[i] = NAN;
    char name[64];
    snprintf(name, sizeof name, "curves/%s", curve);
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return;
    hid_t fsp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    int ok = H5Sget_simple_extent_ndims(fsp) == 2 && H5Sget_simple_extent_dims(fsp, dims, NULL) == 2 &&
             (int64_t)dims[0] == n && epoch >= 1 && (hsize_t)epoch <= dims[1];
    if (ok && n > 0) {
        hsize_t off[2] = {0, (hsize_t)(epoch - 1)}, cnt[2] = {(hsize_t)n, 1};
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
        hid_t msp = H5Screate_simple(2, cnt, NULL);
        if (H5Dread(d, H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, out) < 0)
            for (int64_t i = 0; i < n; i++) out[i] = NAN;
        H5Sclose(msp);
    }
    H5Sclose(fsp);
    H5Dclose(d);
}

int chart_rungs(FILE *f, const ChartModel *m, const Spec *spec, char *err) {
    int64_t rungs[MAX_RUNGS];
    int nr = find_rungs(m, spec, rungs);
    const Groups *g = &m->settings;
    int64_t S = g->n_groups;
    // val_loss, or the task's score (val_acc, val_r2)
    int by_score = spec && spec->halving.enabled && spec->halving.metric != HALVING_VAL_LOSS;
    const char *curve = by_score ? train_curve_name(CURVE_VAL_ACC, chart_task(m) == TASK_REGRESSION) : "val_loss";
    int64_t *reach = calloc((size_t)(S ? S : 1), sizeof *reach);
    double *col = malloc((size_t)(m->n ? m->n : 1) * sizeof *col);
    double *score = calloc((size_t)((S ? S : 1) * nr), sizeof *score), *cnt = calloc((size_t)(S ? S : 1), sizeof *cnt);
    if (!reach || !col || !score || !cnt) {
        free(reach); free(col); free(score); free(cnt);
        return fail(err, -1, "out of memory");
    }
    int64_t pending = 0;
    for (int64_t i = 0; i < m->n; i++) {
        const SummaryRow *s = &m->summary[i];
        int64_t k = g->group_of[i], e = s->status == STATUS_DONE ? m->configs[i].hyper.epochs
                                       : s->status == STATUS_PRUNED ? s->epochs_run : 0;
        pending += s->status == STATUS_PENDING;
        if (e > reach[k]) reach[k] = e;
    }
    // Each setting's score at each rung it reached: the mean over its replicates there.
    for (int r = 0; r < nr; r++) {
        read_column(m->file, curve, m->n, rungs[r], col);
        for (int64_t k = 0; k < S; k++) score[k * nr + r] = 0.0, cnt[k] = 0.0;
        for (int64_t i = 0; i < m->n; i++) {
            int64_t k = g->group_of[i];
            int st = m->summary[i].status;
            if ((st == STATUS_DONE || st == STATUS_PRUNED) && isfinite(col[i]) && reach[k] >= rungs[r])
                score[k * nr + r] += col[i], cnt[k] += 1.0;
        }
        for (int64_t k = 0; k < S; k++) score[k * nr + r] = cnt[k] > 0 ? score[k * nr + r] / cnt[k] : NAN;
    }
    fputs("<p>Rungs at ", f);
    for (int r = 0; r < nr; r++) fprintf(f, "%s%" PRId64, r ? (r == nr - 1 ? " and " : ", ") : "", rungs[r]);
    fprintf(f, " epochs; each setting's score at a rung is the mean of <code>%s</code> after that many epochs over "
               "its replicates that got there%s.</p>\n", curve,
            pending ? " (the sweep is not finished: later rungs are incomplete)" : "");
    fputs("<table class=\"rungs\"><thead><tr><th>rung</th><th>epochs</th><th>settings alive</th><th>pruned there</th>"
          "<th>the settings alive</th></tr></thead><tbody>\n", f);
    char label[512], title[700], ct[32];
    for (int r = 0; r < nr; r++) {
        int64_t alive = 0, stopped = 0;
        for (int64_t k = 0; k < S; k++) {
            alive += r == 0 || reach[k] >= rungs[r];
            stopped += r + 1 < nr && reach[k] >= rungs[r] && reach[k] < rungs[r + 1];
        }
        fprintf(f, "<tr><td><span class=\"sw c%d\"></span> %d</td><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64
                   "</td><td><details><summary>%" PRId64 " setting%s</summary><ul>", r + 1 < nr ? 1 + r % 6 : 0, r + 1,
                rungs[r], alive, stopped, alive, alive == 1 ? "" : "s");
        for (int64_t k = 0; k < S; k++) {
            if (!(r == 0 || reach[k] >= rungs[r])) continue;
            chart_unit_label(m, &g->groups[k], STATS_SETTING_AXES, label, sizeof label);
            cell_text(ct, sizeof ct, score[k * nr + r]);
            fputs("<li>", f);
            svg_escape(f, label);
            fprintf(f, ": %s</li>", ct);
        }
        fputs("</ul></details></td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);

    double lo, hi;
    finite_range(score, S * nr, &lo, &hi);
    SvgScale sx, sy;
    svg_scale_init(&sx, (double)rungs[0], (double)rungs[nr - 1], RG_LEFT, RG_LEFT + RG_W, nr > 1 && rungs[0] > 0);
    svg_scale_init(&sy, lo, hi, RG_TOP + RG_H, RG_TOP, 0);
    snprintf(title, sizeof title, "Each setting's mean %s at the rungs it reached", curve);
    fputs("<figure><h3>", f);
    svg_escape(f, title);
    fputs("</h3>\n", f);
    svg_begin(f, RG_LEFT + RG_W + 30, RG_TOP + RG_H + 48, "rg", title, NULL);
    fputs("<g class=\"axis\">", f);   // ticks at the rungs
    fprintf(f, "<path class=\"dom\" d=\"M%d %dH%d\"/>", RG_LEFT, RG_TOP + RG_H, RG_LEFT + RG_W);
    for (int r = 0; r < nr; r++) {
        double x = svg_scale_map(&sx, (double)rungs[r]);
        snprintf(ct, sizeof ct, "%" PRId64, rungs[r]);
        fprintf(f, "<path class=\"grid\" d=\"M%.1f %dV%d\"/><path d=\"M%.1f %dv4\"/>", x, RG_TOP + RG_H, RG_TOP, x,
                RG_TOP + RG_H);
        svg_text(f, x, RG_TOP + RG_H + 15, "middle", NULL, ct);
    }
    svg_text(f, RG_LEFT + RG_W / 2.0, RG_TOP + RG_H + 31, "middle", "name", "epochs (the rungs; log scale)");
    fputs("</g>\n", f);
    char yl[96];
    snprintf(yl, sizeof yl, "%s (%s)", curve, chart_kind_unit(m, strchr(curve, '_') + 1));
    svg_axis(f, &sy, 1, RG_LEFT, RG_LEFT + RG_W, yl);
    for (int pass = 0; pass < 2; pass++)   // the pruned first, the survivors on top
        for (int64_t k = 0; k < S; k++) {
            int last = 0;
            for (int r = 0; r < nr; r++)
                if (reach[k] >= rungs[r]) last = r;
            int survivor = last == nr - 1;
            if (survivor != pass) continue;
            const char *c = SVG_CATEGORY[survivor ? 0 : 1 + last % 6];
            char attrs[96];
            snprintf(attrs, sizeof attrs, "class=\"rl%s\" stroke=\"%s\"", survivor ? " top" : "", c);
            SvgPath p;
            svg_path_begin(&p, f, attrs);
            for (int r = 0; r <= last; r++) svg_path_to(&p, svg_scale_map(&sx, (double)rungs[r]), isfinite(score[k * nr + r])
                                                                ? svg_scale_map(&sy, score[k * nr + r]) : NAN);
            chart_unit_label(m, &g->groups[k], STATS_SETTING_AXES, label, sizeof label);
            cell_text(ct, sizeof ct, score[k * nr + last]);
            snprintf(title, sizeof title, "%s: %s at %" PRId64 " epochs (%s)", label, ct, rungs[last],
                     survivor ? "trained to the end" : "pruned there");
            svg_path_end(&p, title);
            for (int r = 0; r <= last; r++) {
                if (!isfinite(score[k * nr + r])) continue;
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\"><title>", svg_scale_map(&sx, (double)rungs[r]),
                        svg_scale_map(&sy, score[k * nr + r]), c);
                cell_text(ct, sizeof ct, score[k * nr + r]);
                svg_escape(f, label);
                fprintf(f, ": %s after %" PRId64 " epochs</title></circle>", ct, rungs[r]);
            }
            fputc('\n', f);
        }
    svg_end(f);
    fputs("</figure>\n", f);
    free(reach); free(col); free(score); free(cnt);
    return 0;
}
