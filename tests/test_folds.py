"""Cross-validation folds (DESIGN section 3, Validation; section 4, format_version 2), through
./sweep and the file: the folds redrawn from their documented algorithm, stratified,
disjoint and covering the training part; each split's scaling refitted from its own rows; the
fold configs retrained by the independent NumPy reference from the file's rows, scaling and
initial weights; thread counts, shards + merge and resume bitwise identical to a plain run;
version-1 files refused by resume and merge with one line."""

import h5py
import numpy as np
import pytest

from conftest import (STATUS_DONE, assert_same_results, have_h5diff, one_line, run_ok,
                      run_sweep, write_spec)
from test_numpy_reference import builtin, Rng, check_against_reference, redraw_split  # noqa: F401 (builtin: a fixture)

RNG_FOLDS = 4

FOLD_SPEC = """\
save_initial_weights: true
data:
  folds: 4
  repeats: 2
  scale: {scale}
  test_fraction: {test_fraction}
  split_seed: 11
grid:
  hidden_dim: [3, 5]
  learning_rate: [0.05, 0.5]
  batch_size: 40
  epochs: 6
  seed: [0, 1]
  shuffle: [false, true]
"""
N_CONFIGS = 2 * 2 * 2 * 2 * 4 * 2


def redraw_folds(y_train, K, repeat, split_seed):
    """The folds exactly as src/data.c documents them: for class 0 then class 1, the positions
    of that class in train_index order, shuffled by the (split_seed, RNG_FOLDS, repeat) stream,
    dealt round-robin from fold 0."""
    g = Rng(split_seed, RNG_FOLDS, repeat, 0)
    fold = np.full(len(y_train), -1, dtype=np.int64)
    for c in (0, 1):
        pos = [i for i in range(len(y_train)) if (y_train[i] == 1.0) == c]
        pos = g.permute(pos)
        for j, i in enumerate(pos):
            fold[i] = j % K
    return fold


@pytest.fixture(scope="module")
def folds_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("folds")
    spec = write_spec(d / "folds.yaml", FOLD_SPEC.format(scale="minmax", test_fraction=0.2))
    out = d / "folds.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    return spec, out


def test_folds_are_the_documented_draw_stratified_disjoint_and_covering(folds_file, builtin):
    _, out = folds_file
    X, y, _ = builtin
    with h5py.File(out, "r") as f:
        assert f.attrs["format_version"] == 3
        assert f["data"].attrs["folds"] == 4 and f["data"].attrs["repeats"] == 2
        tr = f["data/train_index"][:]
        folds = f["data/folds"][:]
        assert folds.shape == (2, len(tr)) and folds.dtype == np.int32
        assert np.array_equal(tr, redraw_split(y, 0.2, 11)[0])
        for r in range(2):
            assert np.array_equal(folds[r], redraw_folds(y[tr], 4, r, 11)), f"repeat {r}"
            # disjoint and covering: each training row in exactly one fold
            assert set(folds[r].tolist()) == {0, 1, 2, 3}
            for c in (0, 1):
                sizes = np.bincount(folds[r][y[tr] == c], minlength=4)
                assert sizes.max() - sizes.min() <= 1, (r, c, sizes)
        assert not np.array_equal(folds[0], folds[1])


def test_each_split_scales_with_its_own_training_rows(folds_file, builtin):
    _, out = folds_file
    X, y, _ = builtin
    with h5py.File(out, "r") as f:
        tr = f["data/train_index"][:]
        folds = f["data/folds"][:]
        off, sc = f["data/split_feature_offset"][:], f["data/split_feature_scale"][:]
        assert off.shape == sc.shape == (8, X.shape[1])
        for r in range(2):
            for k in range(4):
                fit = X[tr[folds[r] != k]]
                lo, hi = fit.min(axis=0), fit.max(axis=0)
                assert np.array_equal(off[r * 4 + k], lo)
                assert np.array_equal(sc[r * 4 + k], 1.0 / (hi - lo))
        # the whole training part's scaling is still recorded
        assert np.array_equal(f["data/feature_offset"][:], X[tr].min(axis=0))


