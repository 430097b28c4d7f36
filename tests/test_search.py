"""Random search, sub-grids and --set (DESIGN sections 1 and 2), through ./sweep and the file it
writes: the draws' bounds and distribution, prefix stability, draws without replacement, -j1
against -j2, sub-grids' union, --set against the hand-edited spec, and the --set errors."""

import itertools
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from conftest import (AXES, REPO, SETTING_AXES, TINY_SPEC, assert_same_results, files_under, one_line, run_ok,
                      run_sweep, write_spec)

scipy_stats = pytest.importorskip("scipy.stats")

# Tiny configs: one hidden unit, one epoch, one batch: thousands take a second.
FAST = "  epochs: 1\n  batch_size: 455\n"


def configs(path):
    with h5py.File(path, "r") as f:
        return f["configs"][:]


def settings(rows, seeds, keys=SETTING_AXES):
    """The settings (every axis but seed, or those of keys) of a random search's /configs, in
    draw order."""
    out = [tuple(r[k] for k in keys) for r in rows[::seeds]]
    for k, s in enumerate(out):   # each drawn setting runs every seed, consecutively
        block = rows[k * seeds:(k + 1) * seeds]
        assert [tuple(r[k2] for k2 in keys) for r in block] == [s] * seeds
    return out


def test_loguniform_passes_ks_uniform_stays_in_bounds_randint_never_reaches_high(tmp_path):
    spec = write_spec(tmp_path / "draw.yaml", (
        "search: {method: random, n: 3000, seed: 2012}\n"
        "grid:\n"
        "  learning_rate: {loguniform: [0.0001, 1]}\n"
        "  init_scale: {uniform: [0.001, 0.1]}\n"
        "  hidden_dim: {randint: [1, 4]}\n" + FAST))
    run_ok("-q", "-o", tmp_path / "draw.h5", spec)
    c = configs(tmp_path / "draw.h5")
    assert len(c) == 3000
    lr, scale, hidden = c["learning_rate"], c["init_scale"], c["hidden_dim"]
    assert lr.min() >= 1e-4 and lr.max() <= 1
    assert scale.min() >= 0.001 and scale.max() <= 0.1
    # log(lr) is uniform on [log 1e-4, log 1]; init_scale uniform on [0.001, 0.1]
    ks = scipy_stats.kstest(np.log(lr), "uniform", args=(np.log(1e-4), np.log(1) - np.log(1e-4)))
    assert ks.pvalue > 0.01, ks
    ks = scipy_stats.kstest(scale, "uniform", args=(0.001, 0.099))
    assert ks.pvalue > 0.01, ks
    # ... and lr itself is far from uniform (the test has the power to tell them apart)
    assert scipy_stats.kstest(lr, "uniform", args=(1e-4, 1 - 1e-4)).pvalue < 1e-6
    assert set(hidden.tolist()) == {1, 2, 3}
    assert all(v == float(f"{v:.15g}") for v in lr[:500])   # 15 significant digits
    with h5py.File(tmp_path / "draw.h5", "r") as f:
        assert sorted(f["weights"]) == ["hidden_1", "hidden_2", "hidden_3"]
        assert len(f["seed_stats"]) == 3000


@pytest.mark.parametrize("grid", [
    "  learning_rate: {uniform: [0.01, 1]}\n  hidden_dim: [1, 2, 3]\n",          # with replacement
    "  learning_rate: {geomspace: [0.001, 1, 10]}\n  hidden_dim: {randint: [1, 6]}\n",   # without
], ids=["with-replacement", "without-replacement"])
def test_the_first_20_of_50_are_the_20(tmp_path, grid):
    files = {}
    for n in (20, 50):
        spec = write_spec(tmp_path / f"n{n}.yaml", f"search: {{method: random, n: {n}, seed: 7}}\ngrid:\n"
                          f"{grid}  seed: [0, 1]\n" + FAST)
        files[n] = tmp_path / f"n{n}.h5"
        run_ok("-q", "-o", files[n], spec)
    small, large = configs(files[20]), configs(files[50])
    assert len(small) == 40 and len(large) == 100
    for name in ("id",) + AXES:
        np.testing.assert_array_equal(small[name], large[name][:40], err_msg=name)
    with h5py.File(files[20], "r") as a, h5py.File(files[50], "r") as b:
        np.testing.assert_array_equal(a["curves/test_loss"][:], b["curves/test_loss"][:40])
    assert len(set(settings(large, 2))) > 10


