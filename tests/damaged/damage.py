"""Damaged results files: byte flips given to every command that reads a results file.

make_original() writes a small real results file (folds, two seeds per setting). variants()
derives damaged copies from it with a seeded RNG, 1 to 8 bytes changed each, weighted toward
HDF5's metadata (35%: the first 4 KiB, superblock, root object header, its B-tree and heap;
35%: any byte outside the datasets' raw data, object headers, attribute and global heaps),
then the tables whose numbers the readers use as indices and sizes (20%: /configs, /summary,
/seed_stats, /data), then anywhere (10%). check() gives one variant to `sweep report`, `sweep compare`, `sweep verify`,
`sweep --resume` and `sweep merge` (each with a timeout) and classifies each run:

  ok          exit 0 (or verify's 1: a config differs, which a flipped number is)
  refused     exit 2 with one line on stderr naming the file
  refused*    any other refusal: exit 1 or 2 with more lines, or no file named
  hang-sweep  the timeout, with gdb's stack of the busy thread in sweep's code (or hang-other)
  hang-hdf5   the same inside libhdf5
  crash-sweep a signal or a sanitizer report whose innermost frame of ours is in sweep's code
  crash-hdf5  the same with the innermost frame inside libhdf5 (a bug of HDF5 1.10 itself)
  leak        LeakSanitizer's report at exit (the sanitized binary only)

The frames come from the sanitizer's report (`make asan`'s binary) or, for a plain binary,
from gdb re-running the command. Used by tests/test_damaged_files.py and
scripts/damaged_files.py. Needs /usr/bin/python3 with h5py.
"""

import collections
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import h5py

REPO = Path(__file__).resolve().parent.parent.parent

SPEC = """\
data:
  folds: 3
grid:
  hidden_dim: [2, 3]
  learning_rate: [0.05, 0.1]
  batch_size: 64
  epochs: [2, 4]
  seed: [0, 1]
"""
COMMANDS = ("report", "compare", "verify", "resume", "merge")
TIMEOUT = 20

Run = collections.namedtuple("Run", "variant command kind rc stderr frames")


def sweep_bin():
    p = Path(os.environ.get("SWEEP_BIN", "./sweep"))
    return p if p.is_absolute() else (REPO / p)


def make_original(folder):
    """The undamaged file (and its spec) in folder; returns the file's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.yaml").write_text(SPEC)
    out = folder / "original.h5"
    if not out.exists():
        p = subprocess.run([str(sweep_bin()), "-q", "-j", "2", "spec.yaml", "-o", "original.h5"], cwd=folder,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        assert p.returncode == 0, p.stderr.decode()
    return out


# The tables whose numbers sweep uses as indices and sizes (ids, weights rows, hidden sizes,
# statuses, the folds): raw data, but raw data that the readers must not trust blindly.
TABLES = ("configs", "summary", "seed_stats", "data/")


def raw_extents(path, only=None):
    out = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if (isinstance(obj, h5py.Dataset) and obj.id.get_offset() is not None
                    and (only is None or name.startswith(only))):
                out.append((obj.id.get_offset(), obj.id.get_offset() + obj.id.get_storage_size()))
        f.visititems(visit)
    return sorted(out)


def metadata_positions(path, size):
    """The byte positions outside every dataset's raw data."""
    inside = bytearray(size)
    for lo, hi in raw_extents(path):
        inside[lo:min(hi, size)] = b"\1" * (min(hi, size) - lo)
    return [i for i in range(size) if not inside[i]]


def variants(original, n, seed):
    """n damaged copies of original's bytes: [(name, bytes, description)]."""
    data = Path(original).read_bytes()
    meta = metadata_positions(original, len(data))
    tables = [i for lo, hi in raw_extents(original, TABLES) for i in range(lo, min(hi, len(data)))]
    rng = random.Random(seed)
    out = []
    for v in range(n):
        buf = bytearray(data)
        k = rng.randint(1, 8)
        where = rng.random()
        region = ("head" if where < 0.35 else "metadata" if where < 0.7 else "tables" if where < 0.9
                  else "anywhere")
        pick = {"head": lambda: rng.randrange(min(4096, len(data))),
                "metadata": lambda: rng.choice(meta),
                "tables": lambda: rng.choice(tables),
                "anywhere": lambda: rng.randrange(len(data))}[region]
        if rng.random() < 0.5:     # k separate bytes
            positions = sorted({pick() for _ in range(k)})
        else:                      # a run of k bytes
            at = pick()
            positions = list(range(at, min(at + k, len(data))))
        how = rng.choice(("xor", "bit", "zero", "ones"))
        for p in positions:
            if how == "xor":
                buf[p] ^= rng.randrange(1, 256)
            elif how == "bit":
                buf[p] ^= 1 << rng.randrange(8)
            elif how == "zero":
                buf[p] = 0 if buf[p] else 0x80
            else:
                buf[p] = 0xFF if buf[p] != 0xFF else 0x7F
        out.append((f"v{seed}-{v:04d}", bytes(buf), f"{region} {how} at {positions}"))
    return out


