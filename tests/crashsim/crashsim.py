"""The power-cut simulator: which files could a power cut leave, and is each of them sound?

record() runs a command under the LD_PRELOAD shim (crashsim.c, built as build/crashsim.so),
which logs every open, write, truncate, fsync, rename and close the command makes on one file
(and its PATH.tmp), with the bytes written. states() replays that log into the files a power
cut at some moment could leave on disk: everything written before the start of the last fsync
that had completed by then, plus any subset of the later writes, torn at 4 KiB page
boundaries (each page-sized piece of a later write lands or not, independently; those that
land are applied in their order). check() opens each such file with h5py and compares every
config it marks finished (status not pending) with what the uninterrupted run wrote.

Used by tests/test_power_loss.py (a bounded run inside `make test`) and
scripts/crashsim.py (the long run). Needs Debian's /usr/bin/python3 (h5py, numpy).
"""

import io
import os
import random
import struct
import subprocess
from pathlib import Path

import h5py
import numpy as np

PAGE = 4096
CLOSE_EVENTS = 64
R_OPEN, R_WRITE, R_TRUNC, R_PTRUNC, R_SYNC0, R_SYNC1, R_CLOSE, R_RENAME = range(1, 9)
HEADER = struct.Struct("<IiqqII")   # kind, fd, a, b, n1, n2 (crashsim.c's Record)
O_CREAT, O_TRUNC = os.O_CREAT, os.O_TRUNC


