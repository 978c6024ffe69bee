"""Generic region inputs in every GDAL format the project promises (issue 3, items 2 and 5), on fixtures the
tests write themselves.

Vectors: GeoPackage, Shapefile (with a .cpg in Latin-1 and Windows-1252), GeoJSON, FlatGeobuf, GML without a
CRS and CSV with WKT or X/Y columns (GDAL open options). Rasters: GeoTIFF in EPSG:4326, EPSG:3857 and
EPSG:2169, VRT, ASCII grid (no CRS) and rasters with nodata.

Oracles: pyproj's transformations (the fixtures' coordinates are drawn in EPSG:2169 and transformed with
pyproj; raster values are a linear function of the EPSG:2169 coordinates of each cell centre, so a correctly
placed bilinear warp reproduces that function), the encoded bytes written into the .dbf, and hand-written
values. Tolerances are stated where they are not float rounding.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer
from rasterio.transform import from_origin
from shapely.geometry import LineString, Polygon, box

import layers.sources
from layers.catalog import get_layer
from layers.errors import ConfigError, InputDataError
from layers.grid import Grid
from layers.raster import RasterFile
from layers.region import parse_region
from layers.resample import read_on_grid
from layers.sources import RASTER_MARGIN_CELLS, RegionSource
from layers.validate import check_layer

LUREF = "EPSG:2169"
REGION_CRS = CRS.from_user_input(LUREF)
#: Region extent of every test region (EPSG:2169) [m].
EXTENT = (65000.0, 60000.0, 67000.0, 62000.0)
TO_WGS84 = Transformer.from_crs(LUREF, "EPSG:4326", always_xy=True)


def _region(tmp_path: Path, inputs: dict):
    return parse_region({"region": {"id": "formats", "title": "Formats", "crs": LUREF, "extent": list(EXTENT)},
                         "inputs": inputs}, tmp_path, "<test>")


def _read(tmp_path: Path, input_id: str, **source):
    return RegionSource(_region(tmp_path, {input_id: source}), tmp_path / "inputs")(input_id)


def _wgs84(polygon: Polygon) -> Polygon:
    xs, ys = TO_WGS84.transform(*np.asarray(polygon.exterior.coords).T)
    return Polygon(list(zip(xs, ys, strict=True)))


# -- vectors --------------------------------------------------------------------------------------------

#: Land cover in a local code list: one parcel inside the region, one across its east edge, one far away.
PARCELS = {"CODE": ["31", "21", "31"],
           "geometry": [box(65200, 60200, 65800, 60800), box(66500, 61000, 67500, 61500),
                        box(80000, 80000, 80500, 80500)]}
LOCAL_CODES = {"class": {"31": "forest", "21": "cropland"}}


@pytest.mark.parametrize("driver, suffix", [("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp"), ("GeoJSON", ".geojson"),
                                            ("FlatGeobuf", ".fgb")])
def test_vector_formats_are_read_by_bbox_reprojected_clipped_and_mapped(tmp_path, monkeypatch, driver, suffix):
    frame = gpd.GeoDataFrame({"CODE": PARCELS["CODE"]}, geometry=[_wgs84(g) for g in PARCELS["geometry"]],
                             crs="EPSG:4326")
    frame.to_file(tmp_path / f"landcover{suffix}", driver=driver)
    calls = []
    read_dataframe = layers.sources.pyogrio.read_dataframe
    monkeypatch.setattr(layers.sources.pyogrio, "read_dataframe",
                        lambda *a, **k: calls.append(k) or read_dataframe(*a, **k))
    landcover = _read(tmp_path, "landcover", path=f"landcover{suffix}", fields={"class": "CODE"}, values=LOCAL_CODES)
    check_layer(get_layer("landcover"), landcover, REGION_CRS)
    assert list(landcover["class"]) == ["forest", "cropland"]  # the far parcel is not read
    # read by the region's bounding box, in the file's CRS (pyproj: the region extent in EPSG:4326)
    lon0, lat0, lon1, lat1 = TO_WGS84.transform_bounds(*EXTENT, densify_pts=21)
    assert calls[0]["bbox"] == pytest.approx((lon0, lat0, lon1, lat1), abs=1e-9)
    # reprojected: the parcel drawn in EPSG:2169 comes back there (1e-3 m2 relative: edges are straight in
    # EPSG:4326, not in EPSG:2169); clipped at the east edge x = 67,000 m
    assert landcover.geometry.area.tolist() == pytest.approx([600.0 * 600.0, 500.0 * 500.0], rel=1e-3)
    assert landcover.total_bounds[2] <= EXTENT[2] + 1e-6
    corners = np.asarray(landcover.geometry.iloc[0].exterior.coords)
    assert np.min(np.hypot(*(corners - [65200.0, 60200.0]).T)) < 1e-3


@pytest.mark.parametrize("encoding, cpg", [("cp1252", "1252"), ("cp1252", "CP1252"), ("latin1", "ISO-8859-1")])
def test_shapefile_with_a_cpg_is_decoded(tmp_path, encoding, cpg):
    names = ["Käerjeng", "Pétange", "Differdange"] + (["Rue d’Esch"] if encoding == "cp1252" else [])
    frame = gpd.GeoDataFrame({"COMMUNE": names, "LAU2": [str(i) for i in range(len(names))]},
                             geometry=[box(65000 + 400 * i, 60000, 65400 + 400 * i, 60400) for i in range(len(names))],
                             crs=LUREF)
    frame.to_file(tmp_path / "communes.shp", encoding=encoding)
    (tmp_path / "communes.cpg").write_text(cpg)
    dbf = (tmp_path / "communes.dbf").read_bytes()
    assert "Käerjeng".encode(encoding) in dbf and "Käerjeng".encode() not in dbf  # the fixture really is encoded
    communes = _read(tmp_path, "communes", path="communes.shp", fields={"name": "COMMUNE", "code": "LAU2"})
    assert list(communes["name"]) == names


def test_shapefile_in_cp1252_without_cpg_warns_and_takes_an_encoding_option(tmp_path, caplog):
    names = ["Käerjeng", "Rue d’Esch"]  # ’ is 0x92 in Windows-1252, a control character in Latin-1
    frame = gpd.GeoDataFrame({"COMMUNE": names, "LAU2": ["1", "2"]},
                             geometry=[box(65000, 60000, 65400, 60400), box(65400, 60000, 65800, 60400)], crs=LUREF)
    frame.to_file(tmp_path / "communes.shp", encoding="cp1252")
    (tmp_path / "communes.cpg").unlink()
    fields = {"name": "COMMUNE", "code": "LAU2"}
    with caplog.at_level(logging.WARNING, logger="layers.sources"):
        guessed = _read(tmp_path, "communes", path="communes.shp", fields=fields)
    assert guessed["name"].iloc[1] == "Rue d\x92Esch"  # GDAL assumed Latin-1
    assert "field 'COMMUNE' holds control characters" in caplog.text and 'ENCODING = "CP1252"' in caplog.text
    communes = _read(tmp_path, "communes", path="communes.shp", fields=fields, open_options={"ENCODING": "CP1252"})
    assert list(communes["name"]) == names


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_gml_without_crs_needs_one_configured(tmp_path):
    lines = [LineString([(65100, 60100), (65900, 60500)]), LineString([(66000, 61000), (66800, 61900)])]
    gpd.GeoDataFrame({"road_class": ["primary", "track"]}, geometry=lines, crs=None).to_file(tmp_path / "roads.gml",
                                                                                             driver="GML")
    with pytest.raises(InputDataError, match=r"input 'roads': .*roads\.gml has no coordinate reference system; "
                                             r"state it with crs = \"EPSG:....\" in \[inputs\.roads\]"):
        _read(tmp_path, "roads", path="roads.gml")
    roads = _read(tmp_path, "roads", path="roads.gml", crs=LUREF)
    check_layer(get_layer("roads"), roads, REGION_CRS)
    assert list(roads["road_class"]) == ["primary", "track"]
    assert [g.equals_exact(e, 1e-9) for g, e in zip(roads.geometry, lines, strict=True)] == [True, True]


WKT_CSV = ('id,geom_wkt,code\n'
           '1,"POLYGON ((65100 60100, 65500 60100, 65500 60400, 65100 60400, 65100 60100))",31\n'
           '2,"POLYGON ((66800 61800, 67200 61800, 67200 62200, 66800 62200, 66800 61800))",21\n')


def test_csv_with_wkt_geometries_via_open_options(tmp_path):
    (tmp_path / "landcover.csv").write_text(WKT_CSV, encoding="utf-8")
    options = {"GEOM_POSSIBLE_NAMES": "geom_wkt", "KEEP_GEOM_COLUMNS": False}
    landcover = _read(tmp_path, "landcover", path="landcover.csv", crs=LUREF, open_options=options,
                      fields={"class": "code"}, values=LOCAL_CODES)
    check_layer(get_layer("landcover"), landcover, REGION_CRS)
    assert list(landcover["class"]) == ["forest", "cropland"]
    # the second parcel sticks out 200 m east and north: 200 × 200 m remain
    assert landcover.geometry.area.tolist() == pytest.approx([400.0 * 300.0, 200.0 * 200.0])


def test_csv_without_a_named_geometry_column_says_which_options(tmp_path):
    (tmp_path / "landcover.csv").write_text(WKT_CSV, encoding="utf-8")
    with pytest.raises(InputDataError, match=r"input 'landcover': layer 'landcover' of .*landcover\.csv \(CSV\) has "
                                             r"no geometry; .*open_options = \{ GEOM_POSSIBLE_NAMES = "):
        _read(tmp_path, "landcover", path="landcover.csv", crs=LUREF, fields={"class": "code"}, values=LOCAL_CODES)
    with pytest.raises(InputDataError, match=r"landcover\.csv has no coordinate reference system"):
        _read(tmp_path, "landcover", path="landcover.csv", open_options={"GEOM_POSSIBLE_NAMES": "geom_wkt"},
              fields={"class": "code"}, values=LOCAL_CODES)


def test_csv_points_from_lon_lat_columns(tmp_path):
    e, n = [65500.0, 66500.0, 90000.0], [60500.0, 61500.0, 90000.0]
    lon, lat = TO_WGS84.transform(e, n)
    rows = "\n".join(f"{x!r},{y!r},{m}" for x, y, m in zip(lon, lat, ["bus", "rail", "bus"], strict=True))
    (tmp_path / "stops.csv").write_text("lon,lat,mode\n" + rows + "\n", encoding="utf-8")
    stops = _read(tmp_path, "transit_stops", path="stops.csv", crs="EPSG:4326",
                  open_options={"X_POSSIBLE_NAMES": "lon", "Y_POSSIBLE_NAMES": "lat"})
    check_layer(get_layer("transit_stops"), stops, REGION_CRS)
    assert list(stops["mode"]) == ["bus", "rail"]  # the third lies outside
    np.testing.assert_allclose(np.c_[stops.geometry.x, stops.geometry.y], np.c_[e[:2], n[:2]], atol=1e-6)


def test_an_open_option_the_driver_does_not_know(tmp_path):
    (tmp_path / "landcover.csv").write_text(WKT_CSV, encoding="utf-8")
    with pytest.raises(InputDataError, match=r"landcover\.csv: driver CSV does not support open option "
                                             r"GEOM_COLUMN.*fix inputs\.landcover\.open_options"):
        _read(tmp_path, "landcover", path="landcover.csv", crs=LUREF, open_options={"geom_column": "geom_wkt"})


def test_region_file_refuses_bad_open_options_and_resampling(tmp_path):
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(ConfigError, match=r"inputs\.landcover\.open_options: .*'GEOM POSSIBLE' is not a GDAL option"):
        _region(tmp_path, {"landcover": {"path": "x.csv", "open_options": {"GEOM POSSIBLE": "wkt"}}})
    with pytest.raises(ConfigError, match=r"inputs\.dem\.resampling: Input should be 'nearest', 'bilinear'"):
        _region(tmp_path, {"dem": {"path": "x.csv", "resampling": "bicubic"}})


# -- rasters --------------------------------------------------------------------------------------------

def elevation(e, n):
    """The fixtures' field: linear in EPSG:2169 easting and northing [m] → value [m]."""
    return 300.0 + (np.asarray(e) - 65000.0) / 10.0 + (np.asarray(n) - 60000.0) / 20.0


