// sweep.c: the small things every module shares.
#include "sweep.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int fail(char *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return code;
}

double sweep_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char fold(char ch) {
    if (ch >= 'A' && ch <= 'Z') return (char)(ch - 'A' + 'a');
    return ch == '-' ? '_' : ch;
}

int sweep_edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > SWEEP_SUGGEST_MAX_LEN || lb > SWEEP_SUGGEST_MAX_LEN) return INT_MAX;
    int d[SWEEP_SUGGEST_MAX_LEN + 1][SWEEP_SUGGEST_MAX_LEN + 1];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = fold(a[i - 1]) != fold(b[j - 1]);
            int best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2])
                && fold(a[i - 2]) == fold(b[j - 1]) && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

void sweep_quote(const char *s, size_t len, int quotes, char *out, size_t cap) {
    size_t o = 0, shown = 0;
    if (quotes) out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        char tmp[8];
        if (ch == '"' && quotes) snprintf(tmp, sizeof tmp, "\\\"");
        else if (ch == '\\' && quotes) snprintf(tmp, sizeof tmp, "\\\\");
        else if (ch == '\n') snprintf(tmp, sizeof tmp, "\\n");
        else if (ch == '\t') snprintf(tmp, sizeof tmp, "\\t");
        else if (ch == '\r') snprintf(tmp, sizeof tmp, "\\r");
        else if (ch < 0x20 || ch == 0x7f) snprintf(tmp, sizeof tmp, "\\x%02x", ch);
        else { tmp[0] = (char)ch; tmp[1] = '\0'; }
        size_t t = strlen(tmp);
        int continuation = (ch & 0xC0) == 0x80;
        if (!continuation && (shown >= 60 || o + t + 4 + 6 > cap)) {   // room for a sequence
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (o + t + 6 > cap) break;   // a stray continuation byte run: stop, still in bounds
        memcpy(out + o, tmp, t);
        o += t;
        if (!continuation) shown++;
    }
    if (quotes) out[o++] = '"';
    out[o] = '\0';
}

void sweep_install_signals(void (*on_stop)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    // Past a file-size limit (ulimit -f) a write should fail like a full disk, not kill us.
    signal(SIGXFSZ, SIG_IGN);
}

int sweep_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}
