"""A version published before a catalog field existed reads correctly on both stores.

A layer version's table keeps the fields its layer had when it was published; when a field is added to the
layer's catalog entry later (issue 17 added ``commune_indicators.green_roof_stepping_stone_m2``), every
reading path must give the new fields as nulls — never their own names (SQLite turns an unknown quoted
identifier into a string literal) and never an error (PostGIS: undefined column) — until the next run
republishes the layer. The reference is the published frame itself: the old fields keep its values
exactly, the new ones are null in every row.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import replace

import mapbox_vector_tile
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from geoservice.api import create_app
from geoservice.query import And, Between, Comparison, In, IsNull, Like, Not, Or, SortKey
from geoservice.settings import Settings
from geoservice.store.base import GeoJSONOptions
from layers.catalog import CATALOG, Field
from layers.errors import InvalidRequest
from tests.test_store import X0, Y0, climate, corridor_paths, provenance, reference, tile_of

#: Fields the catalog gains after the first publish, one of each dtype.
NEW_FIELDS = (
    Field("stepping_stone_m2", "float", "m2", "Green-roof area that serves as a stepping stone."),
    Field("stepping_stone_count", "int", description="Stepping stones along the path."),
    Field("stepping_stone_kind", "str", description="Kind of the largest stepping stone."),
    Field("stepping_stone_linked", "bool", description="Whether a stepping stone joins the path."),
)
NEW = [f.name for f in NEW_FIELDS]
#: The pandas dtype build_frame gives an all-null column of each catalog dtype.
NULL_DTYPES = {"stepping_stone_m2": "float64", "stepping_stone_count": "Int64", "stepping_stone_kind": "object",
               "stepping_stone_linked": "boolean"}
N = 60


def add_fields(monkeypatch, layer_id: str, fields=NEW_FIELDS) -> None:
    """The catalog entry of ``layer_id`` with ``fields`` appended (what a code change to its LayerSpec does)."""
    spec = CATALOG[layer_id]
    monkeypatch.setitem(CATALOG, layer_id, replace(spec, fields=(*spec.fields, *fields)))


@pytest.fixture
def old_paths(store, monkeypatch):
    """``corridor_paths`` published with its current fields, then the catalog gains NEW_FIELDS; the data."""
    data = corridor_paths(N)
    store.publish_layers({"corridor_paths": data}, provenance())
    add_fields(monkeypatch, "corridor_paths")
    return data


def is_null(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def assert_old_version(frame: pd.DataFrame, data: pd.DataFrame, ids=None) -> None:
    """``frame`` holds the published values of the old fields and nulls (typed) in the new ones."""
    want = reference(data) if ids is None else reference(data).loc[list(ids)]
    old = [c for c in data.columns if c != "geometry"]
    assert list(frame.index) == list(want.index)
    assert [c for c in frame.columns if c != "geometry"] == old + NEW
    for name in old:
        assert frame[name].tolist() == want[name].tolist(), name
    for name in NEW:
        assert str(frame[name].dtype) == NULL_DTYPES[name], name
        assert all(is_null(v) for v in frame[name]), (name, frame[name].head().tolist())


def test_read_vector_and_republish(store, old_paths):
    assert_old_version(store.read_vector("corridor_paths"), old_paths)
    assert_old_version(store.read_vector("corridor_paths", version=1), old_paths)
    box = (X0 + 1000, Y0 + 1000, X0 + 3000, Y0 + 2500)
    inside = reference(old_paths).index[reference(old_paths).intersects(shapely.box(*box))]
    assert len(inside) > 0
    assert_old_version(store.read_vector("corridor_paths", bbox=box), old_paths, inside)
    # the next run republishes the layer with the new fields; the old version still reads them as null
    new = old_paths.assign(stepping_stone_m2=12.5, stepping_stone_count=3, stepping_stone_kind="roof",
                           stepping_stone_linked=True)
    [version] = store.publish_layers({"corridor_paths": new}, provenance("key-2"))
    current = store.read_vector("corridor_paths")
    assert version.version == 2
    assert current["stepping_stone_m2"].tolist() == [12.5] * N
    assert current["stepping_stone_count"].tolist() == [3] * N
    assert current["stepping_stone_kind"].tolist() == ["roof"] * N
    assert current["stepping_stone_linked"].tolist() == [True] * N
    assert_old_version(store.read_vector("corridor_paths", version=1), old_paths)


def test_read_table(store, monkeypatch):
    data = climate()
    store.publish_layers({"climate": data}, provenance())
    add_fields(monkeypatch, "climate", NEW_FIELDS[:2])
    frame = store.read_table("climate")
    assert list(frame.columns) == ["month", "ghi_kwh_m2", "temp_air_c", *NEW[:2]]
    for name in data.columns:
        assert frame[name].tolist() == data[name].tolist()
    assert frame["stepping_stone_m2"].isna().all() and str(frame["stepping_stone_m2"].dtype) == "float64"
    assert frame["stepping_stone_count"].isna().all() and str(frame["stepping_stone_count"].dtype) == "Int64"
    current = store.current_layer("climate")  # the pipeline's read of a cached input goes the same way
    assert current["stepping_stone_count"].isna().all()


def test_query_features_pages_and_properties(store, old_paths):
    page = store.query_features("corridor_paths", limit=N)
    assert page.number_matched == N
    assert_old_version(page.features, old_paths)
    picked = store.query_features("corridor_paths", properties=["stepping_stone_kind", "cost"], limit=5, offset=3)
    assert [c for c in picked.features.columns if c != "geometry"] == ["cost", "stepping_stone_kind"]
    assert picked.features["cost"].tolist() == reference(old_paths)["cost"].tolist()[3:8]
    assert picked.features["stepping_stone_kind"].tolist() == [None] * 5
    only_new = store.query_features("corridor_paths", properties=["stepping_stone_m2"], limit=4)
    assert list(only_new.features.index) == [1, 2, 3, 4] and only_new.features["stepping_stone_m2"].isna().all()
    one = store.query_features("corridor_paths", feature_id=7, limit=1)
    assert_old_version(one.features, old_paths, [7])


#: Filters on new fields (null in every row of the old version) with what they match, in SQL's three-valued
#: logic: a comparison with null matches nothing, IS NULL everything; OR with an old-field test leaves that test.
NEW_FIELD_FILTERS = {
    "eq-float": (Comparison("=", "stepping_stone_m2", 0), lambda d: d.cost != d.cost),
    "gt-int": (Comparison(">", "stepping_stone_count", -1), lambda d: d.cost != d.cost),
    "ne-str": (Comparison("<>", "stepping_stone_kind", "roof"), lambda d: d.cost != d.cost),
    "eq-bool": (Comparison("=", "stepping_stone_linked", False), lambda d: d.cost != d.cost),
    "between": (Between("stepping_stone_m2", -1e9, 1e9), lambda d: d.cost != d.cost),
    "in": (In("stepping_stone_kind", ("roof", "wall")), lambda d: d.cost != d.cost),
    "like": (Like("stepping_stone_kind", "%"), lambda d: d.cost != d.cost),
    "not-eq": (Not(Comparison("=", "stepping_stone_count", 1)), lambda d: d.cost != d.cost),
    "isnull": (IsNull("stepping_stone_m2"), lambda d: d.cost == d.cost),
    "not-isnull": (Not(IsNull("stepping_stone_linked")), lambda d: d.cost != d.cost),
    "or-old": (Or((Comparison(">", "stepping_stone_m2", 1), Comparison("<", "cost", 30))), lambda d: d.cost < 30),
    "and-isnull-old": (And((IsNull("stepping_stone_kind"), Comparison("=", "network", "blue"))),
                       lambda d: d.network == "blue"),
}


@pytest.mark.parametrize("case", list(NEW_FIELD_FILTERS))
def test_filter_on_new_field(store, old_paths, case):
    node, expected = NEW_FIELD_FILTERS[case]
    ref = reference(old_paths)
    want = list(ref.index[expected(ref)])
    page = store.query_features("corridor_paths", filter=node, limit=N)
    assert list(page.features.index) == want
    assert page.number_matched == len(want)
    # or-ed with a test on an old field, it adds what it matches: the rows read back as the old version's
    either = Or((node, Comparison("<", "cost", 30)))
    want_either = list(ref.index[expected(ref) | (ref.cost < 30)])
    page = store.query_features("corridor_paths", filter=either, limit=N)
    assert page.number_matched == len(want_either)
    assert_old_version(page.features, old_paths, want_either)


def test_filter_on_unknown_field_keeps_its_message(store, old_paths):
    """A field the catalog does not know is still an error naming the layer's properties (new ones too)."""
    with pytest.raises(InvalidRequest, match=r"has no property 'nope'; properties: .*stepping_stone_linked"):
        store.query_features("corridor_paths", filter=Comparison("=", "nope", 1))
    with pytest.raises(InvalidRequest, match="has no properties"):
        store.query_features("corridor_paths", sortby=[SortKey("nope")])
    # and a new field still reads as null there, not as its name
    assert store.query_features("corridor_paths", limit=1).features["stepping_stone_kind"].tolist() == [None]


