"""CQL2 text parser and CRS handling of the API — no store needed.

References: OGC 21-065r2 (CQL2) for the grammar and operator semantics; OGC 18-058r1 (Features Part 2) and
the EPSG registry for axis orders (EPSG:4326 lat/lon, EPSG:2169 northing/easting, CRS84 lon/lat). Reference
coordinates are from pyproj (PROJ) — an independent implementation — with a 1 mm tolerance.
"""

from __future__ import annotations

import pytest
import shapely
from pyproj import CRS, Transformer

from geoservice.api import crs as crsmod
from geoservice.api.cql2 import coerce_query_value, parse_cql2_text
from geoservice.query import And, Between, Comparison, In, Intersects, IsNull, Like, Not, Or
from layers.catalog import get_layer
from layers.errors import InvalidRequest

BUILDINGS = get_layer("buildings")
CRS84 = CRS.from_user_input("OGC:CRS84")
LUX = CRS.from_epsg(2169)


def parse(text: str):
    return parse_cql2_text(text, BUILDINGS, CRS84, LUX)


@pytest.mark.parametrize("text, expected", [
    ("levels = 3", Comparison("=", "levels", 3)),
    ("levels<>3", Comparison("<>", "levels", 3)),
    ("height_m >= 10.5", Comparison(">=", "height_m", 10.5)),
    ("10 < height_m", Comparison(">", "height_m", 10)),  # literal first: operator flips
    ("use = 'residential'", Comparison("=", "use", "residential")),
    ("use = 'l''atelier'", Comparison("=", "use", "l'atelier")),
    ('"use" = \'mixed\'', Comparison("=", "use", "mixed")),
    ("height_m BETWEEN 3 AND 9.5", Between("height_m", 3, 9.5)),
    ("height_m NOT BETWEEN 3 AND 9", Not(Between("height_m", 3, 9))),
    ("use IN ('public', 'mixed')", In("use", ("public", "mixed"))),
    ("levels NOT IN (1, 2)", Not(In("levels", (1, 2)))),
    ("building_id LIKE 'B00%'", Like("building_id", "B00%")),
    ("building_id NOT LIKE 'B_1'", Not(Like("building_id", "B_1"))),
    ("roof_tilt_deg IS NULL", IsNull("roof_tilt_deg")),
    ("roof_tilt_deg IS NOT NULL", Not(IsNull("roof_tilt_deg"))),
    ("levels = 1 AND use = 'public' OR levels = 2",
     Or((And((Comparison("=", "levels", 1), Comparison("=", "use", "public"))), Comparison("=", "levels", 2)))),
    ("levels = 1 AND (use = 'public' OR levels = 2)",
     And((Comparison("=", "levels", 1), Or((Comparison("=", "use", "public"), Comparison("=", "levels", 2)))))),
    ("NOT levels = 1", Not(Comparison("=", "levels", 1))),
    ("not (levels = 1) and levels > -2", And((Not(Comparison("=", "levels", 1)), Comparison(">", "levels", -2)))),
    ("height_m > 1e1", Comparison(">", "height_m", 10.0)),
])
def test_parses_to_tree(text, expected):
    assert parse(text) == expected


def test_s_intersects_bbox_is_transformed_to_storage_crs():
    tree = parse("S_INTERSECTS(geometry, BBOX(6.0, 49.5, 6.01, 49.51))")
    assert isinstance(tree, Intersects)
    t = Transformer.from_crs(CRS84, LUX, always_xy=True)
    x, y = t.transform(6.0, 49.5)
    xmin, ymin, _, _ = tree.geometry.bounds
    # densified bounds enclose the transformed corner (within 1 m)
    assert xmin <= x + 1e-3 and ymin <= y + 1e-3 and abs(xmin - x) < 1.0


@pytest.mark.parametrize("wkt", ["POINT(6.0 49.5)", "POLYGON((6.0 49.5, 6.01 49.5, 6.01 49.51, 6.0 49.5))",
                                 "LINESTRING(6.0 49.5, 6.01 49.51)", "MULTIPOINT((6.0 49.5),(6.01 49.51))"])
def test_s_intersects_wkt(wkt):
    tree = parse(f"S_INTERSECTS(geometry, {wkt})")
    expected = shapely.transform(shapely.from_wkt(wkt), lambda c: __import__("numpy").column_stack(
        Transformer.from_crs(CRS84, LUX, always_xy=True).transform(c[:, 0], c[:, 1])))
    assert tree.geometry.equals_exact(expected, 1e-3)


def test_s_intersects_in_lat_lon_filter_crs():
    """EPSG:4326 literals are (lat, lon): the same place as CRS84 (lon, lat)."""
    a = parse_cql2_text("S_INTERSECTS(geometry, POINT(49.5 6.0))", BUILDINGS, CRS.from_epsg(4326), LUX)
    b = parse("S_INTERSECTS(geometry, POINT(6.0 49.5))")
    assert a.geometry.equals_exact(b.geometry, 1e-6)


