"""Nothing depends on thread count or scheduling (DESIGN section 3): -j 1 and -j 2, and two
runs with the same thread count, give identical files apart from the root's created, command
and host and the summary's train_seconds column."""

import shutil
import subprocess

import h5py
import numpy as np
import pytest

from conftest import have_h5diff, run_ok, same_array, write_spec

# Both shuffle modes, two hidden sizes, varying epochs (NaN tails) and a learning rate that
# diverges (NaN curves and non-finite weights): 2 x 2 x 2 x 2 x 3 x 1 x 2 = 96 configs.
SPEC = """\
save_initial_weights: true
grid:
  hidden_dim: [4, 16]
  learning_rate: [0.3, 1.0e+200]
  batch_size: [16, 50]
  epochs: [4, 9]
  seed: {range: [0, 3]}
  init_scale: 0.1
  shuffle: [false, true]
"""

# Every object except /summary, whose train_seconds column differs between runs.
H5DIFF_OBJECTS = ("/configs", "/curves", "/data", "/weights", "/initial_weights")
ROOT_ATTRS_THAT_DIFFER = {"created", "command", "host"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("determinism")
    spec = write_spec(d / "det.yaml", SPEC)
    files = {}
    for name, j in (("j1a", 1), ("j1b", 1), ("j2a", 2), ("j2b", 2)):
        files[name] = d / f"{name}.h5"
        run_ok("-q", "-j", j, "-o", files[name], spec)
    with h5py.File(files["j1a"], "r") as f:
        status = f["summary"]["status"]
        assert (status == 2).any() and (status == 1).any(), "the spec should mix done and diverged"
    return files


def h5diff(a, b, obj):
    return subprocess.run(["h5diff", str(a), str(b), obj, obj], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)


DIMENSION_SCALE_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST"}


def scale_names(dset):
    """The names of the dimension scales attached to each axis of a dataset."""
    return [[scale.name for scale in dim.values()] for dim in dset.dims]


def assert_same_results(a, b):
    """a and b hold the same results: h5diff for every object but /summary (when h5diff is
    installed), NumPy for everything, /summary without train_seconds, root attributes without
    created, command and host."""
    if have_h5diff():
        for obj in H5DIFF_OBJECTS:
            r = h5diff(a, b, obj)
            assert r.returncode == 0, f"h5diff {a.name} {b.name} {obj}:\n{r.stdout.decode()[-3000:]}"
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        assert names_a == names_b
        for name in names_a:
            oa, ob = fa[name], fb[name]
            assert set(oa.attrs) == set(ob.attrs), name
            for k in oa.attrs:
                if k in DIMENSION_SCALE_ATTRS:   # object references: compared by what they name
                    continue
                assert same_array(oa.attrs[k], ob.attrs[k]), f"{name} attribute {k}"
            if not isinstance(oa, h5py.Dataset):
                continue
            assert scale_names(oa) == scale_names(ob), f"{name} dimension scales"
            va, vb = oa[()], ob[()]
            assert oa.dtype == ob.dtype and oa.shape == ob.shape, name
            if name == "summary":
                cols = [c for c in va.dtype.names if c != "train_seconds"]
                for c in cols:
                    assert same_array(va[c], vb[c]), f"/summary column {c} differs"
            else:
                assert same_array(va, vb), f"/{name} differs"
        assert set(fa.attrs) == set(fb.attrs)
        for k in fa.attrs:
            if k not in ROOT_ATTRS_THAT_DIFFER:
                assert same_array(fa.attrs[k], fb.attrs[k]), f"root attribute {k} differs"


def test_one_and_two_threads_give_identical_results(runs):
    assert_same_results(runs["j1a"], runs["j2a"])


def test_two_runs_with_two_threads_are_identical(runs):
    assert_same_results(runs["j2a"], runs["j2b"])


def test_two_runs_with_one_thread_are_identical(runs):
    assert_same_results(runs["j1a"], runs["j1b"])


def test_comparison_detects_a_changed_value(runs, tmp_path):
    """Guards the comparison itself: a single changed curve value (a number, or a number made
    NaN) must be reported, by h5diff and by the NumPy comparison."""
    for value in (0.123, np.nan):
        copy = tmp_path / "changed.h5"
        shutil.copyfile(runs["j1a"], copy)
        with h5py.File(copy, "r+") as f:
            c = f["curves/train_loss"]
            i = int(np.argmax(np.isfinite(c[:, 0])))
            c[i, 0] = value
        if have_h5diff():
            assert h5diff(runs["j1a"], copy, "/curves").returncode == 1
        with pytest.raises(AssertionError):
            assert_same_results(runs["j1a"], copy)


def test_portable_and_avx2_kernels_write_identical_results(tmp_path):
    """What a machine without AVX2/FMA computes (the portable kernels, forced here) equals what
    this one computes, diverged and shuffled configs included: results never depend on which
    machine ran them."""
    spec = write_spec(tmp_path / "k.yaml", "save_initial_weights: true\ngrid:\n  hidden_dim: [3, 17]\n"
                      "  learning_rate: [0.3, 1.0e200]\n  batch_size: [7, 64]\n  epochs: 4\n"
                      "  seed: [0, 1]\n  shuffle: [false, true]\n")
    runs = {}
    for kind in ("portable", "avx2"):
        out = tmp_path / f"{kind}.h5"
        run_ok("-q", spec, "-o", out, env={"SWEEP_MLP_KERNELS": kind})
        runs[kind] = out
    assert_same_results(runs["portable"], runs["avx2"])


def test_every_recipe_is_the_same_on_portable_and_avx2_kernels(tmp_path):
    """The optimizers, weight decay, activations and initialisers too: portable and AVX2 kernels
    write bitwise identical files, odd hidden sizes (the scalar tails) and diverged configs
    included."""
    spec = write_spec(tmp_path / "r.yaml", "save_initial_weights: true\ngrid:\n  hidden_dim: [3, 17]\n"
                      "  learning_rate: [0.3, 1.0e200]\n  batch_size: [7, 64]\n  epochs: 3\n"
                      "  seed: 1\n  shuffle: true\n  optimizer: [sgd, momentum, nesterov, adam, adamw]\n"
                      "  weight_decay: [0, 0.1]\n  activation: [relu, tanh, leaky_relu]\n"
                      "  init: [normal, xavier_uniform, he_normal]\n")
    runs = {}
    for kind in ("portable", "avx2"):
        out = tmp_path / f"{kind}.h5"
        run_ok("-q", spec, "-o", out, env={"SWEEP_MLP_KERNELS": kind})
        runs[kind] = out
    with h5py.File(runs["avx2"], "r") as f:
        status = f["summary"]["status"]
        assert (status == 2).any() and (status == 1).any()
    assert_same_results(runs["portable"], runs["avx2"])
