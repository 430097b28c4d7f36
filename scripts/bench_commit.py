#!/usr/bin/python3
"""bench_commit.py (`make bench-commit`): what the commit protocol costs, against the old one.

Times sweeps of tiny configs (hidden 4, 1 epoch: almost nothing but commits) at -j 2 with the
current ordering (a config's status written only once its rows are durable, in batches) and
with the old one (rows, flush, status, flush at every commit: SWEEP_COMMIT_ORDER=legacy), the
same binary, alternating runs, best of REPEATS each (the machine may be shared):
  - 10,000 configs: the new ordering's wall time as a share of the old one's (at most 1.02);
  - 100,000 configs: the same ratio (at most 0.5).
With BASELINE_BIN=path (an unchanged build of the code before the new ordering) the 100,000
are also timed with it. Environment: SWEEP_BIN (default ./sweep), BENCH_REPEATS (default 5).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SWEEP = Path(os.environ.get("SWEEP_BIN", str(REPO / "sweep")))
if not SWEEP.is_absolute():
    SWEEP = REPO / SWEEP
REPEATS = max(1, int(os.environ.get("BENCH_REPEATS", "5")))
BASELINE = os.environ.get("BASELINE_BIN")


def timed(binary, spec, out, env):
    full = dict(os.environ)
    full.update(env)
    t0 = time.perf_counter()
    r = subprocess.run([str(binary), "-q", "-j", "2", "--force", str(spec), "-o", str(out)], env=full,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench_commit: {binary} failed ({r.returncode}): {r.stderr.decode().strip()}")
    return wall


def main():
    variants = [("new", SWEEP, {}), ("old", SWEEP, {"SWEEP_COMMIT_ORDER": "legacy"})]
    print(f"{SWEEP}, -j 2, best of {REPEATS} alternating runs per variant")
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-commit-") as d:
        tmp = Path(d)
        for n, limit in ((10_000, 1.02), (100_000, 0.5)):
            spec = tmp / f"tiny{n}.yaml"
            spec.write_text(f"grid:\n  hidden_dim: 4\n  epochs: 1\n  seed: {{range: [0, {n}]}}\n")
            runs = variants + ([("unchanged", Path(BASELINE), {})] if BASELINE and n == 100_000 else [])
            best = {}
            for _ in range(REPEATS):
                for name, binary, env in runs:
                    w = timed(binary, spec, tmp / "out.h5", env)
                    best[name] = min(best.get(name, w), w)
            ratio = best["new"] / best["old"]
            good = ratio <= limit
            ok &= good
            line = "  ".join(f"{name} {best[name]:.3f} s" for name, _, _ in runs)
            print(f"{n:>7,} tiny configs: {line}  new/old {ratio:.3f} (at most {limit}: {'ok' if good else 'NO'})"
                  + (f"  new/unchanged {best['new'] / best['unchanged']:.3f}" if "unchanged" in best else ""))
            print(f"         per config: new {best['new'] / n * 1e6:.1f} us, old {best['old'] / n * 1e6:.1f} us")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
