"""A wheel built from a clean checkout installs into a fresh virtualenv and builds working offline maps, with
no npm step: the Leaflet files are vendored package data (maps/static)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Publishes a two-commune layer into the embedded store of GEOSERVICE_DATA_DIR, with the installed package.
PUBLISH = """
import os, geopandas as gpd, shapely
from pathlib import Path
from geoservice.store.gpkg import GeoPackageStore
from layers.data import Provenance
gdf = gpd.GeoDataFrame({"name": ["Esch", "Sanem"], "code": ["0001", "0002"], "area_km2": [16.0, 16.0]},
                       geometry=[shapely.box(62000, 62000, 66000, 66000), shapely.box(58000, 62000, 62000, 66000)],
                       crs="EPSG:2169")
store = GeoPackageStore(Path(os.environ["GEOSERVICE_DATA_DIR"]) / "store")
store.publish_layers({"communes": gdf}, Provenance("wheel-test", "inputs", {}, {}, "test", "test", True))
store.close()
"""


def _clean_checkout(dest: Path) -> Path:
    """The tracked files of this checkout (what a fresh clone holds: no node_modules, no build output)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to export its tracked files")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.mark.slow
def test_wheel_in_fresh_virtualenv_builds_offline_maps(tmp_path):
    source = _clean_checkout(tmp_path / "checkout")
    assert not (source / "maps/assets/node_modules").exists()
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(dist), str(source)], check=True, capture_output=True)
    wheel = next(dist.glob("geoservice-*.whl"))

    # a fresh virtualenv: the wheel installed offline; its dependencies are this interpreter's (a .pth line
    # adds that site-packages folder without running its .pth files, so an editable install there stays out)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # without PYTHONPATH: a source tree on it would make pip see geoservice as installed and skip the wheel
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GEOSERVICE_DATABASE_URL")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, capture_output=True, env=env)

    env["GEOSERVICE_DATA_DIR"] = str(tmp_path / "data")
    where = subprocess.run([python, "-c", "import maps; print(maps.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(site), f"maps imported from {where}, not from the installed wheel"
    subprocess.run([python, "-c", PUBLISH], cwd=tmp_path, env=env, check=True, capture_output=True)
    built = subprocess.run([venv / "bin" / "geoservice", "maps", "--region", "minett-demo"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr

    maps_dir = tmp_path / "data" / "maps"
    for name in ("leaflet/leaflet.js", "leaflet/LICENSE", "vectorgrid/Leaflet.VectorGrid.bundled.min.js",
                 "measure/leaflet-measure.js", "search/leaflet-search.min.js", "fullscreen/Control.FullScreen.js"):
        assert (maps_dir / "static" / name).stat().st_size > 0, name
    page = (maps_dir / "solar.html").read_text()
    local = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert "static/leaflet/leaflet.js" in local
    assert not [src for src in local if src.startswith("http")], "a map loads a script from the internet"
    for src in local:
        assert (maps_dir / src).is_file(), src
