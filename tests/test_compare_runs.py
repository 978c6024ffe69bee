"""scripts/compare_runs.py: what it reports for equal and differing layers (hand-made frames and rasters)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from shapely.geometry import Point, box

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_runs.py"


def _module():
    spec = importlib.util.spec_from_file_location("compare_runs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_frames_same_and_differing():
    cmp = _module()
    a = gpd.GeoDataFrame({"name": ["x", None], "area_m2": [1.0, np.nan]}, geometry=[Point(0, 0), box(0, 0, 1, 1)],
                         crs="EPSG:2169")
    assert cmp.compare_frames(a, a.copy(), 0.0) == []
    b = a.copy()
    b.loc[0, "area_m2"] = 1.5
    b.loc[1, "name"] = "y"
    b.loc[1, "geometry"] = box(0, 0, 1, 1).reverse()  # same shape, other vertex order
    assert cmp.compare_frames(a, b, 0.0) == ["name: 1 differ", "area_m2: 1 differ, max abs diff 0.5",
                                             "geometry: 1 differ (1 of them the same shape)"]
    assert cmp.compare_frames(a, b, 0.5)[:1] == ["name: 1 differ"]
    assert cmp.compare_frames(pd.DataFrame({"v": [1]}), pd.DataFrame({"v": [1, 2]}), 0.0) == ["rows 1 vs 2"]


def test_rasters_same_and_differing(tmp_path):
    cmp = _module()
    paths = []
    for k, values in enumerate(([[1.0, np.nan], [3.0, 4.0]], [[1.0, np.nan], [3.0, 4.25]])):
        path = tmp_path / f"r{k}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                           crs="EPSG:2169", transform=Affine(1, 0, 0, 0, -1, 2), nodata=np.nan) as dst:
            dst.write(np.asarray(values, dtype="float32"), 1)
        paths.append(path)
    assert cmp.compare_rasters(paths[0], paths[0], 0.0) == []
    assert cmp.compare_rasters(paths[0], paths[1], 0.0) == ["1 cells differ, max abs diff 0.25"]
