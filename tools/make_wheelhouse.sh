#!/usr/bin/env bash
# Assemble a wheelhouse for a machine with another Python and its own (CUDA) torch, and no
# network: everything requirements.txt needs except torch and torchvision, for that Python,
# plus the mmcv 2.1.0 sdist (built there, against that torch and nvcc).
#
#   bash tools/make_wheelhouse.sh PYVER [OUT]          # e.g. 3.12 -> wheelhouse-py312/
#   bash tools/make_wheelhouse.sh --requirements-only PYVER OUT   # write OUT/requirements.txt only
#
# Then copy OUT and this repository to the machine and run there
#   tools/gpu_check.sh --install OUT       (docs/gpu_check.md)
#
# * Wheels only (--only-binary=:all:) for CPython PYVER on x86_64 Linux (manylinux 2.17-2.28;
#   PLATFORMS=... to change), resolved as pip would resolve them there.
# * numpy < 2 is pinned: mmcv 2.1.0's hue jitter raises under numpy 2, and a Python 3.12
#   machine may ship numpy 2 (requirements.txt pins 1.26.4, which has cp312 wheels).
# * Added for the offline install: mmcv's runtime requirements (addict, packaging, Pillow,
#   pyyaml, yapf: mmcv itself is installed --no-deps so that pip cannot swap torch) and its
#   build requirements (setuptools < 80, which still has pkg_resources and keeps it quiet,
#   wheel, ninja).
# * The mmcv sdist is fetched with pip by the Python that runs this script (PY, default
#   .venv/bin/python, which has torch: pip reads the sdist's metadata by running its setup.py).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
only_requirements=0
if [[ ${1:-} == --requirements-only ]]; then
    only_requirements=1
    shift
fi
if [[ $# -lt 1 || ! $1 =~ ^3\.[0-9]+$ ]]; then
    echo "usage: $0 [--requirements-only] PYVER [OUT]   (PYVER like 3.12)" >&2
    exit 2
fi
PYVER=$1
TAG=cp${PYVER/./}
OUT=${2:-wheelhouse-py${PYVER/./}}
PY=${PY:-$ROOT/.venv/bin/python}
[[ -x $PY ]] || PY=python3
PLATFORMS=${PLATFORMS:-manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64}
mkdir -p "$OUT"

# requirements.txt without torch/torchvision (the machine's own) and comments, plus the above
{
    echo "# for CPython $PYVER on x86_64 Linux, from requirements.txt by tools/make_wheelhouse.sh"
    grep -vE '^\s*(#|$)' "$ROOT/requirements.txt" | grep -vE '^(torch|torchvision)([=<>! ]|$)'
    echo 'numpy<2'
    printf '%s\n' addict packaging pyyaml yapf 'setuptools<80' wheel ninja
} >"$OUT/requirements.txt"
echo "[wheelhouse] $OUT/requirements.txt: $(grep -vc '^#' "$OUT/requirements.txt") requirements"
[[ $only_requirements == 1 ]] && exit 0

platform_args=()
for p in $PLATFORMS; do platform_args+=(--platform "$p"); done
start=$(date +%s)
"$PY" -m pip download --disable-pip-version-check -q --only-binary=:all: \
    --python-version "$PYVER" --implementation cp --abi "$TAG" "${platform_args[@]}" \
    -d "$OUT" -r "$OUT/requirements.txt" || {
    echo "[wheelhouse] no wheels of the pinned versions for CPython $PYVER (pip's error above;" \
        "measured: 3.11 and 3.12 resolve, 3.10 lacks Pillow 13, 3.13 numpy 1.26)" >&2
    exit 1
}
# the mmcv sdist, for a build against the machine's torch (no wheel of mmcv 2.1.0 on PyPI)
"$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
    --no-build-isolation -d "$OUT" mmcv==2.1.0
if ls "$OUT"/torch-*.whl "$OUT"/torchvision-*.whl >/dev/null 2>&1; then
    echo "[wheelhouse] a requirement pulled torch in: remove it (the machine has its own)" >&2
    exit 1
fi
# the install must resolve from the wheelhouse alone, for that Python (nothing installed)
"$PY" -m pip install --disable-pip-version-check -q --dry-run --ignore-installed --no-index \
    --find-links "$OUT" --only-binary=:all: --python-version "$PYVER" --implementation cp \
    --abi "$TAG" "${platform_args[@]}" --target "$OUT/.dry-run" -r "$OUT/requirements.txt"
rm -rf "$OUT/.dry-run"
{
    echo "wheelhouse for CPython $PYVER (x86_64 Linux: $PLATFORMS), $(date -u +%Y-%m-%d)"
    echo "made by tools/make_wheelhouse.sh from requirements.txt at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "install: tools/gpu_check.sh --install $(basename "$OUT")   (docs/gpu_check.md)"
} >"$OUT/README.txt"
n=$(ls "$OUT" | grep -cE '\.(whl|tar\.gz)$')
echo "[wheelhouse] $n files, $(du -sh "$OUT" | cut -f1) in $OUT ($(($(date +%s) - start)) s); every requirement resolves offline for CPython $PYVER"
