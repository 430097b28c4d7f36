"""An independent float64 NumPy reimplementation of DESIGN section 3, held against the file.

For every config of a small sweep (tests/specs/reference.yaml, both shuffle modes, short last
batches) the model is retrained here from the file's own split, scaling and initial weights,
and every curve, the summary and the final weights must agree to 1e-9 relative; likewise every
training recipe (optimizer, weight decay, activation, initialiser) in a 2-seed sweep, written
here from torch.optim's and torch.nn.init's documented formulas. The project's RNG (src/rng.c)
is reimplemented in pure Python for the shuffle order, the initial weights and the split
(src/data.c documents the split so that other tools can redraw it).
"""

import csv
import math

import h5py
import numpy as np
import pytest

from conftest import (BUILTIN_CSV, CSV_DIR, CURVES, NAMES, SPECS, STATUS_DIVERGED, STATUS_DONE,
                      as_name, assert_close, run_ok, write_spec)

RTOL, ATOL = 1e-9, 1e-12

# ---- The project's RNG, in pure Python -----------------------------------------------------

M64 = (1 << 64) - 1
RNG_INIT, RNG_SHUFFLE, RNG_SPLIT = 1, 2, 3
RNG_INIT_XAVIER_UNIFORM, RNG_INIT_HE_NORMAL = 7, 8


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


def recipe_initial_weights(seed, n_in, hidden, init, scale):
    """torch.nn.init's xavier_uniform_ (gain 1) and kaiming_normal_ (fan_in, relu gain) on W1
    (fan_in D, fan_out H) then W2 (fan_in H, fan_out 1), biases 0, each from its own stream;
    normal is the tutorial's initial_weights."""
    if init == "normal":
        return initial_weights(seed, n_in, hidden, scale)
    purpose = RNG_INIT_XAVIER_UNIFORM if init == "xavier_uniform" else RNG_INIT_HE_NORMAL
    r = Rng(seed, purpose, n_in, hidden)
    out = []
    for fan_in, fan_out, n in ((n_in, hidden, n_in * hidden), (hidden, 1, hidden)):
        if init == "xavier_uniform":
            a = math.sqrt(6.0 / (fan_in + fan_out))
            out.append(np.array([-a + 2.0 * a * r.uniform() for _ in range(n)]))
        else:
            std = math.sqrt(2.0 / fan_in)
            out.append(np.array([r.normal() * std for _ in range(n)]))
    return out[0].reshape(n_in, hidden), np.zeros(hidden), out[1], 0.0


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

def activation(name, Z):
    if name == "tanh":
        return np.tanh(Z)
    if name == "leaky_relu":
        return np.where(Z > 0.0, Z, 0.01 * Z)
    return np.maximum(Z, 0.0)


def activation_slope(name, Z, A):
    """d act / d Z at Z (A = act(Z)): torch's tanh_backward (1 - A^2) and leaky_relu_backward."""
    if name == "tanh":
        return 1.0 - A * A
    if name == "leaky_relu":
        return np.where(Z > 0.0, 1.0, 0.01)
    return (Z > 0.0).astype(np.float64)


class Optimizer:
    """torch.optim's SGD (momentum, dampening 0, nesterov), Adam and AdamW (betas 0.9, 0.999,
    eps 1e-8, no amsgrad) over a list of parameter arrays, as its documentation writes them."""

    def __init__(self, kind, lr, momentum, weight_decay, n):
        self.kind, self.lr, self.mu, self.wd, self.t = kind, lr, momentum, weight_decay, 0
        self.state = [dict() for _ in range(n)]

    def step(self, params, grads):
        self.t += 1
        b1, b2, eps, out = 0.9, 0.999, 1e-8, []
        for p, g, st in zip(params, grads, self.state):
            if self.wd != 0.0 and self.kind != "adamw":
                g = g + self.wd * p
            if self.kind == "sgd":
                p = p - self.lr * g
            elif self.kind in ("momentum", "nesterov"):
                buf = np.array(g, copy=True) if "buf" not in st else self.mu * st["buf"] + g
                st["buf"] = buf
                p = p - self.lr * (g + self.mu * buf if self.kind == "nesterov" else buf)
            else:
                if self.kind == "adamw":
                    p = p * (1.0 - self.lr * self.wd)
                m = b1 * st.get("m", 0.0) + (1.0 - b1) * g
                v = b2 * st.get("v", 0.0) + (1.0 - b2) * g * g
                st["m"], st["v"] = m, v
                bc1, bc2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
                p = p - (self.lr / bc1) * m / (np.sqrt(v) / math.sqrt(bc2) + eps)
            out.append(p)
        return out


