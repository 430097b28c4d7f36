"""Tasks (DESIGN section 7, format_version 3) through the real binary and file: the classes'
order (sorted, or data.classes) in /data/classes and in the labels the network learns; a CSV
of 0/1 labels is the built-in binary problem bit for bit; K-class stratification of the split
and the folds; regression's target scaling stored, recomputed from the file's split and applied
to the losses and R2; the weights' shapes for O > 1 and O = 1; report and compare on a
regression file against SciPy; a metric of the other task refused; files of format_version 2
still read by report, compare and verify; and every located spec error of the section."""

import csv
import io

import h5py
import numpy as np
import pytest

from conftest import (REPO, files_under, one_line, run_ok, run_sweep, write_spec)
from test_compare import assert_matches, compare_csv, expected

SRC = REPO / "src"
SETTING = ("hidden_dim", "learning_rate", "batch_size", "epochs", "init_scale", "shuffle", "optimizer",
           "momentum", "weight_decay", "activation", "init", "patience", "min_delta")


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def read_csv(path):
    """(X, labels as text, header) of a CSV whose label is the last column."""
    with open(path, newline="") as fh:
        rows = [r for r in csv.reader(fh) if r]
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    return X, [r[-1].strip() for r in rows[1:]], rows[0]


def names_csv(path, counts=(("cat", 13), ("dog", 7), ("emu", 20)), seed=3):
    """A small 3-class CSV with names as labels (class-dependent means, so it learns)."""
    rng = np.random.RandomState(seed)
    rows = []
    for k, (name, n) in enumerate(counts):
        for _ in range(n):
            rows.append([f"{v:.6f}" for v in rng.normal(k * 1.5, 1.0, 3)] + [name])
    order = rng.permutation(len(rows))
    path.write_text("a,b,c,kind\n" + "".join(",".join(rows[i]) + "\n" for i in order))
    return path


def regression_csv(path, n=40, seed=5):
    rng = np.random.RandomState(seed)
    X = rng.normal(0, 1, (n, 2))
    y = 3.0 * X[:, 0] - X[:, 1] + rng.normal(0, 0.1, n) + 10.25
    path.write_text("u,v,y\n" + "".join(f"{a:.6f},{b:.6f},{t:.6f}\n" for (a, b), t in zip(X, y)))
    return path


def forward(f, i, X):
    """The outputs Z2 (rows, O) of config i's trained network on rows X (already scaled)."""
    c = f["configs"][i]
    g = f[f"weights/hidden_{c['hidden_dim']}"]
    row = c["weights_row"]
    W1, b1, W2, b2 = (g[k][row] for k in ("W1", "b1", "W2", "b2"))
    A1 = np.maximum(X @ W1 + b1, 0.0)
    Z2 = A1 @ (W2 if W2.ndim == 2 else W2[:, None]) + np.atleast_1d(b2)
    return Z2


def r2_score(t, p):
    return 1.0 - np.sum((p - t) ** 2) / np.sum((t - t.mean()) ** 2)


def sweep_file(tmp_path, name, spec_text, *args, folder=None):
    d = folder or tmp_path
    spec = write_spec(d / f"{name}.yaml", spec_text)
    out = tmp_path / f"{name}.h5"
    run_ok("-q", "--force", "-o", out, *args, spec, cwd=d)
    return out


# ---- Fixtures: one multiclass and one regression file -----------------------------------

IRIS = """\
data:
  source: iris
  folds: 3
grid:
  hidden_dim: 4
  learning_rate: [0.05, 0.5]
  batch_size: 16
  epochs: 4
  seed: [0, 1]
"""

DIABETES = """\
data:
  source: diabetes
  folds: 3
grid:
  hidden_dim: [3, 6]
  learning_rate: [0.01, 0.05]
  batch_size: 32
  epochs: 4
  seed: [0, 1]
save_initial_weights: true
"""


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    d = tmp_path_factory.mktemp("iris")
    return sweep_file(d, "iris", IRIS)


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    d = tmp_path_factory.mktemp("diabetes")
    return sweep_file(d, "diabetes", DIABETES)


# ---- Classes --------------------------------------------------------------------------------

