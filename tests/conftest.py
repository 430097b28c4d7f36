"""Shared helpers for the integration tests of `sweep`.

Run from the repository root with `/usr/bin/python3 -m pytest -q tests`. The binary is
$SWEEP_BIN (default ./sweep), relative paths taken from the repository root. Every test
writes only under its own tmp_path; nothing goes into results/.
"""

import collections
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
SPECS = TESTS / "specs"
CSV_DIR = TESTS / "csv"
BUILTIN_CSV = REPO / "src" / "breast_cancer.csv"

# The axes (DESIGN section 2) come from the one Python list of them, scripts/sweep_axes.py:
# their fixed order, the tutorial's defaults (the training recipe's: sgd, momentum 0.9, no
# weight decay, relu, normal) and the name axes' names in code order (/configs holds the
# names as fixed-length strings, which h5py reads as bytes: b"adam").
sys.path.insert(0, str(REPO / "scripts"))
from sweep_axes import AXES, DEFAULTS, GROUPS, KINDS, NAMES, REAL_AXES, SETTING_AXES, V2_AXES  # noqa: E402,F401

CURVES = ("train_loss", "train_acc", "test_loss", "test_acc")
STATUS_PENDING, STATUS_DONE, STATUS_DIVERGED, STATUS_FAILED = 0, 1, 2, 3


def sweep_bin():
    p = Path(os.environ.get("SWEEP_BIN", "./sweep"))
    return p if p.is_absolute() else (REPO / p)


Result = collections.namedtuple("Result", "returncode stdout stderr")


