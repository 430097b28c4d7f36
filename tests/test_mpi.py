"""`mpirun -n 2 ./sweep` (built with `make MPI=1`): the same file as a plain run, resume,
interruption, errors reported once. Skipped only where mpirun is absent (SWEEP_REQUIRE_MPI=1,
as CI sets it, turns that skip into a failure). The MPI binary is $SWEEP_MPI_BIN, else
build/mpi/sweep, (re)built here with `make sweep-mpi`; ./sweep itself stays MPI-free."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import h5py
import pytest

from conftest import (REPO, assert_same_results, check_committed_rows, run_sweep, sweep_bin,
                      wait_for_commits, write_spec)

# 64 configs of a few ms to some tens of ms each: both ranks get work.
SPEC = """\
save_initial_weights: true
grid:
  hidden_dim: [16, 32]
  learning_rate: [0.05, 0.3]
  batch_size: [32, 128]
  epochs: [40, 80]
  seed: {range: [0, 4]}
"""


@pytest.fixture(scope="module")
def mpi_bin():
    if not shutil.which("mpirun"):
        if os.environ.get("SWEEP_REQUIRE_MPI") == "1":
            pytest.fail("SWEEP_REQUIRE_MPI=1 but there is no mpirun (scripts/install-deps.sh installs Open MPI)",
                        pytrace=False)
        pytest.skip("no mpirun here: Open MPI is not installed (scripts/install-deps.sh installs it)")
    given = os.environ.get("SWEEP_MPI_BIN")
    if given:
        path = Path(given) if Path(given).is_absolute() else REPO / given
    else:
        # Not the variables of a make that runs this test (make asan's OPT would leak in).
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        r = subprocess.run(["make", "-s", "sweep-mpi"], cwd=str(REPO), env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode != 0:
            pytest.fail("make sweep-mpi failed:\n" + r.stdout.decode()[-3000:], pytrace=False)
        path = REPO / "build" / "mpi" / "sweep"
    assert path.is_file(), path
    return path


def mpirun_cmd(mpi_bin, ranks, *args):
    cmd = ["mpirun", "-n", str(ranks), "--oversubscribe", "--bind-to", "none",
           "--mca", "btl_vader_single_copy_mechanism", "none"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    if os.environ.get("SWEEP_MPI_NO_LEAK_CHECK") == "1":   # a sanitized build: Open MPI's leaks aren't ours
        cmd += ["-x", "ASAN_OPTIONS=detect_leaks=0"]
    return cmd + [str(mpi_bin)] + [str(a) for a in args]


def mpirun(mpi_bin, ranks, *args, timeout=600):
    p = subprocess.run(mpirun_cmd(mpi_bin, ranks, *args), cwd=str(REPO), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def start_mpirun(mpi_bin, ranks, *args):
    return subprocess.Popen(mpirun_cmd(mpi_bin, ranks, *args), cwd=str(REPO), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def children(pid):
    """Pids of the processes whose parent is pid."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return out


def trained_by_rank(stderr):
    line = next(l for l in stderr.splitlines() if "configs trained by rank:" in l)
    parts = line.split(":", 2)[2].split(",")
    return [int(p.split(":")[1]) for p in parts]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mpi")
    spec = write_spec(tmp / "spec.yaml", SPEC)
    # 64 configs of about 0.1 s: runs long enough (a few seconds) to be interrupted midway. A
    # sanitized build (make asan sets SWEEP_SANITIZED) is about ten times slower: fewer epochs.
    # (configs that differ only in epochs share their training: the longest counts)
    epochs = "[200, 400]" if os.environ.get("SWEEP_SANITIZED") == "1" else "[3000, 6000]"
    long_spec = write_spec(tmp / "long.yaml", SPEC.replace("[40, 80]", epochs))
    refs = []
    for s in (spec, long_spec):
        ref = tmp / (s.stem + "-ref.h5")
        r = run_sweep("-q", "-j", "2", s, "-o", ref)
        assert r.returncode == 0, r.stderr
        refs.append(ref)
    return spec, refs[0], long_spec, refs[1]


