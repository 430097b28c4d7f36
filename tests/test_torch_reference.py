"""Every training recipe against PyTorch itself (DESIGN section 3: "formulas as in torch.optim and
torch.nn.init"), where it is installed (Debian: python3-torch); skipped otherwise.

The recipe sweep of test_numpy_reference (every optimizer x weight decay x activation x
initialiser, 2 seeds) is retrained with torch.optim.SGD (momentum, nesterov), Adam and AdamW,
torch.relu / tanh / leaky_relu and binary_cross_entropy_with_logits in float64, from the file's
own split, scaling and initial weights and the same batch order, and every curve and final
weight must agree within 1e-9 relative.
"""

import math

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from conftest import BUILTIN_CSV, STATUS_DONE, as_name, assert_close, run_ok, write_spec  # noqa: E402
from test_numpy_reference import (ALL_CURVES, CURVES, RECIPE_SPEC, epoch_order, load_csv,  # noqa: E402
                                  recipe, split_rows)

RTOL, ATOL = 1e-9, 1e-12


def make_optimizer(rc, params, lr):
    kind, mu, wd = rc["optimizer"], rc["momentum"], rc["weight_decay"]
    if kind in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=0.0 if kind == "sgd" else mu,
                               nesterov=kind == "nesterov", weight_decay=wd)
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)


ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "leaky_relu": lambda z: F.leaky_relu(z, 0.01)}


def train_torch(cfg, init, fit, test, val, max_epochs):
    """(curves (6, max_epochs), final weights) of one config, trained by PyTorch."""
    W1, b1, W2, b2 = (torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in init)
    params = [W1, b1, W2, b2]
    rc = recipe(cfg)
    act = ACTIVATIONS[rc["activation"]]
    opt = make_optimizer(rc, params, float(cfg["learning_rate"]))
    (Xtr, ytr), sets = fit, (fit, test, val)
    Xt, yt = torch.from_numpy(Xtr), torch.from_numpy(ytr)
    n, B = len(ytr), int(cfg["batch_size"])
    curves = np.full((6, max_epochs), np.nan)

    def evaluate(X, y):
        if len(y) == 0:
            return math.nan, math.nan
        with torch.no_grad():
            z = act(torch.from_numpy(X) @ W1 + b1) @ W2 + b2
            t = torch.from_numpy(y)
            return (F.binary_cross_entropy_with_logits(z, t).item(),
                    ((torch.sigmoid(z) >= 0.5) == (t == 1.0)).double().mean().item())

    for e in range(int(cfg["epochs"])):
        order = epoch_order(int(cfg["seed"]), e, n) if cfg["shuffle"] else np.arange(n)
        for start in range(0, n, B):
            idx = torch.from_numpy(order[start:start + B])
            z = act(Xt[idx] @ W1 + b1) @ W2 + b2
            loss = F.binary_cross_entropy_with_logits(z, yt[idx])   # the mean over the batch
            opt.zero_grad()
            loss.backward()
            opt.step()
        for k, (X, y) in enumerate(sets):
            curves[2 * k:2 * k + 2, e] = evaluate(X, y)
    return curves, [p.detach().numpy() for p in params]


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
