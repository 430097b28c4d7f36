"""numpy_reference.py: what one config computes (DESIGN sections 3 and 7), written independently
in float64 NumPy: the one implementation that scripts/numpy_train.py (timing and cross-checks)
and the tests (tests/test_numpy_reference.py, tests/test_task_reference.py) share.

It holds the project's RNG in pure Python (xoshiro256** keyed through splitmix64, as src/rng.c),
the split and the cross-validation folds as src/data.c documents them (K classes, or one group
of every row for regression), feature and target scaling, the initial weights (normal,
xavier_uniform, he_normal; W1, W2 (H x O row-major), b1, b2 (O)), the output heads (binary
cross-entropy from the logit, softmax cross-entropy with a stable logsumexp, mean squared
error with R2), torch.optim's update rules, early stopping, and the reading of a results file
(format_version 1, 2 or 3: a file before 3 is binary).

Shapes inside: W1 (D, H), b1 (H), W2 (H, O), b2 (O), outputs (rows, O). The file stores W2 as
(H) and b2 as a scalar when O = 1; from_file / to_file convert.
"""

import csv
import math
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

# ---- The project's RNG, in pure Python -----------------------------------------------------

M64 = (1 << 64) - 1
RNG_INIT, RNG_SHUFFLE, RNG_SPLIT, RNG_FOLDS = 1, 2, 3, 4
RNG_INIT_XAVIER_UNIFORM, RNG_INIT_HE_NORMAL = 7, 8
INIT_PURPOSE = {"normal": RNG_INIT, "xavier_uniform": RNG_INIT_XAVIER_UNIFORM, "he_normal": RNG_INIT_HE_NORMAL}


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


def epoch_order(seed, epoch, n_train):
    """The batch order of an epoch with shuffle true: a permutation keyed by (seed, epoch)."""
    return np.array(Rng(seed, RNG_SHUFFLE, epoch, 0).permute(list(range(n_train))), dtype=np.int64)


# ---- Initial weights -------------------------------------------------------------------------

def init_key(hidden, n_out):
    """The second key word of the initial weights' stream: hidden_dim, with O above its 32 bits
    when O > 1 (so one output keeps v2's stream)."""
    return hidden if n_out == 1 else hidden + n_out * 2 ** 32


def initial_weights(seed, n_in, hidden, n_out=1, init="normal", scale=0.01):
    """(W1 (D, H), b1 (H), W2 (H, O), b2 (O)) as sweep draws them from (seed, D, H, O, init).
    normal: W1, W2 (row-major), b1, b2 in that order, N(0, 1) * scale (the tutorial's, widened);
    xavier_uniform (torch.nn.init's, gain 1): W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)),
    W1 then W2 (fan_out O), biases 0; he_normal (kaiming_normal_, fan_in, relu gain):
    W ~ N(0, 2 / fan_in), biases 0."""
    r = Rng(seed, INIT_PURPOSE[init], n_in, init_key(hidden, n_out))
    if init == "normal":
        W1 = np.array([r.normal() * scale for _ in range(n_in * hidden)])
        W2 = np.array([r.normal() * scale for _ in range(hidden * n_out)])
        b1 = np.array([r.normal() * scale for _ in range(hidden)])
        b2 = np.array([r.normal() * scale for _ in range(n_out)])
    else:
        out = []
        for fan_in, fan_out, n in ((n_in, hidden, n_in * hidden), (hidden, n_out, hidden * n_out)):
            if init == "xavier_uniform":
                a = math.sqrt(6.0 / (fan_in + fan_out))
                out.append(np.array([-a + 2.0 * a * r.uniform() for _ in range(n)]))
            else:
                std = math.sqrt(2.0 / fan_in)
                out.append(np.array([r.normal() * std for _ in range(n)]))
        W1, W2 = out
        b1, b2 = np.zeros(hidden), np.zeros(n_out)
    return W1.reshape(n_in, hidden), b1, W2.reshape(hidden, n_out), b2


def from_file(W1, b1, W2, b2):
    """A config's weights as the file stores them -> the shapes used here (W2 (H, O), b2 (O))."""
    W2 = np.asarray(W2, dtype=np.float64)
    if W2.ndim == 1:
        W2 = W2[:, None]
    return (np.array(W1, dtype=np.float64), np.array(b1, dtype=np.float64), np.array(W2, copy=True),
            np.array(b2, dtype=np.float64).reshape(-1))


def to_file(W1, b1, W2, b2):
    """The shapes used here -> the file's: W2 (H) and b2 a scalar when O = 1."""
    if W2.shape[1] == 1:
        return W1, b1, W2[:, 0], np.float64(b2[0])
    return W1, b1, W2, b2