def args_for(command, path):
    name = Path(path).name
    return {"report": ["report", name],
            "compare": ["compare", name],
            "verify": ["verify", "--sample", "2", "-j", "1", name],
            "resume": ["-q", "-j", "1", "--resume", "spec.yaml", "-o", name],
            "merge": ["merge", "-q", "--allow-partial", "merged-" + name, name]}[command]


ASAN_FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+ +(?:in (\S+) )?(.*)$")
GDB_FRAME = re.compile(r"^#(\d+)\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*?\)(?: at (\S+)| from (\S+))?")
# Frames that say nothing about whose bug it is: the C library's and the sanitizers' own.
OURS_SKIP = ("libc.so", "libasan", "libubsan", "libgcc", "libstdc++", "ld-linux", "libpthread", "faultsim",
             "sanitizer_common", "asan_", "ubsan_", "__interceptor_", "__GI_", "raise", "abort", "__libc", "___",
             "sysdeps/", "glibc", "__mem", "__str", "memcpy", "memmove", "memset", "strlen", "__pthread",
             "pthread_", "clock_nanosleep", "__futex", "futex_", "__lll_", "malloc", "calloc", "realloc",
             "<unknown module>")


def classify_frames(frames):
    """(where, frame): where is "sweep" or "hdf5" (or "other"), by the innermost frame that
    is neither libc nor a sanitizer's own."""
    for func, loc in frames:
        if any(s in func or s in loc for s in OURS_SKIP):
            continue
        if "libhdf5" in loc or (func.startswith("H5") and "src/" not in loc):
            return "hdf5", f"{func} {loc}"
        if "src/" in loc or "tests/" in loc or "sweep" in loc:
            return "sweep", f"{func} {loc}"
        return "other", f"{func} {loc}"
    return "other", ""


def asan_frames(stderr):
    frames, started = [], False
    for line in stderr.splitlines():
        m = ASAN_FRAME.match(line)
        if m:
            if m.group(1) == "0" and started:
                break   # only the first stack (the fault's, not the allocation's)
            started = True
            loc = re.sub(r"\s*\(BuildId: [0-9a-f]+\)", "", m.group(3)).strip("()")
            frames.append((m.group(2) or "??", re.sub(r"\+0x[0-9a-f]+$", "", loc)))
        elif started and not line.strip():
            break
    return frames


def gdb_frames(args, cwd, timeout):
    """Re-runs the command under gdb; the backtrace of the signal, as (func, location)."""
    if not shutil.which("gdb"):
        return []
    cmd = ["gdb", "-q", "-batch", "-nx", "-ex", "set pagination off", "-ex", "set startup-with-shell off",
           "-ex", "run", "-ex", "bt 30", "--args", str(sweep_bin())] + [str(a) for a in args]
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout * 3)
    except subprocess.TimeoutExpired:
        return []
    frames = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        m = GDB_FRAME.match(line)
        if m:
            frames.append((m.group(2), m.group(3) or m.group(4) or ""))
    return frames


def hang_frames(pid):
    """The stacks of a process that hangs, from gdb attached to it: the thread that is not
    waiting (or the first), as (func, location)."""
    if not shutil.which("gdb"):
        return []
    try:
        p = subprocess.run(["gdb", "-q", "-batch", "-nx", "-p", str(pid), "-ex", "thread apply all bt 30"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    except subprocess.TimeoutExpired:
        return []
    threads, cur = [], None
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("Thread "):
            cur = []
            threads.append(cur)
        m = GDB_FRAME.match(line)
        if m and cur is not None:
            cur.append((m.group(2), m.group(3) or m.group(4) or ""))
    busy = [t for t in threads if t and classify_frames(t)[0] != "other"]
    return busy[0] if busy else (threads[0] if threads else [])


def memory_limited(env):
    """A prefix that caps the run's memory (a damaged length can make HDF5 allocate gigabytes,
    several runs at a time): 1 GiB of address space, or for a sanitized binary (which needs
    terabytes of address space) the sanitizer's own cap, its allocator then returning NULL."""
    if env.get("SWEEP_SANITIZED") == "1" or "asan" in str(sweep_bin()):
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "max_allocation_size_mb=1024",
                                                     "allocator_may_return_null=1"]))
        return []
    return ["prlimit", f"--as={1 << 30}", "--"] if shutil.which("prlimit") else []


