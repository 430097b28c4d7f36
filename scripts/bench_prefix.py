#!/usr/bin/python3
"""bench_prefix.py (`make bench-prefix`): what shared prefixes save, measured side by side.

A sweep over epochs: [100, 200, 400, 800] trains each trajectory once, to 800 epochs, and
commits the shorter configs on the way; without sharing it would cost (100+200+400+800)/800 =
1.875 times the 800-only sweep. This times both sweeps (best of BENCH_REPEATS alternating
runs, -j every core) and prints the ratio, which should be at most 1.1, then checks that the
800-epoch configs of the two files are bitwise identical (curves, weights, summary).
Environment: SWEEP_BIN (default ./sweep), BENCH_REPEATS (default 3).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parent.parent
SWEEP = Path(os.environ.get("SWEEP_BIN", str(REPO / "sweep")))
REPEATS = max(1, int(os.environ.get("BENCH_REPEATS", "3")))
SPEC = """\
grid:
  hidden_dim: [16, 32]
  learning_rate: [0.01, 0.1]
  batch_size: 32
  epochs: {epochs}
  seed: {{range: [0, 4]}}
"""


def run(spec, out):
    t0 = time.perf_counter()
    subprocess.run([str(SWEEP), "-q", "--force", str(spec), "-o", str(out)], check=True)
    return time.perf_counter() - t0


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shared, alone = tmp / "shared.yaml", tmp / "alone.yaml"
        shared.write_text(SPEC.format(epochs="[100, 200, 400, 800]"))
        alone.write_text(SPEC.format(epochs="800"))
        best = {"shared": float("inf"), "alone": float("inf")}
        for _ in range(REPEATS):
            best["alone"] = min(best["alone"], run(alone, tmp / "alone.h5"))
            best["shared"] = min(best["shared"], run(shared, tmp / "shared.h5"))
        ratio = best["shared"] / best["alone"]
        print(f"epochs [100, 200, 400, 800]: {best['shared']:.2f} s; epochs 800: {best['alone']:.2f} s; "
              f"ratio {ratio:.3f} (target <= 1.1; 1.875 without sharing)")
        with h5py.File(tmp / "shared.h5", "r") as fs, h5py.File(tmp / "alone.h5", "r") as fa:
            cs, ca = fs["configs"][:], fa["configs"][:]
            long_ids = np.flatnonzero(cs["epochs"] == 800)
            assert len(long_ids) == len(ca)
            for j, i in enumerate(long_ids):
                for name in ("train_loss", "test_loss", "train_acc", "test_acc"):
                    assert np.array_equal(fs["curves"][name][i], fa["curves"][name][j], equal_nan=True)
                h, rs, ra = cs["hidden_dim"][i], cs["weights_row"][i], ca["weights_row"][j]
                for w in ("W1", "b1", "W2", "b2"):
                    assert np.array_equal(fs[f"weights/hidden_{h}/{w}"][rs], fa[f"weights/hidden_{h}/{w}"][ra])
        print(f"the {len(long_ids)} 800-epoch configs of both files are bitwise identical")
        return 0 if ratio <= 1.1 else 1


if __name__ == "__main__":
    sys.exit(main())
