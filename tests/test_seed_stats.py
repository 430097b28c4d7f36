"""Seed statistics in the file: /seed_stats and /seed_stats_curves agree with NumPy over the
raw rows, are filled only once every config is finished, and are labelled for xarray."""

import warnings

import h5py
import numpy as np
import pytest

from conftest import SETTING_AXES, run_sweep

# A setting includes the training recipe: the two optimizers are two settings each.
SPEC = """\
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.05, 1.0e200]
  batch_size: 64
  epochs: [4, 7]
  seed: {range: [0, 3]}
  shuffle: [false, true]
  optimizer: [sgd, momentum]
"""
STATS = ("final_train_loss", "final_train_acc", "final_test_loss", "final_test_acc", "best_test_acc")
CURVES = ("train_loss", "train_acc", "test_loss", "test_acc")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seedstats")
    spec = tmp / "s.yaml"
    spec.write_text(SPEC)
    out = tmp / "s.h5"
    r = run_sweep("-q", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    return spec, out


def settings_of(configs):
    """Settings numbered in order of their first config, as NumPy sees them."""
    keys = [tuple(c[a] for a in SETTING_AXES) for c in configs]
    order = {}
    for k in keys:
        order.setdefault(k, len(order))
    return np.array([order[k] for k in keys]), list(order)


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, equal_nan=True)


def test_seed_stats_table_matches_numpy_over_the_summary(result):
    _, out = result
    with h5py.File(out, "r") as f:
        configs, summary, table = f["configs"][:], f["summary"][:], f["seed_stats"][:]
    setting, keys = settings_of(configs)
    assert len(table) == len(keys) == len(configs) // 3
    np.testing.assert_array_equal(table["setting"], np.arange(len(keys)))
    for k, key in enumerate(keys):
        row = table[k]
        assert tuple(row[a] for a in SETTING_AXES) == key
        members = summary[setting == k]
        done = members[members["status"] == 1]
        assert row["n_replicates"] == 3
        assert row["n_done"] == len(done)
        assert row["n_diverged"] == (members["status"] == 2).sum()
        for s in STATS:
            v = done[s]
            close(row["mean_" + s], v.mean() if len(v) else np.nan)
            close(row["std_" + s], v.std(ddof=1) if len(v) >= 2 else np.nan)


def test_seed_stats_curves_match_numpy_over_the_curves(result):
    _, out = result
    with h5py.File(out, "r") as f:
        configs, summary = f["configs"][:], f["summary"][:]
        setting, keys = settings_of(configs)
        for name in CURVES:
            curves = f["curves/" + name][:]
            mean, std = f[f"seed_stats_curves/{name}_mean"][:], f[f"seed_stats_curves/{name}_std"][:]
            assert mean.shape == (len(keys), curves.shape[1])
            for k in range(len(keys)):
                rows = curves[(setting == k) & (summary["status"] == 1)]
                if len(rows) == 0:
                    assert np.isnan(mean[k]).all()
                    continue
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)   # epochs past a config's end
                    close(mean[k], np.nanmean(rows, axis=0))
                    expect_std = np.nanstd(rows, axis=0, ddof=1) if len(rows) >= 2 else np.full(rows.shape[1], np.nan)
                close(std[k], expect_std)


def test_diverged_settings_have_no_mean_but_are_counted(result):
    _, out = result
    with h5py.File(out, "r") as f:
        table = f["seed_stats"][:]
    diverged = table[table["learning_rate"] > 1e100]
    assert len(diverged) and (diverged["n_diverged"] == 3).all()
    assert np.isnan(diverged["mean_final_test_acc"]).all()


def test_a_shard_leaves_seed_stats_empty_until_the_sweep_is_whole(tmp_path, result):
    spec, _ = result
    out = tmp_path / "shard.h5"
    r = run_sweep("-q", "--shard", "0/2", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        table = f["seed_stats"][:]
        assert (table["n_replicates"] == 3).all()
        assert np.isnan(table["mean_final_test_acc"]).all()
        assert np.isnan(f["seed_stats_curves/test_acc_mean"][:]).all()


def test_seed_stats_curves_have_setting_and_epoch_dimension_scales(result):
    _, out = result
    with h5py.File(out, "r") as f:
        d = f["seed_stats_curves/test_acc_mean"]
        assert [d.dims[i][0].name.split("/")[-1] for i in range(2)] == ["setting", "epoch"]
        c = f["curves/test_acc"]
        assert [c.dims[i][0].name.split("/")[-1] for i in range(2)] == ["config", "epoch"]
        np.testing.assert_array_equal(f["curves/config"][:], np.arange(c.shape[0]))
        np.testing.assert_array_equal(f["curves/epoch"][:], np.arange(c.shape[1]))
