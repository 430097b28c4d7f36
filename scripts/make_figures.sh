#!/bin/sh
# Regenerates the pictures in docs/ that README.md shows ("Look at your results") from the
# default sweep, results/grid.h5: runs that sweep first when the file is missing (or resumes
# it when it is unfinished), then scripts/plot.py into docs/, and the HTML report's screenshot
# (docs/report.png). Run from anywhere.
set -e
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
make -s sweep
if [ ! -f results/grid.h5 ]; then
    ./sweep -q experiments/grid.yaml
else
    status=$($PYTHON -c 'import h5py, sys; print(h5py.File(sys.argv[1], "r").attrs["status"])' results/grid.h5)
    [ "$status" = complete ] || ./sweep -q --resume experiments/grid.yaml
fi
mkdir -p docs
# The default: the best setting's learning curves and the heatmap of the two widest axes.
$PYTHON scripts/plot.py results/grid.h5 -o docs
# Three learning rates side by side at one width, batch size and length.
$PYTHON scripts/plot.py results/grid.h5 -o docs --where hidden_dim=32 batch_size=16 epochs=1000
# What the batch size and the number of epochs do, averaged over the rest.
$PYTHON scripts/plot.py results/grid.h5 -o docs --heatmap batch_size epochs
# The HTML report and its picture (headless Chromium; skipped where it is missing).
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    page=$(mktemp -d)/grid.html
    ./sweep report --html "$page" results/grid.h5
    $PYTHON scripts/screenshot.py "$page" docs/report.png
    rm -r "$(dirname "$page")"
fi
# The report the README quotes.
./sweep report results/grid.h5 --top 5
