"""The 1 m surface model over the built-up area: ground from the terrain model plus every roof, written
window by window so memory is set by the window, not the region."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from layers.demo.buildings import rectangles, roof_height
from layers.demo.frame import DemoFrame
from layers.demo.terrain import Terrain
from layers.grid import Grid

#: DSM cell size [m].
DSM_RES_M = 1.0
#: Margin around the buildings' bounding box [m].
DSM_MARGIN_M = 20.0
#: Window edge [cells]; a multiple of the GeoTIFF block size.
WINDOW_CELLS = 1024


def dsm_grid(frame: DemoFrame, roofs: pd.DataFrame) -> Grid:
    """The 1 m grid over the buildings' bounding box (plus a margin), inside the region."""
    if roofs.empty:
        return Grid(frame.bounds, DSM_RES_M, frame.crs)
    half = np.hypot(roofs.length_m, roofs.width_m) / 2
    xmin, ymin, xmax, ymax = frame.bounds
    b = (max(xmin, float((roofs.x - half).min()) - DSM_MARGIN_M), max(ymin, float((roofs.y - half).min()) - DSM_MARGIN_M),
         min(xmax, float((roofs.x + half).max()) + DSM_MARGIN_M), min(ymax, float((roofs.y + half).max()) + DSM_MARGIN_M))
    return Grid(b, DSM_RES_M, frame.crs)


def _burn_roofs(block: np.ndarray, transform, roofs: pd.DataFrame, idx: np.ndarray) -> None:
    """Write ``base + roof surface`` into ``block`` on the cells whose centres fall in each footprint."""
    rows, cols = block.shape
    inv = ~transform
    for r in roofs.iloc[idx].itertuples(index=False):
        half = math.hypot(r.length_m, r.width_m) / 2
        c0, r0 = inv @ (r.x - half, r.y + half)
        c1, r1 = inv @ (r.x + half, r.y - half)
        c0, r0 = max(0, math.floor(c0)), max(0, math.floor(r0))
        c1, r1 = min(cols, math.ceil(c1)), min(rows, math.ceil(r1))
        if c0 >= c1 or r0 >= r1:
            continue
        x = (transform.c + (np.arange(c0, c1) + 0.5) * transform.a)[None, :]
        y = (transform.f + (np.arange(r0, r1) + 0.5) * transform.e)[:, None]
        phi = math.radians(r.axis_deg)
        dx, dy = x - r.x, y - r.y
        s = dx * math.sin(phi) + dy * math.cos(phi)
        t = dx * math.cos(phi) - dy * math.sin(phi)
        inside = (np.abs(s) <= r.length_m / 2) & (np.abs(t) <= r.width_m / 2)
        if not inside.any():
            continue
        z = r.base_m + roof_height(r.roof_shape, s, t, r.length_m, r.width_m, r.tilt_deg, r.eave_m, r.side)
        sub = block[r0:r1, c0:c1]
        sub[inside] = z[inside]


def write_dsm(path: Path, frame: DemoFrame, terrain: Terrain, roofs: pd.DataFrame, profile: dict,
              tags: dict[str, str]) -> Grid:
    """Write the DSM GeoTIFF at ``path`` window by window; return its grid."""
    grid = dsm_grid(frame, roofs)
    footprints = rectangles(roofs.x.to_numpy(), roofs.y.to_numpy(), roofs.length_m.to_numpy(),
                            roofs.width_m.to_numpy(), roofs.axis_deg.to_numpy())
    tree = shapely.STRtree(footprints)
    prof = {**profile, "width": grid.width, "height": grid.height, "transform": grid.transform,
            "crs": grid.crs.to_wkt()}
    with rasterio.open(path, "w", **prof) as dst:
        dst.update_tags(**tags)
        for window, _ in grid.windows(WINDOW_CELLS):
            wt = window_transform(window, grid.transform)
            block = terrain.sample_window(wt, window.height, window.width)
            x0, y1 = wt @ (0, 0)
            x1, y0 = wt @ (window.width, window.height)
            idx = tree.query(shapely.box(x0, y0, x1, y1))
            if len(idx):
                _burn_roofs(block, wt, roofs, np.sort(idx))
            dst.write(block.astype(np.float32), 1, window=Window(window.col_off, window.row_off,
                                                                 window.width, window.height))
    return grid
