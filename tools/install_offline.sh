#!/usr/bin/env bash
# Install this project offline over a machine's own Python and (CUDA) torch, from a wheelhouse
# made by tools/make_wheelhouse.sh (tools/gpu_check.sh --install calls this).
#
#   bash tools/install_offline.sh WHEELHOUSE     # PYTHON: the python that has torch (python3)
#   bash tools/install_offline.sh --print-python # the python the project is installed into
#
# * Where: a PYTHON inside a virtual environment gets the packages itself; any other PYTHON
#   (system, conda base) gets a new venv at $VENV (default .venv-gpu) with
#   --system-site-packages, so that its torch and torchvision are used and nothing of the
#   machine's own environment changes. torch and torchvision are never installed or replaced.
# * pip install --no-index --find-links WHEELHOUSE -r WHEELHOUSE/requirements.txt: numpy 1.26
#   and opencv 4.11 shadow a numpy 2 of the machine's (mmcv 2.1.0's hue jitter needs numpy < 2).
# * mmcv 2.1.0 is built from the wheelhouse's sdist against the installed torch, with its ops
#   (MMCV_WITH_OPS=1, FORCE_CUDA=1 when nvcc and a GPU are there, MAX_JOBS=$(nproc), for the
#   visible GPU's architecture unless TORCH_CUDA_ARCH_LIST is set; 5-15 min), --no-build-isolation
#   with setuptools < 80, and -std=c++20 for torch >= 2.14 (its headers need it; mmcv's setup.py
#   hard-codes c++14/17; MMCV_CXX_STD=c++17 to choose). The wheel is cached as tools/install.sh
#   caches it (~/.cache/ssl-det/wheels/torch-<T>-py<P>-<cpu|cuda>/): a second run takes seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$ROOT/.venv-gpu}

target_python() {
    if "$PYTHON" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' 2>/dev/null; then
        command -v "$PYTHON"
    else
        echo "$VENV/bin/python"
    fi
}

if [[ ${1:-} == --print-python ]]; then
    target_python
    exit 0
fi
if [[ $# -ne 1 || ! -f $1/requirements.txt ]]; then
    echo "usage: $0 WHEELHOUSE   (a folder made by tools/make_wheelhouse.sh)" >&2
    exit 2
fi
WH=$(cd "$1" && pwd)
start=$(date +%s)

if ! "$PYTHON" -c 'import torch, torchvision' 2>/dev/null; then
    echo "[install] $PYTHON cannot import torch and torchvision: install the machine's CUDA" \
        "torch first, or set PYTHON to the python that has it" >&2
    exit 1
fi
want=$(head -n1 "$WH/requirements.txt" | grep -oE 'CPython [0-9.]+' | cut -d' ' -f2 || true)
have=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [[ -n $want && $want != "$have" ]]; then
    echo "[install] $WH is for Python $want, $PYTHON is $have: make one with" \
        "tools/make_wheelhouse.sh $have" >&2
    exit 1
fi
PY=$(target_python)
if [[ $PY == "$VENV/bin/python" && ! -x $PY ]]; then
    echo "[install] creating $VENV (with the system site packages: the machine's torch)"
    "$PYTHON" -m venv --system-site-packages "$VENV"
fi
PIP=("$PY" -m pip --disable-pip-version-check)
torch_before=$("$PY" -c 'import torch; print(torch.__version__)')
echo "[install] into $PY: torch $torch_before, packages from $WH (offline)"
"${PIP[@]}" install -q --no-index --find-links "$WH" -r "$WH/requirements.txt"

TORCH_FULL=$("$PY" -c 'import torch; print(torch.__version__)')
if [[ $TORCH_FULL != "$torch_before" ]]; then
    echo "[install] torch changed from $torch_before to $TORCH_FULL: a requirement pulled it in" >&2
    exit 1
fi
PY_VER=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')
flavour=cpu
if command -v nvcc >/dev/null 2>&1 && "$PY" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'; then
    flavour=cuda
fi
CACHE=${MMCV_WHEEL_CACHE:-$HOME/.cache/ssl-det/wheels}/torch-${TORCH_FULL//+/_}-py$PY_VER-$flavour
mkdir -p "$CACHE"
mmcv_wheel=$(ls "$CACHE"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)
if [[ -z $mmcv_wheel ]]; then
    std=${MMCV_CXX_STD:-$("$PY" -c 'import torch; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); print("c++20" if v >= (2, 14) else "")')}
    echo "[install] building mmcv 2.1.0 ($flavour ops) against torch $TORCH_FULL with" \
        "$(nproc) jobs${std:+, -std=$std}; minutes"
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    tar -xzf "$WH"/mmcv-2.1.0.tar.gz -C "$build"
    if [[ -n $std ]]; then
        sed -i "s/-std=c++14/-std=$std/g; s/-std=c++17/-std=$std/g" "$build/mmcv-2.1.0/setup.py"
    fi
    (
        cd "$build/mmcv-2.1.0"
        export MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)}
        [[ $flavour == cuda ]] && export FORCE_CUDA=1
        "${PIP[@]}" wheel -q --no-index --find-links "$WH" --no-build-isolation --no-deps \
            -w "$CACHE" .
    )
    mmcv_wheel=$(ls "$CACHE"/mmcv-2.1.0-*.whl | head -n1)
fi
"${PIP[@]}" install -q --no-index --no-deps --force-reinstall "$mmcv_wheel"
# this project's packages (custom_modules, tools), editable
PYTHONWARNINGS=ignore "${PIP[@]}" install -q --no-index --no-deps --no-build-isolation -e "$ROOT"
"$PY" -c 'import mmcv, mmcv.ops, mmdet, mmpretrain, numpy, custom_modules, tools.lib.config; print("[install] mmcv", mmcv.__version__, "ops for CUDA", mmcv.ops.get_compiling_cuda_version(), "| mmdet", mmdet.__version__, "| mmpretrain", mmpretrain.__version__, "| numpy", numpy.__version__)'
echo "[install] done in $(($(date +%s) - start)) s: $PY"
