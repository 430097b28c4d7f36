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
    if (kind == AXIS_REAL) table_format_real(out, n, stats_axis_value(c, a));
    else if (kind == AXIS_BOOL && csv) snprintf(out, n, "%" PRId64, stats_axis_int(c, a));
    else axis_format(out, n, a, stats_axis_int(c, a), 0.0, "%g");
}

void table_format_p(char *out, size_t n, double p) {
    if (isnan(p)) snprintf(out, n, "-");
    else if (p < 0.0001) snprintf(out, n, "<0.0001");
    else snprintf(out, n, "%.4f", p);
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
