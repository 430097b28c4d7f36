"""An independent float64 NumPy reimplementation of DESIGN section 3, held against the file.

The reimplementation is scripts/numpy_reference.py (shared with scripts/numpy_train.py and
tests/test_task_reference.py, which holds it to the multi-class and regression heads); this
file holds it, on the binary task, to the file sweep writes.

For every config of a small sweep (tests/specs/reference.yaml, both shuffle modes, short last
batches) the model is retrained here from the file's own split, scaling and initial weights,
and every curve, the summary and the final weights must agree to 1e-9 relative; likewise every
training recipe (optimizer, weight decay, activation, initialiser) in a 2-seed sweep, written
here from torch.optim's and torch.nn.init's documented formulas. The project's RNG (src/rng.c)
is reimplemented in pure Python for the shuffle order, the initial weights and the split
(src/data.c documents the split so that other tools can redraw it).
"""

import sys

import h5py
import numpy as np
import pytest

from conftest import (BUILTIN_CSV, CSV_DIR, CURVES, NAMES, REPO, SPECS, STATUS_DONE,
                      as_name, assert_close, run_ok, write_spec)

sys.path.insert(0, str(REPO / "scripts"))
import numpy_reference as ref  # noqa: E402
from numpy_reference import (RNG_SHUFFLE, Rng, _splitmix64, epoch_order, redraw_split,  # noqa: E402,F401
                             split_sets)

RTOL, ATOL = 1e-9, 1e-12


def test_rng_reimplementation_matches_reference_values():
    # splitmix64 from state 0 yields the published first output 0xE220A8397B1DCDAF.
    assert _splitmix64(0)[1] == 0xE220A8397B1DCDAF
    r = Rng(0, RNG_SHUFFLE, 0, 0)
    perm = r.permute(list(range(50)))
    assert sorted(perm) == list(range(50)) and perm != list(range(50))
    assert all(0 <= Rng(5, 1, 2, 3).below(7) < 7 for _ in range(20))


def initial_weights(seed, n_in, hidden, scale):
    """W1 (D, H), b1, W2 (H), b2 (a scalar) of the tutorial's init, as a one-output file stores
    them (drawn W1, W2, b1, b2, N(0, 1) * scale, from (seed, D, H))."""
    return ref.to_file(*ref.initial_weights(seed, n_in, hidden, 1, "normal", scale))


def recipe_initial_weights(seed, n_in, hidden, init, scale):
    """torch.nn.init's xavier_uniform_ (gain 1) and kaiming_normal_ (fan_in, relu gain) on W1
    (fan_in D, fan_out H) then W2 (fan_in H, fan_out 1), biases 0, each from its own stream;
    normal is the tutorial's initial_weights."""
    return ref.to_file(*ref.initial_weights(seed, n_in, hidden, 1, init, scale))


def load_csv(path, label=None):
    """(X, y, feature_names) of a CSV with numeric labels: header row, label column by name or
    the last one."""
    X, labels, names = ref.read_table(path, label)
    return X, np.array([float(t) for t in labels]), names


def recipe(cfg):
    """The config's training recipe as names and numbers (a file from before the recipe axes
    has the tutorial's)."""
    c = ref.config(cfg)
    return {k: c[k] for k in ("optimizer", "activation", "init", "momentum", "weight_decay")}


ALL_CURVES = CURVES + ("val_loss", "val_acc")


def split_rows(f, X_raw, y_raw, repeat, fold):
    """The (X, y) a config of split (repeat, fold) trains, tests and validates on, from the
    file's own split, folds and per-split scaling (the whole training part without folds)."""
    return split_sets(f, X_raw, y_raw, repeat, fold)


def check_against_reference(path, X_raw=None, y_raw=None, ids=None):
    """Retrains every config (or those of ids) of the results file at path with the NumPy
    reference, from the file's own split, folds, scalings and initial weights, and compares
    every curve, the summary and the final weights. X_raw, y_raw: the source's rows (y the
    class index or the raw target); default: the file's own source. Any task: the file says
    which. Returns the number of configs checked."""
    with h5py.File(path, "r") as f:
        if X_raw is None:
            X_raw, y_raw, _ = ref.file_source(f)
        task, _, _ = ref.file_task(f)
        head = ref.file_head(f)
        configs = f["configs"][:]
        summary = f["summary"][:]
        names = ref.curve_names(task, "val_loss" in f["curves"])
        file_curves = np.stack([f["curves/" + c][:] for c in names])
        max_epochs = file_curves.shape[2]
        assert max_epochs == configs["epochs"].max()
        for i, cfg in enumerate(configs if ids is None else configs[list(ids)]):
            i = int(cfg["id"])
            sets = split_sets(f, X_raw, y_raw, int(cfg["repeat"]), int(cfg["fold"]))
            init = ref.config_weights(f, cfg, "initial_weights")
            curves, weights, status, want = ref.train(cfg, init, head, *sets, max_epochs)
            tag = f"config {i} ({task}; {dict(zip(configs.dtype.names, cfg.tolist()))})"
            for c, name in enumerate(names):
                assert_close(file_curves[c, i], curves[c], f"{tag}: {name}", RTOL, ATOL)
            assert s_ok(summary[i], want, tag)
            g, row = f"hidden_{cfg['hidden_dim']}", cfg["weights_row"]
            for k, w in zip(("W1", "b1", "W2", "b2"), ref.to_file(*weights)):
                assert_close(f[f"weights/{g}/{k}"][row], w, f"{tag}: weights {k}", RTOL, ATOL)
        return len(configs) if ids is None else len(ids)


def s_ok(s, want, tag):
    """A /summary row against the reference's summary dict (every column but train_seconds)."""
    assert s["status"] == want["status"], f"{tag}: status {s['status']} != {want['status']}"
    for k in ("best_epoch", "best_val_epoch", "epochs_run"):
        assert s[k] == want[k], f"{tag}: {k} {s[k]} != {want[k]}"
    for k, v in want.items():
        if k.startswith(("final_", "best_")) and k not in ("best_epoch", "best_val_epoch"):
            assert k in s.dtype.names, f"{tag}: /summary has no column {k}"
            assert_close(s[k], v, f"{tag}: summary {k}", RTOL, ATOL)
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
