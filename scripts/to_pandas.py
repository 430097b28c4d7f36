#!/usr/bin/python3
"""to_pandas.py: a sweep results file as tidy pandas DataFrames, for pandas and seaborn.

As a module (put scripts/ on sys.path, or copy this file and sweep_axes.py beside your notebook):

    from to_pandas import tidy, configs
    df = tidy("results/grid.h5")        # one row per config and epoch
    cf = configs("results/grid.h5")     # one row per config: /configs joined with /summary

tidy() has the columns id, the axes in their fixed order (sweep_axes.AXES: hidden_dim, ...,
min_delta; the name axes' names as categories in the spec's order, sweep_axes.NAMES: sgd,
momentum, nesterov, adam, adamw; relu, tanh, leaky_relu; normal, xavier_uniform, he_normal),
the data split (repeat, fold), status
("done", "diverged", ...), epoch
(0-based, as in the file) and the curves train_loss, train_acc, test_loss, test_acc (and
val_loss, val_acc when the file has validation folds); each config has `epochs` rows. Configs
still pending (a sweep still running, or interrupted) are left out unless include_pending is
true; a diverged config keeps its rows, NaN from the epoch it diverged.

The task (DESIGN section 7) is the file's: for regression every acc is r2 (the curves
train_r2, test_r2, val_r2; the columns final_train_r2, final_test_r2, best_test_r2,
final_val_r2), for classification acc. Both frames carry it in .attrs: task ("binary",
"multiclass" or "regression"), n_classes (0 for regression), classes (the class names in class
order, from /data/classes) and score ("acc" or "r2"); task_info(path) gives the same dict.
Files of format_version 1 and 2 are binary with the classes 0 and 1.

    curves_xarray("results/iris.h5")   # the curves as an xarray Dataset (config, epoch), the
                                       # axes as coordinates along config, the task in .attrs

As a command, it writes the tidy table as CSV (to stdout, or to -o PATH; .parquet also works
when pyarrow is installed):

    to_pandas.py results/grid.h5 -o grid_curves.csv
    to_pandas.py results/grid.h5 --configs        # the per-config table instead
"""

import argparse
import os
import sys

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")   # a sweep may be writing the file

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep_axes import AXES, DEFAULTS, NAMES, V2_AXES  # noqa: E402

# /configs stores the name axes as names (fixed-length strings, bytes in h5py): categories
# here. What a file from before the recipe axes ran with:
RECIPE_DEFAULTS = {a: DEFAULTS[a] for a in V2_AXES}
SPLIT = ("repeat", "fold")
CURVES = ("train_loss", "train_acc", "test_loss", "test_acc")        # a classification file's
VAL_CURVES = ("val_loss", "val_acc")
TASKS = ("binary", "multiclass", "regression")
STATUS = {0: "pending", 1: "done", 2: "diverged", 3: "failed", 4: "pruned"}


def _status_column(codes):
    return pd.Categorical([STATUS.get(int(s), "failed") for s in codes],
                          categories=list(STATUS.values()))


def _axis(cf, a, rows=slice(None)):
    """One axis of /configs for the given rows: names as categories, the recipe's defaults for a
    file without its columns."""
    n = len(cf["id"][rows])
    if a not in cf.dtype.names:
        v = RECIPE_DEFAULTS[a]
        return pd.Categorical([v] * n, categories=NAMES[a]) if a in NAMES else np.full(n, v)
    col = cf[a][rows]
    if a in NAMES:
        return pd.Categorical([x.decode() if isinstance(x, bytes) else x for x in col], categories=NAMES[a])
    return col


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _task_info(f):
    a = f["data"].attrs
    task = _text(a["task"]) if "task" in a else "binary"
    if task not in TASKS:
        raise KeyError(f"/data: unknown task {task!r}")
    classes = [] if task == "regression" else (
        [_text(c) for c in f["data/classes"][:]] if "classes" in f["data"] else ["0", "1"])
    return dict(task=task, n_classes=int(a.get("n_classes", len(classes))) if task != "regression" else 0,
                classes=classes, score="r2" if task == "regression" else "acc")


def task_info(path):
    """{task, n_classes, classes, score} of a results file (format_version 1 and 2: binary)."""
    with h5py.File(path, "r") as f:
        return _task_info(f)


def curve_names(score, validation):
    """The curves of a file: train_loss, train_<score>, test_loss, test_<score> (and val_...)."""
    parts = ("train", "test", "val") if validation else ("train", "test")
    return tuple(f"{p}_{k}" for p in parts for k in ("loss", score))


