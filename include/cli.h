// cli.h: what the command lines of sweep and its subcommands (DESIGN section 1) share: the
// one way a command-line error is printed, and the one reader of a shard "K/N" (sweep
// --shard, and the file's shard attribute that --resume and sweep merge read back).
#ifndef CLI_H
#define CLI_H

#include <stdint.h>

// Prints "sweep: MESSAGE" (cmd NULL, the run itself) or "sweep CMD: MESSAGE" on stderr, one
// line, ending " (see sweep[ CMD] --help)" when code is SWEEP_ERR_USAGE. Returns code.
int cli_error(const char *cmd, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
// A bad usage: cli_error(cmd, SWEEP_ERR_USAGE, ...).
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// A shard "K/N": decimal integers with 0 <= K < N. 0 with *k and *n set, or -1 (they are left
// as they were).
int cli_parse_shard(const char *s, int64_t *k, int64_t *n);

#endif
