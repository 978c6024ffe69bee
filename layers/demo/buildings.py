"""Buildings with known roof geometry: footprints, attributes, and the roof faces the DSM is built from.

Every footprint is a rectangle with centre (x, y), ``length_m`` along the axis azimuth ``axis_deg`` (from
north, clockwise) and ``width_m`` across it. In the building's frame, ``s`` runs along the axis and ``t``
across it towards azimuth ``axis_deg + 90``. Roofs (equal pitch ``tilt``, eave height ``eave``):

- flat: ``z = eave``;
- gable (ridge along the axis): ``z = eave + (W/2 − |t|)·tan(tilt)``;
- hip: ``z = eave + min(W/2 − |t|, L/2 − |s|)·tan(tilt)`` (the straight-skeleton roof of a rectangle);
- shed (falling towards ``t·side > 0``): ``z = eave + (W/2 − side·t)·tan(tilt)``.

A face's azimuth is its downslope direction (0 = north, clockwise); its 3-D area is footprint / cos(tilt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.demo.frame import DemoFrame
from layers.demo.layout import STREET_SPACING_M, Layout, Settlement
from layers.demo.terrain import Terrain

#: Storey height [m] and ground-floor extra [m].
STOREY_M, PLINTH_M = 3.0, 0.5
#: Roof-shape shares (flat, gable, hip, shed) by building kind.
ROOF_SHARES = {"house": (0.12, 0.5, 0.28, 0.10), "block": (0.45, 0.25, 0.30, 0.0), "farm": (0.0, 0.85, 0.1, 0.05),
               "terrace": (0.2, 0.7, 0.1, 0.0)}
#: Roof tilt ranges by shape [deg].
TILT_RANGE_DEG = {"gable": (25.0, 50.0), "hip": (20.0, 40.0), "shed": (6.0, 20.0)}
SHAPES = ("flat", "gable", "hip", "shed")

#: Historic centres: towns of at least this radius [m] (the default region's towns, 520-760 m; not the
#: shrunken towns of small test regions) have one, of this share of the town's radius (≈ 13-29 ha), where
#: continuous terraced and apartment blocks line every street. Around it, up to ``BLOCK_RING_SHARE`` of the
#: radius, stand detached apartment blocks (the whole old core of smaller towns: ``CORE_SHARE``).
HISTORIC_CENTRE_MIN_RADIUS_M = 450.0
HISTORIC_CENTRE_SHARE = 0.4
BLOCK_RING_SHARE = 0.5
CORE_SHARE = 0.35
#: Terraced rows: street-side building line [m from the street centre line; street lights stand at 6 m],
#: depth range [m] (the cross streets' rows stop ``max depth + gap`` short of the corner), frontage range
#: [m], gap between neighbours [m] (footprints never touch) and the share of plots left empty (passages,
#: yards, demolished houses).
TERRACE_LINE_M = 6.5
TERRACE_DEPTH_M = (10.0, 14.0)
TERRACE_FRONTAGE_M = (7.0, 15.0)
TERRACE_GAP_M = 0.4
TERRACE_EMPTY_SHARE = 0.08
#: Storeys (3-6) and their shares in the historic centres.
TERRACE_LEVELS, TERRACE_LEVEL_SHARES = (3, 4, 5, 6), (0.3, 0.35, 0.25, 0.1)
#: Uses and their shares in the historic centres.
TERRACE_USES, TERRACE_USE_SHARES = ("residential", "mixed", "commercial", "public"), (0.55, 0.33, 0.08, 0.04)
#: Construction periods [first year, last year] and their shares in the historic centres.
TERRACE_PERIODS, TERRACE_PERIOD_SHARES = ((1860, 1918), (1919, 1948), (1949, 1970)), (0.45, 0.35, 0.2)


def has_historic_centre(settlement: Settlement) -> bool:
    """Whether a settlement is a town large enough for a historic centre of terraced blocks."""
    return settlement.kind == "town" and settlement.radius >= HISTORIC_CENTRE_MIN_RADIUS_M


@dataclass(frozen=True)
class Buildings:
    """``footprints``: the catalog's buildings layer; ``roofs``: the geometry behind each roof (one row per
    building, same order); ``faces``: the known roof faces (truth for the solar segmentation)."""

    footprints: gpd.GeoDataFrame
    roofs: pd.DataFrame
    faces: gpd.GeoDataFrame


def rectangles(x, y, length, width, axis_deg) -> np.ndarray:
    """Polygons of rectangles from centre [m], size [m] and axis azimuth [deg]."""
    phi = np.radians(axis_deg)
    a = np.stack([np.sin(phi), np.cos(phi)], axis=-1)
    b = np.stack([np.cos(phi), -np.sin(phi)], axis=-1)
    c = np.stack([x, y], axis=-1)
    hl, hw = (np.asarray(length) / 2)[:, None], (np.asarray(width) / 2)[:, None]
    corners = [c - hl * a - hw * b, c + hl * a - hw * b, c + hl * a + hw * b, c - hl * a + hw * b]
    ring = np.stack(corners + [corners[0]], axis=1)
    return shapely.polygons(ring)


def roof_height(shape: str, s, t, length: float, width: float, tilt_deg: float, eave: float, side: int = 1):
    """Roof surface above the building's base [m] at building-frame coordinates ``s``, ``t`` [m]."""
    k = math.tan(math.radians(tilt_deg))
    if shape == "flat":
        return np.full(np.shape(s), eave, dtype=float)
    if shape == "gable":
        return eave + (width / 2 - np.abs(t)) * k
    if shape == "hip":
        return eave + np.minimum(width / 2 - np.abs(t), length / 2 - np.abs(s)) * k
    if shape == "shed":
        return eave + (width / 2 - side * np.asarray(t)) * k
    raise ValueError(f"unknown roof shape {shape!r}")


