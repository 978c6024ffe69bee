"""Region files: the validating loader names the key or file to fix."""

from pathlib import Path

import pytest

from layers.errors import ConfigError
from layers.region import bundled_regions, load_region, parse_region

BASE = {"region": {"id": "t", "title": "Test", "crs": "EPSG:2169"}, "demo": {}}


def test_bundled_demo_region_loads():
    assert "minett-demo" in bundled_regions()
    config = load_region("minett-demo")
    assert config.synthetic
    assert config.crs.to_epsg() == 2169
    assert config.resolution["solar"] == 1.0


@pytest.mark.parametrize("patch, message", [
    ({"region": {**BASE["region"], "colour": "red"}}, r"region\.colour: unknown key"),
    ({"regoin": {}}, r"regoin: unknown key"),
    ({"region": {**BASE["region"], "crs": "EPSG:4326"}}, r"region\.crs: .*not projected"),
    ({"region": {**BASE["region"], "crs": "EPSG:99999999"}}, r"region\.crs: .*not a CRS"),
    ({"inputs": {"bulidings": {"path": "x.gpkg"}}}, r"unknown input 'bulidings'"),
    ({"demo": None}, r"needs \[demo\], an \[inputs.communes\] source or a region.extent"),
])
def test_invalid_region_names_the_key(patch, message):
    data = {**BASE, **patch}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ConfigError, match=message):
        parse_region(data, Path("."), "test.toml")


def test_missing_input_file_is_named(tmp_path):
    data = {**BASE, "inputs": {"buildings": {"path": "nowhere/buildings.gpkg"}}}
    with pytest.raises(ConfigError, match=r"inputs\.buildings\.path: file .*nowhere/buildings\.gpkg does not exist"):
        parse_region(data, tmp_path, "test.toml")


def test_relative_paths_resolve_against_the_region_file(tmp_path):
    (tmp_path / "b.gpkg").write_bytes(b"")
    config = parse_region({**BASE, "inputs": {"buildings": {"path": "b.gpkg"}}}, tmp_path)
    assert config.resolve_path("b.gpkg") == str(tmp_path / "b.gpkg")
    assert config.resolve_path("/vsicurl/https://x/y.tif") == "/vsicurl/https://x/y.tif"


def test_load_region_errors(tmp_path):
    with pytest.raises(ConfigError, match="bundled regions: .*minett-demo"):
        load_region("atlantis")
    bad = tmp_path / "bad.toml"
    bad.write_text("[region\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_region(bad)
