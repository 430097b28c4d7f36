// progress.h: done/total, configs per second, ETA and failures on stderr. Redrawn in place
// on a terminal (at most 10 times a second), as an occasional plain line otherwise.
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *out;
    int enabled, tty;
    int64_t total;            // configs this run will train
    int64_t done, diverged, failed;
    double work_total, work_done;  // estimated flops, so the ETA weighs big configs fairly
    double t_start, t_last_draw;
} Progress;

void progress_init(Progress *p, FILE *out, int enabled, int64_t total, double work_total);
// One config finished: status 1 done, 2 diverged, 3 failed; work its estimated flops.
void progress_update(Progress *p, int status, double work);
void progress_finish(Progress *p);   // last redraw and a newline
double progress_elapsed(const Progress *p);

#endif