def one_run(command, work, path, timeout=TIMEOUT):
    """Runs one command on the damaged file at path (in folder work); returns
    (kind, rc, stderr, frames)."""
    args = args_for(command, path)
    env = dict(os.environ)
    env.pop("SWEEP_DEBUG_HDF5", None)
    p = subprocess.Popen(memory_limited(env) + [str(sweep_bin())] + args, cwd=work, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        frames = hang_frames(p.pid)
        p.kill()
        p.communicate()
        return f"hang-{classify_frames(frames)[0]}", None, "", frames
    rc, stderr = p.returncode, err.decode("utf-8", "replace")
    sanitizer = "ERROR: AddressSanitizer" in stderr or "runtime error:" in stderr
    if rc < 0 or sanitizer:
        frames = asan_frames(stderr) if sanitizer else gdb_frames(args, work, timeout)
        where, _ = classify_frames(frames)
        return f"crash-{where}", rc, stderr, frames
    if "ERROR: LeakSanitizer" in stderr:   # not a crash: reported, with the allocation's stack
        return "leak", rc, stderr, asan_frames(stderr)
    lines = [l for l in stderr.splitlines() if l.strip()]
    if rc == 0 or (command == "verify" and rc == 1):
        return "ok", rc, stderr, []
    if rc == 2 and len(lines) == 1 and Path(path).name in lines[0]:
        return "refused", rc, stderr, []
    return "refused*", rc, stderr, []


def check(variant, folder, commands=COMMANDS, timeout=TIMEOUT):
    """Every command on a fresh copy of one variant; returns [Run]."""
    name, data, _ = variant
    work = Path(folder) / name
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(folder) / "spec.yaml", work / "spec.yaml")
    shutil.copy(REPO / "tests" / "csv" / "small.csv", work / "small.csv")   # the fuzz seeds' data
    out = []
    for command in commands:
        path = work / f"{name}.h5"   # (a kept input may have any name)
        path.write_bytes(data)   # a fresh copy each time: resume and merge may write
        kind, rc, stderr, frames = one_run(command, work, path, timeout)
        out.append(Run(name, command, kind, rc, stderr, frames))
    shutil.rmtree(work, ignore_errors=True)
    return out


def run_files(folder, paths, commands=COMMANDS, jobs=2, timeout=TIMEOUT):
    """Every command on each of the given files (kept inputs, tests/fuzz/regressions/results/):
    [Run]."""
    from concurrent.futures import ThreadPoolExecutor
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.yaml").write_text(SPEC)
    vs = [(Path(p).stem, Path(p).read_bytes(), str(p)) for p in paths]
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda v: check(v, folder, commands, timeout), vs))
    return [r for rs in results for r in rs], {name: desc for name, _, desc in vs}


def run_all(folder, n, seed, commands=COMMANDS, jobs=2, timeout=TIMEOUT):
    """make_original, n variants, every command on each, on `jobs` threads: [Run], and the
    variants' descriptions by name."""
    from concurrent.futures import ThreadPoolExecutor
    folder = Path(folder)
    original = make_original(folder)
    vs = variants(original, n, seed)
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda v: check(v, folder, commands, timeout), vs))
    return [r for rs in results for r in rs], {name: desc for name, _, desc in vs}


def first_line(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    return lines[0] if lines else ""


def crash_signature(run):
    """The crash's first frames, innermost first, without addresses."""
    where, frame = classify_frames(run.frames)
    shown = [f"{func} {os.path.basename(loc)}" for func, loc in run.frames[:8]]
    return f"{run.kind}: {frame or '(no frames)'}; stack: {' < '.join(shown)}"


def summarize(runs, descriptions):
    """A table of kinds per command, and the crashes and odd refusals grouped."""
    kinds = ("ok", "refused", "refused*", "hang-sweep", "hang-hdf5", "hang-other", "crash-sweep", "crash-hdf5",
             "crash-other", "leak")
    lines = ["| command | runs | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 2) + "|"]
    for command in COMMANDS:
        mine = [r for r in runs if r.command == command]
        if mine:
            c = collections.Counter(r.kind for r in mine)
            lines.append(f"| {command} | {len(mine)} | " + " | ".join(str(c[k]) for k in kinds) + " |")
    c = collections.Counter(r.kind for r in runs)
    lines.append(f"| all | {len(runs)} | " + " | ".join(str(c[k]) for k in kinds) + " |")
    crashes = collections.OrderedDict()
    for r in runs:
        if r.kind.startswith(("crash", "hang")) or r.kind == "leak":
            crashes.setdefault(crash_signature(r), []).append(r)
    odd = collections.Counter()
    for r in runs:
        if r.kind == "refused*":
            msg = re.sub(r"v\d+-\d+\.h5", "FILE", first_line(r.stderr))
            msg = re.sub(r"\b\d+\b", "N", msg)
            n_lines = len([l for l in r.stderr.splitlines() if l.strip()])
            odd[f"{r.command}: exit {r.rc}, {n_lines} line(s): {msg[:160]}"] += 1
    detail = []
    for sig, rs in crashes.items():
        ex = rs[0]
        detail.append(f"- {len(rs)} x {sig}\n    e.g. {ex.command} on {ex.variant} ({descriptions.get(ex.variant, '')})")
    odd_lines = [f"- {k} (x{v})" for k, v in odd.most_common()]
    return "\n".join(lines), "\n".join(detail), "\n".join(odd_lines)
