#!/bin/sh
# check_identical.sh OLD_SWEEP NEW_SWEEP [--quick]: runs every experiment and every spec of
# tests/specs with both binaries (plain, sharded and merged, folds, --set overrides) and holds
# the results files against each other with scripts/same_results.py: bit for bit, timings
# and provenance aside. --quick leaves out the experiments (minutes on 2 cores).
# Used for changes of structure that must not change a single result. The comparison allows
# what format_version 3 adds to a binary file (same_results.py --allow-v3), so an old binary of
# format_version 2 can be held against a new one; between two v3 binaries it changes nothing.
set -u
old=$1; new=$2; quick=${3:-}
py=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0; n=0
# run NAME SPEC [OPTIONS...]: one spec through both binaries, then compared.
run() {
    name=$1; spec=$2; shift 2
    mkdir -p "$work/old" "$work/new"
    "$old" -q -j 2 --force -o "$work/old/$name.h5" "$@" "$spec" >/dev/null 2>"$work/old.err" || {
        echo "FAIL $name: the old binary: $(tail -1 "$work/old.err")"; fails=$((fails + 1)); return; }
    "$new" -q -j 2 --force -o "$work/new/$name.h5" "$@" "$spec" >/dev/null 2>"$work/new.err" || {
        echo "FAIL $name: the new binary: $(tail -1 "$work/new.err")"; fails=$((fails + 1)); return; }
    n=$((n + 1))
    "$py" "$here/scripts/same_results.py" --allow-v3 "$work/old/$name.h5" "$work/new/$name.h5" >"$work/cmp" ||
        { cat "$work/cmp"; fails=$((fails + 1)); }
}
# merged NAME SPEC [OPTIONS...]: two shards and their merge, through both binaries.
merged() {
    name=$1; spec=$2; shift 2
    for b in old new; do
        bin=$old; [ $b = new ] && bin=$new
        for k in 0 1; do
            "$bin" -q -j 2 --force --shard $k/2 -o "$work/$b/$name.part$k.h5" "$@" "$spec" >/dev/null 2>&1
        done
        "$bin" merge --force "$work/$b/$name.h5" "$work/$b/$name.part0.h5" "$work/$b/$name.part1.h5" >/dev/null 2>&1 ||
            { echo "FAIL $name: merge with the $b binary"; fails=$((fails + 1)); return; }
    done
    n=$((n + 1))
    "$py" "$here/scripts/same_results.py" --allow-v3 "$work/old/$name.h5" "$work/new/$name.h5" >"$work/cmp" ||
        { cat "$work/cmp"; fails=$((fails + 1)); }
}
mkdir -p "$work/old" "$work/new"
for spec in "$here"/tests/specs/*.yaml; do
    s=$(basename "$spec" .yaml)
    run "$s" "$spec"
    run "$s-folds" "$spec" --set data.folds=3 --set data.repeats=2
    run "$s-recipe" "$spec" --set 'grid.optimizer=[sgd,adam]' --set 'grid.activation=[tanh,leaky_relu]' \
        --set grid.init=xavier_uniform --set grid.weight_decay=0.001 --set data.folds=2
    merged "$s-merged" "$spec" --set data.folds=2
done
run tiny-halving "$here/tests/specs/tiny.yaml" --set data.folds=3 --set 'grid.epochs=9' \
    --set 'halving={factor: 2, min_epochs: 3}'
run tiny-stopping "$here/tests/specs/tiny.yaml" --set data.folds=3 --set 'grid.epochs=30' \
    --set 'grid.patience=[0,2]' --set 'grid.min_delta=0.001'
run tiny-prefix "$here/tests/specs/tiny.yaml" --set 'grid.epochs=[2,4,8]'
if [ "$quick" != --quick ]; then
    for spec in "$here"/experiments/*.yaml; do
        run "exp-$(basename "$spec" .yaml)" "$spec"
    done
fi
echo "check_identical: $n compared, $fails failed"
[ $fails -eq 0 ]
