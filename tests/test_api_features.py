"""OGC API – Features over both stores: landing page, conformance, OpenAPI 3.0, collections, items with
paging, bbox, CRS, filters, sorting and property selection, single features, HTML, caching, errors.

Reference values are computed from the fixture's own data (tests/test_api_fixtures.py) with pandas and
shapely, independently of the stores' SQL.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer

from tests.test_api_fixtures import *

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
LUX_TO_84 = Transformer.from_crs(2169, "OGC:CRS84", always_xy=True)


def _problem(r, status, match=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["detail"]
    if match:
        assert match in body["detail"], body["detail"]
    return body


def test_landing_page_links(api_client):
    r = api_client.get("/")
    assert r.status_code == 200
    rels = {l["rel"]: l for l in r.json()["links"]}
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["service-desc"]["href"].startswith("http://testserver/")
    assert rels["data"]["href"] == "http://testserver/collections"
    assert rels["conformance"]["href"] == "http://testserver/conformance"


def test_landing_page_html(api_client):
    r = api_client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<a href='http://testserver/collections'>" in r.text
    assert api_client.get("/?f=html").headers["content-type"].startswith("text/html")


def test_conformance_declares_filter_and_crs(api_client):
    classes = api_client.get("/conformance").json()["conformsTo"]
    for c in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/oas30", "ogcapi-features-2/1.0/conf/crs",
              "ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter",
              "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/basic-cql2"):
        assert any(x.endswith(c) for x in classes), c


def test_openapi_is_3_0_with_limit_component(api_client, api_settings):
    r = api_client.get("/api")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    limit = doc["components"]["parameters"]["limit"]
    assert limit["schema"]["default"] == api_settings.default_limit
    assert limit["schema"]["maximum"] == api_settings.max_limit
    params = doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/limit"} in params
    text = json.dumps(doc)
    assert '"type": "null"' not in text and '"const"' not in text  # 3.1-only constructs are gone
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)


def test_collections_list(api_client, api_data):
    doc = api_client.get("/collections").json()
    ids = [c["id"] for c in doc["collections"]]
    assert set(ids) == set(api_data.layers)
    communes = next(c for c in doc["collections"] if c["id"] == "communes")
    assert communes["itemType"] == "feature"
    assert communes["storageCrs"] == EPSG.format(2169)
    assert CRS84 in communes["crs"] and EPSG.format(3857) in communes["crs"]
    items = [l for l in communes["links"] if l["rel"] == "items" and l["type"] == "application/geo+json"]
    assert items and items[0]["href"] == "http://testserver/collections/communes/items"
    # extent in CRS84 contains the fixture's communes (transformed by PROJ)
    west, south, east, north = communes["extent"]["spatial"]["bbox"][0]
    lon, lat = LUX_TO_84.transform(64000.0, 62000.0)
    lon1, lat1 = LUX_TO_84.transform(70000.0, 66500.0)
    assert west <= lon + 1e-6 and south <= lat + 1e-6 and east >= lon1 - 1e-6 and north >= lat1 - 1e-6
    area = next(f for f in communes["fields"] if f["name"] == "area_km2")
    assert area["unit"] == "km2"
    assert communes["version"] >= 1 and communes["provenance"]["job_id"] == "api-test"
    dem = next(c for c in doc["collections"] if c["id"] == "dem")
    assert dem["layerKind"] == "raster" and dem["unit"] == "m"
    assert any(l["rel"].endswith("coverage") for l in dem["links"])


def test_collection_404(api_client):
    _problem(api_client.get("/collections/nope"), 404, "nope")
    _problem(api_client.get("/collections/solar_roofs"), 404, "not been published")


def test_items_paging_follows_next_links(api_client, api_data):
    seen = []
    url = "/collections/buildings/items?limit=70"
    pages = 0
    while url:
        r = api_client.get(url)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/geo+json"
        assert r.headers["content-crs"] == f"<{CRS84}>"
        doc = r.json()
        assert doc["numberMatched"] == api_data.n_buildings
        assert doc["numberReturned"] == len(doc["features"])
        assert doc["timeStamp"].endswith("Z")
        seen += [f["id"] for f in doc["features"]]
        nxt = [l["href"] for l in doc["links"] if l["rel"] == "next"]
        assert all("limit=70" in h for h in nxt)  # the next link keeps the client's limit
        url = nxt[0].replace("http://testserver", "") if nxt else None
        pages += 1
    assert pages == 5
    assert len(seen) == len(set(seen)) == api_data.n_buildings


def test_items_default_limit_and_prev(api_client, api_settings):
    doc = api_client.get("/collections/buildings/items").json()
    assert doc["numberReturned"] == api_settings.default_limit
    doc = api_client.get("/collections/buildings/items?offset=20&limit=10").json()
    prev = [l["href"] for l in doc["links"] if l["rel"] == "prev"]
    assert prev and "offset=10" in prev[0]


def _expected_ids(gdf, mask):
    """Feature ids are 1-based positions in publishing order (both stores)."""
    return sorted((np.flatnonzero(mask) + 1).tolist())


def test_bbox_selects_the_intersecting_features(api_client, api_data):
    b = api_data.layers["buildings"]
    x0, y0, x1, y1 = 65000.0, 63000.0, 67000.0, 64500.0
    (lon0, lon1), (lat0, lat1) = LUX_TO_84.transform([x0, x1], [y0, y1])
    r = api_client.get(f"/collections/buildings/items?bbox={lon0},{lat0},{lon1},{lat1}&limit=1000")
    got = {f["properties"]["building_id"] for f in r.json()["features"]}
    # reference: shapely on the published data with the bbox transformed by PROJ (edges may differ by cm)
    box = shapely.box(*Transformer.from_crs("OGC:CRS84", 2169, always_xy=True).transform_bounds(
        lon0, lat0, lon1, lat1, densify_pts=21))
    expected = set(b.loc[b.intersects(box), "building_id"])
    assert got == expected and len(got) > 10


def test_bbox_crs_in_storage_order(api_client, api_data):
    """bbox-crs=EPSG:2169 takes (northing, easting) order, as the EPSG definition says."""
    b = api_data.layers["buildings"]
    r = api_client.get(f"/collections/buildings/items?bbox=63000,65000,64500,67000&bbox-crs={EPSG.format(2169)}"
                       "&limit=1000")
    got = {f["properties"]["building_id"] for f in r.json()["features"]}
    expected = set(b.loc[b.intersects(shapely.box(65000, 63000, 67000, 64500)), "building_id"])
    assert got == expected


@pytest.mark.parametrize("epsg, order", [(2169, "yx"), (3857, "xy"), (4326, "yx")])
def test_crs_output_axis_order(api_client, api_data, epsg, order):
    r = api_client.get(f"/collections/transit_stops/items/1?crs={EPSG.format(epsg)}")
    assert r.status_code == 200
    assert r.headers["content-crs"] == f"<{EPSG.format(epsg)}>"
    a, b = r.json()["geometry"]["coordinates"]
    p = api_data.layers["transit_stops"].geometry.iloc[0]
    x, y = Transformer.from_crs(2169, epsg, always_xy=True).transform(p.x, p.y)
    expected = (y, x) if order == "yx" else (x, y)
    # rounded to GEOSERVICE_DECIMALS_METRES = 2 (EPSG:2169, 3857) or _DEGREES = 7 (EPSG:4326): half a unit
    assert (a, b) == pytest.approx(expected, abs=0.005 if epsg != 4326 else 0.5e-7)


def test_default_output_is_crs84(api_client, api_data):
    lon, lat = api_client.get("/collections/transit_stops/items/1").json()["geometry"]["coordinates"]
    p = api_data.layers["transit_stops"].geometry.iloc[0]
    assert (lon, lat) == pytest.approx(LUX_TO_84.transform(p.x, p.y), abs=0.5e-7)  # 7 decimals of a degree


@pytest.mark.parametrize("query, mask", [
    ("filter=levels > 8", lambda b: b.levels > 8),
    ("filter=use = 'public' AND levels <= 3", lambda b: (b.use == "public") & (b.levels <= 3)),
    ("filter=use IN ('public','mixed') OR height_m BETWEEN 10 AND 11",
     lambda b: b.use.isin(["public", "mixed"]) | b.height_m.between(10, 11)),
    ("filter=building_id LIKE 'B00%'", lambda b: b.building_id.str.startswith("B00")),
    ("filter=roof_tilt_deg IS NULL", lambda b: b.roof_tilt_deg.isna()),
    ("filter=NOT (levels < 5)", lambda b: ~(b.levels < 5)),
    ("use=industrial", lambda b: b.use == "industrial"),
    ("use=industrial&levels=3", lambda b: (b.use == "industrial") & (b.levels == 3)),
    ("filter=S_INTERSECTS(geometry, BBOX(5.96, 49.5, 5.99, 49.52))", None),
])
def test_filters_match_pandas(api_client, api_data, query, mask):
    b = api_data.layers["buildings"]
    if mask is None:
        box = shapely.box(*Transformer.from_crs("OGC:CRS84", 2169, always_xy=True).transform_bounds(
            5.96, 49.5, 5.99, 49.52, densify_pts=21))
        expected = set(b.loc[b.intersects(box), "building_id"])
    else:
        expected = set(b.loc[mask(b), "building_id"])
    r = api_client.get(f"/collections/buildings/items?{query}&limit=1000")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert {f["properties"]["building_id"] for f in doc["features"]} == expected
    assert doc["numberMatched"] == len(expected)


def test_sortby_and_properties(api_client, api_data):
    r = api_client.get("/collections/buildings/items?sortby=-height_m,building_id&properties=height_m,use&limit=5")
    feats = r.json()["features"]
    assert [set(f["properties"]) for f in feats] == [{"height_m", "use"}] * 5
    expected = sorted(api_data.layers["buildings"].height_m, reverse=True)[:5]
    assert [f["properties"]["height_m"] for f in feats] == pytest.approx(expected)


def test_nulls_are_json_null(api_client):
    doc = api_client.get("/collections/transit_stops/items/1").json()
    assert doc["properties"]["name"] is None  # stop 0 has no name


def test_queryables(api_client):
    r = api_client.get("/collections/buildings/queryables")
    assert r.headers["content-type"].startswith("application/schema+json")
    props = r.json()["properties"]
    assert props["levels"]["type"] == "integer"
    assert props["height_m"]["x-ogc-unit"] == "m"
    assert props["geometry"]["format"] == "geometry-polygon"
    assert set(props["use"]["enum"]) >= {"residential", "public"}


def test_table_items(api_client):
    doc = api_client.get("/collections/climate/items?filter=month BETWEEN 6 AND 8&sortby=-month").json()
    assert [f["properties"]["month"] for f in doc["features"]] == [8, 7, 6]
    assert all(f["geometry"] is None for f in doc["features"])


def test_single_feature_and_404(api_client):
    r = api_client.get("/collections/communes/items/4")
    assert r.status_code == 200 and r.json()["id"] == 4
    assert r.json()["properties"]["name"] == "Esch-sur-Alzette"
    _problem(api_client.get("/collections/communes/items/999999"), 404)
    _problem(api_client.get("/collections/communes/items/abc"), 404)
    _problem(api_client.get("/collections/communes/items/-1"), 404)
    _problem(api_client.get("/collections/nope/items/1"), 404)



def test_raster_items_are_its_footprint(api_client, api_store):
    """Clients that read every collection as features get the raster's footprint and its COG link."""
    doc = api_client.get("/collections/dem/items").json()
    assert doc["numberMatched"] == 1
    feature = doc["features"][0]
    assert feature["properties"]["coverage"].endswith(f"/collections/dem/coverage?v={api_store.current('dem').version}")
    assert feature["properties"]["unit"] == "m"
    with rasterio.MemoryFile(api_client.get(feature["properties"]["coverage"]).content) as mem, mem.open() as src:
        assert src.units == ("m",)  # the COG's band states the unit too
    lon0, lat0 = LUX_TO_84.transform(64000.0, 62000.0)
    ring = np.array(feature["geometry"]["coordinates"][0])
    assert ring[:, 0].min() == pytest.approx(lon0, abs=2e-3) and ring[:, 1].min() == pytest.approx(lat0, abs=2e-3)
    assert api_client.get("/collections/dem/items?bbox=0,0,1,1").json()["numberMatched"] == 0
    assert api_client.get("/collections/dem/items/1").status_code == 200
    assert api_client.get("/collections/dem/items/2").status_code == 404
    assert api_client.get("/collections/dem/items?filter=unit = 'm'").status_code == 400