@pytest.mark.parametrize("text, message", [
    ("nope = 1", "not a queryable"),
    ("levels = 'three'", "numeric"),
    ("use = 3", "text"),
    ("use LIKE 3", "quoted pattern"),
    ("levels LIKE 'x%'", "LIKE needs a text property"),
    ("use BETWEEN 'a' AND 'b'", "BETWEEN needs a numeric|numeric"),
    ("levels >", "expected a property name or a literal"),
    ("levels = 1 AND", "expected a property name or a literal"),
    ("(levels = 1", "expected '\\)'"),
    ("levels = 1)", "expected AND, OR"),
    ("levels = 1; DROP TABLE x", "unexpected character ';'"),
    ("use = 'x' -- comment", "unexpected character '-'"),
    ("S_WITHIN(geometry, POINT(1 2))", "S_INTERSECTS"),
    ("CASEI(use) = 'x'", "not supported"),
    ("S_INTERSECTS(geometry, POLYGON((1 2, 3)))", "invalid WKT"),
    ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", "4 or 6 numbers"),
    ("S_INTERSECTS(levels, BBOX(1,2,3,4))", "geometry property"),
    ("levels = levels", "one property and one literal"),
    ("", "empty"),
    ("use = 'a\x00b'", "NUL"),
    ("(" * 100 + "levels = 1" + ")" * 100, "nested deeper"),
    ("levels = 1e999", "out of range"),
    ("'unterminated", "unexpected character"),
])
def test_rejects_with_a_message(text, message):
    with pytest.raises(InvalidRequest, match=message):
        parse(text)


def test_huge_integer_becomes_float():
    """A store binds 64-bit integers; larger literals compare as floats rather than overflowing."""
    assert parse("levels < 99999999999999999999999") == Comparison("<", "levels", 1e23)


@pytest.mark.parametrize("field, raw, expected", [("levels", "3", 3), ("height_m", "2.5", 2.5),
                                                  ("use", "public", "public")])
def test_query_values_take_the_field_type(field, raw, expected):
    assert coerce_query_value(BUILDINGS.get_field(field), raw) == expected


@pytest.mark.parametrize("field, raw", [("levels", "3.5"), ("levels", "x"), ("height_m", "nan"), ("height_m", "inf")])
def test_query_values_of_the_wrong_type_are_rejected(field, raw):
    with pytest.raises(InvalidRequest, match=field):
        coerce_query_value(BUILDINGS.get_field(field), raw)


# --- CRS -------------------------------------------------------------------------------------------

OFFERED = crsmod.offered_uris("EPSG:2169")


def test_offered_crs_list():
    assert OFFERED[0] == crsmod.CRS84
    assert "http://www.opengis.net/def/crs/EPSG/0/2169" in OFFERED
    assert "http://www.opengis.net/def/crs/EPSG/0/3857" in OFFERED
    assert "http://www.opengis.net/def/crs/EPSG/0/4326" in OFFERED


@pytest.mark.parametrize("uri", ["http://www.opengis.net/def/crs/EPSG/0/9999999", "EPSG:2169; DROP", "foo",
                                 "http://www.opengis.net/def/crs/EPSG/0/32631", "http://evil.example/crs"])
def test_unknown_or_unoffered_crs(uri):
    with pytest.raises(InvalidRequest, match="crs"):
        crsmod.parse_crs(uri, OFFERED)


@pytest.mark.parametrize("epsg, lat_first", [(4326, True), (2169, True), (3857, False)])
def test_axis_order(epsg, lat_first):
    assert crsmod.lat_first(CRS.from_epsg(epsg)) is lat_first
    assert crsmod.lat_first(CRS84) is False


def test_geometry_to_request_order_matches_proj():
    """A storage point in EPSG:2169 → EPSG:4326 comes out (lat, lon), → 2169 as (northing, easting)."""
    p = shapely.Point(65000.0, 63000.0)
    lon, lat = Transformer.from_crs(LUX, CRS84, always_xy=True).transform(65000.0, 63000.0)
    out = crsmod.to_request_order(p, LUX, CRS.from_epsg(4326))
    assert out.x == pytest.approx(lat, abs=1e-9) and out.y == pytest.approx(lon, abs=1e-9)
    out = crsmod.to_request_order(p, LUX, LUX)
    assert (out.x, out.y) == (63000.0, 65000.0)
    out = crsmod.to_request_order(p, LUX, CRS84)
    assert (out.x, out.y) == pytest.approx((lon, lat), abs=1e-9)


def test_bbox_in_lat_lon_order():
    a = crsmod.bbox_to_storage((49.5, 6.0, 49.51, 6.01), CRS.from_epsg(4326), LUX)
    b = crsmod.bbox_to_storage((6.0, 49.5, 6.01, 49.51), CRS84, LUX)
    assert a.equals_exact(b, 1e-6)
    with pytest.raises(InvalidRequest, match="lower corner"):
        crsmod.bbox_to_storage((6.01, 49.5, 6.0, 49.4), LUX, LUX)
