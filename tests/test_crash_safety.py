"""Nothing is lost: kill -9 at random moments, signals, a reader during the run, a second
writer, a changed spec on resume, and a full disk, each through the real binary and file."""

import os
import random
import signal
import subprocess
import time

import h5py
import pytest

from conftest import (REPO, assert_same_results, check_committed_rows, run_sweep, sweep_bin,
                      wait_for_commits)

# A few hundred short configs: long enough to kill mid-run many times, short enough to test.
KILL_SPEC = """\
save_initial_weights: true
grid:
  hidden_dim: [16, 48]
  learning_rate: [0.05, 0.3]
  batch_size: [32, 128]
  epochs: [60, 120]
  seed: {range: [0, 20]}
"""


def write_spec(tmp_path, text, name="spec.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted run that every test here compares against (tests must not modify it)."""
    tmp = tmp_path_factory.mktemp("reference")
    spec = write_spec(tmp, KILL_SPEC)
    ref = tmp / "ref.h5"
    r = run_sweep("-q", "-j", "2", spec, "-o", ref)
    assert r.returncode == 0, r.stderr
    return spec, ref


def start(*args):
    return subprocess.Popen([str(sweep_bin())] + [str(a) for a in args], cwd=str(REPO),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_random_kill_9_loses_no_finished_config_and_resume_equals_an_uninterrupted_run(tmp_path, reference):
    spec, ref = reference
    rng = random.Random(1234)
    out = tmp_path / "killed.h5"
    kills, files_checked, finished_runs = 0, 0, 0
    n_kills = int(os.environ.get("SWEEP_KILLS", "20"))   # the closing note's longer run sets more
    while kills < n_kills:
        args = ["-q", "-j", "2", spec, "-o", out] + (["--resume"] if out.exists() else [])
        p = start(*args)
        time.sleep(rng.uniform(0.02, 0.4))
        if p.poll() is None:
            p.kill()
            kills += 1
        _, err = p.communicate()
        if p.returncode == 0:            # finished before the kill: begin a fresh file
            finished_runs += 1
            assert_same_results(ref, out)
            out.unlink()
            continue
        assert p.returncode == -signal.SIGKILL, err.decode()
        if out.exists():
            check_committed_rows(out, ref)
            files_checked += 1
    # Finish the last file by resuming until it completes.
    for _ in range(5):
        if not out.exists():
            r = run_sweep("-q", "-j", "2", spec, "-o", out)
        else:
            r = run_sweep("-q", "-j", "2", "--resume", spec, "-o", out)
        if r.returncode == 0:
            break
    assert r.returncode == 0, r.stderr
    print(f"\nkill -9: {kills} kills, {files_checked} files opened and checked, "
          f"{finished_runs} runs finished before their kill")
    assert kills >= n_kills and files_checked >= n_kills // 2
    assert_same_results(ref, out)


def test_sigint_commits_finished_configs_marks_interrupted_and_exits_130(tmp_path, reference):
    spec, ref = reference
    out = tmp_path / "int.h5"
    p = start("-q", "-j", "2", spec, "-o", out)
    wait_for_commits(out)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert time.monotonic() - t0 < 2.0
    assert p.returncode == 130, err.decode()
    assert "interrupted" in err.decode() and "--resume" in err.decode()
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "interrupted"
    done, total = check_committed_rows(out, ref)
    assert 0 < done < total
    r = run_sweep("-q", "-j", "2", "--resume", spec, "-o", out, timeout=600)
    assert r.returncode == 0, r.stderr
    assert_same_results(ref, out)


def test_sigterm_behaves_like_sigint(tmp_path, reference):
    spec, ref = reference
    out = tmp_path / "term.h5"
    p = start("-q", "-j", "2", spec, "-o", out)
    wait_for_commits(out)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)
    assert p.returncode == 130
    check_committed_rows(out, ref)


def test_second_sigint_stops_at_once_and_leaves_a_readable_resumable_file(tmp_path, reference):
    spec, ref = reference
    out = tmp_path / "int2.h5"
    p = start("-q", "-j", "2", spec, "-o", out)
    wait_for_commits(out)
    p.send_signal(signal.SIGINT)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    assert p.returncode == 130
    check_committed_rows(out, ref)
    r = run_sweep("-q", "--resume", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    assert_same_results(ref, out)


def test_a_reader_can_open_the_file_while_the_sweep_writes_it(tmp_path, reference):
    spec, ref = reference
    out = tmp_path / "live.h5"
    p = start("-q", "-j", "2", spec, "-o", out)
    seen = []
    while p.poll() is None:
        if out.exists():
            try:
                seen.append(check_committed_rows(out, ref)[0])
            except OSError:
                pass  # the file can vanish/appear between exists() and open() only at creation
        time.sleep(0.05)
    assert p.returncode == 0
    assert len(seen) >= 3 and seen == sorted(seen) and 0 < max(seen)


def test_a_second_sweep_on_the_same_file_is_refused(tmp_path, reference):
    spec, ref = reference
    out = tmp_path / "locked.h5"
    p = start("-q", "-j", "1", spec, "-o", out)
    for _ in range(100):
        if out.exists():
            break
        time.sleep(0.02)
    for extra in (["--resume"], ["--force"]):
        r = run_sweep("-q", *extra, spec, "-o", out)
        assert r.returncode == 1
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "another sweep" in lines[0], r.stderr
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    check_committed_rows(out, ref)


def test_resume_refuses_a_changed_spec_and_leaves_the_file_alone(tmp_path, reference):
    spec, ref = reference
    out = tmp_path / "changed.h5"
    p = start("-q", "-j", "2", spec, "-o", out)
    wait_for_commits(out)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    before = out.read_bytes()
    other = write_spec(tmp_path, KILL_SPEC.replace("[60, 120]", "[60, 121]"), "other.yaml")
    r = run_sweep("-q", "--resume", other, "-o", out)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "different spec" in r.stderr
    assert out.read_bytes() == before


def test_resuming_a_complete_file_does_nothing_and_says_so(tmp_path, reference):
    spec, ref = reference
    before = ref.read_bytes()
    r = run_sweep("--resume", spec, "-o", ref)
    assert r.returncode == 0
    assert "nothing to do" in r.stderr
    assert ref.read_bytes() == before


def test_resume_of_a_missing_file_is_a_usage_error(tmp_path, reference):
    spec, _ = reference
    r = run_sweep("-q", "--resume", spec, "-o", tmp_path / "absent.h5")
    assert r.returncode == 2 and "does not exist" in r.stderr


# --- resource failures --------------------------------------------------------------------

def mount_tmpfs(path, size):
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): " + r.stdout.decode().strip())
    return path


@pytest.fixture
def small_disk(tmp_path):
    mounts = []

    def make(size):
        m = mount_tmpfs(tmp_path / f"disk{len(mounts)}", size)
        mounts.append(m)
        return m

    yield make
    for m in mounts:
        subprocess.run(["umount", "-l", str(m)])


# Weights of hidden 256 are ~62 KB a config and written only as configs finish, so a 1.5 MB
# disk fills in the middle of this sweep. Configs this small are written by the store's
# syncer thread; those of hidden 4500 (1 MB of weights each) by the worker thread that
# trained them, so the 12 MB disk fills in a worker's write.
BIG_WEIGHTS_SPEC = """\
grid:
  hidden_dim: 256
  epochs: 3
  seed: {range: [0, 60]}
"""
HUGE_WEIGHTS_SPEC = """\
grid:
  hidden_dim: 4500
  epochs: 1
  seed: {range: [0, 16]}
"""


@pytest.mark.parametrize("text,size", [(BIG_WEIGHTS_SPEC, "1500k"), (HUGE_WEIGHTS_SPEC, "12m")],
                         ids=["syncer-writes", "worker-writes"])
def test_a_full_disk_mid_sweep_fails_cleanly_keeps_committed_configs_and_resume_finishes(tmp_path, small_disk,
                                                                                         text, size):
    """At -j 2: two lines on stderr (the failure and what is safe), none of HDF5's own error
    stack from any thread, exit 1; the committed configs hold their rows; resume finishes."""
    spec = write_spec(tmp_path, text)
    ref = tmp_path / "ref.h5"
    assert run_sweep("-q", spec, "-o", ref).returncode == 0
    disk = small_disk(size)
    out = disk / "full.h5"
    r = run_sweep("-q", "-j", "2", spec, "-o", out)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) <= 2 and all(l.startswith("sweep: ") for l in lines), r.stderr
    assert "disk full" in r.stderr or "No space" in r.stderr
    assert "--resume" in r.stderr
    done, total = check_committed_rows(out, ref)
    assert 0 < done < total
    assert f"{done} configs committed before the failure are safe" in r.stderr
    subprocess.run(["mount", "-o", "remount,size=40m", str(disk)], check=True)
    r = run_sweep("-q", "--resume", spec, "-o", out)
    assert r.returncode == 0, r.stderr
    check_committed_rows(out, ref)
    with h5py.File(out, "r") as f:
        assert (f["summary"]["status"] == 1).all()


