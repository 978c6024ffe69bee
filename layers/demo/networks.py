"""Linear networks of the demo region: roads by class, railways and tram, power lines, waterways, street
lights along urban roads and transit stops on them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point
from shapely.ops import unary_union

from layers.demo.frame import DemoFrame
from layers.demo.layout import Layout, Settlement, _meander, street_grid

#: Distance between street lights along urban roads [m].
STREETLIGHT_SPACING_M = 30.0
#: Lateral offset of a lamp from the road centre line [m].
STREETLIGHT_OFFSET_M = 6.0
#: Luminous flux [lm] and mounting height [m] of lamps on residential and main roads.
STREETLIGHT_LAMP = {"residential": (3000.0, 6.0), "main": (8000.0, 10.0)}
#: Distance between bus stops along a road [m].
BUS_STOP_SPACING_M = 350.0
#: Half-width of the corridor kept free of buildings along each road class and railway [m].
CLEARANCE_M = {"motorway": 30.0, "primary": 12.0, "secondary": 9.0, "service": 8.0, "rail": 15.0}


@dataclass(frozen=True)
class Networks:
    roads: gpd.GeoDataFrame
    railways: gpd.GeoDataFrame
    power_lines: gpd.GeoDataFrame
    waterways: gpd.GeoDataFrame
    streetlights: gpd.GeoDataFrame
    transit_stops: gpd.GeoDataFrame
    obstacles: shapely.Geometry
    """Where buildings may not stand: road and rail corridors, river banks, the lake, the airfield."""


def _route(frame: DemoFrame, start, end) -> LineString:
    """Straight link, or a two-leg link through the inner corner of the built-up L when it would cross the
    open north-east block."""
    line = LineString([start, end])
    if line.intersects(frame.open_core.buffer(frame.open_core_setback_m * 0.5)):
        return LineString([start, frame.open_core_corner, end])
    return line


def _mst_edges(points: np.ndarray) -> list[tuple[int, int]]:
    if len(points) < 2:
        return []
    d = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    tree = minimum_spanning_tree(d).tocoo()
    return sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True))


def _roads(frame: DemoFrame, layout: Layout, rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows: list[tuple[str, str | None, LineString]] = []
    motorway = _meander(frame, rng, frame.xy(0.0, 0.13), frame.xy(1.0, 0.17), 0.01 * frame.width_m, step=50.0)
    rows.append(("motorway", "A13 (synthetic)", motorway))
    towns = layout.towns or layout.settlements
    centres = np.array([(s.x, s.y) for s in towns])
    for n, (i, j) in enumerate(_mst_edges(centres), start=1):
        rows.append(("primary", f"N{30 + n} (synthetic)", _route(frame, tuple(centres[i]), tuple(centres[j]))))
    for n, town in enumerate(towns, start=1):  # every town reaches the motorway
        p = motorway.interpolate(motorway.project(Point(town.x, town.y)))
        rows.append(("secondary", f"CR{100 + n} (synthetic)", _route(frame, (town.x, town.y), (p.x, p.y))))
    villages = [s for s in layout.settlements if s.kind == "village"]
    for n, village in enumerate(villages, start=1):
        near = min(layout.settlements, key=lambda s: math.inf if s is village or s.kind == "village"
                   else math.hypot(s.x - village.x, s.y - village.y))
        rows.append(("secondary", f"CR{200 + n} (synthetic)", _route(frame, (village.x, village.y), (near.x, near.y))))
    for settlement in layout.settlements:
        rows.extend(("residential", None, line) for line in street_grid(settlement))
    for site in layout.industrial:
        r = shapely.minimum_rotated_rectangle(site.polygon)
        c = np.asarray(r.exterior.coords)[:4]
        mids = [(c[k] + c[(k + 1) % 4]) / 2 for k in range(4)]
        i = int(np.argmin([np.linalg.norm(c[k] - c[(k + 1) % 4]) for k in range(4)]))
        rows.append(("service", None, LineString([tuple(mids[i]), tuple(mids[(i + 2) % 4])])))
    region = frame.polygon
    geoms = [shapely.intersection(g, region) for _, _, g in rows]
    frame_rows = [(cls, name, g) for (cls, name, _), g in zip(rows, geoms, strict=True) if not g.is_empty]
    return gpd.GeoDataFrame({"road_class": [r[0] for r in frame_rows], "name": [r[1] for r in frame_rows]},
                            geometry=[r[2] for r in frame_rows], crs=frame.crs)


def _railways(frame: DemoFrame, layout: Layout, rng: np.random.Generator) -> gpd.GeoDataFrame:
    town = max(layout.towns or layout.settlements, key=lambda s: s.radius)
    _, v_town = frame.uv(town.x, town.y)
    v_max = 0.58 - frame.open_core_setback_m / frame.height_m - 0.02
    west = frame.xy(0.0, float(np.clip(v_town - 0.05, 0.05, 0.95)))
    east = frame.xy(1.0, float(np.clip(v_town + 0.04, 0.05, v_max)))
    legs = [_meander(frame, rng, west, (town.x, town.y), 0.01 * frame.width_m, step=50.0),
            _meander(frame, rng, (town.x, town.y), east, 0.01 * frame.width_m, step=50.0)]
    rail = shapely.line_merge(shapely.union_all(legs))
    phi = math.radians(town.angle)
    r = 0.9 * town.radius
    tram = LineString([(town.x - r * math.sin(phi), town.y - r * math.cos(phi)),
                       (town.x + r * math.sin(phi), town.y + r * math.cos(phi))])
    rows = [("rail", rail), ("tram", tram)]
    if layout.brownfields:  # the old ore railway from the former steelworks to the nearest edge
        c = layout.brownfields[0].polygon.centroid
        xmin, ymin, xmax, ymax = frame.bounds
        edges = [(xmin, c.y), (xmax, c.y), (c.x, ymin), (c.x, ymax)]
        edge = min(edges, key=lambda e: math.hypot(e[0] - c.x, e[1] - c.y))
        rows.append(("disused", _route(frame, (c.x, c.y), edge)))
    region = frame.polygon
    return gpd.GeoDataFrame({"kind": [k for k, _ in rows]}, geometry=[shapely.intersection(g, region) for _, g in rows],
                            crs=frame.crs)


def _power_lines(frame: DemoFrame, layout: Layout, rng: np.random.Generator) -> gpd.GeoDataFrame:
    main = _meander(frame, rng, frame.xy(0.10, 1.0), frame.xy(0.14, 0.0), 0.01 * frame.width_m, step=100.0)
    substation = main.interpolate(0.5, normalized=True)
    rows = [(220.0, main)]
    for town in layout.towns:
        line = _route(frame, (substation.x, substation.y), (town.x, town.y)).difference(town.disc)
        if not line.is_empty:
            rows.append((65.0, line))
    for village in (s for s in layout.settlements if s.kind == "village"):
        near = min(layout.towns or layout.settlements, key=lambda s: math.hypot(s.x - village.x, s.y - village.y))
        line = _route(frame, (near.x, near.y), (village.x, village.y)).difference(near.disc.union(village.disc))
        if not line.is_empty:
            rows.append((20.0, line))
    return gpd.GeoDataFrame({"voltage_kv": [v for v, _ in rows]},
                            geometry=[shapely.intersection(g, frame.polygon) for _, g in rows], crs=frame.crs)


def _waterways(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    rivers = [r for r in layout.rivers]
    lines = [shapely.intersection(r.line, frame.polygon).difference(layout.lake) for r in rivers]
    return gpd.GeoDataFrame({"waterway": [r.kind for r in rivers], "name": [r.name for r in rivers],
                             "width_m": [r.width_m for r in rivers]}, geometry=lines, crs=frame.crs)


def _points_along(lines, spacing: float, start: float, offset: float = 0.0) -> np.ndarray:
    """Points every ``spacing`` [m] along each line, shifted ``offset`` [m] to its left."""
    out = []
    for line in lines:
        for part in getattr(line, "geoms", [line]):
            if part.length <= start:
                continue
            d = np.arange(start, part.length, spacing)
            p = shapely.get_coordinates(shapely.line_interpolate_point(part, d))
            q = shapely.get_coordinates(shapely.line_interpolate_point(part, np.minimum(d + 0.5, part.length)))
            r = shapely.get_coordinates(shapely.line_interpolate_point(part, np.maximum(d - 0.5, 0.0)))
            tangent = q - r
            norm = np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
            normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / np.where(norm > 0, norm, 1.0)
            out.append(p + offset * normal)
    return np.concatenate(out) if out else np.empty((0, 2))


def _streetlights(frame: DemoFrame, roads: gpd.GeoDataFrame, settlements: tuple[Settlement, ...]
                  ) -> gpd.GeoDataFrame:
    built = unary_union([s.disc for s in settlements])
    parts = []
    for kind, classes in (("residential", ("residential", "service")), ("main", ("primary", "secondary"))):
        lines = roads.geometry[roads.road_class.isin(classes)].intersection(built)
        pts = _points_along([g for g in lines if not g.is_empty], STREETLIGHT_SPACING_M, 5.0, STREETLIGHT_OFFSET_M)
        flux, height = STREETLIGHT_LAMP[kind]
        parts.append(gpd.GeoDataFrame({"flux_lm": np.full(len(pts), flux), "height_m": np.full(len(pts), height)},
                                      geometry=shapely.points(pts), crs=frame.crs))
    lights = gpd.GeoDataFrame(pd_concat(parts), crs=frame.crs)
    return lights[lights.within(frame.polygon)].reset_index(drop=True)


def pd_concat(frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def _thin(points: np.ndarray, min_distance: float) -> np.ndarray:
    """Drop points closer than ``min_distance`` [m] to an earlier one."""
    if len(points) == 0:
        return points
    keep = np.ones(len(points), dtype=bool)
    for i, j in sorted(cKDTree(points).query_pairs(min_distance)):
        if keep[i] and keep[j]:
            keep[j] = False
    return points[keep]


def _transit_stops(frame: DemoFrame, layout: Layout, roads: gpd.GeoDataFrame, railways: gpd.GeoDataFrame
                   ) -> gpd.GeoDataFrame:
    rows: list[tuple[str, str | None, Point]] = []
    rail = railways.geometry[railways.kind == "rail"].union_all()
    for town in layout.towns:
        centre = Point(town.x, town.y)
        if rail.distance(centre) < 700.0:
            rows.append(("rail", f"{town.name} Gare", rail.interpolate(rail.project(centre))))
    for tram in railways.geometry[railways.kind == "tram"]:
        for k, (x, y) in enumerate(_points_along([tram], 350.0, 0.0)):
            rows.append(("tram", f"Tram {k + 1}", Point(x, y)))
    built = unary_union([s.disc for s in layout.settlements])
    lines = roads.geometry[roads.road_class.isin(("primary", "secondary", "residential"))].intersection(built)
    bus = _thin(_points_along([g for g in lines if not g.is_empty], BUS_STOP_SPACING_M, 60.0, 4.0), 200.0)
    rows.extend(("bus", f"Arrêt {k + 1}", Point(x, y)) for k, (x, y) in enumerate(bus))
    stops = gpd.GeoDataFrame({"mode": [r[0] for r in rows], "name": [r[1] for r in rows]},
                             geometry=[r[2] for r in rows], crs=frame.crs)
    return stops[stops.within(frame.polygon)].reset_index(drop=True)


def make_networks(frame: DemoFrame, layout: Layout) -> Networks:
    """Roads, railways, power lines, waterways, street lights and transit stops."""
    rng = frame.rng("networks")
    roads = _roads(frame, layout, rng)
    railways = _railways(frame, layout, rng)
    power = _power_lines(frame, layout, rng)
    waterways = _waterways(frame, layout)
    lights = _streetlights(frame, roads, layout.settlements)
    stops = _transit_stops(frame, layout, roads, railways)
    corridors = [roads.geometry[roads.road_class == c].buffer(CLEARANCE_M[c]).union_all()
                 for c in ("motorway", "primary", "secondary", "service")]
    corridors.append(railways.geometry[railways.kind == "rail"].buffer(CLEARANCE_M["rail"]).union_all())
    corridors += [r.line.buffer(r.width_m / 2 + 10.0) for r in layout.rivers]
    corridors += [layout.lake.buffer(15.0), layout.airfield.polygon.buffer(30.0)]
    return Networks(roads, railways, power, waterways, lights, stops, unary_union([c for c in corridors if c]))
