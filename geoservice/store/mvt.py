"""A vectorised Mapbox Vector Tile encoder (MVT 2.1) for geometries already in tile coordinates.

mapbox-vector-tile encodes geometries one by one in Python (about 0.4 ms per polygon); this module builds
the geometry command streams of all features of a layer with numpy and varint-encodes them in one pass, so
only the protobuf framing and the properties are handled per feature. Decoded by mapbox-vector-tile in the
tests, and compared with PostGIS's ST_AsMVT.

References: Mapbox Vector Tile Specification 2.1 (https://github.com/mapbox/vector-tile-spec/tree/master/2.1),
Protocol Buffers encoding (https://protobuf.dev/programming-guides/encoding/).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely

#: Geometry command ids (spec 4.3.1).
MOVE_TO, LINE_TO, CLOSE_PATH = 1, 2, 7
#: Feature geometry types (spec 4.3.4).
POINT, LINESTRING, POLYGON = 1, 2, 3
_FAMILY = {0: POINT, 4: POINT, 1: LINESTRING, 5: LINESTRING, 3: POLYGON, 6: POLYGON}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


def _varint_lengths(values: np.ndarray) -> np.ndarray:
    lengths = np.ones(len(values), dtype=np.int64)
    rest = values >> np.uint64(7)
    while rest.any():
        lengths += rest > 0
        rest >>= np.uint64(7)
    return lengths


def packed_varints(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Varint bytes of unsigned ``values`` and the byte offset where each value starts (plus the end)."""
    values = values.astype(np.uint64)
    lengths = _varint_lengths(values)
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if not len(values):
        return b"", offsets
    width = int(lengths.max())
    table = np.zeros((len(values), width), dtype=np.uint8)
    for k in range(width):
        more = (k < lengths - 1).astype(np.uint8) << 7
        table[:, k] = ((values >> np.uint64(7 * k)) & np.uint64(0x7F)).astype(np.uint8) | more
    used = np.arange(width)[None, :] < lengths[:, None]
    return table[used].tobytes(), offsets


def _zigzag(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.int64)
    return ((values << 1) ^ (values >> 63)).astype(np.uint64)


def _command(command: int, count: np.ndarray | int) -> np.ndarray | int:
    return (np.asarray(count, dtype=np.int64) << 3) | command


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``range(s, s + n)`` for each start and length."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + shift


def _streams(geoms: np.ndarray, family: int) -> tuple[np.ndarray, np.ndarray]:
    """The command stream of every geometry, concatenated, and where each geometry's stream starts/ends."""
    _, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    coords = np.rint(coords).astype(np.int64)
    n = len(geoms)
    if family == POINT:
        per_geom = np.diff(offsets[0]) if offsets else np.ones(n, dtype=np.int64)
        part_len, part_geom = per_geom, np.arange(n)
        point_idx = np.arange(len(coords))
        cmds_before, cmds_after = 1, 0
    else:
        if family == POLYGON:
            ring_off = offsets[0]
            rings_per_poly = np.diff(offsets[1])
            polys_per_geom = np.diff(offsets[2]) if len(offsets) > 2 else np.ones(n, dtype=np.int64)
            poly_geom = np.repeat(np.arange(n), polys_per_geom)
            part_geom = np.repeat(poly_geom, rings_per_poly)
            part_len = np.diff(ring_off) - 1  # the closing point is implied by ClosePath
            cmds_after = 1
        else:
            part_off = offsets[0]
            lines_per_geom = np.diff(offsets[1]) if len(offsets) > 1 else np.ones(n, dtype=np.int64)
            part_geom = np.repeat(np.arange(n), lines_per_geom)
            part_len = np.diff(part_off)
            ring_off = part_off
            cmds_after = 0
        point_idx = _ranges(ring_off[:-1], part_len)
        cmds_before = 2
    points = coords[point_idx]
    point_part = np.repeat(np.arange(len(part_len)), part_len)
    point_geom = part_geom[point_part]
    first_in_geom = np.ones(len(points), dtype=bool)
    first_in_geom[1:] = point_geom[1:] != point_geom[:-1]
    previous = np.zeros_like(points)
    previous[1:] = points[:-1]
    previous[first_in_geom] = 0
    deltas = _zigzag(points - previous)
    # layout of a part: MoveTo(1) x0 y0 [LineTo(n-1) x1 y1 ...] [ClosePath]; points: MoveTo(n) x0 y0 x1 y1 ...
    part_out_len = 2 * part_len + (cmds_before + cmds_after if family != POINT else 1)
    part_start = np.zeros(len(part_len) + 1, dtype=np.int64)
    np.cumsum(part_out_len, out=part_start[1:])
    out = np.zeros(int(part_start[-1]), dtype=np.uint64)
    within = np.arange(len(points)) - np.repeat(np.cumsum(part_len) - part_len, part_len)  # index in its part
    if family == POINT:
        pos = part_start[:-1][point_part] + 1 + 2 * within
        out[part_start[:-1]] = _command(MOVE_TO, part_len)
    else:
        pos = part_start[:-1][point_part] + 1 + 2 * within + (within > 0)
        out[part_start[:-1]] = _command(MOVE_TO, 1)
        out[part_start[:-1] + 3] = _command(LINE_TO, part_len - 1)
        if family == POLYGON:
            out[part_start[1:] - 1] = _command(CLOSE_PATH, 1)
    out[pos] = deltas[:, 0]
    out[pos + 1] = deltas[:, 1]
    geom_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(part_geom, weights=part_out_len, minlength=n).astype(np.int64), out=geom_start[1:])
    return out, geom_start