#: Source cell size (x, y) per CRS: about 10-11 m on the ground, nearly square there (at 49.5° N a degree of
#: longitude is 0.65 of a degree of latitude).
SOURCE_RES = {"EPSG:4326": (0.00015, 0.0001), "EPSG:3857": (15.0, 15.0), "EPSG:2169": (10.0, 10.0)}


def _field_raster(path: Path, crs: str, margin_m: float = 1000.0, dtype: str = "float32", nodata=-9999.0,
                  driver: str = "GTiff") -> None:
    """A raster in ``crs`` covering the region plus ``margin_m``, each cell holding :func:`elevation` of its centre."""
    to_src = Transformer.from_crs(LUREF, crs, always_xy=True)
    left, bottom, right, top = to_src.transform_bounds(EXTENT[0] - margin_m, EXTENT[1] - margin_m,
                                                       EXTENT[2] + margin_m, EXTENT[3] + margin_m)
    res_x, res_y = SOURCE_RES[crs]
    width, height = int(np.ceil((right - left) / res_x)), int(np.ceil((top - bottom) / res_y))
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    x, y = left + cols * res_x, top - rows * res_y
    e, n = Transformer.from_crs(crs, LUREF, always_xy=True).transform(x, y)
    with rasterio.open(path, "w", driver=driver, width=width, height=height, count=1, dtype=dtype, crs=crs,
                       transform=from_origin(left, top, res_x, res_y), nodata=nodata) as dst:
        dst.write(elevation(e, n).astype(dtype), 1)


