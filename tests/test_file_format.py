"""The results file (DESIGN section 4): every object with its dtype and shape, the root and
/data attributes, the configs table's fixed order, weights rows, NaN tails, the pandas merge."""

import csv
import hashlib
import math
import re
import shutil
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import (AXES, BUILTIN_CSV, CSV_DIR, CURVES, NAMES, REAL_AXES, as_name, expected_configs, run_ok, run_sweep,
                      write_spec)

# Non-ASCII text, comments, blank lines and trailing spaces, so "verbatim" means something.
SPEC = """\
# Format check — größe, 幅 (a UTF-8 comment)   
name: format-check

save_initial_weights: true
grid:
  hidden_dim: [3, 6]     # two weight groups
  learning_rate: 0.1
  batch_size: [20, 455]
  epochs: [2, 5]
  seed: [4, 1]
  shuffle: [false, true]
"""
AXES_OF_SPEC = dict(hidden_dim=[3, 6], learning_rate=[0.1], batch_size=[20, 455],
                    epochs=[2, 5], seed=[4, 1], init_scale=[0.01], shuffle=[False, True])
N = 32

CONFIG_FIELDS = ("id",) + AXES + ("repeat", "fold", "weights_row")
NAME_FIELDS = set(NAMES)
SUMMARY_FIELDS = ("id", "status", "final_train_loss", "final_train_acc", "final_test_loss",
                  "final_test_acc", "best_test_acc", "best_epoch", "final_val_loss", "final_val_acc",
                  "best_val_loss", "best_val_epoch", "epochs_run", "train_seconds")
FLOAT_FIELDS = set(REAL_AXES) | {"final_train_loss", "final_train_acc",
                "final_test_loss", "final_test_acc", "best_test_acc", "final_val_loss",
                "final_val_acc", "best_val_loss", "train_seconds"}
INT32_FIELDS = {"repeat", "fold"}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    d = tmp_path_factory.mktemp("format")
    spec = write_spec(d / "format.yaml", SPEC)
    out = d / "format.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    return spec, out


@pytest.fixture
def f(made):
    with h5py.File(made[1], "r") as fh:
        yield fh


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def is_string(dt):
    return h5py.check_string_dtype(dt) is not None or dt.kind in "SU"


def test_root_attributes(f, made):
    spec, out = made
    a = f.attrs
    assert text(a["format"]) == "sweep-results"
    assert a["format_version"] == 3 and np.issubdtype(np.asarray(a["format_version"]).dtype, np.integer)
    assert text(a["spec"]) == spec.read_bytes().decode("utf-8")
    assert text(a["spec_sha256"]) == hashlib.sha256(spec.read_bytes()).hexdigest()
    assert a["n_configs"] == N
    assert text(a["shard"]) == "0/1"
    assert text(a["status"]) == "complete"
    version = run_sweep("-V").stdout.split()[-1]
    assert text(a["sweep_version"]) == version
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$", text(a["created"])), a["created"]
    assert str(spec) in text(a["command"])
    assert text(a["host"]).strip()


def test_file_is_readable_by_h5dump(made):
    if not shutil.which("h5dump"):
        pytest.skip("h5dump is not installed")
    r = subprocess.run(["h5dump", "-H", str(made[1])], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr.decode()


def test_top_level_objects(f):
    assert set(f.keys()) == {"data", "configs", "summary", "curves", "weights", "initial_weights",
                             "seed_stats", "seed_stats_curves"}
    assert set(f["curves"].keys()) == set(CURVES) | {"config", "epoch"}   # + dimension scales
    assert set(f["weights"].keys()) == {"hidden_3", "hidden_6"}
    assert set(f["initial_weights"].keys()) == {"hidden_3", "hidden_6"}


def test_data_group_builtin_default_split(f):
    d = f["data"]
    a = d.attrs
    assert text(a["source"]) == "breast_cancer"
    assert (a["n_samples"], a["n_features"], a["n_train"], a["n_test"]) == (569, 30, 455, 114)
    assert a["test_fraction"] == 0.2 and a["split_seed"] == 42 and text(a["scale"]) == "minmax"
    # format_version 3: the task, binary with classes 0 (malignant) and 1 (benign)
    assert text(a["task"]) == "binary" and a["n_classes"] == 2
    assert [text(c) for c in d["classes"][:]] == ["0", "1"] and is_string(d["classes"].dtype)
    assert "target_offset" not in a and "split_target_offset" not in d
    for name, n in (("train_index", 455), ("test_index", 114)):
        assert d[name].dtype == np.int64 and d[name].shape == (n,)
    for name in ("feature_offset", "feature_scale"):
        assert d[name].dtype == np.float64 and d[name].shape == (30,)
    assert d["feature_names"].shape == (30,) and is_string(d["feature_names"].dtype)
    tr, te = d["train_index"][:], d["test_index"][:]
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(569))
    if BUILTIN_CSV.is_file():
        with open(BUILTIN_CSV, newline="") as fh:
            rows = list(csv.reader(fh))
        assert [text(n) for n in d["feature_names"][:]] == rows[0][:-1]
        y = np.array([float(r[-1]) for r in rows[1:]])
        # stratified: each class's test count is within one of its proportional share
        for c in (0, 1):
            share = 114 * np.sum(y == c) / 569
            assert abs(np.sum(y[te] == c) - share) < 1, (c, np.sum(y[te] == c), share)
        # minmax fitted on the training part only
        X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
        assert np.array_equal(d["feature_offset"][:], X[tr].min(axis=0))
        Xs = (X[tr] - d["feature_offset"][:]) * d["feature_scale"][:]
        assert np.allclose(Xs.min(axis=0), 0.0) and np.allclose(Xs.max(axis=0), 1.0)


