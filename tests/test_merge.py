"""`sweep merge`: shards 0/3, 1/3 and 2/3 merged equal a plain run; every bad merge is
refused with its reason and leaves nothing behind; --allow-partial; memory stays flat."""

import fcntl
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import BUILTIN_CSV, REPO, assert_same_results, run_sweep, sweep_bin, write_spec

# 2 x 2 x 2 x 2 x 3 = 48 configs of 5 or 7 epochs, initial weights kept: every kind of row.
SPEC = """\
save_initial_weights: true
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.05, 0.5]
  batch_size: [16, 64]
  epochs: [5, 7]
  seed: [0, 1, 2]
"""
N_CONFIGS = 48

def run_ok(*args, **kw):
    r = run_sweep(*args, **kw)
    assert r.returncode == 0, f"sweep {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}"
    return r


def assert_same_as_plain(plain, merged, status="complete"):
    """The merged file holds what the plain run's holds, and says it is a merge."""
    assert_same_results(plain, merged, status)
    with h5py.File(merged, "r") as f:
        assert f.attrs["shard"] == "0/1"
        assert f.attrs["command"].startswith("sweep merge")


@pytest.fixture(scope="module")
def sweep_files(tmp_path_factory):
    """The spec, a plain run and its three shards (tests must not modify them)."""
    tmp = tmp_path_factory.mktemp("merge")
    spec = write_spec(tmp / "spec" / "grid.yaml", SPEC)
    plain = tmp / "plain.h5"
    run_ok("-q", "-j", "2", spec, "-o", plain)
    shards = []
    for k in range(3):
        out = tmp / f"shard{k}.h5"
        run_ok("-q", "-j", "2", "--shard", f"{k}/3", spec, "-o", out)
        shards.append(out)
    return spec, plain, shards


def merge(*args, cwd=None):
    return run_sweep("merge", *args, cwd=cwd)


def assert_refused(r, out, words, code=2):
    """Exit status code, one line on stderr naming the reason, and no OUT, OUT.tmp or OUT.lock."""
    assert r.returncode == code, f"exit {r.returncode}, expected {code}:\n{r.stderr}"
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    for suffix in ("", ".tmp", ".lock"):
        assert not os.path.exists(str(out) + suffix), f"{out}{suffix} was left behind"


# --- merging what fits ---------------------------------------------------------------------

def test_three_shards_merged_equal_a_plain_run(sweep_files, tmp_path):
    spec, plain, shards = sweep_files
    out = tmp_path / "merged.h5"
    r = merge(out, *shards)
    assert r.returncode == 0, r.stderr
    assert "48 of 48 configs from 3 parts" in r.stderr and "complete" in r.stderr
    assert_same_as_plain(plain, out)
    assert sorted(os.listdir(tmp_path)) == ["merged.h5"]
    # The merged file is a finished sweep: resuming it has nothing to do.
    r = run_sweep("--resume", spec, "-o", out)
    assert r.returncode == 0 and "nothing to do" in r.stderr, r.stderr


def test_the_order_of_the_parts_does_not_matter(sweep_files, tmp_path):
    _, plain, shards = sweep_files
    out = tmp_path / "merged.h5"
    r = merge("-q", out, shards[2], shards[0], shards[1])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert_same_as_plain(plain, out)


def test_a_killed_shard_merges_with_its_committed_rows(sweep_files, tmp_path):
    """A shard whose sweep died (status still "running", PATH.lock unheld) is a fine part."""
    _, plain, shards = sweep_files
    killed = tmp_path / "killed1.h5"
    shutil.copy(shards[1], killed)
    with h5py.File(killed, "r+") as f:
        f.attrs["status"] = "running"
    out = tmp_path / "merged.h5"
    assert merge("-q", out, shards[0], killed, shards[2]).returncode == 0
    assert_same_as_plain(plain, out)


def test_force_replaces_an_existing_output(sweep_files, tmp_path):
    _, plain, shards = sweep_files
    out = tmp_path / "merged.h5"
    out.write_bytes(b"old")
    r = merge(out, *shards)
    assert_refused(r, tmp_path / "absent", ["already exists", "--force"])
    assert out.read_bytes() == b"old"
    assert merge("-q", "--force", out, *shards).returncode == 0
    assert_same_as_plain(plain, out)


