#!/usr/bin/env python3
"""faults.py: a failing disk at every write-like call of a sweep, a resume and a merge.

For each scenario (tests/faultsim/faultsim.py: a sweep with folds, shared prefixes and seed
statistics; `--resume` of its half-finished file; `sweep merge` of its two shards), counts the
write-like calls ("sites") the unfaulted run makes on its results file, then runs it once per
site and mode with that site failing (once: a transient error; dead: that call and every later
one; ENOSPC or EIO) and holds each outcome to the contract: exit 1 with two lines naming the
file and the error, or exit 0 with exactly the unfaulted file; the file readable with its
finished rows right; `complete` only with its derived data; a rerun without faults ending in
the unfaulted file. Prints the table and every failing site grouped by what went wrong.
Exit status 1 when any site fails. `make faults` runs it all; tests/test_faults.py a stride.

  scripts/faults.py [--scenario sweep|resume|merge]... [--mode once-ENOSPC|...]... [--stride K]
                    [--sites N,M,...] [--jobs J] [--dir DIR] [--verbose]
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "faultsim"))
import faultsim  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", action="append", choices=list(faultsim.SCENARIOS))
    ap.add_argument("--mode", action="append", choices=[f"{m}-{e}" for m, e in faultsim.MODES])
    ap.add_argument("--stride", type=int, default=1, help="every K-th site only")
    ap.add_argument("--sites", help="these sites only (comma-separated)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("FAULTS_JOBS", "2")))
    ap.add_argument("--dir", help="work folder (default: a temporary one, removed)")
    ap.add_argument("--verbose", action="store_true", help="one line per failing run, with its stderr")
    a = ap.parse_args()
    if not faultsim.SHIM.is_file():
        sys.exit(f"{faultsim.SHIM} is missing: make {faultsim.SHIM.relative_to(faultsim.REPO)}")
    scenarios = a.scenario or list(faultsim.SCENARIOS)
    modes = [tuple(m.split("-")) for m in a.mode] if a.mode else list(faultsim.MODES)
    only = {int(s) for s in a.sites.split(",")} if a.sites else None

    def pick(ref, mode, err):
        return [n for n in range(1, len(ref.sites) + 1) if (n - 1) % a.stride == 0 and (only is None or n in only)]

    t0 = time.monotonic()

    def progress(k, total, out):
        if a.verbose and out.kind == "BAD":
            print(f"{out.scenario} {out.mode} {out.err} site {out.n} ({out.what}): {'; '.join(out.problems)}"
                  f"\n    stderr: {out.stderr[:300]!r}", flush=True)
        if k % 100 == 0 or k == total:
            print(f"  {k}/{total} runs, {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        refs, outcomes = faultsim.run_matrix(a.dir or tmp, scenarios, modes, pick, a.jobs, progress=progress)
    table, detail = faultsim.summarize(refs, outcomes)
    print(f"sweep binary {faultsim.sweep_bin()}; {len(outcomes)} faulted runs in {time.monotonic() - t0:.0f} s\n")
    print(table)
    if detail:
        print("\nFailing sites (site numbers as counted by the shim; what the reference run's call wrote):")
        print(detail)
    sys.exit(1 if any(o.kind == "BAD" for o in outcomes) else 0)


if __name__ == "__main__":
    main()
