#!/usr/bin/python3
"""plot.py: pictures of a sweep results file (learning curves and heatmaps) as PNG or SVG.

    plot.py FILE.h5 [-o DIR] [--svg] [--id ID...] [--where AXIS=VALUE...]
                    [--heatmap AX1 AX2] [--metric COLUMN]

With only the file it draws the learning curves of the best setting and a heatmap of the
metric over the two swept axes with the most values. The metric is the one `sweep report`
ranks on: final_val_loss when the file has validation folds, else final_test_loss (--metric
picks another); the best setting has the best mean of it over its done configs (ties: the
first). --id and --where select configs and draw their learning curves (the tutorial's two
plots: cost and the task's score per epoch; train solid, validation dotted, test dashed), one line
per setting (every axis but seed, repeat and fold) with a mean +- std band over its
replicates (seeds and splits). --heatmap draws the mean of the metric over AX1 (x) and AX2
(y), averaged over every other axis; with --id or --where it averages over the selected
configs only (and draws no curves). An axis with more than 12 values (a random search's
draws) makes it a scatter: one point per setting at its two values, coloured by the
setting's mean. Settings from different sub-grids are cells (or points) like any other; a
cell no config reaches is grey, "n/a".

The task is the file's (DESIGN section 7): binary and multiclass draw the cost (mean binary or
multi-class cross-entropy) and accuracy; regression the cost (mean squared error, in the
standardised target's unit unless the spec says target_scale: none) and R2, and its metrics
are named r2 (final_val_r2, final_test_r2, best_test_r2, final_train_r2); a metric of the other
task is a usage error. Titles name the classes (from /data/classes). Files of format_version 1
and 2 are binary.

Only configs that finished (status done) are averaged; diverged, failed and pending ones are
counted in the titles. The file may still be being written. Pictures go to DIR (default: the
file's folder) as <file stem>_<what>.png; their paths are printed.

Exit status: 0, 1 on a runtime failure, 2 on bad usage (unknown axis, id or value, not a
results file).
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")   # a sweep may be writing the file

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep_axes import AXES, DEFAULTS, NAMES, REAL_AXES, SETTING_AXES, V2_AXES  # noqa: E402

# The name axes become their codes (their index in NAMES), so that they sort, group and index
# like the other axes, and print as names. What a file from before the recipe axes ran with:
RECIPE_DEFAULTS = {a: NAMES[a].index(DEFAULTS[a]) if a in NAMES else DEFAULTS[a] for a in V2_AXES}


def coded_configs(raw):
    """/configs with the name axes as codes (and the recipe's defaults where a file lacks them)."""
    fields = [(n, np.int64 if n in NAMES else raw.dtype[n]) for n in raw.dtype.names]
    fields += [(a, np.int64 if a in NAMES else np.float64) for a in RECIPE_DEFAULTS if a not in raw.dtype.names]
    out = np.zeros(len(raw), dtype=fields)
    for n, _ in fields:
        if n not in raw.dtype.names:
            out[n] = RECIPE_DEFAULTS[n]
        elif n in NAMES:
            names = [v.decode() if isinstance(v, bytes) else str(v) for v in raw[n]]
            unknown = sorted(set(names) - set(NAMES[n]))
            if unknown:
                raise UsageError(f"/configs: unknown {n} {unknown[0]!r}")
            out[n] = [NAMES[n].index(v) for v in names]
        else:
            out[n] = raw[n]
    return out
PENDING, DONE, DIVERGED, FAILED, PRUNED = 0, 1, 2, 3, 4
# The metrics of a file's task (DESIGN section 7): every acc name becomes r2 for regression.
TASKS = ("binary", "multiclass", "regression")
METRIC_FORMS = ("final_val_loss", "final_val_{s}", "best_val_loss", "final_test_{s}", "best_test_{s}",
                "final_test_loss", "final_train_loss", "final_train_{s}")
METRICS_OF = {s: tuple(m.format(s=s) for m in METRIC_FORMS) for s in ("acc", "r2")}
METRICS = METRICS_OF["acc"] + tuple(m for m in METRICS_OF["r2"] if m not in METRICS_OF["acc"])
SCORE_LABEL = {"acc": "accuracy", "r2": "R\u00b2"}
PART_LABEL = {"train": "train", "val": "validation", "test": "test"}


def metric_label(metric):
    """'final validation cost', 'best test R\u00b2', ..."""
    when, part, what = metric.split("_")
    return f"{when} {PART_LABEL[part]} {'cost' if what == 'loss' else SCORE_LABEL[what]}"


METRIC_LABEL = {m: metric_label(m) for m in METRICS}


def higher_is_better(metric):
    return metric.endswith(("acc", "r2"))


def score_of(task):
    """The task's score: acc (binary, multiclass) or r2 (regression)."""
    return "r2" if task == "regression" else "acc"


MAX_SETTINGS = 10


class UsageError(Exception):
    pass


def fmt(axis, v):
    """An axis value as the spec writes it."""
    if axis == "shuffle":
        return "true" if v else "false"
    if axis in NAMES:
        return NAMES[axis][int(v)]
    if axis in REAL_AXES:
        return f"{float(v):.15g}"
    return str(int(v))


def parse_value(axis, text):
    if axis in NAMES:
        if text.strip() in NAMES[axis]:
            return NAMES[axis].index(text.strip())
        raise UsageError(f"--where {axis}: expected one of {', '.join(NAMES[axis])}, found {text!r}")
    try:
        if axis == "shuffle":
            t = text.strip().lower()
            if t in ("true", "1", "yes"):
                return 1
            if t in ("false", "0", "no"):
                return 0
            raise ValueError
        if axis in REAL_AXES:
            return float(text)
        return int(text)
    except ValueError:
        kind = "true or false" if axis == "shuffle" else "a number" if axis in REAL_AXES else "a whole number"
        raise UsageError(f"--where {axis}: expected {kind}, found {text!r}") from None


def check_axis(name, option):
    if name not in AXES:
        raise UsageError(f"{option}: unknown axis {name!r}; the axes are {', '.join(AXES)}")
    return name


def matches(axis, column, value):
    if axis in REAL_AXES:
        return np.isclose(column, value, rtol=1e-9, atol=0.0)
    return column == value


class Results:
    """The tables of a results file; curves are read row by row on demand."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.f = h5py.File(path, "r")
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except OSError as e:
            raise UsageError(f"{path}: not an HDF5 file ({e})") from None
        fmt_attr = self.f.attrs.get("format")
        if isinstance(fmt_attr, bytes):
            fmt_attr = fmt_attr.decode()
        if fmt_attr != "sweep-results" or "configs" not in self.f or "summary" not in self.f:
            raise UsageError(f"{path}: not a sweep results file (no format = \"sweep-results\")")
        self.configs = coded_configs(self.f["configs"][:])
        self.summary = self.f["summary"][:]
        self.status = self.summary["status"]
        self.n = len(self.configs)
        self.values = {a: np.unique(self.configs[a]) for a in AXES}
        self.swept = [a for a in AXES if len(self.values[a]) > 1]
        self.name = self._spec_name()
        self.has_val = "val_loss" in self.f["curves"]
        self.task, self.n_classes, self.classes = task_of(self.f)
        self.score = score_of(self.task)
        self.metrics = METRICS_OF[self.score]
        parts = ("train", "val", "test") if self.has_val else ("train", "test")
        self.curve_names = tuple(f"{p}_{k}" for k in ("loss", self.score) for p in parts)
        self.has_test = bool(self.f["data"].attrs.get("n_test", 1))
        self.target_scale = spec_value(self.f, "target_scale") or "standard"

    def task_text(self):
        """The task in words, for titles: '3 classes: setosa, versicolor, virginica'."""
        if self.task == "regression":
            return "regression" + (", standardised target" if self.target_scale != "none" else "")
        names = ", ".join(self.classes[:10]) + (", ..." if len(self.classes) > 10 else "")
        if self.task == "binary":   # a 0/1 label says nothing more
            return f"binary: {names}" if self.classes not in ([], ["0", "1"]) else ""
        return f"{self.n_classes} classes: {names}"

    def title(self):
        """The sweep's name, and its task where that says something: 'iris (3 classes: ...)'."""
        t = self.task_text()
        return f"{self.name} ({t})" if t else self.name

    def loss_text(self):
        if self.task == "regression":
            unit = "standardised target" if self.target_scale != "none" else "target's unit"
            return f"cost (mean squared error, {unit})"
        return "cost (mean cross-entropy)" if self.task == "multiclass" else "cost (mean binary cross-entropy)"

    def _spec_name(self):
        spec = self.f.attrs.get("spec", "")
        if isinstance(spec, bytes):
            spec = spec.decode("utf-8", "replace")
        for line in spec.splitlines():
            if line.startswith("name:"):
                v = line[5:].split("#")[0].strip().strip("'\"")
                if v:
                    return v
        return self.path.stem

    def default_metric(self):
        """The report's: final_val_loss with validation folds, else final_test_loss."""
        return "final_val_loss" if self.has_val else "final_test_loss"

    def curves(self, ids):
        ids = np.sort(np.asarray(ids, dtype=np.int64))
        epochs = int(self.configs["epochs"][ids].max())
        return {k: self.f["curves"][k][ids, :epochs] for k in self.curve_names}

    def close(self):
        self.f.close()


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def task_of(f):
    """(task, K, class names) of an open results file: /data's task and n_classes attributes and
    /data/classes (format_version 3); a file of format_version 1 or 2 is binary, classes 0 and 1."""
    a = f["data"].attrs
    task = _text(a["task"]) if "task" in a else "binary"
    if task not in TASKS:
        raise UsageError(f"/data: unknown task {task!r}")
    if task == "regression":
        return task, 0, []
    classes = [_text(c) for c in f["data/classes"][:]] if "classes" in f["data"] else ["0", "1"]
    return task, int(a.get("n_classes", len(classes))), classes


def spec_value(f, key):
    """A data key's text in the recorded spec (a plain scan: no YAML library needed)."""
    spec = _text(f.attrs.get("spec", ""))
    in_data = False
    for line in spec.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            in_data = line.split("#")[0].strip() == "data:"
        elif in_data and line.strip().startswith(key + ":"):
            return line.split(":", 1)[1].split("#")[0].strip().strip("'\"")
    return None


def settings_of(res, ids):
    """Groups config ids by setting (every axis but seed, repeat and fold), in order of first id."""
    groups = {}
    for i in ids:
        key = tuple(res.configs[a][i].item() for a in SETTING_AXES)
        groups.setdefault(key, []).append(int(i))
    return list(groups.values())


def group_score(res, ids, metric):
    """The mean of metric over the done configs, signed so that larger is better (the
    report's ranking); -inf when none is done."""
    ids = np.asarray(ids)
    done = ids[res.status[ids] == DONE]
    if len(done) == 0:
        return -np.inf
    m = res.summary[metric][done].mean()
    return m if higher_is_better(metric) else -m


def best_group(res, groups, metric):
    """The best group by group_score, ties to the first (the report's rule)."""
    best = groups[0]
    for g in groups[1:]:
        if group_score(res, g, metric) > group_score(res, best, metric):
            best = g
    return best


def mean_std(rows):
    """Mean and sample std (ddof 1; NaN below two rows) over axis 0."""
    m = rows.mean(axis=0)
    s = rows.std(axis=0, ddof=1) if len(rows) >= 2 else np.full_like(m, np.nan)
    return m, s


def counts_text(res, ids):
    st = res.status[np.asarray(ids)]
    parts = [f"{int((st == DONE).sum())} done"]
    for code, word in ((DIVERGED, "diverged"), (PRUNED, "pruned"), (FAILED, "failed"), (PENDING, "pending")):
        k = int((st == code).sum())
        if k:
            parts.append(f"{k} {word}")
    return ", ".join(parts)


def setting_label(res, ids, axes):
    i = ids[0]
    return ", ".join(f"{a}={fmt(a, res.configs[a][i])}" for a in axes)


def plot_curves(res, groups, title, out, metric):
    """The tutorial's two plots side by side, one colour per setting, train solid, validation
    dotted, test dashed."""
    all_selected = [i for g in groups for i in g]
    groups = [g for g in groups if (res.status[np.asarray(g)] == DONE).any()]
    if not groups:
        raise UsageError(f"no selected config is done ({counts_text(res, all_selected)}); "
                         "only done configs are drawn")
    if len(groups) > MAX_SETTINGS:
        print(f"plot.py: {len(groups)} settings selected; drawing the best {MAX_SETTINGS} "
              f"by mean {metric}", file=sys.stderr)
        groups = sorted(groups, key=lambda g: group_score(res, g, metric), reverse=True)[:MAX_SETTINGS]
    # Axes that differ between the drawn settings go into the legend, the rest into the title.
    all_ids = [i for g in groups for i in g]
    varying = [a for a in SETTING_AXES if len(np.unique(res.configs[a][all_ids])) > 1]
    common = [a for a in SETTING_AXES if a not in varying and (a in res.swept or a == "epochs")]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    legend = []
    max_epochs = max(int(res.configs["epochs"][g].max()) for g in groups)
    for k, g in enumerate(groups):
        g = sorted(g)
        c = res.curves(g)
        done = res.status[g] == DONE
        n_done = int(done.sum())
        x = np.arange(c["train_loss"].shape[1])
        color = colors[k % len(colors)] if len(groups) > 1 else None
        z = 3.0 - len(x) / max_epochs   # shorter runs on top of the longer ones they share a start with
        for panel, kind in ((ax_loss, "loss"), (ax_acc, res.score)):
            for part, style, single_color in (("train", "-", "C0"), ("val", ":", "C2"), ("test", "--", "C1")):
                name = f"{part}_{kind}"
                if name not in c or (part == "test" and not res.has_test):
                    continue
                m, s = mean_std(c[name][done])
                col = color or single_color
                label = ({"val": "validation"}.get(part, part) if len(groups) == 1 else None)
                panel.plot(x, m, style, color=col, lw=1.6, label=label, zorder=z)
                if n_done >= 2:
                    # a band, not a promise past 100 % (or R2 1, or a cost below 0)
                    lo, hi = {"loss": (0.0, np.inf), "acc": (0.0, 1.0), "r2": (-np.inf, 1.0)}[kind]
                    panel.fill_between(x, np.clip(m - s, lo, hi), np.clip(m + s, lo, hi), color=col,
                                       alpha=0.2, lw=0, zorder=z - 1)
        seeds = f"{n_done} replicate{'s' if n_done != 1 else ''}"
        extra = counts_text(res, g)
        lab = setting_label(res, g, varying) if varying else "setting"
        legend.append(Line2D([], [], color=color or "k", lw=2,
                             label=f"{lab} ({seeds}" + (f"; {extra}" if extra != f"{n_done} done" else "") + ")"))
    for panel, what in ((ax_loss, res.loss_text()), (ax_acc, SCORE_LABEL[res.score])):
        panel.set_xlabel("epoch")
        panel.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        panel.set_ylabel(what)
        panel.grid(alpha=0.3)
    ax_loss.set_title("cost per epoch")
    ax_acc.set_title(f"{SCORE_LABEL[res.score]} per epoch")
    if res.score == "r2":   # an early epoch's R2 can be far below 0: show the useful range
        finite = [v for line in ax_acc.get_lines() for v in np.asarray(line.get_ydata(), float) if np.isfinite(v)]
        if finite and min(finite) < -1.0:
            ax_acc.set_ylim(-1.0, max(1.0, max(finite)) + 0.05)
    band = "; band: mean \u00b1 std over replicates" if any(
        (res.status[np.asarray(g)] == DONE).sum() >= 2 for g in groups) else ""
    if len(groups) == 1:
        g = groups[0]
        ax_acc.legend(loc="lower right")
        ax_loss.legend(loc="upper right")
        sub = setting_label(res, g, common) if common else ""
        fig.suptitle(f"{title}\n{sub}  ({len(g)} replicate{'s' if len(g) != 1 else ''}: "
                     f"{counts_text(res, g)}{band})", fontsize=11)
    else:
        styles = [Line2D([], [], color="gray", ls="-", label="train")]
        if res.has_val:
            styles.append(Line2D([], [], color="gray", ls=":", label="validation"))
        if res.has_test:
            styles.append(Line2D([], [], color="gray", ls="--", label="test"))
        ax_acc.legend(handles=styles, loc="lower right")
        fig.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(2, len(legend)),
                   fontsize=9, frameon=False)
        sub = setting_label(res, groups[0], common) if common else ""
        fig.suptitle(f"{title}\n{sub}{band}".rstrip(), fontsize=11)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)


