// curve_chart.c: the learning curves of the report's top units (chart.h). For each unit, the
// mean over its replicates of every curve the file has (/curves/<part>_<kind>: train, val and
// test parts; kinds loss and the task's score, read from the file, not assumed), with a band
// of one standard deviation (stats_moments, as the seed statistics), one panel per kind, the
// panels of all units on shared scales. A curve is drawn at no fewer than CURVE_MIN_POINTS
// epochs (every epoch when it has no more). The panels carry their pixel box and domain as
// data attributes, so the page's script can turn a pointer position back into values.
#include "chart.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

enum { MAX_CURVES = 12, MAX_KINDS = 4, N_PARTS = 3 };
static const char *const PARTS[N_PARTS] = {"train", "val", "test"};
static const char *const PART_WORDS[N_PARTS] = {"train", "validation", "test"};

typedef struct {
    int n_kinds;
    char kind[MAX_KINDS][16];              // "loss" first, then the scores in the file's order
    int index[MAX_KINDS][N_PARTS];         // curve of each kind and part, or -1
    int n;
    char name[MAX_CURVES][64];             // dataset names under /curves
    int64_t epochs;                        // their second dimension
} CurveSet;

// Sorts /curves' datasets into kinds and parts; names not of the form part_kind are left out.
static void curve_set_read(hid_t file, CurveSet *cs) {
    memset(cs, 0, sizeof *cs);
    memset(cs->index, -1, sizeof cs->index);
    hid_t g = H5Gopen2(file, "curves", H5P_DEFAULT);
    H5G_info_t info;
    if (g < 0) return;
    if (H5Gget_info(g, &info) < 0) info.nlinks = 0;
    char found[MAX_CURVES][64];
    int n_found = 0;
    for (hsize_t i = 0; i < info.nlinks && n_found < MAX_CURVES; i++) {
        char name[64];
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
        if (len > 0 && (size_t)len < sizeof found[0]) snprintf(found[n_found++], sizeof found[0], "%s", name);
    }
    // "loss" before any other kind, whatever the names' order.
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n_found; i++) {
            const char *us = strchr(found[i], '_');
            if (!us || strlen(us + 1) >= sizeof cs->kind[0]) continue;
            int part = -1;
            for (int p = 0; p < N_PARTS; p++)
                if ((size_t)(us - found[i]) == strlen(PARTS[p]) && strncmp(found[i], PARTS[p], strlen(PARTS[p])) == 0) part = p;
            int is_loss = strcmp(us + 1, "loss") == 0;
            if (part < 0 || is_loss != (pass == 0)) continue;
            hid_t d = H5Dopen2(g, found[i], H5P_DEFAULT);
            if (d < 0) continue;
            hid_t sp = H5Dget_space(d);
            hsize_t dims[2] = {0, 0};
            int ok = H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2;
            H5Sclose(sp);
            H5Dclose(d);
            if (!ok || (cs->n && (int64_t)dims[1] != cs->epochs)) continue;
            int k = 0;
            while (k < cs->n_kinds && strcmp(cs->kind[k], us + 1) != 0) k++;
            if (k == cs->n_kinds) {
                if (k == MAX_KINDS) continue;
                snprintf(cs->kind[cs->n_kinds++], sizeof cs->kind[0], "%s", us + 1);
            }
            cs->epochs = (int64_t)dims[1];
            memcpy(cs->name[cs->n], found[i], sizeof cs->name[0]);
            cs->index[k][part] = cs->n++;
        }
    H5Gclose(g);
}

// One unit's curves: per curve, the mean and std over its replicates at each of E epochs.
typedef struct {
    int64_t E, n_rep;
    double *mean[MAX_CURVES], *std[MAX_CURVES];
} UnitCurves;

static void unit_curves_free(UnitCurves *u) {
    for (int c = 0; c < MAX_CURVES; c++) free(u->mean[c]), free(u->std[c]);
    memset(u, 0, sizeof *u);
}

// Rows `ids` of curve `name`, epochs [0, E), into buf (row-major). 0 or -1.
static int read_rows(hid_t file, const char *name, const int64_t *ids, int64_t n, int64_t E, double *buf) {
    char path[80];
    snprintf(path, sizeof path, "curves/%s", name);
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t fsp = H5Dget_space(d);
    hsize_t cnt[2] = {1, (hsize_t)E};
    hid_t msp = H5Screate_simple(2, cnt, NULL);
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        hsize_t off[2] = {(hsize_t)ids[i], 0};
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, off, NULL, cnt, NULL);
        if (H5Dread(d, H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, buf + i * E) < 0) rc = -1;
    }
    H5Sclose(msp);
    H5Sclose(fsp);
    H5Dclose(d);
    return rc;
}

