// svg.c: inline SVG pieces for the HTML report (svg.h): escaping, scales and ticks, axes,
// compact paths, Okabe-Ito and viridis colours, a colour bar. Pure output to a FILE.
#include "svg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void svg_escape(FILE *f, const char *s) {
    if (!s) return;
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

// Okabe & Ito (2008), "Color universal design": blue, orange, bluish green, vermillion, sky
// blue, reddish purple, yellow.
const char *const SVG_CATEGORY[SVG_N_CATEGORIES] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                                    "#56B4E9", "#CC79A7", "#F0E442"};

// matplotlib's viridis at 17 evenly spaced stops.
static const unsigned VIRIDIS[17] = {0x440154, 0x48186a, 0x472d7b, 0x424086, 0x3b528b, 0x33638d,
                                     0x2c728e, 0x26828e, 0x21918c, 0x1fa088, 0x28ae80, 0x3fbc73,
                                     0x5ec962, 0x84d44b, 0xaddc30, 0xd8e219, 0xfde725};

void svg_viridis(double t, char out[8]) {
    if (isnan(t)) { snprintf(out, 8, "#bbbbbb"); return; }
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    double x = t * 16.0;
    int i = (int)x;
    if (i >= 16) i = 15;
    double u = x - i;
    int rgb[3];
    for (int c = 0; c < 3; c++) {
        int a = (int)(VIRIDIS[i] >> (16 - 8 * c)) & 0xff, b = (int)(VIRIDIS[i + 1] >> (16 - 8 * c)) & 0xff;
        rgb[c] = (int)lround(a + (b - a) * u);
    }
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

const char *svg_viridis_ink(double t) { return !isnan(t) && t < 0.6 ? "w" : "b"; }

void svg_scale_init(SvgScale *s, double lo, double hi, double px0, double px1, int log) {
    if (isnan(lo) || isnan(hi) || isinf(lo) || isinf(hi)) lo = 0.0, hi = 1.0;
    if (lo > hi) { double t = lo; lo = hi; hi = t; }
    s->log = log && lo > 0.0;
    if (s->log && hi / lo < 1.0 + 1e-9) lo /= 2.0, hi *= 2.0;
    else if (!s->log && hi - lo <= 1e-12 * (fabs(lo) + fabs(hi))) {
        double w = lo == 0.0 ? 1.0 : fabs(lo) * 0.05;
        lo -= w, hi += w;
    }
    s->lo = lo, s->hi = hi, s->px0 = px0, s->px1 = px1;
}

double svg_scale_map(const SvgScale *s, double v) {
    double t = s->log ? (log10(v) - log10(s->lo)) / (log10(s->hi) - log10(s->lo)) : (v - s->lo) / (s->hi - s->lo);
    return s->px0 + t * (s->px1 - s->px0);
}

// Ticks at k * step for the round step that gives at most max of them.
static int linear_ticks(double lo, double hi, double *ticks, int max) {
    double span = hi - lo, step = 0.0;
    for (double p = pow(10.0, floor(log10(span / max))); step == 0.0; p *= 10.0)
        for (int m = 0; m < 3 && step == 0.0; m++) {
            double c = p * (m == 0 ? 1.0 : m == 1 ? 2.0 : 5.0);
            if (floor(hi / c + 1e-9) - ceil(lo / c - 1e-9) + 1 <= max) step = c;
        }
    int n = 0;
    for (double k = ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9 && n < max; k++) {
        double v = k * step;
        ticks[n++] = fabs(v) < step * 1e-9 ? 0.0 : v;
    }
    return n;
}

int svg_scale_ticks(const SvgScale *s, double *ticks, int max) {
    if (max < 2) return 0;
    if (!s->log) return linear_ticks(s->lo, s->hi, ticks, max);
    int n = 0;
    double e0 = floor(log10(s->lo) - 1e-9), e1 = ceil(log10(s->hi) + 1e-9);
    int every = (int)ceil((e1 - e0 + 1) / max);   // decades between labels, when there are many
    if (every < 1) every = 1;
    for (double e = e0; e <= e1 && n < max; e += every) {
        double v = pow(10.0, e);
        if (v >= s->lo * (1 - 1e-9) && v <= s->hi * (1 + 1e-9)) ticks[n++] = v;
    }
    if (n >= 2) return n;
    // Less than a decade: 1, 2 and 5 times powers of ten, else linear ticks.
    n = 0;
    for (double e = e0; e <= e1; e++)
        for (int m = 0; m < 3 && n < max; m++) {
            double v = pow(10.0, e) * (m == 0 ? 1.0 : m == 1 ? 2.0 : 5.0);
            if (v >= s->lo * (1 - 1e-9) && v <= s->hi * (1 + 1e-9)) ticks[n++] = v;
        }
    return n >= 2 ? n : linear_ticks(s->lo, s->hi, ticks, max);
}

void svg_format_number(char *out, size_t n, double v) {
    if (isnan(v)) { snprintf(out, n, "n/a"); return; }
    if (v != 0.0 && (fabs(v) >= 1e5 || fabs(v) < 1e-3)) snprintf(out, n, "%.3g", v);
    else snprintf(out, n, "%.4g", v);
}

// Geometric: positive, spanning a factor of 8 or more, and spaced more evenly in log than in
// linear terms (two values: a factor of 20 or more).
int svg_values_geometric(const double *v, size_t n) {
    if (n < 2) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(v[i] > 0.0) || (i && v[i] <= v[i - 1])) return 0;   // ascending and positive only
    double ratio = v[n - 1] / v[0];
    if (n == 2) return ratio >= 20.0;
    if (ratio < 8.0) return 0;
    double lin_lo = INFINITY, lin_hi = 0.0, log_lo = INFINITY, log_hi = 0.0;
    for (size_t i = 1; i < n; i++) {
        double d = v[i] - v[i - 1], l = log(v[i] / v[i - 1]);
        lin_lo = fmin(lin_lo, d), lin_hi = fmax(lin_hi, d);
        log_lo = fmin(log_lo, l), log_hi = fmax(log_hi, l);
    }
    return log_hi / log_lo <= lin_hi / lin_lo;
}