def check_labels(path, csv_path, classes):
    """/data/classes is `classes`, and the network's labels are those classes: the file's test
    accuracy and loss, recomputed from its weights with label -> class by /data/classes."""
    X, labels, _ = read_csv(csv_path)
    with h5py.File(path, "r") as f:
        assert [text(c) for c in f["data/classes"][:]] == classes
        assert f["data"].attrs["n_classes"] == len(classes) and text(f["data"].attrs["task"]) == "multiclass"
        te = f["data/test_index"][:]
        y = np.array([classes.index(labels[r]) for r in te])
        Xs = (X[te] - f["data/feature_offset"][:]) * f["data/feature_scale"][:]
        s = f["summary"][:]
        for i in np.flatnonzero(s["status"] == 1):
            Z = forward(f, i, Xs)
            m = Z.max(axis=1, keepdims=True)
            loss = np.mean(np.log(np.exp(Z - m).sum(axis=1)) + m[:, 0] - Z[np.arange(len(y)), y])
            assert s["final_test_loss"][i] == pytest.approx(loss, rel=1e-9)
            assert s["final_test_acc"][i] == np.mean(Z.argmax(axis=1) == y)


CLASS_SPEC = """\
data:
  source: kinds.csv
  test_fraction: 0.5{extra}
grid:
  hidden_dim: 5
  learning_rate: 0.5
  batch_size: 8
  epochs: 6
  init_scale: 1.0
  seed: [0, 1]
"""


def test_classes_are_sorted_by_default_and_the_network_learns_those_labels(tmp_path):
    src = names_csv(tmp_path / "kinds.csv")
    out = sweep_file(tmp_path, "sorted", CLASS_SPEC.format(extra=""))
    check_labels(out, src, ["cat", "dog", "emu"])


def test_classes_in_the_given_order_are_class_0_first(tmp_path):
    src = names_csv(tmp_path / "kinds.csv")
    out = sweep_file(tmp_path, "given", CLASS_SPEC.format(extra="\n  classes: [emu, cat, dog]"))
    check_labels(out, src, ["emu", "cat", "dog"])


def test_number_classes_sort_numerically_and_match_their_value(tmp_path):
    src = tmp_path / "kinds.csv"
    names_csv(src, counts=(("10", 12), ("2", 12), ("1", 12)))
    out = sweep_file(tmp_path, "numbers", CLASS_SPEC.format(extra=""))
    check_labels(out, src, ["1", "2", "10"])
    # data.classes entries match by value: "2.0" is the label 2, kept as the file's text of it
    out = sweep_file(tmp_path, "numbers2", CLASS_SPEC.format(extra="\n  classes: [10, 2.0, 1]"))
    check_labels(out, src, ["10", "2", "1"])


def test_a_csv_of_0_1_labels_is_the_builtin_binary_problem_bit_for_bit(tmp_path):
    (tmp_path / "bc.csv").write_bytes((SRC / "breast_cancer.csv").read_bytes())
    grid = """\
  folds: 2
grid:
  hidden_dim: [3, 5]
  learning_rate: 0.1
  epochs: 3
  seed: [0, 1]
save_initial_weights: true
"""
    a = sweep_file(tmp_path, "builtin", "data:\n  source: breast_cancer\n" + grid)
    b = sweep_file(tmp_path, "csv", "data:\n  source: bc.csv\n" + grid)
    seen = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            seen.append(name)
            x, y = obj[()], fb[name][()]
            assert x.dtype == y.dtype and np.shape(x) == np.shape(y), name
            if x.dtype.names:
                for field in x.dtype.names:
                    if field != "train_seconds":
                        assert x[field].tobytes() == y[field].tobytes(), (name, field)
            elif x.dtype.kind == "O":
                assert list(x) == list(y), name
            else:
                assert x.tobytes() == y.tobytes(), name
        fa.visititems(visit)
        for key in ("task", "n_classes", "n_train", "n_test", "folds"):
            assert fa["data"].attrs[key] == fb["data"].attrs[key], key
        assert text(fb["data"].attrs["task"]) == "binary" and [text(c) for c in fb["data/classes"][:]] == ["0", "1"]
    assert "weights/hidden_3/W2" in seen and "data/classes" in seen and "data/folds" in seen


# ---- Stratification ---------------------------------------------------------------------

