#!/usr/bin/python3
"""Regenerates the expected values in tests/unit/test_paired.c (the block between the
BEGIN GENERATED and END GENERATED lines):

    /usr/bin/python3 scripts/gen_paired_cases.py

For each difference vector d (drawn here with NumPy's default_rng and written out in full):
  mean = np.mean(d), se = sqrt((1/n + correction) * np.var(d, ddof=1)), t = mean / se,
  df = n - 1, p = 2 * scipy.stats.t.sf(|t|, df),
  ci = mean -+ T_df^-1(0.975) * se with T_df^-1 the exact inverse of the cdf (mpmath, see
  scripts/gen_tdist_cases.py: scipy.stats.t.ppf is only good to about 1e-5 in SciPy 1.10),
  the rope probabilities from post = scipy.stats.t(df, loc=mean, scale=se): P(mu < -R) =
  post.cdf(-R), P(mu > R) = post.sf(R), P(-R <= mu <= R) = post.cdf(R) - post.cdf(-R),
  mapped to best_better / other_better by lower_is_better;
  Holm's adjusted p over the family, computed in plain Python below (statsmodels is not
  installed): sort the p's ascending, ties by index, p_holm(i) = max_{j <= i} min(1, (k - j + 1) p_(j)).
"""
import math
import os
import sys

import numpy as np
import scipy
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_tdist_cases import ROOT, quantile_mp, replace_block, to_double  # noqa: E402

LEVEL = 0.95
ALPHA = 0.05

# name, n, correction, lower_is_better, rope, generator: (seed, mean, sd)
CASES = [
    ("five_fold_accuracy", 5, 0.25, 0, 0.01, (1, 0.012, 0.02)),            # J = 5: n_val / n_fit = 1/4
    ("ten_fold_loss", 10, 1 / 9, 1, 0.02, (2, -0.03, 0.05)),                # J = 10: 1/9
    ("ten_by_five_accuracy", 50, 0.25, 0, 0.005, (3, 0.004, 0.03)),         # J = 50 (10 repeats x 5 folds)
    ("five_seeds_loss", 5, 0.0, 1, math.nan, (4, 0.02, 0.01)),              # J = 1: seeds only, no rope
    ("three_seeds_accuracy", 3, 0.0, 0, 0.01, (5, 0.015, 0.004)),
    ("fifty_seeds_far_apart", 50, 0.0, 0, 0.001, (6, 0.05, 0.001)),         # p far below 1e-30
    ("ten_fold_negative_mean", 10, 1 / 9, 0, 0.01, (7, -0.004, 0.02)),      # the best worse on average
    ("ten_fold_tiny_rope", 10, 1 / 9, 1, 1e-6, (8, 0.0005, 0.01)),
]


def holm(ps):
    """Holm's adjusted p-values; NaN entries are not part of the family and stay NaN."""
    family = sorted((p, i) for i, p in enumerate(ps) if not math.isnan(p))
    k = len(family)
    out = [math.nan] * len(ps)
    running = 0.0
    for j, (p, i) in enumerate(family):            # j 0-based: the (j + 1)-th smallest
        running = max(running, min(1.0, (k - j) * p))
        out[i] = running
    return out


def expected(d, correction, lower_is_better, rope):
    n = len(d)
    mean = float(np.mean(d))
    se = math.sqrt((1 / n + correction) * float(np.var(d, ddof=1)))
    t = mean / se
    df = n - 1
    p = float(2 * st.t.sf(abs(t), df))
    crit = to_double(quantile_mp(0.5 + LEVEL / 2, df))
    row = dict(mean=mean, se=se, t=t, df=float(df), p=p, ci_low=mean - crit * se, ci_high=mean + crit * se,
               best_better=math.nan, rope=math.nan, other_better=math.nan)
    if not math.isnan(rope):
        post = st.t(df, loc=mean, scale=se)
        below, above = float(post.cdf(-rope)), float(post.sf(rope))
        row["rope"] = float(post.cdf(rope) - post.cdf(-rope))
        row["best_better"], row["other_better"] = (below, above) if lower_is_better else (above, below)
    return row


def c_double(v):
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return "%.17g" % v


def main():
    lines = [f"// SciPy {scipy.__version__}, NumPy {np.__version__}; alpha {ALPHA} for Holm.",
             "// The differences, drawn with np.random.default_rng(seed).normal(mean, sd, n):"]
    rows, ps = [], []
    for name, n, corr, lib, rope, (seed, mu, sd) in CASES:
        d = np.random.default_rng(seed).normal(mu, sd, n)
        d = [float(v) for v in d]
        lines.append(f"static const double d_{name}[] = {{")
        for i in range(0, n, 4):
            lines.append("    " + ", ".join(c_double(v) for v in d[i:i + 4]) + ",")
        lines.append("};")
        e = expected(d, corr, lib, rope)
        rows.append((name, n, corr, lib, rope, e))
        ps.append(e["p"])
    # The family for Holm: every case above, and one with a single pair (no p) in the middle.
    ps.insert(3, math.nan)
    p_holm = holm(ps)
    lines.append("// {name, d, n, correction, lower_is_better, rope, mean, se, t, df, p, ci_low, ci_high,")
    lines.append("//  p_best_better, p_rope, p_other_better}")
    lines.append("static const PairedCase paired_cases[] = {")
    for name, n, corr, lib, rope, e in rows:
        stats = ", ".join(c_double(e[k]) for k in ("mean", "se", "t", "df", "p", "ci_low", "ci_high"))
        probs = ", ".join(c_double(e[k]) for k in ("best_better", "rope", "other_better"))
        lines.append(f"    {{\"{name}\", d_{name}, {n}, {c_double(corr)}, {lib}, {c_double(rope)},")
        lines.append(f"     {stats},")
        lines.append(f"     {probs}}},")
    lines.append("};")
    lines.append("// Holm over the cases above in order with a single-pair test (no p) inserted at index 3.")
    lines.append("static const double holm_expected[] = {")
    for i in range(0, len(p_holm), 3):
        lines.append("    " + ", ".join(c_double(v) for v in p_holm[i:i + 3]) + ",")
    lines.append("};")
    replace_block(os.path.join(ROOT, "tests/unit/test_paired.c"), "\n".join(lines) + "\n")
    for (name, *_), p in zip(rows, [p for p in ps if not math.isnan(p)]):
        print(f"{name}: p {p:.3g}")
    print("holm:", ", ".join(f"{v:.3g}" for v in p_holm))


if __name__ == "__main__":
    main()
