"""Barriers: where least-cost paths cross roads, railways, lit areas or (blue network) river obstacles.

Each crossing is a point on the path; the list is ranked by the importance of the link it cuts (dPC of the
link, the share of the network's connectivity the link carries) and then by the barrier's resistance, so
rank 1 is the crossing whose fixing (a wildlife crossing, a fish pass, dimming) gains the most.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

BARRIER_COLUMNS = ["network", "barrier_id", "kind", "detail", "link_id", "resistance", "dpc_link_pct",
                   "importance_rank", "geometry"]


def _points(geom: BaseGeometry) -> list[Point]:
    """Crossing points of an intersection: its points, or a representative point of each overlapping piece."""
    if geom.is_empty:
        return []
    if geom.geom_type == "Point":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _points(g)]
    return [geom.representative_point()]


def _line_crossings(paths: gpd.GeoDataFrame, lines: gpd.GeoDataFrame | None, column: str,
                    table: Mapping[str, float | None], kind: str) -> list[dict]:
    if lines is None or len(lines) == 0 or len(paths) == 0:
        return []
    vals = lines[column].map(lambda k: table.get(k)).astype(float)
    lines = lines[vals.notna().to_numpy()]
    vals = vals[vals.notna()].to_numpy()
    if len(lines) == 0:
        return []
    path_idx, line_idx = lines.sindex.query(paths.geometry.values, predicate="intersects")
    rows = []
    for p, q in zip(path_idx, line_idx):
        inter = paths.geometry.iloc[p].intersection(lines.geometry.iloc[q])
        for pt in _points(inter):
            rows.append({"kind": kind, "detail": str(lines[column].iloc[q]), "link_id": paths["link_id"].iloc[p],
                         "resistance": float(vals[q]), "dpc_link_pct": float(paths["dpc_link_pct"].iloc[p]),
                         "geometry": pt})
    return rows


def _lit_crossings(paths: gpd.GeoDataFrame, lit: BaseGeometry | None, strong: BaseGeometry | None,
                   factors: tuple[float, float]) -> list[dict]:
    if lit is None or lit.is_empty:
        return []
    rows = []
    for geom, link_id, dpc in zip(paths.geometry, paths["link_id"], paths["dpc_link_pct"]):
        inter = geom.intersection(lit)
        pieces = list(inter.geoms) if hasattr(inter, "geoms") else [inter]
        for piece in pieces:
            if piece.is_empty or piece.length == 0:
                continue
            is_strong = strong is not None and piece.intersects(strong)
            rows.append({"kind": "light", "detail": "strong" if is_strong else "avoided", "link_id": link_id,
                         "resistance": factors[0] if is_strong else factors[1],
                         "dpc_link_pct": float(dpc), "geometry": piece.interpolate(0.5, normalized=True)})
    return rows


def find_barriers(network: str, paths: gpd.GeoDataFrame, *, roads: gpd.GeoDataFrame | None,
                  railways: gpd.GeoDataFrame | None, road_table: Mapping[str, float | None],
                  rail_table: Mapping[str, float | None], lit: BaseGeometry | None = None,
                  strong_lit: BaseGeometry | None = None,
                  light_factors: tuple[float, float] = (1.0, 1.0)) -> gpd.GeoDataFrame:
    """Barrier points of one network's paths (``link_id`` and ``dpc_link_pct`` columns), ranked.

    Roads and railways count where the network's table gives them a barrier resistance; on the blue network
    they are river obstacles (culverts, bridges, weirs at crossings). Lit stretches count on the black
    network (``lit``: the area avoided by bats; ``detail`` says whether the stretch reaches the strong zone;
    ``resistance`` is then the light's resistance multiplier, ``light_factors`` = (strong, avoided)).
    """
    road_kind, rail_kind = ("river_obstacle", "river_obstacle") if network == "blue" else ("road", "railway")
    rows = (_line_crossings(paths, roads, "road_class", road_table, road_kind)
            + _line_crossings(paths, railways, "kind", rail_table, rail_kind))
    if network == "black":
        rows += _lit_crossings(paths, lit, strong_lit, light_factors)
    crs = paths.crs
    if not rows:
        data = {c: pd.Series([], dtype="float64" if c in ("resistance", "dpc_link_pct") else
                             "int64" if c == "importance_rank" else "object") for c in BARRIER_COLUMNS[:-1]}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    frame = frame.assign(_x=frame.geometry.x.round(1), _y=frame.geometry.y.round(1))
    frame = frame.drop_duplicates(["kind", "link_id", "_x", "_y"])
    frame = frame.sort_values(["dpc_link_pct", "resistance", "link_id", "_x", "_y"],
                              ascending=[False, False, True, True, True]).drop(columns=["_x", "_y"])
    frame = frame.reset_index(drop=True)
    frame["network"] = network
    frame["importance_rank"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    frame["barrier_id"] = [f"{network}-b{i:04d}" for i in frame["importance_rank"]]
    return frame[BARRIER_COLUMNS]