def record(cmd, target, log, shim, env=None, cwd=None, timeout=600):
    """Runs cmd (a list) with the shim following target; returns the CompletedProcess."""
    full = dict(os.environ)
    full.update(env or {})
    full["LD_PRELOAD"] = str(shim)
    full["CRASHSIM_LOG"] = str(log)
    full["CRASHSIM_MATCH"] = str(target)
    # A sanitized binary wants its runtime first in the list; the shim may come first here.
    full["ASAN_OPTIONS"] = ":".join(filter(None, [full.get("ASAN_OPTIONS", ""), "verify_asan_link_order=0"]))
    return subprocess.run([str(c) for c in cmd], env=full, cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def parse(log):
    """The log as a list of (kind, fd, a, b, bytes1, bytes2)."""
    data = Path(log).read_bytes()
    out, pos = [], 0
    while pos < len(data):
        kind, fd, a, b, n1, n2 = HEADER.unpack_from(data, pos)
        pos += HEADER.size
        p1 = data[pos:pos + n1]
        p2 = data[pos + n1:pos + n1 + n2]
        pos += n1 + n2
        out.append((kind, fd, a, b, p1, p2))
    return out


class Timeline:
    """The log resolved to files: for each inode, its content operations in order, and the
    moments at which they became durable; and which inode the target's name points at."""

    def __init__(self, events, target):
        target = str(target)
        self.ops = {}         # inode -> [(event index, "w", offset, bytes) | (index, "t", length)]
        self.syncs = {}       # inode -> [(index of the fsync's start, index of its end)]
        self.named = []       # (event index, inode) each time the target's name changes inode
        self.n_events = len(events)
        names, fds, open_sync, next_inode = {}, {}, {}, 0
        for i, (kind, fd, a, b, p1, p2) in enumerate(events):
            if kind == R_OPEN:
                path = p1.decode()
                if path not in names:
                    names[path] = next_inode
                    self.ops[next_inode], self.syncs[next_inode] = [], []
                    next_inode += 1
                    if path.endswith(target):
                        self.named.append((i, names[path]))
                ino = names[path]
                if a & O_TRUNC and self.ops[ino]:
                    self.ops[ino].append((i, "t", 0))
                fds[fd] = ino
            elif kind == R_WRITE:
                self.ops[fds[fd]].append((i, "w", a, p1))
            elif kind == R_TRUNC:
                self.ops[fds[fd]].append((i, "t", a))
            elif kind == R_PTRUNC:
                self.ops[names[p1.decode()]].append((i, "t", a))
            elif kind == R_SYNC0:
                open_sync[(fd, fds[fd])] = i
            elif kind == R_SYNC1:
                start = open_sync.pop((fd, fds[fd]))
                if a == 0:
                    self.syncs[fds[fd]].append((start, i))
            elif kind == R_CLOSE:
                fds.pop(fd, None)
            elif kind == R_RENAME:
                old, new = p1.decode(), p2.decode()
                if old in names:
                    names[new] = names.pop(old)
                    if new.endswith(target):
                        self.named.append((i, names[new]))

    def inode_at(self, k):
        """The inode the target names once events [0, k) have happened, or None."""
        ino = None
        for i, n in self.named:
            if i < k:
                ino = n
        return ino

    def durable_before(self, ino, k):
        """Index of the start of the last fsync of ino completed within events [0, k): the
        writes logged before it are on disk at any crash after event k - 1 (-1: none)."""
        best = -1
        for start, end in self.syncs[ino]:
            if end < k:
                best = max(best, start)
        return best


def apply(img, op):
    if op[1] == "t":   # shorter or longer
        del img[op[2]:]
        img.extend(bytes(op[2] - len(img)))
        return
    _, _, off, data = op
    if len(img) < off:
        img.extend(bytes(off - len(img)))
    img[off:off + len(data)] = data


def pieces(op):
    """A write torn at page boundaries: its page-sized pieces, as writes; a truncate is one."""
    if op[1] == "t":
        return [op]
    i, _, off, data = op
    out, pos = [], off
    while pos < off + len(data):
        end = min((pos // PAGE + 1) * PAGE, off + len(data))
        out.append((i, "w", pos, data[pos - off:end - off]))
        pos = end
    return out


def final_image(timeline):
    """What the log says the target holds at the end (a check of the log against the disk)."""
    ino = timeline.inode_at(timeline.n_events)
    img = bytearray()
    for op in timeline.ops[ino]:
        apply(img, op)
    return bytes(img)


def states(timeline, n, rng):
    """n (crash index, durable ops, torn ops landed, image) power-cut states, crash moments
    drawn uniformly over the events after the target first has its name (a quarter of them
    over the last CLOSE_EVENTS events: the end of the run, where the file's metadata is
    rewritten, is short but matters), and for each a
    subset of the writes since the last completed fsync (each piece lands with a probability
    drawn for that state)."""
    first = timeline.named[0][0] + 1 if timeline.named else timeline.n_events + 1
    last = max(first, timeline.n_events - CLOSE_EVENTS)
    points = sorted(rng.randint(first if rng.random() < 0.75 else last, timeline.n_events) for _ in range(n))
    cache = {}    # inode -> (number of ops applied, image of them)
    for k in points:
        ino = timeline.inode_at(k)
        ops = [op for op in timeline.ops[ino] if op[0] < k]
        cut = timeline.durable_before(ino, k)
        durable = [op for op in ops if op[0] < cut]
        applied, img = cache.get(ino, (0, bytearray()))
        for op in durable[applied:]:
            apply(img, op)
        cache[ino] = (len(durable), img)
        state = bytearray(img)
        p = rng.random()
        landed = 0
        for op in ops[len(durable):]:
            for piece in pieces(op):
                if rng.random() < p:
                    apply(state, piece)
                    landed += 1
        yield k, len(durable), landed, bytes(state)


class Reference:
    """What the uninterrupted run wrote, read once."""

    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.configs = f["configs"][:]
            self.summary = f["summary"][:]
            self.curves = {n: d[()] for n, d in f["curves"].items() if d.ndim == 2}
            self.weights = {}
            for top in ("weights", "initial_weights"):
                if top in f:
                    for g, grp in f[top].items():
                        for w, d in grp.items():
                            if w != "config_id":
                                self.weights[f"{top}/{g}/{w}"] = d[()]


def bits(a):
    """An array's elements as unsigned integers of their size: equality is bitwise."""
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.dtype.itemsize}") if a.dtype.kind in "fiub" else a


def rows_differ(got, want):
    """Per row (first axis): whether any element differs bitwise."""
    if len(got) == 0:
        return np.zeros(0, bool)
    g, w = bits(got).reshape(len(got), -1), bits(want).reshape(len(want), -1)
    return (g != w).any(axis=1)


def read_state(image, ref):
    """The tables, curves and weights of one state as h5py reads them, or None when h5py
    cannot open the file or read one of them."""
    try:
        with h5py.File(io.BytesIO(image), "r") as f:
            return dict(summary=f["summary"][:], configs=f["configs"][:],
                        curves={n: f["curves/" + n][()] for n in ref.curves},
                        weights={p: f[p][()] for p in ref.weights})
    except Exception:
        return None


def check(image, ref):
    """(opened, finished, wrong, first wrong id or None) for one state: whether h5py opens it
    and reads it, how many configs it marks finished, and how many of those differ bitwise
    anywhere (configs, summary but train_seconds, curves, weights) from the uninterrupted run."""
    got = read_state(image, ref)
    if got is None:
        return False, 0, 0, None
    summary, configs = got["summary"], got["configs"]
    done = np.flatnonzero(summary["status"] != 0)
    bad = np.zeros(len(summary), bool)
    for name in configs.dtype.names:
        bad[done] |= rows_differ(configs[name][done], ref.configs[name][done])
    for name in summary.dtype.names:
        if name != "train_seconds":
            bad[done] |= rows_differ(summary[name][done], ref.summary[name][done])
    for name, want in ref.curves.items():
        bad[done] |= rows_differ(got["curves"][name][done], want[done])
    for path, want in ref.weights.items():
        h = int(path.split("/")[1].split("_")[1])
        mine = done[configs["hidden_dim"][done] == h]
        rows = configs["weights_row"][mine]
        bad[mine] |= rows_differ(got["weights"][path][rows], want[rows])
    wrong = np.flatnonzero(bad)
    return True, len(done), len(wrong), (int(wrong[0]) if len(wrong) else None)


def simulate(log, target, ref_path, n_states, seed):
    """Replays log into n_states states and checks each against the file at ref_path.
    Returns a dict of counts; raises if the log does not replay into the file on disk."""
    timeline = Timeline(parse(log), target)
    if not timeline.named:
        raise AssertionError(f"the log never names {target}")
    if final_image(timeline) != Path(target).read_bytes():
        raise AssertionError("the log does not replay into the file the run left: a write was missed")
    ref = Reference(ref_path)
    out = dict(states=0, unopenable=0, finished=0, wrong_states=0, wrong_configs=0, first_wrong=None,
               with_torn=0, syncs=len(timeline.syncs[timeline.inode_at(timeline.n_events)]), events=timeline.n_events)
    for k, durable, landed, image in states(timeline, n_states, random.Random(seed)):
        opened, finished, wrong, first = check(image, ref)
        out["states"] += 1
        out["with_torn"] += landed > 0
        out["unopenable"] += not opened
        out["finished"] += finished
        if wrong:
            out["wrong_states"] += 1
            out["wrong_configs"] += wrong
            if out["first_wrong"] is None:
                out["first_wrong"] = (k, first)
    return out
