// table.h: the text that `sweep report` and `sweep compare` print: numbers in full precision
// for CSV, axis values as a spec writes them, and aligned columns of cells for the terminal.
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "ranking.h"
#include "rows.h"
#include "spec.h"

enum { TABLE_CELL = 64 };   // bytes of one cell

// The shortest of %.15g, %.16g, %.17g that reads back as v ("nan" for NaN): full precision,
// and 0.003 stays 0.003.
void table_format_real(char *out, size_t n, double v);
// A config's value of axis a: reals in full precision, shuffle as true/false (0/1 in CSV), a
// name axis's value as its name (in CSV too).
void table_format_axis(char *out, size_t n, const ConfigRow *c, AxisId a, int csv);
// A p value to 4 places: "<0.0001" below that, "-" for NaN.
void table_format_p(char *out, size_t n, double p);
// A unit's mean and 95% interval to 4 places, "0.1234 [0.1100, 0.1368]"; "0.1234" without an
// interval, "(0.1234)" for a pruned unit's mean where it was pruned, "-" for none.
void table_format_interval(char *out, size_t n, const RankedUnit *u);
// "0.1234 ± 0.0100" to 4 places ("-" without a mean, a dash for a missing std).
void table_format_mean_std(char *out, size_t n, double mean, double std);
// A unit against the best: "best", "indistinguishable", "worse", "better", "pruned at E" (in
// buf) or "-" (not compared).
const char *table_verdict(const RankedUnit *u, int lower_is_better, char *buf, size_t n);
// Display width of UTF-8 text.
int table_text_width(const char *s);
// Prints rows x cols cells (row-major, TABLE_CELL bytes each), right-aligned in columns
// separated by two spaces. Returns 0 or -1 (out of memory).
int table_print(const char (*cells)[TABLE_CELL], int64_t rows, int cols);

#endif
