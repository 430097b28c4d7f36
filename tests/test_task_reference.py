"""The three tasks (DESIGN section 7) against the independent NumPy reference and PyTorch.

For each task a small sweep crosses every optimizer (sgd, momentum, adam, adamw), with and
without weight decay, both activations (relu, tanh), two initialisers (normal, xavier_uniform)
and both batch orders on 2-fold cross-validation: iris (multiclass, 3 classes), diabetes
(regression, standardised targets) and a CSV of two iris species named by text (binary, its
classes given in the spec in reverse order). From the file's own split, folds, scalings (the
per-split target scaling included) and initial weights (save_initial_weights: true), every
config is retrained by scripts/numpy_reference.py and, where python3-torch is installed, by
PyTorch in float64 (CrossEntropyLoss, MSELoss, BCEWithLogitsLoss, torch.optim): every curve,
the summary and the final weights agree within 1e-9 relative. The split, the folds, the
scalings, the classes and the initial weights (O > 1 keyed into the stream) are redrawn from
their documented rules. Digits (10 classes) and regression without target scaling (where a
large learning rate diverges) run smaller sweeps. The reference's heads are also held to
PyTorch directly, without the binary.
"""

import math

import h5py
import numpy as np
import pytest

from conftest import REPO, STATUS_DONE, assert_close, run_ok, write_spec
from test_numpy_reference import check_against_reference, ref

STATUS_DIVERGED = 2
RTOL, ATOL = 1e-9, 1e-12

SPEC = """\
save_initial_weights: true
data:
  source: {source}
{extra}  test_fraction: 0.2
  split_seed: 5
  scale: standard
  folds: 2
grid:
  hidden_dim: 5
  learning_rate: 0.05
  batch_size: 16
  epochs: 3
  seed: 1
  init_scale: 0.1
  shuffle: [false, true]
  optimizer: [sgd, momentum, adam, adamw]
  momentum: 0.8
  weight_decay: [0, 0.01]
  activation: [relu, tanh]
  init: [normal, xavier_uniform]
"""
N_CONFIGS = 2 * 4 * 2 * 2 * 2 * 2   # shuffle x optimizer x weight decay x activation x init x 2 folds

# task -> (source, extra data lines, label column of the source's CSV)
SOURCES = {
    "multiclass": ("iris", "", None),
    "regression": ("diabetes", "", None),
    "binary": ("pair.csv", "  label: species\n  classes: [virginica, versicolor]\n", "species"),
}


def write_pair_csv(path):
    """iris's versicolor and virginica rows: a binary CSV whose labels are names."""
    lines = (REPO / "src" / "iris.csv").read_text().splitlines()
    path.write_text("\n".join([lines[0]] + [l for l in lines[1:] if not l.endswith("setosa")]) + "\n")
    return path


def source_rows(task, folder):
    """(X, label texts) of a task's source, read here from its CSV."""
    source, _, label = SOURCES[task]
    path = folder / source if source.endswith(".csv") else ref.builtin_csv(source)
    X, labels, _ = ref.read_table(path, label)
    return X, labels


def expected_classes(task, labels):
    if task == "regression":
        return []
    if task == "binary":
        return ["virginica", "versicolor"]   # data.classes: its order, class 0 first
    return ref.class_order(labels)


@pytest.fixture(scope="module", params=sorted(SOURCES))
def task_file(request, tmp_path_factory):
    """(task, results file, X_raw, y_raw (class index or raw target), label texts)."""
    task = request.param
    d = tmp_path_factory.mktemp(task)
    write_pair_csv(d / "pair.csv")
    source, extra, _ = SOURCES[task]
    spec = write_spec(d / f"{task}.yaml", SPEC.format(source=source, extra=extra))
    out = d / f"{task}.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    X, labels = source_rows(task, d)
    classes = expected_classes(task, labels)
    y = np.array([float(t) for t in labels]) if task == "regression" else ref.encode_labels(labels, classes)
    return task, out, X, y, labels


