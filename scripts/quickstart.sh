#!/usr/bin/env bash
# Set up geoservice and run every analysis on the embedded default (the synthetic demo region).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/geoservice run "$@"
echo "Outputs: ./data/store (GeoPackage + COG rasters); serve them with: .venv/bin/geoservice serve"