def recipe(cfg):
    """The config's training recipe as names and numbers (a file from before the recipe axes
    has the tutorial's)."""
    names = cfg.dtype.names
    get = lambda k, d: as_name(cfg[k]) if k in names else d
    return dict(optimizer=get("optimizer", "sgd"), activation=get("activation", "relu"),
                init=get("init", "normal"), momentum=float(cfg["momentum"]) if "momentum" in names else 0.9,
                weight_decay=float(cfg["weight_decay"]) if "weight_decay" in names else 0.0)


def evaluate(W1, b1, W2, b2, X, y, act="relu"):
    if len(y) == 0:   # no test part (test_fraction 0) or no validation fold
        return math.nan, math.nan
    z = activation(act, X @ W1 + b1) @ W2 + b2
    loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
    p = 1.0 / (1.0 + np.exp(-z))
    acc = np.mean((p >= 0.5) == (y == 1.0))
    return float(loss), float(acc)


def train_reference(cfg, init, Xtr, ytr, Xte, yte, max_epochs, Xva=None, yva=None):
    """One config of DESIGN section 3 in float64 NumPy, trained on (Xtr, ytr), validated on
    (Xva, yva) if given. Returns (curves (6, max_epochs) in the order of ALL_CURVES, final
    weights, status, summary dict)."""
    W1, b1, W2, b2 = (np.array(a, dtype=np.float64, copy=True) for a in init)
    b2 = np.array(float(b2))
    lr, B, n = float(cfg["learning_rate"]), int(cfg["batch_size"]), len(ytr)
    rc = recipe(cfg)
    act = rc["activation"]
    opt = Optimizer(rc["optimizer"], lr, rc["momentum"], rc["weight_decay"], 4)
    if Xva is None:
        Xva, yva = Xtr[:0], ytr[:0]
    curves = np.full((6, max_epochs), np.nan)
    status, best_acc, best_epoch, ran = STATUS_DONE, math.nan, -1, 0
    best_val, best_val_epoch = math.nan, -1
    # Early stopping (DESIGN section 3): improve when val_loss < the last improvement - min_delta
    # (the first epoch always does); stop patience epochs after the last one; restore its best.
    patience = int(cfg["patience"]) if "patience" in cfg.dtype.names else 0
    min_delta = float(cfg["min_delta"]) if "min_delta" in cfg.dtype.names else 0.0
    es_ref, es_epoch, es_wait, es_weights = math.nan, -1, 0, None
    with np.errstate(all="ignore"):
        for e in range(int(cfg["epochs"])):
            order = epoch_order(int(cfg["seed"]), e, n) if cfg["shuffle"] else np.arange(n)
            for start in range(0, n, B):
                idx = order[start:start + B]
                X, y, b = Xtr[idx], ytr[idx], len(idx)
                Z1 = X @ W1 + b1
                A1 = activation(act, Z1)
                z2 = A1 @ W2 + b2
                p = 1.0 / (1.0 + np.exp(-z2))
                dz2 = (p - y) / b
                db2 = dz2.sum()
                dW2 = A1.T @ dz2
                dZ1 = np.outer(dz2, W2) * activation_slope(act, Z1, A1)
                db1 = dZ1.sum(axis=0)
                dW1 = X.T @ dZ1
                W1, b1, W2, b2 = opt.step([W1, b1, W2, b2], [dW1, db1, dW2, np.array(db2)])
            trl, tra = evaluate(W1, b1, W2, b2, Xtr, ytr, act)
            tel, tea = evaluate(W1, b1, W2, b2, Xte, yte, act)
            val, vaa = evaluate(W1, b1, W2, b2, Xva, yva, act)
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
            if patience > 0:
                if math.isnan(es_ref) or val < es_ref - min_delta:
                    es_ref, es_epoch, es_wait = val, e, 0
                    es_weights = tuple(np.array(w, copy=True) for w in (W1, b1, W2, b2))
                else:
                    es_wait += 1
                    if es_wait >= patience:
                        break
    last = es_epoch if patience > 0 and es_epoch >= 0 and status == STATUS_DONE else ran - 1
    if patience > 0 and es_epoch >= 0 and status == STATUS_DONE:
        W1, b1, W2, b2 = es_weights   # restore the best epoch's weights
    b2 = float(b2)
    summary = dict(final_train_loss=curves[0, last], final_train_acc=curves[1, last],
                   final_test_loss=curves[2, last], final_test_acc=curves[3, last],
                   best_test_acc=best_acc, best_epoch=best_epoch, status=status,
                   final_val_loss=curves[4, last], final_val_acc=curves[5, last],
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


# ---- The training recipe ---------------------------------------------------------------------

# Every optimizer x activation x initialiser, with and without weight decay, over 2 seeds: 180
# configs of a few epochs on a small hidden layer (shuffled batches, a short last batch), so
# that momentum, nesterov and Adam's bias correction run many steps.
RECIPE_SPEC = """\
save_initial_weights: true
grid:
  hidden_dim: 5
  learning_rate: 0.05
  batch_size: 100
  epochs: 4
  seed: [0, 1]
  shuffle: true
  init_scale: 0.1
  optimizer: [sgd, momentum, nesterov, adam, adamw]
  momentum: 0.8
  weight_decay: [0, 0.01]
  activation: [relu, tanh, leaky_relu]
  init: [normal, xavier_uniform, he_normal]
"""
N_RECIPES = 5 * 2 * 3 * 3 * 2


@pytest.fixture(scope="module")
def recipe_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("recipe")
    spec = write_spec(d / "recipe.yaml", RECIPE_SPEC)
    out = d / "recipe.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    return out


def test_every_recipe_matches_numpy_reference(recipe_file, builtin):
    X, y, _ = builtin
    with h5py.File(recipe_file, "r") as f:
        c = f["configs"][:]
        got = {(as_name(r["optimizer"]), float(r["weight_decay"]), as_name(r["activation"]), as_name(r["init"]))
               for r in c}
        assert len(got) == N_RECIPES // 2 and set(c["momentum"].tolist()) == {0.8}
        assert (f["summary"]["status"] == STATUS_DONE).all()
    assert check_against_reference(recipe_file, X, y) == N_RECIPES


def test_recipe_initial_weights_match_python_rng_and_depend_on_seed_hidden_and_init(recipe_file):
    """Initial weights are torch.nn.init's draws from the init's own stream of (seed, D, H);
    configs sharing seed, hidden_dim and init start identical whatever their optimizer, weight
    decay or activation; another init or seed starts elsewhere."""
    with h5py.File(recipe_file, "r") as f:
        D = int(f["data"].attrs["n_features"])
        configs = f["configs"][:]
        w = {k: f[f"initial_weights/hidden_5/{k}"][:] for k in ("W1", "b1", "W2", "b2")}
    starts = {}
    for cfg in configs:
        key = (int(cfg["seed"]), as_name(cfg["init"]))
        row = int(cfg["weights_row"])
        mine = tuple(w[k][row] for k in ("W1", "b1", "W2", "b2"))
        if key not in starts:
            starts[key] = mine
            want = recipe_initial_weights(key[0], D, 5, key[1], float(cfg["init_scale"]))
            for k, a, b in zip(("W1", "b1", "W2", "b2"), mine, want):
                assert_close(a, b, f"config {cfg['id']}: initial {k}", 1e-15, 0.0)
        for k, a, b in zip(("W1", "b1", "W2", "b2"), mine, starts[key]):
            assert np.array_equal(a, b), f"config {cfg['id']} ({key}): initial {k} differs"
    assert len(starts) == 2 * 3
    for seed in (0, 1):
        Ws = [starts[(seed, i)][0] for i in NAMES["init"]]
        assert not np.array_equal(Ws[0], Ws[1]) and not np.array_equal(Ws[1], Ws[2])
        assert (starts[(seed, "xavier_uniform")][1] == 0).all() and starts[(seed, "he_normal")][3] == 0
    assert not np.array_equal(starts[(0, "he_normal")][0], starts[(1, "he_normal")][0])


def test_default_recipe_is_the_tutorials_bit_for_bit(recipe_file, tmp_path):
    """The same configs with the recipe's defaults written out and left out give one file."""
    base = RECIPE_SPEC.split("  optimizer:")[0]
    a = write_spec(tmp_path / "a.yaml", base)
    b = write_spec(tmp_path / "b.yaml", base + "  optimizer: sgd\n  momentum: 0.9\n  weight_decay: 0\n"
                   "  activation: relu\n  init: normal\n")
    for s in (a, b):
        run_ok("-q", "-o", tmp_path / (s.stem + ".h5"), s)
    with h5py.File(tmp_path / "a.h5", "r") as fa, h5py.File(tmp_path / "b.h5", "r") as fb:
        for name in ("curves/train_loss", "curves/test_acc", "weights/hidden_5/W1", "initial_weights/hidden_5/W2"):
            assert np.array_equal(fa[name][:], fb[name][:]), name
        assert np.array_equal(fa["configs"][:], fb["configs"][:])
