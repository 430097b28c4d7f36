"""A power cut at any moment: the simulator (tests/crashsim/) records every write, truncate,
fsync and rename a real sweep makes on its file, rebuilds the files a power cut could leave
(what the last completed fsync made durable, plus any subset of the later writes torn at
4 KiB pages), and checks each: h5py opens it, and every config it marks finished holds
exactly what the uninterrupted run wrote. The old ordering (status right after its rows,
before any fsync; SWEEP_COMMIT_ORDER=legacy) is the negative control: the simulator must
catch it. scripts/crashsim.py runs the same for longer."""

import os
import sys
from pathlib import Path

import pytest

from conftest import REPO, assert_same_results, run_sweep, sweep_bin, write_spec

sys.path.insert(0, str(REPO / "tests" / "crashsim"))
import crashsim  # noqa: E402

SHIM = REPO / "build" / "crashsim.so"

# ~200 configs over about a second at -j 2: several rounds of the syncer (every 0.25 s).
SPEC = """\
save_initial_weights: true
grid:
  hidden_dim: [8, 16]
  learning_rate: [0.05, 0.3]
  batch_size: [32, 128]
  epochs: [40, 80]
  seed: {range: [0, 12]}
"""
SANITIZED = os.environ.get("SWEEP_SANITIZED") == "1"
STATES = 60 if SANITIZED else 250


@pytest.fixture(scope="module")
def shim():
    if not SHIM.is_file():
        pytest.fail(f"{SHIM} is missing: build it with `make {SHIM.relative_to(REPO)}` (make test does)",
                    pytrace=False)
    return SHIM


def recorded_run(tmp_path, shim, env=None):
    spec = write_spec(tmp_path / "spec.yaml", SPEC.replace("[40, 80]", "[10, 20]") if SANITIZED else SPEC)
    out, log = tmp_path / "out.h5", tmp_path / "io.log"
    r = crashsim.record([sweep_bin(), "-q", "-j", "2", spec, "-o", out], out, log, shim, env=env, cwd=REPO)
    assert r.returncode == 0, r.stderr.decode()
    return out, log


def test_no_power_cut_state_has_a_finished_config_without_its_rows(tmp_path, shim):
    out, log = recorded_run(tmp_path, shim)
    plain = tmp_path / "plain.h5"   # the recorded run wrote what a run without the shim writes
    assert run_sweep("-q", "-j", "1", tmp_path / "spec.yaml", "-o", plain).returncode == 0
    assert_same_results(plain, out)
    res = crashsim.simulate(log, out, out, STATES, seed=12)
    print(f"\npower cut, new ordering: {res}")
    assert res["syncs"] >= 3, res               # the run spans several rounds of the syncer
    assert res["states"] == STATES and res["with_torn"] > STATES // 2, res
    assert res["finished"] > 0, res             # the states do hold finished configs
    assert res["unopenable"] == 0, res
    assert res["wrong_configs"] == 0, res


def test_the_simulator_catches_the_old_ordering(tmp_path, shim):
    out, log = recorded_run(tmp_path, shim, env={"SWEEP_COMMIT_ORDER": "legacy"})
    res = crashsim.simulate(log, out, out, STATES // 3, seed=12)
    print(f"\npower cut, old ordering: {res}")
    assert res["wrong_configs"] > 0, res


def test_the_log_replays_into_the_file_and_a_lost_write_is_noticed(tmp_path, shim):
    """The driver's own check: the log replays into the very bytes on disk; drop one write and
    the replay no longer matches (so a write the shim missed would not go unnoticed)."""
    out, log = recorded_run(tmp_path, shim)
    timeline = crashsim.Timeline(crashsim.parse(log), out)
    assert crashsim.final_image(timeline) == Path(out).read_bytes()
    ops = timeline.ops[timeline.inode_at(timeline.n_events)]

    def covered_later(i):
        _, _, off, data = ops[i]
        return any(op[1] == "w" and op[2] <= off and off + len(data) <= op[2] + len(op[3]) for op in ops[i + 1:])

    writes = [i for i, op in enumerate(ops) if op[1] == "w"]
    victim = next(i for i in writes[len(writes) // 2:] if not covered_later(i))
    del ops[victim]
    assert crashsim.final_image(timeline) != Path(out).read_bytes()
