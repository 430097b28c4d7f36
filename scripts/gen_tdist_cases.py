#!/usr/bin/python3
"""Regenerates the expected values in tests/unit/test_tdist.c (the block between the
BEGIN GENERATED and END GENERATED lines), and holds the high-precision references that
scripts/gen_paired_cases.py uses too.

    /usr/bin/python3 scripts/gen_tdist_cases.py

Debian's /usr/bin/python3 has SciPy and mpmath (the python3 first on PATH may not).

- cdf and sf: scipy.stats.t.cdf / .sf (scipy.stats.norm for df = inf), each checked here against
  mpmath at 60 digits.
- quantile: the exact inverse of the cdf (mpmath at 60 digits, Newton's method in log t),
  rounded to double; scipy.stats.t.cdf of it is checked to give back p. scipy.stats.t.ppf itself
  is not the reference: SciPy 1.10's stdtrit (cdflib's cdft, a root finder with tolerance 1e-8)
  is only good to about 1e-9 relative, and the largest such difference is printed and written
  into the block's comment.
"""
import math
import os
import re
import sys

import mpmath as mp
import numpy as np
import scipy
import scipy.stats as st

mp.mp.dps = 60
HALF = mp.mpf(1) / 2
DBL_MAX = mp.mpf("1.7976931348623157e308")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The grid. df: the brief's integers, a few non-integers, large ones and inf.
DFS = [0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7, 7.3, 10, 29, 30, 33.3, 49, 99, 100, 250.75, 500, 999, 1000,
       1e4, 1e6, math.inf]
TS = [0.0, 1e-300, 1e-10, 1e-3, 0.1, 0.5, 1, 1.5, 1.75, 2, 2.5, 3, 5, 10, 30, 100, 1000, 1e20, 1e160, 1e300]
PS = [1e-300, 1e-100, 1e-12, 1e-9, 1e-6, 1e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.45, 0.5 - 1e-12,
      0.5, 0.5 + 1e-12, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12]


def _series_iy(a, x, y):
    """I_y(1/2, a) = y^(1/2) x^a / (B(1/2, a) / 2) * sum_n (a + 1/2)_n / (3/2)_n y^n (all terms > 0)."""
    term = s = mp.mpf(1)
    n = 0
    while True:
        term *= (a + HALF + n) * y / (mp.mpf(3) / 2 + n)
        s += term
        n += 1
        if term < s * mp.mpf(10) ** (-mp.mp.dps):
            return mp.sqrt(y) * mp.exp(a * mp.log(x)) / (HALF * mp.beta(HALF, a)) * s


def sf_mp(t, df):
    """P(T > t) with mpmath, t a float or mpf, df a float (inf: the normal)."""
    t = mp.mpf(t)
    if t < 0:
        return 1 - sf_mp(-t, df)
    if t == 0:
        return HALF
    if mp.isinf(t):
        return mp.mpf(0)
    if math.isinf(df):
        return mp.erfc(t / mp.sqrt(2)) / 2 if t < 1e5 else mp.mpf(0)
    df = mp.mpf(df)
    a = df / 2
    x, y = df / (df + t * t), t * t / (df + t * t)
    log_front = a * mp.log(x) + HALF * mp.log(y) - mp.log(a * mp.beta(a, HALF))
    if log_front < -800:                       # far below the smallest double
        return mp.mpf(0)
    if x <= HALF:
        return mp.betainc(a, HALF, 0, x, regularized=True) / 2
    with mp.workdps(60 + int(max(0, -log_front / mp.log(10))) + 10):   # digits for the complement
        x, y = df / (df + t * t), t * t / (df + t * t)
        return (1 - _series_iy(a, x, y)) / 2


def pdf_mp(t, df):
    t = mp.mpf(t)
    if math.isinf(df):
        return mp.exp(-t * t / 2) / mp.sqrt(2 * mp.pi)
    df = mp.mpf(df)
    return mp.exp(-(df + 1) / 2 * mp.log1p(t * t / df) - mp.log(df) / 2 - mp.log(mp.beta(df / 2, HALF)))