def test_configs_cross_every_setting_with_every_split_fold_fastest(folds_file):
    _, out = folds_file
    with h5py.File(out, "r") as f:
        c = f["configs"][:]
        assert len(c) == N_CONFIGS
        assert c["fold"].tolist() == [i % 4 for i in range(N_CONFIGS)]
        assert c["repeat"].tolist() == [(i // 4) % 2 for i in range(N_CONFIGS)]
        assert c["shuffle"].tolist() == [(i // 8) % 2 for i in range(N_CONFIGS)]
        s = f["summary"][:]
        assert (s["status"] == STATUS_DONE).all()
        val = f["curves/val_loss"][:]
        assert np.isfinite(val).all()
        assert np.array_equal(s["final_val_loss"], val[:, -1])
        assert np.array_equal(s["best_val_loss"], val.min(axis=1))
        assert np.array_equal(s["best_val_epoch"], val.argmin(axis=1))
        assert (s["epochs_run"] == 6).all()


def test_fold_configs_match_the_numpy_reference(folds_file, builtin):
    _, out = folds_file
    X, y, _ = builtin
    assert check_against_reference(out, X, y) == N_CONFIGS


def test_standard_scaling_without_a_test_part_matches_the_numpy_reference(tmp_path, builtin):
    X, y, _ = builtin
    spec = write_spec(tmp_path / "s.yaml", FOLD_SPEC.format(scale="standard", test_fraction=0))
    out = tmp_path / "s.h5"
    run_ok("-q", "-o", out, spec)
    with h5py.File(out, "r") as f:
        assert f["data"].attrs["n_test"] == 0 and len(f["data/train_index"]) == len(y)
        assert np.isnan(f["curves/test_loss"][:]).all() and np.isnan(f["summary"]["final_test_acc"]).all()
        assert np.isfinite(f["curves/val_loss"][:]).all()
        tr, folds = f["data/train_index"][:], f["data/folds"][:]
        fit = X[tr[folds[1] != 2]]
        mean = fit.mean(axis=0)
        std = np.sqrt(((fit - mean) ** 2).mean(axis=0))
        np.testing.assert_allclose(f["data/split_feature_offset"][1 * 4 + 2], mean, rtol=1e-13)
        np.testing.assert_allclose(f["data/split_feature_scale"][1 * 4 + 2], 1.0 / std, rtol=1e-12)
    assert check_against_reference(out, X, y) == N_CONFIGS


@pytest.mark.skipif(not have_h5diff(), reason="h5diff is not installed")
def test_thread_counts_shards_merge_and_resume_are_bitwise_identical(folds_file, tmp_path):
    spec, ref = folds_file
    one = tmp_path / "j1.h5"
    run_ok("-q", "-j", "1", "-o", one, spec)
    assert_same_results(ref, one)
    parts = []
    for k in range(3):
        part = tmp_path / f"part{k}.h5"
        run_ok("-q", "--shard", f"{k}/3", "-o", part, spec)
        parts.append(part)
    merged = tmp_path / "merged.h5"
    run_ok("merge", "-q", merged, *parts)
    assert_same_results(ref, merged)
    # a shard's file resumed as the whole sweep would not do; a partial merge resumed does
    partial = tmp_path / "partial.h5"
    run_ok("merge", "-q", "--allow-partial", partial, parts[0], parts[2])
    run_ok("-q", "--resume", "-o", partial, spec)
    assert_same_results(ref, partial)


def test_seed_stats_pool_seeds_and_splits(folds_file):
    _, out = folds_file
    with h5py.File(out, "r") as f:
        table = f["seed_stats"][:]
        summary = f["summary"][:]
        configs = f["configs"][:]
        assert len(table) == N_CONFIGS // (2 * 8)   # seeds x splits per setting
        assert (table["n_replicates"] == 16).all()
        for k, row in enumerate(table):
            members = ((configs["hidden_dim"] == row["hidden_dim"]) &
                       (configs["learning_rate"] == row["learning_rate"]) &
                       (configs["shuffle"] == row["shuffle"]))
            v = summary["final_val_loss"][members]
            assert row["mean_final_val_loss"] == pytest.approx(v.mean(), rel=1e-12)
            assert row["std_final_val_loss"] == pytest.approx(v.std(ddof=1), rel=1e-12)
        curves = f["seed_stats_curves/val_acc_mean"][:]
        assert curves.shape == (len(table), 6) and np.isfinite(curves).all()


def test_a_version_1_file_gets_one_line_from_resume_and_merge(folds_file, tmp_path):
    spec, ref = folds_file
    old = tmp_path / "old.h5"
    old.write_bytes(ref.read_bytes())
    with h5py.File(old, "r+") as f:
        f.attrs["format_version"] = np.int64(1)
    r = run_sweep("-q", "--resume", "-o", old, spec)
    assert r.returncode == 2
    assert "format_version 1" in one_line(r.stderr) and "--force" in r.stderr
    r = run_sweep("merge", "-q", tmp_path / "m.h5", old)
    assert r.returncode == 2
    assert "format_version 1" in one_line(r.stderr) and "older sweep" in r.stderr
    assert not (tmp_path / "m.h5").exists()


def test_resume_refuses_a_file_whose_folds_differ(folds_file, tmp_path):
    spec, ref = folds_file
    other = tmp_path / "other.h5"
    other.write_bytes(ref.read_bytes())
    with h5py.File(other, "r+") as f:
        row = f["data/folds"][0]
        j = int(np.flatnonzero(row != row[0])[0])
        row[0], row[j] = row[j], row[0]   # two training rows swap folds
        f["data/folds"][0] = row
    r = run_sweep("-q", "--resume", "-o", other, spec)
    assert r.returncode == 2 and "the data changed" in one_line(r.stderr)


@pytest.mark.parametrize("text, where, what", [
    ("data:\n  folds: 1000\ngrid: {}\n", "2:10", "data.folds: expected at most 170"),
    ("data:\n  folds: -2\ngrid: {}\n", "2:10", "data.folds: expected an integer from 1"),
    ("data:\n  repeats: 5\ngrid: {}\n", "2:12", "data.repeats: expected 1 without cross-validation"),
    ("data:\n  test_fraction: 0\ngrid: {}\n", "2:18", "data.test_fraction: expected a number between 0 and 1"),
    ("data:\n  folds: 5\ngrid:\n  batch_size: 400\n", "4:15", "grid.batch_size: expected at most 364"),
])
def test_fold_errors_are_one_located_line_and_no_file(tmp_path, text, where, what):
    spec = write_spec(tmp_path / "bad.yaml", text)
    out = tmp_path / "bad.h5"
    r = run_sweep("-q", "-o", out, spec)
    assert r.returncode == 2
    line = one_line(r.stderr)
    assert f"bad.yaml:{where}: {what}" in line, line
    assert not out.exists()


def test_dry_run_shows_the_folds_and_the_split_columns(tmp_path):
    spec = write_spec(tmp_path / "d.yaml", "data:\n  folds: 5\n  repeats: 2\ngrid:\n  hidden_dim: [4, 8]\n")
    r = run_ok("-n", spec)
    assert "folds   5-fold x 2 repeats = 10 splits" in r.stdout
    assert "x 10 splits = 20 configs" in r.stdout
    assert " repeat fold" in r.stdout


def test_random_search_crosses_each_drawn_setting_with_seeds_and_splits(tmp_path):
    spec = write_spec(tmp_path / "r.yaml", """\
search: {method: random, n: 4, seed: 3}
data:
  folds: 3
grid:
  hidden_dim: [4, 8]
  learning_rate: {loguniform: [0.01, 1.0]}
  epochs: 3
  seed: [0, 1]
""")
    out = tmp_path / "r.h5"
    run_ok("-q", "-o", out, spec)
    with h5py.File(out, "r") as f:
        c = f["configs"][:]
        assert len(c) == 4 * 2 * 3
        ids = np.arange(len(c))
        assert c["fold"].tolist() == (ids % 3).tolist()
        assert c["seed"].tolist() == ((ids // 3) % 2).tolist()
        for k in range(4):   # a drawn setting's seeds and splits are consecutive
            block = c[k * 6:(k + 1) * 6]
            assert len(set(block["learning_rate"].tolist())) == 1
            assert len(set(block["hidden_dim"].tolist())) == 1
        assert (f["seed_stats"]["n_replicates"] == 6).all() and len(f["seed_stats"]) == 4


def test_sweep_verify_retrains_fold_configs_bitwise_and_catches_an_ulp(folds_file, tmp_path):
    _, out = folds_file
    r = run_ok("verify", "--sample", "all", out)
    assert "identical" in r.stderr + r.stdout
    bad = tmp_path / "ulp.h5"
    bad.write_bytes(out.read_bytes())
    with h5py.File(bad, "r+") as f:
        v = f["curves/val_loss"][5]
        v[2] = np.nextafter(v[2], np.inf)
        f["curves/val_loss"][5] = v
    r = run_sweep("verify", "--sample", "all", bad)
    assert r.returncode == 1 and "config 5 differs" in r.stdout + r.stderr and "val_loss" in r.stdout + r.stderr
