"""`sweep compare` and the report's comparison columns (DESIGN section 6) against an
independent SciPy computation from the file itself: units and their per-split (or per-seed)
scores, the corrected paired t-test, its interval, Holm's correction and the Bayesian
correlated t-test with a rope, within 1e-9; with folds (J >= 2) and without (J = 1), for
settings and --by AXIS, --where, ties and every difference equal."""

import csv
import io
import math

import h5py
import numpy as np
import pytest
from scipy import stats

from conftest import SETTING_AXES, cell, one_line, run_ok, run_sweep, write_spec

REL = 1e-9
LOWER_IS_BETTER = {"final_val_loss", "final_test_loss", "final_train_loss", "best_val_loss"}

FOLD_SPEC = """\
data:
  folds: 5
  repeats: 2
grid:
  hidden_dim: [4, 16]
  learning_rate: [0.03, 0.3, 1.0]
  batch_size: 64
  epochs: 15
  seed: [0, 1]
"""

SEED_SPEC = """\
grid:
  hidden_dim: [4, 16]
  learning_rate: [0.03, 0.3, 1.0]
  batch_size: 64
  epochs: 15
  seed: {range: [0, 5]}
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("compare")
    out = {}
    for name, text in (("folds", FOLD_SPEC), ("seeds", SEED_SPEC)):
        spec = write_spec(d / f"{name}.yaml", text)
        path = d / f"{name}.h5"
        run_ok("-q", "-o", path, spec)
        out[name] = path
    return out


# ---- The independent computation ---------------------------------------------------------

def holm(p):
    """Holm's step-down adjustment (plain Python; statsmodels is not a dependency)."""
    order = sorted(range(len(p)), key=lambda i: (p[i], i))
    out, running, m = [0.0] * len(p), 0.0, len(p)
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def expected(path, metric=None, by=None, where=(), rope=None, alpha=0.05):
    """Per compared unit (a tuple of axis values): the statistics of DESIGN section 6,
    computed here from /data, /configs and /summary. Returns (best key, {key: dict})."""
    with h5py.File(path, "r") as f:
        c, s = f["configs"][:], f["summary"][:]
        K = int(f["data"].attrs.get("folds", 1))
        n_train = int(f["data"].attrs["n_train"])
    has_val = K >= 2
    metric = metric or ("final_val_loss" if has_val else "final_test_loss")
    lower = metric in LOWER_IS_BETTER
    axes = (by,) if by else SETTING_AXES
    keep = np.ones(len(c), dtype=bool)
    for axis, value in where:
        keep &= c[axis] == value
    done = keep & (s["status"] == 1)
    pair = c["repeat"] * K + c["fold"] if has_val else c["seed"]
    units = {}
    for i in np.flatnonzero(keep):
        units.setdefault(tuple(c[a][i].item() for a in axes), []).append(i)
    means, scores = {}, {}
    for key, ids in units.items():
        ids = np.array(ids)
        d = ids[done[ids]]
        if len(d) == 0:
            continue
        means[key] = s[metric][d].mean()
        scores[key] = {int(p): s[metric][d][pair[d] == p].mean() for p in np.unique(pair[d])}
    first_id = {key: min(ids) for key, ids in units.items()}
    ranked = sorted(means, key=lambda k: ((means[k] if lower else -means[k]), first_id[k]))
    best = ranked[0]
    corr = (n_train / K) / (n_train - n_train / K) if has_val else 0.0
    out = {}
    for key in ranked[1:]:
        common = sorted(set(scores[best]) & set(scores[key]))
        d = np.array([scores[best][p] - scores[key][p] for p in common])
        n = len(d)
        mean = d.mean()
        var = d.var(ddof=1) if n >= 2 else math.nan
        se = math.sqrt((1.0 / n + corr) * var)
        df = n - 1
        if se == 0.0:
            t = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
            p = 1.0 if mean == 0.0 else 0.0
            lo = hi = mean
        else:
            t = mean / se
            p = 2.0 * stats.t.sf(abs(t), df)
            q = stats.t.ppf(0.975, df)
            lo, hi = mean - q * se, mean + q * se
        row = dict(n_pairs=n, mean_diff=mean, se=se, t=t, df=df, p=p, ci_low=lo, ci_high=hi)
        if rope is not None:
            if se == 0.0:
                left, inside, right = float(mean < -rope), float(-rope <= mean <= rope), float(mean > rope)
            else:
                post = stats.t(df, loc=mean, scale=se)
                left, right = post.cdf(-rope), post.sf(rope)
                # the rope's mass from the tail it is far from: no cancellation near 1
                inside = post.sf(-rope) - right if mean > 0 else post.cdf(rope) - left
            # d = best - other: for a loss the best is better when d < -rope
            row.update(p_best_better=left if lower else right, p_rope=inside,
                       p_other_better=right if lower else left)
        out[key] = row
    keys = list(out)
    for key, ph in zip(keys, holm([out[k]["p"] for k in keys])):
        out[key]["p_holm"] = ph
        out[key]["indistinguishable"] = int(ph >= alpha)
    return best, out