// The replicates whose curves a unit's mean is over: its done configs, or, for a unit halving
// pruned, its pruned ones (up to their rung). Returns how many (ids filled), or -1.
static int64_t unit_members(const ChartModel *m, int64_t group, int64_t *ids, int64_t *E) {
    int64_t n = 0;
    *E = 0;
    static const int WANTED[2] = {STATUS_DONE, STATUS_PRUNED};
    for (int w = 0; w < 2 && n == 0; w++)
        for (int64_t i = 0; i < m->n; i++)
            if (m->rank->groups.group_of[i] == group && m->summary[i].status == WANTED[w]) {
                ids[n++] = i;
                int64_t e = m->configs[i].hyper.epochs;
                if (e > *E) *E = e;
            }
    return n;
}

static int unit_curves_read(const ChartModel *m, const CurveSet *cs, int64_t group, int64_t *ids, UnitCurves *u) {
    memset(u, 0, sizeof *u);
    int64_t E;
    u->n_rep = unit_members(m, group, ids, &E);
    if (E > cs->epochs) E = cs->epochs;
    u->E = E;
    if (u->n_rep == 0 || E == 0) return 0;
    double *buf = malloc((size_t)(u->n_rep * E) * sizeof *buf);
    if (!buf) return -1;
    for (int c = 0; c < cs->n; c++) {
        u->mean[c] = malloc((size_t)E * sizeof *u->mean[c]);
        u->std[c] = malloc((size_t)E * sizeof *u->std[c]);
        if (!u->mean[c] || !u->std[c]) { free(buf); return -1; }
        if (read_rows(m->file, cs->name[c], ids, u->n_rep, E, buf) != 0)
            for (int64_t i = 0; i < u->n_rep * E; i++) buf[i] = NAN;
        for (int64_t e = 0; e < E; e++) stats_moments(buf + e, u->n_rep, E, &u->mean[c][e], &u->std[c][e]);
    }
    free(buf);
    return 0;
}

// Bounds a band may not cross: losses are not negative, scores not above 1.
static void kind_limits(const char *kind, double *floor_, double *ceil_) {
    *floor_ = -INFINITY, *ceil_ = INFINITY;
    if (strcmp(kind, "loss") == 0) *floor_ = 0.0;
    else if (strcmp(kind, "acc") == 0) *floor_ = 0.0, *ceil_ = 1.0;
    else if (strcmp(kind, "r2") == 0) *ceil_ = 1.0;
}

enum { P_W = 320, P_LEFT = 60, P_RIGHT = 14, P_TOP = 30, P_H = 170, P_BOTTOM = 44 };

// The drawn epochs of a curve of E: every one up to CURVE_MIN_POINTS, else CURVE_MIN_POINTS
// of them evenly spread, the first and the last included.
static int64_t drawn_epoch(int64_t i, int64_t n_points, int64_t E) {
    return n_points >= E ? i : (int64_t)llround((double)i * (double)(E - 1) / (double)(n_points - 1));
}

// Whether curve c of a unit has a value (with_std: and a std) at some epoch.
static int has_values(const UnitCurves *u, int c, int with_std) {
    for (int64_t e = 0; e < u->E; e++)
        if (!isnan(u->mean[c][e]) && (!with_std || !isnan(u->std[c][e]))) return 1;
    return 0;
}

