"""Length of lines inside polygons: street length in a district-heating area, corridor paths in a commune.

Lengths are in the units of the (projected, metre) region CRS.
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.communes import geometry_array


def length_within(polygons, lines) -> np.ndarray:
    """Length of ``lines`` inside each of ``polygons`` [m], 0 where none (GeoDataFrames, GeoSeries or geometry
    sequences; missing geometries count as none).

    A line's part on a polygon's boundary is inside it (the closed polygon), so a line along the edge two
    polygons share counts in both; lines that overlap each other count once each.
    """
    p, ln = geometry_array(polygons), geometry_array(lines)
    out = np.zeros(len(p))
    if not len(p) or not len(ln):
        return out
    pi, li = shapely.STRtree(ln).query(p, predicate="intersects")
    if len(pi):
        np.add.at(out, pi, shapely.length(shapely.intersection(p[pi], ln[li])))
    return out