def _value(value: Any) -> bytes:
    if isinstance(value, bool):
        return b"\x38" + _varint(int(value))
    if isinstance(value, int):
        if value >= 0:
            return b"\x28" + _varint(value)
        return b"\x30" + _varint((value << 1) ^ (value >> 63))
    if isinstance(value, float):
        return b"\x19" + struct.pack("<d", value)
    return _field(1, str(value).encode())


def clean_geometries(geoms: np.ndarray) -> np.ndarray:
    """Snap tile-coordinate geometries to the integer grid and orient polygon rings as MVT wants them.

    Rounding is enough for most features; those it leaves invalid (self-touching rings, collapsed parts)
    are snap-rounded by GEOS with valid output instead, as ST_AsMVTGeom makes its output valid."""
    rounded = shapely.transform(geoms, np.rint)
    polygonal = np.isin(shapely.get_type_id(rounded), [3, 6])
    bad = np.flatnonzero(polygonal & ~shapely.is_valid(rounded))
    if len(bad):
        rounded[bad] = shapely.set_precision(geoms[bad], 1.0)
    return shapely.orient_polygons(rounded, exterior_cw=False)


def encode_layer(name: str, ids: Sequence[int], geoms: np.ndarray, properties: Sequence[Mapping[str, Any]],
                 extent: int = 4096) -> bytes:
    """An MVT tile holding one layer ``name`` with the given features (geometries in tile coordinates,
    y down, already clipped); features whose geometry is empty are skipped; ``b""`` when none is left."""
    geoms = clean_geometries(np.asarray(geoms, dtype=object))
    kinds = shapely.get_type_id(geoms)
    keep = ~shapely.is_empty(geoms) & np.isin(kinds, list(_FAMILY))
    keep &= ~np.isin(kinds, [3, 6]) | (shapely.area(geoms) > 0)
    keep &= ~np.isin(kinds, [1, 5]) | (shapely.length(geoms) > 0)
    index = np.flatnonzero(keep)
    if not len(index):
        return b""
    features: list[bytes] = []
    keys: dict[str, bytes] = {}  # key → varint of its index in the layer's keys
    values: dict[tuple[type, Any], bytes] = {}  # (type, value) → varint of its index in the layer's values
    families = np.array([_FAMILY[k] for k in kinds[index]])
    encoded: dict[int, tuple[bytes, np.ndarray, np.ndarray]] = {}
    for family in np.unique(families):
        chosen = index[families == family]
        stream, geom_start = _streams(geoms[chosen], int(family))
        data, byte_at = packed_varints(stream)
        encoded[int(family)] = (data, byte_at[geom_start], chosen)
    by_feature: dict[int, tuple[int, bytes]] = {}
    for family, (data, bounds, chosen) in encoded.items():
        for j, i in enumerate(chosen):
            by_feature[int(i)] = (family, data[bounds[j]:bounds[j + 1]])
    for i in index:
        family, geometry = by_feature[int(i)]
        tags = []
        for key, value in properties[i].items():
            if value is None:
                continue
            k = keys.get(key)
            if k is None:
                k = keys[key] = _varint(len(keys))
            v = values.get((type(value), value))
            if v is None:
                v = values[(type(value), value)] = _varint(len(values))
            tags += (k, v)
        body = b"\x08" + _varint(int(ids[i]))
        if tags:
            body += _field(2, b"".join(tags))
        body += b"\x18" + _varint(family) + _field(4, geometry)
        features.append(_field(2, body))
    layer = (b"\x78\x02" + _field(1, name.encode()) + b"".join(features)
             + b"".join(_field(3, k.encode()) for k in keys)
             + b"".join(_field(4, _value(v)) for (_, v) in values)  # dicts keep insertion order
             + b"\x28" + _varint(extent))
    return _field(3, layer)
