"""A config whose loss or weights become non-finite stops there (DESIGN section 3): status 2
(diverged), the rest of its curves NaN; the sweep still exits 0 and the other configs are done.

The learning rate has to be absurd: the sigmoid bounds |p - y| by 1, so weights grow only
linearly in the learning rate and 1e6 (or even 1e150) stays finite. 1e200 overflows within
the first epoch: (1e200 * gradient) squared in the logit is past the largest double.
"""

import h5py
import numpy as np
import pytest

from conftest import CURVES, STATUS_DIVERGED, STATUS_DONE, run_ok, write_spec

SPEC = """\
grid:
  hidden_dim: 8
  learning_rate: [0.1, 1.0e+200]
  batch_size: [32, 455]
  epochs: 10
  seed: [0, 1]
  init_scale: 1.0
"""


@pytest.fixture(scope="module")
def diverged(tmp_path_factory):
    d = tmp_path_factory.mktemp("divergence")
    spec = write_spec(d / "div.yaml", SPEC)
    out = d / "div.h5"
    run_ok("-q", "-o", out, spec)          # exit 0: diverged configs count as finished
    return out


def test_huge_learning_rate_diverges_and_others_finish(diverged):
    out = diverged
    with h5py.File(out, "r") as f:
        lr = f["configs"]["learning_rate"]
        status = f["summary"]["status"]
        assert (status[lr > 1e100] == STATUS_DIVERGED).all(), status
        assert (status[lr < 1] == STATUS_DONE).all(), status
        assert f.attrs["status"] == "complete"


def test_curves_are_nan_after_the_diverging_epoch(diverged):
    out = diverged
    with h5py.File(out, "r") as f:
        curves = np.stack([f["curves/" + c][:] for c in CURVES])      # (4, n, epochs)
        configs = f["configs"][:]
        status = f["summary"]["status"][:]
        for i in np.flatnonzero(status == STATUS_DIVERGED):
            c = curves[:, i, :]
            measured = np.flatnonzero(~np.isnan(c).all(axis=0))
            # the last epoch with anything recorded is the diverging one; the rest is NaN
            k = int(measured.max()) if measured.size else -1
            assert np.isnan(c[:, k + 1:]).all(), (i, c)
            assert k < configs[i]["epochs"] - 1, f"config {i} diverged but its curve is full"
            # no gaps: every epoch before the diverging one has finite losses
            assert np.isfinite(c[[0, 2], :max(k, 0)]).all(), (i, c)
            # a network that broke predicts nothing: no accuracy from the diverging epoch on
            assert np.isnan(c[[1, 3], max(k, 0):]).all(), (i, c)
            g, row = f"hidden_{configs[i]['hidden_dim']}", configs[i]["weights_row"]
            weights_finite = all(np.isfinite(f[f"weights/{g}/{w}"][row]).all()
                                 for w in ("W1", "b1", "W2", "b2"))
            losses_finite = k >= 0 and np.isfinite(c[[0, 2], k]).all()
            assert not (weights_finite and losses_finite), (
                f"config {i} is marked diverged but its last losses and weights are finite")
        for i in np.flatnonzero(status == STATUS_DONE):
            assert np.isfinite(curves[:, i, :]).all(), i
        summary = f["summary"][:]
        diverged = summary[status == STATUS_DIVERGED]
        assert np.isnan(diverged["final_test_acc"]).all() and np.isnan(diverged["final_train_acc"]).all()