def test_items_html(api_client):
    r = api_client.get("/collections/communes/items?f=html&limit=3")
    assert r.status_code == 200 and "Esch" not in r.text or "<table>" in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_etag_and_304(api_client):
    r = api_client.get("/collections/communes/items?limit=2")
    etag = r.headers["etag"]
    again = api_client.get("/collections/communes/items?limit=2", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = api_client.get("/collections/communes/items?limit=3", headers={"If-None-Match": etag})
    assert other.status_code == 200


@pytest.mark.parametrize("query, match", [
    ("limit=0", "limit"), ("limit=100000", "limit"), ("limit=abc", "limit"), ("limit=-5", "limit"),
    ("offset=-1", "offset"), ("offset=x", "offset"),
    ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=6,49.6,5,49.5&bbox-crs=" + EPSG.format(2169), "bbox"),
    ("bbox=1,2,3,nan", "non-finite"), ("bbox=6,50,7,49", "lower bound"),
    ("bbox-crs=EPSG:9999999&bbox=1,2,3,4", "bbox-crs"),
    ("crs=http://www.opengis.net/def/crs/EPSG/0/32632", "crs"), ("crs=garbage", "crs"),
    ("datetime=yesterday", "datetime"), ("datetime=2024-13-45", "datetime"), ("datetime=../..", "datetime"),
    ("filter=levels >", "filter"), ("filter=nope = 1", "not a queryable"), ("filter-lang=cql2-json&filter={}", "cql2-text"),
    ("sortby=nope", "sortby"), ("properties=nope", "properties"),
    ("unknown=1", "unknown query parameter"), ("levels=abc", "not an integer"), ("f=xml", "f="),
    ("limit=1&limit=2", "more than once"),
])
def test_invalid_parameters_are_400(api_client, query, match):
    _problem(api_client.get(f"/collections/buildings/items?{query}"), 400, match)


def test_datetime_is_accepted(api_client, api_data):
    doc = api_client.get("/collections/communes/items?datetime=2024-01-01T00:00:00Z/..").json()
    assert doc["numberMatched"] == api_data.n_communes


@pytest.mark.parametrize("path", ["/collections?foo=1", "/conformance?x=y", "/?limit=3", "/api?bbox=1"])
def test_unknown_parameters_everywhere(api_client, path):
    _problem(api_client.get(path), 400, "unknown query parameter")


def test_unknown_path_is_problem_json(api_client):
    _problem(api_client.get("/no/such/thing"), 404)
    _problem(api_client.post("/collections", headers={"Authorization": f"Bearer {API_TOKEN}"}), 405)
    _problem(api_client.post("/collections"), 401)  # a body is never read before the execute token
    _problem(api_client.get("/maps/no-such-map.html"), 404)


def test_maps_are_served(api_client, api_settings):
    api_settings.maps_dir.mkdir(parents=True, exist_ok=True)
    (api_settings.maps_dir / "index.html").write_text("<html>maps index</html>", encoding="utf-8")
    r = api_client.get("/maps/")
    assert r.status_code == 200 and "maps index" in r.text


# --- item pages: precision, counts, compression, HTML (issue 20) -----------------------------------

@pytest.mark.parametrize("crs, decimals", [(None, 7), (EPSG.format(4326), 7), (EPSG.format(2169), 2),
                                           (EPSG.format(3857), 2)])
def test_item_pages_match_pyproj_to_the_rounding(api_client, api_data, crs, decimals):
    """Every coordinate of a page (built by PostGIS, or encoded in Python for the GeoPackage) equals pyproj's
    transform of the published geometry, in the CRS's axis order, rounded to the decimals of its unit
    (GEOSERVICE_DECIMALS_DEGREES = 7, _METRES = 2): within half a unit of the last decimal. Properties are
    exact."""
    query = "limit=50&sortby=building_id&properties=building_id,height_m,roof_tilt_deg" + (f"&crs={crs}" if crs else "")
    doc = api_client.get(f"/collections/buildings/items?{query}").json()
    source = api_data.layers["buildings"].set_index("building_id")
    epsg = 4326 if crs is None else int(crs.rsplit("/", 1)[1])
    to = Transformer.from_crs(2169, "OGC:CRS84" if crs is None else epsg, always_xy=True)
    lat_first = epsg in (4326, 2169) and crs is not None
    assert len(doc["features"]) == 50
    for feature in doc["features"]:
        props = feature["properties"]
        assert set(props) == {"building_id", "height_m", "roof_tilt_deg"}
        row = source.loc[props["building_id"]]
        assert props["height_m"] == row["height_m"]
        assert props["roof_tilt_deg"] == (None if np.isnan(row["roof_tilt_deg"]) else row["roof_tilt_deg"])
        got = np.array(feature["geometry"]["coordinates"][0])
        x, y = to.transform(*np.array(row.geometry.exterior.coords).T)
        expected = np.column_stack([y, x] if lat_first else [x, y])
        np.testing.assert_allclose(got, expected, rtol=0, atol=0.5 * 10.0 ** -decimals + 1e-12)
        assert np.array_equal(got, np.round(got, decimals)), "coordinates carry no digit below the setting"


def test_number_matched_is_left_out_above_the_count_limit(api_client, api_data, monkeypatch):
    """Above COUNT_LIMIT matches, numberMatched is omitted (OGC API Features allows it) and a full page links
    to the next; a page that is not full still knows the exact count."""
    from geoservice.store import common, gpkg, postgis

    for module in (common, gpkg, postgis):
        monkeypatch.setattr(module, "COUNT_LIMIT", 20)
    near_all = "filter=height_m > 0"
    doc = api_client.get(f"/collections/buildings/items?{near_all}&limit=10").json()
    assert "numberMatched" not in doc and doc["numberReturned"] == 10
    assert any(l["rel"] == "next" for l in doc["links"])
    few = api_client.get("/collections/buildings/items?filter=levels = 3&limit=1000").json()
    expected = int((api_data.layers["buildings"]["levels"] == 3).sum())
    assert few["numberMatched"] == few["numberReturned"] == expected
    last = api_client.get(f"/collections/buildings/items?{near_all}&limit=1000&offset={api_data.n_buildings - 5}").json()
    assert last["numberReturned"] == 5 and not any(l["rel"] == "next" for l in last["links"])


def test_json_is_gzipped_when_accepted_tiles_are_not(api_client):
    url = "/collections/buildings/items?limit=100"
    plain = api_client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = api_client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["vary"]
    assert zipped.json() == plain.json() | {"timeStamp": zipped.json()["timeStamp"]}
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    tile = api_client.get("/collections/buildings/tiles/WebMercatorQuad/14/5634/8466",
                          headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in tile.headers


def test_items_html_map_table_units_and_paging(api_client, api_data):
    r = api_client.get("/collections/buildings/items?f=html&limit=5&offset=5&sortby=building_id")
    assert r.status_code == 200
    page = r.text
    assert "http://testserver/static/leaflet/leaflet.js" in page and "id='gs-map'" in page
    data = json.loads(page.split("id='gs-features'>", 1)[1].split("</script>", 1)[0])
    assert [f["properties"]["building_id"] for f in data["features"]] == [f"B{i:04d}" for i in range(5, 10)]
    assert f"Features 6–10 of {api_data.n_buildings:,}" in page
    assert "rel='prev'" in page and "rel='next'" in page and "offset=10" in page and "f=html" in page
    assert "height_m <small>[m]</small>" in page and "roof_tilt_deg <small>[°]</small>" in page
    b5 = api_data.layers["buildings"].iloc[5]
    assert f">{b5['year_built']}</td>" in page, "years without thousands separator"
    assert api_client.get("/static/leaflet/leaflet.js").status_code == 200


def test_numbers_for_people_by_unit():
    """The issue's examples, written out: area 86.1 m², tilt 37.8°, irradiation 1,088 kWh/m²/yr."""
    from maps.style import display_unit, format_value

    assert format_value(86.1234, display_unit("m2")) == "86.1 m²"
    assert format_value(37.8172, display_unit("deg")) == "37.8°"
    assert format_value(1088.46, display_unit("kWh m-2 yr-1")) == "1,088 kWh/m²/yr"
    assert format_value(5.8412, display_unit("m s-1")) == "5.84 m/s"
    assert format_value(0.15321, display_unit("MWh m-1 yr-1")) == "0.153 MWh/m/yr"


def test_feature_html_formats_numbers_by_unit(api_client, api_data):
    page = api_client.get("/collections/buildings/items/3?f=html").text
    row = api_data.layers["buildings"].iloc[2]
    assert "id='gs-map'" in page
    assert f"title='{float(row['height_m'])!r}'>11.4 m</td>" in page, "rounded for reading, the exact value at hand"
    tilt = row["roof_tilt_deg"]
    assert f">{tilt:.2f}°</td>" in page if tilt < 10 else f">{tilt:.1f}°</td>" in page
    projected = api_client.get(f"/collections/buildings/items/3?f=html&crs={EPSG.format(2169)}").text
    assert "id='gs-map'" not in projected and "CRS84" in projected
