// crashsim.c: an LD_PRELOAD shim that records what a process does to one file, for the
// power-cut simulator (tests/crashsim/crashsim.py). Built by the Makefile as build/crashsim.so.
//
//   CRASHSIM_LOG=PATH     where the record goes (created; required)
//   CRASHSIM_MATCH=PATH   the file to follow: any path that ends with PATH or PATH.tmp
//
// Every open, write, pwrite, truncate, ftruncate, fsync, fdatasync, rename and close that
// touches a followed file is appended to the log as one record, with the bytes written. The
// order of the records is an order the events could have happened in: a write is logged
// after it returned, an fsync's start before it is called and its end after it returned, each
// record under one lock. So a write logged before an fsync's start was complete before that
// fsync began, and is on disk once it ends; what is logged after may or may not be.
//
// Record: uint32 kind, int32 fd, int64 a, int64 b, uint32 n1, uint32 n2, then n1 + n2 bytes.
//   OPEN   fd, a = flags, b = 0, path                    (fd of the followed file)
//   WRITE  fd, a = offset, b = bytes written, the bytes  (write and pwrite alike)
//   TRUNC  fd, a = length                                (ftruncate)
//   PTRUNC fd = -1, a = length, path                     (truncate by name)
//   SYNC0  fd (an fsync or fdatasync starts)     SYNC1  fd, a = its return value
//   CLOSE  fd                                    RENAME a = 0, old path, new path
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

enum { R_OPEN = 1, R_WRITE, R_TRUNC, R_PTRUNC, R_SYNC0, R_SYNC1, R_CLOSE, R_RENAME };
enum { MAX_FD = 65536 };

typedef struct {
    uint32_t kind;
    int32_t fd;
    int64_t a, b;
    uint32_t n1, n2;
} Record;

// The shim's own state: a preload library has no caller to own it.
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_log = -1;
static const char *g_match;
static unsigned char g_followed[MAX_FD];

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
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

__attribute__((constructor)) static void crashsim_init(void) {
    RESOLVE(write, "write"); RESOLVE(pwrite, "pwrite"); RESOLVE(pwrite64, "pwrite64");
    RESOLVE(open, "open"); RESOLVE(open64, "open64"); RESOLVE(openat, "openat"); RESOLVE(openat64, "openat64");
    RESOLVE(open_2, "__open_2"); RESOLVE(open64_2, "__open64_2");
    RESOLVE(ftruncate, "ftruncate"); RESOLVE(ftruncate64, "ftruncate64");
    RESOLVE(truncate, "truncate"); RESOLVE(truncate64, "truncate64");
    RESOLVE(fsync, "fsync"); RESOLVE(fdatasync, "fdatasync"); RESOLVE(close, "close");
    RESOLVE(rename, "rename"); RESOLVE(renameat, "renameat"); RESOLVE(renameat2, "renameat2");
    g_match = getenv("CRASHSIM_MATCH");
    const char *log = getenv("CRASHSIM_LOG");
    if (log && g_match && real_open) {
        g_log = real_open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (g_log >= 0 && g_log < MAX_FD) g_followed[g_log] = 0;
    }
    if (!log || !g_match || g_log < 0) {
        fprintf(stderr, "crashsim: set CRASHSIM_LOG and CRASHSIM_MATCH (log: %s)\n", strerror(errno));
        _exit(97);
    }
}

static int matches(const char *path) {
    if (!path || !g_match) return 0;
    size_t n = strlen(path), m = strlen(g_match);
    if (n >= m && strcmp(path + n - m, g_match) == 0) return 1;
    return n >= m + 4 && strncmp(path + n - m - 4, g_match, m) == 0 && strcmp(path + n - 4, ".tmp") == 0;
}

static int followed(int fd) { return fd >= 0 && fd < MAX_FD && g_followed[fd]; }

static void put_all(const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = real_write(g_log, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { fprintf(stderr, "crashsim: cannot write the log\n"); _exit(98); }
        c += w;
        n -= (size_t)w;
    }
}

// Appends one record; the caller holds g_mu.
static void emit(uint32_t kind, int fd, int64_t a, int64_t b, const void *p1, size_t n1, const void *p2, size_t n2) {
    Record r = {kind, fd, a, b, (uint32_t)n1, (uint32_t)n2};
    put_all(&r, sizeof r);
    if (n1) put_all(p1, n1);
    if (n2) put_all(p2, n2);
}

static void log_event(uint32_t kind, int fd, int64_t a, int64_t b, const void *p1, size_t n1, const void *p2, size_t n2) {
    int e = errno;
    pthread_mutex_lock(&g_mu);
    emit(kind, fd, a, b, p1, n1, p2, n2);
    pthread_mutex_unlock(&g_mu);
    errno = e;
}