def test_without_replacement_n_equal_to_the_space_gives_every_point_once(tmp_path):
    spec = write_spec(tmp_path / "all.yaml", (
        "search: {method: random, n: 24, seed: 3}\n"
        "grid:\n"
        "  hidden_dim: [1, 2]\n"
        "  batch_size: {randint: [100, 103]}\n"
        "  shuffle: [false, true]\n"
        "  epochs: {range: [1, 3]}\n"
        "  seed: [0, 1, 2]\n"))
    run_ok("-q", "-o", tmp_path / "all.h5", spec)
    drawn = settings(configs(tmp_path / "all.h5"), 3, keys=("hidden_dim", "batch_size", "epochs", "shuffle"))
    space = {(h, b, e, s) for h in (1, 2) for b in (100, 101, 102) for e in (1, 2) for s in (0, 1)}
    assert len(drawn) == 24 and set(drawn) == space
    assert drawn != sorted(drawn)   # drawn, not enumerated
    rc, out, err = run_sweep("-q", "-o", tmp_path / "more.h5", "--set", "search.n=25", spec)
    assert rc == 2 and "search.n: expected at most 24" in one_line(err)
    assert not (tmp_path / "more.h5").exists()


RANDOM_SPEC = """\
search:
  method: random
  n: 12
  seed: 42
grid:
  hidden_dim: {randint: [2, 9]}
  learning_rate: {loguniform: [0.01, 3]}
  batch_size: [16, 50]
  epochs: {randint: [2, 6]}
  seed: [0, 1]
  shuffle: [false, true]
"""


def test_random_search_j1_and_j2_write_the_same_file(tmp_path):
    spec = write_spec(tmp_path / "r.yaml", RANDOM_SPEC)
    run_ok("-q", "-j", 1, "-o", tmp_path / "j1.h5", spec)
    run_ok("-q", "-j", 2, "-o", tmp_path / "j2.h5", spec)
    assert_same_results(tmp_path / "j1.h5", tmp_path / "j2.h5")
    c = configs(tmp_path / "j1.h5")
    assert len(c) == 24 and (c["epochs"] < 6).all() and (c["hidden_dim"] < 9).all()
    # the report ranks the drawn settings, mean +- std over the two seeds
    r = run_ok("report", tmp_path / "j1.h5", "--top", 3)
    assert "best 3 of 12 settings" in r.stdout and "learning_rate" in r.stdout


def test_dry_run_shows_the_draw_and_its_spread(tmp_path):
    spec = write_spec(tmp_path / "r.yaml", RANDOM_SPEC)
    r = run_ok("-n", spec)
    assert "search  random, seed 42: 12 settings drawn with replacement x 2 seeds = 24 configs" in r.stdout
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines()[3:11] if ln.startswith("  ")}
    assert "loguniform [0.01, 3]" in lines["learning_rate"]
    assert "randint [2, 9)" in lines["hidden_dim"]
    assert "crossed of 2: 0, 1" in lines["seed"]
    distinct = int(lines["learning_rate"].split("]")[1].split()[0])
    assert distinct == 12
    c_lo, c_hi = (float(x) for x in lines["learning_rate"].split()[-2:])
    assert 0.01 <= c_lo < c_hi <= 3
    assert files_under(tmp_path) == {"r.yaml"}


