// faultsim.c: an LD_PRELOAD shim that makes one file's disk fail, for the fault-injection
// tests (tests/test_faults.py, scripts/faults.py; the driver is tests/faultsim/faultsim.py).
// Built by the Makefile as build/faultsim.so: plain C without sanitizers, so it also loads
// into the sanitized binaries of `make asan`.
//
//   FAULTSIM_MATCH=PATH   the file to follow: any path that ends with PATH or PATH.tmp (required)
//   FAULTSIM_LOG=PATH     one line per write-like call on a followed file (required)
//   FAULTSIM_AT=N         fail the N-th such call (1-based); 0 or unset: only count them
//   FAULTSIM_MODE=once    fail call N alone (a transient error)
//                 dead    fail call N and every later one (a dead disk)
//   FAULTSIM_ERRNO=E      ENOSPC (default) or EIO, or a number
//
// The write-like calls ("sites") are write, pwrite, pwrite64, writev, pwritev, pwritev2,
// ftruncate, ftruncate64, truncate, truncate64, fsync, fdatasync on a descriptor opened on a
// followed path, and rename, renameat, renameat2 with a followed path on either side. A
// failed call does nothing and returns -1 with errno set. Sites are numbered in the order
// they begin (under one lock), so with one writing thread the numbering is reproducible.
//
// Log line: "N OP FD OFFSET LENGTH RESULT PATH", RESULT "ok" or "FAIL" (injected), OFFSET -1
// where none applies (write, fsync), LENGTH the bytes asked for or the new length (truncate),
// PATH the followed path (rename: "FROM -> TO").
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { MAX_FD = 65536, MAX_PATH_LOG = 1024 };

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_log = -1;
static const char *g_match;
static long long g_at, g_count;
static int g_dead, g_errno = ENOSPC;
static char *g_path[MAX_FD];     // the followed path of each followed descriptor, or NULL

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_open_2)(const char *, int);
static int (*real_open64_2)(const char *, int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_truncate)(const char *, off_t);
static int (*real_truncate64)(const char *, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);

#define RESOLVE(name, sym) (real_##name = dlsym(RTLD_NEXT, sym))

__attribute__((constructor)) static void faultsim_init(void) {
    RESOLVE(write, "write"); RESOLVE(pwrite, "pwrite"); RESOLVE(pwrite64, "pwrite64");
    RESOLVE(writev, "writev"); RESOLVE(pwritev, "pwritev"); RESOLVE(pwritev2, "pwritev2");
    RESOLVE(open, "open"); RESOLVE(open64, "open64"); RESOLVE(openat, "openat"); RESOLVE(openat64, "openat64");
    RESOLVE(open_2, "__open_2"); RESOLVE(open64_2, "__open64_2");
    RESOLVE(ftruncate, "ftruncate"); RESOLVE(ftruncate64, "ftruncate64");
    RESOLVE(truncate, "truncate"); RESOLVE(truncate64, "truncate64");
    RESOLVE(fsync, "fsync"); RESOLVE(fdatasync, "fdatasync"); RESOLVE(close, "close");
    RESOLVE(rename, "rename"); RESOLVE(renameat, "renameat"); RESOLVE(renameat2, "renameat2");
    g_match = getenv("FAULTSIM_MATCH");
    const char *log = getenv("FAULTSIM_LOG"), *at = getenv("FAULTSIM_AT");
    const char *mode = getenv("FAULTSIM_MODE"), *e = getenv("FAULTSIM_ERRNO");
    g_at = at ? atoll(at) : 0;
    g_dead = mode && strcmp(mode, "dead") == 0;
    if (e && strcmp(e, "EIO") == 0) g_errno = EIO;
    else if (e && strcmp(e, "ENOSPC") == 0) g_errno = ENOSPC;
    else if (e && atoi(e) > 0) g_errno = atoi(e);
    if (log && real_open) g_log = real_open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (!log || !g_match || !*g_match || g_log < 0 || (mode && !g_dead && strcmp(mode, "once") != 0)) {
        fprintf(stderr, "faultsim: set FAULTSIM_LOG and FAULTSIM_MATCH (FAULTSIM_MODE once or dead)\n");
        _exit(97);
    }
}

static int matches(const char *path) {
    if (!path || !g_match) return 0;
    size_t n = strlen(path), m = strlen(g_match);
    if (n >= m && strcmp(path + n - m, g_match) == 0) return 1;
    return n >= m + 4 && strncmp(path + n - m - 4, g_match, m) == 0 && strcmp(path + n - 4, ".tmp") == 0;
}

static const char *followed(int fd) { return fd >= 0 && fd < MAX_FD ? g_path[fd] : NULL; }

static void put_line(const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = real_write(g_log, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { fprintf(stderr, "faultsim: cannot write the log\n"); _exit(98); }
        s += w;
        n -= (size_t)w;
    }
}