def test_sweep_debug_hdf5_shows_the_hdf5_error_stack_of_a_full_disk(tmp_path, small_disk):
    spec = write_spec(tmp_path, HUGE_WEIGHTS_SPEC)
    disk = small_disk("12m")
    r = run_sweep("-q", "-j", "2", spec, "-o", disk / "full.h5", env={"SWEEP_DEBUG_HDF5": "1"})
    assert r.returncode == 1, r.stderr
    assert "HDF5-DIAG" in r.stderr and len(r.stderr.splitlines()) > 10, r.stderr


def test_a_disk_too_small_for_the_file_fails_before_training_and_leaves_nothing(tmp_path, small_disk):
    spec = write_spec(tmp_path, "grid:\n  hidden_dim: 4\n  epochs: 5000\n  seed: {range: [0, 50]}\n")
    disk = small_disk("256k")
    r = run_sweep("-q", spec, "-o", disk / "x.h5")
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert os.listdir(disk) == []


def test_a_file_size_limit_is_a_clean_runtime_error_that_leaves_nothing(tmp_path):
    """ulimit -f below the file's size: writes fail with EFBIG (sweep ignores SIGXFSZ), the
    file cannot be built, and neither it nor its temporary is left behind."""
    spec = write_spec(tmp_path, BIG_WEIGHTS_SPEC)
    out = tmp_path / "limited.h5"
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1500 * 1024, 1500 * 1024))

    p = subprocess.run([str(sweep_bin()), "-q", str(spec), "-o", str(out)], cwd=str(REPO),
                       preexec_fn=limit, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 1, p.stderr.decode()
    assert len(p.stderr.decode().strip().splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == ["spec.yaml"]


def test_an_unwritable_output_directory_is_a_one_line_runtime_error(tmp_path, small_disk):
    spec = write_spec(tmp_path, "grid:\n  hidden_dim: 4\n  epochs: 2\n")
    disk = small_disk("1m")
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    r = run_sweep("-q", spec, "-o", disk / "x.h5")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "not writable" in lines[0], r.stderr