def test_a_missing_shard_is_named_and_allow_partial_merges_the_rest(sweep_files, tmp_path):
    spec, plain, shards = sweep_files
    out = tmp_path / "merged.h5"
    r = merge(out, shards[0], shards[1])
    missing = [i for i in range(N_CONFIGS) if i % 3 == 2]
    assert_refused(r, out, ["missing 16 of 48 configs", "ids 2, 5, 8,", "shard 2/3", "--allow-partial"])

    r = merge("--allow-partial", out, shards[0], shards[1])
    assert r.returncode == 0, r.stderr
    assert "32 of 48 configs" in r.stderr and "missing 16" in r.stderr
    with h5py.File(out, "r") as f, h5py.File(plain, "r") as p:
        assert f.attrs["status"] == "interrupted" and f.attrs["shard"] == "0/1"
        status = f["summary"]["status"]
        assert (status[missing] == 0).all()
        present = np.setdiff1d(np.arange(N_CONFIGS), missing)
        assert (status[present] == 1).all()
        for c in ("train_loss", "test_acc"):
            np.testing.assert_array_equal(f["curves/" + c][present], p["curves/" + c][present])
            assert np.isnan(f["curves/" + c][missing]).all()
    # --resume runs just the missing configs, and the result is the plain run.
    r = run_sweep("-q", "--resume", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    assert_same_as_plain(plain, out)


# --- refusals ------------------------------------------------------------------------------

def test_a_part_of_a_different_spec_is_refused(sweep_files, tmp_path):
    _, _, shards = sweep_files
    other = write_spec(tmp_path / "other.yaml", SPEC.replace("[5, 7]", "[5, 8]"))
    part = tmp_path / "other2.h5"
    run_ok("-q", "--shard", "2/3", other, "-o", part)
    out = tmp_path / "merged.h5"
    r = merge(out, shards[0], shards[1], part)
    assert_refused(r, out, ["different spec", str(part), "spec_sha256"])


def test_a_part_of_different_data_is_refused(tmp_path):
    """Same spec text, but the CSV it names changed between two shards."""
    (tmp_path / "spec").mkdir()
    spec = write_spec(tmp_path / "spec" / "csv.yaml",
                      "data:\n  source: cells.csv\ngrid:\n  hidden_dim: [4, 8]\n  epochs: 3\n")
    csv = tmp_path / "spec" / "cells.csv"
    text = BUILTIN_CSV.read_text()
    csv.write_text(text)
    run_ok("-q", "--shard", "0/2", spec, "-o", tmp_path / "a.h5")
    lines = text.splitlines()
    rows = [line.split(",") for line in lines[1:]]
    for cells in rows:   # feature 0 in other units: same split, other scaling
        cells[0] = repr(float(cells[0]) * 2.0)
    csv.write_text("\n".join([lines[0]] + [",".join(c) for c in rows]) + "\n")
    run_ok("-q", "--shard", "1/2", spec, "-o", tmp_path / "b.h5")
    out = tmp_path / "merged.h5"
    r = merge(out, tmp_path / "a.h5", tmp_path / "b.h5")
    assert_refused(r, out, ["b.h5: its data differ from", "a.h5", "/data/feature_", "data file changed"])


def test_a_config_present_twice_is_refused(sweep_files, tmp_path):
    _, plain, shards = sweep_files
    again = tmp_path / "shard0-again.h5"
    shutil.copy(shards[0], again)
    out = tmp_path / "merged.h5"
    r = merge(out, shards[0], shards[1], shards[2], again)
    assert_refused(r, out, ["config 0 is finished in both", "16 configs are finished in more than one part",
                            "ids 0, 3, 6,"])
    r = merge(out, plain, shards[1])
    assert_refused(r, out, ["config 1 is finished in both", str(plain), "(shard 0/1)", "(shard 1/3)"])


@pytest.mark.parametrize("kind", ["text", "hdf5", "missing", "truncated"])
def test_a_part_that_is_not_a_sweep_file_is_refused(sweep_files, tmp_path, kind):
    _, _, shards = sweep_files
    bad = tmp_path / f"bad-{kind}.h5"
    if kind == "text":
        bad.write_text("grid:\n  hidden_dim: 4\n")
        words = ["not an HDF5 file"]
    elif kind == "hdf5":
        with h5py.File(bad, "w") as f:
            f["x"] = np.arange(3)
        words = ["not a sweep results file"]
    elif kind == "missing":
        words = ["No such file"]
    else:
        bad.write_bytes(shards[2].read_bytes()[:4096])
        words = ["expected a sweep results file"]
    out = tmp_path / "merged.h5"
    r = merge(out, shards[0], shards[1], bad)
    assert_refused(r, out, [str(bad)] + words)


def test_bad_command_lines_are_usage_errors(sweep_files, tmp_path):
    _, _, shards = sweep_files
    out = tmp_path / "merged.h5"
    for args in ([], [out], ["--nope", out, shards[0]], [out, shards[0], shards[0]],
                 [shards[0], shards[0], shards[1]], ["", shards[0]], [tmp_path, shards[0]]):
        r = merge(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert sorted(os.listdir(tmp_path)) == []
    r = merge("--help")
    assert r.returncode == 0 and "usage: sweep merge" in r.stdout


def test_a_part_a_sweep_is_still_writing_is_refused(sweep_files, tmp_path):
    _, _, shards = sweep_files
    part = tmp_path / "busy.h5"
    shutil.copy(shards[2], part)
    with open(str(part) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        out = tmp_path / "merged.h5"
        r = merge(out, shards[0], shards[1], part)
        assert_refused(r, out, ["still writing", str(part)], code=1)


def test_a_write_failure_leaves_nothing_behind(sweep_files, tmp_path):
    """A file-size limit below the output's size: the copy fails with EFBIG like a full disk."""
    _, _, shards = sweep_files
    import resource

    size = shards[0].stat().st_size

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, size // 2))

    out = tmp_path / "merged.h5"
    p = subprocess.run([str(sweep_bin()), "merge", str(out)] + [str(s) for s in shards], cwd=str(REPO),
                       preexec_fn=limit, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 1, p.stderr.decode()
    assert len(p.stderr.decode().strip().splitlines()) == 1, p.stderr.decode()
    assert os.listdir(tmp_path) == []


# --- streaming -----------------------------------------------------------------------------

PEAK_RSS = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
sys.stderr.write(r.stderr.decode())
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def merge_peak_kib(tmp_path, n_seeds):
    """Peak RSS (KiB) of merging the two shards of a sweep of n_seeds tiny configs, one of them
    left out so the merge is partial (the seed statistics, which --allow-partial skips, read the
    tables whole; the merge itself streams)."""
    spec = write_spec(tmp_path / f"s{n_seeds}.yaml",
                      f"grid:\n  hidden_dim: 1\n  epochs: 1\n  batch_size: 455\n  seed: {{range: [0, {n_seeds}]}}\n")
    parts = []
    for k in range(2):
        part = tmp_path / f"s{n_seeds}-{k}.h5"
        run_ok("-q", "--shard", f"{k}/3", spec, "-o", part, timeout=300)
        parts.append(part)
    out = tmp_path / f"m{n_seeds}.h5"
    p = subprocess.run([sys.executable, "-c", PEAK_RSS, str(sweep_bin()), "merge", "--allow-partial", str(out)]
                       + [str(x) for x in parts], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    rc, kib = p.stdout.decode().split()
    assert rc == "0", p.stderr.decode()
    with h5py.File(out, "r") as f:
        assert (f["summary"]["status"] != 0).sum() == len([i for i in range(n_seeds) if i % 3 < 2])
    return int(kib)


def test_merge_memory_does_not_grow_with_the_number_of_configs(tmp_path):
    ldd = subprocess.run(["ldd", str(sweep_bin())], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if b"libasan" in ldd.stdout:
        pytest.skip("AddressSanitizer holds freed memory in quarantine: peak RSS means nothing here")
    small = merge_peak_kib(tmp_path, 1000)
    big = merge_peak_kib(tmp_path, 45000)
    # Whole /configs and /summary tables of 45,000 configs would be 6 MB and more.
    assert big - small < 3000, f"peak RSS {small} KiB for 1,000 configs, {big} KiB for 45,000"