def test_k_classes_stratify_the_test_part_and_every_fold(tmp_path):
    src = names_csv(tmp_path / "kinds.csv")
    spec = CLASS_SPEC.format(extra="").replace("test_fraction: 0.5", "test_fraction: 0.25\n  folds: 4\n  repeats: 2")
    out = sweep_file(tmp_path, "strat", spec)
    _, labels, _ = read_csv(src)
    with h5py.File(out, "r") as f:
        classes = [text(c) for c in f["data/classes"][:]]
        y = np.array([classes.index(v) for v in labels])
        tr, te, folds = f["data/train_index"][:], f["data/test_index"][:], f["data/folds"][:]
    assert folds.shape == (2, len(tr))
    n, n_test = len(y), len(te)
    for c in range(3):
        assert abs(np.sum(y[te] == c) - n_test * np.sum(y == c) / n) < 1, c
        for r in range(2):
            per_fold = [np.sum((y[tr] == c) & (folds[r] == k)) for k in range(4)]
            assert max(per_fold) - min(per_fold) <= 1, (c, r, per_fold)
            assert sum(per_fold) == np.sum(y[tr] == c)
    assert not np.array_equal(folds[0], folds[1])   # a new partition per repeat


def test_the_smallest_class_bounds_the_folds(tmp_path):
    names_csv(tmp_path / "kinds.csv")   # dog: 7 rows, 4 of them in the training part
    spec = write_spec(tmp_path / "f.yaml", CLASS_SPEC.format(extra="\n  folds: 5"))
    r = run_sweep("-q", "-o", tmp_path / "out" / "f.h5", spec, cwd=tmp_path)
    assert r.returncode == 2
    line = one_line(r.stderr)
    assert "f.yaml:4:10: data.folds: expected at most" in line and "the smallest class" in line and '"dog"' in line


# ---- Regression ---------------------------------------------------------------------------

def test_target_scaling_is_stored_recomputed_from_the_split_and_applied(diabetes):
    X, labels, _ = read_csv(SRC / "diabetes.csv")
    y = np.array([float(v) for v in labels])
    with h5py.File(diabetes, "r") as f:
        d = f["data"]
        assert text(d.attrs["task"]) == "regression" and d.attrs["n_classes"] == 0 and "classes" not in d
        tr, te, folds = d["train_index"][:], d["test_index"][:], d["folds"][:]
        K = int(d.attrs["folds"])
        assert d.attrs["target_offset"] == pytest.approx(y[tr].mean(), rel=1e-13)
        assert d.attrs["target_scale"] == pytest.approx(1.0 / y[tr].std(), rel=1e-13)
        so, ss = d["split_target_offset"][:], d["split_target_scale"][:]
        assert so.shape == ss.shape == (K,) and so.dtype == np.float64
        for k in range(K):
            fit = tr[folds[0] != k]
            assert so[k] == pytest.approx(y[fit].mean(), rel=1e-13)
            assert ss[k] == pytest.approx(1.0 / y[fit].std(), rel=1e-13)
        c, s = f["configs"][:], f["summary"][:]
        assert set(s.dtype.names) >= {"final_train_r2", "final_test_r2", "best_test_r2", "final_val_r2"}
        assert not any(n.endswith("_acc") for n in s.dtype.names)
        assert sorted(f["curves"]) == ["config", "epoch", "test_loss", "test_r2", "train_loss", "train_r2",
                                       "val_loss", "val_r2"]
        for i in np.flatnonzero(s["status"] == 1):
            j = c["repeat"][i] * K + c["fold"][i]
            scale = lambda rows: (X[rows] - d["split_feature_offset"][j]) * d["split_feature_scale"][j]
            target = lambda rows: (y[rows] - so[j]) * ss[j]
            for part, rows in (("test", te), ("val", tr[folds[0] == c["fold"][i]]),
                               ("train", tr[folds[0] != c["fold"][i]])):
                p = forward(f, i, scale(rows))[:, 0]
                t = target(rows)
                assert s[f"final_{part}_loss"][i] == pytest.approx(np.mean((p - t) ** 2), rel=1e-9), (i, part)
                assert s[f"final_{part}_r2"][i] == pytest.approx(r2_score(t, p), rel=1e-8, abs=1e-12), (i, part)
                # R2 is the same in the target's own unit
                assert s[f"final_{part}_r2"][i] == pytest.approx(r2_score(y[rows], p / ss[j] + so[j]), rel=1e-7,
                                                                 abs=1e-10)
            e = int(s["best_epoch"][i])
            curve = f["curves/test_r2"][i, :c["epochs"][i]]
            assert s["best_test_r2"][i] == curve.max() and e == int(np.argmax(curve))


