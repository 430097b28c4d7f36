#!/bin/sh
# Installs the Debian 12 packages sweep needs to build, test and plot (Open MPI only for
# `make MPI=1` and its tests; ./sweep itself never needs it; SciPy for the statistics' and the
# random search's tests, man-db and groff for the man page's test, Chromium, its driver and
# Selenium for the HTML report's browser test; PyTorch (python3-torch, about 200 MB with its
# libraries) for the tests that retrain every task and training recipe with torch.optim and
# torch.nn's losses, the contract's own yardstick: SWEEP_NO_TORCH=1 leaves it out, and those
# tests then skip with one line while the NumPy reference still checks every config).
# Idempotent: installs only what is missing, and runs `apt-get update` only when something is.
set -e
PACKAGES="gcc make pkg-config libyaml-dev libhdf5-dev hdf5-tools
          python3-h5py python3-numpy python3-scipy python3-pytest python3-pandas python3-matplotlib
          python3-xarray python3-h5netcdf python3-yaml
          clang libclang-rt-14-dev libopenblas0-pthread python3-threadpoolctl
          openmpi-bin libopenmpi-dev
          man-db groff-base
          chromium chromium-driver python3-selenium"
[ "${SWEEP_NO_TORCH:-0}" = 1 ] || PACKAGES="$PACKAGES python3-torch"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