# ---- Data: the table, the task, the split, the folds, the scaling ------------------------------

TASKS = ("binary", "multiclass", "regression")
BUILTIN = ("breast_cancer", "iris", "wine", "digits", "diabetes")


def builtin_csv(source):
    """The CSV a built-in source is compiled from (src/<name>.csv), or None."""
    return REPO / "src" / f"{source}.csv" if source in BUILTIN else None


def read_table(path, label=None):
    """(X (n, D) float64, the label column's cells as text, feature names) of a CSV with a
    header row; the label column by name, or the last one."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh, skipinitialspace=True) if any(c.strip() for c in r)]
    header = [h.strip() for h in rows[0]]
    k = header.index(label) if label else len(header) - 1
    X = np.array([[float(c) for i, c in enumerate(r) if i != k] for r in rows[1:]], dtype=np.float64)
    labels = [r[k].strip() for r in rows[1:]]
    return X.reshape(len(labels), len(header) - 1), labels, [h for i, h in enumerate(header) if i != k]


def _number(text):
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def auto_task(labels):
    """DESIGN section 7's task: auto: 2 distinct names or integers -> binary, 3 to 100 ->
    multiclass, a non-integer number -> regression (more than 100 classes: an error, None here)."""
    nums = [_number(t) for t in labels]
    if all(v is not None for v in nums):
        if any(v != math.floor(v) for v in nums):
            return "regression"
        k = len(set(nums))
    else:
        k = len(set(labels))
    return "binary" if k == 2 else "multiclass" if 3 <= k <= 100 else None


def class_order(labels):
    """The classes in sorted order: numbers numerically when every label is a number, else the
    names by their bytes."""
    nums = [_number(t) for t in labels]
    if all(v is not None for v in nums):
        first = {}
        for t, v in zip(labels, nums):
            first.setdefault(v, t)
        return [first[v] for v in sorted(first)]
    return sorted(set(labels), key=lambda t: t.encode("utf-8"))


def encode_labels(labels, classes):
    """Class indices (float64, as Table.y holds them) of label texts, given the classes in class
    order: matched as numbers where both are numbers (the file may write 1 for a cell 1.0),
    else as text."""
    by_text = {c: i for i, c in enumerate(classes)}
    by_num = {_number(c): i for i, c in enumerate(classes) if _number(c) is not None}
    out = np.empty(len(labels))
    for j, t in enumerate(labels):
        v = _number(t)
        i = by_num.get(v) if v is not None and v in by_num else by_text.get(t)
        if i is None:
            raise ValueError(f"label {t!r} is none of the classes {classes}")
        out[j] = i
    return out


def redraw_split(groups, test_fraction, split_seed):
    """The split exactly as src/data.c documents it: (train_index, test_index). groups: each
    row's class index (0..K-1), or all zeros for regression (one group of every row)."""
    g = np.asarray(groups).astype(np.int64)
    n, G = len(g), int(g.max()) + 1
    count = [int(np.sum(g == c)) for c in range(G)]
    n_test = math.ceil(test_fraction * n - 1e-9) if test_fraction > 0 else 0
    quota = [n_test * count[c] // n for c in range(G)]
    rem = [n_test * count[c] % n for c in range(G)]
    given = [False] * G
    for _ in range(n_test - sum(quota)):
        c = None
        for k in range(G):
            if not given[k] and (c is None or rem[k] > rem[c]):
                c = k
        given[c] = True
        quota[c] += 1
    perm = Rng(split_seed, RNG_SPLIT, 0, 0).permute(list(range(n)))
    taken, train, test = [0] * G, [], []
    for i in perm:
        c = int(g[i])
        if taken[c] < quota[c]:
            taken[c] += 1
            test.append(i)
        else:
            train.append(i)
    return np.array(train, dtype=np.int64), np.array(test, dtype=np.int64)


def redraw_folds(train_groups, K, repeat, split_seed):
    """One repeat's folds exactly as src/data.c documents them: for each group in order, the
    positions of its training rows (train_index order), shuffled by the (split_seed, RNG_FOLDS,
    repeat) stream, dealt round-robin from fold 0."""
    g = np.asarray(train_groups).astype(np.int64)
    r = Rng(split_seed, RNG_FOLDS, repeat, 0)
    fold = np.full(len(g), -1, dtype=np.int64)
    for c in range(int(g.max()) + 1):
        pos = r.permute([int(i) for i in np.flatnonzero(g == c)])
        for j, i in enumerate(pos):
            fold[i] = j % K
    return fold


def _mean_std(col):
    """Mean and population std in two passes, the sums left to right (src/data.c's order)."""
    total = 0.0
    for v in col:
        total += v
    mean = total / len(col)
    sq = 0.0
    for v in col:
        sq += (v - mean) * (v - mean)
    return mean, math.sqrt(sq / len(col))


def fit_scaling(X, kind):
    """(offset, scale) per column: minmax (min, 1 / (max - min)), standard (mean, 1 / population
    std, sums in row order), none (0, 1); a constant column or a non-finite spread gets scale 1."""
    X = np.asarray(X, dtype=np.float64)
    D = X.shape[1]
    off, sc = np.zeros(D), np.ones(D)
    for j in range(D):
        col = [float(v) for v in X[:, j]]
        if kind == "minmax":
            lo, hi = min(col), max(col)
            off[j], spread = lo, hi - lo
        elif kind == "standard":
            off[j], spread = _mean_std(col)
        else:
            continue
        if spread > 0 and math.isfinite(spread) and math.isfinite(1.0 / spread):
            sc[j] = 1.0 / spread
    return off, sc


def fit_target(y, kind="standard"):
    """Target scaling (regression): standard (mean, 1 / population std) or none (0, 1)."""
    if kind == "none":
        return 0.0, 1.0
    mean, std = _mean_std([float(v) for v in y])
    return mean, 1.0 / std


# ---- The network and its heads ----------------------------------------------------------------

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


class BinaryHead:
    """O = 1, y 0 or 1: sigmoid, binary cross-entropy from the logit (BCEWithLogitsLoss);
    accuracy of p >= 0.5 predicting 1."""
    score = "acc"

    def __init__(self, n_classes=2):
        self.n_out = 1

    def loss_score(self, z, y):
        z = z[:, 0]
        loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
        acc = np.mean((1.0 / (1.0 + np.exp(-z)) >= 0.5) == (y == 1.0))
        return float(loss), float(acc)

    def grad(self, z, y):
        """dL/dz of the batch's mean loss: (sigmoid(z) - y) / B."""
        return ((1.0 / (1.0 + np.exp(-z[:, 0])) - y) / len(y))[:, None]


class SoftmaxHead:
    """O = K, y the class 0..K-1: softmax, cross-entropy from the logits (CrossEntropyLoss),
    logsumexp with the row's maximum subtracted first; accuracy of the argmax (the lowest index
    on a tie)."""
    score = "acc"

    def __init__(self, n_classes):
        self.n_out = int(n_classes)

    @staticmethod
    def _lse(z):
        m = z.max(axis=1, keepdims=True)
        return m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))

    def loss_score(self, z, y):
        yi = y.astype(np.int64)
        rows = np.arange(len(yi))
        loss = np.mean(self._lse(z)[:, 0] - z[rows, yi])
        acc = np.mean(np.argmax(z, axis=1) == yi)
        return float(loss), float(acc)

    def grad(self, z, y):
        """(softmax(z) - onehot(y)) / B."""
        p = np.exp(z - self._lse(z))
        p[np.arange(len(y)), y.astype(np.int64)] -= 1.0
        return p / len(y)


