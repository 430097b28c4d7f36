"""The fault-injection driver: a failing disk under a real sweep, merge or resume.

The shim (faultsim.c, built as build/faultsim.so) numbers every write-like call a process
makes on its results file (and PATH.tmp): write, pwrite, ftruncate, fsync, rename, ... These
are the "sites". count() runs a scenario once without a fault and returns its sites (and the
file it wrote: the reference); inject() runs it again with site N failing, once (a transient
error) or from N on (a dead disk), with ENOSPC or EIO, and judge() holds the outcome to the
contract (DESIGN section 4, README "How the file survives a crash"):

  - exit 1 with at most two lines on stderr, naming the file and the error; exit 0 only when
    the file is exactly what the unfaulted run wrote (scripts/same_results.py);
  - the file under the results name opens in h5py and every finished config's rows (status
    done or diverged) equal the unfaulted run's: curves, weights, /summary row;
  - a file that says `complete` has its derived data (/seed_stats, /seed_stats_curves);
  - a rerun without faults (`--resume` when a file was left, else a plain run; merge: the
    same merge again) ends in the unfaulted run's file, derived data and status included;
  - merge: its parts keep their bytes, and a failed merge leaves no file under OUT.

Scenarios (each in its own folder, built by setup()):
  sweep   a fresh sweep: folds, shared prefixes (epochs [2, 4]), two seeds
  resume  `--resume` of that sweep's file with half its configs pending
  merge   `sweep merge` of its two shards

Used by tests/test_faults.py (a stride of the sites, inside `make test`) and scripts/faults.py
(`make faults`: every site of every mode, and a table). Needs /usr/bin/python3 with h5py.
"""

import collections
import errno as errno_mod
import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parent.parent.parent
SHIM = REPO / "build" / "faultsim.so"

_spec = importlib.util.spec_from_file_location("same_results", REPO / "scripts" / "same_results.py")
same_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(same_results)

# The sweep every scenario runs: folds (3), shared prefixes (epochs 2 and 4 share a
# trajectory), seed statistics (2 seeds per setting): 2 x 2 x 2 seeds x 3 folds = 24 configs.
SPEC = """\
data:
  folds: 3
grid:
  hidden_dim: [2, 3]
  learning_rate: 0.1
  batch_size: 64
  epochs: [2, 4]
  seed: [0, 1]
"""

MODES = (("once", "ENOSPC"), ("once", "EIO"), ("dead", "ENOSPC"), ("dead", "EIO"))
STRERROR = {"ENOSPC": os.strerror(errno_mod.ENOSPC), "EIO": os.strerror(errno_mod.EIO)}
TIMEOUT = 60
CURVES = ("train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc")
DERIVED = ("seed_stats", "seed_stats_curves")

Site = collections.namedtuple("Site", "n op fd offset length result path")


def sweep_bin():
    p = Path(os.environ.get("SWEEP_BIN", "./sweep"))
    return p if p.is_absolute() else (REPO / p)