def quantile_mp(p, df):
    """The t with P(T <= t) = p (p a float in (0, 1)), as an mpf: Newton's method on
    ln P(T > e^u) = ln s against u, s = min(p, 1 - p), kept inside a bracket."""
    p = mp.mpf(p)
    if p == HALF:
        return mp.mpf(0)
    s = min(p, 1 - p)

    def g(u):
        v = sf_mp(mp.exp(u), df)
        return mp.log(v) - mp.log(s) if v > 0 else -mp.inf

    lo, hi = mp.mpf(-1), mp.mpf(1)
    while g(lo) < 0:
        lo *= 2
    while g(hi) > 0:
        hi *= 2
    u = (lo + hi) / 2
    for _ in range(2000):
        gu = g(u)
        if gu > 0:
            lo = u
        else:
            hi = u
        t = mp.exp(u)
        nu = u + gu * sf_mp(t, df) / (t * pdf_mp(t, df)) if gu != -mp.inf else (lo + hi) / 2
        if not lo < nu < hi:
            nu = (lo + hi) / 2
        if abs(nu - u) < mp.mpf(10) ** -40:
            u = nu
            break
        u = nu
    else:
        raise RuntimeError(f"no convergence for p={p}, df={df}")
    t = mp.exp(u)
    return -t if p < HALF else t


def to_double(v):
    """An mpf rounded to double, +-inf beyond the largest one."""
    if abs(v) > DBL_MAX:
        return math.copysign(math.inf, v)
    return float(v)


def rel_err(got, ref):
    """|got - ref| / |ref| with ref an mpf; 0 when both round to the same infinity or zero."""
    r = to_double(ref)
    if math.isinf(r) or r == 0:
        return 0.0 if got == r else math.inf
    return float(abs(mp.mpf(got) - ref) / abs(ref))


def c_double(v):
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return "%.17g" % v


def tail_t(df, target=1e-200):
    """A double t with P(T > t) near target (sf ~ 1e-200), or None where it exceeds 1e300."""
    t = -to_double(quantile_mp(target, df))    # P(T <= -t) = P(T > t) = target
    return t if t < 1e300 else None


def scipy_cdf_sf(t, df):
    if math.isinf(df):
        return float(st.norm.cdf(t)), float(st.norm.sf(t))
    return float(st.t.cdf(t, df)), float(st.t.sf(t, df))


def replace_block(path, body):
    """Replaces the lines between '// BEGIN GENERATED' and '// END GENERATED' in path."""
    with open(path) as f:
        text = f.read()
    pattern = re.compile(r"(// BEGIN GENERATED[^\n]*\n).*?(// END GENERATED)", re.S)
    if not pattern.search(text):
        sys.exit(f"{path}: no BEGIN GENERATED / END GENERATED block")
    text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text, count=1)
    with open(path, "w") as f:
        f.write(text)


