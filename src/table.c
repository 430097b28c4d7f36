// table.c: formatting cells and printing aligned columns (table.h).
#include "table.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "stats.h"

void table_format_real(char *out, size_t n, double v) {
    if (isnan(v)) { snprintf(out, n, "nan"); return; }
    for (int p = 15; p <= 17; p++) {
        snprintf(out, n, "%.*g", p, v);
        if (strtod(out, NULL) == v) return;
    }
}

void table_format_axis(char *out, size_t n, const ConfigRow *c, AxisId a, int csv) {
    AxisKind kind = axis_kind(a);
    if (kind == AXIS_REAL) table_format_real(out, n, axis_get_f64(&c->hyper, a));
    else if (kind == AXIS_BOOL && csv) snprintf(out, n, "%" PRId64, axis_get_i64(&c->hyper, a));
    else axis_format(out, n, a, axis_get_i64(&c->hyper, a), 0.0, "%g");
}

void table_format_p(char *out, size_t n, double p) {
    if (isnan(p)) snprintf(out, n, "-");
    else if (p < 0.0001) snprintf(out, n, "<0.0001");
    else snprintf(out, n, "%.4f", p);
}

void table_format_interval(char *out, size_t n, const RankedUnit *u) {
    if (isnan(u->mean) && !isnan(u->pruned_mean)) snprintf(out, n, "(%.4f)", u->pruned_mean);
    else if (isnan(u->mean)) snprintf(out, n, "-");
    else if (isnan(u->ci_low)) snprintf(out, n, "%.4f", u->mean);
    else snprintf(out, n, "%.4f [%.4f, %.4f]", u->mean, u->ci_low, u->ci_high);
}

void table_format_mean_std(char *out, size_t n, double mean, double std) {
    if (isnan(mean)) snprintf(out, n, "-");
    else if (isnan(std)) snprintf(out, n, "%.4f \u00b1      -", mean);
    else snprintf(out, n, "%.4f \u00b1 %.4f", mean, std);
}

const char *table_verdict(const RankedUnit *u, int lower_is_better, char *buf, size_t n) {
    if (u->is_best) return "best";
    if (!u->compared && u->pruned_at) {
        snprintf(buf, n, "pruned at %" PRId64, u->pruned_at);
        return buf;
    }
    if (!u->compared) return "-";
    if (u->test.indistinguishable) return "indistinguishable";
    int best_higher = u->test.mean_diff > 0.0;   // the best's score minus this one's
    return best_higher == !lower_is_better ? "worse" : "better";
}

int table_text_width(const char *s) {
    int w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

int table_print(const char (*cells)[TABLE_CELL], int64_t rows, int cols) {
    int *width = calloc((size_t)(cols > 0 ? cols : 1), sizeof *width);
    if (!width) return -1;
    for (int64_t k = 0; k < rows; k++)
        for (int j = 0; j < cols; j++) {
            int w = table_text_width(cells[k * cols + j]);
            if (w > width[j]) width[j] = w;
        }
    for (int64_t k = 0; k < rows; k++) {
        for (int j = 0; j < cols; j++) {
            const char *s = cells[k * cols + j];
            printf("%s%*s%s", j ? "  " : "", width[j] - table_text_width(s), "", s);
        }
        putchar('\n');
    }
    free(width);
    return 0;
}