def test_target_scale_none_stores_0_and_1_and_trains_on_the_target_itself(tmp_path):
    src = regression_csv(tmp_path / "reg.csv")
    out = sweep_file(tmp_path, "none", """\
data:
  source: reg.csv
  target_scale: none
  test_fraction: 0.25
  folds: 2
grid:
  hidden_dim: 3
  learning_rate: 0.001
  batch_size: 8
  epochs: 3
""")
    X, labels, _ = read_csv(src)
    y = np.array([float(v) for v in labels])
    with h5py.File(out, "r") as f:
        d = f["data"]
        assert d.attrs["target_offset"] == 0.0 and d.attrs["target_scale"] == 1.0
        assert np.all(d["split_target_offset"][:] == 0.0) and np.all(d["split_target_scale"][:] == 1.0)
        te, s, c = d["test_index"][:], f["summary"][:], f["configs"][:]
        for i in np.flatnonzero(s["status"] == 1):
            j = c["fold"][i]
            p = forward(f, i, (X[te] - d["split_feature_offset"][j]) * d["split_feature_scale"][j])[:, 0]
            assert s["final_test_loss"][i] == pytest.approx(np.mean((p - y[te]) ** 2), rel=1e-9)


def test_halving_on_val_r2_for_regression(tmp_path):
    out = sweep_file(tmp_path, "halving", DIABETES.replace("save_initial_weights: true\n", "")
                     .replace("epochs: 4", "epochs: 4\n  init_scale: 1.0")
                     + "halving:\n  factor: 2\n  min_epochs: 2\n  metric: val_r2\n")
    with h5py.File(out, "r") as f:
        status = f["summary"]["status"][:]
    assert (status == 4).sum() > 0 and (status == 1).sum() > 0
    r = run_ok("verify", "--sample", "all", out)
    assert "identical" in r.stdout


# ---- Weights ------------------------------------------------------------------------------

def test_w2_and_b2_have_o_columns_for_k_classes_and_none_for_one_output(iris, diabetes):
    with h5py.File(iris, "r") as f:
        n = f["weights/hidden_4/config_id"].shape[0]
        assert f["weights/hidden_4/W2"].shape == (n, 4, 3) and f["weights/hidden_4/b2"].shape == (n, 3)
        assert f["weights/hidden_4/W1"].shape == (n, 4, 4) and f["weights/hidden_4/b1"].shape == (n, 4)
    with h5py.File(diabetes, "r") as f:
        for top in ("weights", "initial_weights"):
            n = f[f"{top}/hidden_6/config_id"].shape[0]
            assert f[f"{top}/hidden_6/W2"].shape == (n, 6) and f[f"{top}/hidden_6/b2"].shape == (n,)


def test_set_data_task_makes_a_two_class_softmax(tmp_path):
    (tmp_path / "bc.csv").write_bytes((SRC / "breast_cancer.csv").read_bytes())
    out = sweep_file(tmp_path, "soft", "data:\n  source: bc.csv\ngrid:\n  hidden_dim: 3\n  epochs: 2\n",
                     "--set", "data.task=multiclass")
    with h5py.File(out, "r") as f:
        assert text(f["data"].attrs["task"]) == "multiclass" and f["data"].attrs["n_classes"] == 2
        assert f["weights/hidden_3/W2"].shape == (1, 3, 2)
        assert "  task: multiclass\n" in text(f.attrs["spec"])   # the spec as overridden


# ---- Report, compare, verify --------------------------------------------------------------

def test_compare_on_final_val_r2_matches_scipy(diabetes):
    rows, err = compare_csv(diabetes, "--metric", "final_val_r2")
    best, want = expected(diabetes, metric="final_val_r2")
    assert len(want) == 3
    assert_matches(rows, want, SETTING)
    assert "final_val_r2" in one_line(err)
    r = run_ok("compare", "--metric", "final_val_r2", diabetes)
    assert "metric   final_val_r2 (higher is better)" in r.stdout