def main():
    cdf_rows, worst_scipy_vs_mp, scipy_wrong = [], 0.0, []
    for df in DFS:
        ts = list(TS)
        tail = tail_t(df)
        if tail is not None:
            ts.append(tail)
        ts.append(math.inf)
        for t in ts:
            cdf, sf = scipy_cdf_sf(t, df)
            ref_cdf, ref_sf = sf_mp(-t, df), sf_mp(t, df)
            e = max(rel_err(cdf, ref_cdf), rel_err(sf, ref_sf))
            note = ""
            if e > 1e-13:   # SciPy wrong (t^2 overflows in cdflib) or inaccurate: mpmath's value, and a note
                note = f"  // mpmath; SciPy gives {cdf!r}, {sf!r}"
                scipy_wrong.append((df, t, cdf, sf))
                cdf, sf = to_double(ref_cdf), to_double(ref_sf)
            else:
                worst_scipy_vs_mp = max(worst_scipy_vs_mp, e)
            cdf_rows.append((df, t, cdf, sf, note))

    q_rows, ppf_errors, worst_roundtrip = [], [], 0.0
    for df in DFS:
        for p in PS:
            q = quantile_mp(p, df)
            qd = to_double(q)
            if 0 < abs(qd) < 1e150:   # beyond, t^2 overflows in SciPy's cdflib (see the cdf rows)
                # SciPy's own cdf gives back p from the reference quantile (relative to min(p, 1 - p)).
                if p < 0.5:
                    back, want = scipy_cdf_sf(qd, df)[0], p
                else:
                    back, want = scipy_cdf_sf(qd, df)[1], 1 - p
                # The rounding of q to double moves the cdf by its elasticity times 2^-53.
                elasticity = float(abs(q) * pdf_mp(q, df) / mp.mpf(want))
                worst_roundtrip = max(worst_roundtrip, abs(back - want) / want / max(1.0, elasticity))
                ppf = float(st.norm.ppf(p) if math.isinf(df) else st.t.ppf(p, df))
                ppf_errors.append((rel_err(ppf, q), df, p, ppf, qd))
            q_rows.append((df, p, qd))

    print(f"cdf/sf rows: {len(cdf_rows)}; SciPy vs mpmath worst relative difference {worst_scipy_vs_mp:.2g}"
          f" where they agree; {len(scipy_wrong)} rows where SciPy is wrong take mpmath's value:")
    for df, t, cdf, sf in scipy_wrong:
        print(f"    df {df!r} t {t!r}: SciPy {cdf!r} {sf!r}")
    ppf_errors.sort(reverse=True)
    worst_ppf = ppf_errors[0][0]
    worst_ppf_12 = max(e for e, df, p, _, _ in ppf_errors if 1e-12 <= p <= 1 - 1e-12)
    print("scipy.stats.t.ppf, the largest differences from the exact inverse:")
    for e, df, p, ppf, qd in ppf_errors[:5]:
        print(f"    df {df!r} p {p!r}: ppf {ppf!r}, exact {qd!r} (rel {e:.2g})")
    print(f"quantile rows: {len(q_rows)}; scipy.stats.t.ppf vs the exact inverse worst {worst_ppf:.2g} "
          f"({worst_ppf_12:.2g} for p in [1e-12, 1 - 1e-12]); "
          f"SciPy's cdf of the exact inverse gives back p to {worst_roundtrip:.2g} (per unit elasticity)")
    if worst_roundtrip > 1e-13:
        sys.exit("SciPy's cdf does not give back p from the reference quantiles")

    lines = [
        f"// SciPy {scipy.__version__}, NumPy {np.__version__}, mpmath {mp.__version__}.",
        "// {df, t, cdf, sf}: scipy.stats.t.cdf(t, df), scipy.stats.t.sf(t, df) (scipy.stats.norm for",
        f"// df = inf); they agree with mpmath at 60 digits to {worst_scipy_vs_mp:.2g} relative, except in the",
        f"// {len(scipy_wrong)} rows marked mpmath, where SciPy's cdflib is wrong (t^2 overflows) or off by more",
        "// than 1e-13 (df 1e6 at sf = 1e-200).",
        "static const CdfCase cdf_cases[] = {",
    ]
    lines += [f"    {{{c_double(df)}, {c_double(t)}, {c_double(c)}, {c_double(s)}}},{note}" for df, t, c, s, note in cdf_rows]
    lines += [
        "};",
        "// {df, p, quantile}: the exact inverse of the cdf (mpmath, 60 digits) rounded to double;",
        "// scipy.stats.t.cdf of it gives back p. scipy.stats.t.ppf (SciPy 1.10's stdtrit, cdflib's",
        f"// root finder) differs from it by up to {worst_ppf_12:.2g} relative for p in [1e-12, 1 - 1e-12] (and by",
        f"// {worst_ppf:.2g} for smaller p), so it is not the reference.",
        "static const QuantileCase quantile_cases[] = {",
    ]
    lines += [f"    {{{c_double(df)}, {c_double(p)}, {c_double(q)}}}," for df, p, q in q_rows]
    lines.append("};")
    replace_block(os.path.join(ROOT, "tests/unit/test_tdist.c"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
