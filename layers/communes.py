"""Which commune (or other zone: district units, restriction zones) each feature belongs to — one rule with an
explicit method.

Methods (``method=``):

- ``"representative_point"``: the zone holding a point on the feature's surface (``shapely.point_on_surface``;
  a point is its own). A zone holds the points on its boundary too; where several zones hold the point
  (shared boundary, overlapping zones) the first in row order wins. Every feature gets at most one zone, so
  sums by zone add up to the regional total. Used by the solar roofs (building of the face), the habitat
  cores, the heat-recovery areas, the district candidates and the commune indicators.
- ``"largest_overlap"``: the zone sharing the largest area with a polygon (the longest length with a line;
  a point takes the zone holding it, as above); ties go to the first zone in row order. Used by the wind
  eligible areas and turbine sites.

A zone-per-part rule (clip each feature by the zones) is not offered: the one layer that needs it, the
corridor commune summary, measures each commune's part of each core itself
(:func:`processing.corridors.summary.commune_summary`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely

Method = Literal["representative_point", "largest_overlap"]
METHODS: tuple[str, ...] = ("representative_point", "largest_overlap")


def geometry_array(frame) -> np.ndarray:
    """Geometry array of a GeoDataFrame, GeoSeries or geometry sequence (empty array for ``None``)."""
    if frame is None:
        return np.empty(0, dtype=object)
    if hasattr(frame, "geometry"):
        frame = frame.geometry
    return np.asarray(frame, dtype=object)


def representative_points(features) -> np.ndarray:
    """A point guaranteed inside each geometry (the point itself for points)."""
    return shapely.point_on_surface(geometry_array(features))


def unit_of_points(zones, points) -> np.ndarray:
    """Index of the zone holding each point (boundary included; the first zone by row order when several
    do), -1 when none."""
    z, pts = geometry_array(zones), geometry_array(points)
    out = np.full(len(pts), -1, dtype=int)
    if not len(z) or not len(pts):
        return out
    pi, zi = shapely.STRtree(z).query(pts, predicate="intersects")
    order = np.lexsort((zi, pi))  # first zone per point, deterministically: pairs sorted by (point, zone)
    pi, zi = pi[order], zi[order]
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = zi[first]
    return out


def zone_index(features, zones, method: Method = "representative_point") -> np.ndarray:
    """Index (row position) of the zone each feature belongs to under ``method`` (module docstring), -1 when
    it lies outside every zone."""
    if method == "representative_point":
        return unit_of_points(zones, representative_points(features))
    if method != "largest_overlap":
        raise ValueError(f"unknown commune method {method!r}; use one of {', '.join(METHODS)}")
    g, z = geometry_array(features), geometry_array(zones)
    out = np.full(len(g), -1, dtype=int)
    if not len(g) or not len(z):
        return out
    fi, zi = shapely.STRtree(z).query(g, predicate="intersects")
    if not len(fi):
        return out
    pieces = shapely.intersection(g[fi], z[zi])
    dim = shapely.get_dimensions(g[fi])
    measure = np.where(dim == 2, shapely.area(pieces), np.where(dim == 1, shapely.length(pieces), 1.0))
    order = np.lexsort((zi, -measure, fi))  # per feature: largest measure first, then the first zone
    fi, zi = fi[order], zi[order]
    first = np.unique(fi, return_index=True)[1]
    out[fi[first]] = zi[first]
    return out


def commune_of(features, communes, method: Method = "representative_point", field: str = "name") -> np.ndarray:
    """The commune ``field`` (its name by default) of each feature under ``method`` (module docstring), as an
    object array; ``None`` outside every commune, and for every feature when there are no communes or they
    lack ``field``."""
    out = np.full(len(geometry_array(features)), None, dtype=object)
    if communes is None or not len(communes) or field not in communes.columns or not len(out):
        if method not in METHODS:
            raise ValueError(f"unknown commune method {method!r}; use one of {', '.join(METHODS)}")
        return out
    idx = zone_index(features, communes, method)
    names = communes[field].astype(str).to_numpy()
    out[idx >= 0] = names[idx[idx >= 0]]
    return out