def _centres(raster) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = raster.shape
    c, r = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    return raster.transform @ (c, r)


def _assert_covers_the_region_only(dem: RasterFile) -> None:
    left, bottom, right, top = dem.bounds
    slack = (RASTER_MARGIN_CELLS + 1) * dem.res
    assert left <= EXTENT[0] and bottom <= EXTENT[1] and right >= EXTENT[2] and top >= EXTENT[3]
    assert left >= EXTENT[0] - slack and bottom >= EXTENT[1] - slack
    assert right <= EXTENT[2] + slack and top <= EXTENT[3] + slack


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", "EPSG:2169"])
def test_geotiff_in_any_crs_lands_on_the_region(tmp_path, crs):
    _field_raster(tmp_path / "dem.tif", crs)
    dem = _read(tmp_path, "dem", path="dem.tif")
    assert isinstance(dem, RasterFile) and dem.unit == "m"
    check_layer(get_layer("dem"), dem, REGION_CRS)
    assert Path(dem.path).is_relative_to(tmp_path / "inputs")  # a warped GeoTIFF or a windowing VRT
    assert Path(dem.path).suffix == (".vrt" if crs == LUREF else ".tif")
    _assert_covers_the_region_only(dem)  # the source reaches 1 km further on every side
    values = dem.read()
    assert dem.nodata == -9999.0 and (values != -9999.0).all()
    # bilinear interpolation of a field linear in EPSG:2169 is exact up to the curvature of the reprojection
    # over one cell; 1e-3 m of value is 1 cm of position
    np.testing.assert_allclose(values, elevation(*_centres(dem)), atol=1e-3)