void svg_begin(FILE *f, double w, double h, const char *cls, const char *title, const char *desc) {
    fprintf(f, "<svg class=\"%s\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>", cls, w, h, w, h);
    svg_escape(f, title);
    fputs("</title>", f);
    if (desc) {
        fputs("<desc>", f);
        svg_escape(f, desc);
        fputs("</desc>", f);
    }
    fputc('\n', f);
}

void svg_end(FILE *f) { fputs("</svg>\n", f); }

void svg_text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *text) {
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
    if (anchor && strcmp(anchor, "start") != 0) fprintf(f, " text-anchor=\"%s\"", anchor);
    if (cls) fprintf(f, " class=\"%s\"", cls);
    fputc('>', f);
    svg_escape(f, text);
    fputs("</text>", f);
}

void svg_axis(FILE *f, const SvgScale *s, int vertical, double at, double across, const char *name) {
    double ticks[16];
    int n = svg_scale_ticks(s, ticks, vertical ? 6 : 8);
    char buf[32];
    fputs("<g class=\"axis\">", f);
    if (vertical) fprintf(f, "<path class=\"dom\" d=\"M%.1f %.1fV%.1f\"/>", at, s->px0, s->px1);
    else fprintf(f, "<path class=\"dom\" d=\"M%.1f %.1fH%.1f\"/>", s->px0, at, s->px1);
    for (int i = 0; i < n; i++) {
        double p = svg_scale_map(s, ticks[i]);
        svg_format_number(buf, sizeof buf, ticks[i]);
        if (vertical) {
            if (!isnan(across)) fprintf(f, "<path class=\"grid\" d=\"M%.1f %.1fH%.1f\"/>", at, p, across);
            fprintf(f, "<path d=\"M%.1f %.1fh-4\"/>", at, p);
            svg_text(f, at - 6, p + 3.5, "end", NULL, buf);
        } else {
            if (!isnan(across)) fprintf(f, "<path class=\"grid\" d=\"M%.1f %.1fV%.1f\"/>", p, at, across);
            fprintf(f, "<path d=\"M%.1f %.1fv4\"/>", p, at);
            svg_text(f, p, at + 15, "middle", NULL, buf);
        }
    }
    if (name) {
        double mid = (s->px0 + s->px1) / 2;
        if (vertical) {
            fprintf(f, "<text class=\"name\" text-anchor=\"middle\" transform=\"translate(%.1f %.1f) rotate(-90)\">",
                    at - 44, mid);
            svg_escape(f, name);
            fputs("</text>", f);
        } else {
            svg_text(f, mid, at + 31, "middle", "name", name);
        }
    }
    fputs("</g>\n", f);
}