MAX_HEATMAP_VALUES = 12   # more values on an axis (a random search's draws): a scatter instead


def plot_scatter(res, ids, ax_x, ax_y, metric, title_prefix, out):
    """One point per setting at its (AX1, AX2) values, coloured by the mean of metric over its
    done configs: what a heatmap shows, for axes with too many values to be cells."""
    groups = settings_of(res, ids)
    xs, ys, vals, bad = [], [], [], []
    for g in groups:
        g = np.asarray(g)
        done = g[res.status[g] == DONE]
        xs.append(res.configs[ax_x][g[0]])
        ys.append(res.configs[ax_y][g[0]])
        vals.append(res.summary[metric][done].mean() if len(done) else np.nan)
        bad.append(bool(((res.status[g] == DIVERGED) | (res.status[g] == FAILED)).any()))
    xs, ys, vals, bad = map(np.asarray, (xs, ys, vals, bad))
    is_acc = higher_is_better(metric)
    fig, ax = plt.subplots(figsize=(7.5, 5.5), constrained_layout=True)
    cmap = plt.get_cmap("viridis" if is_acc else "viridis_r")
    ok = np.isfinite(vals)
    sc = ax.scatter(xs[ok], ys[ok], c=vals[ok], cmap=cmap, s=36, edgecolors="none")
    if (~ok).any():
        ax.scatter(xs[~ok], ys[~ok], marker="x", color="#999999", s=30, label="nothing done")
    if bad.any():
        ax.scatter(xs[bad], ys[bad], facecolors="none", edgecolors="red", s=70, label="diverged configs")
    if (~ok).any() or bad.any():
        ax.legend(fontsize=8, loc="best")
    for axis, setter, v in ((ax_x, ax.set_xscale, xs), (ax_y, ax.set_yscale, ys)):
        v = v.astype(float)
        if (v > 0).all() and v.max() / v.min() > 30:
            setter("log")
    ax.set_xlabel(ax_x)
    ax.set_ylabel(ax_y)
    if ok.any():
        fig.colorbar(sc, ax=ax, label=f"mean {METRIC_LABEL[metric]}")
    over = [a for a in AXES if a not in (ax_x, ax_y) and len(np.unique(res.configs[a][ids])) > 1]
    over_text = f"one point per setting; mean over {', '.join(over) if over else 'its configs'}"
    ax.set_title(f"{title_prefix}{METRIC_LABEL[metric]}\n{over_text} ({counts_text(res, ids)})", fontsize=10)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_heatmap(res, ids, ax_x, ax_y, metric, title_prefix, out):
    ids = np.asarray(ids)
    xs = np.unique(res.configs[ax_x][ids])
    ys = np.unique(res.configs[ax_y][ids])
    if len(xs) > MAX_HEATMAP_VALUES or len(ys) > MAX_HEATMAP_VALUES:
        return plot_scatter(res, ids, ax_x, ax_y, metric, title_prefix, out)
    mean = np.full((len(ys), len(xs)), np.nan)
    std = np.full_like(mean, np.nan)
    n_done = np.zeros(mean.shape, dtype=int)
    n_bad = np.zeros(mean.shape, dtype=int)
    cx, cy = res.configs[ax_x][ids], res.configs[ax_y][ids]
    st = res.status[ids]
    vals = res.summary[metric][ids]
    for r, yv in enumerate(ys):
        for c, xv in enumerate(xs):
            cell = (cx == xv) & (cy == yv)
            done = cell & (st == DONE)
            n_done[r, c] = done.sum()
            n_bad[r, c] = (cell & ((st == DIVERGED) | (st == FAILED))).sum()
            if n_done[r, c]:
                mean[r, c] = vals[done].mean()
                if n_done[r, c] >= 2:
                    std[r, c] = vals[done].std(ddof=1)
    is_acc = higher_is_better(metric)
    fig, ax = plt.subplots(figsize=(1.35 * len(xs) + 3.2, 0.9 * len(ys) + 2.4), constrained_layout=True)
    cmap = plt.get_cmap("viridis" if is_acc else "viridis_r").copy()
    cmap.set_bad("#dddddd")
    im = ax.imshow(np.ma.masked_invalid(mean), cmap=cmap, origin="lower", aspect="auto")
    finite = mean[np.isfinite(mean)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    for r in range(len(ys)):
        for c in range(len(xs)):
            if np.isnan(mean[r, c]):
                text = "n/a"
                color = "black"
            else:
                text = f"{mean[r, c]:.3f}"
                if not np.isnan(std[r, c]):
                    text += f"\n\u00b1{std[r, c]:.3f}"
                frac = (mean[r, c] - lo) / (hi - lo) if hi > lo else 0.5
                light = frac > 0.6 if is_acc else frac < 0.4
                color = "black" if light else "white"
            if n_bad[r, c]:
                text += f"\n{n_bad[r, c]} diverged"
            ax.text(c, r, text, ha="center", va="center", color=color, fontsize=9)
    ax.set_xticks(range(len(xs)), [fmt(ax_x, v) for v in xs])
    ax.set_yticks(range(len(ys)), [fmt(ax_y, v) for v in ys])
    ax.set_xlabel(ax_x + (" (log spacing)" if ax_x not in NAMES and geometric(xs) else ""))
    ax.set_ylabel(ax_y + (" (log spacing)" if ax_y not in NAMES and geometric(ys) else ""))
    fig.colorbar(im, ax=ax, label=f"mean {METRIC_LABEL[metric]}")
    over = [a for a in AXES if a not in (ax_x, ax_y) and len(np.unique(res.configs[a][ids])) > 1]
    if res.has_val:
        over.append("validation folds")
    over_text = f"mean \u00b1 std over {', '.join(over)}" if over else "one config per cell"
    ax.set_title(f"{title_prefix}{METRIC_LABEL[metric]}\n{over_text} ({counts_text(res, ids)})", fontsize=10)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def geometric(values):
    v = np.asarray(values, dtype=float)
    if len(v) < 3 or (v <= 0).any():
        return False
    r = v[1:] / v[:-1]
    d = np.diff(v)
    return bool(np.allclose(r, r[0], rtol=1e-6) and not np.allclose(d, d[0], rtol=1e-6))


def select(res, id_list, where):
    mask = np.ones(res.n, dtype=bool)
    if id_list is not None:
        bad = [i for i in id_list if not 0 <= i < res.n]
        if bad:
            raise UsageError(f"--id: no config with id {bad[0]} (the ids are 0 to {res.n - 1})")
        mask &= np.isin(np.arange(res.n), id_list)
    for item in where or []:
        if "=" not in item:
            raise UsageError(f"--where: expected AXIS=VALUE, found {item!r}")
        axis, text = item.split("=", 1)
        check_axis(axis.strip(), "--where")
        axis = axis.strip()
        col = res.configs[axis]
        hit = np.zeros(res.n, dtype=bool)
        for t in text.split(","):
            v = parse_value(axis, t)
            m = matches(axis, col, v)
            if not m.any():
                have = ", ".join(fmt(axis, x) for x in res.values[axis])
                raise UsageError(f"--where: no config has {axis}={t}; its values are {have}")
            hit |= m
        mask &= hit
    ids = np.flatnonzero(mask)
    if len(ids) == 0:
        raise UsageError("no config matches every --id and --where condition")
    return ids


def main(argv=None):
    p = argparse.ArgumentParser(prog="plot.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 2)[2])
    p.add_argument("file", help="a sweep results file (.h5)")
    p.add_argument("-o", "--output-dir", metavar="DIR", help="where the pictures go (default: beside the file)")
    p.add_argument("--svg", action="store_true", help="write SVG instead of PNG")
    p.add_argument("--id", type=int, nargs="+", metavar="ID", help="configs by id")
    p.add_argument("--where", nargs="+", metavar="AXIS=VALUE",
                   help="configs whose AXIS has VALUE (VALUE may be a comma-separated list)")
    p.add_argument("--heatmap", nargs=2, metavar=("AX1", "AX2"), help="heatmap over AX1 (x) and AX2 (y)")
    p.add_argument("--metric", choices=METRICS, metavar="COLUMN",
                   help="rank and draw by this: " + ", ".join(METRICS) + " (acc for classification, r2 for "
                   "regression; default: final_val_loss with validation folds, else final_test_loss)")
    a = p.parse_args(argv)
    try:
        res = Results(a.file)
    except UsageError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    try:
        return run(res, a)
    except UsageError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 1
    finally:
        res.close()


def run(res, a):
    metric = a.metric or res.default_metric()
    if metric not in res.metrics:
        raise UsageError(f"--metric {metric}: the file's task is {res.task}; its metrics are {', '.join(res.metrics)}")
    if metric.startswith(("final_val", "best_val")) and not res.has_val:
        raise UsageError(f"--metric {metric}: the file has no validation folds")
    if a.heatmap:
        for ax in a.heatmap:
            check_axis(ax, "--heatmap")
        if a.heatmap[0] == a.heatmap[1]:
            raise UsageError("--heatmap: expected two different axes")
    out_dir = Path(a.output_dir) if a.output_dir else res.path.resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = "svg" if a.svg else "png"
    stem = res.path.stem
    selecting = a.id is not None or a.where is not None
    ids = select(res, a.id, a.where)
    written = []

    if not a.heatmap:
        if selecting:
            groups = settings_of(res, ids)
            parts = []
            if a.id is not None:
                parts.append("id" + "-".join(str(i) for i in a.id))
            for w in a.where or []:
                parts.append(w.replace(",", "+").replace("/", "_"))
            name = f"{stem}_curves_{'_'.join(parts)}.{ext}"
            title = f"{res.title()}: learning curves"
            if a.id is not None:
                title += f" of config{'s' if len(a.id) > 1 else ''} {', '.join(str(i) for i in a.id)}"
        else:
            groups = settings_of(res, ids)
            best = best_group(res, groups, metric)
            if not (res.status[np.asarray(best)] == DONE).any():
                raise UsageError("no config has finished yet (status done); nothing to plot")
            groups = [best]
            name = f"{stem}_best_curves.{ext}"
            title = f"{res.title()}: learning curves of the best setting (by mean {metric})"
        out = out_dir / name
        plot_curves(res, groups, title, out, metric)
        written.append(out)

    heat = a.heatmap
    if not heat and not selecting:
        cand = [x for x in res.swept if x != "seed"]
        cand.sort(key=lambda x: (-len(res.values[x]), AXES.index(x)))
        if len(cand) >= 2:
            pair = sorted(cand[:2], key=AXES.index)
            heat = (pair[1], pair[0])   # the later axis across, the earlier up
        else:
            print("plot.py: fewer than two axes besides seed are swept; no heatmap", file=sys.stderr)
    if heat:
        suffix = "" if metric == res.default_metric() else f"_{metric}"
        out = out_dir / f"{stem}_heatmap_{heat[0]}_{heat[1]}{suffix}.{ext}"
        prefix = f"{res.title()}: "
        if selecting:
            what = ([f"ids {' '.join(str(i) for i in a.id)}"] if a.id is not None else []) + list(a.where or [])
            prefix += f"{', '.join(what)}: "
        plot_heatmap(res, ids, heat[0], heat[1], metric, prefix, out)
        written.append(out)

    for w in written:
        print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