def run_sweep(*args, cwd=None, env=None, timeout=600, stdin=subprocess.DEVNULL):
    """Runs the binary with args (converted with str) and returns (returncode, stdout,
    stderr). cwd defaults to the repository root, so repository-relative spec paths work
    whatever directory pytest was started from."""
    full_env = dict(os.environ)
    full_env.pop("SWEEP_DEBUG_HDF5", None)
    if env:
        full_env.update(env)
    proc = subprocess.run([str(sweep_bin())] + [str(a) for a in args], cwd=str(cwd or REPO),
                          env=full_env, stdin=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


def _check_binary():
    b = sweep_bin()
    if not (b.is_file() and os.access(b, os.X_OK)):
        pytest.fail(f"{b} is not an executable; build it with `make` (or set SWEEP_BIN)",
                    pytrace=False)


@pytest.fixture(scope="session")
def sweep():
    """The runner: sweep(*args, cwd=None, env=None) -> (returncode, stdout, stderr)."""
    _check_binary()
    return run_sweep


def run_ok(*args, **kw):
    """Runs sweep and fails the test with its stderr unless it exits 0."""
    _check_binary()
    r = run_sweep(*args, **kw)
    assert r.returncode == 0, f"sweep {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}"
    return r


def write_spec(path, text):
    """Writes spec text (bytes written verbatim as UTF-8) and returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def one_line(stderr):
    """Asserts stderr is exactly one non-empty line and returns it."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"expected exactly one line on stderr, got {stderr!r}"
    return lines[0]


def cell(text, like):
    """A CSV cell read back as the kind of value `like` (an h5py value of the same axis): the
    bytes of a name, else a number of like's type."""
    if isinstance(like, bytes):
        return text.encode()
    return type(like)(float(text))


def as_name(v):
    """A name from /configs (bytes) as str."""
    return v.decode() if isinstance(v, bytes) else str(v)


def expected_configs(axes):
    """The configs of a grid in DESIGN order (last axis fastest): a list of dicts.
    axes maps an axis name to a list of values; a missing axis takes its default."""
    import itertools
    lists = [list(axes.get(a, [DEFAULTS[a]])) for a in AXES]
    return [dict(zip(AXES, combo), id=i) for i, combo in enumerate(itertools.product(*lists))]


def read_results(path):
    """Everything of a results file as plain Python/NumPy values (for comparisons)."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
        out["@root"] = {k: f.attrs[k] for k in f.attrs}
        out["@data"] = {k: f["data"].attrs[k] for k in f["data"].attrs}
    return out


def assert_close(actual, expected, what, rtol=1e-9, atol=1e-12):
    """|actual - expected| <= max(rtol * |expected|, atol) elementwise, NaN only where NaN."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    an, en = np.isnan(a), np.isnan(e)
    assert np.array_equal(an, en), (
        f"{what}: NaN positions differ: file NaN at {np.argwhere(an & ~en)[:5].tolist()}, "
        f"reference NaN at {np.argwhere(en & ~an)[:5].tolist()}")
    ok = ~an
    a, e = a[ok], e[ok]
    inf = np.isinf(e) | np.isinf(a)
    assert np.array_equal(a[inf], e[inf]), f"{what}: infinities differ"
    a, e = a[~inf], e[~inf]
    if a.size == 0:
        return
    err = np.abs(a - e)
    tol = np.maximum(rtol * np.abs(e), atol)
    bad = err > tol
    if bad.any():
        k = int(np.argmax(err / tol))
        raise AssertionError(f"{what}: {int(bad.sum())} of {a.size} values differ; worst: file "
                             f"{a[k]!r} vs reference {e[k]!r} (abs err {err[k]:.3g})")


def same_array(a, b):
    """Bitwise-equal arrays (NaN equal to NaN in the same place), any dtype."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.names:
        return all(same_array(a[n], b[n]) for n in a.dtype.names)
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def have_h5diff():
    return shutil.which("h5diff") is not None


# A tiny sweep: 2 x 2 x 2 x 1 x 2 = 16 configs of 5 epochs, a fraction of a second.
TINY_SPEC = """\
# tiny sweep for the integration tests
grid:
  hidden_dim: [4, 8]
  learning_rate: [0.05, 0.5]
  batch_size: [16, 64]
  epochs: 5
  seed: [0, 1]
"""
# TINY_SPEC's values of each axis: its own, and the default of every axis it leaves out.
TINY_AXES = {a: [DEFAULTS[a]] for a in AXES} | dict(hidden_dim=[4, 8], learning_rate=[0.05, 0.5],
                                                   batch_size=[16, 64], epochs=[5], seed=[0, 1])


@pytest.fixture
def tiny_spec(tmp_path):
    """TINY_SPEC written to tmp_path/spec/tiny.yaml (outside the folder tests write into)."""
    return write_spec(tmp_path / "spec" / "tiny.yaml", TINY_SPEC)


def files_under(folder):
    """The set of paths (relative, as strings) of everything under folder."""
    folder = Path(folder)
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def wait_for_commits(path, n=3, timeout=30.0):
    """Polls the file (as a reader would) until at least n configs are committed."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with h5py.File(path, "r") as f:
                if (f["summary"]["status"] != 0).sum() >= n:
                    return
        except (OSError, KeyError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"no {n} configs committed in {timeout} s")


def h5diff(a, b, path):
    """h5diff of one object in two files: (exit status, its output)."""
    r = subprocess.run(["h5diff", str(a), str(b), path, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    return r.returncode, r.stdout.decode()


def assert_same_results(ref, out, status="complete"):
    """The file out holds what the file ref holds, timings and the root's run-specific
    attributes (created, command, host, shard) aside: h5diff over the rows, configs, data and
    seed statistics, /summary equal but for train_seconds, and out's status as given."""
    with h5py.File(ref, "r") as fa, h5py.File(out, "r") as fb:
        optional = [p for p in ("/initial_weights", "/seed_stats", "/seed_stats_curves")
                    if p.strip("/") in fa or p.strip("/") in fb]
    for path in ["/curves", "/weights", "/configs", "/data"] + optional:
        rc, diff = h5diff(ref, out, path)
        assert rc == 0, f"{path} differs:\n{diff[:2000]}"
    with h5py.File(ref, "r") as fa, h5py.File(out, "r") as fb:
        sa, sb = fa["summary"][:], fb["summary"][:]
        for name in sa.dtype.names:
            if name != "train_seconds":
                np.testing.assert_array_equal(sa[name], sb[name], err_msg=name)
        for key in ("format", "format_version", "spec", "spec_sha256", "n_configs"):
            assert fa.attrs[key] == fb.attrs[key], key
        assert fb.attrs["status"] == status


def check_committed_rows(path, ref):
    """h5py opens the file, and every row whose status says finished equals the reference's
    (curves, summary but train_seconds, weights); returns (finished, total)."""
    with h5py.File(path, "r") as f, h5py.File(ref, "r") as r:
        status = f["summary"]["status"]
        done = np.flatnonzero(status != 0)
        configs = f["configs"][:]
        for name in CURVES:
            np.testing.assert_array_equal(f["curves/" + name][done], r["curves/" + name][done])
        s, rs = f["summary"][:], r["summary"][:]
        for name in s.dtype.names:
            if name != "train_seconds":
                np.testing.assert_array_equal(s[name][done], rs[name][done])
        for i in done:
            h, row = configs[i]["hidden_dim"], configs[i]["weights_row"]
            for w in ("W1", "b1", "W2", "b2"):
                np.testing.assert_array_equal(f[f"weights/hidden_{h}/{w}"][row],
                                              r[f"weights/hidden_{h}/{w}"][row])
        return len(done), len(status)
