#!/usr/bin/env bash
# The one-command GPU check (docs/gpu_check.md): install checks, step speed and MFU, one
# training iteration of every full-scale config, determinism; one table in ~10 minutes.
#
#   tools/gpu_check.sh [--install WHEELHOUSE] [tools/gpu_check.py options]
#
# --install WHEELHOUSE first installs offline over the machine's own Python and torch
# (tools/install_offline.sh; PYTHON=the python that has torch, default python3). The check
# then runs with that install's python; without --install with $PY, else .venv-gpu/bin/python,
# else .venv/bin/python, else python3. Output: work_dirs/gpu_check/gpu_check.md (and .json).
# Exit status: 0 when every row passed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv-gpu}
if [[ ${1:-} == --install ]]; then
    [[ $# -ge 2 ]] || { echo "usage: $0 --install WHEELHOUSE [options]" >&2; exit 2; }
    VENV=$VENV bash "$ROOT/tools/install_offline.sh" "$2"
    PY=$(VENV=$VENV bash "$ROOT/tools/install_offline.sh" --print-python)
    shift 2
fi
if [[ -z ${PY:-} ]]; then
    for PY in "$VENV/bin/python" "$ROOT/.venv/bin/python" python3; do
        command -v "$PY" >/dev/null 2>&1 && break
    done
fi
cd "$ROOT"
# custom_modules and tools.lib for a python3 without the project installed (pip install -e .)
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
echo "[gpu_check] $PY tools/gpu_check.py $*"
exec "$PY" tools/gpu_check.py "$@"