class MseHead:
    """O = 1, y a real target (in the trained unit): identity, mean squared error (MSELoss);
    the score R2 = 1 - SSE / SST over the rows evaluated, with their own mean (scikit-learn's
    r2_score), NaN when their targets are all equal."""
    score = "r2"

    def __init__(self, n_classes=0):
        self.n_out = 1

    def loss_score(self, z, t):
        d = z[:, 0] - t
        sse = float(np.sum(d * d))
        loss = sse / len(t)
        if np.all(t == t[0]):
            return loss, math.nan
        sst = float(np.sum((t - np.mean(t)) ** 2))
        return loss, 1.0 - sse / sst

    def grad(self, z, t):
        """2 (z - t) / B."""
        return (2.0 * (z[:, 0] - t) / len(t))[:, None]


HEADS = {"binary": BinaryHead, "multiclass": SoftmaxHead, "regression": MseHead}


def make_head(task, n_classes=2):
    return HEADS[task](n_classes)


def score_name(task):
    """The score curve's and columns' name: acc (classification) or r2 (regression)."""
    return "r2" if task == "regression" else "acc"


def curve_names(task, validation=True):
    """The curves in the file's order of slots: train_loss, train_<score>, test_..., val_..."""
    s = score_name(task)
    parts = ("train", "test", "val") if validation else ("train", "test")
    return tuple(f"{p}_{k}" for p in parts for k in ("loss", s))


def forward(W1, b1, W2, b2, X, act):
    Z1 = X @ W1 + b1
    A1 = activation(act, Z1)
    return Z1, A1, A1 @ W2 + b2


