"""Every training recipe against PyTorch itself (DESIGN section 3: "formulas as in torch.optim and
torch.nn.init"), where it is installed (Debian: python3-torch); skipped otherwise.

The recipe sweep of test_numpy_reference (every optimizer x weight decay x activation x
initialiser, 2 seeds) is retrained with torch.optim.SGD (momentum, nesterov), Adam and AdamW,
torch.relu / tanh / leaky_relu and binary_cross_entropy_with_logits in float64, from the file's
own split, scaling and initial weights and the same batch order, and every curve and final
weight must agree within 1e-9 relative. train_torch serves every task (tests/test_task_reference.py
uses it with CrossEntropyLoss and MSELoss).
"""

import math

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from conftest import BUILTIN_CSV, STATUS_DONE, as_name, assert_close, run_ok, write_spec  # noqa: E402
from test_numpy_reference import (ALL_CURVES, CURVES, RECIPE_SPEC, epoch_order, load_csv,  # noqa: E402
                                  recipe, ref, split_rows)

RTOL, ATOL = 1e-9, 1e-12


def make_optimizer(rc, params, lr):
    kind, mu, wd = rc["optimizer"], rc["momentum"], rc["weight_decay"]
    if kind in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=0.0 if kind == "sgd" else mu,
                               nesterov=kind == "nesterov", weight_decay=wd)
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)


ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "leaky_relu": lambda z: F.leaky_relu(z, 0.01)}


def loss_fn(task):
    """PyTorch's loss of the task on the outputs z (rows, O), the mean over the rows:
    BCEWithLogitsLoss, CrossEntropyLoss (y the class index), MSELoss."""
    if task == "multiclass":
        return lambda z, y: F.cross_entropy(z, y.long())
    if task == "regression":
        return lambda z, y: F.mse_loss(z[:, 0], y)
    return lambda z, y: F.binary_cross_entropy_with_logits(z[:, 0], y)


def score_fn(task):
    """The task's score on the outputs: accuracy (p >= 0.5, or the argmax), or R2 (1 - SSE / SST
    with the rows' own mean, scikit-learn's r2_score; NaN when the targets are all equal)."""
    if task == "multiclass":
        return lambda z, y: (z.argmax(dim=1) == y.long()).double().mean().item()
    if task == "regression":
        def r2(z, y):
            if bool((y == y[0]).all()):
                return math.nan
            return (1.0 - ((z[:, 0] - y) ** 2).sum() / ((y - y.mean()) ** 2).sum()).item()
        return r2
    return lambda z, y: ((torch.sigmoid(z[:, 0]) >= 0.5) == (y == 1.0)).double().mean().item()


def train_torch(cfg, init, fit, test, val, max_epochs, task="binary"):
    """(curves (6, max_epochs), final weights in the file's shapes) of one config, trained by
    PyTorch in float64: W2 (H, O), b2 (O) inside."""
    W1, b1, W2, b2 = (torch.tensor(a, requires_grad=True) for a in ref.from_file(*init))
    params = [W1, b1, W2, b2]
    rc = recipe(cfg)
    act = ACTIVATIONS[rc["activation"]]
    opt = make_optimizer(rc, params, float(cfg["learning_rate"]))
    loss, score = loss_fn(task), score_fn(task)
    (Xtr, ytr), sets = fit, (fit, test, val)
    Xt, yt = torch.from_numpy(Xtr), torch.from_numpy(np.ascontiguousarray(ytr))
    n, B = len(ytr), int(cfg["batch_size"])
    curves = np.full((6, max_epochs), np.nan)

    def evaluate(X, y):
        if len(y) == 0:
            return math.nan, math.nan
        with torch.no_grad():
            z = act(torch.from_numpy(X) @ W1 + b1) @ W2 + b2
            t = torch.from_numpy(np.ascontiguousarray(y))
            return loss(z, t).item(), score(z, t)

    for e in range(int(cfg["epochs"])):
        order = epoch_order(int(cfg["seed"]), e, n) if cfg["shuffle"] else np.arange(n)
        for start in range(0, n, B):
            idx = torch.from_numpy(order[start:start + B])
            z = act(Xt[idx] @ W1 + b1) @ W2 + b2
            batch_loss = loss(z, yt[idx])   # the mean over the batch
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
        for k, (X, y) in enumerate(sets):
            curves[2 * k:2 * k + 2, e] = evaluate(X, y)
    return curves, list(ref.to_file(*(p.detach().numpy() for p in params)))


@pytest.fixture(scope="module")
def recipe_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("torch")
    spec = write_spec(d / "recipe.yaml", RECIPE_SPEC)
    out = d / "recipe.h5"
    run_ok("-q", "-j", "2", "-o", out, spec)
    return out


def test_every_recipe_matches_pytorch(recipe_file):
    if not BUILTIN_CSV.is_file():
        pytest.skip(f"{BUILTIN_CSV} is absent")
    torch.set_num_threads(1)
    X_raw, y_raw, _ = load_csv(BUILTIN_CSV)
    seen = set()
    with h5py.File(recipe_file, "r") as f:
        configs, summary = f["configs"][:], f["summary"][:]
        names = ALL_CURVES if "val_loss" in f["curves"] else CURVES
        file_curves = np.stack([f["curves/" + c][:] for c in names])
        assert (summary["status"] == STATUS_DONE).all()
        for i, cfg in enumerate(configs):
            fit, test, val = split_rows(f, X_raw, y_raw, int(cfg["repeat"]), int(cfg["fold"]))
            g, row = f"hidden_{cfg['hidden_dim']}", cfg["weights_row"]
            init = [f[f"initial_weights/{g}/{k}"][row] for k in ("W1", "b1", "W2", "b2")]
            curves, weights = train_torch(cfg, init, fit, test, val, file_curves.shape[2])
            tag = f"config {i} ({as_name(cfg['optimizer'])}, wd {cfg['weight_decay']}, " \
                  f"{as_name(cfg['activation'])}, {as_name(cfg['init'])})"
            for c, name in enumerate(names):
                assert_close(file_curves[c, i], curves[c], f"{tag}: {name}", RTOL, ATOL)
            for k, w in zip(("W1", "b1", "W2", "b2"), weights):
                assert_close(f[f"weights/{g}/{k}"][row], w, f"{tag}: weights {k}", RTOL, ATOL)
            seen.add((as_name(cfg["optimizer"]), float(cfg["weight_decay"]), as_name(cfg["activation"])))
    assert len(seen) == 5 * 2 * 3
