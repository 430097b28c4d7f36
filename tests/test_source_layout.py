"""The C sources' shape: no file of src/ or include/ over 800 lines, and no include cycle,
neither between headers nor between modules. A module is a header and the sources that
include it as their own (foo.h, foo.c), with its rooms: headers and sources that the module's
own header names as parts of it (store.h, spec_parse.h, sched.h, data.h, mlp.h). The sources
are read, not compiled: this runs without the binary."""

import re
from pathlib import Path

from conftest import REPO

MAX_LINES = 800
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)

# Rooms that do not share their module's prefix (store_read belongs to store by its name alone):
# the scheduler's (sched.h) and the data set's (data.h: the CSV syntax, the label reading).
ROOMS = {"rungs": "sched", "wire": "sched", "csv": "data", "task": "data", "task_labels": "data"}


def sources():
    return sorted((REPO / "include").glob("*.h")) + sorted((REPO / "src").glob("*.c"))


def includes(path):
    return set(INCLUDE.findall(path.read_text(errors="replace"))) - {path.stem}


def module_of(stem, headers):
    """A stem's module: its room's module, else the longest prefix foo of foo_bar with a foo.h."""
    while True:
        if stem in ROOMS:
            stem = ROOMS[stem]
            continue
        parts = stem.split("_")
        for k in range(len(parts) - 1, 0, -1):
            prefix = "_".join(parts[:k])
            if prefix in headers:
                stem = prefix
                break
        else:
            return stem


def cycles(graph):
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def header_graph():
    return {p.stem: includes(p) for p in sorted((REPO / "include").glob("*.h"))}


def module_graph():
    headers = {p.stem for p in (REPO / "include").glob("*.h")}
    graph = {}
    for p in sources():
        mod = module_of(p.stem, headers)
        deps = {module_of(h, headers) for h in includes(p)} - {mod}
        graph.setdefault(mod, set()).update(deps)
    return graph


def test_no_source_file_is_over_800_lines():
    long = {str(p.relative_to(REPO)): n for p in sources()
            if (n := len(p.read_text(errors="replace").splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: {long}"


def test_headers_include_no_cycle():
    assert cycles(header_graph()) == []


def test_modules_include_no_cycle():
    assert cycles(module_graph()) == []


def test_the_checks_would_catch_a_cycle_and_know_the_rooms():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    headers = {p.stem for p in (REPO / "include").glob("*.h")}
    assert module_of("store_read", headers) == "store"
    assert module_of("spec_msg", headers) == "spec"
    assert module_of("mlp_math_avx2", headers) == "mlp"
    assert module_of("task_labels", headers) == "data"
    assert module_of("rungs", headers) == "sched"
    assert module_of("html_report", headers) == "html_report"
    graph = module_graph()
    assert "store" in graph["merge"] and "axis" in graph["spec"]