def run(args, cwd, env=None, timeout=TIMEOUT):
    """Runs the binary; returns (returncode, stdout, stderr); returncode None on a timeout."""
    full = dict(os.environ)
    full.pop("SWEEP_DEBUG_HDF5", None)
    full.update(env or {})
    try:
        p = subprocess.run([str(sweep_bin())] + [str(a) for a in args], cwd=str(cwd), env=full,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode("utf-8", "replace"), (e.stderr or b"").decode("utf-8", "replace")
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def shim_env(match, log, at=0, mode="once", err="ENOSPC", shim=SHIM):
    env = {"LD_PRELOAD": str(shim), "FAULTSIM_MATCH": str(match), "FAULTSIM_LOG": str(log),
           "FAULTSIM_AT": str(at), "FAULTSIM_MODE": mode, "FAULTSIM_ERRNO": err}
    # A sanitized binary wants its runtime first in the list; the shim may come first here.
    # After an injected error HDF5 keeps some of its allocations (files whose close failed):
    # not what this test is about, and a leak report would change the exit status it checks.
    opts = [os.environ.get("ASAN_OPTIONS", ""), "verify_asan_link_order=0"] + (["detect_leaks=0"] if at else [])
    env["ASAN_OPTIONS"] = ":".join(filter(None, opts))
    return env


def parse_log(log):
    sites = []
    if not Path(log).exists():
        return sites
    for line in Path(log).read_text(errors="replace").splitlines():
        parts = line.split(" ", 6)
        if len(parts) == 7:
            sites.append(Site(int(parts[0]), parts[1], int(parts[2]), int(parts[3]), int(parts[4]), parts[5], parts[6]))
    return sites


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------
# What a site does: the objects whose bytes it writes.

def extents(path):
    """[(offset, end, name)] of every contiguous dataset's raw data in a results file."""
    out = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                off = obj.id.get_offset()
                if off is not None:
                    out.append((off, off + obj.id.get_storage_size(), "/" + name))
        f.visititems(visit)
    return sorted(out)


def describe(site, layout, final_name):
    """One phrase for what the site does, from its call and the reference file's layout."""
    where = " (PATH.tmp)" if site.path.endswith(".tmp") else ""
    if site.op == "rename":
        return "rename PATH.tmp into place"
    if site.op in ("fsync", "fdatasync"):
        return f"{site.op}{where}"
    if site.op in ("ftruncate", "truncate"):
        return f"{site.op} to {site.length}{where}"
    if site.offset < 0:
        return f"{site.op} {site.length} B{where}"
    if site.offset == 0 and site.length <= 96:
        return f"superblock{where}"
    hits = [name for lo, hi, name in layout if lo < site.offset + site.length and site.offset < hi]
    if len(hits) > 4:
        return f"a copy of {len(hits)} objects' bytes ({site.length} B){where}"
    if hits:
        common = os.path.commonpath(hits) if len(hits) > 1 else hits[0]
        return f"raw data {common}{' (%d objects)' % len(hits) if len(hits) > 1 else ''}{where}"
    return f"metadata {site.length} B at {site.offset}{where}"


# ---------------------------------------------------------------------------------------
# The scenarios.

class Scenario:
    """A scenario lives in folder: setup() builds its inputs once; prepare(work) lays out a
    fresh copy to run in; command() is what meets the fault; target is the file the shim
    follows (relative to the work folder)."""
    name = None
    target = "out.h5"

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.spec = self.folder / "spec.yaml"
        self.spec.write_text(SPEC)

    def prepare(self, work):
        work = Path(work)
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        shutil.copy(self.spec, work / "spec.yaml")
        return work

    def rerun(self, work):
        """The run without faults that must end in the reference file."""
        raise NotImplementedError


class SweepScenario(Scenario):
    name = "sweep"

    def setup(self):
        pass

    def command(self):
        return ["-q", "-j", "2", "spec.yaml", "-o", self.target]

    def rerun(self, work):
        resume = (Path(work) / self.target).exists()
        return run(["-q", "-j", "2", "spec.yaml", "-o", self.target] + (["--resume"] if resume else []), work)


class ResumeScenario(Scenario):
    """`--resume` of an interrupted file: the sweep's shard 0/2 run (half the configs done,
    the rest never written, no seed statistics), relabelled as the whole sweep interrupted."""
    name = "resume"

    def setup(self):
        start = self.folder / "start.h5"
        if start.exists():
            return
        rc, _, err = run(["-q", "-j", "2", "--shard", "0/2", "spec.yaml", "-o", "start.h5"], self.folder)
        assert rc == 0, err
        with h5py.File(start, "r+") as f:
            f.attrs["shard"] = "0/1"
            f.attrs["status"] = "interrupted"
        Path(str(start) + ".lock").unlink(missing_ok=True)

    def prepare(self, work):
        work = super().prepare(work)
        shutil.copy(self.folder / "start.h5", work / self.target)
        return work

    def command(self):
        return ["-q", "-j", "2", "--resume", "spec.yaml", "-o", self.target]

    def rerun(self, work):
        resume = (Path(work) / self.target).exists()
        return run(["-q", "-j", "2", "spec.yaml", "-o", self.target] + (["--resume"] if resume else []), work)


class MergeScenario(Scenario):
    name = "merge"
    target = "merged.h5"
    parts = ("shard0.h5", "shard1.h5")

    def setup(self):
        for k, part in enumerate(self.parts):
            if not (self.folder / part).exists():
                rc, _, err = run(["-q", "-j", "2", "--shard", f"{k}/2", "spec.yaml", "-o", part], self.folder)
                assert rc == 0, err
                Path(str(self.folder / part) + ".lock").unlink(missing_ok=True)

    def prepare(self, work):
        work = super().prepare(work)
        for part in self.parts:
            shutil.copy(self.folder / part, work / part)
        return work

    def command(self):
        return ["merge", "-q", self.target] + list(self.parts)

    def rerun(self, work):
        force = ["--force"] if (Path(work) / self.target).exists() else []
        return run(["merge", "-q"] + force + [self.target] + list(self.parts), work)


SCENARIOS = {"sweep": SweepScenario, "resume": ResumeScenario, "merge": MergeScenario}


# ---------------------------------------------------------------------------------------
# Running and judging.

class Reference:
    """The unfaulted run of a scenario: its sites, its file, the file's layout."""

    def __init__(self, scenario, shim=SHIM):
        self.scenario = scenario
        scenario.setup()
        work = scenario.prepare(scenario.folder / "reference")
        log = work / "faultsim.log"
        rc, _, err = run(scenario.command(), work, env=shim_env(scenario.target, log, shim=shim))
        assert rc == 0, f"{scenario.name}: the unfaulted run exited {rc}: {err}"
        self.sites = parse_log(log)
        self.file = work / scenario.target
        self.layout = extents(self.file)
        self.work = work

    def what(self, n):
        s = self.sites[n - 1] if 0 < n <= len(self.sites) else None
        return describe(s, self.layout, self.scenario.target) if s else "not reached"


def rows_problems(path, ref):
    """Every finished config (status done or diverged) holds the reference's rows; returns
    a list of problems (empty when so)."""
    out = []
    with h5py.File(path, "r") as f, h5py.File(ref, "r") as r:
        s, rs = f["summary"][:], r["summary"][:]
        done = np.flatnonzero(np.isin(s["status"], (1, 2)))
        configs = r["configs"][:]
        for name in s.dtype.names:
            if name != "train_seconds" and not same_results.same_array(s[name][done], rs[name][done]):
                out.append(f"finished configs' /summary {name} differs")
        for c in CURVES:
            if "curves/" + c in r and not same_results.same_array(f["curves/" + c][done], r["curves/" + c][done]):
                out.append(f"finished configs' /curves/{c} differ")
        for top in ("weights", "initial_weights"):
            if top not in r:
                continue
            for i in done:
                h, row = configs[i]["hidden_dim"], configs[i]["weights_row"]
                for w in ("W1", "b1", "W2", "b2"):
                    d = f"{top}/hidden_{h}/{w}"
                    if not same_results.same_array(f[d][row], r[d][row]):
                        out.append(f"finished config {i}: /{d} differs")
    return out


def derived_problems(path, ref):
    """The derived data of a file that says complete: the same as the reference's."""
    out = []
    with h5py.File(path, "r") as f, h5py.File(ref, "r") as r:
        for top in DERIVED:
            diff = []
            same_results.compare(r[top], f[top], "/" + top, diff)
            if diff:
                out.append(f"says complete but {diff[0]}" + (f" (+{len(diff) - 1})" if len(diff) > 1 else ""))
    return out


def differences(ref, path):
    diff = []
    with h5py.File(ref, "r") as a, h5py.File(path, "r") as b:
        same_results.compare(a, b, "/", diff)
    return diff


def describe_rc(rc):
    if rc is None:
        return "timeout"
    if rc < 0:
        return f"signal {signal.Signals(-rc).name}"
    return f"exit {rc}"


def judge(scenario, ref, work, mode, err, rc, stderr, injected, parts_before=None):
    """The outcome of one faulted run and its rerun: (kind, problems). kind is
    "exit 1" (a clean failure), "absorbed" (exit 0, the file exactly right), "not reached"
    (the fault never fired; the run must equal the reference), or "BAD"."""
    problems = []
    work = Path(work)
    path = work / scenario.target
    target = scenario.target
    lines = [l for l in stderr.splitlines() if l.strip()]
    if "ERROR: AddressSanitizer" in stderr or "runtime error:" in stderr or "LeakSanitizer" in stderr:
        problems.append("sanitizer report: " + next((l for l in lines if "Sanitizer" in l or "runtime error" in l), ""))
    if rc == 1:
        kind = "exit 1"
        if len(lines) > 2:
            problems.append(f"{len(lines)} lines on stderr")
        if not any(target in l for l in lines):
            problems.append("stderr does not name the file")
        named = STRERROR[err] in stderr or (err == "ENOSPC" and "disk full" in stderr)
        if not named:
            problems.append(f"stderr does not name the error ({STRERROR[err]})")
    elif rc == 0:
        kind = "absorbed" if injected else "not reached"
        if not path.exists():
            problems.append("exit 0 without a file")
        else:
            try:
                diff = differences(ref.file, path)
            except Exception as e:   # noqa: BLE001 (h5py raises OSError, KeyError, ...)
                diff = [f"cannot compare: {e}"]
            if diff:
                problems.append(f"exit 0 but the file differs: {diff[0]}" + (f" (+{len(diff) - 1})" if len(diff) > 1 else ""))
    else:
        kind = "BAD"
        problems.append(describe_rc(rc) + (": " + lines[-1] if lines else ""))
    if not injected and rc != 0:
        problems.append("failed without a fault")
    # The file under the results name after the faulted run.
    if path.exists() and rc != 0:
        try:
            with h5py.File(path, "r") as f:
                status = f.attrs.get("status")
            problems += rows_problems(path, ref.file)
            if status == "complete":
                problems += derived_problems(path, ref.file)
        except Exception as e:   # noqa: BLE001
            problems.append(f"h5py cannot read the file: {str(e).splitlines()[0][:120]}")
    if isinstance(scenario, MergeScenario):
        if rc != 0 and path.exists():
            problems.append("a failed merge left a file under the output name")
        for part, digest in (parts_before or {}).items():
            if sha256(work / part) != digest:
                problems.append(f"merge changed its part {part}")
    # The rerun without faults.
    if rc != 0 or problems:
        rrc, _, rerr = scenario.rerun(work)
        if rrc != 0:
            problems.append(f"rerun: {describe_rc(rrc)}: {rerr.strip().splitlines()[-1] if rerr.strip() else ''}")
        else:
            try:
                diff = differences(ref.file, path)
            except Exception as e:   # noqa: BLE001
                diff = [f"cannot compare: {e}"]
            if diff:
                problems.append(f"rerun: the file differs from the unfaulted run's: {diff[0]}"
                                + (f" (+{len(diff) - 1})" if len(diff) > 1 else ""))
    if problems:
        kind = "BAD"
    return kind, problems


Outcome = collections.namedtuple("Outcome", "scenario n mode err kind problems rc stderr what")


def inject(scenario, ref, n, mode, err, work, shim=SHIM):
    """Runs the scenario with site n failing and judges it."""
    work = scenario.prepare(work)
    parts_before = ({p: sha256(work / p) for p in scenario.parts} if isinstance(scenario, MergeScenario) else None)
    log = work / "faultsim.log"
    rc, _, stderr = run(scenario.command(), work, env=shim_env(scenario.target, log, n, mode, err, shim))
    sites = parse_log(log)
    injected = any(s.result == "FAIL" for s in sites)
    what = ref.what(n)
    hit = next((s for s in sites if s.n == n), None)
    if hit and ref.sites and (n > len(ref.sites) or ref.sites[n - 1][:2] != hit[:2] or ref.sites[n - 1].offset != hit.offset):
        what = describe(hit, ref.layout, scenario.target) + " (not the reference's site)"
    kind, problems = judge(scenario, ref, work, mode, err, rc, stderr, injected, parts_before)
    return Outcome(scenario.name, n, mode, err, kind, problems, rc, stderr.strip(), what)


# ---------------------------------------------------------------------------------------
# Many sites at once.

_refs = {}


def _one(job):
    name, n, mode, err, work, shim = job
    ref = _refs[name]
    out = inject(ref.scenario, ref, n, mode, err, work, shim)
    shutil.rmtree(work, ignore_errors=True)
    return out


def run_matrix(folder, scenarios, modes, pick=None, jobs=2, shim=SHIM, progress=None):
    """Every (scenario, mode, site) that pick(ref, mode, err) lets through (default: every
    site), on `jobs` processes. Returns ({scenario: Reference}, [Outcome])."""
    import multiprocessing
    folder = Path(folder)
    refs = {name: Reference(SCENARIOS[name](folder / name), shim) for name in scenarios}
    _refs.clear()
    _refs.update(refs)
    todo = []
    for name, ref in refs.items():
        for mode, err in modes:
            sites = pick(ref, mode, err) if pick else range(1, len(ref.sites) + 1)
            for n in sites:
                todo.append((name, n, mode, err, str(folder / name / "runs" / f"{mode}-{err}-{n}"), shim))
    outcomes = []
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        for k, out in enumerate(pool.imap_unordered(_one, todo, chunksize=1)):
            outcomes.append(out)
            if progress:
                progress(k + 1, len(todo), out)
    outcomes.sort(key=lambda o: (list(refs).index(o.scenario), [m for m, _ in MODES].index(o.mode), o.err, o.n))
    return refs, outcomes


def ranges(ns):
    """[1, 2, 3, 7] -> "1-3, 7"."""
    ns, out, i = sorted(ns), [], 0
    while i < len(ns):
        j = i
        while j + 1 < len(ns) and ns[j + 1] == ns[j] + 1:
            j += 1
        out.append(str(ns[i]) if i == j else f"{ns[i]}-{ns[j]}")
        i = j + 1
    return ", ".join(out)


def _gist(problem):
    """A problem without the numbers that vary from site to site, for grouping."""
    import re
    problem = re.sub(r"finished config \d+", "finished config N", problem)
    problem = re.sub(r" \(\+\d+\)", "", problem)
    problem = re.sub(r"(/seed_stats_curves|/curves|/weights/hidden_\d+)/\w+", r"\1/*", problem)
    return re.sub(r"\d+ configs committed", "N configs committed", problem)


def summarize(refs, outcomes):
    """The table (markdown) and the list of failing sites grouped by what went wrong."""
    lines = ["| scenario | sites | mode | runs | clean exit 1 | absorbed, file right | not reached | anything else |",
             "|---|---|---|---|---|---|---|---|"]
    groups = collections.OrderedDict()
    for name, ref in refs.items():
        for mode, err in MODES:
            mine = [o for o in outcomes if o.scenario == name and o.mode == mode and o.err == err]
            if not mine:
                continue
            count = collections.Counter(o.kind for o in mine)
            bad = [o.n for o in mine if o.kind == "BAD"]
            absorbed = [o.n for o in mine if o.kind == "absorbed"]
            lines.append(f"| {name} | {len(ref.sites)} | {mode} {err} | {len(mine)} | {count['exit 1']} | "
                         f"{count['absorbed']}" + (f" (sites {ranges(absorbed)})" if 0 < len(absorbed) <= 12 else "")
                         + f" | {count['not reached']} | {len(bad)}"
                         + (f" (sites {ranges(bad)})" if bad else "") + " |")
            for o in mine:
                if o.kind == "BAD":
                    key = (name, f"{mode} {err}", " / ".join(_gist(p) for p in o.problems[:3]))
                    groups.setdefault(key, []).append(o)
    detail = []
    for (name, mode, problem), outs in groups.items():
        whats = collections.Counter(o.what.split(" at ")[0] for o in outs)
        detail.append(f"- {name}, {mode}, sites {ranges([o.n for o in outs])} "
                      f"({', '.join(f'{w} x{c}' if c > 1 else w for w, c in whats.most_common(4))}"
                      f"{', ...' if len(whats) > 4 else ''}): {problem}")
    return "\n".join(lines), "\n".join(detail)
