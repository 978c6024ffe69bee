"""The vectorised MVT encoder against an independent decoder (mapbox-vector-tile's), geometry by geometry.

Tolerance: 0 — the inputs are on the integer tile grid, so the decoded coordinates must equal them.
"""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from geoservice.store import mvt

SQUARE = shapely.Polygon([(10, 10), (100, 10), (100, 100), (10, 100)])
WITH_HOLE = shapely.Polygon([(200, 200), (400, 200), (400, 400), (200, 400)],
                            [[(250, 250), (250, 300), (300, 300), (300, 250)]])

GEOMETRIES = {
    "points": [shapely.Point(5, 7), shapely.MultiPoint([(1, 2), (3000, 4000), (-20, 4100)])],
    "lines": [shapely.LineString([(0, 0), (10, 5), (4000, 4000)]),
              shapely.MultiLineString([[(1, 1), (2, 50)], [(100, 100), (50, 60), (10, 10)]])],
    "polygons": [SQUARE, WITH_HOLE, shapely.MultiPolygon([SQUARE, WITH_HOLE])],
}


@pytest.mark.parametrize("family", list(GEOMETRIES))
def test_encoded_geometries_decode_to_inputs(family):
    geoms = GEOMETRIES[family]
    props = [{"name": f"f{i}", "n": i, "neg": -i - 1, "x": i + 0.5, "ok": i % 2 == 0, "gone": None}
             for i in range(len(geoms))]
    data = mvt.encode_layer("layer", [10 + i for i in range(len(geoms))], np.array(geoms, dtype=object), props)
    layer = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})["layer"]
    assert layer["extent"] == 4096 and layer["version"] == 2
    assert [f["id"] for f in layer["features"]] == [10 + i for i in range(len(geoms))]
    for feature, geom, prop in zip(layer["features"], geoms, props):
        assert feature["properties"] == {k: v for k, v in prop.items() if v is not None}
        decoded = shape(feature["geometry"])
        assert decoded.equals(geom), (decoded.wkt, geom.wkt)


def test_empty_and_collapsed_features_are_left_out():
    sliver = shapely.Polygon([(0, 0), (0.2, 0), (0.2, 0.2)])  # collapses on the integer grid
    geoms = np.array([shapely.Polygon(), sliver, SQUARE], dtype=object)
    data = mvt.encode_layer("l", [1, 2, 3], geoms, [{}, {}, {}])
    assert [f["id"] for f in mapbox_vector_tile.decode(data)["l"]["features"]] == [3]
    assert mvt.encode_layer("l", [1], np.array([sliver], dtype=object), [{}]) == b""


def test_polygon_rings_are_oriented_for_mvt():
    """Exterior rings clockwise on screen (positive area in y-down tile coordinates), holes the other way,
    whatever the input orientation (spec 4.3.4.4)."""
    reversed_square = shapely.Polygon(list(SQUARE.exterior.coords)[::-1])
    data = mvt.encode_layer("l", [1, 2], np.array([SQUARE, reversed_square], dtype=object), [{}, {}])
    layer = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})["l"]
    assert [f["geometry"]["type"] for f in layer["features"]] == ["Polygon", "Polygon"]
    for f in layer["features"]:
        assert shape(f["geometry"]).equals(SQUARE)


def test_packed_varints_match_protobuf_encoding():
    values = np.array([0, 1, 127, 128, 300, 2**32 - 1], dtype=np.uint64)
    data, offsets = mvt.packed_varints(values)
    assert data == b"".join(mvt._varint(int(v)) for v in values)
    assert list(np.diff(offsets)) == [1, 1, 1, 2, 2, 5]