def evaluate(weights, X, y, head, act="relu"):
    """(loss, score) over a set; NaN for an empty one (no test part, no validation fold)."""
    if len(y) == 0:
        return math.nan, math.nan
    return head.loss_score(forward(*weights, X, act)[2], y)


# ---- The training recipe ------------------------------------------------------------------------

class Optimizer:
    """torch.optim's SGD (momentum, dampening 0, nesterov), Adam and AdamW (betas 0.9, 0.999,
    eps 1e-8, no amsgrad) over a list of parameter arrays, as its documentation writes them.
    Plain SGD without weight decay updates in place."""

    def __init__(self, kind, lr, momentum, weight_decay, n):
        self.kind, self.lr, self.mu, self.wd, self.t = kind, lr, momentum, weight_decay, 0
        self.state = [dict() for _ in range(n)]

    def step(self, params, grads):
        self.t += 1
        if self.kind == "sgd" and self.wd == 0.0:
            for p, g in zip(params, grads):
                p -= self.lr * g
            return params
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


AXIS_DEFAULTS = dict(hidden_dim=128, learning_rate=0.01, batch_size=32, epochs=1000, seed=0, init_scale=0.01,
                     shuffle=False, optimizer="sgd", momentum=0.9, weight_decay=0.0, activation="relu",
                     init="normal", patience=0, min_delta=0.0, repeat=0, fold=0)


def config(cfg):
    """A /configs row (or a dict) as a dict of plain values, every axis present (a file from
    before the recipe axes has the tutorial's)."""
    names = cfg.dtype.names if hasattr(cfg, "dtype") else tuple(cfg)
    out = {}
    for k, d in AXIS_DEFAULTS.items():
        v = cfg[k] if k in names else d
        if isinstance(v, bytes):
            v = v.decode()
        out[k] = type(d)(v) if not isinstance(d, str) else str(v)
    return out


def train(cfg, init, head, fit, test, val, max_epochs):
    """One config in float64 NumPy: trained on fit = (X, y), measured on test and val after
    every epoch (an empty set gives NaN). Returns (curves (6, max_epochs) in the slots train_loss,
    train_score, test_loss, test_score, val_loss, val_score; final weights in the shapes used
    here; status (1 done, 2 diverged); summary dict with the file's column names for the head's
    score, and epochs_run)."""
    c = config(cfg)
    W1, b1, W2, b2 = from_file(*init)
    (Xtr, ytr), (Xte, yte), (Xva, yva) = fit, test, val
    lr, B, n, act = c["learning_rate"], c["batch_size"], len(ytr), c["activation"]
    opt = Optimizer(c["optimizer"], lr, c["momentum"], c["weight_decay"], 4)
    curves = np.full((6, max_epochs), np.nan)
    status, best_score, best_epoch, ran = 1, math.nan, -1, 0
    best_val, best_val_epoch = math.nan, -1
    # Early stopping (DESIGN section 3): improve when val_loss < the last improvement - min_delta
    # (the first epoch always does); stop patience epochs after the last one; restore its best.
    patience, min_delta = c["patience"], c["min_delta"]
    es_ref, es_epoch, es_wait, es_weights = math.nan, -1, 0, None
    with np.errstate(all="ignore"):
        for e in range(c["epochs"]):
            order = epoch_order(c["seed"], e, n) if c["shuffle"] else np.arange(n)
            for start in range(0, n, B):
                idx = order[start:start + B]
                X, y = Xtr[idx], ytr[idx]
                Z1, A1, Z2 = forward(W1, b1, W2, b2, X, act)
                dZ2 = head.grad(Z2, y)
                dW2 = A1.T @ dZ2
                db2 = dZ2.sum(axis=0)
                dZ1 = (dZ2 @ W2.T) * activation_slope(act, Z1, A1)
                db1 = dZ1.sum(axis=0)
                dW1 = X.T @ dZ1
                W1, b1, W2, b2 = opt.step([W1, b1, W2, b2], [dW1, db1, dW2, db2])
            w = (W1, b1, W2, b2)
            trl, trs = evaluate(w, Xtr, ytr, head, act)
            tel, tes = evaluate(w, Xte, yte, head, act)
            val, vas = evaluate(w, Xva, yva, head, act)
            ran = e + 1
            finite = (math.isfinite(trl) and (len(yte) == 0 or math.isfinite(tel))
                      and (len(yva) == 0 or math.isfinite(val)) and all(np.all(np.isfinite(a)) for a in w))
            if not finite:   # a broken network predicts nothing
                trs = tes = vas = math.nan
            curves[:, e] = (trl, trs, tel, tes, val, vas)
            if finite and not (tes <= best_score):
                best_score, best_epoch = tes, e
            if finite and len(yva) and not (val >= best_val):
                best_val, best_val_epoch = val, e
            if not finite:
                status = 2
                break
            if patience > 0:
                if math.isnan(es_ref) or val < es_ref - min_delta:
                    es_ref, es_epoch, es_wait = val, e, 0
                    es_weights = tuple(np.array(a, copy=True) for a in w)
                else:
                    es_wait += 1
                    if es_wait >= patience:
                        break
    restore = patience > 0 and es_epoch >= 0 and status == 1
    last = es_epoch if restore else ran - 1
    if restore:
        W1, b1, W2, b2 = es_weights
    s = head.score
    summary = {"status": status, "final_train_loss": curves[0, last], f"final_train_{s}": curves[1, last],
               "final_test_loss": curves[2, last], f"final_test_{s}": curves[3, last],
               f"best_test_{s}": best_score, "best_epoch": best_epoch,
               "final_val_loss": curves[4, last], f"final_val_{s}": curves[5, last],
               "best_val_loss": best_val, "best_val_epoch": best_val_epoch, "epochs_run": ran}
    return curves, (W1, b1, W2, b2), status, summary


