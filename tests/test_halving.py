"""Successive halving (DESIGN section 3): the rung decisions recomputed in Python from the
file's own curves; pruned configs bitwise what a plain run of their epochs writes and
survivors what a plain run of E writes; the share of the full grid's epochs (81 settings,
factor 3, min_epochs E/27: at most 15 %); -j 1 against -j 2; a kill -9 in the middle of a rung
resumed to the uninterrupted file; the dry run; the report; and every refusal."""

import math
import shutil
import os
import signal
import subprocess

import h5py
import numpy as np
import pytest

from conftest import (SETTING_AXES, STATUS_DIVERGED, STATUS_DONE, assert_same_results, have_h5diff, one_line, run_ok,
                      run_sweep, sweep_bin, wait_for_commits, write_spec)

STATUS_PRUNED = 4
KEY = tuple(a for a in SETTING_AXES if a != "epochs") + ("seed", "repeat", "fold")

# 81 settings x 2 folds, E = 81 = 3 * 27: rungs 3, 9, 27, 81; a rate of 1e200 diverges.
SPEC = """\
save_initial_weights: true
data:
  folds: 2
halving:
  factor: 3
  min_epochs: 3
  metric: {metric}
grid:
  hidden_dim: [4, 8, 16]
  learning_rate: [0.003, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 1.0e+200]
  batch_size: [32, 64, 128]
  epochs: 81
"""


@pytest.fixture(scope="module")
def halved(tmp_path_factory):
    d = tmp_path_factory.mktemp("halving")
    spec = write_spec(d / "h.yaml", SPEC.format(metric="val_loss"))
    out = d / "h.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    return spec, out