def test_report_on_final_val_r2_ranks_higher_first_and_matches_scipy(diabetes):
    r = run_ok("report", "--csv", "--metric", "final_val_r2", diabetes)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert "mean_final_val_r2" in rows[0] and "mean_final_val_acc" not in rows[0]
    assert all(row["metric"] == "final_val_r2" for row in rows)
    with h5py.File(diabetes, "r") as f:
        c, s = f["configs"][:], f["summary"][:]
    means = {}
    for i in np.flatnonzero(s["status"] == 1):
        means.setdefault((c["hidden_dim"][i], c["learning_rate"][i]), []).append(s["final_val_r2"][i])
    order = sorted(means, key=lambda k: -np.mean(means[k]))
    assert [(int(row["hidden_dim"]), float(row["learning_rate"])) for row in rows] == order
    for row in rows:
        key = (int(row["hidden_dim"]), float(row["learning_rate"]))
        assert float(row["mean_final_val_r2"]) == pytest.approx(np.mean(means[key]), rel=1e-12)
    best, want = expected(diabetes, metric="final_val_r2")
    for row in rows[1:]:
        key = tuple(type(b)(float(row[a])) if not isinstance(b, bytes) else row[a].encode()
                    for a, b in zip(SETTING, best))
        assert float(row["mean_diff"]) == pytest.approx(want[key]["mean_diff"], rel=1e-9)
        assert float(row["p_holm"]) == pytest.approx(want[key]["p_holm"], rel=1e-9)
    text_report = run_ok("report", diabetes).stdout
    assert "task     regression" in text_report and "final_test_r2" in text_report
    assert "final_test_acc" not in text_report


@pytest.mark.parametrize("fixture, metric, task, instead", [
    ("diabetes", "final_val_acc", "regression", "final_val_r2"),
    ("iris", "final_val_r2", "multiclass", "final_val_acc"),
])
@pytest.mark.parametrize("command", ["report", "compare"])
def test_a_metric_of_the_other_task_is_refused(request, fixture, metric, task, instead, command):
    path = request.getfixturevalue(fixture)
    r = run_sweep(command, "--metric", metric, path)
    assert r.returncode == 2
    line = one_line(r.stderr)
    assert f"--metric {metric}: the file's task is {task}" in line and instead in line


def test_verify_retrains_multiclass_and_regression(iris, diabetes):
    for path in (iris, diabetes):
        r = run_ok("verify", "--sample", "5", path)
        assert "identical" in r.stdout


def test_html_report_shows_the_task_classes_and_r2(iris, diabetes, tmp_path):
    run_ok("report", "--html", tmp_path / "d.html", diabetes)
    page = (tmp_path / "d.html").read_text()
    assert "regression" in page and "final_test_r2" in page and "final_test_acc" not in page
    assert "r2 (coefficient of determination)" in page and "validation r2:" in page   # the r2 curves
    run_ok("report", "--html", tmp_path / "i.html", iris)
    page = (tmp_path / "i.html").read_text()
    assert "multiclass" in page and "versicolor" in page and "final_test_acc" in page


def test_the_dry_run_and_the_start_line_name_the_task(tmp_path):
    spec = write_spec(tmp_path / "i.yaml", IRIS)
    r = run_ok("-n", spec)
    assert "task    multiclass, 3 classes: setosa, versicolor, virginica" in r.stdout
    r = run_ok("-n", "--set", "data.source=diabetes", spec)
    assert "task    regression, target progression, scaled standard" in r.stdout
    r = run_ok("-j", "1", "-o", tmp_path / "i.h5", spec)
    assert "sweep: task multiclass, 3 classes: setosa, versicolor, virginica" in r.stderr


# ---- Files of format_version 2 ------------------------------------------------------------

def as_version_2(src, dst):
    """A v3 binary file as v2 wrote it: no task attributes or classes, format_version 2."""
    dst.write_bytes(src.read_bytes())
    with h5py.File(dst, "r+") as f:
        del f["data"].attrs["task"]
        del f["data"].attrs["n_classes"]
        del f["data/classes"]
        f.attrs["format_version"] = np.int64(2)