static void draw_panel(FILE *f, const ChartModel *m, const CurveSet *cs, const UnitCurves *u, int k, double x0,
                       const SvgScale *sx_in, const SvgScale *sy_in) {
    SvgScale sx = *sx_in, sy = *sy_in;
    sx.px0 += x0, sx.px1 += x0;
    double lo_lim, hi_lim;
    kind_limits(cs->kind[k], &lo_lim, &hi_lim);
    fprintf(f, "<g class=\"pnl\" data-x=\"%.1f %.1f %.17g %.17g\" data-y=\"%.1f %.1f %.17g %.17g\" data-k=\"%s\">\n",
            sx.px0, sx.px1, sx.lo, sx.hi, sy.px0, sy.px1, sy.lo, sy.hi, cs->kind[k]);
    char yname[96];
    snprintf(yname, sizeof yname, "%s (%s)", cs->kind[k], chart_kind_unit(m, cs->kind[k]));
    svg_axis(f, &sx, 0, P_TOP + P_H, P_TOP, "epoch");
    svg_axis(f, &sy, 1, sx.px0, sx.px1, yname);
    int64_t E = u->E, n_points = E <= CURVE_MIN_POINTS ? E : CURVE_MIN_POINTS;
    for (int pass = 0; pass < 2; pass++)   // the bands under every line
        for (int p = 0; p < N_PARTS; p++) {
            int c = cs->index[k][p];
            if (c < 0 || u->n_rep == 0 || !has_values(u, c, pass == 0)) continue;   // a test part of 0 rows
            char attrs[64];
            if (pass == 0) {
                if (u->n_rep < 2) continue;
                snprintf(attrs, sizeof attrs, "class=\"band %s\"", PARTS[p]);
                SvgPath path;
                svg_path_begin(&path, f, attrs);
                // Each stretch of epochs with a mean and a std: forward along mean + std, back along mean - std.
                for (int64_t i = 0; i < n_points;) {
                    while (i < n_points && (isnan(u->mean[c][drawn_epoch(i, n_points, E)]) ||
                                            isnan(u->std[c][drawn_epoch(i, n_points, E)]))) i++;
                    int64_t j = i;
                    while (j < n_points && !isnan(u->mean[c][drawn_epoch(j, n_points, E)]) &&
                           !isnan(u->std[c][drawn_epoch(j, n_points, E)])) j++;
                    if (j == i) break;
                    for (int64_t t = i; t < j; t++) {
                        int64_t e = drawn_epoch(t, n_points, E);
                        svg_path_to(&path, svg_scale_map(&sx, (double)(e + 1)), svg_scale_map(&sy, fmin(hi_lim, u->mean[c][e] + u->std[c][e])));
                    }
                    for (int64_t t = j - 1; t >= i; t--) {
                        int64_t e = drawn_epoch(t, n_points, E);
                        svg_path_to(&path, svg_scale_map(&sx, (double)(e + 1)), svg_scale_map(&sy, fmax(lo_lim, u->mean[c][e] - u->std[c][e])));
                    }
                    svg_path_close(&path);
                    i = j;
                }
                svg_path_end(&path, NULL);
            } else {
                snprintf(attrs, sizeof attrs, "class=\"ln %s\" data-n=\"%s\"", PARTS[p], PART_WORDS[p]);
                SvgPath path;
                svg_path_begin(&path, f, attrs);
                int64_t last = -1;
                for (int64_t i = 0; i < n_points; i++) {
                    int64_t e = drawn_epoch(i, n_points, E);
                    double v = u->mean[c][e];
                    svg_path_to(&path, svg_scale_map(&sx, (double)(e + 1)), isnan(v) ? NAN : svg_scale_map(&sy, v));
                    if (!isnan(v)) last = e;
                }
                char title[160], a[32], b[32];
                if (last >= 0) {
                    svg_format_number(a, sizeof a, u->mean[c][last]);
                    svg_format_number(b, sizeof b, u->std[c][last]);
                    snprintf(title, sizeof title, "%s %s: %s \u00b1 %s after epoch %" PRId64 " (mean \u00b1 std over %" PRId64 ")",
                             PART_WORDS[p], cs->kind[k], a, b, last + 1, u->n_rep);
                } else {
                    snprintf(title, sizeof title, "%s %s: no values", PART_WORDS[p], cs->kind[k]);
                }
                svg_path_end(&path, title);
            }
        }
    fputs("</g>\n", f);
}

// Legend: which line is which part.
static void draw_legend(FILE *f, const CurveSet *cs, double x) {
    for (int p = 0; p < N_PARTS; p++) {
        int any = 0;
        for (int k = 0; k < cs->n_kinds; k++) any |= cs->index[k][p] >= 0;
        if (!any) continue;
        fprintf(f, "<path class=\"ln %s\" d=\"M%.1f 12h26\"/>", PARTS[p], x);
        svg_text(f, x + 31, 16, "start", NULL, PART_WORDS[p]);
        x += 110;
    }
    fputc('\n', f);
}

