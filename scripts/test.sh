#!/usr/bin/env bash
# Set up geoservice with its test dependencies (PostGIS, GDAL tools, Chromium) and run the whole test suite.
# Uses the PostgreSQL server named by GEOSERVICE_TEST_DATABASE_URL, else installs/starts a local one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit $status