# ---- A results file ---------------------------------------------------------------------------

def _text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def file_task(f):
    """(task, K, class names) of an open results file; a file before format_version 3 is
    binary with the classes 0 and 1."""
    a = f["data"].attrs
    task = _text(a["task"]) if "task" in a else "binary"
    if task == "regression":
        return task, 0, []
    classes = [_text(c) for c in f["data/classes"][:]] if "classes" in f["data"] else ["0", "1"]
    return task, (int(a["n_classes"]) if "n_classes" in a else len(classes)), classes


def file_head(f):
    task, k, _ = file_task(f)
    return make_head(task, k)


def file_source(f, csv_path=None, label=None):
    """(X_raw, y_raw, task) of a results file's data: y_raw the class index (classification) or
    the raw target (regression). The built-in sources come from src/<name>.csv; a CSV source
    from csv_path (default: /data's source as a path), its label column from label (default:
    the spec's data.label, else the last column)."""
    source = _text(f["data"].attrs["source"])
    path = csv_path or builtin_csv(source) or source
    if label is None and not builtin_csv(source):
        label = spec_key(f, "label")
    X, labels, _ = read_table(path, label)
    task, _, classes = file_task(f)
    y = np.array([float(t) for t in labels]) if task == "regression" else encode_labels(labels, classes)
    return X, y, task


def spec_key(f, key, section="data"):
    """A key of the spec recorded in the file (None when absent or YAML is not installed)."""
    try:
        import yaml
    except ImportError:
        return None
    spec = yaml.safe_load(_text(f.attrs.get("spec", ""))) or {}
    v = (spec.get(section) or {}).get(key)
    return None if v is None else str(v)


def split_sets(f, X_raw, y_raw, repeat=0, fold=0):
    """The ((X, y) fit, test, val) a config of split (repeat, fold) trains, tests and
    validates on, from the file's own split, folds and per-split scaling (the whole training
    part's without folds); for regression the targets in that split's trained unit."""
    tr, te = f["data/train_index"][:], f["data/test_index"][:]
    d = f["data"]
    regression = file_task(f)[0] == "regression"
    if "folds" in d:
        K = int(d.attrs["folds"])
        folds = d["folds"][repeat]
        fit, val = tr[folds != fold], tr[folds == fold]
        s = repeat * K + fold
        off, sc = d["split_feature_offset"][s], d["split_feature_scale"][s]
        t_off, t_sc = ((float(d["split_target_offset"][s]), float(d["split_target_scale"][s]))
                       if regression else (0.0, 1.0))
    else:
        fit, val = tr, tr[:0]
        off, sc = d["feature_offset"][:], d["feature_scale"][:]
        t_off, t_sc = ((float(d.attrs["target_offset"]), float(d.attrs["target_scale"]))
                       if regression else (0.0, 1.0))
    out = []
    for idx in (fit, te, val):
        y = y_raw[idx]
        out.append((np.ascontiguousarray((X_raw[idx] - off) * sc), (y - t_off) * t_sc if regression else y))
    return out


def config_weights(f, cfg, group="initial_weights"):
    """A config's (W1, b1, W2, b2) from /initial_weights or /weights, in the shapes used here."""
    g, row = f"{group}/hidden_{int(cfg['hidden_dim'])}", int(cfg["weights_row"])
    return from_file(*(f[f"{g}/{k}"][row] for k in ("W1", "b1", "W2", "b2")))
