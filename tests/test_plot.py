"""scripts/plot.py and scripts/to_pandas.py: every plotting mode writes a non-empty picture,
unknown axes, ids and values are one-line errors with exit status 2, and the tidy DataFrame
holds exactly the raw curves."""

import importlib.util
import subprocess
import sys

import h5py
import numpy as np
import pytest

import csv
import io

from conftest import AXES, REPO, assert_close, run_ok, run_sweep, write_spec

SPEC = """\
name: plot-test
grid:
  hidden_dim: [4, 8]
  learning_rate: {geomspace: [0.05, 5, 3]}
  batch_size: [16, 64]
  epochs: [4, 6]
  seed: {range: [0, 2]}
"""
PNG = b"\x89PNG\r\n\x1a\n"


def load(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def plot():
    pytest.importorskip("matplotlib")
    return load("plot")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plot")
    spec = write_spec(tmp / "spec" / "p.yaml", SPEC)
    out = tmp / "p.h5"
    r = run_sweep("-q", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    return out


def written(capsys):
    out = capsys.readouterr().out.split()
    assert out, "plot.py printed no paths"
    return out


def assert_png(path):
    data = open(path, "rb").read()
    assert data.startswith(PNG) and len(data) > 10_000, f"{path}: not a drawn PNG ({len(data)} bytes)"


def test_default_draws_the_best_curves_and_a_heatmap_beside_the_file(results):
    # The command line itself, once; the other tests call main() to skip Python's start-up.
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "plot.py"), str(results)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    paths = r.stdout.split()
    names = sorted(p.split("/")[-1] for p in paths)
    # The two swept axes with most values: learning_rate (3) and, of the 2-valued ones, the
    # first in axis order, hidden_dim.
    assert names == ["p_best_curves.png", "p_heatmap_learning_rate_hidden_dim.png"]
    for p in paths:
        assert p.startswith(str(results.parent))
        assert_png(p)


def test_where_selects_settings_and_draws_their_curves(plot, results, tmp_path, capsys):
    assert plot.main([str(results), "-o", str(tmp_path), "--where", "hidden_dim=8", "learning_rate=0.5"]) == 0
    (p,) = written(capsys)
    assert p.endswith("p_curves_hidden_dim=8_learning_rate=0.5.png")
    assert_png(p)


def test_id_selects_configs(plot, results, tmp_path, capsys):
    assert plot.main([str(results), "-o", str(tmp_path), "--id", "0", "1", "5"]) == 0
    (p,) = written(capsys)
    assert p.endswith("p_curves_id0-1-5.png")
    assert_png(p)


def test_heatmap_over_any_two_axes_and_metric(plot, results, tmp_path, capsys):
    assert plot.main([str(results), "-o", str(tmp_path), "--heatmap", "batch_size", "epochs"]) == 0
    (p,) = written(capsys)
    assert p.endswith("p_heatmap_batch_size_epochs.png")
    assert_png(p)
    assert plot.main([str(results), "-o", str(tmp_path), "--heatmap", "seed", "learning_rate",
                      "--metric", "final_test_acc", "--where", "epochs=6"]) == 0
    (p,) = written(capsys)
    assert p.endswith("p_heatmap_seed_learning_rate_final_test_acc.png")
    assert_png(p)


def test_with_folds_the_best_setting_and_the_metric_are_the_reports(plot, tmp_path, capsys):
    spec = write_spec(tmp_path / "f.yaml", "data:\n  folds: 3\n" + SPEC.split("\n", 1)[1])
    out = tmp_path / "f.h5"
    run_ok("-q", spec, "-o", out)
    res = plot.Results(out)
    assert res.has_val and res.default_metric() == "final_val_loss"
    assert "val_loss" in res.curves([0])
    best = plot.best_group(res, plot.settings_of(res, np.arange(res.n)), res.default_metric())
    top = next(csv.DictReader(io.StringIO(run_ok("report", "--csv", "--top", "1", out).stdout)))
    for a in ("hidden_dim", "learning_rate", "batch_size", "epochs"):
        assert float(res.configs[a][best[0]]) == float(top[a]), a
    assert len(best) == 2 * 3   # seeds x folds
    res.close()
    assert plot.main([str(out), "-o", str(tmp_path)]) == 0
    paths = written(capsys)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["f_best_curves.png", "f_heatmap_learning_rate_hidden_dim.png"]
    for p in paths:
        assert_png(p)
    assert plot.main([str(out), "--metric", "final_test_loss", "-o", str(tmp_path)]) == 0
    capsys.readouterr()


def test_a_validation_metric_needs_folds(plot, results, capsys):
    assert plot.main([str(results), "--metric", "final_val_loss"]) == 2
    assert "no validation folds" in capsys.readouterr().err


def test_svg(plot, results, tmp_path, capsys):
    assert plot.main([str(results), "-o", str(tmp_path), "--svg"]) == 0
    paths = written(capsys)
    assert len(paths) == 2
    for p in paths:
        text = open(p).read()
        assert p.endswith(".svg") and "<svg" in text and len(text) > 10_000


def test_a_file_with_pending_and_diverged_configs_still_plots(plot, results, tmp_path, capsys):
    part = tmp_path / "part.h5"
    part.write_bytes(results.read_bytes())
    with h5py.File(part, "r+") as f:
        s = f["summary"][:]
        s["status"][::3] = 0        # pending
        s["status"][1::3] = 2       # diverged
        f["summary"][...] = s
        f.attrs["status"] = "running"
    assert plot.main([str(part), "-o", str(tmp_path)]) == 0
    for p in written(capsys):
        assert_png(p)


@pytest.mark.parametrize("args, message", [
    (["--where", "hidden=8"], "unknown axis 'hidden'"),
    (["--where", "hidden_dim=5"], "no config has hidden_dim=5; its values are 4, 8"),
    (["--where", "hidden_dim"], "expected AXIS=VALUE"),
    (["--where", "learning_rate=fast"], "expected a number"),
    (["--id", "999"], "no config with id 999"),
    (["--heatmap", "seed", "colour"], "unknown axis 'colour'"),
    (["--heatmap", "seed", "seed"], "two different axes"),
])
def test_errors_are_one_line_and_exit_2(plot, results, tmp_path, capsys, args, message):
    assert plot.main([str(results), "-o", str(tmp_path)] + args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert not list(tmp_path.iterdir())


def test_not_a_results_file(plot, tmp_path, capsys):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    assert plot.main([str(other)]) == 2
    assert "not a sweep results file" in capsys.readouterr().err
    assert plot.main([str(tmp_path / "missing.h5")]) == 2


def test_tidy_dataframe_is_one_row_per_config_and_epoch(results):
    pytest.importorskip("pandas")
    tp = load("to_pandas")
    df = tp.tidy(results)
    with h5py.File(results, "r") as f:
        configs = f["configs"][:]
        curves = {k: f["curves"][k][:] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
    assert len(df) == configs["epochs"].sum()
    assert list(df.columns[:19]) == ["id", *AXES, "repeat", "fold", "status", "epoch"]
    assert set(df["optimizer"]) == {"sgd"} and list(df["activation"].cat.categories) == ["relu", "tanh", "leaky_relu"]
    assert "val_loss" not in df   # no folds, no validation curves
    for k, c in curves.items():
        assert_close(df[k].to_numpy(), c[df["id"].to_numpy(), df["epoch"].to_numpy()], k, rtol=0, atol=0)
    first = df[df["id"] == 0]
    assert first["epoch"].tolist() == list(range(configs["epochs"][0]))
    cf = tp.configs(results)
    assert len(cf) == len(configs) and "final_test_acc" in cf and set(cf["status"]) == {"done"}
    # The mean over seeds from pandas is the report's.
    g = cf.groupby(["hidden_dim", "learning_rate"])["final_test_acc"].mean()
    assert np.isfinite(g.to_numpy()).all()


RECIPE_SPEC = """\
name: recipe-plot
grid:
  hidden_dim: 4
  epochs: 3
  seed: [0, 1]
  optimizer: [sgd, adam, momentum]
  activation: [relu, tanh]
"""


@pytest.fixture(scope="module")
def recipe_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recipe-plot")
    out = tmp / "r.h5"
    run_ok("-q", write_spec(tmp / "r.yaml", RECIPE_SPEC), "-o", out)
    return out


def test_name_axes_plot_as_names_and_select_by_name(plot, recipe_results, tmp_path, capsys):
    assert plot.main([str(recipe_results), "-o", str(tmp_path)]) == 0
    names = sorted(p.split("/")[-1] for p in written(capsys))
    assert names == ["r_best_curves.png", "r_heatmap_activation_optimizer.png"]   # the later axis across
    assert plot.coded_configs(h5py.File(recipe_results, "r")["configs"][:])["optimizer"].tolist()[:12:2] == \
        [0, 3, 1, 0, 3, 1]   # codes in the names' order (sgd 0, momentum 1, adam 3), seed slower
    assert plot.fmt("optimizer", 3) == "adam" and plot.fmt("init", 2) == "he_normal"
    assert plot.main([str(recipe_results), "-o", str(tmp_path), "--where", "optimizer=adam,momentum",
                      "--where", "activation=tanh"]) == 0
    for p in written(capsys):
        assert_png(p)
    assert plot.main([str(recipe_results), "-o", str(tmp_path), "--where", "optimizer=adma"]) == 2
    assert "expected one of sgd, momentum, nesterov, adam, adamw" in capsys.readouterr().err
    tp = load("to_pandas")
    cf = tp.configs(recipe_results)
    assert cf["optimizer"].tolist()[:6] == ["sgd", "sgd", "adam", "adam", "momentum", "momentum"]
    assert list(cf["optimizer"].cat.categories) == ["sgd", "momentum", "nesterov", "adam", "adamw"]
    assert sorted(cf.groupby("optimizer", observed=True)["final_test_loss"].mean().index) == ["adam", "momentum", "sgd"]


# ---- Tasks (DESIGN section 7): the score is r2 for regression, classes come from the file ------

TASK_SPEC = """\
name: {name}
data:
  source: {source}
  folds: 2
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.05, 0.5]
  epochs: 3
  seed: [0, 1]
  init: xavier_uniform
"""


@pytest.fixture(scope="module")
def task_results(tmp_path_factory):
    """{task: results file} for iris (multiclass) and diabetes (regression)."""
    tmp = tmp_path_factory.mktemp("task-plot")
    out = {}
    for task, source in (("multiclass", "iris"), ("regression", "diabetes")):
        out[task] = tmp / f"{source}.h5"
        run_ok("-q", write_spec(tmp / f"{source}.yaml", TASK_SPEC.format(name=source, source=source)), "-o", out[task])
    return out


def test_regression_draws_r2_and_takes_r2_metrics(plot, task_results, tmp_path, capsys):
    path = task_results["regression"]
    res = plot.Results(path)
    assert (res.task, res.score) == ("regression", "r2")
    assert res.curve_names == ("train_loss", "val_loss", "test_loss", "train_r2", "val_r2", "test_r2")
    assert "final_val_r2" in res.metrics and "final_val_acc" not in res.metrics
    assert res.loss_text() == "cost (mean squared error, standardised target)"
    assert res.title() == "diabetes (regression, standardised target)"
    res.close()
    assert plot.main([str(path), "-o", str(tmp_path)]) == 0
    paths = written(capsys)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["diabetes_best_curves.png",
                                                     "diabetes_heatmap_learning_rate_hidden_dim.png"]
    for p in paths:
        assert_png(p)
    assert plot.main([str(path), "-o", str(tmp_path), "--metric", "final_val_r2", "--heatmap", "seed", "hidden_dim"]) == 0
    (p,) = written(capsys)
    assert p.endswith("diabetes_heatmap_seed_hidden_dim_final_val_r2.png")
    assert plot.higher_is_better("final_val_r2") and plot.metric_label("best_test_r2") == "best test R\u00b2"
    # The other task's score is a one-line usage error, and so is acc on a regression file.
    assert plot.main([str(path), "-o", str(tmp_path), "--metric", "final_val_acc"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "the file's task is regression" in err and "final_val_r2" in err


def test_multiclass_names_its_classes_and_refuses_r2(plot, task_results, tmp_path, capsys):
    path = task_results["multiclass"]
    res = plot.Results(path)
    assert (res.task, res.n_classes, res.classes) == ("multiclass", 3, ["setosa", "versicolor", "virginica"])
    assert res.title() == "iris (3 classes: setosa, versicolor, virginica)"
    assert res.curve_names[3:] == ("train_acc", "val_acc", "test_acc")
    res.close()
    assert plot.main([str(path), "-o", str(tmp_path), "--where", "hidden_dim=8", "--svg"]) == 0
    (p,) = written(capsys)
    text = open(p).read()
    assert "setosa" in text and "cross-entropy" in text
    assert plot.main([str(path), "-o", str(tmp_path), "--metric", "final_test_r2"]) == 2
    assert "its metrics are final_val_loss, final_val_acc" in capsys.readouterr().err


def make_v2(src, dst):
    """A copy of a binary results file as format_version 2 wrote it: no task, no classes."""
    dst.write_bytes(src.read_bytes())
    with h5py.File(dst, "r+") as f:
        f.attrs["format_version"] = 2
        for k in ("task", "n_classes"):
            if k in f["data"].attrs:
                del f["data"].attrs[k]
        if "classes" in f["data"]:
            del f["data/classes"]
    return dst


def test_a_version_2_file_reads_as_binary(plot, results, tmp_path, capsys):
    old = make_v2(results, tmp_path / "old.h5")
    res = plot.Results(old)
    assert (res.task, res.score, res.classes, res.title()) == ("binary", "acc", ["0", "1"], "plot-test")
    res.close()
    assert plot.main([str(old), "-o", str(tmp_path)]) == 0
    for p in written(capsys):
        assert_png(p)
    tp = load("to_pandas")
    assert tp.task_info(old) == dict(task="binary", n_classes=2, classes=["0", "1"], score="acc")
    assert "test_acc" in tp.tidy(old)


def test_tidy_and_configs_carry_the_task(task_results):
    pytest.importorskip("pandas")
    tp = load("to_pandas")
    reg = tp.tidy(task_results["regression"])
    assert {"train_r2", "val_r2", "test_r2", "train_loss"} <= set(reg.columns) and "test_acc" not in reg
    assert reg.attrs == dict(task="regression", n_classes=0, classes=[], score="r2")
    with h5py.File(task_results["regression"], "r") as f:
        r2 = f["curves/val_r2"][:]
    assert_close(reg["val_r2"].to_numpy(), r2[reg["id"].to_numpy(), reg["epoch"].to_numpy()], "val_r2", rtol=0, atol=0)
    cf = tp.configs(task_results["regression"])
    assert {"final_val_r2", "best_test_r2", "final_test_r2"} <= set(cf.columns) and "final_test_acc" not in cf
    assert cf.attrs["score"] == "r2"
    cls = tp.configs(task_results["multiclass"])
    assert cls.attrs["classes"] == ["setosa", "versicolor", "virginica"] and cls.attrs["n_classes"] == 3
    assert "final_val_acc" in cls and "val_acc" in tp.tidy(task_results["multiclass"])
    # The command line writes the r2 columns too.
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "to_pandas.py"), str(task_results["regression"])],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "train_r2" in r.stdout.splitlines()[0]