def test_the_plain_binary_knows_nothing_of_mpi():
    if os.environ.get("SWEEP_BIN"):
        pytest.skip("SWEEP_BIN is set: not the default ./sweep")
    r = subprocess.run(["ldd", str(sweep_bin())], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode == 0 and "libmpi" not in r.stdout.decode(), r.stdout.decode()


def test_two_ranks_write_the_file_of_a_plain_run(mpi_bin, reference, tmp_path):
    spec, ref, _, _ = reference
    out = tmp_path / "mpi.h5"
    rc, _, err = mpirun(mpi_bin, 2, "-j", "1", spec, "-o", out)
    assert rc == 0, err
    assert_same_results(ref, out)
    counts = trained_by_rank(err)
    assert len(counts) == 2 and sum(counts) == 64 and counts[1] > 0, err
    assert sorted(os.listdir(tmp_path)) == ["mpi.h5"]


def test_two_ranks_with_validation_folds_write_the_file_of_a_plain_run(mpi_bin, tmp_path):
    spec = write_spec(tmp_path / "folds.yaml", "data:\n  folds: 3\n  repeats: 2\n" + SPEC.replace("[40, 80]", "[10, 20]"))
    ref = tmp_path / "ref.h5"
    run_ok = run_sweep("-q", "-j", "2", spec, "-o", ref)
    assert run_ok.returncode == 0, run_ok.stderr
    out = tmp_path / "mpi.h5"
    rc, _, err = mpirun(mpi_bin, 2, "-j", "1", spec, "-o", out)
    assert rc == 0, err
    assert_same_results(ref, out)


def test_halving_under_several_ranks_is_refused_in_one_line(mpi_bin, tmp_path):
    spec = write_spec(tmp_path / "h.yaml", "data: {folds: 2}\nhalving: {min_epochs: 2}\ngrid: {epochs: 6}\n")
    rc, _, err = mpirun(mpi_bin, 2, "-j", "1", spec, "-o", tmp_path / "h.h5")
    assert rc == 2, err
    lines = [l for l in err.splitlines() if l.startswith(str(spec))]
    assert lines and "halving: runs in one process, not over 2 MPI ranks" in lines[0], err
    assert not (tmp_path / "h.h5").exists()


def test_ranks_with_threads_and_a_shard_merge_into_a_plain_run(mpi_bin, reference, tmp_path):
    """mpirun runs one shard on 2 ranks x 2 threads, a plain sweep the other; merged = plain."""
    spec, ref, _, _ = reference
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    rc, _, err = mpirun(mpi_bin, 2, "-q", "-j", "2", "--shard", "0/2", spec, "-o", a)
    assert rc == 0, err
    r = run_sweep("-q", "--shard", "1/2", spec, "-o", b)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "merged.h5"
    r = run_sweep("merge", "-q", out, a, b)
    assert r.returncode == 0, r.stderr
    assert_same_results(ref, out)


def test_resume_under_mpi_trains_only_what_is_pending(mpi_bin, reference, tmp_path):
    _, _, spec, ref = reference
    out = tmp_path / "resumed.h5"
    p = subprocess.Popen([str(sweep_bin()), "-q", "-j", "1", str(spec), "-o", str(out)], cwd=str(REPO),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_commits(out, 5)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    assert p.returncode == 130
    done, total = check_committed_rows(out, ref)
    assert 0 < done < total
    rc, _, err = mpirun(mpi_bin, 2, "-j", "1", "--resume", spec, "-o", out)
    assert rc == 0, err
    assert f"sweep: {total - done} configs on" in err, err
    assert_same_results(ref, out)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_mpirun_saves_every_finished_config_and_marks_the_file_interrupted(mpi_bin, reference,
                                                                                      tmp_path, sig):
    """Ctrl-C (or SIGTERM) on mpirun: mpirun passes SIGTERM on to every rank, rank 0 saves
    and exits 130, and mpirun itself exits 1: Open MPI 4.1's mpirun sets its own status to 1
    when it is signalled, whatever the ranks return (README, "One MPI job")."""
    _, _, spec, ref = reference
    out = tmp_path / "int.h5"
    p = start_mpirun(mpi_bin, 2, "-j", "1", spec, "-o", out)
    wait_for_commits(out, 3)
    t0 = time.monotonic()
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    err = err.decode()
    assert time.monotonic() - t0 < 5.0
    assert p.returncode == 1, err
    assert "interrupted;" in err and "--resume" in err, err
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "interrupted"
    done, total = check_committed_rows(out, ref)
    assert 0 < done < total
    assert not os.path.exists(str(out) + ".lock")
    rc, _, err = mpirun(mpi_bin, 2, "-q", "-j", "1", "--resume", spec, "-o", out)
    assert rc == 0, err
    assert_same_results(ref, out)


def test_open_mpi_cannot_forward_sigint_to_the_ranks(mpi_bin, reference, tmp_path):
    """Why mpirun cannot exit 130 on Ctrl-C: it will not hand SIGINT to the ranks (it keeps
    SIGINT for its own abort, which exits 1)."""
    spec, _, _, _ = reference
    cmd = mpirun_cmd(mpi_bin, 2, "-n", spec)
    cmd[1:1] = ["--mca", "ess_base_forward_signals", "SIGINT"]
    p = subprocess.run(cmd, cwd=str(REPO), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    assert p.returncode != 0 and "does not support trapping and forwarding" in p.stdout.decode(), p.stdout.decode()


def test_sigterm_to_every_rank_exits_130(mpi_bin, reference, tmp_path):
    """What Slurm does on scancel or at the time limit: SIGTERM to each task."""
    _, _, spec, ref = reference
    out = tmp_path / "term.h5"
    p = start_mpirun(mpi_bin, 2, "-q", "-j", "1", spec, "-o", out)
    wait_for_commits(out, 3)
    ranks = [pid for pid in children(p.pid)]
    assert len(ranks) == 2, ranks
    for pid in ranks:
        os.kill(pid, signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err.decode()
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "interrupted"
    check_committed_rows(out, ref)


def test_errors_are_reported_once_with_their_status(mpi_bin, reference, tmp_path):
    spec, ref, _, _ = reference
    bad = write_spec(tmp_path / "bad.yaml", "grid:\n  hidden_dim: [4, 4]\n")
    rc, _, err = mpirun(mpi_bin, 2, bad, "-o", tmp_path / "x.h5")
    assert rc == 2, err
    assert err.count("bad.yaml:") == 1, err
    # rank 0 alone finds the output already there: every rank stops with its status
    rc, _, err = mpirun(mpi_bin, 2, spec, "-o", ref)
    assert rc == 2, err
    assert err.count("already exists") == 1, err
    # a dry run prints once
    rc, out, err = mpirun(mpi_bin, 2, "-n", spec)
    assert rc == 0, err
    assert out.count("= 64 configs") == 1, out
    assert sorted(os.listdir(tmp_path)) == ["bad.yaml"]


@pytest.mark.parametrize("source", ["iris", "diabetes"])
def test_a_multiclass_or_regression_sweep_over_ranks_is_a_plain_runs_file(mpi_bin, tmp_path, source):
    """(v3) Results of K outputs (iris) and of regression's scaled targets (diabetes) travel
    between ranks, and every rank agrees on the task, classes and target scaling."""
    spec = write_spec(tmp_path / f"{source}.yaml", f"""\
data:
  source: {source}
  folds: 2
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.01, 0.1]
  epochs: 5
  seed: [0, 1]
""")
    plain, ranked = tmp_path / "plain.h5", tmp_path / "mpi.h5"
    r = run_sweep("-q", "-j", "2", "-o", plain, spec)
    assert r.returncode == 0, r.stderr
    rc, _, err = mpirun(mpi_bin, 2, "-q", "-j", "1", "-o", ranked, spec)
    assert rc == 0, err
    assert_same_results(plain, ranked)
