"""Input sources: file readers (reprojection, clipping, field/value mapping, repair, errors) and the demo source.

Oracle for reprojection: pyproj's EPSG:4326 → EPSG:2169 transformation applied to the same coordinates.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from pyproj import CRS, Transformer
from rasterio.transform import from_origin
from shapely.geometry import LineString, Polygon, box

from layers.catalog import get_layer
from layers.errors import InputDataError
from layers.raster import RasterFile
from layers.region import parse_region
from layers.sources import RegionSource
from layers.validate import check_layer
from tests.demo_fixtures import SMALL_DEMO_REGION

LUREF = "EPSG:2169"
#: Region extent of the file-based test region (EPSG:2169) [m].
EXTENT = (65000.0, 60000.0, 67000.0, 62000.0)
TO_WGS84 = Transformer.from_crs(LUREF, "EPSG:4326", always_xy=True)


def _wgs84_box(xmin, ymin, xmax, ymax) -> Polygon:
    xs, ys = TO_WGS84.transform([xmin, xmax, xmax, xmin], [ymin, ymin, ymax, ymax])
    return Polygon(list(zip(xs, ys, strict=True)))


def _region(tmp_path: Path, inputs: dict, extent=EXTENT):
    return parse_region({"region": {"id": "files", "title": "File region", "crs": LUREF, "extent": list(extent)},
                         "inputs": inputs}, tmp_path, "<test>")


@pytest.fixture
def communes_wgs84(tmp_path) -> Path:
    """Two communes in EPSG:4326 with source field names NOM / LAU2, one beyond the region."""
    frame = gpd.GeoDataFrame({"NOM": ["Alpha", "Beta", "Far"], "LAU2": [101, 102, 999]},
                             geometry=[_wgs84_box(65000, 60000, 66000, 62000), _wgs84_box(66000, 60000, 67500, 62000),
                                       _wgs84_box(90000, 90000, 91000, 91000)], crs="EPSG:4326")
    path = tmp_path / "communes.gpkg"
    frame.to_file(path, layer="gemeinden", driver="GPKG")
    return path


def test_vector_is_reprojected_clipped_and_mapped(tmp_path, communes_wgs84):
    config = _region(tmp_path, {"communes": {"path": "communes.gpkg", "layer": "gemeinden",
                                             "fields": {"name": "NOM", "code": "LAU2"}}})
    source = RegionSource(config, tmp_path / "inputs")
    communes = source("communes")
    check_layer(get_layer("communes"), communes, CRS.from_user_input(LUREF))
    assert list(communes.columns) == ["name", "code", "area_km2", "geometry"]
    assert sorted(communes["name"]) == ["Alpha", "Beta"]  # "Far" lies outside the region
    assert set(communes["code"]) == {"101", "102"}  # int → str as the catalog declares
    xmin, _, xmax, _ = communes.total_bounds
    assert xmin >= EXTENT[0] - 1e-6 and xmax <= EXTENT[2] + 1e-6  # clipped at 67,000 m
    alpha = communes[communes["name"] == "Alpha"].geometry.iloc[0]
    # pyproj round trip: the corner we drew in EPSG:2169 comes back within a millimetre (straight edges in
    # EPSG:4326 are not straight in EPSG:2169, so compare corners only)
    assert np.min(np.hypot(*(np.asarray(alpha.exterior.coords) - [65000.0, 60000.0]).T)) < 1e-3


def test_values_defaults_and_where(tmp_path):
    frame = gpd.GeoDataFrame({"id": ["a", "b", "c"], "h": [9.0, 12.5, 30.0], "floors": [2, 3, 10],
                              "usage": ["wohnen", "gewerbe", "wohnen"], "built": [1960, 2001, 1975],
                              "dach": ["sattel", "flach", "walm"], "keep": [1, 1, 0]},
                             geometry=[box(65100 + 50 * i, 60100, 65120 + 50 * i, 60120) for i in range(3)],
                             crs=LUREF)
    frame.to_file(tmp_path / "b.gpkg", driver="GPKG")
    config = _region(tmp_path, {"buildings": {
        "path": "b.gpkg", "where": "keep = 1",
        "fields": {"building_id": "id", "height_m": "h", "levels": "floors", "use": "usage", "year_built": "built",
                   "roof_shape": "dach"},
        "values": {"use": {"wohnen": "residential", "gewerbe": "commercial"},
                   "roof_shape": {"sattel": "gable", "flach": "flat", "walm": "hip"}}}})
    buildings = RegionSource(config, tmp_path)("buildings")
    check_layer(get_layer("buildings"), buildings, CRS.from_user_input(LUREF))
    assert list(buildings.building_id) == ["a", "b"]
    assert list(buildings.use) == ["residential", "commercial"]
    assert list(buildings.roof_shape) == ["gable", "flat"]
    assert buildings.roof_tilt_deg.isna().all()  # optional field absent in the source


def test_invalid_polygon_is_repaired_with_a_warning(tmp_path, caplog):
    bowtie = Polygon([(65100, 60100), (65300, 60300), (65300, 60100), (65100, 60300)])
    gpd.GeoDataFrame({"class": ["forest"]}, geometry=[bowtie], crs=LUREF).to_file(tmp_path / "lc.gpkg")
    config = _region(tmp_path, {"landcover": {"path": "lc.gpkg"}})
    with caplog.at_level(logging.WARNING, logger="layers.sources"):
        landcover = RegionSource(config, tmp_path)("landcover")
    assert "repaired 1 invalid" in caplog.text
    assert landcover.geometry.is_valid.all()
    assert landcover.geometry.area.sum() == pytest.approx(20000.0)  # two triangles of 100 × 200 m / 2


def test_missing_required_field_names_the_field_and_the_fix(tmp_path, communes_wgs84):
    config = _region(tmp_path, {"communes": {"path": "communes.gpkg", "fields": {"name": "NOM"}}})
    with pytest.raises(InputDataError, match=r"lacks the required field 'code'.*fields = \{ code ="):
        RegionSource(config, tmp_path)("communes")


def test_unknown_category_values_name_the_mapping(tmp_path):
    gpd.GeoDataFrame({"class": ["forest", "vineyard"]}, geometry=[box(65100, 60100, 65200, 60200),
                                                                  box(65300, 60100, 65400, 60200)],
                     crs=LUREF).to_file(tmp_path / "lc.gpkg")
    config = _region(tmp_path, {"landcover": {"path": "lc.gpkg"}})
    with pytest.raises(InputDataError, match=r"'vineyard' \(1 feature\).*values.class"):
        RegionSource(config, tmp_path)("landcover")


def test_missing_file(tmp_path, communes_wgs84):
    config = _region(tmp_path, {"communes": {"path": "communes.gpkg"}})
    communes_wgs84.unlink()
    with pytest.raises(InputDataError, match=r"communes\.gpkg does not exist; fix inputs\.communes\.path"):
        RegionSource(config, tmp_path)("communes")


def test_unreadable_file_names_the_file_and_gdal_message(tmp_path):
    (tmp_path / "broken.gpkg").write_bytes(b"this is not a GeoPackage")
    config = _region(tmp_path, {"roads": {"path": "broken.gpkg"}})
    with pytest.raises(InputDataError, match=r"cannot read .*broken\.gpkg: .*(not recognized|not a supported)"):
        RegionSource(config, tmp_path)("roads")


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_source_without_crs_needs_one_configured(tmp_path):
    frame = gpd.GeoDataFrame({"road_class": ["primary"]},
                             geometry=[LineString([(65100, 60100), (65200, 60150)])], crs=None)
    frame.to_file(tmp_path / "roads.shp")
    with pytest.raises(InputDataError, match=r"has no coordinate reference system.*crs = "):
        RegionSource(_region(tmp_path, {"roads": {"path": "roads.shp"}}), tmp_path)("roads")
    roads = RegionSource(_region(tmp_path, {"roads": {"path": "roads.shp", "crs": LUREF}}), tmp_path)("roads")
    assert CRS.from_user_input(roads.crs).equals(CRS.from_user_input(LUREF)) and len(roads) == 1


def test_data_outside_the_region_states_both_extents(tmp_path):
    gpd.GeoDataFrame({"voltage_kv": [220.0]}, geometry=[LineString([(90000, 90000), (91000, 91000)])],
                     crs=LUREF).to_file(tmp_path / "power.gpkg")
    config = _region(tmp_path, {"power_lines": {"path": "power.gpkg"}})
    with pytest.raises(InputDataError, match=r"does not overlap the region: data extent \(90000.0, .*region extent "
                                             r"\(65000.0, 60000.0, 67000.0, 62000.0\)"):
        RegionSource(config, tmp_path)("power_lines")


def test_empty_layer(tmp_path):
    gpd.GeoDataFrame({"name": pd.Series([], dtype=str)}, geometry=[], crs=LUREF).to_file(tmp_path / "bf.gpkg")
    config = _region(tmp_path, {"brownfields": {"path": "bf.gpkg"}})
    with pytest.raises(InputDataError, match="is empty"):
        RegionSource(config, tmp_path)("brownfields")


def _write_raster(path: Path, crs: str, transform, array: np.ndarray) -> None:
    with rasterio.open(path, "w", driver="GTiff", width=array.shape[1], height=array.shape[0], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=-9999.0) as dst:
        dst.write(array.astype("float32"), 1)


def test_raster_in_another_crs_is_warped_and_cached(tmp_path):
    lon0, lat0 = TO_WGS84.transform(EXTENT[0] - 500, EXTENT[3] + 500)
    array = np.full((60, 80), 321.0)
    _write_raster(tmp_path / "dem_wgs84.tif", "EPSG:4326", from_origin(lon0, lat0, 0.0005, 0.0005), array)
    config = _region(tmp_path, {"dem": {"path": "dem_wgs84.tif"}})
    dem = RegionSource(config, tmp_path / "inputs")("dem")
    assert isinstance(dem, RasterFile) and dem.unit == "m"
    check_layer(get_layer("dem"), dem, CRS.from_user_input(LUREF))
    assert Path(dem.path).is_relative_to(tmp_path / "inputs")
    values = dem.read()
    assert np.allclose(values[values != -9999.0], 321.0)
    again = RegionSource(config, tmp_path / "inputs")("dem")
    assert again.path == dem.path  # reused from the cache


def test_raster_in_the_region_crs_is_used_in_place(tmp_path):
    _write_raster(tmp_path / "dem.tif", LUREF, from_origin(EXTENT[0], EXTENT[3], 10.0, 10.0), np.ones((200, 200)))
    dem = RegionSource(_region(tmp_path, {"dem": {"path": "dem.tif"}}), tmp_path)("dem")
    assert Path(dem.path) == tmp_path / "dem.tif"


def test_unreadable_raster(tmp_path):
    (tmp_path / "dem.tif").write_text("garbage")
    with pytest.raises(InputDataError, match=r"cannot read .*dem\.tif as a raster"):
        RegionSource(_region(tmp_path, {"dem": {"path": "dem.tif"}}), tmp_path)("dem")


def test_csv_table_with_field_mapping(tmp_path):
    pd.DataFrame({"m": range(1, 13), "ghi": [50.0] * 12, "t": [10.0] * 12}).to_csv(tmp_path / "c.csv", index=False)
    config = _region(tmp_path, {"climate": {"path": "c.csv", "fields": {"month": "m", "ghi_kwh_m2": "ghi",
                                                                         "temp_air_c": "t"}}})
    climate = RegionSource(config, tmp_path)("climate")
    check_layer(get_layer("climate"), climate)
    assert climate.ghi_kwh_m2.sum() == 600.0


def test_region_without_an_input_returns_none(tmp_path):
    source = RegionSource(_region(tmp_path, {}), tmp_path)
    assert source("wind_speed") is None and source("buildings") is None
    context = source.region_context()
    assert context.extent == EXTENT and context.synthetic is False
    assert context.resolution_m == {}


def test_extent_from_the_communes(tmp_path, communes_wgs84):
    config = parse_region({"region": {"id": "c", "title": "c", "crs": LUREF},
                           "inputs": {"communes": {"path": "communes.gpkg", "fields": {"name": "NOM", "code": "LAU2"}}}},
                          tmp_path)
    extent = RegionSource(config, tmp_path).region_context().extent
    assert extent[0] == pytest.approx(65000.0, abs=1.0) and extent[3] == pytest.approx(91000.0, abs=1.0)


def test_demo_source_context(small_demo_source):
    context = small_demo_source.region_context()
    assert context.synthetic is True and context.id == "demo-small"
    assert context.extent == (65000.0, 60000.0, 67000.0, 62000.0)
    assert context.resolution_m == SMALL_DEMO_REGION.get("resolution", {})


def test_demo_regenerates_only_when_the_spec_changes(tmp_path, small_demo_dir, monkeypatch):
    region = {**SMALL_DEMO_REGION, "region": {**SMALL_DEMO_REGION["region"], "id": "copy"}}
    shutil.copytree(small_demo_dir, tmp_path / "copy")
    calls = []
    monkeypatch.setattr("layers.demo.generate_demo", lambda spec, crs, out: calls.append(spec) or out)
    RegionSource(parse_region(region, tmp_path), tmp_path).ensure_demo()
    assert calls == []  # the manifest matches: reuse
    manifest = json.loads((tmp_path / "copy" / "manifest.json").read_text())
    manifest["spec"]["seed"] = 1
    (tmp_path / "copy" / "manifest.json").write_text(json.dumps(manifest))
    RegionSource(parse_region(region, tmp_path), tmp_path).ensure_demo()
    assert len(calls) == 1 and calls[0].seed == SMALL_DEMO_REGION["demo"]["seed"]


def test_a_file_source_overrides_the_demo(tmp_path, small_demo_dir):
    gpd.GeoDataFrame({"name": ["Only"], "code": ["X"]}, geometry=[box(65100, 60100, 65900, 60900)],
                     crs=LUREF).to_file(tmp_path / "c.gpkg")
    region = {**SMALL_DEMO_REGION, "inputs": {"communes": {"path": "c.gpkg"}}}
    shutil.copytree(small_demo_dir, tmp_path / "demo-small")
    source = RegionSource(parse_region(region, tmp_path), tmp_path)
    assert list(source("communes")["name"]) == ["Only"]
    assert len(source("buildings")) > 100  # the rest still comes from the demo