@pytest.fixture(scope="module")
def train_torch():
    pytest.importorskip("torch", reason="python3-torch is not installed: the PyTorch cross-check is skipped")
    from test_torch_reference import train_torch as fn
    return fn


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def test_file_records_the_task_classes_and_names_by_task(task_file):
    task, out, X, y, labels = task_file
    K = len(set(labels)) if task != "regression" else 0
    O = K if task == "multiclass" else 1
    s = ref.score_name(task)
    other = "acc" if s == "r2" else "r2"
    with h5py.File(out, "r") as f:
        assert f.attrs["format_version"] == 3
        d = f["data"]
        assert text(d.attrs["task"]) == task and int(d.attrs["n_classes"]) == K
        if task == "regression":
            assert "classes" not in d
            assert {"target_offset", "target_scale"} <= set(d.attrs)
            assert d["split_target_offset"].shape == d["split_target_scale"].shape == (2,)
        else:
            assert [text(c) for c in d["classes"][:]] == expected_classes(task, labels)
            assert "target_offset" not in d.attrs and "split_target_offset" not in d
        assert set(f["curves"]) >= {f"{p}_{k}" for p in ("train", "test", "val") for k in ("loss", s)}
        assert not any(n.endswith("_" + other) for n in f["curves"])
        cols = f["summary"].dtype.names
        assert {f"final_train_{s}", f"final_test_{s}", f"best_test_{s}", f"final_val_{s}"} <= set(cols)
        assert not any(c.endswith("_" + other) for c in cols)
        n = len(f["configs"])
        assert n == N_CONFIGS and (f["summary"]["status"] == STATUS_DONE).all()
        for group in ("weights", "initial_weights"):
            g = f[f"{group}/hidden_5"]
            assert g["W1"].shape == (n, X.shape[1], 5) and g["b1"].shape == (n, 5)
            assert g["W2"].shape == ((n, 5, O) if O > 1 else (n, 5))
            assert g["b2"].shape == ((n, O) if O > 1 else (n,))
        if any(n.endswith("_mean") for n in f["seed_stats_curves"]):
            assert not any(n.startswith(("train_" + other, "test_" + other)) for n in f["seed_stats_curves"])


def test_split_folds_and_scalings_are_the_documented_draws(task_file):
    """The split and folds stratified by class (regression: one group), each split's feature and
    target scaling fitted on its own training rows."""
    task, out, X, y, _ = task_file
    groups = np.zeros(len(y)) if task == "regression" else y
    with h5py.File(out, "r") as f:
        d = f["data"]
        tr, te = ref.redraw_split(groups, 0.2, 5)
        assert np.array_equal(d["train_index"][:], tr) and np.array_equal(d["test_index"][:], te)
        folds = ref.redraw_folds(groups[tr], 2, 0, 5)
        assert np.array_equal(d["folds"][0], folds)
        off, sc = ref.fit_scaling(X[tr], "standard")
        assert_close(d["feature_offset"][:], off, "feature_offset", 1e-12, 1e-15)
        assert_close(d["feature_scale"][:], sc, "feature_scale", 1e-12, 1e-15)
        for k in range(2):
            fit = tr[folds != k]
            off, sc = ref.fit_scaling(X[fit], "standard")
            assert_close(d["split_feature_offset"][k], off, f"split {k} feature offset", 1e-12, 1e-15)
            assert_close(d["split_feature_scale"][k], sc, f"split {k} feature scale", 1e-12, 1e-15)
            if task == "regression":
                t_off, t_sc = ref.fit_target(y[fit])
                assert_close(d["split_target_offset"][k], t_off, f"split {k} target offset", 1e-12, 0.0)
                assert_close(d["split_target_scale"][k], t_sc, f"split {k} target scale", 1e-12, 0.0)
        if task == "regression":
            t_off, t_sc = ref.fit_target(y[tr])
            assert_close(d.attrs["target_offset"], t_off, "target_offset", 1e-12, 0.0)
            assert_close(d.attrs["target_scale"], t_sc, "target_scale", 1e-12, 0.0)
        else:   # stratified: each class's share of the test part within one row of its share
            for c in range(int(y.max()) + 1):
                assert abs(np.sum(y[te] == c) - len(te) * np.mean(y == c)) < 1.0


def test_initial_weights_are_the_python_rngs_and_key_the_outputs(task_file):
    task, out, X, y, _ = task_file
    with h5py.File(out, "r") as f:
        O = ref.file_head(f).n_out
        configs = f["configs"][:]
        seen = {}
        for cfg in configs:
            c = ref.config(cfg)
            got = ref.config_weights(f, cfg, "initial_weights")
            key = (c["seed"], c["init"])
            if key not in seen:
                seen[key] = ref.initial_weights(c["seed"], X.shape[1], 5, O, c["init"], c["init_scale"])
            for k, a, b in zip(("W1", "b1", "W2", "b2"), got, seen[key]):
                assert_close(a, b, f"config {c}: initial {k}", 1e-15, 0.0)
    assert len(seen) == 2
    if O > 1:   # O joins the key: not the stream a one-output network of that width starts from
        W1_one = ref.initial_weights(1, X.shape[1], 5, 1, "normal", 0.1)[0]
        assert not np.array_equal(seen[(1, "normal")][0], W1_one)


def test_every_config_matches_the_numpy_reference(task_file):
    task, out, X, y, _ = task_file
    assert check_against_reference(out, X, y) == N_CONFIGS