@pytest.mark.skipif(os.environ.get("SWEEP_SANITIZED") == "1", reason="timing, not under the sanitizers")
def test_a_million_settings_dry_run_in_about_a_second(tmp_path):
    spec = write_spec(tmp_path / "m.yaml", (
        "search: {method: random, n: 1000000, seed: 1}\n"
        "grid:\n  hidden_dim: {randint: [4, 513]}\n  learning_rate: {loguniform: [0.0001, 1]}\n"
        "  batch_size: {randint: [8, 257]}\n  epochs: [50, 100, 200]\n  init_scale: {uniform: [0.001, 0.1]}\n"))
    t0 = time.monotonic()
    r = run_ok("-n", spec)
    took = time.monotonic() - t0
    assert "1000000 settings drawn" in r.stdout and "= 1000000 configs" in r.stdout
    print(f"1,000,000 settings, dry run: {took:.2f} s")
    assert took < 3.0   # about 0.5 s on the project's machine; generous for a shared one


SUB_GRIDS = """\
grid:
  - hidden_dim: [4, 8]
    learning_rate: [0.1, 0.5]
    epochs: 3
    seed: [0, 1]
  - hidden_dim: 16
    learning_rate: 0.05
    epochs: [2, 4]
    seed: [0, 1, 2]
"""


def test_sub_grids_are_the_union_in_order_with_each_ones_results(tmp_path):
    spec = write_spec(tmp_path / "sub.yaml", SUB_GRIDS)
    run_ok("-q", "-o", tmp_path / "sub.h5", spec)
    c = configs(tmp_path / "sub.h5")
    first = [(h, lr, 3, s) for h in (4, 8) for lr in (0.1, 0.5) for s in (0, 1)]
    second = [(16, 0.05, e, s) for e in (2, 4) for s in (0, 1, 2)]
    assert [(r["hidden_dim"], r["learning_rate"], r["epochs"], r["seed"]) for r in c] == first + second
    assert list(c["id"]) == list(range(14))
    # each sub-grid's configs hold what that sub-grid alone writes
    alone = write_spec(tmp_path / "alone.yaml", "grid:\n  hidden_dim: 16\n  learning_rate: 0.05\n"
                                                "  epochs: [2, 4]\n  seed: [0, 1, 2]\n")
    run_ok("-q", "-o", tmp_path / "alone.h5", alone)
    with h5py.File(tmp_path / "sub.h5", "r") as f, h5py.File(tmp_path / "alone.h5", "r") as g:
        np.testing.assert_array_equal(f["curves/test_loss"][8:, :4], g["curves/test_loss"][:, :4])
        assert sorted(f["weights"]) == ["hidden_16", "hidden_4", "hidden_8"]
        np.testing.assert_array_equal(f["weights/hidden_16/config_id"][:], np.arange(8, 14))
        np.testing.assert_array_equal(f["weights/hidden_16/W1"][:], g["weights/hidden_16/W1"][:])
        st = f["seed_stats"][:]
        assert len(st) == 6 and list(st["n_replicates"]) == [2, 2, 2, 2, 3, 3]
        assert list(st["hidden_dim"]) == [4, 4, 8, 8, 16, 16]
        done = f["summary"]["final_test_acc"][8:11]
        assert st["mean_final_test_acc"][4] == pytest.approx(done.mean(), rel=1e-12)
    r = run_ok("report", tmp_path / "sub.h5")
    assert "all 6 of 6 settings" in r.stdout