def decisions(path, metric, factor=3, rungs=(3, 9, 27, 81)):
    """Replays the rungs from the file: settings in order of first id, each scored by the mean
    over its replicates of the metric after e epochs (diverged: the worst), the best
    ceil(n / factor) kept (ties to the lower index). Returns {setting: rung it was pruned at
    (or E)}, and the settings' config ids."""
    with h5py.File(path, "r") as f:
        c, s = f["configs"][:], f["summary"][:]
        curve = f["curves/" + metric][:]
    settings = {}
    for i in range(len(c)):
        settings.setdefault(tuple(c[a][i].item() for a in SETTING_AXES), []).append(i)
    keys = list(settings)   # insertion order: by first id
    worst = math.inf if metric == "val_loss" else 0.0
    alive = list(range(len(keys)))
    fate = {}
    for e in rungs[:-1]:
        score = []
        for k in alive:
            vals = [worst if s["status"][i] == STATUS_DIVERGED and s["epochs_run"][i] < e
                    or not np.isfinite(curve[i, e - 1]) else curve[i, e - 1] for i in settings[keys[k]]]
            score.append(sum(vals) / len(vals))
        lower = metric == "val_loss"
        order = sorted(range(len(alive)), key=lambda j: ((score[j] if lower else -score[j]), j))
        n_keep = -(-len(alive) // factor)
        kept = sorted(order[:n_keep])
        for j in range(len(alive)):
            if j not in kept:
                fate[alive[j]] = e
        alive = [alive[j] for j in kept]
    for k in alive:
        fate[k] = rungs[-1]
    return fate, settings, keys


@pytest.mark.parametrize("metric", ["val_loss", "val_acc"])
def test_rung_decisions_recomputed_from_the_files_curves(halved, tmp_path, metric):
    spec, out = halved
    if metric == "val_acc":
        spec = write_spec(tmp_path / "acc.yaml", SPEC.format(metric="val_acc"))
        out = tmp_path / "acc.h5"
        run_ok("-q", "-o", out, spec)
    fate, settings, keys = decisions(out, metric)
    with h5py.File(out, "r") as f:
        s = f["summary"][:]
    counts = {}
    for k, e in fate.items():
        counts[e] = counts.get(e, 0) + 1
        for i in settings[keys[k]]:
            if s["status"][i] == STATUS_DIVERGED:
                assert s["epochs_run"][i] <= e
                continue
            want = STATUS_DONE if e == 81 else STATUS_PRUNED
            assert s["status"][i] == want, (keys[k], i, e, s["status"][i])
            assert s["epochs_run"][i] == e, (keys[k], i)
    assert counts == {3: 54, 9: 18, 27: 6, 81: 3}
    assert (s["status"] == STATUS_DIVERGED).sum() == 2 * 9   # the 1e200 settings: 9 x 2 folds


def test_at_most_15_percent_of_the_full_grids_epochs(halved):
    _, out = halved
    with h5py.File(out, "r") as f:
        s = f["summary"][:]
    share = s["epochs_run"].sum() / (len(s) * 81)
    assert share <= 0.15, share   # (81*3 + 27*6 + 9*18 + 3*54) / (81*81) = 11.1 %, less the divergence


def test_every_config_is_what_a_plain_run_of_its_epochs_writes(halved, tmp_path):
    spec, out = halved
    plain = write_spec(tmp_path / "plain.yaml", SPEC.format(metric="val_loss").split("halving:")[0] +
                       "grid:" + SPEC.split("grid:")[1].replace("epochs: 81", "epochs: [3, 9, 27, 81]"))
    ref = tmp_path / "plain.h5"
    run_ok("-q", "-o", ref, plain)
    with h5py.File(out, "r") as fa, h5py.File(ref, "r") as fr:
        ca, sa, cr, sr = fa["configs"][:], fa["summary"][:], fr["configs"][:], fr["summary"][:]
        index = {tuple(cr[k][i].item() for k in KEY) + (int(cr["epochs"][i]),): i for i in range(len(cr))}
        for i in range(len(ca)):
            e = int(sa["epochs_run"][i]) if sa["status"][i] != STATUS_DIVERGED else 81
            e = min((x for x in (3, 9, 27, 81) if x >= e), default=81)
            j = index[tuple(ca[k][i].item() for k in KEY) + (e,)]
            for name in fa["curves"]:
                if fa["curves"][name].ndim == 2:
                    assert np.array_equal(fa["curves"][name][i, :e], fr["curves"][name][j, :e], equal_nan=True)
                    assert np.isnan(fa["curves"][name][i, e:]).all()
            for field in sa.dtype.names:
                if field in ("id", "train_seconds"):
                    continue
                if field == "status":
                    want = STATUS_PRUNED if sr["status"][j] == STATUS_DONE and e < 81 else sr["status"][j]
                    assert sa["status"][i] == want, (i, e)
                    continue
                assert np.array_equal(sa[field][i], sr[field][j], equal_nan=True), (i, field)
            h = ca["hidden_dim"][i]
            for group in ("weights", "initial_weights"):
                for w in ("W1", "b1", "W2", "b2"):
                    a = fa[f"{group}/hidden_{h}/{w}"][ca["weights_row"][i]]
                    b = fr[f"{group}/hidden_{h}/{w}"][cr["weights_row"][j]]
                    assert np.array_equal(a, b, equal_nan=True), (i, group, w)


@pytest.mark.skipif(not have_h5diff(), reason="h5diff is not installed")
def test_one_thread_and_two_write_the_same_file(halved, tmp_path):
    spec, out = halved
    one = tmp_path / "j1.h5"
    run_ok("-q", "-j", "1", "-o", one, spec)
    assert_same_results(out, one)


@pytest.mark.skipif(not have_h5diff(), reason="h5diff is not installed")
def test_a_kill_in_the_middle_of_a_rung_resumes_to_the_same_file(tmp_path):
    slow = os.environ.get("SWEEP_SANITIZED") == "1"
    text = SPEC.format(metric="val_loss").replace("epochs: 81", "epochs: 810" if slow else "epochs: 4050")
    text = text.replace("min_epochs: 3", "min_epochs: 30" if slow else "min_epochs: 150")
    spec = write_spec(tmp_path / "k.yaml", text)
    ref = tmp_path / "ref.h5"
    run_ok("-q", "-j", "2", "-o", ref, spec)
    out = tmp_path / "k.h5"
    p = subprocess.Popen([str(sweep_bin()), "-q", "-j", "2", "-o", str(out), str(spec)])
    try:
        wait_for_commits(out, n=40, timeout=120)   # the first rung's pruned settings, some of them
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    with h5py.File(out, "r") as f:
        st = f["summary"]["status"][:]
        assert (st != 0).any() and (st == 0).any(), "the kill came too late: nothing left to resume"
    run_ok("-q", "--resume", "-o", out, spec)
    assert_same_results(ref, out)


def test_the_dry_run_prints_the_rungs_and_the_work(halved):
    spec, _ = halved
    out = run_ok("-n", spec).stdout
    assert "halving factor 3 on val_loss: rungs 3, 9, 27, 81 epochs; settings 81 -> 27 -> 9 -> 3" in out
    assert "trains 11.1% of the full grid's epochs (1458 of 13122)" in out


def test_the_report_lists_pruned_settings_after_the_survivors(halved):
    _, out = halved
    text = run_ok("report", "--top", "81", out).stdout
    assert "configs  162: 6 done, 18 diverged, 138 pruned, 0 failed, 0 pending" in text
    rows = [l for l in text.splitlines() if l.strip()[:1].isdigit() and ("pruned at" in l or " best " in l)]
    assert rows and " best " in rows[0]
    rungs = [int(l.split("pruned at")[1].split()[0]) for l in rows if "pruned at" in l]
    assert rungs == sorted(rungs, reverse=True) and set(rungs) == {3, 9, 27}
    with h5py.File(out, "r") as f:
        assert f["seed_stats"]["n_pruned"].sum() == 138


@pytest.mark.parametrize("extra, args, where, message", [
    ("", ["--shard", "0/2"], "h.yaml:5:3", "halving: cannot run with --shard 0/2"),
])
def test_shard_with_halving_is_a_located_usage_error(tmp_path, extra, args, where, message):
    spec = write_spec(tmp_path / "h.yaml", SPEC.format(metric="val_loss"))
    r = run_sweep("-q", *args, "-o", tmp_path / "x.h5", spec)
    assert r.returncode == 2
    line = one_line(r.stderr)
    assert where in line and message in line, line
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize("text, where, message", [
    ("halving: {min_epochs: 3}\ngrid: {epochs: 9}\n", "1:10", "halving: expected validation folds"),
    ("data: {folds: 2}\nhalving: {min_epochs: 3}\ngrid: {epochs: [9, 27]}\n", "3:20", "grid.epochs: expected one value"),
    ("data: {folds: 2}\nhalving: {min_epochs: 30}\ngrid: {epochs: 9}\n", "2:23", "halving.min_epochs: expected at most 9"),
    ("data: {folds: 2}\nhalving: {factor: 1, min_epochs: 3}\ngrid: {epochs: 9}\n", "2:19", "halving.factor: expected an integer from 2"),
    ("data: {folds: 2}\nhalving: {min_epochs: 3, metric: val_acu}\ngrid: {epochs: 9}\n", "2:34",
     'did you mean "val_acc"?'),
    ("data: {folds: 2}\nhalving: {factor: 3}\ngrid: {epochs: 9}\n", "2:10", "halving.min_epochs: expected the first rung"),
    ("data: {folds: 2}\nhalving: {min_epochs: 3, rungs: 4}\ngrid: {epochs: 9}\n", "2:", "rungs"),
])
def test_halving_spec_errors_are_one_located_line(tmp_path, text, where, message):
    spec = write_spec(tmp_path / "bad.yaml", text)
    r = run_sweep("-q", "-o", tmp_path / "x.h5", spec)
    assert r.returncode == 2
    line = one_line(r.stderr)
    assert f"bad.yaml:{where}" in line and message in line, line
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.skipif(not shutil.which("script"), reason="util-linux script (a terminal) is not installed")
def test_on_a_terminal_a_bar_of_the_work_leads_the_progress_line(tmp_path):
    spec = write_spec(tmp_path / "t.yaml", SPEC.format(metric="val_loss"))
    out = tmp_path / "t.h5"
    cmd = f"{sweep_bin()} -j 2 -o {out} {spec}"
    r = subprocess.run(["script", "-qec", cmd, "/dev/null"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300)
    text = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0, text
    last = text.replace("\r\n", "\n").split("\r")[-1].splitlines()[0]
    assert last.startswith("[" + "\u2588" * 24 + "] 100% of the work  162/162 configs"), last
    assert "pruned 138" in last and "diverged 18" in last
    assert "\x1b[K" in text   # redrawn in place


def test_sweep_verify_retrains_survivors_and_pruned_configs_bitwise(halved, tmp_path):
    _, out = halved
    r = run_ok("verify", "--sample", "all", out)
    assert "162 of 162 finished configs retrained" in r.stdout and "identical" in r.stdout
    bad = tmp_path / "tampered.h5"
    bad.write_bytes(out.read_bytes())
    with h5py.File(bad, "r+") as f:
        c, s = f["configs"][:], f["summary"][:]
        i = int(np.flatnonzero(s["status"] == STATUS_PRUNED)[0])
        h, row = c["hidden_dim"][i], c["weights_row"][i]
        w = f[f"weights/hidden_{h}/b1"][row]
        w[0] = np.nextafter(w[0], np.inf)   # one ulp on a pruned config's weights
        f[f"weights/hidden_{h}/b1"][row] = w
    r = run_sweep("verify", "--sample", "all", bad)
    assert r.returncode == 1 and f"config {i} differs" in r.stdout + r.stderr
