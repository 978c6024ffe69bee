"""Standing water and wetlands: the lake, a few ponds, and wet meadows and reed beds along the rivers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import unary_union

from layers.demo.frame import DemoFrame
from layers.demo.layout import Layout, _ellipse


def _built(layout: Layout):
    return unary_union([s.disc for s in layout.settlements] + [s.polygon for s in layout.industrial]
                       + [s.polygon for s in layout.brownfields] + [layout.airfield.polygon])


def make_water_bodies(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    """The lake (> 50 ha at the default size) and 2–4 ponds in valley floors (old mining pits, fish ponds)."""
    rng = frame.rng("water_bodies")
    names, geoms = ["Lac du Minett (synthetic)"], [layout.lake]
    blocked = _built(layout).buffer(30.0).union(layout.lake.buffer(100.0))
    n_ponds = max(2, round(3 * frame.scale))
    for river in layout.rivers:
        for f in rng.uniform(0.1, 0.9, size=4):
            if len(geoms) > n_ponds:
                break
            p = river.line.interpolate(f, normalized=True)
            offset = rng.uniform(25.0, 45.0) * rng.choice([-1, 1])
            pond = _ellipse(p.x + offset, p.y, rng.uniform(40.0, 90.0), rng.uniform(25.0, 45.0), rng.uniform(0, 180))
            pond = pond.difference(river.line.buffer(river.width_m / 2 + 5.0))
            if pond.is_empty or pond.intersects(blocked) or not frame.polygon.contains(pond):
                continue
            names.append(None)
            geoms.append(pond)
            blocked = blocked.union(pond.buffer(50.0))
    return gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=frame.crs)


def make_wetlands(frame: DemoFrame, layout: Layout, water_bodies: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Elongated wet meadows along the rivers outside built-up land, and a reed bed at the lake's end."""
    rng = frame.rng("wetlands")
    ls = frame.linear_scale
    blocked = _built(layout).buffer(20.0)
    water = water_bodies.geometry.union_all()
    geoms, names = [], []
    for river in layout.rivers:
        for d in np.arange(150.0, river.line.length - 150.0, 450.0 * ls):
            if rng.random() > 0.55:
                continue
            p = river.line.interpolate(d)
            q = river.line.interpolate(d + 5.0)
            angle = float(np.degrees(np.arctan2(q.x - p.x, q.y - p.y)))
            patch = _ellipse(p.x, p.y, rng.uniform(120.0, 260.0) * ls, rng.uniform(35.0, 70.0) * ls, angle)
            patch = patch.difference(river.line.buffer(river.width_m / 2)).difference(blocked).difference(water)
            patch = shapely.intersection(patch, frame.polygon)
            if patch.area > 2000.0:
                geoms.append(patch)
                names.append(None)
    c = layout.lake.centroid
    reed = layout.lake.buffer(60.0 * ls).difference(layout.lake).intersection(
        shapely.Point(c.x, c.y).buffer(layout.lake.length / 2 / np.pi * 1.4)).difference(blocked)
    reed = shapely.intersection(reed, frame.polygon)
    if not reed.is_empty:
        geoms.append(reed)
        names.append("Roselière du lac (synthetic)")
    merged = shapely.union_all(geoms)
    parts = list(getattr(merged, "geoms", [merged]))
    named = shapely.union_all([g for g, n in zip(geoms, names, strict=True) if n]) if any(names) else None
    out_names = ["Roselière du lac (synthetic)" if named is not None and p.intersects(named) else None for p in parts]
    return gpd.GeoDataFrame({"name": out_names}, geometry=parts, crs=frame.crs)
