"""Run parameters: region file, facts of its inputs, then per-run overrides."""

from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from geoservice.runner import merge_params, region_params
from layers.region import parse_region


def _atlas(path: Path) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:2169",
                      transform=Affine(100, 0, 64000, 0, -100, 62000)) as dst:
        dst.write(np.full((4, 4), 6.0, "float32"), 1)
    return path


def test_atlas_height_reaches_the_wind_step_unless_overridden(tmp_path):
    data = {"region": {"id": "t", "title": "t", "crs": "EPSG:2169"}, "demo": {},
            "inputs": {"wind_speed": {"path": str(_atlas(tmp_path / "atlas.tif")), "height_m": 100.0}},
            "params": {"wind": {"hub_height_m": 140.0}}}
    config = parse_region(data, tmp_path)
    assert region_params(config, None)["wind"] == {"hub_height_m": 140.0, "atlas_height_m": 100.0}
    assert region_params(config, {"wind": {"atlas_height_m": 50.0}})["wind"]["atlas_height_m"] == 50.0


def test_merge_params_is_key_by_key():
    merged = merge_params({"wind": {"a": 1, "b": 2}}, {"wind": {"b": 3}, "solar": {"c": 4}})
    assert merged == {"wind": {"a": 1, "b": 3}, "solar": {"c": 4}}
