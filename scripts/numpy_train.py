#!/usr/bin/python3
"""numpy_train.py: the training of DESIGN section 3 written independently in float64 NumPy,
for benchmarking sweep against it (scripts/bench.py) and as a cross-check of its results.

It retrains configs of a sweep results file from that file's own split, scaling and initial
weights (the spec must have save_initial_weights: true, and the data must be the built-in
breast_cancer set or a CSV given with --csv), times the training alone, and compares the
curves and final weights with the file's (relative 1e-9).

    numpy_train.py RESULTS.h5 [--configs N] [--epochs E] [--csv PATH] [--json]

With --epochs E it trains only the first E epochs of each config (the time per epoch does not
change along a run) and compares that much of the curves, not the final weights.

For a fair single-core timing, run it with OPENBLAS_NUM_THREADS=1 (bench.py does, and also
limits every BLAS pool to 1 thread with threadpoolctl where that is installed).
"""

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parent.parent
CURVES = ("train_loss", "train_acc", "test_loss", "test_acc")


def blas_info(limit_threads=None):
    """[(library, architecture, threads)] of the BLAS pools numpy loaded; limits them to
    limit_threads when given. Empty when threadpoolctl is absent."""
    try:
        import threadpoolctl
    except ImportError:
        return [], None
    ctl = threadpoolctl.threadpool_limits(limits=limit_threads) if limit_threads else None
    info = [(i.get("internal_api"), i.get("architecture"), i.get("num_threads"))
            for i in threadpoolctl.threadpool_info()]
    return info, ctl


def load_csv(path):
    """(X, y) of a CSV with a header row and the label in the last column."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh, skipinitialspace=True) if any(c.strip() for c in r)]
    data = np.array([[float(c) for c in r] for r in rows[1:]], dtype=np.float64)
    return np.ascontiguousarray(data[:, :-1]), np.ascontiguousarray(data[:, -1])


def evaluate(W1, b1, W2, b2, X, y):
    z = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2
    loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
    acc = np.mean((1.0 / (1.0 + np.exp(-z)) >= 0.5) == (y == 1.0))
    return float(loss), float(acc)


def train(cfg, W1, b1, W2, b2, Xtr, ytr, Xte, yte, epochs):
    """Mini-batch SGD as DESIGN section 3 says, for the given number of epochs. Returns
    (curves (4, epochs), weights, epochs run)."""
    lr, B, n = float(cfg["learning_rate"]), int(cfg["batch_size"]), len(ytr)
    if cfg["shuffle"]:
        raise SystemExit("numpy_train.py: shuffle is not supported here (it needs the project's "
                         "RNG, which tests/test_numpy_reference.py reimplements)")
    curves = np.full((4, epochs), np.nan)
    batches = [(Xtr[s:s + B], ytr[s:s + B]) for s in range(0, n, B)]
    ran = 0
    with np.errstate(all="ignore"):
        for e in range(epochs):
            for X, y in batches:
                A1 = np.maximum(X @ W1 + b1, 0.0)
                z2 = A1 @ W2 + b2
                dz2 = (1.0 / (1.0 + np.exp(-z2)) - y) / len(y)
                dZ1 = np.outer(dz2, W2)
                dZ1 *= A1 > 0.0
                W1 -= lr * (X.T @ dZ1)
                b1 -= lr * dZ1.sum(axis=0)
                W2 -= lr * (A1.T @ dz2)
                b2 -= lr * dz2.sum()
            curves[:, e] = evaluate(W1, b1, W2, b2, Xtr, ytr) + evaluate(W1, b1, W2, b2, Xte, yte)
            ran = e + 1
            if not (np.isfinite(curves[0, e]) and np.isfinite(curves[2, e]) and np.isfinite(W1).all()
                    and np.isfinite(b1).all() and np.isfinite(W2).all() and np.isfinite(b2)):
                break
    return curves, (W1, b1, W2, b2), ran


def worst_rel(a, b, atol=1e-12):
    a, b = np.atleast_1d(np.asarray(a, dtype=np.float64)), np.atleast_1d(np.asarray(b, dtype=np.float64))
    both_nan = np.isnan(a) & np.isnan(b)
    d = np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), atol)
    d[both_nan] = 0.0
    return float(np.max(d)) if d.size else 0.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--configs", type=int, default=None, help="retrain only the first N configs")
    ap.add_argument("--epochs", type=int, default=None, help="train only the first E epochs")
    ap.add_argument("--csv", default=str(REPO / "src" / "breast_cancer.csv"))
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = ap.parse_args(argv)

    info, _ctl = blas_info(args.threads)
    X_raw, y_raw = load_csv(args.csv)
    out = {"blas": info, "configs": [], "seconds": [], "cpu_seconds": [], "epochs": [],
           "worst_rel_diff": 0.0}
    with h5py.File(args.results, "r") as f:
        tr, te = f["data/train_index"][:], f["data/test_index"][:]
        off, sc = f["data/feature_offset"][:], f["data/feature_scale"][:]
        Xtr = np.ascontiguousarray((X_raw[tr] - off) * sc)
        Xte = np.ascontiguousarray((X_raw[te] - off) * sc)
        ytr, yte = y_raw[tr], y_raw[te]
        if "initial_weights" not in f:
            raise SystemExit("numpy_train.py: the results file has no initial_weights "
                             "(set save_initial_weights: true in the spec)")
        configs = f["configs"][:]
        n = len(configs) if args.configs is None else min(args.configs, len(configs))
        for cfg in configs[:n]:
            g, row = f"hidden_{cfg['hidden_dim']}", cfg["weights_row"]
            W1, b1, W2 = (np.array(f[f"initial_weights/{g}/{k}"][row], dtype=np.float64)
                          for k in ("W1", "b1", "W2"))
            b2 = np.float64(f[f"initial_weights/{g}/b2"][row])
            epochs = int(cfg["epochs"]) if args.epochs is None else min(args.epochs, int(cfg["epochs"]))
            t0, c0 = time.perf_counter(), time.process_time()
            curves, weights, ran = train(cfg, W1, b1, W2, b2, Xtr, ytr, Xte, yte, epochs)
            out["seconds"].append(time.perf_counter() - t0)
            out["cpu_seconds"].append(time.process_time() - c0)
            out["configs"].append(int(cfg["id"]))
            out["epochs"].append(ran)
            i = int(cfg["id"])
            worst = 0.0
            for c, name in enumerate(CURVES):
                worst = max(worst, worst_rel(f["curves/" + name][i][:ran], curves[c, :ran]))
            if epochs == int(cfg["epochs"]):
                for k, w in zip(("W1", "b1", "W2", "b2"), weights):
                    worst = max(worst, worst_rel(f[f"weights/{g}/{k}"][row], w))
            out["worst_rel_diff"] = max(out["worst_rel_diff"], worst)
    if args.json:
        print(json.dumps(out))
    else:
        for i, s, e in zip(out["configs"], out["seconds"], out["epochs"]):
            print(f"config {i}: {e} epochs in {s:.3f} s")
        print(f"BLAS: {info or 'unknown (threadpoolctl absent)'}")
        print(f"worst relative difference from the file: {out['worst_rel_diff']:.2e}")
    return 0 if out["worst_rel_diff"] <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