def configs(path, include_pending=True):
    """One row per config: /configs joined with /summary (status and names as categories)."""
    with h5py.File(path, "r") as f:
        raw = f["configs"][:]
        sm = pd.DataFrame(f["summary"][:])
        info = _task_info(f)
    cf = pd.DataFrame(raw)
    for a in NAMES.keys() | RECIPE_DEFAULTS.keys():
        cf[a] = _axis(raw, a)
    cols = ["id"] + [a for a in AXES] + [c for c in cf.columns if c not in AXES and c != "id"]
    df = cf[cols].merge(sm, on="id")
    df["shuffle"] = df["shuffle"].astype(bool)
    df["status"] = _status_column(df["status"])
    if not include_pending:
        df = df[df["status"] != "pending"].reset_index(drop=True)
    df.attrs.update(info)
    return df


def tidy(path, include_pending=False):
    """One row per config and epoch (see the module's help)."""
    with h5py.File(path, "r") as f:
        cf = f["configs"][:]
        status = f["summary"]["status"]
        keep = np.ones(len(cf), dtype=bool) if include_pending else status != 0
        ids = np.flatnonzero(keep)
        epochs = cf["epochs"][ids].astype(np.int64)
        width = int(epochs.max()) if len(ids) else 0
        # Rows in one read per curve; h5py wants increasing indices, which flatnonzero gives.
        info = _task_info(f)
        names = curve_names(info["score"], "val_loss" in f["curves"])
        curves = {k: (f["curves"][k][ids, :width] if len(ids) else np.empty((0, 0))) for k in names}
    in_run = np.arange(width)[None, :] < epochs[:, None]          # (n, width): epochs of each config
    row_of = np.repeat(np.arange(len(ids)), epochs)
    out = {"id": cf["id"][ids][row_of]}
    for a in AXES + tuple(a for a in SPLIT if a in cf.dtype.names):
        out[a] = _axis(cf, a, ids)[row_of]
    out["shuffle"] = out["shuffle"].astype(bool)
    out["status"] = _status_column(status[ids][row_of])
    out["epoch"] = np.nonzero(in_run)[1]
    for k in names:
        out[k] = curves[k][in_run]
    df = pd.DataFrame(out)
    df.attrs.update(info)
    return df


def curves_xarray(path, include_pending=False):
    """The curves as an xarray Dataset over (config, epoch), read with h5py (no netCDF engine
    needed): coordinates config (the ids), epoch (0-based), and along config every axis, repeat,
    fold and status; the data variables are the file's curves (train_loss, train_acc or
    train_r2, ...); .attrs holds task, n_classes, classes and score. Pending configs are left
    out unless include_pending."""
    import xarray as xr
    with h5py.File(path, "r") as f:
        cf = f["configs"][:]
        status = f["summary"]["status"]
        info = _task_info(f)
        names = curve_names(info["score"], "val_loss" in f["curves"])
        ids = np.arange(len(cf)) if include_pending else np.flatnonzero(status != 0)
        width = f["curves"][names[0]].shape[1]
        data = {k: (("config", "epoch"), f["curves"][k][ids, :] if len(ids) else np.empty((0, width)))
                for k in names}
    coords = {"config": cf["id"][ids], "epoch": np.arange(width)}
    for a in AXES + tuple(a for a in SPLIT if a in cf.dtype.names):
        v = _axis(cf, a, ids)
        coords[a] = ("config", np.asarray(v.astype(str)) if isinstance(v, pd.Categorical) else np.asarray(v))
    coords["status"] = ("config", np.asarray(_status_column(status[ids]).astype(str)))
    attrs = dict(info, classes=list(info["classes"]))
    return xr.Dataset(data, coords=coords, attrs=attrs)


def main(argv=None):
    p = argparse.ArgumentParser(prog="to_pandas.py", description=__doc__.split("\n\n")[0])
    p.add_argument("file", help="a sweep results file (.h5)")
    p.add_argument("-o", "--output", help="CSV (or .parquet) to write; default: CSV on stdout")
    p.add_argument("--configs", action="store_true", help="one row per config instead of per epoch")
    p.add_argument("--include-pending", action="store_true", help="keep configs that have not finished")
    a = p.parse_args(argv)
    try:
        df = configs(a.file, a.include_pending) if a.configs else tidy(a.file, a.include_pending)
    except (OSError, KeyError) as e:
        print(f"to_pandas.py: {a.file}: not a readable sweep results file ({e})", file=sys.stderr)
        return 2
    if a.output and a.output.endswith(".parquet"):
        df.to_parquet(a.output, index=False)
    else:
        try:
            df.to_csv(a.output if a.output else sys.stdout, index=False)
        except BrokenPipeError:   # `| head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
