"""Tiles over both stores: MVT decoded with mapbox_vector_tile and checked against the features' own
geometry (reference: morecantile tile bounds + pyproj), GeoJSON tiles, 204 for empty tiles, ETag / 304,
version-stamped immutable URLs, TileJSON, the tile matrix set, coloured PNG tiles of a raster and the COG
download with HTTP range requests (read back by rasterio through GDAL's /vsicurl/ in test_api_clients).
"""

from __future__ import annotations

import io

import mapbox_vector_tile
import morecantile
import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from tests.test_api_fixtures import *

TMS = morecantile.tms.get("WebMercatorQuad")
TO_84 = Transformer.from_crs(2169, "OGC:CRS84", always_xy=True)


def _tile_of(x, y, z):
    lon, lat = TO_84.transform(x, y)
    return TMS.tile(lon, lat, z)


def test_mvt_tile_decodes_to_the_commune(api_client, api_data):
    # the tile at zoom 14 over the centre of "Esch-sur-Alzette" (commune 3)
    t = _tile_of(64000 + 3 * 1500 + 750, 62000 + 750, 14)
    r = api_client.get(f"/collections/communes/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(r.content)
    layer = decoded["communes"]
    assert layer["extent"] == 4096
    names = {f["properties"]["name"] for f in layer["features"]}
    assert "Esch-sur-Alzette" in names
    feature = next(f for f in layer["features"] if f["properties"]["name"] == "Esch-sur-Alzette")
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["code"] == "C003"
    # tile coordinates stay within the extent plus a buffer
    coords = np.array(feature["geometry"]["coordinates"][0] if feature["geometry"]["type"] == "Polygon"
                      else feature["geometry"]["coordinates"][0][0])
    assert coords.min() >= -256 and coords.max() <= 4096 + 256


def test_xyz_alias_serves_the_same_tile(api_client):
    t = _tile_of(66000, 63000, 13)
    a = api_client.get(f"/collections/buildings/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}?f=mvt")
    b = api_client.get(f"/collections/buildings/tiles/xyz/{t.z}/{t.x}/{t.y}.pbf")
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


def test_geojson_tile(api_client):
    t = _tile_of(66000, 63000, 13)
    r = api_client.get(f"/collections/transit_stops/tiles/xyz/{t.z}/{t.x}/{t.y}.geojson")
    assert r.status_code in (200, 204)
    r = api_client.get(f"/collections/buildings/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}?f=geojson")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and doc["features"]
    assert "building_id" in doc["features"][0]["properties"]


def test_empty_tile_is_204(api_client):
    r = api_client.get("/collections/communes/tiles/WebMercatorQuad/10/0/0")
    assert r.status_code == 204 and r.content == b""
    assert r.headers["etag"]


def test_etag_304_and_cache(api_client):
    t = _tile_of(66000, 63000, 12)
    url = f"/collections/roads/tiles/xyz/{t.z}/{t.x}/{t.y}.mvt"
    r = api_client.get(url)
    assert r.status_code == 200
    assert "must-revalidate" in r.headers["cache-control"]
    again = api_client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    cache = api_client.app.state.tile_cache
    hits = cache.hits
    assert api_client.get(url).content == r.content
    assert cache.hits == hits + 1


def test_version_stamped_urls(api_client, api_store):
    version = api_store.current("roads").version
    t = _tile_of(66000, 63000, 12)
    r = api_client.get(f"/collections/roads/tiles/xyz/{t.z}/{t.x}/{t.y}.mvt?v={version}")
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    assert api_client.get(f"/collections/roads/tiles/xyz/{t.z}/{t.x}/{t.y}.mvt?v={version + 5}").status_code == 404


def test_tilejson(api_client, api_store):
    doc = api_client.get("/collections/buildings/tiles/WebMercatorQuad/tilejson.json").json()
    assert doc["tilejson"] == "3.0.0"
    url = doc["tiles"][0]
    assert "/{z}/{x}/{y}.mvt" in url and f"v={api_store.current('buildings').version}" in url
    layer = doc["vector_layers"][0]
    assert layer["id"] == "buildings" and "height_m" in layer["fields"]
    west, south, east, north = doc["bounds"]
    assert 5.9 < west < east < 6.1 and 49.4 < south < north < 49.6


def test_tile_matrix_set(api_client):
    doc = api_client.get("/tileMatrixSets/WebMercatorQuad").json()
    assert doc["id"] == "WebMercatorQuad"
    assert len(doc["tileMatrices"]) >= 20
    assert api_client.get("/tileMatrixSets").json()["tileMatrixSets"][0]["id"] == "WebMercatorQuad"
    assert api_client.get("/tileMatrixSets/Other").status_code == 404
    ts = api_client.get("/collections/buildings/tiles").json()["tilesets"][0]
    assert ts["dataType"] == "vector"
    meta = api_client.get("/collections/buildings/tiles/WebMercatorQuad").json()
    assert meta["layers"][0]["id"] == "buildings"


@pytest.mark.parametrize("path", [
    "/collections/communes/tiles/WebMercatorQuad/23/0/0", "/collections/communes/tiles/WebMercatorQuad/3/8/0",
    "/collections/communes/tiles/WebMercatorQuad/3/0/-1", "/collections/communes/tiles/WebMercatorQuad/a/0/0",
    "/collections/communes/tiles/xyz/2/4/0.mvt", "/collections/communes/tiles/xyz/2/0/0.exe",
    "/collections/communes/tiles/WebMercatorQuad/2/0/0?f=png", "/collections/dem/tiles/xyz/2/0/0.mvt",
])
def test_invalid_tiles_are_400(api_client, path):
    r = api_client.get(path)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_tiles_of_unknown_collection_404(api_client):
    assert api_client.get("/collections/nope/tiles/WebMercatorQuad/0/0/0").status_code == 404
    assert api_client.get("/collections/climate/tiles/WebMercatorQuad/0/0/0").status_code == 404
    assert api_client.get("/collections/communes/tiles/Other/0/0/0").status_code == 404


def test_raster_png_tile_uses_the_catalog_ramp(api_client):
    from layers.catalog import get_layer

    style = get_layer("dem").style
    t = _tile_of(66000, 64000, 12)
    r = api_client.get(f"/collections/dem/tiles/xyz/{t.z}/{t.x}/{t.y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGBA"))
    assert img.shape == (256, 256, 4)
    opaque = img[img[..., 3] == 255][:, :3]
    assert len(opaque) > 1000
    # DEM values 300–416 m: every colour lies within the ramp's colours from 300 m to 450 m, channel by channel
    ramp = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in style.colors[1:]])
    assert (opaque >= ramp.min(axis=0) - 1).all() and (opaque <= ramp.max(axis=0) + 1).all()
    # outside the raster: 204
    assert api_client.get("/collections/dem/tiles/xyz/10/0/0.png").status_code == 204