static void after_open(int fd, const char *path, int flags) {
    if (fd < 0 || fd >= MAX_FD || !matches(path)) return;
    int e = errno;
    pthread_mutex_lock(&g_mu);
    g_followed[fd] = 1;
    emit(R_OPEN, fd, flags, 0, path, strlen(path), NULL, 0);
    pthread_mutex_unlock(&g_mu);
    errno = e;
}

static mode_t mode_of(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    int fd = real_open(path, flags, mode);
    after_open(fd, path, flags);
    return fd;
}

int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    int fd = real_open64(path, flags, mode);
    after_open(fd, path, flags);
    return fd;
}

int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    int fd = real_openat(dirfd, path, flags, mode);
    after_open(fd, path, flags);
    return fd;
}

int openat64(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    int fd = real_openat64(dirfd, path, flags, mode);
    after_open(fd, path, flags);
    return fd;
}

int __open_2(const char *path, int flags) {
    int fd = real_open_2(path, flags);
    after_open(fd, path, flags);
    return fd;
}

int __open64_2(const char *path, int flags) {
    int fd = real_open64_2(path, flags);
    after_open(fd, path, flags);
    return fd;
}

ssize_t write(int fd, const void *buf, size_t n) {
    if (!followed(fd)) return real_write(fd, buf, n);
    off_t at = lseek(fd, 0, SEEK_CUR);
    ssize_t w = real_write(fd, buf, n);
    if (w > 0) log_event(R_WRITE, fd, (int64_t)at, (int64_t)w, buf, (size_t)w, NULL, 0);
    return w;
}

static ssize_t logged_pwrite(ssize_t (*real)(int, const void *, size_t, off_t), int fd, const void *buf, size_t n, off_t off) {
    ssize_t w = real(fd, buf, n, off);
    if (w > 0 && followed(fd)) log_event(R_WRITE, fd, (int64_t)off, (int64_t)w, buf, (size_t)w, NULL, 0);
    return w;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { return logged_pwrite(real_pwrite, fd, buf, n, off); }
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return logged_pwrite(real_pwrite64, fd, buf, n, off); }

static int logged_ftruncate(int (*real)(int, off_t), int fd, off_t len) {
    int rc = real(fd, len);
    if (rc == 0 && followed(fd)) log_event(R_TRUNC, fd, (int64_t)len, 0, NULL, 0, NULL, 0);
    return rc;
}

int ftruncate(int fd, off_t len) { return logged_ftruncate(real_ftruncate, fd, len); }
int ftruncate64(int fd, off_t len) { return logged_ftruncate(real_ftruncate64, fd, len); }

static int logged_truncate(int (*real)(const char *, off_t), const char *path, off_t len) {
    int rc = real(path, len);
    if (rc == 0 && matches(path)) log_event(R_PTRUNC, -1, (int64_t)len, 0, path, strlen(path), NULL, 0);
    return rc;
}

int truncate(const char *path, off_t len) { return logged_truncate(real_truncate, path, len); }
int truncate64(const char *path, off_t len) { return logged_truncate(real_truncate64, path, len); }

static int logged_sync(int (*real)(int), int fd) {
    if (!followed(fd)) return real(fd);
    log_event(R_SYNC0, fd, 0, 0, NULL, 0, NULL, 0);
    int rc = real(fd);
    log_event(R_SYNC1, fd, rc, 0, NULL, 0, NULL, 0);
    return rc;
}

int fsync(int fd) { return logged_sync(real_fsync, fd); }
int fdatasync(int fd) { return logged_sync(real_fdatasync, fd); }

int close(int fd) {
    if (!followed(fd)) return real_close(fd);
    int e = errno;
    pthread_mutex_lock(&g_mu);   // no new open may take this fd number before it is logged
    int rc = real_close(fd);
    g_followed[fd] = 0;
    emit(R_CLOSE, fd, rc, 0, NULL, 0, NULL, 0);
    pthread_mutex_unlock(&g_mu);
    if (rc == 0) errno = e;
    return rc;
}

static void after_rename(int rc, const char *from, const char *to) {
    if (rc == 0 && (matches(from) || matches(to))) log_event(R_RENAME, -1, 0, 0, from, strlen(from), to, strlen(to));
}

int rename(const char *from, const char *to) {
    int rc = real_rename(from, to);
    after_rename(rc, from, to);
    return rc;
}

int renameat(int fd1, const char *from, int fd2, const char *to) {
    int rc = real_renameat(fd1, from, fd2, to);
    after_rename(rc, from, to);
    return rc;
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags) {
    int rc = real_renameat2(fd1, from, fd2, to, flags);
    after_rename(rc, from, to);
    return rc;
}
