#!/usr/bin/env python3
"""damaged_files.py: damaged copies of a small results file given to every command that reads
one (tests/damaged/damage.py), and a table of what happened: read, refused cleanly, refused
otherwise, hung, crashed in sweep's code, crashed inside HDF5.

  scripts/damaged_files.py [--variants N] [--seed S] [--jobs J] [--command report|...]...
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "damaged"))
import damage  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", type=int, default=400)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("FAULTS_JOBS", "2")))
    ap.add_argument("--command", action="append", choices=damage.COMMANDS)
    ap.add_argument("--timeout", type=int, default=damage.TIMEOUT)
    a = ap.parse_args()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="damaged-") as tmp:
        runs, descriptions = damage.run_all(tmp, a.variants, a.seed, a.command or damage.COMMANDS, a.jobs, a.timeout)
    table, crashes, odd = damage.summarize(runs, descriptions)
    print(f"sweep binary {damage.sweep_bin()}; {a.variants} variants (seed {a.seed}), {len(runs)} runs "
          f"in {time.monotonic() - t0:.0f} s\n")
    print(table)
    if crashes:
        print("\nCrashes, hangs and leaks (innermost frame of ours first):")
        print(crashes)
    if odd:
        print("\nRefusals that are not exit 2 with one line naming the file:")
        print(odd)
    sys.exit(1 if any(r.kind in ("crash-sweep", "crash-other", "hang-sweep", "hang-other") for r in runs) else 0)


if __name__ == "__main__":
    main()
