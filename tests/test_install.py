"""Installed like a Unix tool: `make install DESTDIR=... PREFIX=/usr` puts a binary that runs a
spec from any folder, a man page that `man -l` renders and whose option lists are those of
each command's --help, and a bash completion that offers the commands, the options, spec files
and the spec's keys after --set; `make uninstall` takes them away again."""

import re
import shutil
import subprocess

import pytest

from conftest import AXES, NAMES, REPO, TINY_SPEC, run_sweep, sweep_bin, write_spec

MAN = REPO / "docs" / "sweep.1"
COMPLETION = REPO / "completion" / "sweep.bash"


def help_options(text):
    """The options a --help lists: every -x and --long at the start of an option line."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^\s+(-\w)?(?:, )?(--[\w-]+)?", line)
        if m and (m.group(1) or m.group(2)) and line.lstrip().startswith("-"):
            opts.update(o for o in m.groups() if o)
    return opts


def man_sections():
    """The man page's option lists: {"run": {...}, "report": {...}, ...}, from the .TP items of
    OPTIONS and of each command's .SS subsection."""
    text = MAN.read_text()
    sections, current, after_tp = {}, None, False
    for line in text.splitlines():
        if line.startswith(".SH"):
            current = "run" if line.strip() == ".SH OPTIONS" else None
        elif line.startswith(".SS sweep "):
            current = line.split()[2]
        elif line.startswith(".TP"):
            after_tp = True
            continue
        elif after_tp and current:
            flat = line.replace("\\-", "-")
            sections.setdefault(current, set()).update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", flat))
        after_tp = False
    return sections


def test_the_man_page_lists_exactly_the_options_of_each_help():
    sections = man_sections()
    r = run_sweep("--help")
    assert r.returncode == 0
    assert sections["run"] == help_options(r.stdout)
    assert {"--set", "--dry-run", "--shard", "-j"} <= sections["run"]
    for cmd in ("report", "merge", "compare", "verify"):
        assert cmd in sections, f"the man page has no .SS sweep {cmd}"
        r = run_sweep(cmd, "--help")
        if not r.stdout.startswith(f"usage: sweep {cmd}"):
            assert cmd in ("compare", "verify"), f"sweep {cmd} --help"
            continue   # being added on another branch: checked once it is here
        assert sections[cmd] == help_options(r.stdout), cmd


def test_the_drift_check_would_catch_a_missing_option():
    sections = man_sections()
    helped = help_options(run_sweep("--help").stdout)
    assert sections["run"] - {"--set"} != helped   # one option fewer is a difference it sees


