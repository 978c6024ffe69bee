"""CRS equivalence as GIS users mean it: GDAL's and PROJ's descriptions of the same EPSG code compare equal,
different CRSs do not, and messages name CRSs by their short name."""

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import CRS
from rasterio.transform import from_origin
from shapely.geometry import box

from layers.catalog import get_layer
from layers.crs import crs_name, crs_ref, epsg_code, same_crs
from layers.errors import SchemaError
from layers.raster import RasterFile
from layers.region import parse_region
from layers.sources import RegionSource
from layers.validate import check_layer

#: Finland (3067 TM35FIN, 3879 GK25FIN: GDAL's EPSG database names their datum 10690, PROJ's 1391),
#: Luxembourg, Germany (UTM 32N), France (Lambert-93), Belgium (Lambert 72), the Netherlands (RD New),
#: Great Britain (OSGB), Europe (LAEA).
CODES = (3067, 3879, 2169, 25832, 2154, 31370, 28992, 27700, 3035)


def gdal_description(code: int, folder) -> str:
    """The WKT GDAL writes into and reads back from a GeoTIFF in EPSG:``code``."""
    path = folder / f"epsg{code}.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8", crs=f"EPSG:{code}",
                       transform=from_origin(100.0, 200.0, 1.0, 1.0)) as dst:
        dst.write(np.zeros((1, 2, 2), np.uint8))
    with rasterio.open(path) as src:
        return src.crs.to_wkt()


@pytest.mark.parametrize("code", CODES)
def test_gdal_and_proj_descriptions_of_a_code_are_the_same_crs(code, tmp_path):
    wkt = gdal_description(code, tmp_path)
    assert same_crs(wkt, CRS.from_epsg(code)) and same_crs(CRS.from_epsg(code), wkt)
    assert crs_name(wkt) == f"EPSG:{code}" and epsg_code(wkt) == code and crs_ref(wkt) == f"EPSG:{code}"


def test_the_finnish_descriptions_differ_for_pyproj_itself(tmp_path):
    """The case the helper exists for: pyproj's own equality calls them different."""
    assert not CRS.from_wkt(gdal_description(3067, tmp_path)).equals(CRS.from_epsg(3067))


@pytest.mark.parametrize(("a", "b"), [(3067, 3879), (2169, 25832), (25832, 25833), (2154, 27572), (3035, 3857)])
def test_different_crss_differ(a, b, tmp_path):
    assert not same_crs(gdal_description(a, tmp_path), CRS.from_epsg(b))
    assert not same_crs(CRS.from_epsg(a), CRS.from_epsg(b))


def test_equivalent_definitions_are_the_same_crs():
    proj = CRS.from_proj4("+proj=utm +zone=35 +ellps=GRS80 +units=m +no_defs")
    assert same_crs(proj, CRS.from_epsg(3067))
    assert same_crs(CRS.from_epsg(25835), CRS.from_epsg(3067))  # ETRS89 / UTM 35N: TM35FIN under another code
    assert crs_name(None) == "none"


def test_check_layer_names_crss_by_short_name_and_accepts_gdal_descriptions(tmp_path):
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:3067",
                       transform=from_origin(385400.0, 6671460.0, 5.0, 5.0)) as dst:
        dst.write(np.full((1, 4, 4), 12.0, np.float32))
    dem = RasterFile(str(path), unit="m")
    check_layer(get_layer("dem"), dem, CRS.from_epsg(3067))
    with pytest.raises(SchemaError, match=r"^layer 'dem' is in EPSG:3067, expected EPSG:3879$"):
        check_layer(get_layer("dem"), dem, CRS.from_epsg(3879))


def test_a_dem_in_the_region_crs_is_used_as_it_is(tmp_path):
    """Written by rasterio in EPSG:3067 for a region in EPSG:3067: no warp, the file itself."""
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float32", crs="EPSG:3067",
                       transform=from_origin(385400.0, 6671500.0, 5.0, 5.0)) as dst:
        dst.write(np.full((1, 20, 20), 12.0, np.float32))
    gpd.GeoDataFrame({"name": ["A"], "code": ["1"]}, geometry=[box(385400, 6671400, 385500, 6671500)],
                     crs=3067).to_file(tmp_path / "communes.gpkg")
    config = parse_region({"region": {"id": "fi", "title": "fi", "crs": "EPSG:3067"},
                           "inputs": {"communes": {"path": "communes.gpkg"}, "dem": {"path": "dem.tif"}}},
                          tmp_path, "fi.toml")
    dem = RegionSource(config, tmp_path / "inputs")("dem")
    assert dem.path == str(path)
    check_layer(get_layer("dem"), dem, config.crs)


def test_the_api_offers_the_regions_own_crs_and_no_other_country_s(tmp_path):
    from geoservice.api.crs import offered_uris, uri_for

    offered = offered_uris(crs_ref(gdal_description(3067, tmp_path)))
    assert "http://www.opengis.net/def/crs/EPSG/0/3067" in offered
    assert "http://www.opengis.net/def/crs/EPSG/0/2169" not in offered
    assert uri_for(gdal_description(3879, tmp_path)) == "http://www.opengis.net/def/crs/EPSG/0/3879"
