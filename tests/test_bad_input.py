"""Bad specs and bad CSV files (DESIGN section 2): exit status 2, exactly one line on stderr
naming file, line and column, and no file created.

Fixtures:
  tests/specs/bad/*.yaml   first line `# expect: LINE:COL: substring` (the location is in the
                           spec) or `# expect: FILE.csv:LINE:COL: substring` (in that CSV file)
  tests/csv/*.csv          with a `.expect` sibling holding `LINE:COL: substring`; used as
                           data.source of a spec written here
"""

import json
import re

import pytest

from conftest import CSV_DIR, REPO, SPECS, files_under, one_line, write_spec

BAD_DIR = SPECS / "bad"
EXPECT = re.compile(r"^#\s*expect:\s*(?:(?P<file>[^\s:]+\.csv):)?(?P<line>\d+):(?P<col>\d+):\s*(?P<text>.*?)\s*$")


def bad_specs():
    specs = sorted(BAD_DIR.glob("*.yaml")) if BAD_DIR.is_dir() else []
    return [pytest.param(p, id=p.stem) for p in specs] or [
        pytest.param(None, marks=pytest.mark.skip(reason=f"no fixtures in {BAD_DIR}"))]


def bad_csvs():
    csvs = [p for p in sorted(CSV_DIR.glob("*.csv")) if p.with_suffix(".expect").is_file()] \
        if CSV_DIR.is_dir() else []
    return [pytest.param(p, id=p.stem) for p in csvs] or [
        pytest.param(None, marks=pytest.mark.skip(reason=f"no .csv/.expect fixtures in {CSV_DIR}"))]


def check_error(line, location, text):
    """line holds location (at the start of a path component) and, after it, text."""
    m = re.search(r"(?:^|[\s/'\"])" + re.escape(location), line)
    assert m, f"expected location {location!r} in {line!r}"
    assert text in line[m.end():], f"expected {text!r} after {location!r} in {line!r}"


@pytest.mark.parametrize("spec", bad_specs())
def test_bad_spec_is_rejected_with_one_located_line(sweep, tmp_path, spec):
    first = spec.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    m = EXPECT.match(first)
    assert m, f"{spec}: first line {first!r} is not `# expect: [FILE.csv:]LINE:COL: substring`"
    as_passed = str(spec.relative_to(REPO))
    rc, out, err = sweep("-q", "-o", tmp_path / "out.h5", as_passed, cwd=REPO)
    assert rc == 2, f"exit {rc}, stderr {err!r}"
    line = one_line(err)
    if m["file"]:
        location = f"{m['file']}:{m['line']}:{m['col']}:"
    else:
        location = f"{as_passed}:{m['line']}:{m['col']}:"
    check_error(line, location, m["text"])
    assert files_under(tmp_path) == set(), "a bad spec must create no file"
    assert out == ""


@pytest.mark.parametrize("csv_path", bad_csvs())
def test_bad_csv_is_rejected_with_one_located_line(sweep, tmp_path, csv_path):
    expect = csv_path.with_suffix(".expect").read_text(encoding="utf-8").strip().splitlines()[0]
    m = re.match(r"^(?P<line>\d+):(?P<col>\d+):\s*(?P<text>.*?)\s*$", expect)
    assert m, f"{csv_path.with_suffix('.expect')}: {expect!r} is not `LINE:COL: substring`"
    spec_dir = tmp_path / "spec"
    spec = write_spec(spec_dir / "csv.yaml",
                      f"data:\n  source: {json.dumps(str(csv_path))}\ngrid:\n  hidden_dim: 2\n  batch_size: 1\n  epochs: 1\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    rc, out, err = sweep("-q", "-o", out_dir / "out.h5", spec)
    assert rc == 2, f"exit {rc}, stderr {err!r}"
    line = one_line(err)
    check_error(line, f"{csv_path.name}:{m['line']}:{m['col']}:", m["text"])
    assert files_under(out_dir) == set(), "a bad CSV must create no file"
    assert files_under(tmp_path) == {"spec", "spec/csv.yaml", "out"}
