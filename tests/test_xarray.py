"""The curves open labelled in xarray: `xr.open_dataset(FILE, group="curves",
engine="h5netcdf")` gives the four curves over the dimensions config and epoch, thanks to the
HDF5 dimension scales on /curves; scripts/to_pandas.py's curves_xarray (h5py alone, no netCDF
engine) gives the same with the axes attached and the task (DESIGN section 7) in .attrs: r2
curves for regression, the class names for classification."""

import sys

import h5py
import numpy as np
import pytest

from conftest import REPO, run_ok, write_spec

xr = pytest.importorskip("xarray")


@pytest.fixture(autouse=True)
def _h5netcdf(request):
    if "netcdf" in request.node.name:
        pytest.importorskip("h5netcdf", reason="python3-h5netcdf is not installed")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xarray")
    spec = tmp / "x.yaml"
    spec.write_text("grid:\n  hidden_dim: [4, 8]\n  learning_rate: [0.05, 0.5]\n  epochs: [3, 5]\n  seed: [0, 1]\n")
    out = tmp / "x.h5"
    run_ok("-q", spec, "-o", out)
    return out


def test_curves_open_in_xarray_with_config_and_epoch_dimensions_via_netcdf(results):
    with xr.open_dataset(results, group="curves", engine="h5netcdf") as ds:
        assert set(ds.data_vars) >= {"train_loss", "train_acc", "test_loss", "test_acc"}
        with h5py.File(results, "r") as f:
            n, width = f["curves/test_acc"].shape
            configs = f["configs"][:]
            raw = {k: f["curves"][k][:] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
        for k, v in raw.items():
            assert ds[k].dims == ("config", "epoch")
            np.testing.assert_array_equal(ds[k].values, v)
        assert ds.sizes == {"config": n, "epoch": width}
        # The coordinates are the config ids and the epoch indices, so selection by label works.
        np.testing.assert_array_equal(ds["config"].values, configs["id"])
        np.testing.assert_array_equal(ds["epoch"].values, np.arange(width))
        i = int(configs["id"][-1])
        last = int(configs["epochs"][-1]) - 1
        assert float(ds["test_acc"].sel(config=i, epoch=last)) == raw["test_acc"][i, last]


def test_curves_join_the_configs_table_for_labelled_selection_via_netcdf(results):
    # The README's recipe: attach the axes as coordinates along config, then select by value.
    with h5py.File(results, "r") as f:
        configs = f["configs"][:]
    with xr.open_dataset(results, group="curves", engine="h5netcdf") as ds:
        ds = ds.assign_coords({a: ("config", configs[a]) for a in ("hidden_dim", "learning_rate", "seed")})
        sel = ds["test_acc"].where((ds.hidden_dim == 8) & (ds.learning_rate == 0.5), drop=True)
        assert sel.sizes["config"] == 4   # 2 epochs values x 2 seeds
        mean = sel.mean("config")
        assert mean.dims == ("epoch",)


def to_pandas():
    sys.path.insert(0, str(REPO / "scripts"))
    import to_pandas as tp
    return tp


def test_curves_xarray_attaches_the_axes_and_the_task(results):
    tp = to_pandas()
    ds = tp.curves_xarray(results)
    with h5py.File(results, "r") as f:
        configs = f["configs"][:]
        raw = f["curves/test_acc"][:]
    assert set(ds.data_vars) == {"train_loss", "train_acc", "test_loss", "test_acc"}
    assert ds.attrs["task"] == "binary" and ds.attrs["score"] == "acc"
    np.testing.assert_array_equal(ds["test_acc"].values, raw)
    np.testing.assert_array_equal(ds["hidden_dim"].values, configs["hidden_dim"])
    assert set(ds["optimizer"].values) == {"sgd"} and set(ds["status"].values) == {"done"}
    sel = ds["test_acc"].where((ds.hidden_dim == 8) & (ds.learning_rate == 0.5), drop=True)
    assert sel.sizes["config"] == 4


def test_a_regression_files_curves_are_r2(tmp_path):
    spec = write_spec(tmp_path / "d.yaml", "data:\n  source: diabetes\n  folds: 2\n"
                      "grid:\n  hidden_dim: [4, 8]\n  epochs: 3\n  seed: [0, 1]\n  learning_rate: 0.1\n")
    out = tmp_path / "d.h5"
    run_ok("-q", spec, "-o", out)
    ds = to_pandas().curves_xarray(out)
    assert set(ds.data_vars) == {f"{p}_{k}" for p in ("train", "val", "test") for k in ("loss", "r2")}
    assert ds.attrs == dict(task="regression", n_classes=0, classes=[], score="r2")
    # Mean R2 over seeds and folds per hidden size: the labelled selection works as for acc.
    by = ds["val_r2"].groupby("hidden_dim").mean()
    assert by.sizes == {"hidden_dim": 2, "epoch": 3}
