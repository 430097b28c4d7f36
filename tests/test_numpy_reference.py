"""An independent float64 NumPy reimplementation of DESIGN section 3, held against the file.

For every config of a small sweep (tests/specs/reference.yaml, both shuffle modes, short last
batches) the model is retrained here from the file's own split, scaling and initial weights,
and every curve, the summary and the final weights must agree to 1e-9 relative. The project's
RNG (src/rng.c) is reimplemented in pure Python for the shuffle order, the initial weights and
the split (src/data.c documents the split so that other tools can redraw it).
"""

import csv
import math

import h5py
import numpy as np
import pytest

from conftest import (BUILTIN_CSV, CSV_DIR, CURVES, SPECS, STATUS_DIVERGED, STATUS_DONE,
                      assert_close, run_ok, write_spec)

RTOL, ATOL = 1e-9, 1e-12

# ---- The project's RNG, in pure Python -----------------------------------------------------

M64 = (1 << 64) - 1
RNG_INIT, RNG_SHUFFLE, RNG_SPLIT = 1, 2, 3


def _splitmix64(x):
    """One splitmix64 step: returns (new state, output)."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Rng:
    """xoshiro256** keyed by (seed, purpose, a, b) through splitmix64, as rng_init does."""

    def __init__(self, seed, purpose, a, b):
        x, key = _splitmix64(seed & M64)
        x, key = _splitmix64(key ^ purpose)
        x, key = _splitmix64(key ^ (a & M64))
        x, key = _splitmix64(key ^ (b & M64))
        x = key
        self.s = []
        for _ in range(4):
            x, v = _splitmix64(x)
            self.s.append(v)

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & M64, 7) * 9) & M64
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        # Marsaglia's polar method, the second variate dropped.
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            q = u * u + v * v
            if 0.0 < q < 1.0:
                return u * math.sqrt(-2.0 * math.log(q) / q)

    def below(self, n):
        # Lemire's nearly divisionless method with a 128-bit product.
        m = self.next() * n
        low = m & M64
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & M64
        return m >> 64

    def permute(self, idx):
        # Fisher-Yates from the end, in place.
        for i in range(len(idx) - 1, 0, -1):
            j = self.below(i + 1)
            idx[i], idx[j] = idx[j], idx[i]
        return idx


def test_rng_reimplementation_matches_reference_values():
    # splitmix64 from state 0 yields the published first output 0xE220A8397B1DCDAF.
    assert _splitmix64(0)[1] == 0xE220A8397B1DCDAF
    r = Rng(0, RNG_SHUFFLE, 0, 0)
    perm = r.permute(list(range(50)))
    assert sorted(perm) == list(range(50)) and perm != list(range(50))
    assert all(0 <= Rng(5, 1, 2, 3).below(7) < 7 for _ in range(20))


def initial_weights(seed, n_in, hidden, scale):
    """W1 (D, H), W2, b1, b2 in that draw order, N(0, 1) * scale, from (seed, D, H)."""
    r = Rng(seed, RNG_INIT, n_in, hidden)
    W1 = np.array([r.normal() * scale for _ in range(n_in * hidden)]).reshape(n_in, hidden)
    W2 = np.array([r.normal() * scale for _ in range(hidden)])
    b1 = np.array([r.normal() * scale for _ in range(hidden)])
    b2 = r.normal() * scale
    return W1, b1, W2, b2


def epoch_order(seed, epoch, n_train):
    return np.array(Rng(seed, RNG_SHUFFLE, epoch, 0).permute(list(range(n_train))), dtype=np.int64)


def redraw_split(y, test_fraction, split_seed):
    """The split exactly as src/data.c documents it: (train_index, test_index)."""
    n = len(y)
    count = [int(np.sum(y == 0)), int(np.sum(y == 1))]
    n_test = math.ceil(test_fraction * n - 1e-9)
    quota = [n_test * count[c] // n for c in (0, 1)]
    rem = [n_test * count[c] % n for c in (0, 1)]
    given = [False, False]
    for _ in range(n_test - quota[0] - quota[1]):
        c = None
        for k in (0, 1):
            if not given[k] and (c is None or rem[k] > rem[c]):
                c = k
        given[c] = True
        quota[c] += 1
    perm = Rng(split_seed, RNG_SPLIT, 0, 0).permute(list(range(n)))
    taken, train, test = [0, 0], [], []
    for i in perm:
        c = int(y[i] == 1.0)
        if taken[c] < quota[c]:
            taken[c] += 1
            test.append(i)
        else:
            train.append(i)
    return np.array(train, dtype=np.int64), np.array(test, dtype=np.int64)


# ---- Data ------------------------------------------------------------------------------------

def load_csv(path, label=None):
    """(X, y, feature_names) of a CSV: header row, label column by name or the last one."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh, skipinitialspace=True) if any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    k = header.index(label) if label else len(header) - 1
    data = np.array([[float(c) for c in r] for r in rows[1:]], dtype=np.float64)
    X = np.delete(data, k, axis=1)
    return X, data[:, k], [h for i, h in enumerate(header) if i != k]


