#!/usr/bin/env python3
"""fuzz_results.py: runs the results-file fuzzer (build/fuzz/fuzz_results, tests/fuzz/fuzz_results.c)
and sorts what it found by whose bug it is.

HDF5 1.10 itself crashes and loops on some damaged files, and such an input would stop a
plain libFuzzer run at once; so the fuzzer runs in fork mode, keeping on after crashes,
timeouts and out-of-memory, for SECONDS. Then each artifact it left (build/fuzz/results-crash-*,
-timeout-*, -oom-*, -leak-*) is replayed alone: a crash's frames come from the sanitizer's report, a
timeout's from gdb attached to the replay, and the innermost frame that is neither libc's nor
a sanitizer's says whether it is sweep's code or libhdf5 (tests/damaged/damage.py). Prints the
executions and the findings; exit status 1 when one is in sweep's code. A crash in sweep's code
belongs in tests/fuzz/regressions/results/ (tests/test_damaged_files.py replays it).

  scripts/fuzz_results.py [SECONDS]       (default $FUZZ_SECONDS, else 60)
"""
import collections
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "damaged"))
import damage  # noqa: E402

FUZZER = REPO / "build" / "fuzz" / "fuzz_results"
ARTIFACTS = REPO / "build" / "fuzz"
PREFIX = "results-"
# A small quarantine (the default's fresh pages cost more than the readers), and HDF5's
# gigabyte allocations for a damaged length returned as NULL instead of ending the run.
ASAN = "quarantine_size_mb=16:max_allocation_size_mb=1024:allocator_may_return_null=1"


def replay(path, timeout=20):
    """(kind, frames) of one artifact replayed alone."""
    env = dict(os.environ, ASAN_OPTIONS=ASAN)
    p = subprocess.Popen([str(FUZZER), str(path)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        frames = damage.hang_frames(p.pid)
        p.kill()
        p.communicate()
        return "hang-" + damage.classify_frames(frames)[0], frames
    err = err.decode("utf-8", "replace")
    if p.returncode == 0:
        return "no longer reproduces", []
    frames = damage.asan_frames(err)
    if "ERROR: LeakSanitizer" in err and "ERROR: AddressSanitizer" not in err:
        return "leak-" + damage.classify_frames(frames)[0], frames
    if "out-of-memory" in err or ("malloc(" in err and "exceeds" in err):
        return "oom-" + damage.classify_frames(frames)[0], frames
    return "crash-" + damage.classify_frames(frames)[0], frames


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("FUZZ_SECONDS", "60"))
    if not FUZZER.is_file():
        sys.exit(f"{FUZZER} is missing: make {FUZZER.relative_to(REPO)}")
    corpus = ARTIFACTS / "corpus-results"
    corpus.mkdir(parents=True, exist_ok=True)
    before = set(ARTIFACTS.glob(PREFIX + "*"))
    t0 = time.monotonic()
    p = subprocess.run([str(FUZZER), f"-max_total_time={seconds}", "-timeout=10", "-fork=1", "-ignore_crashes=1",
                        "-ignore_timeouts=1", "-ignore_ooms=1", "-close_fd_mask=2",
                        f"-artifact_prefix={ARTIFACTS}/{PREFIX}", str(corpus), str(REPO / "tests/fuzz/seeds/results")],
                       env=dict(os.environ, ASAN_OPTIONS=ASAN), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    log = p.stdout.decode("utf-8", "replace")
    status = [l for l in log.splitlines() if re.match(r"^#\d+: cov:", l)]
    execs = int(re.match(r"^#(\d+)", status[-1]).group(1)) if status else 0
    print(f"== fuzz_results for {seconds} s (fork mode): {execs} executions in {time.monotonic() - t0:.0f} s, "
          f"corpus {len(list(corpus.iterdir()))} inputs")
    if status:
        print("   " + status[-1])
    new = sorted(set(ARTIFACTS.glob(PREFIX + "*")) - before)
    found = collections.OrderedDict()
    for a in new:
        kind, frames = replay(a)
        where, frame = damage.classify_frames(frames)
        stack = " < ".join(f"{f} {os.path.basename(l)}" for f, l in frames[:8])
        found.setdefault((kind, frame), []).append((a, stack))
    for (kind, frame), items in found.items():
        print(f"   {len(items)} x {kind}: {frame or '(no frames)'}\n      e.g. {items[0][0].name}: {items[0][1]}")
    if not new:
        print("   no crash, timeout or out-of-memory")
    ours = [k for k in found if k[0].endswith(("-sweep", "-other"))]
    sys.exit(1 if ours else 0)


if __name__ == "__main__":
    main()
