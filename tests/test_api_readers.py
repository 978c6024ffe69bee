"""Collection readers (geoservice/api/readers.py) over both stores: each kind's reader on the API fixture data
(tests/test_api_fixtures.py), and a made-up kind served through the whole API by registering one reader.

References are the fixture's own frames (pandas, shapely) and pyproj transforms, independent of the stores'
SQL; coordinate tolerances are half a unit of the last decimal written (7 decimals of a degree, 2 of a metre).
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import mapbox_vector_tile
import morecantile
import pytest
import rasterio
import shapely
from fastapi.testclient import TestClient
from PIL import Image
from pyproj import CRS, Transformer

from geoservice.api import create_app
from geoservice.api import crs as crsmod
from geoservice.api.readers import (
    RASTER_PROPERTIES,
    READERS,
    CollectionReader,
    ItemsQuery,
    RasterReader,
    TableReader,
    VectorReader,
    reader_of,
)
from geoservice.query import And, Comparison, Intersects, Not, SortKey
from layers.catalog import CATALOG
from layers.errors import FeatureNotFound, InvalidRequest, LayerNotFound
from tests.test_api_fixtures import *
from tests.test_api_fixtures import ORIGIN

BASE = "http://api.test"
CRS84 = CRS.from_user_input("OGC:CRS84")
LUX_URI = "http://www.opengis.net/def/crs/EPSG/0/2169"
LUX_TO_84 = Transformer.from_crs(2169, "OGC:CRS84", always_xy=True)
TMS = morecantile.tms.get("WebMercatorQuad")


def _reader(store, layer_id: str) -> CollectionReader:
    return reader_of(CATALOG[layer_id], store.current(layer_id), store, BASE)


def _query(filter=None, sortby=(), properties=None, limit=10, offset=0, out_crs=CRS84, decimals=7) -> ItemsQuery:
    out_uri = crsmod.CRS84 if out_crs == CRS84 else crsmod.uri_for(out_crs)
    return ItemsQuery(filter, list(sortby), properties, limit, offset, out_crs, out_uri, decimals)


def _features(texts: list[str]) -> list[dict]:
    return [json.loads(t) for t in texts]


def _tile_over(x: float, y: float, z: int) -> morecantile.Tile:
    """The WebMercatorQuad tile holding the EPSG:2169 point (x, y) [m]."""
    return TMS.tile(*LUX_TO_84.transform(x, y), z)


@pytest.mark.parametrize("layer_id, cls", [("buildings", VectorReader), ("transit_stops", VectorReader),
                                           ("climate", TableReader), ("dem", RasterReader)])
def test_each_kind_resolves_to_its_reader(api_store, layer_id, cls):
    reader = _reader(api_store, layer_id)
    assert type(reader) is cls
    assert reader.kind == CATALOG[layer_id].kind
    assert reader.here == f"{BASE}/collections/{layer_id}"


def test_a_kind_without_a_reader_is_a_server_error_naming_it(api_store):
    spec = replace(CATALOG["roads"], kind="mesh")
    with pytest.raises(NotImplementedError, match="roads.*kind 'mesh'.*READERS"):
        reader_of(spec, api_store.current("roads"), api_store, BASE)


# --- vector ------------------------------------------------------------------------------------------

def test_vector_reader_filters_sorts_and_selects_like_pandas(api_store, api_data):
    """A page of buildings higher than 20 m, highest first (ties by id), two properties, geometries in CRS84;
    on the PostGIS store through query_geojson, on the GeoPackage store through query_features."""
    reader = _reader(api_store, "buildings")
    query = _query(Comparison(">", "height_m", 20.0), [SortKey("height_m", True), SortKey("building_id", False)],
                   ["height_m", "use"], limit=5, offset=1)
    texts, matched = reader.items(query)
    frame = api_data.layers["buildings"]
    high = frame[frame.height_m > 20].sort_values(["height_m", "building_id"], ascending=[False, True])
    assert matched == len(high)
    expected = high.iloc[1:6]
    got = _features(texts)
    assert [f["id"] for f in got] == [int(i) + 1 for i in expected.index]  # feature ids count from 1
    assert [f["properties"] for f in got] == [{"height_m": h, "use": u} for h, u in zip(expected.height_m,
                                                                                        expected.use)]
    for feature, polygon in zip(got, expected.geometry):
        lon, lat = LUX_TO_84.transform(*polygon.exterior.coords[0])
        assert feature["geometry"]["coordinates"][0][0] == pytest.approx([lon, lat], abs=0.5e-7)


def test_vector_reader_writes_a_feature_in_the_asked_crs(api_store, api_data):
    reader = _reader(api_store, "transit_stops")
    lux = CRS.from_epsg(2169)
    feature = json.loads(reader.feature(3, lux, 2))
    point = api_data.layers["transit_stops"].geometry.iloc[2]
    assert feature["id"] == 3
    assert feature["geometry"]["coordinates"] == pytest.approx([point.y, point.x], abs=0.005)  # northing first
    assert set(feature["properties"]) == {"mode", "name"}
    with pytest.raises(FeatureNotFound, match=f"no feature {api_data.n_stops + 1}"):  # the store says so
        reader.feature(api_data.n_stops + 1, lux, 2)


def test_vector_reader_crs_document_part_and_checks(api_store):
    reader = _reader(api_store, "roads")
    assert reader.spatial and reader.geometry_crs.to_epsg() == 2169
    assert LUX_URI in reader.offered_crs() and reader.offered_crs()[0] == crsmod.CRS84
    part, links = reader.describe()
    assert list(part) == ["fields", "crs", "storageCrs", "geometryType"]
    assert part["storageCrs"] == LUX_URI and part["geometryType"] == "LineString"
    assert [f["name"] for f in part["fields"]] == list(CATALOG["roads"].field_names)
    assert [link["rel"].rsplit("/", 1)[-1] for link in links] == ["queryables", "sortables", "tilesets-vector",
                                                                   "describedby"]
    reader.check_bbox()
    reader.check_filter(Intersects(shapely.box(0, 0, 1, 1)))  # a vector layer takes spatial filters
    with pytest.raises(LayerNotFound, match="not a raster collection; read its features at /collections/roads/items"):
        reader.require_coverage()


def test_vector_reader_tiles_decode_to_the_commune(api_store):
    reader = _reader(api_store, "communes")
    reader.require_tiles()
    assert reader.tile_formats == ("mvt", "geojson") and reader.tile_data_type == "vector"
    x0, y0 = ORIGIN
    t = _tile_over(x0 + 3 * 1500 + 750, y0 + 750, 14)  # inside commune 3, "Esch-sur-Alzette"
    decoded = mapbox_vector_tile.decode(reader.tile(t.z, t.x, t.y, "mvt"))
    assert "Esch-sur-Alzette" in {f["properties"]["name"] for f in decoded["communes"]["features"]}
    geojson = json.loads(reader.tile(t.z, t.x, t.y, "geojson"))
    assert "Esch-sur-Alzette" in {f["properties"]["name"] for f in geojson["features"]}


@pytest.mark.parametrize("layer_id, dimension", [("transit_stops", 0), ("roads", 1), ("communes", 2)])
def test_vector_reader_tileset_metadata(api_store, layer_id, dimension):
    reader = _reader(api_store, layer_id)
    layer = reader.tileset_metadata()["layers"][0]
    assert layer["geometryDimension"] == dimension
    assert set(layer["propertiesSchema"]["properties"]) == set(CATALOG[layer_id].field_names)
    tilejson = reader.tilejson_metadata()["vector_layers"][0]
    assert tilejson["id"] == layer_id and set(tilejson["fields"]) == set(CATALOG[layer_id].field_names)


# --- table -------------------------------------------------------------------------------------------

def test_table_reader_pages_the_table_in_memory(api_store, api_data):
    reader = _reader(api_store, "climate")
    texts, matched = reader.items(_query(Comparison(">", "month", 6), [SortKey("month", True)], limit=4))
    climate = api_data.layers["climate"]
    assert matched == int((climate.month > 6).sum()) == 6
    got = _features(texts)
    assert [f["properties"]["month"] for f in got] == [12, 11, 10, 9]
    assert all(f["geometry"] is None for f in got)
    assert [f["properties"]["ghi_kwh_m2"] for f in got] == climate.ghi_kwh_m2.iloc[[11, 10, 9, 8]].tolist()
    feature = json.loads(reader.feature(3, CRS84, 7))
    assert feature["properties"] == {"month": 3, "ghi_kwh_m2": climate.ghi_kwh_m2.iloc[2],
                                     "temp_air_c": climate.temp_air_c.iloc[2]}
    assert reader.feature(13, CRS84, 7) is None


def test_table_reader_has_no_geometry_tiles_or_coverage(api_store):
    reader = _reader(api_store, "climate")
    assert not reader.spatial and reader.geometry_crs is None
    assert reader.storage_crs == CRS84  # a filter's geometries are left as given
    part, links = reader.describe()
    assert part["crs"] == [crsmod.CRS84] and "storageCrs" not in part
    assert [link["rel"].rsplit("/", 1)[-1] for link in links] == ["queryables", "sortables"]
    with pytest.raises(InvalidRequest, match="bbox: 'climate' has no geometry"):
        reader.check_bbox()
    with pytest.raises(InvalidRequest, match="'climate' has no geometry for S_INTERSECTS"):
        reader.check_filter(And((Comparison("=", "month", 1), Not(Intersects(shapely.box(0, 0, 1, 1))))))
    reader.check_filter(Comparison("=", "month", 1))
    assert reader.tile_formats == ()
    with pytest.raises(LayerNotFound, match="'climate' is a table without geometry and has no tiles"):
        reader.require_tiles()
    with pytest.raises(LayerNotFound, match="'climate' is not a raster collection"):
        reader.require_coverage()


# --- raster ------------------------------------------------------------------------------------------

def test_raster_reader_serves_its_footprint_as_one_feature(api_store, api_data):
    reader = _reader(api_store, "dem")
    version = api_store.current("dem")
    texts, matched = reader.items(_query())
    assert matched == 1
    (feature,) = _features(texts)
    assert feature["id"] == 1 and list(feature["properties"]) == RASTER_PROPERTIES
    assert feature["properties"]["coverage"] == f"{BASE}/collections/dem/coverage?v={version.version}"
    assert feature["properties"]["unit"] == "m"
    x0, y0 = ORIGIN  # the DEM: 160 x 120 cells of 40 m from the south-west corner
    corners = shapely.box(x0, y0, x0 + 160 * 40.0, y0 + 120 * 40.0).exterior.coords
    expected = [list(LUX_TO_84.transform(x, y)) for x, y in corners]
    assert feature["geometry"]["coordinates"][0] == [pytest.approx(c, abs=0.5e-7) for c in expected]
    far = Intersects(shapely.box(0.0, 0.0, 1000.0, 1000.0))  # storage CRS [m], far from the raster
    assert reader.items(_query(far)) == ([], 0)
    assert reader.items(_query(offset=1)) == ([], 1)
    assert json.loads(reader.feature(1, CRS84, 7)) == feature
    assert reader.feature(2, CRS84, 7) is None
    with pytest.raises(InvalidRequest, match="raster footprint has no properties"):
        reader.items(_query(Comparison("=", "unit", "m")))


def test_raster_reader_tiles_and_coverage(api_store):
    reader = _reader(api_store, "dem")
    assert reader.tile_formats == ("png",) and reader.tile_data_type == "map"
    part, links = reader.describe()
    assert part["unit"] == "m" and part["storageCrs"] == LUX_URI and "fields" not in part
    assert [link["rel"].rsplit("/", 1)[-1] for link in links] == ["coverage", "coverage", "tilesets-map",
                                                                   "describedby"]
    x0, y0 = ORIGIN
    t = _tile_over(x0 + 3200.0, y0 + 2400.0, 13)  # the middle of the DEM
    png = Image.open(io.BytesIO(reader.tile(t.z, t.x, t.y, "png")))
    assert png.format == "PNG" and png.getextrema()[3][1] == 255  # some opaque cells
    reader.require_coverage()
    with rasterio.open(reader.coverage_path(api_store.current("dem").version)) as src:
        assert (src.height, src.width) == (120, 160) and src.crs.to_epsg() == 2169


# --- a new kind: one reader, one registration, no router touched --------------------------------------

def test_the_base_reader_serves_nothing_until_a_kind_overrides_it(api_store):
    reader = CollectionReader(CATALOG["roads"], api_store.current("roads"), api_store, BASE)
    assert reader.describe() == ({}, [])
    assert reader.items(_query()) == ([], 0) and reader.feature(1, CRS84, 7) is None
    assert reader.tileset_metadata() == {} and reader.tilejson_metadata() == {}
    with pytest.raises(LayerNotFound, match="'roads' has no tiles"):
        reader.require_tiles()
    with pytest.raises(LayerNotFound, match="'roads' is not a raster collection"):
        reader.require_coverage()


class ExtentReader(CollectionReader):
    """A throw-away kind: one feature, the collection's extent, with its feature count; GeoJSON tiles that
    echo their coordinates."""

    tile_formats = ("geojson",)

    def describe(self):
        return {"extentOnly": True}, []

    def items(self, query):
        return [self.feature(1, query.out_crs, query.decimals)], 1

    def feature(self, fid, out_crs, decimals):
        if fid != 1:
            return None
        return (f'{{"type":"Feature","id":1,"geometry":null,"properties":'
                f'{{"count":{self.version.feature_count}}}}}')

    def tile(self, z, x, y, fmt):
        return json.dumps({"type": "FeatureCollection", "features": [], "tile": [z, x, y]}).encode()


@pytest.fixture
def extent_kind_client(monkeypatch, api_backend, api_settings):
    """The published ``roads`` declared as kind ``extent``, served by :class:`ExtentReader`, in a new app."""
    monkeypatch.setitem(READERS, "extent", ExtentReader)
    monkeypatch.setitem(CATALOG, "roads", replace(CATALOG["roads"], kind="extent"))
    with TestClient(create_app(api_settings, store=api_backend[1]), raise_server_exceptions=False) as client:
        yield client


def test_a_new_kind_is_served_by_registering_one_reader(extent_kind_client, api_data):
    client = extent_kind_client
    doc = client.get("/collections/roads").json()
    assert doc["layerKind"] == "extent" and doc["extentOnly"] is True and "geometryType" not in doc
    listed = {c["id"]: c for c in client.get("/collections").json()["collections"]}
    assert listed["roads"]["extentOnly"] is True
    page = client.get("/collections/roads/items").json()
    assert page["numberMatched"] == 1 and page["features"][0]["properties"] == {"count": len(api_data.layers["roads"])}
    assert client.get("/collections/roads/items/1").json()["properties"]["count"] == len(api_data.layers["roads"])
    assert client.get("/collections/roads/items/2").status_code == 404
    tileset_links = client.get("/collections/roads/tiles").json()["tilesets"][0]["links"]
    assert [link["href"].split("?")[1].split("&")[0] for link in tileset_links if link["rel"] == "item"] == ["f=geojson"]
    tile = client.get("/collections/roads/tiles/WebMercatorQuad/3/2/1")
    assert tile.status_code == 200 and tile.json()["tile"] == [3, 1, 2]  # z, x (column), y (row)
    r = client.get("/collections/roads/coverage")
    assert r.status_code == 404 and "not a raster collection" in r.json()["detail"]


def test_an_unregistered_kind_is_a_500_not_a_wrong_answer(monkeypatch, api_client):
    monkeypatch.setitem(CATALOG, "roads", replace(CATALOG["roads"], kind="mesh"))
    r = api_client.get("/collections/roads/items")
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    assert api_client.get("/collections/communes/items?limit=1").status_code == 200


def test_raster_reader_reads_each_version_of_its_coverage(tmp_path, api_data):
    """Two published versions of the DEM (the second 100 m higher): each version's file holds its own cells."""
    from geoservice.store.gpkg import GeoPackageStore
    from layers.data import Provenance

    dem = api_data.layers["dem"]
    store = GeoPackageStore(tmp_path / "store")
    try:
        for step, raster in (("one", dem), ("two", replace(dem, array=dem.array + 100.0))):
            store.publish_layers({"dem": raster}, Provenance(job_id=step, step="inputs", params={},
                                                              input_checksums={}, code_version="test",
                                                              cache_key=step))
        reader = _reader(store, "dem")
        assert reader.version.version == 2
        for version, offset_m in ((1, 0.0), (2, 100.0)):
            with rasterio.open(reader.coverage_path(version)) as src:
                cell = src.read(1)[60, 80]
            assert cell == pytest.approx(dem.array[60, 80] + offset_m, abs=1e-3)  # float32 cells [m]
    finally:
        store.close()
