"""Shared prefixes (DESIGN section 3): configs that differ only in epochs are trained as one
trajectory to the longest, and each shorter one is committed as the run passes it. Its
results must be bitwise those of training it alone: held against one-value sweeps of each
epoch count, config by config, through ./sweep and the files; with folds, shuffling and a
diverging learning rate; -j 1 against -j 2; and a kill -9 in the middle of trajectories,
resumed, against the uninterrupted file."""

import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import AXES, assert_same_results, have_h5diff, run_ok, sweep_bin, wait_for_commits, write_spec

SPEC = """\
save_initial_weights: true
data:
  folds: 2
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.1, 1.0e+200]
  epochs: [10, 30, 90]
  seed: [0, 1]
  shuffle: [false, true]
  optimizer: [sgd, adam]
"""
# Every axis but epochs, and the split: configs equal in these share a trajectory.
KEY = tuple(a for a in AXES if a != "epochs") + ("repeat", "fold")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("prefixes")
    spec = write_spec(d / "p.yaml", SPEC)
    out = {"all": d / "all.h5"}
    run_ok("-q", "-j", "2", "-o", out["all"], spec)
    for e in (10, 30, 90):
        out[e] = d / f"e{e}.h5"
        run_ok("-q", "-o", out[e], "--set", f"grid.epochs={e}", spec)
    return spec, out


def rows_by_key(f):
    c = f["configs"][:]
    return {tuple(c[k][i].item() for k in KEY): i for i in range(len(c))}, c


def test_every_config_equals_its_one_value_sweep_bitwise(files):
    _, out = files
    with h5py.File(out["all"], "r") as fa:
        keys_a, ca = rows_by_key(fa)
        sa = fa["summary"][:]
        assert len(ca) == 192 and (sa["status"] == 2).any() and (sa["status"] == 1).any()
        checked = 0
        for e in (10, 30, 90):
            with h5py.File(out[e], "r") as fe:
                keys_e, ce = rows_by_key(fe)
                se = fe["summary"][:]
                for i in np.flatnonzero(ca["epochs"] == e):
                    j = keys_e[tuple(ca[k][i].item() for k in KEY)]
                    for name in fa["curves"]:
                        if fa["curves"][name].ndim != 2:
                            continue
                        assert np.array_equal(fa["curves"][name][i, :e], fe["curves"][name][j, :e],
                                              equal_nan=True), (i, name)
                        assert np.isnan(fa["curves"][name][i, e:]).all()
                    for field in sa.dtype.names:
                        if field not in ("id", "train_seconds"):
                            assert np.array_equal(sa[field][i], se[field][j], equal_nan=True), (i, field)
                    h, ra, re = ca["hidden_dim"][i], ca["weights_row"][i], ce["weights_row"][j]
                    for group in ("weights", "initial_weights"):
                        for w in ("W1", "b1", "W2", "b2"):
                            a = fa[f"{group}/hidden_{h}/{w}"][ra]
                            b = fe[f"{group}/hidden_{h}/{w}"][re]
                            assert np.array_equal(a, b, equal_nan=True), (i, group, w)
                    checked += 1
        assert checked == 192


def test_the_dry_run_counts_the_shared_work_once(files):
    spec, _ = files
    out = run_ok("-n", spec).stdout
    assert "192 configs to train" in out
    line = [l for l in out.splitlines() if "trajectories" in l][0]
    assert "as 64 trajectories" in line   # the optimizers do not share
    # each alone would cost (10 + 30 + 90) / 90 of the longest: 1.44x
    assert "1.44x" in line


@pytest.mark.skipif(not have_h5diff(), reason="h5diff is not installed")
def test_one_thread_and_two_write_the_same_file(files, tmp_path):
    spec, out = files
    one = tmp_path / "j1.h5"
    run_ok("-q", "-j", "1", "-o", one, spec)
    assert_same_results(out["all"], one)


@pytest.mark.skipif(not have_h5diff(), reason="h5diff is not installed")
def test_a_kill_in_the_middle_of_trajectories_resumes_to_the_same_file(tmp_path):
    # Long trajectories, so that the kill lands with some of their configs committed.
    slow = os.environ.get("SWEEP_SANITIZED") == "1"
    spec = write_spec(tmp_path / "k.yaml", SPEC.replace("[10, 30, 90]", "[20, 300, 1200]" if slow else
                                                         "[50, 1500, 6000]"))
    ref = tmp_path / "ref.h5"
    run_ok("-q", "-j", "2", "-o", ref, spec)
    out = tmp_path / "k.h5"
    p = subprocess.Popen([str(sweep_bin()), "-q", "-j", "2", "-o", str(out), str(spec)])
    try:
        wait_for_commits(out, n=20)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    with h5py.File(out, "r") as f:
        st = f["summary"]["status"]
        c = f["configs"]["epochs"]
        committed = st != 0
        assert committed.any() and not committed.all()
    run_ok("-q", "--resume", "-o", out, spec)
    assert_same_results(ref, out)
