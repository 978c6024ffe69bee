"""Synthetic terrain: limestone plateaus cut by river valleys, 270–430 m, like the Minett's cuesta landscape.

The terrain is modelled on a coarse grid (:data:`COARSE_RES_M`) and sampled bilinearly at any resolution, so
the 5 m DEM and the 1 m DSM's ground agree and both are written window by window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from rasterio import features
from scipy import ndimage
from scipy.spatial import cKDTree

from layers.demo.frame import DemoFrame
from layers.demo.layout import LAKE_LEVEL_M, Layout
from layers.grid import Grid

#: Cell size of the terrain model and of the land-cover/geology classification grid [m].
COARSE_RES_M = 20.0
#: Elevation range of the region [m] (SRTM, docs/REFERENCES.md: roughly 270–430 m).
ELEVATION_RANGE_M = (272.0, 428.0)
#: Mean plateau elevation [m] and its variation [m].
PLATEAU_MEAN_M, PLATEAU_AMPLITUDE_M = 392.0, 30.0
#: Horizontal length of a valley side, from floor to plateau edge [m].
VALLEY_SIDE_M = 650.0
#: Correlation length of the plateau undulation [m].
PLATEAU_CORRELATION_M = 900.0


@dataclass(frozen=True)
class Terrain:
    """The terrain model on a coarse grid.

    Attributes
    ----------
    grid : the coarse grid.
    elevation : ground elevation [m] at coarse cell centres.
    valley : 0 on a valley floor rising to 1 on the plateau [-] (drives geology and land cover).
    """

    grid: Grid
    elevation: np.ndarray
    valley: np.ndarray

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Ground elevation [m] at region-CRS points, bilinear between coarse cell centres."""
        inv = ~self.grid.transform
        col, row = inv @ (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return ndimage.map_coordinates(self.elevation, [np.asarray(row) - 0.5, np.asarray(col) - 0.5], order=1,
                                       mode="nearest").astype(np.float32)

    def sample_window(self, transform: Affine, rows: int, cols: int) -> np.ndarray:
        """Ground elevation [m] at the cell centres of a north-up window given by its transform and shape.

        Separable bilinear interpolation (columns, then rows): the same values as :meth:`sample`, faster.
        """
        inv = ~self.grid.transform
        c_first, r_first = (inv @ transform) @ (0.5, 0.5)
        step_c, step_r = transform.a / self.grid.res, -transform.e / self.grid.res
        n_r, n_c = self.elevation.shape
        fc = np.clip(c_first + step_c * np.arange(cols) - 0.5, 0.0, n_c - 1.0)
        fr = np.clip(r_first + step_r * np.arange(rows) - 0.5, 0.0, n_r - 1.0)
        c0 = np.minimum(fc.astype(int), n_c - 2) if n_c > 1 else np.zeros(cols, int)
        r0 = np.minimum(fr.astype(int), n_r - 2) if n_r > 1 else np.zeros(rows, int)
        wc, wr = (fc - c0).astype(np.float32), (fr - r0)[:, None].astype(np.float32)
        lo, hi = int(r0.min()), int(r0.max()) + 2
        band = self.elevation[lo:hi]
        across = band[:, c0] * (1.0 - wc) + band[:, np.minimum(c0 + 1, n_c - 1)] * wc
        return (across[r0 - lo] * (1.0 - wr) + across[np.minimum(r0 - lo + 1, len(across) - 1)] * wr).astype(np.float32)


def _cell_centres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = grid.shape
    c, r = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    return grid.transform @ (c, r)


def make_terrain(frame: DemoFrame, layout: Layout) -> Terrain:
    """Plateau undulation minus one carved valley per waterway; the lake is flat at its lowest shore."""
    rng = frame.rng("terrain")
    grid = Grid(frame.bounds, COARSE_RES_M, frame.crs)
    rows, cols = grid.shape
    noise = ndimage.gaussian_filter(rng.standard_normal((rows, cols)), PLATEAU_CORRELATION_M / COARSE_RES_M,
                                    mode="reflect")
    noise /= max(np.abs(noise).max(), 1e-9)
    x, y = _cell_centres(grid)
    u, _ = frame.uv(x, y)
    plateau = PLATEAU_MEAN_M + PLATEAU_AMPLITUDE_M * noise + 8.0 * (0.5 - u)  # a little higher to the west
    elevation = plateau.copy()
    valley = np.ones_like(plateau)
    points = np.column_stack([x.ravel(), y.ravel()])
    for river in layout.rivers:
        length = river.line.length
        chain = np.linspace(0.0, length, max(2, int(length / 10.0)))
        line_pts = shapely.get_coordinates(shapely.line_interpolate_point(river.line, chain))
        floor_pts = river.floor_up_m + (river.floor_down_m - river.floor_up_m) * chain / length
        reach = river.valley_m + VALLEY_SIDE_M + 2 * COARSE_RES_M  # beyond it the plateau is untouched
        d, idx = cKDTree(line_pts).query(points, distance_upper_bound=reach)
        d = np.minimum(d, reach).reshape(rows, cols)
        floor = floor_pts[np.minimum(idx, len(floor_pts) - 1)].reshape(rows, cols)
        t = np.clip((d - river.valley_m) / VALLEY_SIDE_M, 0.0, 1.0)
        s = t * t * (3.0 - 2.0 * t)
        carved = floor + (plateau - floor) * s
        elevation = np.minimum(elevation, carved)
        valley = np.minimum(valley, s)
    lake = features.rasterize([(layout.lake, 1)], out_shape=(rows, cols), transform=grid.transform,
                              dtype="uint8").astype(bool)
    if lake.any():  # a basin around the lake, its surface flat
        t = np.clip(ndimage.distance_transform_edt(~lake) * COARSE_RES_M / VALLEY_SIDE_M, 0.0, 1.0)
        s = t * t * (3.0 - 2.0 * t)
        elevation = np.minimum(elevation, LAKE_LEVEL_M + (plateau - LAKE_LEVEL_M) * s)
        elevation[lake] = elevation[lake].min()
        valley = np.minimum(valley, s)
    elevation = np.clip(elevation, *ELEVATION_RANGE_M).astype(np.float32)
    return Terrain(grid, elevation, valley.astype(np.float32))
