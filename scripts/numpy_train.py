#!/usr/bin/python3
"""numpy_train.py: the training of DESIGN sections 3 and 7 written independently in float64
NumPy (scripts/numpy_reference.py, which the tests share), for benchmarking sweep against it
(scripts/bench.py) and as a cross-check of its results.

It retrains configs of a sweep results file from that file's own split, folds, scalings
(features, and for regression the targets) and initial weights (the spec must have
save_initial_weights: true), for any task the file holds (binary, multiclass, regression) and
any training recipe, times the training alone, and compares the curves and final weights with
the file's (relative 1e-9, or 1e-12 absolute for values below 1e-3). The data: a built-in source from src/<name>.csv; a CSV source from
--csv (default: /data's source as a path), its label column from --label (default: the spec's
data.label, else the last column).

    numpy_train.py RESULTS.h5 [--configs N] [--epochs E] [--csv PATH] [--label NAME] [--json]

With --epochs E it trains only the first E epochs of each config (the time per epoch does not
change along a run) and compares that much of the curves, not the final weights.

For a fair single-core timing, run it with OPENBLAS_NUM_THREADS=1 (bench.py does, and also
limits every BLAS pool to 1 thread with threadpoolctl where that is installed).
"""

import argparse
import json
import os
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_reference as ref  # noqa: E402


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


def worst_rel(a, b, floor=1e-3):
    """The largest |a - b| / max(|a|, |b|, floor): relative, but absolute (scaled by 1/floor) for
    values near 0, whose relative difference means nothing (an R2 crossing 0). With the floor
    1e-3, <= 1e-9 is the tests' criterion: within 1e-9 relative or 1e-12 absolute."""
    a, b = np.atleast_1d(np.asarray(a, dtype=np.float64)), np.atleast_1d(np.asarray(b, dtype=np.float64))
    if a.shape != b.shape:
        return float("inf")
    both_nan = np.isnan(a) & np.isnan(b)
    d = np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    d[both_nan] = 0.0
    d[np.isnan(d)] = np.inf   # NaN on one side only
    return float(np.max(d)) if d.size else 0.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--configs", type=int, default=None, help="retrain only the first N configs")
    ap.add_argument("--epochs", type=int, default=None, help="train only the first E epochs")
    ap.add_argument("--csv", default=None, help="the CSV of a CSV source (default: /data's source)")
    ap.add_argument("--label", default=None, help="its label column (default: the spec's, else the last)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    args = ap.parse_args(argv)

    info, _ctl = blas_info(args.threads)
    out = {"blas": info, "configs": [], "seconds": [], "cpu_seconds": [], "epochs": [],
           "worst_rel_diff": 0.0}
    with h5py.File(args.results, "r") as f:
        if "initial_weights" not in f:
            raise SystemExit("numpy_train.py: the results file has no initial_weights "
                             "(set save_initial_weights: true in the spec)")
        X_raw, y_raw, task = ref.file_source(f, args.csv, args.label)
        head = ref.file_head(f)
        names = ref.curve_names(task, "val_loss" in f["curves"])
        out["task"], out["n_out"] = task, head.n_out
        configs = f["configs"][:]
        n = len(configs) if args.configs is None else min(args.configs, len(configs))
        sets_of = {}
        for cfg in configs[:n]:
            key = (int(cfg["repeat"]), int(cfg["fold"]))
            if key not in sets_of:
                sets_of[key] = ref.split_sets(f, X_raw, y_raw, *key)
            init = ref.config_weights(f, cfg, "initial_weights")
            epochs = int(cfg["epochs"]) if args.epochs is None else min(args.epochs, int(cfg["epochs"]))
            c = dict(ref.config(cfg), epochs=epochs, patience=int(cfg["patience"]) if args.epochs is None
                     and "patience" in cfg.dtype.names else 0)
            t0, c0 = time.perf_counter(), time.process_time()
            curves, weights, _, summary = ref.train(c, init, head, *sets_of[key], epochs)
            out["seconds"].append(time.perf_counter() - t0)
            out["cpu_seconds"].append(time.process_time() - c0)
            out["configs"].append(int(cfg["id"]))
            ran = summary["epochs_run"]
            out["epochs"].append(ran)
            i = int(cfg["id"])
            worst = 0.0
            for k, name in enumerate(names):
                worst = max(worst, worst_rel(f["curves/" + name][i][:ran], curves[k, :ran]))
            if epochs == int(cfg["epochs"]):
                g, row = f"hidden_{cfg['hidden_dim']}", cfg["weights_row"]
                for k, w in zip(("W1", "b1", "W2", "b2"), ref.to_file(*weights)):
                    worst = max(worst, worst_rel(f[f"weights/{g}/{k}"][row], w))
            out["worst_rel_diff"] = max(out["worst_rel_diff"], worst)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"task {task}, {head.n_out} output{'s' if head.n_out > 1 else ''}")
        for i, s, e in zip(out["configs"], out["seconds"], out["epochs"]):
            print(f"config {i}: {e} epochs in {s:.3f} s")
        print(f"BLAS: {info or 'unknown (threadpoolctl absent)'}")
        print(f"worst relative difference from the file: {out['worst_rel_diff']:.2e}")
    return 0 if out["worst_rel_diff"] <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