def compare_csv(path, *args):
    r = run_ok("compare", "--csv", *args, path)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    return rows, r.stderr


def assert_matches(rows, want, axes):
    assert len(rows) == len(want), (len(rows), len(want))
    sample = next(iter(want))
    for row in rows:
        key = tuple(cell(row[a], k) for a, k in zip(axes, sample))
        assert key in want, key
        w = want[key]
        for name, value in w.items():
            got = float(row[name])
            if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
                assert got == value or (math.isnan(got) and math.isnan(value)), (key, name, got, value)
            else:
                assert got == pytest.approx(value, rel=REL, abs=1e-15), (key, name, got, value)


# ---- The tests ---------------------------------------------------------------------------

def test_settings_with_folds_match_scipy(files):
    rows, err = compare_csv(files["folds"])
    best, want = expected(files["folds"])
    assert len(want) == 5
    assert_matches(rows, want, SETTING_AXES)
    assert list(rows[0])[:len(SETTING_AXES)] == list(SETTING_AXES)
    assert list(rows[0])[len(SETTING_AXES):] == ["n_pairs", "mean_diff", "se", "t", "df", "p", "p_holm",
                                                  "ci_low", "ci_high", "indistinguishable"]
    assert "best" in one_line(err) and f"hidden_dim={best[0]}" in err
    assert all(int(r["n_pairs"]) == 10 for r in rows)


def test_by_axis_with_folds_and_a_rope_match_scipy(files):
    rows, _ = compare_csv(files["folds"], "--by", "learning_rate", "--rope", "0.01")
    _, want = expected(files["folds"], by="learning_rate", rope=0.01)
    assert len(want) == 2
    assert list(rows[0])[-3:] == ["p_best_better", "p_rope", "p_other_better"]
    assert_matches(rows, want, ("learning_rate",))


def test_where_metric_and_alpha_match_scipy(files):
    rows, _ = compare_csv(files["folds"], "--where", "hidden_dim=16", "--metric", "final_val_acc",
                          "--alpha", "0.2")
    _, want = expected(files["folds"], metric="final_val_acc", where=[("hidden_dim", 16)], alpha=0.2)
    assert_matches(rows, want, SETTING_AXES)


def test_seeds_without_folds_match_scipy(files):
    """J = 1: the pairs are the seeds, se = sd / sqrt(S)."""
    rows, _ = compare_csv(files["seeds"], "--rope", "0.005")
    best, want = expected(files["seeds"], rope=0.005)
    assert_matches(rows, want, SETTING_AXES)
    rows, _ = compare_csv(files["seeds"], "--by", "hidden_dim")
    _, want = expected(files["seeds"], by="hidden_dim")
    assert_matches(rows, want, ("hidden_dim",))


