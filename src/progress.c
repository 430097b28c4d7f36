// progress.c: the progress line.
#include "progress.h"
#include "sweep.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TTY_INTERVAL 0.1     // seconds between redraws on a terminal
#define LOG_INTERVAL 10.0    // seconds between plain lines otherwise


static void format_duration(char *buf, size_t n, double s) {
    if (!(s >= 0.0) || s > 1e8) { snprintf(buf, n, "?"); return; }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, n, "%lds", t);
}

void progress_init(Progress *p, FILE *out, int enabled, int64_t total, double work_total) {
    *p = (Progress){.out = out, .enabled = enabled, .total = total, .work_total = work_total};
    p->tty = isatty(fileno(out));
    p->t_start = p->t_last_draw = sweep_seconds();
}

double progress_elapsed(const Progress *p) { return sweep_seconds() - p->t_start; }

enum { BAR_WIDTH = 24 };

void progress_format(const Progress *p, double now, int bar, char *out, size_t n) {
    double elapsed = now - p->t_start;
    double rate = elapsed > 0.0 ? (double)p->done / elapsed : 0.0;
    double eta = p->work_done > 0.0 ? elapsed * (p->work_total - p->work_done) / p->work_done : -1.0;
    // The work is an estimate (halving's survivors are not known in advance): it never shows
    // done, nor an ETA of "?", before the last config is.
    double frac = p->work_total > 0.0 ? p->work_done / p->work_total : 1.0;
    if (frac > 0.99) frac = 0.99;
    if (!(frac >= 0.0)) frac = 0.0;
    if (p->done == p->total) frac = 1.0;
    if (eta < 0.0 && p->work_done > 0.0) eta = 0.0;
    char eta_s[32], el_s[32], bar_s[4 * BAR_WIDTH + 8] = "";
    format_duration(eta_s, sizeof eta_s, p->done == p->total ? 0.0 : eta);
    format_duration(el_s, sizeof el_s, elapsed);
    if (bar) {   // [#########...........] in UTF-8 blocks: a full block per cell done, the rest light
        int full = (int)(frac * BAR_WIDTH + 0.5), k = 0;
        bar_s[k++] = '[';
        for (int i = 0; i < BAR_WIDTH; i++) k += snprintf(bar_s + k, sizeof bar_s - (size_t)k, "%s", i < full ? "\u2588" : "\u00b7");
        snprintf(bar_s + k, sizeof bar_s - (size_t)k, "] ");
    }
    char pruned[48] = "";   // only where halving prunes
    if (p->pruned) snprintf(pruned, sizeof pruned, "  pruned %lld", (long long)p->pruned);
    snprintf(out, n, "%s%3.0f%% of the work  %lld/%lld configs  %.1f/s  elapsed %s  ETA %s  diverged %lld%s  failed %lld",
             bar_s, 100.0 * frac, (long long)p->done, (long long)p->total, rate, el_s, eta_s,
             (long long)p->diverged, pruned, (long long)p->failed);
}

static void progress_draw(Progress *p, double now) {
    char line[512];
    progress_format(p, now, p->tty, line, sizeof line);
    fprintf(p->out, "%s%s%s", p->tty ? "\r" : "", line, p->tty ? "\033[K" : "\n");
    fflush(p->out);
    p->t_last_draw = now;
}

static void maybe_draw(Progress *p) {
    if (!p->enabled) return;
    double now = sweep_seconds();
    if (now - p->t_last_draw >= (p->tty ? TTY_INTERVAL : LOG_INTERVAL)) progress_draw(p, now);
}

void progress_work(Progress *p, double work) {
    p->work_done += work;
    maybe_draw(p);
}

void progress_update(Progress *p, int status, double work) {
    p->done++;
    p->work_done += work;
    if (status == 2) p->diverged++;
    if (status == 3) p->failed++;
    if (status == 4) p->pruned++;
    maybe_draw(p);
}

void progress_finish(Progress *p) {
    if (!p->enabled) return;
    progress_draw(p, sweep_seconds());
    if (p->tty) fputc('\n', p->out);
}
