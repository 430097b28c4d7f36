// progress.c: the progress line.
#include "progress.h"
#include "sweep.h"

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

static void progress_draw(Progress *p, double now) {
    double elapsed = now - p->t_start;
    double rate = elapsed > 0.0 ? (double)p->done / elapsed : 0.0;
    double eta = p->work_done > 0.0 ? elapsed * (p->work_total - p->work_done) / p->work_done : -1.0;
    char eta_s[32], el_s[32];
    format_duration(eta_s, sizeof eta_s, p->done == p->total ? 0.0 : eta);
    format_duration(el_s, sizeof el_s, elapsed);
    fprintf(p->out, "%s%lld/%lld configs (%.1f%%)  %.1f/s  elapsed %s  ETA %s  diverged %lld  failed %lld%s",
            p->tty ? "\r" : "", (long long)p->done, (long long)p->total,
            p->total ? 100.0 * (double)p->done / (double)p->total : 100.0, rate, el_s, eta_s,
            (long long)p->diverged, (long long)p->failed, p->tty ? "\033[K" : "\n");
    fflush(p->out);
    p->t_last_draw = now;
}

void progress_update(Progress *p, int status, double work) {
    p->done++;
    p->work_done += work;
    if (status == 2) p->diverged++;
    if (status == 3) p->failed++;
    if (!p->enabled) return;
    double now = sweep_seconds();
    if (now - p->t_last_draw >= (p->tty ? TTY_INTERVAL : LOG_INTERVAL)) progress_draw(p, now);
}

void progress_finish(Progress *p) {
    if (!p->enabled) return;
    progress_draw(p, sweep_seconds());
    if (p->tty) fputc('\n', p->out);
}
