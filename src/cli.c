// cli.c: the command lines' shared pieces (cli.h).
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "sweep.h"

static int print(const char *cmd, int code, const char *fmt, va_list ap) {
    const char *sep = cmd ? " " : "";
    if (!cmd) cmd = "";
    fprintf(stderr, "sweep%s%s: ", sep, cmd);
    vfprintf(stderr, fmt, ap);
    if (code == SWEEP_ERR_USAGE) fprintf(stderr, " (see sweep%s%s --help)", sep, cmd);
    fputc('\n', stderr);
    return code;
}

int cli_error(const char *cmd, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    print(cmd, code, fmt, ap);
    va_end(ap);
    return code;
}

int cli_usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    print(cmd, SWEEP_ERR_USAGE, fmt, ap);
    va_end(ap);
    return SWEEP_ERR_USAGE;
}

int cli_parse_shard(const char *s, int64_t *k, int64_t *n) {
    const char *slash = strchr(s, '/');
    if (!slash || slash == s) return -1;
    char kbuf[32];
    size_t len = (size_t)(slash - s);
    if (len >= sizeof kbuf) return -1;
    memcpy(kbuf, s, len);
    kbuf[len] = '\0';
    int64_t kk, nn;
    if (sweep_parse_int(kbuf, 0, INT64_MAX, &kk) || sweep_parse_int(slash + 1, 1, INT64_MAX, &nn) || kk >= nn)
        return -1;
    *k = kk;
    *n = nn;
    return 0;
}
