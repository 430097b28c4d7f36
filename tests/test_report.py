"""`sweep report`: its numbers equal a NumPy computation from the raw curves (mean and sample
std over the done configs of each group), its ranking, its text, its errors, a file still
being written, and its speed on a 10,000-config file."""

import csv
import io
import shutil
import time

import h5py
import numpy as np
import pytest

from conftest import (GROUPS, NAMES, REAL_AXES, SETTING_AXES, STATUS_DIVERGED, STATUS_DONE, STATUS_PENDING,
                      assert_close, one_line, run_sweep, write_spec)

# 2 x 3 x 2 x 3 = 36 configs of 5 epochs; learning rate 1e200 diverges.
SPEC = """\
name: report-test
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.05, 0.5, 1.0e+200]
  batch_size: [16, 64]
  epochs: 5
  seed: {range: [0, 3]}
  init_scale: 1.0
"""
STATS = ("final_train_loss", "final_train_acc", "final_test_loss", "final_test_acc", "best_test_acc")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    spec = write_spec(tmp / "spec" / "r.yaml", SPEC)
    out = tmp / "r.h5"
    r = run_sweep("-q", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    return out


def report(*args):
    r = run_sweep("report", *args)
    assert r.returncode == 0, f"sweep report {args} exited {r.returncode}: {r.stderr}"
    return r.stdout


def read_csv(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, text
    return rows


def numpy_groups(path, axes):
    """Per group of configs sharing `axes`: counts and mean/std (ddof 1) of the final and
    best metrics over the done configs, all computed from /configs, /summary's status and the
    raw /curves."""
    with h5py.File(path, "r") as f:
        configs = f["configs"][:]
        status = f["summary"]["status"]
        curves = {k: f["curves"][k][:] for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
    last = configs["epochs"] - 1
    rows = np.arange(len(configs))
    best = np.array([np.max(curves["test_acc"][i, : configs["epochs"][i]]) for i in rows])
    metric = {f"final_{k}": curves[k][rows, last] for k in curves}
    metric["best_test_acc"] = best
    groups = {}
    for i, c in enumerate(configs):
        groups.setdefault(tuple(c[a].item() for a in axes), []).append(i)
    out = {}
    for key, members in groups.items():
        members = np.array(members)
        st = status[members]
        done = members[st == STATUS_DONE]
        g = dict(n_configs=len(members), n_done=int((st == STATUS_DONE).sum()),
                 n_diverged=int((st == STATUS_DIVERGED).sum()), n_pending=int((st == STATUS_PENDING).sum()))
        for s in STATS:
            v = metric[s][done]
            g[f"mean_{s}"] = v.mean() if len(v) else np.nan
            g[f"std_{s}"] = v.std(ddof=1) if len(v) >= 2 else np.nan
        out[key] = g
    return out


def key_of(row, axes):
    """A CSV row's group key as h5py gives it: names as bytes, reals as floats, ints."""
    return tuple(row[a].encode() if a in NAMES else float(row[a]) if a in REAL_AXES else int(row[a])
                 for a in axes)


def check_csv_against_numpy(path, rows, axes):
    expected = numpy_groups(path, axes)
    assert len(rows) == len(expected)
    header = list(rows[0])
    assert header[0] == "rank" and header[1 : 1 + len(axes)] == list(axes)
    for r in rows:
        e = expected[key_of(r, axes)]
        for k in ("n_configs", "n_done", "n_diverged", "n_pending"):
            assert int(r[k]) == e[k], (k, r)
        for s in STATS:
            for m in ("mean", "std"):
                assert_close(float(r[f"{m}_{s}"]), e[f"{m}_{s}"], f"{m}_{s} of {key_of(r, axes)}",
                             rtol=1e-12, atol=1e-15)
    # Without validation folds: ranked by mean final test loss (low first), groups with
    # nothing done last.
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert {r["metric"] for r in rows} == {"final_test_loss"}
    loss = [float(r["mean_final_test_loss"]) for r in rows]
    score = [(np.isnan(v), v if not np.isnan(v) else 0) for v in loss]
    assert score == sorted(score)


def test_csv_equals_numpy_over_the_raw_curves_per_setting(results):
    rows = read_csv(report("--csv", results))
    assert len(rows) == 12   # every setting, not just the top 10
    check_csv_against_numpy(results, rows, SETTING_AXES)
    for r in rows:
        assert int(r["n_configs"]) == 3   # the seeds
        diverging = float(r["learning_rate"]) == 1e200
        assert int(r["n_diverged"]) == (3 if diverging else 0)
        assert (r["mean_final_test_acc"] == "nan") == diverging


def test_csv_by_axes_averages_over_the_rest_seeds_included(results):
    rows = read_csv(report(results, "--by", "learning_rate", "hidden_dim", "--csv"))
    check_csv_against_numpy(results, rows, ("hidden_dim", "learning_rate"))
    assert {int(r["n_configs"]) for r in rows} == {6}
    # The file may also come after the axes, and axes may be comma-separated.
    assert report("--csv", "--by", "batch_size", "seed", results) == report("--csv", "--by=batch_size,seed", results)
    rows = read_csv(report("--csv", "--by", "seed", results))
    check_csv_against_numpy(results, rows, ("seed",))


def test_csv_round_trips_every_value_exactly(results):
    rows = read_csv(report("--csv", results))
    with h5py.File(results, "r") as f:
        lrs = set(f["configs"]["learning_rate"].tolist())
    assert {float(r["learning_rate"]) for r in rows} == lrs
    assert {r["learning_rate"] for r in rows} == {"0.05", "0.5", "1e+200"}


def test_top_k_limits_the_csv_and_the_table(results):
    rows = read_csv(report("--csv", "--top", "3", results))
    assert [r["rank"] for r in rows] == ["1", "2", "3"]
    text = report("--top", "2", results)
    table = text.split("\n\n")[-1].strip().splitlines()
    assert len(table) == 3 and table[0].split()[0] == "rank"


def test_text_report_shows_status_axes_and_mean_pm_std(results):
    text = report(results)
    assert f"file     {results}" in text
    assert "spec     report-test, sha256 " in text
    assert "status   complete" in text
    assert "configs  36: 24 done, 12 diverged, 0 failed, 0 pending" in text
    assert "learning_rate    3: 0.05, 0.5, 1e+200" in text
    assert "seed             3: 0, 1, 2" in text
    assert "best 10 of 12 settings" in text
    table = text.split("\n\n")[-1].strip().splitlines()
    header = table[0].split()
    assert header[:6] == ["rank", "hidden_dim", "learning_rate", "batch_size", "replicates", "done"]
    assert "final_test_loss" in header and "vs" in header and "Holm" in header
    assert "final_test_acc" in header   # shown beside the ranked metric
    assert len(table) == 11
    assert "note: ranked on the test part" in text and "seed noise only" in text
    # The first two rows' numbers, to the four places printed.
    best, second = read_csv(report("--csv", "--top", "2", results))
    first = table[1]
    m, lo, hi = (float(best[k]) for k in ("mean_final_test_loss", "ci_low", "ci_high"))
    assert f"{m:.4f} [{lo:.4f}, {hi:.4f}]" in first and " best " in first
    assert f"{float(second['p_holm']):.4f}" in table[2]
    # Settings with nothing done come last, with no numbers.
    assert table[-1].split()[2] == "1e+200" and table[-1].rstrip().endswith("-")


def test_a_file_still_being_written_counts_pending_and_averages_only_finished(results, tmp_path):
    # A copy in the state a running sweep leaves: some statuses still 0 and their rows NaN.
    part = tmp_path / "part.h5"
    shutil.copy(results, part)
    with h5py.File(part, "r+") as f:
        s = f["summary"][:]
        pending = np.arange(len(s)) % 4 == 1
        s["status"][pending] = STATUS_PENDING
        for k in ("final_train_loss", "final_train_acc", "final_test_loss", "final_test_acc", "best_test_acc"):
            s[k][pending] = np.nan
        f["summary"][...] = s
        for k in f["curves"]:
            if f["curves"][k].ndim == 2:
                c = f["curves"][k][:]
                c[pending] = np.nan
                f["curves"][k][...] = c
        f.attrs["status"] = "running"
    rows = read_csv(report("--csv", part))
    check_csv_against_numpy(part, rows, SETTING_AXES)
    assert sum(int(r["n_pending"]) for r in rows) == int(pending.sum())
    text = report(part)
    assert "status   running" in text
    n_pend = int(pending.sum())
    assert f", {n_pend} pending" in text


def test_an_interrupted_sweep_is_reported(tmp_path):
    spec = write_spec(tmp_path / "i.yaml", "grid:\n  hidden_dim: [4, 8]\n  epochs: 3\n  seed: [0, 1]\n")
    out = tmp_path / "i.h5"
    assert run_sweep("-q", spec, "-o", out).returncode == 0
    with h5py.File(out, "r+") as f:
        f.attrs["status"] = "interrupted"
    text = report(out)
    assert "status   interrupted" in text and "all 2 of 2 settings" in text


@pytest.mark.parametrize("args, message", [
    (["--by", "hidden", "{f}"], 'unknown axis "hidden"'),
    (["--top", "0", "{f}"], "--top"),
    (["--top", "many", "{f}"], "--top"),
    (["{f}", "--colour"], "--colour"),
    ([], "expected a results file"),
    (["{f}", "{f}"], "unexpected argument"),
    (["--by", "hidden_dim", "seed"], 'found the axis "seed"'),
])
def test_usage_errors_are_one_line_and_exit_2(results, args, message):
    r = run_sweep("report", *[a.format(f=results) for a in args])
    assert r.returncode == 2 and r.stdout == ""
    assert message in one_line(r.stderr)


def test_not_a_results_file_exits_2(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("hello\n")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    for path, message in ((text, "not an HDF5 file"), (other, "not a sweep results file"),
                          (tmp_path / "missing.h5", "missing.h5")):
        r = run_sweep("report", path)
        assert r.returncode == 2, r
        assert message in one_line(r.stderr)


def test_help():
    r = run_sweep("report", "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: sweep report")


def test_a_10000_config_file_reports_in_well_under_a_second(tmp_path):
    spec = write_spec(tmp_path / "big.yaml", """\
grid:
  hidden_dim: [1, 2]
  learning_rate: {geomspace: [0.001, 1, 50]}
  batch_size: {range: [300, 310]}
  epochs: 1
  seed: {range: [0, 10]}
""")
    out = tmp_path / "big.h5"
    r = run_sweep("-q", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        text = report(out)
        best = min(best, time.perf_counter() - t)
    assert "configs  10000: 10000 done" in text and "best 10 of 1000 settings" in text
    assert best < 0.5, f"sweep report took {best:.3f} s on 10,000 configs"


def test_a_file_from_before_the_recipe_axes_reads_as_the_defaults(tmp_path):
    """/configs without the recipe's columns (what the version before them wrote): the report,
    compare and the seed statistics read them as sgd, momentum 0.9, no weight decay, relu,
    normal; a name this version does not know is a one-line error."""
    import h5py
    spec = write_spec(tmp_path / "s.yaml", "grid:\n  hidden_dim: [3, 5]\n  epochs: 2\n  seed: [0, 1]\n")
    out = tmp_path / "s.h5"
    assert run_sweep("-q", "-o", out, spec).returncode == 0
    with h5py.File(out, "r+") as f:
        c = f["configs"][:]
        keep = [n for n in c.dtype.names if GROUPS.get(n) != "recipe"]
        old = np.zeros(len(c), dtype=[(n, c.dtype[n]) for n in keep])
        for n in keep:
            old[n] = c[n]
        del f["configs"]
        f["configs"] = old
    r = run_sweep("report", out)
    assert r.returncode == 0, r.stderr
    assert "optimizer        1: sgd" in r.stdout and "momentum         1: 0.9" in r.stdout
    r = run_sweep("compare", "--by", "hidden_dim", "--where", "activation=relu", out)
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "bad.h5"
    bad.write_bytes(out.read_bytes())
    spec2 = write_spec(tmp_path / "n.yaml", "grid:\n  hidden_dim: 3\n  epochs: 1\n  activation: tanh\n")
    assert run_sweep("-q", "-o", bad, "--force", spec2).returncode == 0
    with h5py.File(bad, "r+") as f:
        c = f["configs"][:]
        c["activation"] = b"swish"
        f["configs"][...] = c
    r = run_sweep("report", bad)
    assert r.returncode == 2 and "config 0 has activation \"swish\", which this version does not know" in one_line(r.stderr)
