"""Leaflet and its plugins from disk, so maps open with no internet and install with no npm step.

The few files the pages need are vendored in ``maps/static/`` (package data, so a wheel, an sdist and the
Docker image carry them) with each package's licence; ``maps/static/NOTICE.md`` lists packages, versions and
licences. :func:`install_assets` copies that folder into ``<maps>/static`` and the pages reference the files
by relative URL (they work from ``file://`` and under the API's ``/maps/``).

The versions are pinned in ``maps/assets/package.json`` (and its lock file). To update them, a maintainer
runs ``scripts/vendor-map-assets.sh``: npm installs the pinned packages into a temporary folder and
:func:`vendor` copies the files of :data:`ASSET_FILES` from it into ``maps/static/``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from layers.errors import GeoserviceError

#: The vendored files, in the layout the pages load them from.
VENDORED = Path(__file__).resolve().parent / "static"

#: Source (under an npm ``node_modules``) → destination (under ``maps/static/``); a folder is copied whole.
ASSET_FILES: dict[str, str] = {
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "leaflet/LICENSE": "leaflet/LICENSE",
    "leaflet.fullscreen/Control.FullScreen.js": "fullscreen/Control.FullScreen.js",
    "leaflet.fullscreen/Control.FullScreen.css": "fullscreen/Control.FullScreen.css",
    "leaflet.fullscreen/icon-fullscreen.svg": "fullscreen/icon-fullscreen.svg",
    "leaflet.fullscreen/LICENSE": "fullscreen/LICENSE",
    "leaflet-measure/dist/leaflet-measure.js": "measure/leaflet-measure.js",
    "leaflet-measure/dist/leaflet-measure.css": "measure/leaflet-measure.css",
    "leaflet-measure/dist/assets": "measure/assets",
    "leaflet-measure/LICENSE": "measure/LICENSE",
    "leaflet-search/dist/leaflet-search.min.js": "search/leaflet-search.min.js",
    "leaflet-search/dist/leaflet-search.min.css": "search/leaflet-search.min.css",
    "leaflet-search/license.txt": "search/LICENSE",
    # the search stylesheet refers to ../images/
    "leaflet-search/images/search-icon.png": "images/search-icon.png",
    "leaflet-search/images/loader.gif": "images/loader.gif",
    "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js": "vectorgrid/Leaflet.VectorGrid.bundled.min.js",
    # the bundle includes pbf, ieee754, vector-tile and topojson-client: their licences go with it
    "pbf/LICENSE": "vectorgrid/LICENSE-pbf",
    "ieee754/LICENSE": "vectorgrid/LICENSE-ieee754",
    "vector-tile/LICENSE.txt": "vectorgrid/LICENSE-vector-tile",
    "topojson-client/LICENSE.md": "vectorgrid/LICENSE-topojson-client",
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
    """The vendored Leaflet files are not where the package expects them."""


def install_assets(out_dir: Path) -> Path:
    """Copy the vendored map assets into ``out_dir/static`` (idempotent); return that folder."""
    missing = [dest for dest in ASSET_FILES.values() if not (VENDORED / dest).exists()]
    if missing:
        raise MapAssetsMissing(f"map assets missing under {VENDORED} ({', '.join(missing[:3])}...); the "
                               "installation is incomplete: reinstall geoservice (the files are package data)")
    static = out_dir / "static"
    shutil.copytree(VENDORED, static, dirs_exist_ok=True)
    return static


def vendor(node_modules: Path, dest: Path = VENDORED) -> None:
    """Copy :data:`ASSET_FILES` from an npm ``node_modules`` folder into ``dest`` (a maintainer's step)."""
    missing = [src for src in ASSET_FILES if not (node_modules / src).exists()]
    if missing:
        raise MapAssetsMissing(f"{node_modules} lacks {', '.join(missing)}; run npm ci on maps/assets first")
    for src, target in ASSET_FILES.items():
        source, target_path = node_modules / src, dest / target
        target_path.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target_path, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target_path)


if __name__ == "__main__":  # scripts/vendor-map-assets.sh: python -m maps.assets NODE_MODULES
    vendor(Path(sys.argv[1]))
