#!/bin/sh
# Makes the results-file fuzzer's seeds (tests/fuzz/seeds/results/) with ./sweep: real results
# files of tiny specs on tests/csv/small.csv (40 rows, 3 features), about 40 KB each (HDF5's
# object headers and B-trees for the file's ~45 objects are most of it).
set -e
cd "$(dirname "$0")/../.."
out=tests/fuzz/seeds/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp tests/csv/small.csv "$tmp/"
cat > "$tmp/folds.yaml" <<'SPEC'
data: {source: small.csv, label: y, test_fraction: 0.25, folds: 2}
grid: {hidden_dim: 1, batch_size: 4, epochs: [1, 2], seed: [0, 1]}
SPEC
cat > "$tmp/optimizers.yaml" <<'SPEC'
data: {source: small.csv, label: y, test_fraction: 0.25}
grid: {hidden_dim: [1, 2], batch_size: 4, epochs: 2, optimizer: [sgd, adam]}
SPEC
cat > "$tmp/repeats.yaml" <<'SPEC'
save_initial_weights: true
data: {source: small.csv, label: y, test_fraction: 0.3, folds: 2, repeats: 2}
grid: {hidden_dim: 1, batch_size: 4, epochs: 1, seed: [0, 1], activation: [relu, tanh]}
SPEC
mkdir -p "$out"
./sweep -q "$tmp/folds.yaml" -o "$out/folds_prefix_seeds.h5" --force
./sweep -q "$tmp/optimizers.yaml" -o "$out/no_folds_optimizers.h5" --force
./sweep -q "$tmp/repeats.yaml" -o "$out/repeats_initial_weights.h5" --force
./sweep -q --shard 1/2 "$tmp/folds.yaml" -o "$out/shard_1_of_2.h5" --force
rm -f "$out"/*.lock