def test_every_config_matches_pytorch(task_file, train_torch):
    task, out, X, y, _ = task_file
    check_against_torch(out, X, y, task, train_torch)


def check_against_torch(out, X, y, task, train_torch):
    import torch
    torch.set_num_threads(1)
    with h5py.File(out, "r") as f:
        configs = f["configs"][:]
        names = ref.curve_names(task, True)
        file_curves = np.stack([f["curves/" + c][:] for c in names])
        seen = set()
        for cfg in configs:
            i = int(cfg["id"])
            sets = ref.split_sets(f, X, y, int(cfg["repeat"]), int(cfg["fold"]))
            init = ref.to_file(*ref.config_weights(f, cfg, "initial_weights"))
            curves, weights = train_torch(cfg, init, *sets, file_curves.shape[2], task=task)
            tag = f"config {i} ({task}, {ref.config(cfg)})"
            for c, name in enumerate(names):
                assert_close(file_curves[c, i], curves[c], f"{tag}: {name}", RTOL, ATOL)
            g, row = f"hidden_{cfg['hidden_dim']}", cfg["weights_row"]
            for k, w in zip(("W1", "b1", "W2", "b2"), weights):
                assert_close(f[f"weights/{g}/{k}"][row], w, f"{tag}: weights {k}", RTOL, ATOL)
            c = ref.config(cfg)
            seen.add((c["optimizer"], c["activation"], c["init"]))
    return seen


DIGITS_SPEC = """\
save_initial_weights: true
data:
  source: digits
  folds: 2
  split_seed: 3
grid:
  hidden_dim: 8
  learning_rate: 0.1
  batch_size: 64
  epochs: 2
  optimizer: [sgd, adam]
  init: [normal, xavier_uniform]
  shuffle: true
"""


def test_digits_ten_classes_match_numpy_and_pytorch(tmp_path, request):
    spec = write_spec(tmp_path / "digits.yaml", DIGITS_SPEC)
    out = tmp_path / "digits.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    X, labels, _ = ref.read_table(ref.builtin_csv("digits"))
    y = ref.encode_labels(labels, [str(k) for k in range(10)])
    with h5py.File(out, "r") as f:
        assert [text(c) for c in f["data/classes"][:]] == [str(k) for k in range(10)]
        assert f["weights/hidden_8/W2"].shape == (8, 8, 10)
        assert np.array_equal(f["data/train_index"][:], ref.redraw_split(y, 0.2, 3)[0])
        O = 10
        cfg = f["configs"][0]
        want = ref.initial_weights(0, 64, 8, O, ref.config(cfg)["init"], 0.01)
        for a, b in zip(ref.config_weights(f, cfg, "initial_weights"), want):
            assert_close(a, b, "digits initial weights", 1e-15, 0.0)
    assert check_against_reference(out, X, y) == 8
    try:
        fn = request.getfixturevalue("train_torch")
    except pytest.skip.Exception:
        return
    check_against_torch(out, X, y, "multiclass", fn)


UNSCALED_SPEC = """\
save_initial_weights: true
data:
  source: diabetes
  target_scale: none
  test_fraction: 0.25
  scale: minmax
grid:
  hidden_dim: 4
  learning_rate: [0.00001, 1000]
  batch_size: 50
  epochs: 8
  optimizer: [sgd, momentum]
"""


def test_regression_without_target_scaling_and_its_divergence(tmp_path):
    """target_scale: none trains on the raw target (offset 0, scale 1 in the file): the losses are
    in its unit, R2 the same in any unit; too large a step diverges as in the binary task."""
    spec = write_spec(tmp_path / "raw.yaml", UNSCALED_SPEC)
    out = tmp_path / "raw.h5"
    run_ok("-q", "-o", out, spec)
    X, labels, _ = ref.read_table(ref.builtin_csv("diabetes"))
    y = np.array([float(t) for t in labels])
    with h5py.File(out, "r") as f:
        d = f["data"]
        assert d.attrs["target_offset"] == 0.0 and d.attrs["target_scale"] == 1.0
        assert "split_target_offset" not in d and "val_loss" not in f["curves"]
        status = f["summary"]["status"]
        lr = f["configs"]["learning_rate"]
        assert (status[lr < 1] == STATUS_DONE).all() and (status[lr > 1] == STATUS_DIVERGED).all()
        loss = f["curves/train_loss"][0]
        assert loss[-1] > 1000.0   # squared error in the target's own unit (its variance ~ 6000)
        r2 = f["curves/train_r2"][:]
        assert np.isnan(r2[lr > 1, -1]).all() and np.isfinite(r2[lr < 1]).all()
    assert check_against_reference(out, X, y) == 4