def doctored(src, dst, shift):
    """A copy of src in which every config of the best setting scores 2^-6 and every config of
    another setting 2^-6 + shift (exact in binary): every difference between them is equal.
    Returns (the best's key, the other's)."""
    best, _ = expected(src)
    dst.write_bytes(src.read_bytes())
    with h5py.File(dst, "r+") as f:
        c, s = f["configs"][:], f["summary"][:]
        is_best = np.all([c[a] == v for a, v in zip(SETTING_AXES, best)], axis=0)
        other = (c["hidden_dim"] != best[0]) & (c["learning_rate"] == best[1])
        key = tuple(c[a][np.flatnonzero(other)[0]].item() for a in SETTING_AXES)
        other &= np.all([c[a] == v for a, v in zip(SETTING_AXES, key)], axis=0)
        s["final_val_loss"][is_best] = 2.0 ** -6
        s["final_val_loss"][other] = 2.0 ** -6 + shift
        f["summary"][...] = s
    return best, key


@pytest.mark.parametrize("shift", [0.0, 0.25])
def test_every_difference_equal_gives_se_zero_and_p_one_or_zero(files, tmp_path, shift):
    path = tmp_path / "tie.h5"
    old_best, key = doctored(files["folds"], path, shift)
    rows, _ = compare_csv(path, "--rope", "0.1")
    best, want = expected(path, rope=0.1)
    assert_matches(rows, want, SETTING_AXES)
    tied = key if key in want else old_best   # with shift 0 the two tie, and the lower id is best
    r = [r for r in rows if tuple(cell(r[a], k) for a, k in zip(SETTING_AXES, tied)) == tied][0]
    assert float(r["se"]) == 0.0 and int(r["n_pairs"]) == 10
    assert float(r["p"]) == (1.0 if shift == 0.0 else 0.0)
    assert float(r["ci_low"]) == float(r["ci_high"]) == pytest.approx(-shift)
    assert r["indistinguishable"] == ("1" if shift == 0.0 else "0")
    assert float(r["p_rope"]) == (1.0 if shift == 0.0 else 0.0)   # a point mass at -shift
    assert float(r["p_best_better"]) == (0.0 if shift == 0.0 else 1.0)


def test_the_default_table_names_the_best_and_the_verdicts(files):
    r = run_ok("compare", files["folds"], "--rope", "0.01")
    out = r.stdout
    assert "metric   final_val_loss (lower is better)" in out
    assert "pairs    the 10 splits of 5-fold cross-validation x 2 repeats" in out
    assert "best     hidden_dim=" in out
    for head in ("pairs", "best - this", "95% interval", "Holm p", "verdict", "P(|d| <= 0.01)"):
        assert head in out
    _, want = expected(files["folds"])
    n_same = sum(w["indistinguishable"] for w in want.values())
    assert f"compared 5 units with the best: {n_same} indistinguishable" in out


@pytest.mark.parametrize("args, message", [
    (["--by", "colour"], "--by: unknown axis \"colour\""),
    (["--where", "hidden_dim"], "--where: expected AXIS=VALUE"),
    (["--where", "hidden_dim=7"], "--where hidden_dim=7: no config of"),
    (["--metric", "final_test_acc"], "the test part judges"),
    (["--metric", "nonsense"], "--metric: expected final_train_loss"),
    (["--alpha", "1.5"], "--alpha: expected a number"),
    (["--rope", "-1"], "--rope: expected a number"),
    (["--frobnicate"], "--frobnicate: unknown option"),
])
def test_bad_options_are_one_line_and_exit_2(files, args, message):
    r = run_sweep("compare", *args, files["folds"])
    assert r.returncode == 2
    assert message in one_line(r.stderr)


def test_a_validation_metric_without_folds_is_refused(files):
    r = run_sweep("compare", "--metric", "final_val_loss", files["seeds"])
    assert r.returncode == 2 and "no validation folds" in one_line(r.stderr)


# ---- The report ---------------------------------------------------------------------------