// Tenths of a pixel as a number: 123 -> "12.3", -5 -> "-.5", 40 -> "4".
static void put_tenths(FILE *f, long v) {
    char buf[32];
    int neg = v < 0;
    unsigned long a = neg ? (unsigned long)(-v) : (unsigned long)v;
    if (a % 10 == 0) snprintf(buf, sizeof buf, "%s%lu", neg ? "-" : "", a / 10);
    else if (a < 10) snprintf(buf, sizeof buf, "%s.%lu", neg ? "-" : "", a);
    else snprintf(buf, sizeof buf, "%s%lu.%lu", neg ? "-" : "", a / 10, a % 10);
    fputs(buf, f);
}

static long tenths(double v) {
    if (v > 1e7) v = 1e7;
    if (v < -1e7) v = -1e7;
    return lround(v * 10.0);
}

void svg_path_begin(SvgPath *p, FILE *f, const char *attrs) {
    p->f = f;
    p->x = p->y = 0;
    p->pen = 0;
    fprintf(f, "<path %s d=\"", attrs ? attrs : "");
}

void svg_path_to(SvgPath *p, double x, double y) {
    if (isnan(x) || isnan(y)) { p->pen = 0; return; }
    long tx = tenths(x), ty = tenths(y);
    if (p->pen == 0) {
        fputc('M', p->f);
        put_tenths(p->f, tx);
        fputc(' ', p->f);
        put_tenths(p->f, ty);
        p->pen = 1;
    } else {
        long dx = tx - p->x, dy = ty - p->y;
        if (p->pen == 1) fputc('l', p->f);
        else if (dx >= 0) fputc(' ', p->f);
        put_tenths(p->f, dx);
        if (dy >= 0) fputc(' ', p->f);
        put_tenths(p->f, dy);
        p->pen = 2;
    }
    p->x = tx, p->y = ty;
}

void svg_path_close(SvgPath *p) {
    if (p->pen) fputc('z', p->f);
    p->pen = 0;
}

void svg_path_end(SvgPath *p, const char *title) {
    if (title) {
        fputs("\"><title>", p->f);
        svg_escape(p->f, title);
        fputs("</title></path>", p->f);
    } else {
        fputs("\"/>", p->f);
    }
    fputc('\n', p->f);
}

void svg_color_bar(FILE *f, double x, double y, double w, double h, double lo, double hi, int reversed,
                   const char *name) {
    enum { STEPS = 32 };
    char c[8];
    fputs("<g class=\"cbar\">", f);
    for (int i = 0; i < STEPS; i++) {   // bottom (lo) to top (hi)
        double t = (i + 0.5) / STEPS;
        svg_viridis(reversed ? 1.0 - t : t, c);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\"/>", x,
                y + h - (i + 1) * h / STEPS, w, h / STEPS + 0.3, c);
    }
    SvgScale s;
    svg_scale_init(&s, lo, hi, y + h, y, 0);
    double ticks[8];
    int n = svg_scale_ticks(&s, ticks, 6);
    char buf[32];
    for (int i = 0; i < n; i++) {
        double p = svg_scale_map(&s, ticks[i]);
        fprintf(f, "<path d=\"M%.1f %.1fh4\"/>", x + w, p);
        svg_format_number(buf, sizeof buf, ticks[i]);
        svg_text(f, x + w + 6, p + 3.5, "start", NULL, buf);
    }
    if (name) {
        fprintf(f, "<text class=\"name\" text-anchor=\"middle\" transform=\"translate(%.1f %.1f) rotate(90)\">",
                x + w + 46, y + h / 2);
        svg_escape(f, name);
        fputs("</text>", f);
    }
    fputs("</g>\n", f);
}
