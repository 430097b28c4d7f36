"""The command line (DESIGN section 1): help and version, usage errors, refusing to overwrite,
--force, --dry-run, progress and -q, the output path's precedence, --shard."""

import re

import h5py
import numpy as np
import pytest

from conftest import (AXES, DEFAULTS, GROUPS, KINDS, NAMES, TINY_AXES, TINY_SPEC, files_under, one_line,
                      run_ok, write_spec)


def test_help_exits_zero_and_prints_usage(sweep):
    for flag in ("--help", "-h"):
        rc, out, err = sweep(flag)
        assert rc == 0, err
        assert "usage" in out.lower() and "SPEC" in out
        assert err == ""


def test_version_exits_zero(sweep):
    for flag in ("-V", "--version"):
        rc, out, err = sweep(flag)
        assert rc == 0, err
        assert re.match(r"^sweep \d+\.\d+(\.\d+)?\S*\n?$", out), out
        assert err == ""


BAD_USAGE = {
    "zero-threads": ["-j", "0", "{spec}"],
    "threads-not-a-number": ["-j", "many", "{spec}"],
    "shard-k-equals-n": ["--shard", "3/3", "{spec}"],
    "shard-not-k-over-n": ["--shard", "x", "{spec}"],
    "shard-n-zero": ["--shard", "0/0", "{spec}"],
    "unknown-option": ["--no-such-option", "{spec}"],
    "output-without-value": ["{spec}", "-o"],
    "no-spec": [],
    "two-specs": ["{spec}", "{spec}"],
    "resume-and-force": ["--resume", "--force", "{spec}"],
}


@pytest.mark.parametrize("case", sorted(BAD_USAGE))
def test_bad_usage_exits_2_with_one_line(sweep, tiny_spec, tmp_path, case):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = [a.format(spec=tiny_spec) for a in BAD_USAGE[case]]
    if case != "output-without-value":
        args = ["-o", out_dir / "out.h5"] + args
    rc, out, err = sweep(*args, cwd=tmp_path)
    assert rc == 2, f"exit {rc}, stderr {err!r}"
    one_line(err)
    assert files_under(out_dir) == set()
    assert not (tmp_path / "results").exists()


def test_existing_output_is_refused_and_left_unchanged(sweep, tiny_spec, tmp_path):
    out = tmp_path / "out" / "out.h5"
    out.parent.mkdir()
    out.write_bytes(b"precious bytes, not HDF5\n")
    rc, _, err = sweep("-q", "-o", out, tiny_spec)
    assert rc == 2, err
    line = one_line(err)
    assert str(out) in line or "out.h5" in line
    assert out.read_bytes() == b"precious bytes, not HDF5\n"
    assert files_under(out.parent) == {"out.h5"}


def test_existing_results_file_is_refused_and_left_unchanged(sweep, tiny_spec, tmp_path):
    out = tmp_path / "out" / "out.h5"
    out.parent.mkdir()
    run_ok("-q", "-o", out, tiny_spec)
    before = out.read_bytes()
    rc, _, err = sweep("-q", "-o", out, tiny_spec)
    assert rc == 2, err
    one_line(err)
    assert out.read_bytes() == before
    assert files_under(out.parent) == {"out.h5"}


def test_force_replaces_an_existing_file(sweep, tiny_spec, tmp_path):
    out = tmp_path / "out" / "out.h5"
    out.parent.mkdir()
    out.write_bytes(b"old")
    rc, _, err = sweep("-q", "--force", "-o", out, tiny_spec)
    assert rc == 0, err
    with h5py.File(out, "r") as f:
        assert f.attrs["status"] == "complete"
        assert f.attrs["n_configs"] == 16
        assert (f["summary"]["status"] == 1).all()
    assert files_under(out.parent) == {"out.h5"}