def test_sort_on_new_field_is_a_no_op(store, old_paths):
    ref = reference(old_paths)
    for descending in (False, True):
        page = store.query_features("corridor_paths", limit=N, sortby=[SortKey("stepping_stone_m2", descending),
                                                                        SortKey("cost", True)])
        assert list(page.features.index) == list(ref.sort_values("cost", ascending=False, kind="stable").index)
        assert page.features["stepping_stone_m2"].isna().all()
    only_new = store.query_features("corridor_paths", limit=10, offset=5, sortby=[SortKey("stepping_stone_kind")])
    assert list(only_new.features.index) == list(range(6, 16))  # then by feature id


def test_mvt_tile_has_the_old_fields(store, old_paths):
    t = tile_of(X0 + 3000, Y0 + 2000, 13)
    layer = mapbox_vector_tile.decode(store.vector_tile("corridor_paths", t.z, t.x, t.y, "mvt"))["corridor_paths"]
    assert layer["features"]
    ref = reference(old_paths)
    old = [c for c in old_paths.columns if c != "geometry"]
    for feature in layer["features"]:
        row = ref.loc[feature["id"]]
        # MVT leaves missing values out: the new fields do not appear, the old ones keep their values
        assert feature["properties"] == {k: row[k].item() if hasattr(row[k], "item") else row[k] for k in old}