def test_version_2_files_read_as_binary(tmp_path):
    v3 = sweep_file(tmp_path, "v3", """\
data:
  folds: 2
grid:
  hidden_dim: [3, 5]
  learning_rate: 0.1
  epochs: 3
  seed: [0, 1]
""")
    v2 = tmp_path / "v2.h5"
    as_version_2(v3, v2)
    for args in (["report", "--csv"], ["compare", "--csv"], ["compare", "--metric", "final_val_acc"],
                 ["report", "--metric", "final_val_acc"]):
        a, b = (run_ok(*args, p).stdout.replace(str(p), "FILE") for p in (v3, v2))
        if args[0] == "report" and "--csv" not in args:   # only the task line differs: v2 has no classes
            assert "task     binary, 2 classes: 0, 1\n" in a and "task     binary, 2 classes\n" in b
            a = a.replace("task     binary, 2 classes: 0, 1\n", "task     binary, 2 classes\n")
        assert a == b, args
    r = run_ok("verify", "--sample", "all", v2)
    assert "identical" in r.stdout
    spec = tmp_path / "v3.yaml"
    r = run_sweep("-q", "--resume", "-o", v2, spec)
    assert r.returncode == 2 and "format_version 2" in one_line(r.stderr)
    r = run_sweep("merge", "-q", tmp_path / "m.h5", v2)
    assert r.returncode == 2 and "format_version 2" in one_line(r.stderr)
    assert not (tmp_path / "m.h5").exists()


# ---- Resume and merge check the task --------------------------------------------------------

def test_resume_and_merge_refuse_another_task_or_other_classes(tmp_path):
    src = names_csv(tmp_path / "kinds.csv")
    spec = write_spec(tmp_path / "k.yaml", CLASS_SPEC.format(extra=""))
    out = tmp_path / "k.h5"
    run_ok("-q", "--shard", "0/2", "-o", out, spec, cwd=tmp_path)
    original = src.read_text()
    src.write_text(original.replace(",emu\n", ",fox\n"))   # the same split, another class name
    r = run_sweep("-q", "--resume", "-o", out, spec, cwd=tmp_path)
    assert r.returncode == 2
    line = one_line(r.stderr)
    assert "holds task multiclass, 3 classes: cat, dog, emu" in line and "cat, dog, fox" in line
    run_ok("-q", "--shard", "1/2", "-o", tmp_path / "k1.h5", spec, cwd=tmp_path)
    r = run_sweep("merge", "-q", tmp_path / "m.h5", out, tmp_path / "k1.h5")
    assert r.returncode == 2 and "task, classes or target scaling differ" in one_line(r.stderr)
    src.write_text(original)
    run_ok("-q", "--shard", "1/2", "--force", "-o", tmp_path / "k1.h5", spec, cwd=tmp_path)
    run_ok("merge", "-q", tmp_path / "m.h5", out, tmp_path / "k1.h5")


# ---- Located spec errors ------------------------------------------------------------------

GRID = "grid:\n  hidden_dim: 3\n  epochs: 2\n  batch_size: 4\n"

ERRORS = [
    # (name, data section, location in the spec or CSV, text)
    ("bad task name", "  source: kinds.csv\n  task: multi\n", "s.yaml:3:9:",
     'data.task: expected auto, binary, multiclass or regression, found "multi"'),
    ("classes missing a value", "  source: kinds.csv\n  classes: [cat, dog]\n", "s.yaml:3:3:",
     'data.classes: expected every value of column "kind"'),
    ("classes with an extra value", "  source: kinds.csv\n  classes: [cat, dog, emu, fox]\n", "s.yaml:3:28:",
     'data.classes[3]: expected a value of column "kind"'),
    ("classes with a duplicate", "  source: kinds.csv\n  classes: [cat, dog, cat, emu]\n", "s.yaml:3:23:",
     'data.classes[2]: expected each value of column "kind" once, found "cat" again'),
    ("classes not a list", "  source: kinds.csv\n  classes: cat\n", "s.yaml:3:12:",
     "data.classes: expected a list of the label's values"),
    ("target_scale on a bad value", "  source: reg.csv\n  target_scale: minmax\n", "s.yaml:3:17:",
     'data.target_scale: expected standard or none, found "minmax"'),
    ("target_scale on classification", "  source: kinds.csv\n  target_scale: none\n", "s.yaml:3:17:",
     "data.target_scale: expected no target_scale: the task is multiclass"),
    ("classes on a regression target", "  source: reg.csv\n  classes: [1, 2]\n", "s.yaml:3:3:",
     "data.classes: expected no classes: column \"y\" is a regression target"),
    ("classes with task regression", "  source: reg.csv\n  task: regression\n  classes: [1, 2]\n", "s.yaml:4:3:",
     "data.classes: expected no classes with task regression"),
    ("label on a built-in", "  source: iris\n  label: sepal_length\n", "s.yaml:3:10:",
     "data.label: expected species (the label column of the built-in source iris"),
    ("another task on a built-in", "  source: iris\n  task: regression\n", "s.yaml:3:9:",
     "data.task: expected multiclass (the task of the built-in source iris) or auto, found regression"),
    ("classes on a built-in", "  source: diabetes\n  classes: [a, b]\n", "s.yaml:3:3:",
     "data.classes: expected no classes for the built-in source diabetes"),
    ("binary on three classes", "  source: kinds.csv\n  task: binary\n", "kinds.csv:",
     "(task binary: two classes)"),
    ("regression on names", "  source: kinds.csv\n  task: regression\n", "kinds.csv:",
     "expected a number (task regression)"),
    ("folds beyond the training rows", "  source: reg.csv\n  folds: 40\n", "s.yaml:3:10:",
     "data.folds: expected at most 32, the training rows, found 40"),
    ("val_r2 halving on classification", "  source: kinds.csv\n  folds: 2\nhalving:\n  min_epochs: 1\n"
     "  metric: val_r2\n", "s.yaml:6:11:", "halving.metric: expected val_loss or val_acc (the score of task "
     "multiclass), found val_r2"),
    ("val_acc halving on regression", "  source: reg.csv\n  folds: 2\nhalving:\n  min_epochs: 1\n"
     "  metric: val_acc\n", "s.yaml:6:11:", "halving.metric: expected val_loss or val_r2 (the score of task "
     "regression), found val_acc"),
]