def test_plots_of_sub_grids_and_of_a_random_search(tmp_path):
    pytest.importorskip("matplotlib")
    write_spec(tmp_path / "sub.yaml", SUB_GRIDS)
    write_spec(tmp_path / "r.yaml", RANDOM_SPEC)
    for name in ("sub", "r"):
        run_ok("-q", "-o", tmp_path / f"{name}.h5", tmp_path / f"{name}.yaml")
        p = subprocess.run([sys.executable if sys.executable.startswith("/usr/bin") else "/usr/bin/python3",
                            str(REPO / "scripts" / "plot.py"), str(tmp_path / f"{name}.h5")],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        pictures = p.stdout.split()
        assert len(pictures) == 2 and all(os.path.getsize(x) > 10_000 for x in pictures)


# --set: the hand-edited spec is exactly the overridden text, so the files are the same (the
# root's spec and spec_sha256 included), and --resume accepts one for the other.
SETS = ["grid.hidden_dim=[8, 16]", "grid.epochs=3", "data.test_fraction=0.3", "grid.shuffle=true"]


def hand_edited():
    text = TINY_SPEC.replace("hidden_dim: [4, 8]", "hidden_dim: [8, 16]").replace("epochs: 5", "epochs: 3")
    return text + "  shuffle: true\ndata:\n  test_fraction: 0.3\n"


def test_set_writes_the_file_of_the_hand_edited_spec(tmp_path):
    spec = write_spec(tmp_path / "spec" / "tiny.yaml", TINY_SPEC)
    edited = write_spec(tmp_path / "edited" / "tiny.yaml", hand_edited())
    args = [a for s in SETS for a in ("--set", s)]
    run_ok("-q", "-o", tmp_path / "set.h5", *args, spec)
    run_ok("-q", "-o", tmp_path / "edited.h5", edited)
    assert_same_results(tmp_path / "edited.h5", tmp_path / "set.h5")
    with h5py.File(tmp_path / "set.h5", "r") as f:
        assert f.attrs["spec"] == hand_edited()
        assert f["data"].attrs["test_fraction"] == 0.3
        assert set(f["configs"]["hidden_dim"]) == {8, 16}
    # the stored spec is the overridden one: --resume with the edited file, or with the same
    # --set, finds it finished; the spec without them is another spec
    r = run_ok("--resume", "-o", tmp_path / "set.h5", edited)
    assert "already finished" in r.stderr
    r = run_ok("--resume", "-o", tmp_path / "set.h5", *args, spec)
    assert "already finished" in r.stderr
    r = run_sweep("--resume", "-o", tmp_path / "set.h5", spec)
    assert r.returncode == 2 and "spec" in one_line(r.stderr)


def test_set_on_a_random_search_and_on_sub_grids(tmp_path):
    spec = write_spec(tmp_path / "r.yaml", RANDOM_SPEC)
    edited = write_spec(tmp_path / "e" / "r.yaml", RANDOM_SPEC.replace("n: 12", "n: 5").replace("seed: 42", "seed: 9"))
    run_ok("-q", "-o", tmp_path / "set.h5", "--set", "search.n=5", "--set", "search.seed=9", spec)
    run_ok("-q", "-o", tmp_path / "edited.h5", edited)
    assert_same_results(tmp_path / "edited.h5", tmp_path / "set.h5")
    # grid.KEY on a list of sub-grids sets KEY in every sub-grid; grid.N.KEY in sub-grid N alone
    sub = write_spec(tmp_path / "sub.yaml", SUB_GRIDS)
    r = run_ok("-n", "--set", "grid.epochs=1", "--set", "grid.1.seed=7", sub)
    assert "grid    2 sub-grids = 9 configs" in r.stdout


BAD_SETS = [
    ("grid.hidden_dim=[8,x]", "--set grid.hidden_dim=[8,x]: grid.hidden_dim[1]: expected an integer from 1 to 1048576, found \"x\""),
    ("grid.hidden_dim", "--set grid.hidden_dim: expected KEY=VALUE"),
    ("grid..epochs=3", "--set grid..epochs=3: expected KEY=VALUE with KEY a dotted path of spec keys"),
    ("grid.epochs=", "--set grid.epochs=: expected a YAML value after \"=\""),
    ("grid.epochs=[1, 2", "--set grid.epochs=[1, 2: invalid YAML in the value"),
    ("grid.epochs=a: 1", "--set grid.epochs=a: 1: expected one value in YAML flow form"),
    ("grid.epochs.x=1", "--set grid.epochs.x=1: grid.epochs: expected a mapping to set x in, found a value at"),
    ("grid.epoch=3", "--set grid.epoch=3: grid.epoch: unknown key; did you mean \"epochs\"?"),
    ("serch.n=3", "--set serch.n=3: serch: unknown key; did you mean \"search\"?"),
    ("data.test_fraction=1.5", "--set data.test_fraction=1.5: data.test_fraction: expected a number from 0 (with folds) to 1"),
    ("grid.batch_size=1000", "--set grid.batch_size=1000: grid.batch_size: expected at most the training-set size 455"),
    ("search.method=random", "--set search.method=random: search.n: expected the number of settings to draw"),
    ("grid.learning_rate={uniform: [0.1, 1]}", "found a uniform distribution (distributions need search.method: random)"),
    ("data.source=missing.csv", "--set data.source=missing.csv: data.source: cannot read"),
]


@pytest.mark.parametrize("option,message", BAD_SETS, ids=[b[0] for b in BAD_SETS])
def test_a_bad_set_is_one_line_naming_the_option_exit_2_no_file(tmp_path, option, message):
    spec = write_spec(tmp_path / "spec" / "tiny.yaml", TINY_SPEC)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    rc, out, err = run_sweep("-o", out_dir / "out.h5", "--set", option, spec)
    assert rc == 2, err
    line = one_line(err)
    assert message in line, line
    assert line.startswith("--set ") or "distribution" in message, line
    assert files_under(out_dir) == set() and out == ""


def test_an_error_in_the_file_keeps_its_file_position_after_a_set(tmp_path):
    spec = write_spec(tmp_path / "s.yaml", "grid:\n  hidden_dim: [4, 8]\n  epochs: 0\n")
    rc, _, err = run_sweep("-n", "--set", "grid.hidden_dim=[100, 200, 300, 400]", spec)
    assert rc == 2
    assert f"{tmp_path / 's.yaml'}:3:11: grid.epochs: expected an integer from 1" in one_line(err)


def test_recipe_axes_in_random_search(tmp_path):
    """Lists of names are discrete axes (every combination once when the whole space is drawn
    without replacement); momentum and weight_decay are real axes for uniform and loguniform."""
    spec = write_spec(tmp_path / "names.yaml", "search: {method: random, n: 45, seed: 5}\ngrid:\n  hidden_dim: 3\n"
                      "  epochs: 1\n  optimizer: [sgd, momentum, nesterov, adam, adamw]\n"
                      "  activation: [relu, tanh, leaky_relu]\n  init: [normal, xavier_uniform, he_normal]\n")
    out = tmp_path / "names.h5"
    run_ok("-q", "-o", out, spec)
    with h5py.File(out, "r") as f:
        c = f["configs"][:]
    combos = {(a, b, d) for a, b, d in zip(c["optimizer"], c["activation"], c["init"])}
    assert len(c) == 45 and len(combos) == 45
    r = run_sweep("-n", "--set", "search.n=46", spec)
    assert r.returncode == 2 and "search.n: expected at most 45" in r.stderr
    spec = write_spec(tmp_path / "reals.yaml", "search: {method: random, n: 200, seed: 6}\ngrid:\n  hidden_dim: 3\n"
                      "  epochs: 1\n  optimizer: [momentum, adam]\n  momentum: {uniform: [0.5, 0.99]}\n"
                      "  weight_decay: {loguniform: [1e-6, 1e-2]}\n")
    out = tmp_path / "reals.h5"
    run_ok("-q", "-o", out, spec)
    with h5py.File(out, "r") as f:
        c = f["configs"][:]
    m, wd = c["momentum"], c["weight_decay"]
    assert 0.5 <= m.min() and m.max() <= 0.99 and len(set(m.tolist())) == 200
    assert 1e-6 <= wd.min() and wd.max() <= 1e-2
    assert np.mean(np.log10(wd) < -4) == pytest.approx(0.5, abs=0.12)   # log-uniform: half below the middle decade
    assert set(c["optimizer"].tolist()) == {b"momentum", b"adam"}
    r = run_sweep("-n", "--set", "grid.momentum={uniform: [0.5, 1.0]}", spec)
    assert r.returncode == 2 and "grid.momentum.uniform[1]: expected a number from 0 to 1 (1 excluded), found 1.0" in r.stderr
    r = run_sweep("-n", "--set", "grid.optimizer={randint: [0, 3]}", spec)
    assert r.returncode == 2 and "or a list of them (random search draws from a list), found a randint form" in r.stderr