def test_vrt_source(tmp_path):
    _field_raster(tmp_path / "dem_3857.tif", "EPSG:3857")
    with rasterio.open(tmp_path / "dem_3857.tif") as src:
        width, height, transform, srs = src.width, src.height, src.transform, src.crs.to_wkt()
    (tmp_path / "dem.vrt").write_text(f"""<VRTDataset rasterXSize="{width}" rasterYSize="{height}">
  <SRS>{srs}</SRS>
  <GeoTransform>{transform.c!r}, {transform.a!r}, 0, {transform.f!r}, 0, {transform.e!r}</GeoTransform>
  <VRTRasterBand dataType="Float32" band="1">
    <NoDataValue>-9999</NoDataValue>
    <SimpleSource>
      <SourceFilename relativeToVRT="1">dem_3857.tif</SourceFilename>
      <SourceBand>1</SourceBand>
    </SimpleSource>
  </VRTRasterBand>
</VRTDataset>
""")
    dem = _read(tmp_path, "dem", path="dem.vrt")
    check_layer(get_layer("dem"), dem, REGION_CRS)
    _assert_covers_the_region_only(dem)
    np.testing.assert_allclose(dem.read(), elevation(*_centres(dem)), atol=1e-3)


def _ascii_grid(path: Path, nodata_cells: bool = False) -> np.ndarray:
    """An ESRI ASCII grid of 5 m cells over the west half of the region (EPSG:2169 coordinates, no .prj)."""
    res, ncols, nrows = 5.0, 200, 400
    cols, rows = np.meshgrid(np.arange(ncols) + 0.5, np.arange(nrows) + 0.5)
    values = np.round(elevation(EXTENT[0] + cols * res, EXTENT[3] - rows * res), 3)
    if nodata_cells:
        values[10:20, 30:40] = -9999.0
    header = (f"ncols {ncols}\nnrows {nrows}\nxllcorner {EXTENT[0]}\nyllcorner {EXTENT[3] - nrows * res}\n"
              f"cellsize {res}\nNODATA_value -9999\n")
    path.write_text(header + "\n".join(" ".join(f"{v:.3f}" for v in row) for row in values) + "\n")
    return values