# ---- The model -------------------------------------------------------------------------------

def evaluate(W1, b1, W2, b2, X, y):
    if len(y) == 0:   # no test part (test_fraction 0) or no validation fold
        return math.nan, math.nan
    z = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2
    loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
    p = 1.0 / (1.0 + np.exp(-z))
    acc = np.mean((p >= 0.5) == (y == 1.0))
    return float(loss), float(acc)


def train_reference(cfg, init, Xtr, ytr, Xte, yte, max_epochs, Xva=None, yva=None):
    """One config of DESIGN section 3 in float64 NumPy, trained on (Xtr, ytr), validated on
    (Xva, yva) if given. Returns (curves (6, max_epochs) in the order of ALL_CURVES, final
    weights, status, summary dict)."""
    W1, b1, W2, b2 = (np.array(a, dtype=np.float64, copy=True) for a in init)
    b2 = float(b2)
    lr, B, n = float(cfg["learning_rate"]), int(cfg["batch_size"]), len(ytr)
    if Xva is None:
        Xva, yva = Xtr[:0], ytr[:0]
    curves = np.full((6, max_epochs), np.nan)
    status, best_acc, best_epoch, ran = STATUS_DONE, math.nan, -1, 0
    best_val, best_val_epoch = math.nan, -1
    with np.errstate(all="ignore"):
        for e in range(int(cfg["epochs"])):
            order = epoch_order(int(cfg["seed"]), e, n) if cfg["shuffle"] else np.arange(n)
            for start in range(0, n, B):
                idx = order[start:start + B]
                X, y, b = Xtr[idx], ytr[idx], len(idx)
                Z1 = X @ W1 + b1
                A1 = np.maximum(Z1, 0.0)
                z2 = A1 @ W2 + b2
                p = 1.0 / (1.0 + np.exp(-z2))
                dz2 = (p - y) / b
                db2 = dz2.sum()
                dW2 = A1.T @ dz2
                dZ1 = np.outer(dz2, W2) * (A1 > 0.0)
                db1 = dZ1.sum(axis=0)
                dW1 = X.T @ dZ1
                W1 = W1 - lr * dW1
                b1 = b1 - lr * db1
                W2 = W2 - lr * dW2
                b2 = b2 - lr * db2
            trl, tra = evaluate(W1, b1, W2, b2, Xtr, ytr)
            tel, tea = evaluate(W1, b1, W2, b2, Xte, yte)
            val, vaa = evaluate(W1, b1, W2, b2, Xva, yva)
            ran = e + 1
            finite = (math.isfinite(trl) and (len(yte) == 0 or math.isfinite(tel))
                      and (len(yva) == 0 or math.isfinite(val)) and np.all(np.isfinite(W1))
                      and np.all(np.isfinite(b1)) and np.all(np.isfinite(W2)) and math.isfinite(b2))
            if not finite:   # a broken network predicts nothing
                tra = tea = vaa = math.nan
            curves[:, e] = (trl, tra, tel, tea, val, vaa)
            if finite and not (tea <= best_acc):
                best_acc, best_epoch = tea, e
            if finite and len(yva) and not (val >= best_val):
                best_val, best_val_epoch = val, e
            if not finite:
                status = STATUS_DIVERGED
                break
    summary = dict(final_train_loss=curves[0, ran - 1], final_train_acc=curves[1, ran - 1],
                   final_test_loss=curves[2, ran - 1], final_test_acc=curves[3, ran - 1],
                   best_test_acc=best_acc, best_epoch=best_epoch, status=status,
                   final_val_loss=curves[4, ran - 1], final_val_acc=curves[5, ran - 1],
                   best_val_loss=best_val, best_val_epoch=best_val_epoch, epochs_run=ran)
    return curves, (W1, b1, W2, b2), status, summary


ALL_CURVES = CURVES + ("val_loss", "val_acc")