def test_colorize_interpolates_between_stops():
    """Exact colours at the stops and the RGB midpoint between two stops; nodata transparent."""
    from layers.catalog.spec import Style
    from layers.ramp import colorize

    style = Style(stops=(0.0, 10.0), colors=("#000000", "#ff8040"))
    values = np.array([[0.0, 5.0, 10.0, 20.0, np.nan]])
    rgba = colorize(values, style)
    assert rgba[0, 0].tolist() == [0, 0, 0, 255]
    assert rgba[0, 1].tolist() == [128, 64, 32, 255]  # round(127.5)=128, 64, 32
    assert rgba[0, 2].tolist() == [255, 128, 64, 255]
    assert rgba[0, 3].tolist() == [255, 128, 64, 255]  # clamped above the last stop
    assert rgba[0, 4, 3] == 0


def test_cog_download_with_range(api_client, api_store):
    r = api_client.get("/collections/dem/coverage")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/tiff")
    assert r.content[:4] in (b"II*\x00", b"MM\x00*")
    part = api_client.get("/collections/dem/coverage", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100 and part.content == r.content[:100]
    assert part.headers["content-range"].startswith("bytes 0-99/")
    head = api_client.head("/collections/dem/coverage")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(r.content)
    v = api_store.current("dem").version
    assert "immutable" in api_client.get(f"/collections/dem/coverage?v={v}").headers["cache-control"]
    assert api_client.get("/collections/communes/coverage").status_code == 404
    assert api_client.get(f"/collections/dem/coverage?v={v + 1}").status_code == 404


def test_coverage_subset_by_bbox(api_client, api_data):
    """``/coverage?bbox=`` returns exactly the fixture DEM's cells in the box (40 m cells from ORIGIN, top row at
    y0 + 4800 m), on the raster's grid, in EPSG:2169 (northing, easting order) and in CRS84."""
    from rasterio.io import MemoryFile

    from tests.test_api_fixtures import ORIGIN

    dem = api_data.layers["dem"].array
    x0, y0 = ORIGIN
    top = y0 + 4800.0
    # rows 10..19 and columns 10..29, given as northing, easting (EPSG:2169's axis order)
    box = f"{top - 800.0},{x0 + 400.0},{top - 400.0},{x0 + 1200.0}"
    r = api_client.get(f"/collections/dem/coverage?bbox={box}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2169")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/tiff; application=geotiff")
    assert "accept-ranges" not in r.headers
    with MemoryFile(r.content) as mem, mem.open() as src:
        assert (src.width, src.height) == (20, 10)
        assert src.transform.c == x0 + 400.0 and src.transform.f == top - 400.0 and src.crs.to_epsg() == 2169
        np.testing.assert_array_equal(src.read(1), dem[10:20, 10:30])
    # the same box in CRS84 reaches at most one cell further on each side (its edges are not on the grid)
    to84 = Transformer.from_crs(2169, "OGC:CRS84", always_xy=True)
    (lon0, lon1), (lat0, lat1) = to84.transform([x0 + 420.0, x0 + 1180.0], [top - 780.0, top - 420.0])
    r84 = api_client.get(f"/collections/dem/coverage?bbox={lon0},{lat0},{lon1},{lat1}")
    with MemoryFile(r84.content) as mem, mem.open() as src:
        col = round((src.transform.c - x0) / 40.0)
        row = round((top - src.transform.f) / 40.0)
        assert 9 <= col <= 10 and 9 <= row <= 10 and 20 <= src.width <= 22 and 10 <= src.height <= 12
        np.testing.assert_array_equal(src.read(1), dem[row:row + src.height, col:col + src.width])
    outside = api_client.get("/collections/dem/coverage?bbox=0,0,1,1")
    assert outside.status_code == 400 and "does not overlap" in outside.json()["detail"]
    assert api_client.get("/collections/dem/coverage?bbox=1,2,3").status_code == 400
    assert api_client.get("/collections/dem/coverage?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2169").status_code == 400
    doc = api_client.get("/collections/dem").json()
    assert "bbox=" in doc["coverageSubset"]
    assert any(l.get("templated") and "bbox=" in l["href"] for l in doc["links"])


def test_new_version_is_served_and_old_stamps_redirect(tmp_path, api_data):
    """After a publish, the new version is served (within the version TTL), tiles stamped with the old
    version redirect to the new one, and the tile cache never mixes versions."""
    import time

    from fastapi.testclient import TestClient

    from geoservice.api import create_app
    from geoservice.settings import Settings
    from geoservice.store.gpkg import GeoPackageStore
    from tests.test_api_fixtures import publish_demo

    store = GeoPackageStore(tmp_path / "store")
    publish_demo(store, api_data)
    t = _tile_of(66000, 63000, 12)
    with TestClient(create_app(Settings(data_dir=tmp_path), store=store)) as client:
        first = client.get(f"/collections/roads/tiles/xyz/{t.z}/{t.x}/{t.y}.mvt?v=1")
        assert first.status_code == 200
        roads = api_data.layers["roads"].iloc[:3]
        from layers.data import Provenance

        store.publish_layers({"roads": roads}, Provenance("j2", "inputs", {}, {}, "test", "k2"))
        time.sleep(client.app.state.versions.ttl_s + 0.1)
        assert client.get("/collections/roads").json()["version"] == 2
        # a stamped URL of version 1 is immutable: still the version-1 tile from the cache ...
        assert client.get(f"/collections/roads/tiles/xyz/{t.z}/{t.x}/{t.y}.mvt?v=1").content == first.content
        # ... while an uncached old stamp redirects to the current version
        other = _tile_of(68000, 65000, 12)
        r = client.get(f"/collections/roads/tiles/xyz/{other.z}/{other.x}/{other.y}.mvt?v=1", follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"].endswith("v=2")
        new = client.get(f"/collections/roads/tiles/xyz/{t.z}/{t.x}/{t.y}.mvt?v=2")
        decoded = mapbox_vector_tile.decode(new.content) if new.status_code == 200 else {}
        assert len(decoded.get("roads", {}).get("features", [])) <= 3
    store.close()