int curve_chart_write(FILE *f, const ChartModel *m, char *err) {
    CurveSet cs;
    curve_set_read(m->file, &cs);
    if (cs.n == 0 || cs.epochs == 0 || m->rows == 0) {
        fputs("<p class=\"note\">No curves to draw.</p>\n", f);
        return 0;
    }
    int64_t rows = m->rows;
    UnitCurves *uc = calloc((size_t)rows, sizeof *uc);
    int64_t *ids = malloc((size_t)(m->n ? m->n : 1) * sizeof *ids);
    int rc = uc && ids ? 0 : -1;
    for (int64_t k = 0; k < rows && rc == 0; k++) rc = unit_curves_read(m, &cs, m->rank->units[k].group, ids, &uc[k]);
    if (rc != 0) {
        for (int64_t k = 0; uc && k < rows; k++) unit_curves_free(&uc[k]);
        free(uc);
        free(ids);
        return fail(err, -1, "out of memory");
    }
    // Shared scales: the epochs of the longest unit; per kind, every drawn mean and band.
    int64_t E = 1;
    for (int64_t k = 0; k < rows; k++) E = uc[k].E > E ? uc[k].E : E;
    SvgScale sx, sy[MAX_KINDS];
    svg_scale_init(&sx, 1.0, (double)E, P_LEFT, P_W - P_RIGHT, 0);
    for (int kd = 0; kd < cs.n_kinds; kd++) {
        double lo = INFINITY, hi = -INFINITY, lo_lim, hi_lim;
        kind_limits(cs.kind[kd], &lo_lim, &hi_lim);
        for (int64_t k = 0; k < rows; k++)
            for (int p = 0; p < N_PARTS; p++) {
                int c = cs.index[kd][p];
                if (c < 0 || !uc[k].mean[c]) continue;
                for (int64_t e = 0; e < uc[k].E; e++) {
                    double v = uc[k].mean[c][e], s = isnan(uc[k].std[c][e]) ? 0.0 : uc[k].std[c][e];
                    if (!isfinite(v)) continue;
                    lo = fmin(lo, fmax(lo_lim, v - s)), hi = fmax(hi, fmin(hi_lim, v + s));
                }
            }
        svg_scale_init(&sy[kd], lo, hi, P_TOP + P_H, P_TOP, 0);
    }
    fprintf(f, "<p>Each chart: the mean over a unit's done replicates (for a pruned unit, its pruned ones) with a band "
               "of one standard deviation, per epoch; train solid, validation dotted, test dashed; %s. All charts share "
               "their scales. Curves are drawn at every epoch up to %d epochs, else at %d evenly spread epochs.</p>\n",
            cs.n_kinds == 1 ? "one panel" : "loss on the left, the score on the right", CURVE_MIN_POINTS, CURVE_MIN_POINTS);
    fputs("<p class=\"toggles\">Show: <label><input type=\"checkbox\" id=\"t-train\" checked> train</label> "
          "<label><input type=\"checkbox\" id=\"t-val\" checked> validation</label> "
          "<label><input type=\"checkbox\" id=\"t-test\" checked> test</label> "
          "<label><input type=\"checkbox\" id=\"t-band\" checked> bands</label></p>\n<div class=\"curves\">\n", f);
    char label[512], title[700];
    for (int64_t k = 0; k < rows; k++) {
        const RankedUnit *u = &m->rank->units[k];
        const GroupStats *g = &m->rank->groups.groups[u->group];
        chart_unit_label(m, g, m->mask, label, sizeof label);
        fprintf(f, "<figure class=\"cv\"><h3>#%" PRId64 " ", k + 1);
        svg_escape(f, label[0] ? label : "the only setting");
        fprintf(f, "</h3><p class=\"note\">%" PRId64 " replicate%s drawn (%" PRId64 " done, %" PRId64 " diverged, %" PRId64
                   " pruned, %" PRId64 " failed, %" PRId64 " pending)</p>\n",
                uc[k].n_rep, uc[k].n_rep == 1 ? "" : "s", g->n_done, g->n_diverged, g->n_pruned, g->n_failed, g->n_pending);
        snprintf(title, sizeof title, "Learning curves of #%" PRId64 " (%s): ", k + 1, label[0] ? label : "the only setting");
        for (int kd = 0; kd < cs.n_kinds; kd++)
            snprintf(title + strlen(title), sizeof title - strlen(title), "%s%s", kd ? " and " : "", cs.kind[kd]);
        snprintf(title + strlen(title), sizeof title - strlen(title), " per epoch");
        svg_begin(f, P_W * cs.n_kinds, P_TOP + P_H + P_BOTTOM, "cv", title, NULL);
        draw_legend(f, &cs, P_LEFT);
        if (uc[k].n_rep == 0) svg_text(f, P_W * cs.n_kinds / 2.0, P_TOP + P_H / 2.0, "middle", NULL, "no finished replicate");
        else
            for (int kd = 0; kd < cs.n_kinds; kd++) draw_panel(f, m, &cs, &uc[k], kd, kd * P_W, &sx, &sy[kd]);
        svg_end(f);
        fputs("</figure>\n", f);
    }
    fputs("</div>\n", f);
    for (int64_t k = 0; k < rows; k++) unit_curves_free(&uc[k]);
    free(uc);
    free(ids);
    return 0;
}