# ---- The reference's heads, held to PyTorch without the binary --------------------------------

def test_heads_losses_gradients_and_scores():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(7, 3)) * 3.0
    y = np.array([0, 2, 1, 1, 0, 2, 2], dtype=np.float64)
    h = ref.SoftmaxHead(3)
    loss, acc = h.loss_score(z, y)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert math.isclose(loss, -np.mean(np.log(p[np.arange(7), y.astype(int)])), rel_tol=1e-13)
    assert acc == np.mean(np.argmax(z, axis=1) == y)
    # Stable: logits far beyond exp's range give the finite loss of their differences.
    big, _ = h.loss_score(z + 1e4, y)
    assert math.isclose(big, loss, rel_tol=1e-9)
    huge = np.array([[1000.0, 0.0, -1000.0]])
    assert h.loss_score(huge, np.array([1.0]))[0] == 1000.0
    assert np.isfinite(h.grad(huge, np.array([2.0]))).all()
    # A tie predicts the lowest index.
    assert h.loss_score(np.array([[1.0, 1.0, 0.0]]), np.array([0.0]))[1] == 1.0
    # Gradient: the finite difference of the batch's mean loss.
    g = h.grad(z, y)
    e = np.zeros_like(z)
    e[2, 1] = 1e-6
    fd = (h.loss_score(z + e, y)[0] - h.loss_score(z - e, y)[0]) / 2e-6
    assert math.isclose(g[2, 1], fd, rel_tol=1e-6)
    # MSE and R2 (scikit-learn's r2_score: the rows' own mean; NaN when the targets are all equal).
    m = ref.MseHead()
    t = rng.normal(size=9)
    zz = (t + rng.normal(size=9) * 0.3)[:, None]
    loss, r2 = m.loss_score(zz, t)
    assert math.isclose(loss, np.mean((zz[:, 0] - t) ** 2), rel_tol=1e-14)
    assert math.isclose(r2, 1 - np.sum((zz[:, 0] - t) ** 2) / np.sum((t - t.mean()) ** 2), rel_tol=1e-14)
    assert math.isnan(m.loss_score(zz, np.full(9, 0.1))[1])
    assert np.allclose(m.grad(zz, t)[:, 0], 2 * (zz[:, 0] - t) / 9)
    # R2 does not depend on the unit of the target.
    a, b = 3.7, -12.0
    assert math.isclose(m.loss_score(zz * a + b, t * a + b)[1], r2, rel_tol=1e-12)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_reference_matches_pytorch_without_the_binary(task, train_torch):
    """The reference trains what PyTorch trains, from Python-drawn weights and scalings: so a
    disagreement with the file points at the file, not at the reference."""
    X, labels, _ = ref.read_table(ref.builtin_csv("diabetes" if task == "regression" else "iris"))
    if task == "binary":
        keep = [i for i, t in enumerate(labels) if t != "setosa"]
        X, labels = X[keep], [labels[i] for i in keep]
    if task == "regression":
        y = np.array([float(t) for t in labels])
        groups = np.zeros(len(y))
    else:
        y = ref.encode_labels(labels, ref.class_order(labels))
        groups = y
    tr, te = ref.redraw_split(groups, 0.25, 9)
    off, sc = ref.fit_scaling(X[tr], "minmax")
    t_off, t_sc = ref.fit_target(y[tr]) if task == "regression" else (0.0, 1.0)
    sets = [((X[i] - off) * sc, (y[i] - t_off) * t_sc if task == "regression" else y[i]) for i in (tr, te)]
    sets.append((sets[0][0][:0], sets[0][1][:0]))
    head = ref.make_head(task, len(set(labels)))
    for opt, act, init in (("sgd", "relu", "normal"), ("adamw", "tanh", "xavier_uniform"),
                           ("momentum", "relu", "he_normal")):
        cfg = dict(learning_rate=0.05, batch_size=20, epochs=3, seed=2, shuffle=True, optimizer=opt,
                   momentum=0.9, weight_decay=0.01, activation=act, init=init)
        init_w = ref.initial_weights(2, X.shape[1], 6, head.n_out, init, 0.3)
        curves, weights, status, _ = ref.train(cfg, init_w, head, *sets, 3)
        t_curves, t_weights = train_torch(dict(ref.config(cfg)), ref.to_file(*init_w), *sets, 3, task=task)
        assert status == STATUS_DONE
        assert_close(curves[:4], t_curves[:4], f"{task} {opt} {act}: curves", RTOL, ATOL)
        for k, a, b in zip(("W1", "b1", "W2", "b2"), ref.to_file(*weights), t_weights):
            assert_close(a, b, f"{task} {opt} {act}: {k}", RTOL, ATOL)
