// fsutil.h: the file system under a results file: the lock file beside it (PATH.lock), and
// making a file and its directory entry durable (fsync).
//
// A sweep and a merge take the lock before they write PATH, so a second writer is refused.
// The lock is flock(LOCK_EX), which the kernel drops when the process dies: a killed sweep
// never blocks its own resume. Knows POSIX only: nothing of HDF5 or of what PATH holds.
#ifndef FSUTIL_H
#define FSUTIL_H

// PATH.lock, malloc'd; NULL when out of memory.
char *fsutil_lock_path(const char *path);
// Takes the lock at lock_path for path (created if missing): SWEEP_OK with *fd holding it, or
// SWEEP_ERR_RUNTIME with err filled: "LOCK_PATH: cannot create lock file: ...", "PATH: HELD
// (it holds LOCK_PATH)" when another process holds it, "LOCK_PATH: cannot lock: ...".
int fsutil_lock_acquire(const char *lock_path, const char *path, const char *held, int *fd, char *err);
// Removes the lock file and drops the lock (*fd becomes -1); nothing when *fd < 0.
void fsutil_lock_release(const char *lock_path, int *fd);
// Whether another process holds path's lock right now (a sweep is writing path): 1 or 0.
int fsutil_lock_held(const char *path);

// fsync of the file at path, and of the directory that holds path's entry (after a rename
// into it). 0, or -1 with errno set by the call that failed.
int fsutil_fsync_file(const char *path);
int fsutil_fsync_dir_of(const char *path);

#endif
