"""--resume continues only the file it was given: same spec, same data, same shard. Anything
else is refused with one line and exit 2, and the file is left as it was."""

import shutil
import signal
import subprocess

import h5py
import numpy as np

from conftest import REPO, run_sweep, sweep_bin, wait_for_commits

SPEC = """\
data:
  source: data.csv
  label: y
  test_fraction: 0.25
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.05, 0.5]
  batch_size: 8
  epochs: 3000
  seed: {range: [0, 10]}
"""


def interrupted_file(tmp_path, *extra):
    """A sweep of SPEC over tests/csv/small.csv, stopped by SIGINT after a few commits."""
    shutil.copy(REPO / "tests" / "csv" / "small.csv", tmp_path / "data.csv")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out.h5"
    p = subprocess.Popen([str(sweep_bin()), "-q", "-j", "2", *extra, str(spec), "-o", str(out)],
                         cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_commits(out, n=2)
    except AssertionError:
        pass   # finished first: the refusals below hold for a complete file as well
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=60)
    assert p.returncode in (0, 130)
    return spec, out


def refused(r, words):
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], r.stderr


def test_resume_refuses_a_file_whose_data_changed(tmp_path):
    spec, out = interrupted_file(tmp_path)
    before = out.read_bytes()
    data = tmp_path / "data.csv"
    data.write_text(data.read_text().replace("0.821,", "82.1,"))   # one cell of the training data
    refused(run_sweep("-q", "--resume", spec, "-o", out), "data changed")
    assert out.read_bytes() == before


def test_resume_refuses_a_spec_with_other_hidden_sizes_as_a_different_spec(tmp_path):
    spec, out = interrupted_file(tmp_path)
    spec.write_text(SPEC.replace("[4, 8]", "[5, 9]"))
    refused(run_sweep("-q", "--resume", spec, "-o", out), "different spec")


def test_resume_refuses_a_file_that_is_not_a_sweep_file(tmp_path):
    spec, _ = interrupted_file(tmp_path)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    refused(run_sweep("-q", "--resume", spec, "-o", other), "not a sweep results file")


def test_resume_keeps_the_files_shard_and_refuses_another(tmp_path):
    spec, out = interrupted_file(tmp_path, "--shard", "1/3")
    refused(run_sweep("-q", "--resume", "--shard", "0/3", spec, "-o", out), "holds shard 1/3")
    r = run_sweep("-q", "--resume", spec, "-o", out)            # no --shard: the file's own
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        status = f["summary"]["status"]
        ids = np.arange(len(status))
        assert (status[ids % 3 == 1] != 0).all() and (status[ids % 3 != 1] == 0).all()
        assert f.attrs["shard"] == "1/3"


def test_dry_run_estimate_is_within_ten_percent_of_the_real_file(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("save_initial_weights: true\ngrid:\n  hidden_dim: [4, 64]\n  epochs: [50, 500]\n"
                    "  seed: {range: [0, 4]}\n")
    r = run_sweep("-n", spec, "-o", tmp_path / "x.h5")
    line = next(l for l in r.stdout.splitlines() if l.startswith("file"))
    value, unit = line.split("about ")[1].split()
    estimate = float(value) * {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9}[unit]
    assert run_sweep("-q", spec, "-o", tmp_path / "x.h5").returncode == 0
    actual = (tmp_path / "x.h5").stat().st_size
    assert abs(estimate - actual) <= 0.1 * actual, (estimate, actual)


def test_dry_run_with_resume_previews_only_what_a_resume_would_train(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text("grid:\n  hidden_dim: 4\n  epochs: 3\n  seed: {range: [0, 6]}\n")
    out = tmp_path / "half.h5"
    assert run_sweep("-q", "--shard", "1/2", spec, "-o", out).returncode == 0
    before = out.read_bytes()
    r = run_sweep("-n", "--resume", spec, "-o", out)
    assert r.returncode == 0 and "0 configs to train" in r.stdout, r.stdout
    r = run_sweep("-n", spec, "-o", tmp_path / "fresh.h5")
    assert "6 configs to train" in r.stdout, r.stdout
    assert out.read_bytes() == before
