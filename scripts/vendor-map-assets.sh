#!/usr/bin/env bash
# Maintainers only: refresh the vendored web-map assets (maps/static/) from the npm packages pinned in
# maps/assets/package-lock.json. Installing or running geoservice never needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp maps/assets/package.json maps/assets/package-lock.json "$work/"
npm ci --prefix "$work" --ignore-scripts --no-audit --no-fund --loglevel=error
python3 -m maps.assets "$work/node_modules"
echo "maps/static/ refreshed; update maps/static/NOTICE.md if a version or licence changed"
