"""Leaflet and its plugins from disk, so maps open with no internet.

``scripts/setup.sh`` installs the pinned packages of ``maps/assets/package.json`` from the npm registry into
``maps/assets/node_modules``; :func:`install_assets` copies the files the pages need into ``<maps>/static``
and the pages reference them by relative URL (they work from ``file://`` and under the API's ``/maps/``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from layers.errors import GeoserviceError

NODE_MODULES = Path(__file__).resolve().parent / "assets" / "node_modules"

#: Source (under node_modules) → destination (under static/); a folder is copied whole.
ASSET_FILES: dict[str, str] = {
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "leaflet.fullscreen/Control.FullScreen.js": "fullscreen/Control.FullScreen.js",
    "leaflet.fullscreen/Control.FullScreen.css": "fullscreen/Control.FullScreen.css",
    "leaflet.fullscreen/icon-fullscreen.svg": "fullscreen/icon-fullscreen.svg",
    "leaflet-measure/dist/leaflet-measure.js": "measure/leaflet-measure.js",
    "leaflet-measure/dist/leaflet-measure.css": "measure/leaflet-measure.css",
    "leaflet-measure/dist/assets": "measure/assets",
    "leaflet-search/dist/leaflet-search.min.js": "search/leaflet-search.min.js",
    "leaflet-search/dist/leaflet-search.min.css": "search/leaflet-search.min.css",
    "leaflet-search/images": "images",  # the search stylesheet refers to ../images/
    "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js": "vectorgrid/Leaflet.VectorGrid.bundled.min.js",
}

#: Relative URLs of the scripts and stylesheets each map element needs (pages sit next to ``static/``).
LEAFLET_JS = [("leaflet", "static/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", "static/leaflet/leaflet.css")]
FULLSCREEN_JS = [("Control.Fullscreen.js", "static/fullscreen/Control.FullScreen.js")]
FULLSCREEN_CSS = [("Control.FullScreen.css", "static/fullscreen/Control.FullScreen.css")]
MEASURE_JS = [("leaflet_measure_js", "static/measure/leaflet-measure.js")]
MEASURE_CSS = [("leaflet_measure_css", "static/measure/leaflet-measure.css")]
SEARCH_JS = [("Leaflet.Search.js", "static/search/leaflet-search.min.js")]
SEARCH_CSS = [("Leaflet.Search.css", "static/search/leaflet-search.min.css")]
VECTORGRID_JS = [("vectorGrid", "static/vectorgrid/Leaflet.VectorGrid.bundled.min.js")]


class MapAssetsMissing(GeoserviceError):
    """The Leaflet files are not installed next to the package."""


def install_assets(out_dir: Path) -> Path:
    """Copy the map assets into ``out_dir/static`` (idempotent); return that folder."""
    missing = [src for src in ASSET_FILES if not (NODE_MODULES / src).exists()]
    if missing:
        raise MapAssetsMissing(f"map assets missing under {NODE_MODULES} ({', '.join(missing[:3])}...); run "
                               "scripts/setup.sh, or `npm ci --ignore-scripts --prefix maps/assets`")
    static = out_dir / "static"
    for src, dest in ASSET_FILES.items():
        source, target = NODE_MODULES / src, static / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    return static
