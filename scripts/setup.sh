#!/usr/bin/env bash
# Set up geoservice in ./.venv (idempotent). Usage: scripts/setup.sh [--test]
#   --test  also install the test extras and the system packages the tests use (PostgreSQL + PostGIS,
#           GDAL command-line tools, Chromium + ChromeDriver), as root from Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "geoservice needs Python >= 3.11 (found: $("$python" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
    exit 1
fi

apt_install() {  # install Debian packages that are missing, as root
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -ne 0 ]]; then
        echo "missing system packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
        return 1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

if [[ $want_test -eq 1 ]]; then
    apt_install gdal-bin chromium chromium-driver docker-compose
    bash scripts/ensure-postgis.sh
fi

if [[ ! -x .venv/bin/python ]]; then
    "$python" -m venv .venv || { apt_install python3-venv && "$python" -m venv .venv; }
fi
.venv/bin/python -m pip install -q --upgrade pip
if [[ $want_test -eq 1 ]]; then
    .venv/bin/python -m pip install -q -e '.[test]'
else
    .venv/bin/python -m pip install -q -e .
fi
