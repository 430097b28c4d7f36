#!/usr/bin/env python3
"""same_results.py [--allow-v3] A.h5 B.h5: exit 0 when two results files hold the same data, bit
for bit.

Every group, dataset and attribute is compared; values with array equality (NaN equal to NaN,
the bytes of floats compared, so -0.0 differs from 0.0). Left out, because they differ
between any two runs: the provenance attributes (created, host, command, version) and the
/summary column train_seconds. Prints one line per difference and a closing count.

--allow-v3: A may be a binary file of format_version 2 and B the same sweep at format_version 3
(DESIGN section 7), which differs in exactly these: the root's format_version (2 in A, 3 in
B), /data's attributes task ("binary") and n_classes (2), and /data/classes (two strings),
which only B has. Those, with those values, are not differences; everything else still is.
"""
import sys

import h5py
import numpy as np

SKIP_ATTRS = {"created", "host", "command", "version"}
SKIP_FIELDS = {"train_seconds"}


def same_array(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.names:
        return all(same_array(a[n], b[n]) for n in a.dtype.names if n not in SKIP_FIELDS)
    if a.dtype.kind == "f":
        return a.tobytes() == b.tobytes()
    if a.dtype.kind == "O":
        return list(a.ravel()) == list(b.ravel())
    return np.array_equal(a, b)


def names_of(obj, value):
    """An attribute with object references (the dimension scales' lists), as the referenced
    objects' names, since the references themselves are file addresses."""
    if isinstance(value, h5py.Reference):
        return obj.file[value].name if value else ""
    if isinstance(value, np.void) or (isinstance(value, np.ndarray) and value.dtype.names):
        return [names_of(obj, value[n]) for n in value.dtype.names]
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return [names_of(obj, v) for v in value.ravel()]
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def v3_attr(a, b, path, name):
    """--allow-v3: whether attribute name of path is one of v3's binary additions."""
    if path == "/" and name == "format_version":
        return name in a.attrs and name in b.attrs and int(a.attrs[name]) == 2 and int(b.attrs[name]) == 3
    if path == "/data" and name in ("task", "n_classes") and name not in a.attrs and name in b.attrs:
        v = b.attrs[name]
        return v == "binary" if name == "task" else int(v) == 2
    return False


def v3_object(a, b, path):
    """--allow-v3: whether path, only in B, is v3's /data/classes of a binary file."""
    if path != "/data/classes" or path in a.file or path not in b.file:
        return False
    d = b.file[path]
    return isinstance(d, h5py.Dataset) and d.shape == (2,) and d.dtype.kind == "O"


def compare(a, b, path, out, allow_v3=False):
    for name in sorted(set(a.attrs) | set(b.attrs)):
        if name in SKIP_ATTRS or (allow_v3 and v3_attr(a, b, path, name)):
            continue
        if name not in a.attrs or name not in b.attrs:
            out.append(f"{path}@{name}: only in one file")
        elif name in ("DIMENSION_LIST", "REFERENCE_LIST"):
            if names_of(a, a.attrs[name]) != names_of(b, b.attrs[name]):
                out.append(f"{path}@{name}: refers to other objects")
        elif not same_array(a.attrs[name], b.attrs[name]):
            out.append(f"{path}@{name}: differs")
    if isinstance(a, h5py.Dataset) or isinstance(b, h5py.Dataset):
        if not (isinstance(a, h5py.Dataset) and isinstance(b, h5py.Dataset)):
            out.append(f"{path}: a dataset in one file only")
        elif a.dtype != b.dtype or a.shape != b.shape:
            out.append(f"{path}: type or shape differs ({a.dtype} {a.shape} vs {b.dtype} {b.shape})")
        elif not same_array(a[()], b[()]):
            out.append(f"{path}: values differ")
        return
    for name in sorted(set(a) | set(b)):
        child = f"{path.rstrip('/')}/{name}"
        if name not in a or name not in b:
            if not (allow_v3 and v3_object(a, b, child)):
                out.append(f"{child}: only in one file")
        else:
            compare(a[name], b[name], child, out, allow_v3)


def main():
    args = sys.argv[1:]
    allow_v3 = "--allow-v3" in args
    args = [x for x in args if x != "--allow-v3"]
    if len(args) != 2:
        sys.exit("usage: same_results.py [--allow-v3] A.h5 B.h5")
    out = []
    with h5py.File(args[0], "r") as a, h5py.File(args[1], "r") as b:
        compare(a, b, "/", out, allow_v3)
    for line in out:
        print(f"{args[1]}: {line}")
    print(f"{'same' if not out else 'DIFFERENT'}: {args[0]} {args[1]} ({len(out)} differences)")
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
