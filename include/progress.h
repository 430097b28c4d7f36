// progress.h: done/total, configs per second, ETA, diverged, pruned and failed on stderr. On a
// terminal a bar filled in proportion to the work done (not the configs counted) leads the
// line, redrawn in place at most 10 times a second; elsewhere an occasional plain line.
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *out;
    int enabled, tty;
    int64_t total;            // configs this run will train
    int64_t done, diverged, failed, pruned;
    double work_total, work_done;  // estimated flops, so the ETA weighs big configs fairly
    double t_start, t_last_draw;
} Progress;

void progress_init(Progress *p, FILE *out, int enabled, int64_t total, double work_total);
// One config finished: status 1 done, 2 diverged, 3 failed, 4 pruned; work the estimated flops
// it added (a trajectory's shorter configs add only their own epochs; see trajectory.h).
void progress_update(Progress *p, int status, double work);
// Work done that no finished config accounts for yet (halving trains a rung before deciding).
void progress_work(Progress *p, double work);
// The line as it would be drawn now, into out (for tests and the plain log). bar: with a bar.
void progress_format(const Progress *p, double now, int bar, char *out, size_t n);
void progress_finish(Progress *p);   // last redraw and a newline
double progress_elapsed(const Progress *p);

#endif