def split_rows(f, X_raw, y_raw, repeat, fold):
    """The (X, y) a config of split (repeat, fold) trains, tests and validates on, from the
    file's own split, folds and per-split scaling (the whole training part without folds)."""
    tr, te = f["data/train_index"][:], f["data/test_index"][:]
    if "folds" in f["data"]:
        K = int(f["data"].attrs["folds"])
        folds = f["data/folds"][repeat]
        fit, val = tr[folds != fold], tr[folds == fold]
        off = f["data/split_feature_offset"][repeat * K + fold]
        sc = f["data/split_feature_scale"][repeat * K + fold]
    else:
        fit, val = tr, tr[:0]
        off, sc = f["data/feature_offset"][:], f["data/feature_scale"][:]
    return [((X_raw[idx] - off) * sc, y_raw[idx]) for idx in (fit, te, val)]


def check_against_reference(path, X_raw, y_raw):
    """Retrains every config of the results file at path and compares. Returns the number of
    configs checked."""
    with h5py.File(path, "r") as f:
        configs = f["configs"][:]
        summary = f["summary"][:]
        names = ALL_CURVES if "val_loss" in f["curves"] else CURVES
        file_curves = np.stack([f["curves/" + c][:] for c in names])
        max_epochs = file_curves.shape[2]
        assert max_epochs == configs["epochs"].max()
        for i, cfg in enumerate(configs):
            assert cfg["id"] == i
            (Xtr, ytr), (Xte, yte), (Xva, yva) = split_rows(f, X_raw, y_raw, int(cfg["repeat"]), int(cfg["fold"]))
            g, row = f"hidden_{cfg['hidden_dim']}", cfg["weights_row"]
            init = [f[f"initial_weights/{g}/{k}"][row] for k in ("W1", "b1", "W2", "b2")]
            curves, weights, status, ref = train_reference(cfg, init, Xtr, ytr, Xte, yte, max_epochs, Xva, yva)
            tag = f"config {i} ({dict(zip(configs.dtype.names, cfg.tolist()))})"
            for c, name in enumerate(names):
                assert_close(file_curves[c, i], curves[c], f"{tag}: {name}", RTOL, ATOL)
            assert s_ok(summary[i], ref, tag)
            for k, w in zip(("W1", "b1", "W2", "b2"), weights):
                assert_close(f[f"weights/{g}/{k}"][row], w, f"{tag}: weights {k}", RTOL, ATOL)
    return len(configs)


def s_ok(s, ref, tag):
    """A /summary row against the reference's summary dict (every column but train_seconds)."""
    assert s["status"] == ref["status"], f"{tag}: status {s['status']} != {ref['status']}"
    for k in ("best_epoch", "best_val_epoch", "epochs_run"):
        assert s[k] == ref[k], f"{tag}: {k} {s[k]} != {ref[k]}"
    for k in ("final_train_loss", "final_train_acc", "final_test_loss", "final_test_acc",
              "best_test_acc", "final_val_loss", "final_val_acc", "best_val_loss"):
        assert_close(s[k], ref[k], f"{tag}: summary {k}", RTOL, ATOL)
    assert s["train_seconds"] >= 0.0
    return True


@pytest.fixture(scope="module")
def builtin():
    if not BUILTIN_CSV.is_file():
        pytest.skip(f"{BUILTIN_CSV} is absent")
    return load_csv(BUILTIN_CSV)


@pytest.fixture(scope="module")
def reference_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "reference.h5"
    run_ok("-q", "-j", "2", "-o", out, SPECS / "reference.yaml")
    return out


def test_every_config_matches_numpy_reference(reference_file, builtin):
    X, y, _ = builtin
    with h5py.File(reference_file, "r") as f:
        assert set(f["configs"]["shuffle"].tolist()) == {0, 1}
        assert (f["summary"]["status"] == STATUS_DONE).all()
    assert check_against_reference(reference_file, X, y) == 128


def test_initial_weights_match_python_rng(reference_file):
    with h5py.File(reference_file, "r") as f:
        D = f["data"].attrs["n_features"]
        for cfg in f["configs"][:]:
            g, row = f"hidden_{cfg['hidden_dim']}", cfg["weights_row"]
            want = initial_weights(int(cfg["seed"]), int(D), int(cfg["hidden_dim"]), float(cfg["init_scale"]))
            for k, w in zip(("W1", "b1", "W2", "b2"), want):
                got = f[f"initial_weights/{g}/{k}"][row]
                assert_close(got, w, f"config {cfg['id']}: initial {k}", 1e-15, 0.0)


