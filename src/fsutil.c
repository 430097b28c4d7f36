// fsutil.c: the lock file beside a results file, and fsync of a file and its directory
// (see fsutil.h).
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sweep.h"

char *fsutil_lock_path(const char *path) {
    char *lock = malloc(strlen(path) + 8);
    if (lock) sprintf(lock, "%s.lock", path);
    return lock;
}

int fsutil_lock_acquire(const char *lock_path, const char *path, const char *held, int *fd_out, char *err) {
    for (;;) {
        int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot create lock file: %s", lock_path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            if (e == EWOULDBLOCK) return fail(err, SWEEP_ERR_RUNTIME, "%s: %s (it holds %s)", path, held, lock_path);
            return fail(err, SWEEP_ERR_RUNTIME, "%s: cannot lock: %s", lock_path, strerror(e));
        }
        // The holder before us may have unlinked the lock file after we opened it: the lock
        // counts only if the path still names the inode we locked.
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(lock_path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            *fd_out = fd;
            return SWEEP_OK;
        }
        close(fd);
    }
}

void fsutil_lock_release(const char *lock_path, int *fd) {
    if (*fd < 0) return;
    unlink(lock_path);
    close(*fd);
    *fd = -1;
}

int fsutil_lock_held(const char *path) {
    char *lock = fsutil_lock_path(path);
    int fd = lock ? open(lock, O_RDONLY | O_CLOEXEC) : -1;
    free(lock);
    if (fd < 0) return 0;
    int held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

// fsync of what open(path, flags) gives; errno is the failing call's.
static int fsync_open(const char *path, int flags) {
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd), e = errno;
    close(fd);
    errno = e;
    return rc;
}

int fsutil_fsync_file(const char *path) { return fsync_open(path, O_RDONLY); }

int fsutil_fsync_dir_of(const char *path) {
    char *dir = strdup(path);
    if (!dir) return -1;
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = '\0'; else strcpy(dir, ".");
    int rc = fsync_open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    return rc;
}