def test_ascii_grid_without_crs_needs_one_configured(tmp_path):
    values = _ascii_grid(tmp_path / "dem.asc", nodata_cells=True)
    with pytest.raises(InputDataError, match=r"input 'dem': .*dem\.asc has no coordinate reference system; state it "
                                             r"with crs = "):
        _read(tmp_path, "dem", path="dem.asc")
    dem = _read(tmp_path, "dem", path="dem.asc", crs=LUREF)
    check_layer(get_layer("dem"), dem, REGION_CRS)
    assert Path(dem.path).suffix == ".vrt" and dem.bounds == (65000.0, 60000.0, 66000.0, 62000.0)
    read = dem.read()
    assert dem.nodata == -9999.0 and (read == -9999.0).sum() == 100
    np.testing.assert_allclose(read, values, atol=1e-3)  # the AAIGrid driver reads Float32
    # an open option of the driver reaches the VRT: AAIGrid's DATATYPE
    as_float64 = _read(tmp_path, "dem", path="dem.asc", crs=LUREF, open_options={"DATATYPE": "Float64"})
    assert as_float64.profile["dtype"] == "float64"
    np.testing.assert_array_equal(as_float64.read(), values)
    # onto a 10 m analysis grid over the whole region: 2 × 2 block means (average: the grid is coarser), NaN
    # where the grid lies beyond the grid file (east half) and where a block is all nodata
    on_grid = read_on_grid(as_float64, Grid(EXTENT, 10.0, LUREF))
    blocks = np.where(values == -9999.0, np.nan, values).reshape(200, 2, 100, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(on_grid[:, :100], blocks, rtol=1e-12)
    assert np.isnan(on_grid[5:10, 15:20]).all() and np.isnan(on_grid[:, 100:]).all()


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:2169"])
def test_nodata_is_preserved_through_warping(tmp_path, crs):
    # int16 heights with nodata -32768 and a 200 m hole of nodata; the source stops 500 m short of the east edge
    to_src = Transformer.from_crs(LUREF, crs, always_xy=True)
    left, bottom, right, top = to_src.transform_bounds(64000.0, 59000.0, 66500.0, 63000.0)
    res_x, res_y = SOURCE_RES[crs]
    width, height = int(np.ceil((right - left) / res_x)), int(np.ceil((top - bottom) / res_y))
    transform = from_origin(left, top, res_x, res_y)
    values = np.full((height, width), 321, dtype="int16")
    col, row = ~transform @ to_src.transform(65500.0, 61000.0)  # the hole's centre
    half = 10  # cells (≈ 100 m)
    values[int(row) - half:int(row) + half, int(col) - half:int(col) + half] = -32768
    with rasterio.open(tmp_path / "dem.tif", "w", driver="GTiff", width=width, height=height, count=1, dtype="int16",
                       crs=crs, transform=transform, nodata=-32768) as dst:
        dst.write(values, 1)
    dem = _read(tmp_path, "dem", path="dem.tif")
    assert dem.nodata == -32768 and dem.profile["dtype"] == "int16"
    assert dem.bounds[2] < 66500.0 + (RASTER_MARGIN_CELLS + 1) * dem.res  # clipped to the data in the east
    read = dem.read()
    with rasterio.open(dem.path) as src:
        def at(e: float, n: float) -> int:
            return int(read[src.index(e, n)])
    assert at(65500.0, 61000.0) == -32768  # the hole stays nodata (not interpolated over)
    assert at(65200.0, 60300.0) == 321 and at(66300.0, 61700.0) == 321
    assert set(np.unique(read)) <= {-32768, 321}  # bilinear never mixes nodata into values
    assert (read == -32768).sum() >= 0.5 * (200.0 / dem.res) ** 2  # the hole's area survives (≥ half: edges)


def test_a_float_raster_without_nodata_gets_nan_where_it_does_not_reach(tmp_path):
    _field_raster(tmp_path / "dem.tif", "EPSG:4326", margin_m=-300.0, nodata=None)  # 300 m short of every edge
    dem = _read(tmp_path, "dem", path="dem.tif")
    assert np.isnan(dem.nodata)
    read = dem.read()
    e, n = _centres(dem)
    inside = (e > EXTENT[0] + 320) & (e < EXTENT[2] - 320) & (n > EXTENT[1] + 320) & (n < EXTENT[3] - 320)
    outside = (e < EXTENT[0] + 280) | (e > EXTENT[2] - 280) | (n < EXTENT[1] + 280) | (n > EXTENT[3] - 280)
    assert np.isfinite(read[inside]).all() and np.isnan(read[outside]).all()


def test_resampling_override_keeps_source_values(tmp_path):
    rng = np.random.default_rng(3)
    lon0, lat1 = TO_WGS84.transform(EXTENT[0] - 500, EXTENT[3] + 500)
    classes = rng.choice([100.0, 200.0, 300.0], size=(250, 300)).astype("float32")
    with rasterio.open(tmp_path / "dem.tif", "w", driver="GTiff", width=300, height=250, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(lon0, lat1, 0.0002, 0.0002), nodata=-1.0) as dst:
        dst.write(classes, 1)
    bilinear = _read(tmp_path, "dem", path="dem.tif").read()
    nearest = _read(tmp_path, "dem", path="dem.tif", resampling="nearest").read()
    assert set(np.unique(nearest)) <= {-1.0, 100.0, 200.0, 300.0}
    assert len(np.unique(bilinear)) > 100  # interpolated values between the classes


def test_raster_outside_the_region_states_both_extents(tmp_path):
    with rasterio.open(tmp_path / "dem.tif", "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
                       crs=LUREF, transform=from_origin(90000.0, 90000.0, 10.0, 10.0)) as dst:
        dst.write(np.ones((10, 10), dtype="float32"), 1)
    with pytest.raises(InputDataError, match=r"input 'dem': .*dem\.tif does not overlap the region: data extent "
                                             r"\(90000.0, 89900.0, 90100.0, 90000.0\), region extent \(65000.0, "
                                             r"60000.0, 67000.0, 62000.0\).*inputs\.dem\.crs"):
        _read(tmp_path, "dem", path="dem.tif")


def test_complex_raster_is_refused(tmp_path):
    with rasterio.open(tmp_path / "dem.tif", "w", driver="GTiff", width=4, height=4, count=1, dtype="complex64",
                       crs=LUREF, transform=from_origin(65000.0, 62000.0, 10.0, 10.0)) as dst:
        dst.write(np.ones((4, 4), dtype="complex64"), 1)
    with pytest.raises(InputDataError, match=r"input 'dem': .*dem\.tif holds complex64 values"):
        _read(tmp_path, "dem", path="dem.tif")


def test_warping_window_by_window_equals_one_window(tmp_path, monkeypatch):
    _field_raster(tmp_path / "dem.tif", "EPSG:3857")
    whole = _read(tmp_path, "dem", path="dem.tif").read()
    monkeypatch.setattr(layers.sources, "WARP_WINDOW_CELLS", 37)  # ragged windows, none aligned with the blocks
    config = _region(tmp_path, {"dem": {"path": "dem.tif"}})
    pieces = RegionSource(config, tmp_path / "other-cache")("dem")
    np.testing.assert_array_equal(pieces.read(), whole)


def test_cached_raster_follows_its_source(tmp_path):
    _field_raster(tmp_path / "dem.tif", LUREF)
    first = _read(tmp_path, "dem", path="dem.tif")
    assert _read(tmp_path, "dem", path="dem.tif").path == first.path  # reused
    with rasterio.open(tmp_path / "dem.tif", "r+") as dst:
        dst.write(np.full(dst.shape, 1.0, dtype="float32"), 1)
    again = _read(tmp_path, "dem", path="dem.tif")
    assert again.path != first.path and (again.read() == 1.0).all()
