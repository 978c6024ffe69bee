"""Ingestion of the real Luxembourg sample files in ../shared/data/lu-minett (skipped where absent):
the 11 PRO-SUD communes (EPSG:2169 shapefile), SRTM elevation (EPSG:4326 GeoTIFF) and OSM rivers (EPSG:4326
GeoPackage reaching far outside the region)."""

from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from geoservice.quality import check_region
from layers.catalog import get_layer
from layers.region import parse_region
from layers.sources import RegionSource
from layers.validate import check_layer
from processing.steps import all_steps

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "lu-minett"
PRO_SUD = ("Bettembourg", "Differdange", "Dudelange", "Esch-sur-Alzette", "Kayl", "Mondercange", "Pétange",
           "Rumelange", "Sanem", "Schifflange", "Käerjeng")

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real sample data not present at {DATA}")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    names = ", ".join(f"'{n}'" for n in PRO_SUD)
    config = parse_region({
        "region": {"id": "pro-sud", "title": "PRO-SUD (real data)", "crs": "EPSG:2169"},
        "inputs": {
            "communes": {"path": str(DATA / "LIMADM_GEN_COMMUNES.shp"), "fields": {"name": "COMMUNE", "code": "LAU2"},
                         "where": f"COMMUNE IN ({names})"},
            "dem": {"path": str(DATA / "srtm_30s_luxembourg.tif")},
            "waterways": {"path": str(DATA / "osm_waterway_river_lines_2022.gpkg"), "fields": {"waterway": "waterway"}},
        },
    }, DATA, "pro-sud.toml")
    return RegionSource(config, tmp_path_factory.mktemp("inputs"))


def test_the_eleven_communes(source):
    communes = source("communes")
    check_layer(get_layer("communes"), communes, crs=source.config.crs)
    assert sorted(communes["name"]) == sorted(PRO_SUD)
    # docs/REFERENCES.md: about 200.7 km2 together (official ACT boundaries; these are generalised): within 2 %
    assert communes.geometry.area.sum() / 1e6 == pytest.approx(200.7, rel=0.02)
    lon0, lat0, lon1, lat1 = Transformer.from_crs(2169, 4326, always_xy=True).transform_bounds(*source.extent)
    # docs/REFERENCES.md: lon 5.808-6.128, lat 49.448-49.629 (within 0.01 deg for the generalised boundaries)
    assert (lon0, lat0, lon1, lat1) == pytest.approx((5.808, 49.448, 6.128, 49.629), abs=0.01)


def test_srtm_is_warped_to_the_region_crs(source):
    dem = source("dem")
    with rasterio.open(dem.path) as src:
        assert src.crs.to_epsg() == 2169
        xmin, ymin, xmax, ymax = source.extent
        window = rasterio.windows.from_bounds(xmin, ymin, xmax, ymax, src.transform)
        values = src.read(1, window=window, masked=True).compressed()
    # docs/REFERENCES.md: elevation roughly 270-430 m in the region (SRTM); 30" cells smooth the extremes
    assert 230 < np.percentile(values, 1) and np.percentile(values, 99) < 450
    assert values.min() > 150 and values.max() < 500


def test_rivers_are_clipped_to_the_region(source):
    rivers = source("waterways")
    check_layer(get_layer("waterways"), rivers, crs=source.config.crs)
    xmin, ymin, xmax, ymax = source.extent
    bx0, by0, bx1, by1 = rivers.total_bounds
    assert xmin - 1e-6 <= bx0 and bx1 <= xmax + 1e-6 and ymin - 1e-6 <= by0 and by1 <= ymax + 1e-6
    assert 5 <= len(rivers) < 714
    assert "Alzette" in set(rivers["name"].dropna())


def test_quality_report_on_real_inputs(source):
    report = check_region(source, all_steps())
    found = {i.id: i for i in report.inputs}
    assert found["communes"].status == "found" and found["communes"].source_crs.endswith("2169")
    # the region's bounding box reaches into France, where this Luxembourg SRTM extract holds nodata
    assert found["dem"].status == "found" and 60 < found["dem"].coverage_pct < 95
    assert found["dem"].coverage_pct + found["dem"].nodata_pct == pytest.approx(100, abs=1)
    assert found["buildings"].status == "missing"
    blocked = {s.step for s in report.steps if s.status == "blocked"}
    assert not report.ok or not blocked