def report_csv(path, *args):
    r = run_ok("report", "--csv", *args, path)
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_report_ranks_on_validation_with_the_comparison_columns(files):
    rows = report_csv(files["folds"])
    best, want = expected(files["folds"])
    assert rows[0]["metric"] == "final_val_loss" and rows[0]["indistinguishable"] == "1"
    assert tuple(cell(rows[0][a], b) for a, b in zip(SETTING_AXES, best)) == best
    means = [float(r["mean_final_val_loss"]) for r in rows]
    assert means == sorted(means)
    for r in rows[1:]:
        key = tuple(cell(r[a], b) for a, b in zip(SETTING_AXES, best))
        for name in ("n_pairs", "mean_diff", "p", "p_holm", "indistinguishable"):
            assert float(r[name]) == pytest.approx(want[key][name], rel=REL), (key, name)
    # the interval of each setting's own mean: corrected, over its 10 split scores
    with h5py.File(files["folds"], "r") as f:
        c, s = f["configs"][:], f["summary"][:]
        n_train = f["data"].attrs["n_train"]
    for r in rows:
        m = (c["hidden_dim"] == int(r["hidden_dim"])) & (c["learning_rate"] == float(r["learning_rate"]))
        sc = np.array([s["final_val_loss"][m & (c["repeat"] * 5 + c["fold"] == j)].mean() for j in range(10)])
        se = math.sqrt((1 / 10 + (n_train / 5) / (n_train - n_train / 5)) * sc.var(ddof=1))
        half = stats.t.ppf(0.975, 9) * se
        mean = float(r["mean_final_val_loss"])
        assert float(r["ci_low"]) == pytest.approx(mean - half, rel=REL)
        assert float(r["ci_high"]) == pytest.approx(mean + half, rel=REL)
        assert float(r["ci_high"]) > float(r["ci_low"])


def test_report_table_says_what_it_ranked_on(files):
    out = run_ok("report", files["folds"]).stdout
    assert "ranked by mean final_val_loss (lower is better) over 5-fold cross-validation x 2 repeats" in out
    assert "indistinguishable from the best (Holm p >= 0.05)" in out
    assert "final_val_loss [95% interval]" in out and "vs best" in out
    assert "optimistic" not in out
    out = run_ok("report", files["seeds"]).stdout
    assert "ranked by mean final_test_loss" in out
    assert "note: ranked on the test part" in out and "optimistic" in out
    assert "seed noise only" in out


def test_report_metric_option_and_by(files):
    rows = report_csv(files["folds"], "--metric", "final_val_acc", "--by", "hidden_dim")
    accs = [float(r["mean_final_val_acc"]) for r in rows]
    assert accs == sorted(accs, reverse=True) and rows[0]["metric"] == "final_val_acc"
    r = run_sweep("report", "--metric", "final_test_loss", files["folds"])
    assert r.returncode == 2 and "the test part judges" in one_line(r.stderr)


def test_name_axes_compare_and_report_by_name(tmp_path):
    """The recipe's name axes are units and filters by name, printed as names (CSV too)."""
    spec = write_spec(tmp_path / "n.yaml", "grid:\n  hidden_dim: 4\n  epochs: 3\n  seed: [0, 1, 2]\n"
                      "  optimizer: [sgd, adam]\n  activation: [relu, tanh]\n  weight_decay: [0, 0.001]\n")
    out = tmp_path / "n.h5"
    run_ok("-q", "-o", out, spec)
    rows, err = compare_csv(out, "--by", "optimizer")
    assert [r["optimizer"] for r in rows] == ["sgd"] and "optimizer=adam" in err   # adam learns faster
    _, want = expected(out, by="optimizer")
    assert_matches(rows, want, ("optimizer",))
    rows, _ = compare_csv(out, "--where", "activation=tanh", "--where", "optimizer=adam")
    assert len(rows) == 1 and rows[0]["activation"] == "tanh" and rows[0]["optimizer"] == "adam"
    assert {r["weight_decay"] for r in rows} <= {"0", "0.001"}
    r = run_sweep("compare", "--where", "optimizer=adma", out)
    assert r.returncode == 2 and "expected one of sgd, momentum, nesterov, adam, adamw" in one_line(r.stderr)
    text = run_ok("report", "--by", "optimizer", "activation", out).stdout
    assert "optimizer        2: sgd, adam" in text and "activation       2: relu, tanh" in text
    table = text.split("\nrank ")[1]
    assert "adam" in table and "tanh" in table
    rows = report_csv(out, "--by", "init")
    assert [r["init"] for r in rows] == ["normal"]
