"""The curves open labelled in xarray: `xr.open_dataset(FILE, group="curves",
engine="h5netcdf")` gives the four curves over the dimensions config and epoch, thanks to the
HDF5 dimension scales on /curves."""

import h5py
import numpy as np
import pytest

from conftest import run_ok

xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xarray")
    spec = tmp / "x.yaml"
    spec.write_text("grid:\n  hidden_dim: [4, 8]\n  learning_rate: [0.05, 0.5]\n  epochs: [3, 5]\n  seed: [0, 1]\n")
    out = tmp / "x.h5"
    run_ok("-q", spec, "-o", out)
    return out


def test_curves_open_in_xarray_with_config_and_epoch_dimensions(results):
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


def test_curves_join_the_configs_table_for_labelled_selection(results):
    # The README's recipe: attach the axes as coordinates along config, then select by value.
    with h5py.File(results, "r") as f:
        configs = f["configs"][:]
    with xr.open_dataset(results, group="curves", engine="h5netcdf") as ds:
        ds = ds.assign_coords({a: ("config", configs[a]) for a in ("hidden_dim", "learning_rate", "seed")})
        sel = ds["test_acc"].where((ds.hidden_dim == 8) & (ds.learning_rate == 0.5), drop=True)
        assert sel.sizes["config"] == 4   # 2 epochs values x 2 seeds
        mean = sel.mean("config")
        assert mean.dims == ("epoch",)
