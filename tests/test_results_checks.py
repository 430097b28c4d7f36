"""A results file is input like a spec (DESIGN section 4): every value read from it is checked
before it is used, and a file that fails a check gets exit 2 and one line naming the file and
the object at fault, from every command that reads one: report, report --html, compare,
verify, merge and --resume. Each case damages one thing of a real file with h5py (or, for a
string attribute's bytes in the global heap, by hand) and gives it to every command."""

import re
import shutil
import struct

import h5py
import numpy as np
import pytest

from conftest import SPECS, run_sweep

# Folds, shared prefixes and two seeds, as tests/specs/tiny.yaml with these overrides.
SETS = ["--set", "data.folds=2", "--set", "grid.epochs=[2,4]", "--set", "grid.batch_size=64",
        "--set", "grid.learning_rate=0.05"]
COMMANDS = ("report", "html", "compare", "verify", "merge", "resume")


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checks")
    out = folder / "original.h5"
    r = run_sweep("-q", "-o", out, *SETS, SPECS / "tiny.yaml")
    assert r.returncode == 0, r.stderr
    return out


def run_command(command, path, tmp):
    args = {"report": ["report", path],
            "html": ["report", "--html", tmp / "page.html", path],
            "compare": ["compare", path],
            "verify": ["verify", "--sample", "2", "-j", "1", path],
            "merge": ["merge", "--allow-partial", tmp / "merged.h5", path],
            "resume": ["-q", "--resume", "-o", path, *SETS, SPECS / "tiny.yaml"]}[command]
    return run_sweep(*args)


# --- the damage: (what to change, what the one line must say) ----------------------------

def duplicate_id(f):
    c = f["configs"][:]
    c["id"][5] = 3
    f["configs"][...] = c
    return "/configs: id 3 appears twice"


def id_out_of_range(f):
    c = f["configs"][:]
    c["id"][6] = 1000
    f["configs"][...] = c
    return "/configs: row 6 has id 1000, outside 0.."


def summary_id(f):
    s = f["summary"][:]
    s["id"][2] = 7
    f["summary"][...] = s
    return "/summary: id 7 appears twice"


def unknown_status(f):
    s = f["summary"][:]
    s["status"][2] = 9
    f["summary"][...] = s
    return "/summary: config 2 has status 9"


def weights_row_out_of_range(f):
    c = f["configs"][:]
    c["weights_row"][4] = 999
    f["configs"][...] = c
    return "/configs: config 4 has weights_row 999, outside the"


def weights_row_twice(f):
    c = f["configs"][:]
    h = c["hidden_dim"][0]
    other = np.flatnonzero(c["hidden_dim"] == h)[1]
    c["weights_row"][other] = c["weights_row"][0]
    f["configs"][...] = c
    return f"/configs: weights_row {c['weights_row'][0]} of /weights/hidden_{h} appears twice"


def no_weights_group(f):
    c = f["configs"][:]
    c["hidden_dim"][1] = 5
    f["configs"][...] = c
    return "/configs: config 1 has hidden_dim 5, which has no /weights/hidden_5 group"


def fold_out_of_range(f):
    c = f["configs"][:]
    c["fold"][3] = 2
    f["configs"][...] = c
    return "/configs: config 3 has repeat 0 and fold 2, not a split of /data's 1 repeat of 2 folds"


def epochs_past_the_curves(f):
    c = f["configs"][:]
    c["epochs"][0] = 5
    f["configs"][...] = c
    return "/configs: config 0 has epochs 5, outside 1..4"


def unknown_name(f):
    c = f["configs"][:]
    c["optimizer"][0] = b"sgd\x01x"
    f["configs"][...] = c
    return "/configs: config 0 has optimizer \"sgd?x\", which this version does not know"


def shape_against_n_train(f):
    f["data"].attrs["n_train"] = np.int64(f["data"].attrs["n_train"] + 1)
    return "/data/train_index: shape ["


def rows_against_n_configs(f):
    n = len(f["configs"])
    f.attrs["n_configs"] = np.int64(n + 1)
    return f"/configs: {n} rows, the root's n_configs says {n + 1}"


def folds_against_curves(f):
    f["data"].attrs["folds"] = np.int64(1)
    return "/curves/val_loss: present, but /data's folds is 1"


DAMAGE = [duplicate_id, id_out_of_range, summary_id, unknown_status, weights_row_out_of_range, weights_row_twice,
          no_weights_group, fold_out_of_range, epochs_past_the_curves, unknown_name, shape_against_n_train,
          rows_against_n_configs, folds_against_curves]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__ for d in DAMAGE])
def test_a_damaged_value_is_refused_by_every_reader_in_one_line_naming_the_file_and_the_object(original, tmp_path,
                                                                                                damage):
    bad = tmp_path / "bad.h5"
    shutil.copy(original, bad)
    with h5py.File(bad, "r+") as f:
        words = damage(f)
    before = bad.read_bytes()
    for command in COMMANDS:
        r = run_command(command, bad, tmp_path)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2, (command, r.returncode, r.stderr)
        assert len(lines) == 1 and "bad.h5" in lines[0] and words in lines[0], (command, words, r.stderr)
        assert not (tmp_path / "merged.h5").exists() and not (tmp_path / "page.html").exists()
        if command != "resume":
            assert bad.read_bytes() == before, command


def heap_object(data, text):
    """The position of the global heap object holding text (its 16-byte header before it)."""
    at = data.find(text)
    assert at > 16 and data.find(text, at + 1) < 0, text
    index, _, _, size = struct.unpack_from("<HHIQ", data, at - 16)
    assert size == len(text), (index, size)
    return at - 16


@pytest.mark.parametrize("how", ["index", "size"])
def test_a_damaged_string_attribute_is_refused_not_read_out_of_bounds(original, tmp_path, how):
    """The root's `status` string, in the global heap: its object's index changed (HDF5 1.10
    would look it up past the end of its table) or its size (it would copy more than it
    allocated). Every reader refuses the file in one line; none crashes."""
    data = bytearray(original.read_bytes())
    at = heap_object(bytes(data), b"complete")
    if how == "index":
        struct.pack_into("<H", data, at, 0x7ff0)
    else:
        struct.pack_into("<Q", data, at + 8, 4000)
    bad = tmp_path / "bad.h5"
    bad.write_bytes(bytes(data))
    for command in COMMANDS:
        r = run_command(command, bad, tmp_path)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2, (command, r.returncode, r.stderr)
        # HDF5 parses a heap collection whole: one damaged object makes every string in it
        # unreadable, so the first attribute read (format) or status itself is named.
        assert len(lines) == 1 and "bad.h5" in lines[0], r.stderr
        assert re.search(r'attribute "(status|format)" is damaged', lines[0]), r.stderr


def test_a_file_written_by_this_version_passes_every_check(original, tmp_path):
    for command in COMMANDS:
        r = run_command(command, original if command != "resume" else shutil.copy(original, tmp_path / "c.h5"), tmp_path)
        assert r.returncode == 0, (command, r.stderr)
