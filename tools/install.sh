#!/usr/bin/env bash
# Create or refresh the project's virtual environment (.venv) and install everything into it.
#
#   bash tools/install.sh            # what `make demo` / `make test` call first
#
# * Idempotent: a stamp file records a hash of requirements.txt, this script, the Python version
#   and the installed torch build; when it matches, nothing is reinstalled (well under a second).
#   Installing another torch build into .venv (e.g. a CUDA flavour) and rerunning rebuilds mmcv.
# * mmcv 2.1.0 has no PyPI wheel.  We take, in this order:
#     1. the wheel cache outside the repo, keyed by torch and Python version
#        ($MMCV_WHEEL_CACHE, default ~/.cache/ssl-det/wheels/torch-<T>-py<P>-<cpu|cuda>/),
#     2. a prebuilt wheel in ../shared/wheels/torch-<T>/ (CPU ops; used only without CUDA),
#     3. a build from the PyPI sdist with the C++20 fix (torch >= 2.14 headers need C++20,
#        mmcv 2.1.0's setup.py hard-codes -std=c++14/17), stored into (1) for next time.
#   pip's own wheel cache keys mmcv by its sdist, not by torch, so it is never used for mmcv.
# * On a machine with an NVIDIA GPU and nvcc, mmcv is built with FORCE_CUDA=1 (CUDA ops).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
STAMP=$VENV/.ssl-det-installed

stamp_value() {  # what the environment was built from, torch build included
    {
        cat "$ROOT/requirements.txt" "$ROOT/tools/install.sh" "$ROOT/pyproject.toml"
        "$PYTHON" -c 'import sys; print(sys.version)'
        "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))' \
            2>/dev/null || true
    } | sha256sum | cut -d' ' -f1
}

want=$(stamp_value)
if [[ -x $VENV/bin/python && -f $STAMP && "$(cat "$STAMP")" == "$want" ]]; then
    exit 0
fi

echo "[install] setting up $VENV (this takes minutes the first time)"
start=$(date +%s)
if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
# setuptools < 80: mmcv's build needs pkg_resources (gone in 81), and from 80 importing it
# prints a UserWarning at every start of mmengine (79 keeps it a hidden DeprecationWarning)
"${PIP[@]}" install -q --upgrade pip 'setuptools<80' wheel ninja

has_cuda=0
if command -v nvcc >/dev/null 2>&1 && command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    has_cuda=1
fi

# torch first: mmcv is compiled against it.
torch_req=$(grep -E '^(torch|torchvision)==' "$ROOT/requirements.txt" | tr '\n' ' ')
# shellcheck disable=SC2086
"${PIP[@]}" install -q $torch_req

# the full version (2.14.1+cu126 ...) keys the cache; the base version finds shared wheels
TORCH_FULL=$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')
TORCH_VER=${TORCH_FULL%%+*}
PY_VER=$("$VENV/bin/python" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')
flavour=cpu
[[ $has_cuda == 1 ]] && flavour=cuda
CACHE=${MMCV_WHEEL_CACHE:-$HOME/.cache/ssl-det/wheels}/torch-${TORCH_FULL//+/_}-py$PY_VER-$flavour
SHARED=${SHARED_WHEELS:-$ROOT/../shared/wheels}/torch-$TORCH_VER
mkdir -p "$CACHE"

mmcv_wheel=$(ls "$CACHE"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1 || true)
if [[ -z $mmcv_wheel && $flavour == cpu && $PY_VER == 311 ]]; then
    shared_wheel=$(ls "$SHARED"/mmcv-2.1.0-cp311-*.whl 2>/dev/null | head -n1 || true)
    if [[ -n $shared_wheel ]]; then
        echo "[install] using prebuilt $shared_wheel"
        cp "$shared_wheel" "$CACHE/"
        mmcv_wheel=$CACHE/$(basename "$shared_wheel")
    fi
fi
if [[ -z $mmcv_wheel ]]; then
    echo "[install] building mmcv 2.1.0 from source against torch $TORCH_VER ($flavour); 7-15 min on 2 cores"
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation --no-cache-dir -d "$build" mmcv==2.1.0
    tar -xzf "$build"/mmcv-2.1.0.tar.gz -C "$build"
    sed -i 's/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g' "$build/mmcv-2.1.0/setup.py"
    (
        cd "$build/mmcv-2.1.0"
        export MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)}
        [[ $flavour == cuda ]] && export FORCE_CUDA=1
        "${PIP[@]}" wheel -q --no-build-isolation --no-deps --no-cache-dir -w "$CACHE" .
    )
    mmcv_wheel=$(ls "$CACHE"/mmcv-2.1.0-*.whl | head -n1)
fi
"${PIP[@]}" install -q --no-deps "$mmcv_wheel"
# mmcv's own runtime requirements (installed --no-deps above so pip cannot swap torch).
"${PIP[@]}" install -q addict packaging Pillow pyyaml yapf -r "$ROOT/requirements.txt"
# this project's packages (custom_modules, tools), editable: importable from any directory
PYTHONWARNINGS=ignore "${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"
"$VENV/bin/python" -c 'import mmcv, mmdet, mmpretrain, mmcv.ops, custom_modules, tools.lib.config; print("[install] mmcv", mmcv.__version__, "mmdet", mmdet.__version__, "mmpretrain", mmpretrain.__version__)'

want=$(stamp_value)
echo "$want" >"$STAMP"
echo "[install] done in $(($(date +%s) - start)) s"