def test_configs_table_in_fixed_axis_order(f):
    c = f["configs"]
    assert c.shape == (N,)
    assert c.dtype.names == CONFIG_FIELDS
    for name in CONFIG_FIELDS:
        kind = c.dtype[name].kind
        if name in FLOAT_FIELDS:
            assert c.dtype[name] == np.float64, name
        elif name == "shuffle":
            assert kind in "iub", name
        elif name in NAME_FIELDS:
            assert c.dtype[name] == np.dtype("S16"), name
        elif name in INT32_FIELDS:
            assert c.dtype[name] == np.int32, name
        else:
            assert c.dtype[name] == np.int64, name
    got = c[:]
    want = expected_configs(AXES_OF_SPEC)
    assert got["id"].tolist() == list(range(N))
    for axis in AXES:
        assert [type(w[axis])(as_name(v) if axis in NAME_FIELDS else v) for v, w in zip(got[axis].tolist(), want)] \
            == [w[axis] for w in want], axis


def test_configs_do_not_depend_on_key_order(tmp_path):
    forward = """\
grid:
  hidden_dim: [3, 5]
  learning_rate: [0.1, 0.2]
  batch_size: 64
  epochs: [2, 3]
  seed: [0, 1]
  init_scale: [0.01, 0.1]
  shuffle: [true, false]
"""
    backward = """\
grid:
  shuffle: [true, false]
  init_scale: [0.01, 0.1]
  seed: [0, 1]
  epochs: [2, 3]
  batch_size: 64
  learning_rate: [0.1, 0.2]
  hidden_dim: [3, 5]
"""
    outs = []
    for name, body in (("forward", forward), ("backward", backward)):
        spec = write_spec(tmp_path / f"{name}.yaml", body)
        outs.append(tmp_path / f"{name}.h5")
        run_ok("-q", "-o", outs[-1], spec)
    with h5py.File(outs[0], "r") as a, h5py.File(outs[1], "r") as b:
        assert np.array_equal(a["configs"][:], b["configs"][:])
        for c in CURVES:
            assert np.array_equal(a["curves/" + c][:], b["curves/" + c][:], equal_nan=True)
        want = expected_configs(dict(hidden_dim=[3, 5], learning_rate=[0.1, 0.2], batch_size=[64],
                                     epochs=[2, 3], seed=[0, 1], init_scale=[0.01, 0.1],
                                     shuffle=[True, False]))
        got = a["configs"][:]
        assert [bool(s) for s in got["shuffle"]] == [w["shuffle"] for w in want]
        assert got["init_scale"].tolist() == [w["init_scale"] for w in want]
        assert got["hidden_dim"].tolist() == [w["hidden_dim"] for w in want]


def test_summary_table_and_pandas_merge(f):
    s = f["summary"]
    assert s.shape == (N,)
    assert s.dtype.names == SUMMARY_FIELDS
    for name in SUMMARY_FIELDS:
        if name in FLOAT_FIELDS:
            assert s.dtype[name] == np.float64, name
        elif name == "status":
            assert s.dtype[name].kind in "iu", name
        else:
            assert s.dtype[name] == np.int64, name
    rows = s[:]
    assert rows["id"].tolist() == list(range(N))
    assert (rows["status"] == 1).all()
    merged = pd.DataFrame(f["configs"][:]).merge(pd.DataFrame(rows))
    assert len(merged) == N and merged["id"].tolist() == list(range(N))
    assert set(CONFIG_FIELDS) | set(SUMMARY_FIELDS) == set(merged.columns)
    # the names read as names: bytes in h5py and pandas, one decode from str
    assert merged["optimizer"].tolist() == [b"sgd"] * N
    assert merged["activation"].str.decode("ascii").tolist() == ["relu"] * N
    assert (merged["init"] == b"normal").all() and (merged["momentum"] == 0.9).all()
    curves = {c: f["curves/" + c][:] for c in CURVES}
    for i, cfg in enumerate(f["configs"][:]):
        last = cfg["epochs"] - 1
        for c in CURVES:
            assert rows[i]["final_" + c] == curves[c][i, last], (i, c)
        acc = curves["test_acc"][i, :cfg["epochs"]]
        assert rows[i]["best_test_acc"] == acc.max()
        assert rows[i]["best_epoch"] == int(np.argmax(acc))
        assert rows[i]["train_seconds"] >= 0
        assert rows[i]["epochs_run"] == cfg["epochs"]
    # Without validation folds: no val curves, NaN val columns, every config on split (0, 0).
    assert "val_loss" not in f["curves"]
    assert np.isnan(rows["final_val_loss"]).all() and np.isnan(rows["best_val_loss"]).all()
    assert (rows["best_val_epoch"] == -1).all()
    assert (f["configs"]["repeat"] == 0).all() and (f["configs"]["fold"] == 0).all()