def complete(words, cwd=REPO):
    """The completions bash offers for the command line `words` (the last one being completed)."""
    script = (f"source {COMPLETION}\n"
              f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
              "_sweep\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "--norc", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return set(filter(None, p.stdout.splitlines()))


def test_completion_offers_commands_options_spec_files_and_keys(tmp_path):
    helped = help_options(run_sweep("--help").stdout)
    assert complete(["sweep", "--"]) == {o for o in helped if o.startswith("--")}
    assert complete(["sweep", "--d"]) == {"--dry-run"}
    assert complete(["sweep", "report", "--"]) == {"--top", "--by", "--metric", "--alpha", "--csv", "--html", "--help"}
    assert complete(["sweep", "--set", "grid."]) == {f"grid.{a}=" for a in AXES}
    assert complete(["sweep", "compare", "--where", "optimizer=a"]) == {"optimizer=adam", "optimizer=adamw"}
    assert "activation=" in complete(["sweep", "compare", "--where", ""])
    assert "search.n=" in complete(["sweep", "--set", "search."])
    for name in ("a.yaml", "b.yml", "c.txt", "r.h5"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    assert complete(["sweep", ""], cwd=tmp_path) == {"report", "merge", "compare", "verify", "a.yaml", "b.yml", "sub/"}
    assert complete(["sweep", "-n", ""], cwd=tmp_path) == {"a.yaml", "b.yml", "sub/"}
    assert complete(["sweep", "-o", ""], cwd=tmp_path) == {"r.h5", "sub/"}


def completion_axes():
    """The completion's one list of the axes, and of the name axes' values as AXIS=NAME."""
    text = COMPLETION.read_text()
    axes = re.search(r'^_sweep_axes="([^"]*)"$', text, re.M)
    values = re.search(r'^_sweep_axis_values="([^"]*)"$', text, re.M)
    assert axes and values, "completion/sweep.bash has no _sweep_axes or _sweep_axis_values"
    return text, axes.group(1).split(), values.group(1).split()


def test_the_completions_axes_are_the_binarys():
    """The completion lists the axes once, in the binary's order (sweep report --help), and the
    name axes' values as scripts/sweep_axes.py has them (tests/test_cli.py holds that to the
    binary)."""
    text, axes, values = completion_axes()
    r = run_sweep("report", "--help")
    assert r.returncode == 0, r.stderr
    assert tuple(axes) == tuple(r.stdout[r.stdout.index("\nAxes:") + 6:].split(".\n")[0].split()) == AXES
    assert values == [f"{a}={v}" for a in AXES if a in NAMES for v in NAMES[a]]
    assert all(text.count(a) == 1 for a in ("hidden_dim", "min_delta", "xavier_uniform")), "a second list"
    assert complete(["sweep", "report", "--by", ""]) == set(AXES)
    assert complete(["sweep", "compare", "--where", "init="]) == {f"init={v}" for v in NAMES["init"]}


def man_misses(text):
    """The axes and name axes' values that the man page text never names."""
    words = set(re.findall(r"\w+", re.sub(r"\\f[BIRP]", " ", text.replace("\\-", "-"))))
    return [a for a in AXES if a not in words] + [v for a in NAMES for v in NAMES[a] if v not in words]


def test_the_man_page_names_every_axis_and_every_name():
    text = MAN.read_text()
    assert man_misses(text) == []
    assert man_misses(text.replace("min_delta", "min-delta")) == ["min_delta"]   # it would see one missing


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_install_and_uninstall_honour_destdir_and_prefix(tmp_path):
    root = tmp_path / "root"
    make = ["make", "-s", "-C", str(REPO), f"DESTDIR={root}", "PREFIX=/usr", f"INSTALL_BIN={sweep_bin()}"]
    p = subprocess.run(make + ["install"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    binary = root / "usr" / "bin" / "sweep"
    page = root / "usr" / "share" / "man" / "man1" / "sweep.1"
    comp = root / "usr" / "share" / "bash-completion" / "completions" / "sweep"
    assert binary.is_file() and page.is_file() and comp.is_file()
    # the installed binary runs a spec from another folder (the data set is built in)
    work = tmp_path / "elsewhere"
    spec = write_spec(work / "tiny.yaml", TINY_SPEC)
    r = subprocess.run([str(binary), "-q", "tiny.yaml"], cwd=work, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (work / "results" / "tiny.h5").is_file() and spec.is_file()
    # man -l renders the page, with every command in it
    if shutil.which("man") is None:
        pytest.skip("man is not installed (scripts/install-deps.sh installs man-db)")
    m = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True, timeout=60,
                       env={"MANWIDTH": "100", "PAGER": "cat", "MANPAGER": "cat", "PATH": "/usr/bin:/bin"})
    assert m.returncode == 0, m.stderr
    assert m.stdout.lstrip().startswith("SWEEP(1)")
    for text in ("sweep report", "sweep merge", "sweep compare", "sweep verify", "--set KEY=VALUE", "EXIT STATUS"):
        assert text in m.stdout.replace("\u2010", "-"), text
    g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], capture_output=True, text=True)
    assert g.returncode == 0 and g.stderr == "", g.stderr
    # the installed completion is the one the test above drives
    assert comp.read_text() == COMPLETION.read_text()
    p = subprocess.run(make + ["uninstall"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert not binary.exists() and not page.exists() and not comp.exists()
