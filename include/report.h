// report.h: `sweep report FILE.h5`, a summary of a results file on the terminal or as CSV:
// status counts, the grid's axes, and the best settings with mean ± std over seeds. Reads
// /configs and /summary only (never the curves), so it is fast on any size and works on a
// file a sweep is still writing.
#ifndef REPORT_H
#define REPORT_H

// argv[0] is "report". Returns the exit status: 0, 1 (runtime failure), 2 (bad usage or not
// a results file).
int report_main(int argc, char **argv);

#endif
