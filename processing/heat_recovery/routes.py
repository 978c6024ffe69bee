"""Candidate source–area pairs and the length of the line that would join them.

A pair is a candidate when the source lies within ``max_distance_m`` of the area (straight line to the
area's edge, 0 inside). Where a road network is given, the line follows the roads: from the source to the
nearest road node, along the shortest road path (Dijkstra, networkx) to the road node at or in the area that
is closest along the network, then straight into the area (on the largest connected part of the network). Where no road path exists, or no roads are given,
the length is the straight distance times a detour factor (the circuity of road travel, Ballou et al. 2002).
A source inside an area needs no transmission line: length 0, drawn to the area's nearest edge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

log = logging.getLogger(__name__)

#: Road nodes within this distance of an area count as reaching it [m].
AREA_SNAP_M = 25.0


@dataclass(frozen=True)
class Route:
    """A line from a source to an area: ``length_m`` [m], its ``geometry`` and how it was found."""

    source: int
    area: int
    straight_m: float
    length_m: float
    geometry: shapely.LineString
    method: str  # "roads" or "straight_line"


def candidate_pairs(sources: gpd.GeoSeries, areas: gpd.GeoSeries, max_distance_m: float) -> list[tuple[int, int, float]]:
    """(source index, area index, straight distance [m]) of every source within ``max_distance_m`` of an area."""
    if not len(sources) or not len(areas):
        return []
    s_idx, a_idx = shapely.STRtree(areas.to_numpy()).query(sources.to_numpy(), predicate="dwithin",
                                                          distance=max_distance_m)
    dist = shapely.distance(sources.to_numpy()[s_idx], areas.to_numpy()[a_idx])
    order = np.lexsort((a_idx, s_idx))
    return [(int(s_idx[k]), int(a_idx[k]), float(dist[k])) for k in order]


class RoadGraph:
    """The road network as a graph whose nodes are line vertices and crossings (lines noded by a union).

    Only the largest connected part is kept, so that a source next to an isolated stretch (a service road, a
    street cut off at the data's edge) snaps to the network that actually links places.
    """

    def __init__(self, roads: gpd.GeoSeries) -> None:
        lines = [g for g in shapely.get_parts(roads.to_numpy()) if g is not None and not g.is_empty
                 and g.geom_type == "LineString"]
        self.graph = nx.Graph()
        if lines:
            noded = shapely.get_parts(shapely.union_all(lines))
            for line in noded:
                coords = np.asarray(line.coords)[:, :2]
                for a, b in zip(map(tuple, coords[:-1]), map(tuple, coords[1:]), strict=True):
                    if a != b:
                        self.graph.add_edge(a, b, weight=float(np.hypot(b[0] - a[0], b[1] - a[1])))
        if self.graph.number_of_nodes():
            self.graph = self.graph.subgraph(max(nx.connected_components(self.graph), key=len)).copy()
        self._nodes = list(self.graph.nodes)
        self._points = shapely.points(np.asarray(self._nodes)) if self._nodes else np.array([], dtype=object)
        self._tree = shapely.STRtree(self._points)

    def __len__(self) -> int:
        return len(self._nodes)

    def nearest(self, point: shapely.Point) -> tuple[tuple[float, float], float]:
        """The road node nearest ``point`` and its distance [m]."""
        i = int(self._tree.nearest(point))
        return self._nodes[i], float(shapely.distance(point, self._points[i]))

    def nodes_reaching(self, area) -> tuple[list[tuple[float, float]], np.ndarray]:
        """Road nodes within :data:`AREA_SNAP_M` of ``area`` (else the nearest one) and their distance to it [m]."""
        hits = self._tree.query(area, predicate="dwithin", distance=AREA_SNAP_M)
        if not len(hits):
            hits = np.atleast_1d(self._tree.nearest(area))
        return [self._nodes[i] for i in hits], shapely.distance(self._points[hits], area)


def route_lines(sources: gpd.GeoSeries, areas: gpd.GeoSeries, pairs: list[tuple[int, int, float]],
                roads: gpd.GeoSeries | None, detour_factor: float, max_distance_m: float) -> list[Route]:
    """The route of every candidate pair (see the module docstring); same order as ``pairs``."""
    graph = RoadGraph(roads) if roads is not None and len(roads) else None
    if graph is not None and not len(graph):
        graph = None
    routes: list[Route] = []
    by_source: dict[int, tuple[dict, dict, tuple, float]] = {}
    for s, a, straight in pairs:
        src, area = sources.iloc[s], areas.iloc[a]
        # a source inside the area needs no transmission line (length 0); its line is drawn to the area's edge
        target = shapely.shortest_line(src, area if straight > 0 else area.boundary)
        route = None
        if graph is not None and straight > 0:
            if s not in by_source:
                node, snap = graph.nearest(src)
                cutoff = detour_factor * max_distance_m * 2.0
                dist, paths = nx.single_source_dijkstra(graph.graph, node, cutoff=cutoff, weight="weight")
                by_source[s] = (dist, paths, node, snap)
            dist, paths, node, snap = by_source[s]
            candidates, to_area = graph.nodes_reaching(area)
            reach = [(dist[c] + d, c) for c, d in zip(candidates, to_area, strict=True) if c in dist]
            if reach:
                total, best = min(reach)
                coords = [tuple(src.coords[0]), *paths[best]]
                end = shapely.shortest_line(shapely.Point(best), area).coords[-1]
                coords.append(tuple(end))
                route = Route(s, a, straight, snap + total, shapely.LineString(_dedupe(coords)), "roads")
        if route is None:
            route = Route(s, a, straight, straight * detour_factor, target, "straight_line")
        routes.append(route)
    return routes


def _dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = [coords[0]]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out
