"""A failing disk: never a silent success, never a crash. The shim (tests/faultsim/) fails one
write-like call (write, pwrite, ftruncate, fsync, rename) on the results file with ENOSPC or
EIO, once or from then on, under a real sweep, a `--resume` and a `sweep merge`; the driver
(tests/faultsim/faultsim.py) holds each outcome to the contract: a clean exit 1 (two lines
naming the file and the error) or exactly the unfaulted file, the file readable with every
finished config's rows right, `complete` only with the derived data, and a rerun without
faults ending in the unfaulted file. Here a stride of the sites plus every site that is not a
plain pwrite (fsync, ftruncate, rename) and its neighbours; `make faults` runs them all."""

import os
import sys
from pathlib import Path

import pytest

from conftest import REPO, sweep_bin

sys.path.insert(0, str(REPO / "tests" / "faultsim"))
import faultsim  # noqa: E402

SANITIZED = os.environ.get("SWEEP_SANITIZED") == "1"
STRIDE = 48 if SANITIZED else 24
# Two modes per scenario, between them all four; the second takes the stride's other half.
MODES = {"sweep": (("once", "ENOSPC"), ("dead", "EIO")),
         "resume": (("once", "EIO"), ("dead", "ENOSPC")),
         "merge": (("once", "ENOSPC"), ("dead", "EIO"))}


@pytest.fixture(scope="module")
def shim():
    if not faultsim.SHIM.is_file():
        pytest.fail(f"{faultsim.SHIM} is missing: build it with `make build/faultsim.so` (make test does)",
                    pytrace=False)
    os.environ.setdefault("SWEEP_BIN", str(sweep_bin()))
    return faultsim.SHIM


def landmarks(sites, before, after):
    """Every site that is not a plain write (fsync, ftruncate, rename), with the one before
    it and the one after it as asked (the first write after a rename is the reopening of the
    new file; the write before a truncate is the superblock's flush), and the last site."""
    out = {len(sites)}
    for s in sites:
        if s.op not in ("pwrite", "write"):
            out |= {s.n} | ({s.n - 1} if before else set()) | ({s.n + 1} if after else set())
    return {n for n in out if 1 <= n <= len(sites)}


def picker(scenario):
    first, second = MODES[scenario]

    def pick(ref, mode, err):
        n_sites = len(ref.sites)
        if (mode, err) == first:
            return sorted(landmarks(ref.sites, False, True) | set(range(1, n_sites + 1, STRIDE)))
        return sorted(landmarks(ref.sites, True, False) | set(range(1 + STRIDE // 2, n_sites + 1, STRIDE)))
    return pick


def test_the_shim_counts_the_same_sites_every_time_and_fails_the_one_asked(tmp_path, shim):
    scenario = faultsim.SweepScenario(tmp_path / "sweep")
    a, b = faultsim.Reference(scenario), faultsim.Reference(scenario)
    assert len(a.sites) > 100, a.sites
    assert [s[:5] for s in a.sites] == [s[:5] for s in b.sites]
    ops = {s.op for s in a.sites}
    assert {"pwrite", "fsync", "ftruncate", "rename"} <= ops, ops
    rename = next(s.n for s in a.sites if s.op == "rename")
    work = scenario.prepare(tmp_path / "w")
    log = work / "log"
    rc, _, err = faultsim.run(scenario.command(), work, env=faultsim.shim_env(scenario.target, log, rename, "once", "EIO"))
    sites = faultsim.parse_log(log)
    assert [s.n for s in sites if s.result == "FAIL"] == [rename], sites
    assert len(sites) == rename   # nothing after a failed rename touches the file
    assert rc == 1 and "Input/output error" in err, (rc, err)
    assert not (work / scenario.target).exists()
    # Dead from site 5 on: every later site fails.
    log2 = work / "log2"
    faultsim.run(scenario.command(), scenario.prepare(tmp_path / "w2"),
                 env=faultsim.shim_env(scenario.target, log2, 5, "dead", "ENOSPC"))
    sites = faultsim.parse_log(log2)
    assert [s.result for s in sites] == ["ok"] * 4 + ["FAIL"] * (len(sites) - 4), sites


@pytest.mark.parametrize("scenario", ["sweep", "resume", "merge"])
def test_a_failing_disk_gives_a_clean_failure_or_the_right_file_and_a_rerun_ends_right(tmp_path, shim, scenario):
    refs, outcomes = faultsim.run_matrix(tmp_path, [scenario], MODES[scenario], picker(scenario), jobs=2)
    table, detail = faultsim.summarize(refs, outcomes)
    print(f"\n{table}\n{detail}")
    assert len(outcomes) >= 15
    bad = [o for o in outcomes if o.kind == "BAD"]
    assert not bad, (f"{len(bad)} of {len(outcomes)} faulted runs broke the contract "
                     f"(site: what the unfaulted run's call wrote):\n{detail}\n" +
                     "\n".join(f"  {o.mode} {o.err} site {o.n}: {o.what}: stderr {o.stderr[:200]!r}" for o in bad[:6]))


def test_the_three_scenarios_unfaulted_end_in_the_same_file(tmp_path, shim):
    """The harness's references agree: a sweep, a resume of its half-finished file and a merge
    of its shards write the same results (so each scenario is held to the one right file)."""
    refs = [faultsim.Reference(cls(tmp_path / name)) for name, cls in faultsim.SCENARIOS.items()]
    for ref in refs[1:]:
        assert faultsim.differences(refs[0].file, ref.file) == [], ref.scenario.name
