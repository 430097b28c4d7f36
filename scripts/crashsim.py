#!/usr/bin/python3
"""crashsim.py (`make crashsim`): the power-cut simulator's long run, for the numbers.

Records RUNS sweeps of a few hundred configs under the LD_PRELOAD shim (build/crashsim.so),
rebuilds STATES power-cut states from each (tests/crashsim/crashsim.py: everything up to the
start of the last completed fsync, plus any subset of the later writes torn at 4 KiB pages;
a quarter of the crash moments in the run's last events, where the file's metadata is
rewritten), and checks every state: h5py opens it, and every config it marks finished holds
bitwise what the uninterrupted run wrote. Then the same against the old ordering
(SWEEP_COMMIT_ORDER=legacy), which the simulator must catch.

    scripts/crashsim.py [--runs 5] [--states 500] [--legacy-states 200] [-j 2] [--seed 1]

Exit status 0 when the new ordering shows no fault and the old one does; 1 otherwise.
Environment: SWEEP_BIN (default ./sweep).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "crashsim"))
import crashsim  # noqa: E402

SWEEP = Path(os.environ.get("SWEEP_BIN", str(REPO / "sweep")))
if not SWEEP.is_absolute():
    SWEEP = REPO / SWEEP
SHIM = REPO / "build" / "crashsim.so"

# 320 configs, initial weights saved too: about two seconds at -j 2, several syncer rounds.
SPEC = """\
save_initial_weights: true
grid:
  hidden_dim: [16, 48]
  learning_rate: [0.05, 0.3]
  batch_size: [32, 128]
  epochs: [60, 120]
  seed: {range: [0, 20]}
"""


def one(tmp, i, order, states, threads, seed):
    out, log = tmp / f"{order}-{i}.h5", tmp / f"{order}-{i}.log"
    env = {"SWEEP_COMMIT_ORDER": "legacy"} if order == "legacy" else {}
    t0 = time.monotonic()
    r = crashsim.record([SWEEP, "-q", "-j", str(threads), tmp / "spec.yaml", "-o", out], out, log, SHIM, env=env)
    if r.returncode != 0:
        sys.exit(f"crashsim: the sweep failed ({r.returncode}): {r.stderr.decode().strip()}")
    wall = time.monotonic() - t0
    res = crashsim.simulate(log, out, out, states, seed + i)
    out.unlink()
    log.unlink()
    return wall, res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--states", type=int, default=500, help="states per run, new ordering")
    ap.add_argument("--legacy-states", type=int, default=200, help="states per run, old ordering")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not SHIM.is_file():
        sys.exit(f"crashsim: {SHIM} is missing; run `make build/crashsim.so`")
    print(f"{a.runs} runs of a 320-config sweep at -j {a.j} ({SWEEP}); states per run: "
          f"{a.states} (new ordering), {a.legacy_states} (old ordering)")
    print(f"{'ordering':9} {'run':>3} {'wall s':>7} {'fsyncs':>6} {'events':>7} {'states':>6} {'torn':>5} "
          f"{'unopenable':>10} {'finished':>9} {'wrong states':>12} {'wrong configs':>13}")
    totals = {}
    with tempfile.TemporaryDirectory(prefix="crashsim-") as d:
        tmp = Path(d)
        (tmp / "spec.yaml").write_text(SPEC)
        for order, states in (("new", a.states), ("legacy", a.legacy_states)):
            t = totals.setdefault(order, dict(states=0, unopenable=0, finished=0, wrong_states=0, wrong_configs=0))
            for i in range(a.runs):
                wall, r = one(tmp, i, order, states, a.j, a.seed)
                for k in t:
                    t[k] += r[k]
                print(f"{order:9} {i:3} {wall:7.2f} {r['syncs']:6} {r['events']:7} {r['states']:6} {r['with_torn']:5} "
                      f"{r['unopenable']:10} {r['finished']:9} {r['wrong_states']:12} {r['wrong_configs']:13}", flush=True)
    for order, t in totals.items():
        print(f"{order:9} total: {t['states']} states, {t['unopenable']} h5py could not open, "
              f"{t['finished']} finished configs checked, {t['wrong_states']} states with a finished config "
              f"whose rows differ ({t['wrong_configs']} such configs)")
    new, old = totals["new"], totals["legacy"]
    ok = new["unopenable"] == 0 and new["wrong_configs"] == 0 and old["wrong_configs"] > 0
    print("ok: no fault under the new ordering; the old ordering's faults found" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