// A site begins: numbers it, logs it, and says whether to fail it (1) or not (0).
static int site(const char *op, int fd, long long off, long long len, const char *path, const char *path2) {
    int e = errno;
    pthread_mutex_lock(&g_mu);
    long long n = ++g_count;
    int fail = g_at > 0 && (n == g_at || (g_dead && n > g_at));
    char line[2 * MAX_PATH_LOG + 160];
    int k = snprintf(line, sizeof line, "%lld %s %d %lld %lld %s %.*s%s%.*s\n", n, op, fd, off, len,
                     fail ? "FAIL" : "ok", MAX_PATH_LOG, path ? path : "-", path2 ? " -> " : "",
                     MAX_PATH_LOG, path2 ? path2 : "");
    put_line(line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
    pthread_mutex_unlock(&g_mu);
    errno = e;
    return fail;
}

static int failed(void) {
    errno = g_errno;
    return -1;
}

static void after_open(int fd, const char *path) {
    if (fd < 0 || fd >= MAX_FD || !matches(path)) return;
    int e = errno;
    char *copy = strdup(path);
    pthread_mutex_lock(&g_mu);
    free(g_path[fd]);
    g_path[fd] = copy;
    pthread_mutex_unlock(&g_mu);
    errno = e;
}

static mode_t mode_of(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_WRAPPER(name, ...)                                      \
    {                                                                \
        va_list ap;                                                  \
        va_start(ap, flags);                                         \
        mode_t mode = mode_of(flags, ap);                            \
        va_end(ap);                                                  \
        int fd = real_##name(__VA_ARGS__, mode);                     \
        after_open(fd, path);                                        \
        return fd;                                                   \
    }

int open(const char *path, int flags, ...) OPEN_WRAPPER(open, path, flags)
int open64(const char *path, int flags, ...) OPEN_WRAPPER(open64, path, flags)
int openat(int dirfd, const char *path, int flags, ...) OPEN_WRAPPER(openat, dirfd, path, flags)
int openat64(int dirfd, const char *path, int flags, ...) OPEN_WRAPPER(openat64, dirfd, path, flags)

int __open_2(const char *path, int flags) {
    int fd = real_open_2(path, flags);
    after_open(fd, path);
    return fd;
}

int __open64_2(const char *path, int flags) {
    int fd = real_open64_2(path, flags);
    after_open(fd, path);
    return fd;
}

int close(int fd) {
    if (fd >= 0 && fd < MAX_FD && g_path[fd]) {
        pthread_mutex_lock(&g_mu);   // no new open may take this number before it is forgotten
        int rc = real_close(fd);
        free(g_path[fd]);
        g_path[fd] = NULL;
        pthread_mutex_unlock(&g_mu);
        return rc;
    }
    return real_close(fd);
}

static size_t iov_len(const struct iovec *iov, int n) {
    size_t s = 0;
    for (int i = 0; i < n; i++) s += iov[i].iov_len;
    return s;
}

ssize_t write(int fd, const void *buf, size_t n) {
    const char *p = followed(fd);
    if (p && site("write", fd, -1, (long long)n, p, NULL)) return failed();
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    const char *p = followed(fd);
    if (p && site("pwrite", fd, (long long)off, (long long)n, p, NULL)) return failed();
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
    const char *p = followed(fd);
    if (p && site("pwrite", fd, (long long)off, (long long)n, p, NULL)) return failed();
    return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    const char *p = followed(fd);
    if (p && site("writev", fd, -1, (long long)iov_len(iov, cnt), p, NULL)) return failed();
    return real_writev(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
    const char *p = followed(fd);
    if (p && site("pwritev", fd, (long long)off, (long long)iov_len(iov, cnt), p, NULL)) return failed();
    return real_pwritev(fd, iov, cnt, off);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags) {
    const char *p = followed(fd);
    if (p && site("pwritev", fd, (long long)off, (long long)iov_len(iov, cnt), p, NULL)) return failed();
    return real_pwritev2(fd, iov, cnt, off, flags);
}

static int faulty_ftruncate(int (*real)(int, off_t), int fd, off_t len) {
    const char *p = followed(fd);
    if (p && site("ftruncate", fd, -1, (long long)len, p, NULL)) return failed();
    return real(fd, len);
}

int ftruncate(int fd, off_t len) { return faulty_ftruncate(real_ftruncate, fd, len); }
int ftruncate64(int fd, off_t len) { return faulty_ftruncate(real_ftruncate64, fd, len); }

static int faulty_truncate(int (*real)(const char *, off_t), const char *path, off_t len) {
    if (matches(path) && site("truncate", -1, -1, (long long)len, path, NULL)) return failed();
    return real(path, len);
}

int truncate(const char *path, off_t len) { return faulty_truncate(real_truncate, path, len); }
int truncate64(const char *path, off_t len) { return faulty_truncate(real_truncate64, path, len); }

int fsync(int fd) {
    const char *p = followed(fd);
    if (p && site("fsync", fd, -1, -1, p, NULL)) return failed();
    return real_fsync(fd);
}

int fdatasync(int fd) {
    const char *p = followed(fd);
    if (p && site("fdatasync", fd, -1, -1, p, NULL)) return failed();
    return real_fdatasync(fd);
}

static int renamed(const char *from, const char *to) {
    return (matches(from) || matches(to)) && site("rename", -1, -1, -1, from, to);
}

int rename(const char *from, const char *to) {
    if (renamed(from, to)) return failed();
    return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to) {
    if (renamed(from, to)) return failed();
    return real_renameat(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags) {
    if (renamed(from, to)) return failed();
    return real_renameat2(fd1, from, fd2, to, flags);
}
