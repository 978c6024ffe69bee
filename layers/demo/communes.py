"""Communes tiling the region (Voronoi cells around the towns and spread seeds), named after PRO-SUD."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from layers.demo.frame import DemoFrame
from layers.demo.layout import COMMUNE_NAMES, Layout

#: Fewest communes a demo region has (the 11 PRO-SUD communes, docs/REFERENCES.md).
MIN_COMMUNES = 11


def _spread_seeds(frame: DemoFrame, rng: np.random.Generator, fixed: list[tuple[float, float]], n: int
                  ) -> list[tuple[float, float]]:
    """Best-candidate sampling: each new seed is the candidate farthest from the seeds so far."""
    seeds = list(fixed)
    while len(seeds) < n:
        cand = np.column_stack(frame.xy(rng.uniform(0.03, 0.97, 30), rng.uniform(0.03, 0.97, 30)))
        if seeds:
            s = np.asarray(seeds)
            d = np.hypot(cand[:, None, 0] - s[None, :, 0], cand[:, None, 1] - s[None, :, 1]).min(axis=1)
            seeds.append(tuple(cand[int(np.argmax(d))]))
        else:
            seeds.append(tuple(cand[0]))
    return seeds


def make_communes(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    """≥ 11 commune polygons tiling the region exactly; a town lies in the commune named after it."""
    rng = frame.rng("communes")
    towns = list(layout.towns)
    n = max(MIN_COMMUNES, len(towns))
    seeds = _spread_seeds(frame, rng, [(t.x, t.y) for t in towns], n)
    names = [t.name for t in towns]
    spare = [c for c in COMMUNE_NAMES if c not in names]
    names += [spare[i] if i < len(spare) else f"Commune {len(names) + i + 1}" for i in range(n - len(names))]
    region = frame.polygon
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=region)
    points = shapely.points(seeds)
    geoms = [None] * n
    for cell in cells.geoms:
        hit = np.flatnonzero(shapely.contains(cell, points))
        if len(hit):
            geoms[int(hit[0])] = shapely.intersection(cell, region)
    out = gpd.GeoDataFrame({"name": names, "code": [f"SYN-{i + 1:03d}" for i in range(n)]},
                           geometry=geoms, crs=frame.crs)
    out["area_km2"] = out.geometry.area / 1e6
    return out[["name", "code", "area_km2", "geometry"]]


def make_districts(frame: DemoFrame, layout: Layout) -> gpd.GeoDataFrame:
    """Town quarters: a centre and four sectors of the ring around it (candidate test districts)."""
    names, geoms = [], []
    for town in layout.towns:
        centre = shapely.Point(town.x, town.y).buffer(0.35 * town.radius, 32)
        ring = town.disc.difference(centre)
        names.append(f"{town.name} Centre")
        geoms.append(centre)
        phi = np.radians(town.angle)
        r = 2 * town.radius
        for k, label in enumerate(("Nord", "Est", "Sud", "Ouest")):
            a0, a1 = phi + np.pi / 2 * k - np.pi / 4, phi + np.pi / 2 * k + np.pi / 4
            wedge = shapely.Polygon([(town.x, town.y), (town.x + r * np.sin(a0), town.y + r * np.cos(a0)),
                                     (town.x + r * np.sin(a1), town.y + r * np.cos(a1))])
            names.append(f"{town.name} {label}")
            geoms.append(ring.intersection(wedge))
    out = gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=frame.crs)
    out["geometry"] = out.geometry.intersection(frame.polygon)
    return out[~out.geometry.is_empty].reset_index(drop=True)