def test_geojson_tile_has_nulls_for_new_fields(store, old_paths):
    t = tile_of(X0 + 3000, Y0 + 2000, 13)
    doc = json.loads(store.vector_tile("corridor_paths", t.z, t.x, t.y, "geojson"))
    assert doc["features"]
    ref = reference(old_paths)
    for feature in doc["features"]:
        props = feature["properties"]
        assert list(props)[-len(NEW):] == NEW and all(props[n] is None for n in NEW)
        assert props["link_id"] == ref.loc[feature["id"], "link_id"]
        assert props["cost"] == ref.loc[feature["id"], "cost"]


@pytest.mark.postgis
def test_postgis_tile_of_a_given_version(make_store, monkeypatch):
    """The API asks PostGIS for the tile of the version it resolved; an old one has the old fields."""
    pg = make_store("postgis")
    data = corridor_paths(N)
    pg.publish_layers({"corridor_paths": data}, provenance())
    add_fields(monkeypatch, "corridor_paths")
    t = tile_of(X0 + 3000, Y0 + 2000, 13)
    doc = json.loads(pg.vector_tile("corridor_paths", t.z, t.x, t.y, "geojson", version=1))
    assert doc["features"] and all(f["properties"]["stepping_stone_kind"] is None for f in doc["features"])
    mvt = mapbox_vector_tile.decode(pg.vector_tile("corridor_paths", t.z, t.x, t.y, "mvt", version=1))
    assert mvt["corridor_paths"]["features"]


@pytest.mark.postgis
def test_postgis_geojson_pages(make_store, monkeypatch):
    """PostGIS writes the GeoJSON of a page itself (query_geojson): the new fields are JSON nulls."""
    pg = make_store("postgis")
    data = corridor_paths(N)
    pg.publish_layers({"corridor_paths": data}, provenance())
    add_fields(monkeypatch, "corridor_paths")
    options = GeoJSONOptions(srid=2169, lat_first=False, decimals=3)
    ref = reference(data)
    page = pg.query_geojson("corridor_paths", options, limit=N)
    assert page.number_matched == N and len(page.features) == N
    for text in page.features:
        feature = json.loads(text)
        props = feature["properties"]
        assert list(props)[-len(NEW):] == NEW and all(props[n] is None for n in NEW)
        assert props["network"] == ref.loc[feature["id"], "network"]
        assert props["cost"] == ref.loc[feature["id"], "cost"]
    picked = pg.query_geojson("corridor_paths", options, properties=["stepping_stone_m2", "network"], limit=3,
                              filter=IsNull("stepping_stone_count"), sortby=[SortKey("stepping_stone_kind", True)])
    assert picked.number_matched == N
    assert [json.loads(t)["properties"] for t in picked.features] == [
        {"network": ref.loc[i, "network"], "stepping_stone_m2": None} for i in (1, 2, 3)]
    none = pg.query_geojson("corridor_paths", options, filter=Comparison(">", "stepping_stone_m2", 0))
    assert none.features == [] and none.number_matched == 0


def test_predating_version_is_logged_once(store, old_paths, caplog):
    with caplog.at_level(logging.WARNING, logger="geoservice.store"):
        store.read_vector("corridor_paths")
        store.query_features("corridor_paths", limit=3)
        t = tile_of(X0 + 3000, Y0 + 2000, 13)
        store.vector_tile("corridor_paths", t.z, t.x, t.y, "mvt")
    warnings = [r.getMessage() for r in caplog.records if "predates" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "corridor_paths v1" in warnings[0] and ", ".join(NEW) in warnings[0]
    assert "republishes" in warnings[0]


def test_api_items_of_an_old_version(store, old_paths, tmp_path):
    """Through the API: a page of items and one item of the old version carry ``null`` for the new fields."""
    settings = Settings(data_dir=tmp_path, api_token="secret-token", default_limit=10, max_limit=1000)
    ref = reference(old_paths)
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
        r = client.get("/collections/corridor_paths/items", params={"limit": N})
        assert r.status_code == 200, r.text
        features = r.json()["features"]
        assert len(features) == N
        for feature in features:
            props = feature["properties"]
            assert all(n in props and props[n] is None for n in NEW), props
            assert props["link_id"] == ref.loc[feature["id"], "link_id"]
        r = client.get("/collections/corridor_paths/items/5")
        assert r.status_code == 200, r.text
        props = r.json()["properties"]
        assert all(props[n] is None for n in NEW) and props["core_a"] == ref.loc[5, "core_a"]
        r = client.get("/collections/corridor_paths/items", params={"filter": "stepping_stone_m2 IS NULL",
                                                                    "limit": 2})
        assert r.status_code == 200, r.text
        assert [f["id"] for f in r.json()["features"]] == [1, 2]
