#!/bin/sh
# Runs every unit-test binary given, then prints the total as "unit: N passed, N failed".
passed=0; failed=0; status=0
for bin in "$@"; do
    echo "== $bin"
    out=$("$bin" 2>&1); rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then echo "$bin: no summary line (crashed? rc=$rc)"; failed=$((failed + 1)); status=1; continue; fi
    passed=$((passed + p)); failed=$((failed + f))
    [ "$rc" -eq 0 ] || status=1
done
echo "unit: $passed passed, $failed failed"
exit $status