def test_initial_weights_depend_only_on_seed_hidden_and_scale(reference_file):
    """Configs sharing (seed, hidden_dim, init_scale) start from bitwise identical weights,
    whatever their learning rate, batch size, epochs or shuffle."""
    with h5py.File(reference_file, "r") as f:
        configs = f["configs"][:]
        groups = {}
        for cfg in configs:
            groups.setdefault((int(cfg["seed"]), int(cfg["hidden_dim"]), float(cfg["init_scale"])), []).append(cfg)
        assert all(len(v) == 16 for v in groups.values())
        for (seed, h, s), members in groups.items():
            lrs = {float(c["learning_rate"]) for c in members}
            assert len(lrs) == 2
            first = members[0]
            for c in members[1:]:
                for k in ("W1", "b1", "W2", "b2"):
                    a = f[f"initial_weights/hidden_{h}/{k}"][first["weights_row"]]
                    b = f[f"initial_weights/hidden_{h}/{k}"][c["weights_row"]]
                    assert np.array_equal(a, b), (
                        f"initial {k} of config {first['id']} and {c['id']} differ "
                        f"(seed {seed}, hidden {h}, init_scale {s})")
        # and different seeds do give different weights
        a = f["initial_weights/hidden_4/W1"]
        rows = {int(c["seed"]): int(c["weights_row"]) for c in configs if c["hidden_dim"] == 4}
        assert not np.array_equal(a[rows[0]], a[rows[7]])


def test_split_and_minmax_scaling_follow_documented_algorithm(reference_file, builtin):
    X, y, names = builtin
    with h5py.File(reference_file, "r") as f:
        tr, te = redraw_split(y, 0.2, 42)
        assert np.array_equal(f["data/train_index"][:], tr)
        assert np.array_equal(f["data/test_index"][:], te)
        lo, hi = X[tr].min(axis=0), X[tr].max(axis=0)
        assert np.array_equal(f["data/feature_offset"][:], lo)
        assert np.array_equal(f["data/feature_scale"][:], 1.0 / (hi - lo))
        got = [n.decode() if isinstance(n, bytes) else n for n in f["data/feature_names"][:]]
        assert got == names


SECOND_SPEC = """\
# standard scaling, another split, an odd batch size, both shuffle modes
save_initial_weights: true
data:
  source: breast_cancer
  test_fraction: 0.3
  split_seed: 7
  scale: standard
grid:
  hidden_dim: 5
  learning_rate: [0.02, 0.3]
  batch_size: 33
  epochs: 4
  seed: 3
  init_scale: 0.1
  shuffle: [false, true]
"""


def test_standard_scaling_other_split_matches_reference(tmp_path, builtin):
    X, y, _ = builtin
    spec = write_spec(tmp_path / "standard.yaml", SECOND_SPEC)
    out = tmp_path / "standard.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    with h5py.File(out, "r") as f:
        tr, te = redraw_split(y, 0.3, 7)
        assert np.array_equal(f["data/train_index"][:], tr)
        assert np.array_equal(f["data/test_index"][:], te)
        mean = np.array([sum(X[i, j] for i in tr) / len(tr) for j in range(X.shape[1])])
        std = np.sqrt(np.array([sum((X[i, j] - mean[j]) ** 2 for i in tr) / len(tr)
                                for j in range(X.shape[1])]))
        assert_close(f["data/feature_offset"][:], mean, "standard offset", 1e-12, 0.0)
        assert_close(f["data/feature_scale"][:], 1.0 / std, "standard scale", 1e-12, 0.0)
    assert check_against_reference(out, X, y) == 4


def test_csv_source_with_label_in_the_middle_matches_reference(tmp_path):
    src = CSV_DIR / "small.csv"
    if not src.is_file():
        pytest.skip(f"{src} is absent")
    X, y, names = load_csv(src, label="y")
    (tmp_path / "small.csv").write_bytes(src.read_bytes())
    spec = write_spec(tmp_path / "csv.yaml", """\
save_initial_weights: true
data:
  source: small.csv
  label: y
  test_fraction: 0.25
  split_seed: 1
grid:
  hidden_dim: [3, 6]
  learning_rate: 0.2
  batch_size: [4, 7]
  epochs: 10
  shuffle: [false, true]
""")
    out = tmp_path / "csv.h5"
    run_ok("-q", "-o", out, spec)
    with h5py.File(out, "r") as f:
        tr, te = redraw_split(y, 0.25, 1)
        assert np.array_equal(f["data/train_index"][:], tr)
        assert np.array_equal(f["data/test_index"][:], te)
        got = [n.decode() if isinstance(n, bytes) else n for n in f["data/feature_names"][:]]
        assert got == names
    assert check_against_reference(out, X, y) == 8
