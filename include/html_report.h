// html_report.h: `sweep report --html OUT.html FILE.h5` (DESIGN section 8): the report as one
// self-contained UTF-8 HTML file that a browser opens with no server and no network. In order:
// the sweep (name, file, status counts, task and data, folds, provenance, the spec folded
// away); the ranking table with the text report's rows and numbers and each unit's 95%
// interval on one scale; the learning curves of the top units; a heatmap of the metric per
// pair of swept axes; parallel coordinates of every setting; halving's rungs; the diverged,
// failed and pruned configs. Charts are inline SVG (svg.h, chart.h); a small inline script adds
// hover values, and without it every chart and number is still there.
//
// Contract: the ranking is the caller's (ranking_build, as the text report's), the tables too;
// nothing is fetched (no URL in any src, href or CSS url(), a Content-Security-Policy that
// allows only the page's own script and style by hash); every text from the user or the file
// (spec, names, paths, column and class names) is HTML-escaped. The page is written to
// OUT.tmp and renamed into place, so OUT is never half written.
#ifndef HTML_REPORT_H
#define HTML_REPORT_H

#include <stdint.h>
#include "ranking.h"
#include "store.h"

typedef struct {
    const char *path;             // the results file
    const char *out;              // the page to write
    const ConfigRow *configs;     // (n) the file's /configs and /summary
    const SummaryRow *summary;
    int64_t n;
    StoreSplits splits;
    Task task;                    // (v3) the file's task: the score columns' names (acc or r2)
    const Ranking *rank;          // built by the caller, as for the text report
    int metric;                   // the STAT_* ranked on
    unsigned mask;                // the unit's axes
    int by_given;                 // --by: units are values of the named axes
    int64_t rows;                 // the text report's top K (at most rank->n_units)
    double alpha;
} HtmlReportInput;

// Writes the page. Returns 0, or 1 (cannot write OUT, out of memory) or 2 (the results file
// cannot be read) with err filled.
int html_report_write(const HtmlReportInput *in, char *err);

#endif