def test_curves_shape_and_nan_past_each_configs_epochs(f):
    epochs = f["configs"]["epochs"]
    for c in CURVES:
        ds = f["curves/" + c]
        assert ds.dtype == np.float64 and ds.shape == (N, 5)
        v = ds[:]
        for i, e in enumerate(epochs):
            assert np.isfinite(v[i, :e]).all(), (c, i)
            assert np.isnan(v[i, e:]).all(), (c, i)
    acc = f["curves/test_acc"][:]
    ok = ~np.isnan(acc)
    assert ((acc[ok] >= 0) & (acc[ok] <= 1)).all()


@pytest.mark.parametrize("group", ["weights", "initial_weights"])
def test_weight_groups_shapes_and_rows(f, group):
    configs = f["configs"][:]
    D = 30
    for h in (3, 6):
        g = f[f"{group}/hidden_{h}"]
        mine = configs[configs["hidden_dim"] == h]
        n_h = len(mine)
        assert set(g.keys()) == {"W1", "b1", "W2", "b2", "config_id"}
        shapes = dict(W1=(n_h, D, h), b1=(n_h, h), W2=(n_h, h), b2=(n_h,), config_id=(n_h,))
        for k, shape in shapes.items():
            assert g[k].shape == shape, (group, h, k)
            assert g[k].dtype == (np.int64 if k == "config_id" else np.float64), (group, h, k)
        assert sorted(mine["weights_row"].tolist()) == list(range(n_h))
        cid = g["config_id"][:]
        for cfg in mine:
            assert cid[cfg["weights_row"]] == cfg["id"]
        for k in ("W1", "b1", "W2", "b2"):
            assert np.isfinite(g[k][:]).all()
    # trained weights moved away from the initial ones
    if group == "weights":
        assert not np.array_equal(f["weights/hidden_3/W1"][:], f["initial_weights/hidden_3/W1"][:])


def test_initial_weights_absent_by_default(tmp_path):
    spec = write_spec(tmp_path / "plain.yaml", "grid:\n  hidden_dim: [2, 3]\n  epochs: 2\n")
    out = tmp_path / "plain.h5"
    run_ok("-q", "-o", out, spec)
    with h5py.File(out, "r") as f:
        assert "initial_weights" not in f
        assert set(f["weights"].keys()) == {"hidden_2", "hidden_3"}
        assert f.attrs["n_configs"] == 2
        # defaults of the omitted axes
        c = f["configs"][:]
        assert c["learning_rate"].tolist() == [0.01, 0.01] and c["batch_size"].tolist() == [32, 32]
        assert c["seed"].tolist() == [0, 0] and c["init_scale"].tolist() == [0.01, 0.01]
        assert not c["shuffle"].any()
        assert text(f.attrs["spec"]) == spec.read_text()


def test_custom_csv_source(tmp_path):
    src = CSV_DIR / "small.csv"
    if not src.is_file():
        pytest.skip(f"{src} is absent")
    with open(src, newline="") as fh:
        rows = [r for r in csv.reader(fh) if r]
    header, body = [h.strip() for h in rows[0]], rows[1:]
    k = header.index("y")
    y = np.array([float(r[k]) for r in body])
    n = len(body)
    (tmp_path / "data").mkdir()
    shutil.copyfile(src, tmp_path / "data" / "small.csv")
    spec = write_spec(tmp_path / "data" / "csv.yaml", """\
data:
  source: small.csv
  label: y
  scale: standard
grid:
  hidden_dim: 4
  batch_size: 8
  epochs: 3
""")
    out = tmp_path / "csv.h5"
    run_ok("-q", "-o", out, spec, cwd=tmp_path)
    n_test = math.ceil(0.2 * n - 1e-9)
    with h5py.File(out, "r") as f:
        a = f["data"].attrs
        assert text(a["source"]) == "small.csv"
        assert a["n_samples"] == n and a["n_features"] == len(header) - 1
        assert a["n_test"] == n_test and a["n_train"] == n - n_test
        assert text(a["scale"]) == "standard"
        assert [text(x) for x in f["data/feature_names"][:]] == [h for i, h in enumerate(header) if i != k]
        tr, te = f["data/train_index"][:], f["data/test_index"][:]
        assert sorted(np.concatenate([tr, te]).tolist()) == list(range(n))
        for c in (0, 1):
            assert abs(np.sum(y[te] == c) - n_test * np.sum(y == c) / n) < 1
        assert f["weights/hidden_4/W1"].shape == (1, len(header) - 1, 4)
        assert f["summary"]["status"][0] == 1