def test_dry_run_prints_grid_and_writes_nothing(sweep, tiny_spec, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    rc, out, err = sweep("--dry-run", "-o", out_dir / "out.h5", tiny_spec, cwd=tmp_path)
    assert rc == 0, err
    lines = out.splitlines()
    for axis in AXES:
        n = len(TINY_AXES[axis])
        hits = [l for l in lines if re.search(rf"\b{axis}\b", l) and re.search(rf"\b{n}\b", l)]
        assert hits, f"no line shows axis {axis} with its size {n}:\n{out}"
    assert any(re.search(r"\b16\b", l) and re.search(r"config|total", l, re.I) for l in lines), out
    assert files_under(out_dir) == set()        # no file, no .lock, no .tmp
    assert files_under(tmp_path) == {"out", "spec", "spec/tiny.yaml"}


def preview_header(out):
    """The column names of the dry run's preview of configs."""
    lines = out.splitlines()
    return lines[lines.index("configs (first and last)") + 1].split()


def test_dry_run_preview_shows_the_groups_of_axes_a_config_changes(sweep, tiny_spec, tmp_path):
    tutorial, recipe, stopping = ([a for a in AXES if GROUPS[a] == g] for g in ("tutorial", "recipe", "stopping"))
    tutorial = ["id"] + tutorial
    cases = [([], tutorial),
             (["--set", "grid.optimizer=adam"], tutorial + recipe),
             (["--set", "data.folds=2", "--set", "grid.patience=[0, 3]"], tutorial + stopping + ["repeat", "fold"]),
             (["--set", "grid.min_delta=0.01", "--set", "grid.weight_decay=0.1"], tutorial + recipe + stopping)]
    for args, want in cases:
        rc, out, err = sweep("-n", *args, tiny_spec, cwd=tmp_path)
        assert rc == 0, err
        assert preview_header(out) == want, out
    rc, out, err = sweep("-n", "--set", "data.folds=2", "--set", "grid.patience=4", "--set", "grid.min_delta=0.25",
                         tiny_spec, cwd=tmp_path)
    row = out.splitlines()[out.splitlines().index("configs (first and last)") + 2].split()
    assert row[-4:] == ["4", "0.25", "0", "0"], out


def test_python_axes_are_the_binarys(sweep, tmp_path):
    """scripts/sweep_axes.py, the one Python list of the axes, against the binary's table: the
    order (sweep report --help), the defaults (a dry run of an empty grid) and the names."""
    rc, out, err = sweep("report", "--help")
    assert rc == 0, err
    listed = out[out.index("\nAxes:") + 6:].split(".\n")[0].split()
    assert tuple(listed) == AXES
    spec = write_spec(tmp_path / "empty.yaml", "grid: {}\n")
    rc, out, err = sweep("-n", spec)
    assert rc == 0, err
    shown = {m[1]: m[2] for m in re.finditer(r"^  (\w+) +1: (\S+)$", out, re.M)}
    for a in AXES:
        default = DEFAULTS[a]
        want = ("true" if default else "false") if KINDS[a] == "bool" else f"{default:g}" if KINDS[a] == "real" \
            else str(default)
        assert shown[a] == want, a
    for a, names in NAMES.items():
        spec = write_spec(tmp_path / f"{a}.yaml", f"grid:\n  {a}: nothing_of_the_kind\n")
        rc, _, err = sweep("-n", spec)
        assert rc == 2
        want = ", ".join(names[:-1]) + " or " + names[-1]
        assert f"grid.{a}: expected {want}, found" in one_line(err)


def test_dry_run_with_default_output_creates_no_results_folder(sweep, tiny_spec, tmp_path):
    rc, out, err = sweep("-n", tiny_spec.resolve(), cwd=tmp_path)
    assert rc == 0, err
    assert files_under(tmp_path) == {"spec", "spec/tiny.yaml"}


def test_progress_goes_to_stderr_as_plain_lines(sweep, tiny_spec, tmp_path):
    rc, out, err = sweep("-o", tmp_path / "out.h5", tiny_spec)
    assert rc == 0, err
    assert out == ""
    assert re.search(r"\b\d+/16\b", err), err
    assert "\r" not in err and "\x1b" not in err, "not a terminal: plain lines, no redraws"


def test_quiet_suppresses_progress(sweep, tiny_spec, tmp_path):
    for flag in ("-q", "--quiet"):
        out = tmp_path / f"out{flag}.h5"
        rc, stdout, err = sweep(flag, "-o", out, tiny_spec)
        assert rc == 0, err
        assert err == "" and stdout == ""
        assert out.is_file()


def test_output_option_wins_over_spec_output(sweep, tmp_path):
    spec = write_spec(tmp_path / "spec" / "s.yaml", "output: from_spec.h5\n" + TINY_SPEC)
    run_ok("-q", "-o", "from_option.h5", spec, cwd=tmp_path)
    assert (tmp_path / "from_option.h5").is_file()
    assert not (tmp_path / "from_spec.h5").exists()
    assert not (tmp_path / "results").exists()


def test_spec_output_is_relative_to_working_directory(sweep, tmp_path):
    spec = write_spec(tmp_path / "spec" / "s.yaml", "output: from_spec.h5\n" + TINY_SPEC)
    run_ok("-q", spec, cwd=tmp_path)
    assert (tmp_path / "from_spec.h5").is_file()
    assert not (tmp_path / "spec" / "from_spec.h5").exists()
    assert not (tmp_path / "results").exists()


def test_default_output_is_results_stem_h5(sweep, tmp_path):
    spec = write_spec(tmp_path / "spec" / "my-grid.v2.yaml", TINY_SPEC)
    run_ok("-q", spec.resolve(), cwd=tmp_path)
    assert (tmp_path / "results" / "my-grid.v2.h5").is_file()
    assert files_under(tmp_path / "results") == {"my-grid.v2.h5"}


def test_missing_output_directory_is_a_runtime_error(sweep, tiny_spec, tmp_path):
    rc, _, err = sweep("-q", "-o", tmp_path / "no" / "such" / "out.h5", tiny_spec)
    assert rc == 1, err
    one_line(err)
    assert not (tmp_path / "no").exists()


def test_shard_trains_only_its_configs(sweep, tiny_spec, tmp_path):
    out = tmp_path / "shard1.h5"
    run_ok("-q", "--shard", "1/3", "-o", out, tiny_spec)
    with h5py.File(out, "r") as f:
        assert f.attrs["shard"] == "1/3"
        assert f.attrs["n_configs"] == 16
        assert f.attrs["status"] == "complete"
        s = f["summary"][:]
        ids = s["id"]
        assert np.array_equal(ids, np.arange(16))
        mine = ids % 3 == 1
        assert (s["status"][mine] == 1).all(), s["status"]
        assert (s["status"][~mine] == 0).all(), s["status"]
        train_loss = f["curves/train_loss"][:]
        assert np.isfinite(train_loss[mine]).all()


def test_whole_sweep_records_shard_0_of_1(sweep, tiny_spec, tmp_path):
    out = tmp_path / "all.h5"
    run_ok("-q", "-o", out, tiny_spec)
    with h5py.File(out, "r") as f:
        assert f.attrs["shard"] == "0/1"


def test_an_empty_output_path_is_a_usage_error(sweep, tiny_spec, tmp_path):
    r = sweep("-q", tiny_spec, "-o", "")
    assert r.returncode == 2
    one_line(r.stderr)


def test_a_directory_as_output_is_a_usage_error_that_names_it(sweep, tiny_spec, tmp_path):
    r = sweep("-q", tiny_spec, "-o", tmp_path)
    assert r.returncode == 2
    assert "is a directory" in one_line(r.stderr)
    assert not [p for p in files_under(tmp_path) if p.endswith((".h5", ".lock", ".tmp"))]
