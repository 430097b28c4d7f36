"""Early stopping (DESIGN section 3) through ./sweep and the file: the rule recomputed from
each config's own val curve (improvement below the last one less min_delta, a stop patience
epochs after it, NaN after the stop, epochs_run), restore-best (final values those of the best
epoch, weights those of a plain run of that many epochs), the independent NumPy reference
learning the same rule, patience crossed with shared prefixes, and its saving stated."""

import h5py
import numpy as np
import pytest

from conftest import run_ok, write_spec
from test_numpy_reference import builtin, check_against_reference  # noqa: F401 (builtin: a fixture)

SPEC = """\
save_initial_weights: true
data:
  folds: 3
grid:
  hidden_dim: [4, 16]
  learning_rate: [0.1, 0.3]
  batch_size: 32
  epochs: [100, 250]
  seed: [0, 1]
  patience: [0, 5, 20]
  min_delta: [0, 0.001]
"""
CURVES = ("train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc")


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    d = tmp_path_factory.mktemp("early")
    spec = write_spec(d / "es.yaml", SPEC)
    out = d / "es.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    return spec, out


def rule(val, patience, min_delta, epochs):
    """(epochs run, best epoch) by the rule, from the whole val curve."""
    ref, best, wait = val[0], 0, 0
    for e in range(1, epochs):
        if val[e] < ref - min_delta:
            ref, best, wait = val[e], e, 0
        else:
            wait += 1
            if wait >= patience:
                return e + 1, best
    return epochs, best


def test_the_rule_recomputed_from_the_val_curves(stopped):
    _, out = stopped
    with h5py.File(out, "r") as f:
        c, s = f["configs"][:], f["summary"][:]
        curves = {k: f["curves/" + k][:] for k in CURVES}
    n_stopped = 0
    for i in range(len(c)):
        P, E = int(c["patience"][i]), int(c["epochs"][i])
        if P == 0:
            assert s["epochs_run"][i] == E
            continue
        ran = int(s["epochs_run"][i])
        assert np.isnan(curves["val_loss"][i, ran:]).all() and np.isfinite(curves["val_loss"][i, :ran]).all()
        # the config ran `ran` epochs: recomputing on its curve must stop exactly there
        want_ran, best = rule(curves["val_loss"][i], P, float(c["min_delta"][i]), ran)
        assert ran == want_ran or (ran == E and want_ran == E), (i, ran, want_ran)
        n_stopped += ran < E
        for k in CURVES:   # restore best: the final values are the best epoch's
            assert s["final_" + k][i] == curves[k][i, best], (i, k)
    assert n_stopped > 10


def test_restored_weights_equal_a_plain_run_of_the_best_epoch_count(stopped, tmp_path):
    _, out = stopped
    with h5py.File(out, "r") as f:
        c, s = f["configs"][:], f["summary"][:]
        val = f["curves/val_loss"][:]
        i = int(np.flatnonzero((c["patience"] == 5) & (s["epochs_run"] < c["epochs"]))[0])
        best = rule(val[i], 5, float(c["min_delta"][i]), int(s["epochs_run"][i]))[1]
        h, row = c["hidden_dim"][i], c["weights_row"][i]
        restored = [f[f"weights/hidden_{h}/{w}"][row] for w in ("W1", "b1", "W2", "b2")]
    spec = write_spec(tmp_path / "plain.yaml", f"""\
data:
  folds: 3
grid:
  hidden_dim: {int(c['hidden_dim'][i])}
  learning_rate: {float(c['learning_rate'][i])}
  batch_size: 32
  epochs: {best + 1}
  seed: {int(c['seed'][i])}
""")
    plain = tmp_path / "plain.h5"
    run_ok("-q", "-o", plain, spec)
    with h5py.File(plain, "r") as f:
        j = int(c["fold"][i])   # the plain sweep's configs are its 3 folds
        for w, r in zip(("W1", "b1", "W2", "b2"), restored):
            assert np.array_equal(f[f"weights/hidden_{h}/{w}"][j], r), w


def test_every_config_matches_the_numpy_reference(stopped, builtin):
    _, out = stopped
    X, y, _ = builtin
    assert check_against_reference(out, X, y) == 2 * 2 * 2 * 2 * 3 * 2 * 3


def test_the_saving_is_counted_in_epochs_run(stopped):
    _, out = stopped
    with h5py.File(out, "r") as f:
        c, s = f["configs"][:], f["summary"][:]
    for P in (5, 20):
        m = c["patience"] == P
        share = s["epochs_run"][m].sum() / c["epochs"][m].sum()
        assert share < 0.9, (P, share)


def test_sweep_verify_retrains_stopped_configs_bitwise(stopped):
    _, out = stopped
    r = run_ok("verify", "--sample", "all", out)
    assert "identical" in r.stderr + r.stdout
