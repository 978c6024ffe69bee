"""Eligible areas: the region's cells that no rule excludes, as polygons above a minimum area."""

from __future__ import annotations

import numpy as np
import shapely
from rasterio import features
from scipy import ndimage

from layers.grid import Grid

#: 4-connectivity: cells sharing an edge belong to one area (as rasterio's polygonisation).
FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)


def eligible_labels(eligible: np.ndarray, res: float, min_area_ha: float) -> tuple[np.ndarray, np.ndarray]:
    """Connected eligible patches at least ``min_area_ha`` [ha] large.

    Returns ``labels`` (int32, 0 outside kept patches, 1..n inside) and ``area_ha`` [ha] per label 1..n.
    """
    labels, n = ndimage.label(eligible, structure=FOUR_CONNECTED)
    cells = np.bincount(labels.ravel(), minlength=n + 1)
    area = cells * res ** 2 / 1e4
    keep = area >= min_area_ha
    keep[0] = False
    remap = np.zeros(n + 1, dtype=np.int32)
    remap[keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    return remap[labels], area[keep]


def label_polygons(labels: np.ndarray, grid: Grid) -> dict[int, shapely.Geometry]:
    """Polygon of every label > 0 of ``labels`` on ``grid``."""
    out: dict[int, shapely.Geometry] = {}
    for geom, value in features.shapes(labels, mask=labels > 0, transform=grid.transform, connectivity=4):
        out[int(value)] = shapely.geometry.shape(geom)
    return out
