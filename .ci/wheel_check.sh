#!/usr/bin/env bash
# mmcorr installs next to other libraries: build its wheel, install it into a
# fresh venv beside a numpy of another minor version than the lock's (as an
# unrelated package pinning numpy would ask), then the OpenMMLab stack as the
# README says, and import it. Uses pip's cache (the mmcv wheel built by
# make install).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$PWD/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# built from a copy: a regular build replaces the checkout's mmcorr/.mim
# links (an editable install's) with copies
mkdir "$work/src"
git archive HEAD | tar -x -C "$work/src"
$PY -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" "$work/src"

python3 -m venv "$work/venv"
pip="$work/venv/bin/python -m pip"
$pip install -q torch==2.13.0
# the ranges of the metadata must admit numpy 2.2 (the lock has 2.3)
$pip install -q "$work"/dist/mmcorr-*.whl "numpy==2.2.*"
$pip install -q --no-deps mmengine==0.10.7 mmsegmentation==1.2.2
MMCV_WITH_OPS=1 $pip install -q --no-build-isolation --no-deps mmcv==2.1.0
cd "$work"
"$work/venv/bin/python" - <<'PY'
import numpy, mmcorr, mmcorr.models
assert numpy.__version__.startswith('2.2.'), numpy.__version__
print(f'mmcorr {mmcorr.__version__} imports beside numpy {numpy.__version__}')
PY
