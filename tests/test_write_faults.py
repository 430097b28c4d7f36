"""A write that fails is never reported as success (DESIGN section 4): the seed statistics,
written at the end of a sweep, meet a transient I/O error. The sweep exits 1 with two lines
naming the file and the error, the file does not say `complete`, and `--resume` (every config
being finished) writes them and marks it complete, as an unfaulted run leaves it.

The error comes from a small LD_PRELOAD shim built here: it fails the first pwrite into a
given byte range of a given file (EIO), once. The range is where the seed statistics live,
read from an unfaulted run's file (the layout is the same for the same spec)."""

import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import SPECS, assert_same_results, run_sweep

SETS = ["--set", "data.folds=2", "--set", "grid.epochs=[2,4]", "--set", "grid.batch_size=64",
        "--set", "grid.learning_rate=0.05"]

SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int fired;

// Fails the first pwrite into [FAIL_LO, FAIL_HI) of a file named FAIL_NAME with EIO.
static int hit(int fd, size_t n, off_t off) {
    const char *name = getenv("FAIL_NAME"), *lo = getenv("FAIL_LO"), *hi = getenv("FAIL_HI");
    if (fired || !name || !lo || !hi) return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len <= 0) return 0;
    path[len] = '\0';
    const char *base = strrchr(path, '/');
    if (strcmp(base ? base + 1 : path, name) != 0) return 0;
    long long a = atoll(lo), b = atoll(hi);
    if ((long long)off + (long long)n <= a || (long long)off >= b) return 0;
    fired = 1;
    return 1;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwrite");
    if (hit(fd, n, off)) { errno = EIO; return -1; }
    return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwrite64");
    if (hit(fd, n, off)) { errno = EIO; return -1; }
    return real(fd, buf, n, off);
}
"""


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shim")
    (folder / "fail_once.c").write_text(SHIM)
    out = folder / "fail_once.so"
    r = subprocess.run(["cc", "-O1", "-fPIC", "-shared", "-o", str(out), str(folder / "fail_once.c"), "-ldl"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode == 0, r.stdout.decode()
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    ref = tmp_path_factory.mktemp("ref") / "out.h5"
    r = run_sweep("-q", "-j", "2", "-o", ref, *SETS, SPECS / "tiny.yaml")
    assert r.returncode == 0, r.stderr
    return ref


def extent(path, name):
    with h5py.File(path, "r") as f:
        d = f[name]
        return d.id.get_offset(), d.id.get_offset() + d.id.get_storage_size()


def seed_stats_complete(path):
    """Whether the file's seed statistics hold every done setting's numbers (no NaN where the
    reference has a number)."""
    with h5py.File(path, "r") as f:
        return not np.isnan(f["seed_stats_curves/val_loss_mean"][:]).any()


@pytest.mark.parametrize("dataset", ["seed_stats", "seed_stats_curves/val_loss_mean"])
def test_a_failed_write_of_the_seed_statistics_exits_1_leaves_the_file_not_complete_and_resume_repairs_it(
        tmp_path, shim, reference, dataset):
    lo, hi = extent(reference, dataset)
    out = tmp_path / "out.h5"
    env = {"LD_PRELOAD": str(shim), "FAIL_NAME": "out.h5", "FAIL_LO": str(lo), "FAIL_HI": str(hi),
           # a sanitized binary (make asan) wants its runtime first; the shim may come first
           "ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS", ""), "verify_asan_link_order=0"]))}
    r = run_sweep("-q", "-j", "2", "-o", out, *SETS, SPECS / "tiny.yaml", env=env)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1, r.stderr
    assert 1 <= len(lines) <= 2 and "out.h5" in lines[0] and "seed statistics" in lines[0], r.stderr
    assert "Input/output error" in lines[0], r.stderr
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] != "complete"
        assert (f["summary"]["status"] == 1).all()   # every result is safe
    assert not seed_stats_complete(out)
    # --resume: nothing to train, the seed statistics to write, then complete.
    r = run_sweep("-q", "--resume", "-o", out, *SETS, SPECS / "tiny.yaml")
    assert r.returncode == 0, r.stderr
    assert "marked it complete" in r.stderr
    assert_same_results(reference, out)
    # And now it is complete: a resume writes nothing.
    before = out.read_bytes()
    r = run_sweep("-q", "--resume", "-o", out, *SETS, SPECS / "tiny.yaml")
    assert r.returncode == 0 and "nothing to do" in r.stderr, r.stderr
    assert out.read_bytes() == before


def test_a_file_that_says_complete_with_its_seed_statistics_missing_is_repaired_by_resume(tmp_path, reference):
    """What the version before this one could leave: `complete`, and seed statistics partly NaN."""
    out = tmp_path / "out.h5"
    out.write_bytes(Path(reference).read_bytes())
    with h5py.File(out, "r+") as f:
        d = f["seed_stats_curves/val_loss_mean"]
        row = d[1]
        row[:] = np.nan
        d[1] = row
        assert f.attrs["status"] == "complete"
    r = run_sweep("-q", "--resume", "-o", out, *SETS, SPECS / "tiny.yaml")
    assert r.returncode == 0 and "marked it complete" in r.stderr, r.stderr
    assert_same_results(reference, out)
