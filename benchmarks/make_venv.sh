#!/usr/bin/env bash
# Creates (or updates) .venv-bench: the test environment plus what only the benchmarks
# need (benchmarks/requirements.txt). Kept apart from .venv so that the tests never see
# OpenCV, which OpenEye itself must not use.
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
cd "$ROOT"
VENV="$ROOT/.venv-bench"
ensure_venv
install_requirements requirements_test.txt
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
say "Benchmarks run with $VENV/bin/python"