def _candidates_along_streets(settlement: Settlement, rng: np.random.Generator) -> list[dict]:
    """Houses lining both sides of every street of a settlement's grid."""
    g = STREET_SPACING_M[settlement.kind]
    phi = settlement.angle
    n = int(settlement.radius // g) + 1
    out = _terraces(settlement, rng) if has_historic_centre(settlement) else []
    for direction in (phi, phi + 90.0):
        d = math.radians(direction)
        a = np.array([math.sin(d), math.cos(d)])
        b = np.array([math.cos(d), -math.sin(d)])
        for k in range(-n, n + 1):
            pos = -settlement.radius
            while pos < settlement.radius:
                for side in (-1, 1):
                    house = _house(settlement, rng, a, b, k * g, pos, side, direction)
                    if house is not None:
                        out.append(house)
                pos += rng.uniform(16.0, 24.0) if settlement.kind == "town" else rng.uniform(18.0, 30.0)
    return out


def _house(settlement: Settlement, rng, a, b, offset, pos, side, street_deg) -> dict | None:
    g = STREET_SPACING_M[settlement.kind]
    centred = has_historic_centre(settlement)
    # distance past the previous cross street (cross streets lie at multiples of g from the centre); the
    # towns without a historic centre keep the former offset so that small regions stay as they were
    cross = pos % g if centred else (pos + settlement.radius * 4) % g
    if cross < 14.0 or cross > g - 14.0:
        return None
    centre = np.array([settlement.x, settlement.y]) + offset * b + pos * a
    r = math.hypot(*(centre - [settlement.x, settlement.y])) / settlement.radius
    if r > 0.97 or rng.random() > 0.97 - 0.4 * r * r:
        return None
    if centred and r < HISTORIC_CENTRE_SHARE:  # the terraces fill the historic centre
        return None
    core = settlement.kind == "town" and r < (BLOCK_RING_SHARE if centred else CORE_SHARE)
    farm = settlement.kind == "village" and rng.random() < 0.15
    if core:
        kind, frontage, depth = "block", rng.uniform(13.0, 17.0), rng.uniform(11.0, 16.0)
        levels = int(rng.integers(3, 6))
        use = rng.choice(["residential", "mixed", "commercial", "public"], p=[0.35, 0.35, 0.2, 0.1])
        year = int(rng.integers(1880, 1975))
        setback = TERRACE_LINE_M if centred else 4.0  # behind the street lights (6 m) in the larger towns
    elif farm:
        kind, frontage, depth = "farm", rng.uniform(14.0, 18.0), rng.uniform(11.0, 15.0)
        levels, use, year, setback = 1, "agricultural", int(rng.integers(1850, 1990)), 8.0
    else:
        kind, frontage, depth = "house", rng.uniform(8.5, 13.0), rng.uniform(8.0, 11.0)
        levels = int(rng.choice([1, 2, 2, 3]))
        use = "residential" if rng.random() < 0.93 else rng.choice(["mixed", "commercial", "public"])
        year = int(rng.integers(1950, 2024)) if r > 0.5 else int(rng.integers(1900, 2000))
        setback = rng.uniform(5.0, 8.0)
    depth = min(depth, g / 2 - setback - 3.0)
    centre = centre + side * (setback + depth / 2) * b
    along = rng.random() < 0.7  # ridge parallel to the street
    length, width, axis = (frontage, depth, street_deg) if along else (depth, frontage, street_deg + 90.0)
    if length < width:
        length, width, axis = width, length, axis + 90.0
    shape = SHAPES[int(rng.choice(4, p=ROOF_SHARES[kind]))]
    return {"x": centre[0], "y": centre[1], "length_m": length, "width_m": width, "axis_deg": axis % 360.0,
            "levels": levels, "use": str(use), "year_built": year, "roof_shape": shape, "rng": rng.random()}


def _terraces(settlement: Settlement, rng: np.random.Generator) -> list[dict]:
    """Continuous rows of terraced and apartment blocks along both sides of every street of a town's historic
    centre (``HISTORIC_CENTRE_SHARE`` of its radius).

    Rows along the first street direction run from corner to corner; rows along the cross streets stop
    ``TERRACE_LINE_M + max depth + gap`` short of each corner, so the rows of a block meet without
    overlapping and leave a courtyard in its middle. Each plot's facade stands on the building line; its depth
    varies behind it.
    """
    g = STREET_SPACING_M[settlement.kind]
    phi = settlement.angle
    reach = HISTORIC_CENTRE_SHARE * settlement.radius
    n = int(reach // g) + 1
    line, gap = TERRACE_LINE_M, TERRACE_GAP_M
    corner = line + TERRACE_DEPTH_M[1] + gap
    origin = np.array([settlement.x, settlement.y])
    out: list[dict] = []
    for direction, (lo, hi) in ((phi, (line, g - line)), (phi + 90.0, (corner, g - corner))):
        d = math.radians(direction)
        a = np.array([math.sin(d), math.cos(d)])
        b = np.array([math.cos(d), -math.sin(d)])
        for k in range(-n, n + 1):
            for side in (-1, 1):
                for m in range(-n - 1, n + 1):  # the segment between cross streets m·g and (m + 1)·g
                    pos = m * g + lo
                    while True:
                        frontage = rng.uniform(*TERRACE_FRONTAGE_M)
                        if pos + frontage > m * g + hi:
                            break
                        depth = rng.uniform(*TERRACE_DEPTH_M)
                        mid = pos + frontage / 2
                        pos += frontage + gap
                        centre = origin + k * g * b + mid * a + side * (line + depth / 2) * b
                        if math.hypot(*(centre - origin)) > reach or rng.random() < TERRACE_EMPTY_SHARE:
                            continue
                        period = TERRACE_PERIODS[int(rng.choice(len(TERRACE_PERIODS), p=TERRACE_PERIOD_SHARES))]
                        year = int(rng.integers(period[0], period[1] + 1))
                        levels = int(rng.choice(TERRACE_LEVELS, p=TERRACE_LEVEL_SHARES))
                        use = str(rng.choice(TERRACE_USES, p=TERRACE_USE_SHARES))
                        length, width, axis = frontage, depth, direction
                        if length < width:
                            length, width, axis = width, length, axis + 90.0
                        shape = SHAPES[int(rng.choice(4, p=ROOF_SHARES["terrace"]))]
                        if year > 1948 and rng.random() < 0.5:  # post-war blocks: many flat roofs
                            shape = "flat"
                        out.append({"x": centre[0], "y": centre[1], "length_m": length, "width_m": width,
                                    "axis_deg": axis % 360.0, "levels": levels, "use": use, "year_built": year,
                                    "roof_shape": shape, "rng": rng.random()})
    return out


def _halls(site_polygon, rng, use: str, years: tuple[int, int], fill: float) -> list[dict]:
    """Large flat halls in two rows either side of the site's central service road."""
    rect = shapely.minimum_rotated_rectangle(site_polygon)
    ring = np.asarray(rect.exterior.coords)[:4]
    edges = ring[[1, 2]] - ring[[0, 1]]
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    long_edge = edges[int(np.argmax(lengths))]
    axis = math.degrees(math.atan2(long_edge[0], long_edge[1])) % 180.0
    site_l, site_w = float(lengths.max()), float(lengths.min())
    c = np.asarray(rect.centroid.coords[0])
    phi = math.radians(axis)
    a = np.array([math.sin(phi), math.cos(phi)])
    b = np.array([math.cos(phi), -math.sin(phi)])
    road_half, margin = 12.0, 6.0
    band = site_w / 2 - road_half - margin
    out: list[dict] = []
    if band < 12.0:
        return out
    for side in (-1, 1):
        pos = -site_l / 2 + margin
        while True:
            length = min(rng.uniform(40.0, 110.0), 0.45 * site_l)
            if pos + length > site_l / 2 - margin:
                break
            depth = band * rng.uniform(0.6, 0.95)
            centre = c + (pos + length / 2) * a + side * (road_half + depth / 2) * b
            if rng.random() < fill:
                out.append({"x": centre[0], "y": centre[1], "length_m": max(length, depth),
                            "width_m": min(length, depth), "axis_deg": axis if length >= depth else axis + 90.0,
                            "levels": int(rng.integers(1, 3)), "use": use, "year_built": int(rng.integers(*years)),
                            "roof_shape": "flat", "rng": rng.random()})
            pos += length + rng.uniform(15.0, 30.0)
    return out


def _drop_overlaps(polygons: np.ndarray, obstacles) -> np.ndarray:
    """Keep-mask: drop buildings on obstacles, then every building touching an earlier kept one."""
    keep = ~shapely.intersects(polygons, obstacles) if obstacles is not None else np.ones(len(polygons), bool)
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    neighbours: dict[int, list[int]] = {}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            neighbours.setdefault(i, []).append(j)
    for i in range(len(polygons)):
        if keep[i]:
            for j in neighbours.get(i, ()):
                keep[j] = False
    return keep


def make_buildings(frame: DemoFrame, layout: Layout, terrain: Terrain, obstacles) -> Buildings:
    """Houses along the streets of every settlement, halls on industrial land and brownfields."""
    rng = frame.rng("buildings")
    rows: list[dict] = []
    for settlement in layout.settlements:
        rows.extend(_candidates_along_streets(settlement, rng))
    for site in layout.industrial:
        rows.extend(_halls(site.polygon, rng, "industrial", (1960, 2020), 0.85))
    for site in layout.brownfields:  # a few halls left standing on the former steelworks
        rows.extend(_halls(site.polygon, rng, "industrial", (1890, 1960), 0.3))
    df = pd.DataFrame(rows).drop(columns=["site"], errors="ignore")
    polygons = rectangles(df.x.to_numpy(), df.y.to_numpy(), df.length_m.to_numpy(), df.width_m.to_numpy(),
                          df.axis_deg.to_numpy())
    keep = _drop_overlaps(polygons, obstacles) & shapely.within(polygons, frame.polygon.buffer(-2.0))
    df, polygons = df[keep].reset_index(drop=True), polygons[keep]
    n = len(df)
    # roof pitch and heights
    tilt = np.zeros(n)
    for shape, (lo, hi) in TILT_RANGE_DEG.items():
        m = (df.roof_shape == shape).to_numpy()
        tilt[m] = lo + (hi - lo) * df.rng.to_numpy()[m]
    tilt = np.round(tilt, 1)
    hall = (df.use == "industrial").to_numpy()
    eave = np.where(hall, 7.0 + 4.0 * df.levels.to_numpy() + 4.0 * df.rng.to_numpy(),
                    df.levels.to_numpy() * STOREY_M + PLINTH_M)
    eave = np.where(df.use == "agricultural", 5.5 + 2.0 * df.rng.to_numpy(), eave)
    k = np.tan(np.radians(tilt))
    w, length = df.width_m.to_numpy(), df.length_m.to_numpy()
    rise = np.select([df.roof_shape == "gable", df.roof_shape == "hip", df.roof_shape == "shed"],
                     [w / 2 * k, np.minimum(w, length) / 2 * k, w * k], 0.0)
    side = np.where(df.rng.to_numpy() < 0.5, 1, -1)
    height = np.round(eave + rise, 2)
    base = terrain.sample(df.x.to_numpy(), df.y.to_numpy()).astype(float)
    ids = [f"SYN-B{i + 1:06d}" for i in range(n)]
    roofs = pd.DataFrame({"building_id": ids, "x": df.x, "y": df.y, "length_m": length, "width_m": w,
                          "axis_deg": df.axis_deg, "roof_shape": df.roof_shape, "tilt_deg": tilt, "eave_m": eave,
                          "side": side, "base_m": base, "height_m": height})
    faces = _faces(roofs, frame)
    main_az = faces.sort_values(["building_id", "main"], ascending=[True, False]).drop_duplicates("building_id")
    azimuth = roofs.building_id.map(dict(zip(main_az.building_id, main_az.azimuth_deg, strict=True)))
    footprints = gpd.GeoDataFrame({
        "building_id": ids, "height_m": height, "levels": df.levels.astype("int64"), "use": df.use.astype(str),
        "year_built": df.year_built.astype("int64"), "roof_shape": df.roof_shape.astype(str),
        "roof_tilt_deg": tilt, "roof_azimuth_deg": azimuth.to_numpy(dtype=float)},
        geometry=polygons, crs=frame.crs)
    return Buildings(footprints, roofs, faces.drop(columns=["main"]))


#: Roof faces of each shape: corners in units of (half length, half width, half ridge) along (s, t), the
#: face's downslope azimuth relative to the building axis [deg] (``None``: flat), and whether it can be the
#: building's main face.
_FACE_CORNERS = {
    "flat": [([(-1, 0, 0, -1), (1, 0, 0, -1), (1, 0, 0, 1), (-1, 0, 0, 1)], None, True)],
    "gable": [([(-1, 0, 0, 0), (1, 0, 0, 0), (1, 0, 0, 1), (-1, 0, 0, 1)], 90.0, True),
              ([(-1, 0, 0, 0), (-1, 0, 0, -1), (1, 0, 0, -1), (1, 0, 0, 0)], 270.0, True)],
    "hip": [([(-1, 0, 0, 1), (0, -1, 0, 0), (0, 1, 0, 0), (1, 0, 0, 1)], 90.0, True),
            ([(-1, 0, 0, -1), (1, 0, 0, -1), (0, 1, 0, 0), (0, -1, 0, 0)], 270.0, True),
            ([(1, 0, 0, -1), (1, 0, 0, 1), (0, 1, 0, 0)], 0.0, False),
            ([(-1, 0, 0, 1), (-1, 0, 0, -1), (0, -1, 0, 0)], 180.0, False)],
}


def _faces(roofs: pd.DataFrame, frame: DemoFrame) -> gpd.GeoDataFrame:
    """Roof faces: one per flat or shed roof, two per gable, four per hip (known footprint, tilt, azimuth).

    ``main`` ranks the faces of a building: the long face turned most to the south is its main face.
    """
    parts = []
    for shape in SHAPES:
        sub = roofs[roofs.roof_shape == shape]
        if sub.empty:
            continue
        phi = np.radians(sub.axis_deg.to_numpy())
        a = np.stack([np.sin(phi), np.cos(phi)], axis=-1)
        b = np.stack([np.cos(phi), -np.sin(phi)], axis=-1)
        c = sub[["x", "y"]].to_numpy()
        hl, hw = sub.length_m.to_numpy() / 2, sub.width_m.to_numpy() / 2
        rl = hl - hw
        tilt = sub.tilt_deg.to_numpy() if shape != "flat" else np.zeros(len(sub))
        if shape == "shed":
            spec = [(_FACE_CORNERS["flat"][0][0], None, True)]
        else:
            spec = _FACE_CORNERS[shape]
        for face, (corners, rel_az, can_be_main) in enumerate(spec):
            pts = [c + ((ks * hl + kr * rl)[:, None] * a) + ((kt * hw)[:, None] * b) for ks, kr, _, kt in
                   [(p[0], p[1], p[2], p[3]) for p in corners]]
            ring = np.stack(pts + [pts[0]], axis=1)
            if shape == "shed":
                az = np.where(sub.side.to_numpy() > 0, sub.axis_deg + 90.0, sub.axis_deg + 270.0) % 360.0
            elif rel_az is None:
                az = np.full(len(sub), np.nan)
            else:
                az = (sub.axis_deg.to_numpy() + rel_az) % 360.0
            geoms = shapely.polygons(ring)
            south = -np.abs(((az - 180.0 + 180.0) % 360.0) - 180.0)
            parts.append(pd.DataFrame({
                "building_id": sub.building_id.to_numpy(), "face": face, "tilt_deg": tilt,
                "azimuth_deg": np.round(az, 2), "area_m2": shapely.area(geoms) / np.cos(np.radians(tilt)),
                "roof_shape": shape, "main": np.where(can_be_main, np.nan_to_num(south, nan=0.0), -1000.0),
                "geometry": geoms}))
    faces = pd.concat(parts, ignore_index=True).sort_values(["building_id", "face"], kind="stable")
    faces = faces.reset_index(drop=True)
    return gpd.GeoDataFrame(faces.drop(columns="geometry"), geometry=faces.geometry.to_numpy(), crs=frame.crs)
