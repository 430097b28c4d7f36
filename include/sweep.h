// sweep.h: what every module shares: the version, exit statuses, error buffers.
#ifndef SWEEP_H
#define SWEEP_H

#include <stddef.h>
#include <stdint.h>

#define SWEEP_VERSION "0.1.0"

// Exit statuses (DESIGN section 1). Functions that can fail return one of these.
enum {
    SWEEP_OK = 0,
    SWEEP_ERR_RUNTIME = 1,      // I/O, out of memory
    SWEEP_ERR_USAGE = 2,        // bad flag, bad spec, bad CSV
    SWEEP_ERR_INTERRUPTED = 130 // SIGINT/SIGTERM, every finished config saved
};

// Every recoverable error fills a caller-owned `char err[ERR_LEN]` with one line of context.
#define ERR_LEN 1024

// snprintf into err (if err is non-NULL) and return code: `return fail(err, 2, "...")`.
int fail(char *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

// SIGINT and SIGTERM call on_stop; SIGXFSZ is ignored (a write past ulimit -f fails instead).
void sweep_install_signals(void (*on_stop)(int));

// Monotonic seconds, for timings.
double sweep_seconds(void);

// "Did you mean": optimal string alignment distance, ignoring case and '-' versus '_';
// INT_MAX when either word is longer than SWEEP_SUGGEST_MAX_LEN bytes.
#define SWEEP_SUGGEST_MAX_LEN 40
int sweep_edit_distance(const char *a, const char *b);

// A whole decimal integer in [lo, hi], the whole of s: 0, or -1 (out untouched).
int sweep_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

// Copies len bytes of s into out (cap bytes) for an error message: one line (control bytes
// escaped), optionally in double quotes, cut with "..." after about 60 characters without
// splitting a UTF-8 sequence.
void sweep_quote(const char *s, size_t len, int quotes, char *out, size_t cap);

#endif