@pytest.mark.parametrize("name, data, where, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_located_spec_errors_exit_2_and_write_nothing(tmp_path, name, data, where, message):
    names_csv(tmp_path / "kinds.csv")
    regression_csv(tmp_path / "reg.csv")
    spec = write_spec(tmp_path / "s.yaml", "data:\n" + data + GRID)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run_sweep("-q", "-o", out_dir / "s.h5", spec, cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    line = one_line(r.stderr)
    assert where in line and message in line, line
    assert line.index(where) < line.index(message.split(":")[0]), line
    assert files_under(out_dir) == set()


def test_a_bad_set_value_names_the_option(tmp_path):
    spec = write_spec(tmp_path / "s.yaml", "data:\n  source: iris\n" + GRID)
    r = run_sweep("-q", "-o", tmp_path / "out.h5", "--set", "data.task=regression", spec, cwd=tmp_path)
    assert r.returncode == 2
    assert one_line(r.stderr).startswith("--set data.task=regression: data.task: expected multiclass")
    r = run_sweep("-q", "-o", tmp_path / "out.h5", "--set", "data.classes=[a, b]", spec, cwd=tmp_path)
    assert r.returncode == 2 and "--set data.classes=[a, b]: data.classes: expected no classes" in one_line(r.stderr)
    assert not (tmp_path / "out.h5").exists()


@pytest.mark.parametrize("fixture", ["iris", "diabetes"])
def test_resume_finishes_a_multiclass_or_regression_file_as_one_run(request, fixture, tmp_path):
    """Half the configs made pending again (as a kill leaves them): --resume trains them into
    the same file as one run, their O-wide weights and r2 columns included."""
    from conftest import assert_same_results
    ref = request.getfixturevalue(fixture)
    part = tmp_path / "part.h5"
    part.write_bytes(ref.read_bytes())
    with h5py.File(part, "r+") as f:
        s, c = f["summary"][:], f["configs"][:]
        gone = np.arange(len(s))[::2]
        s["status"][gone] = 0
        f["summary"][...] = s
        for name in f["curves"]:   # their rows as if never written
            if f["curves"][name].ndim == 2:
                v = f["curves"][name][()]
                v[gone] = np.nan
                f["curves"][name][...] = v
        for i in gone:
            for top in ("weights", "initial_weights"):
                if top in f:
                    for w in ("W1", "b1", "W2", "b2"):
                        d = f[f"{top}/hidden_{c['hidden_dim'][i]}/{w}"]
                        d[c["weights_row"][i]] = np.zeros(d.shape[1:])
        f.attrs["status"] = "interrupted"
    spec = write_spec(tmp_path / f"{fixture}.yaml", IRIS if fixture == "iris" else DIABETES)
    run_ok("-q", "--resume", "-o", part, spec)
    assert_same_results(ref, part)
