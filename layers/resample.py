"""Read any raster onto an analysis grid: one shared function, the resampling method chosen by the layer's nature.

Every analysis works on a :class:`~layers.grid.Grid` (square cells in the region CRS). Its raster inputs
(a 1 m surface model, a 30" SRTM tile, a 500 m wind atlas, a class map) come at their own resolution and
possibly in another CRS; :func:`read_on_grid` resamples one window of the grid at a time through a GDAL
``WarpedVRT`` whose output grid *is* the analysis grid, so only the source pixels under that window are read.

The method, unless the caller names one (:func:`choose_resampling`):

============================  ==========  ====================================================================
raster                        method      why
============================  ==========  ====================================================================
categorical (class codes)     nearest     a class code cannot be interpolated; each cell takes the class under
                                          its centre (pass ``Resampling.mode`` explicitly for the majority)
continuous, grid finer        bilinear    interpolates between source cell centres instead of repeating blocks
or equal                                  (an aligned grid of the same cell size gets the source values exactly)
continuous, grid coarser      average     each cell is the area-weighted mean of the source cells it covers,
                                          so totals and means are kept instead of sampling one source cell
============================  ==========  ====================================================================

"Finer" and "coarser" compare the grid's cell size with the source's mean cell size expressed in the grid
CRS (the source bounds transformed to the grid CRS, divided by its columns and rows).

Whether a raster is categorical comes from the caller (``categorical=``) or from the catalog
(:func:`is_categorical` on the layer's :class:`~layers.catalog.spec.LayerSpec`).
"""

from __future__ import annotations

import math

import numpy as np
import rasterio
from rasterio.crs import CRS as RioCRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from layers.catalog.spec import LayerSpec
from layers.errors import InputDataError
from layers.grid import Grid
from layers.raster import RasterFile

#: Relative difference of cell sizes [-] below which a grid counts as "same resolution" (bilinear, not average).
SAME_RESOLUTION_TOLERANCE = 1.0e-6
#: GDAL warper's error threshold [px] for the approximate transformer. GDAL's default (0.125) interpolates
#: the reprojection along scanlines and misplaces cells by up to 1/8 px; 1e-6 px makes it exact (rasterio refuses
#: 0), at about 3× the time of a reprojected read (0.5 µs per cell). Rasters in the grid's CRS are unaffected.
WARP_ERROR_THRESHOLD_PX = 1.0e-6


def is_categorical(spec: LayerSpec) -> bool:
    """Whether a catalog raster holds classes (codes) rather than quantities.

    A raster layer is categorical when its style declares categories, or when its values are integers
    without a unit (class codes); an integer raster *with* a unit (e.g. a DEM in whole metres) is continuous.
    """
    if spec.style.categories:
        return True
    return np.dtype(spec.dtype).kind in "iub" and not spec.unit


def source_resolution(src, crs) -> float:
    """Mean cell size of the open dataset ``src`` expressed in ``crs`` units [m for a projected grid CRS].

    The source bounds are transformed (densified) to ``crs`` and divided by its columns and rows; the
    geometric mean of both directions is returned.
    """
    from rasterio.warp import transform_bounds

    if src.crs is None:
        raise InputDataError(f"raster {src.name} has no coordinate reference system; warp it to the region CRS "
                             "first (the region's input sources do) or give it one")
    left, bottom, right, top = transform_bounds(src.crs, crs, *src.bounds, densify_pts=21)
    return math.sqrt(abs(right - left) / src.width * abs(top - bottom) / src.height)


def choose_resampling(categorical: bool, source_res: float, grid_res: float) -> Resampling:
    """The resampling method for a raster of cell size ``source_res`` read onto cells of ``grid_res`` [m].

    ``nearest`` for categorical rasters; for continuous ones ``average`` when the grid is coarser than the
    source and ``bilinear`` when it is finer or equal (within :data:`SAME_RESOLUTION_TOLERANCE`).
    """
    if categorical:
        return Resampling.nearest
    if grid_res > source_res * (1.0 + SAME_RESOLUTION_TOLERANCE):
        return Resampling.average
    return Resampling.bilinear


def _check_window(window: Window, grid: Grid) -> Window:
    col, row, width, height = window.col_off, window.row_off, window.width, window.height
    if any(v != int(v) for v in (col, row, width, height)):
        raise ValueError(f"window {window} of the grid must have whole-cell offsets and sizes")
    if width <= 0 or height <= 0 or col < 0 or row < 0 or col + width > grid.width or row + height > grid.height:
        raise ValueError(f"window {window} lies outside the grid of {grid.height} rows × {grid.width} columns")
    return Window(int(col), int(row), int(width), int(height))


def read_on_grid(raster: RasterFile, grid: Grid, window: Window | None = None,
                 resampling: Resampling | None = None, *, categorical: bool = False,
                 fill_value: float | None = None) -> np.ndarray:
    """Values of band 1 of ``raster`` resampled onto ``window`` of ``grid`` (the whole grid when ``None``).

    Parameters
    ----------
    raster : the source raster, in any CRS (it needs one) and resolution.
    grid : the analysis grid (CRS, transform, shape).
    window : cells of the grid to fill; must lie inside the grid. Only the source pixels under it are read.
    resampling : the method; by default chosen by :func:`choose_resampling` from ``categorical`` and the
        source and grid cell sizes.
    categorical : the raster holds class codes (see :func:`is_categorical` for catalog layers).
    fill_value : categorical only: the value of cells without data when the raster declares no nodata
        (default 0).

    Returns
    -------
    numpy.ndarray
        Shape ``(window.height, window.width)``. Continuous rasters: ``float64`` in the raster's unit with
        ``NaN`` where the source has nodata or does not reach. Categorical rasters: the source's dtype, with
        the source's nodata value (else ``fill_value``) there.

    Raises
    ------
    InputDataError
        The file cannot be opened or has no CRS.
    ValueError
        ``window`` does not lie inside ``grid``.

    Notes
    -----
    Source cells holding nodata take no part in ``bilinear`` or ``average``: GDAL renormalises the weights of
    the valid ones, so a cell is NaN only where no valid source cell contributes.
    """
    window = Window(0, 0, grid.width, grid.height) if window is None else _check_window(window, grid)
    grid_crs = RioCRS.from_wkt(grid.crs.to_wkt())
    try:
        src = rasterio.open(raster.path)
    except RasterioIOError as exc:
        raise InputDataError(f"cannot read raster {raster.path}: {exc}") from exc
    with src:
        if src.crs is None:
            raise InputDataError(f"raster {raster.path} has no coordinate reference system, so it cannot be placed "
                                 "on the analysis grid; give it one (region inputs: crs = \"EPSG:....\")")
        if resampling is None:
            resampling = choose_resampling(categorical, source_resolution(src, grid_crs), grid.res)
        options = {"crs": grid_crs, "transform": grid.transform, "width": grid.width, "height": grid.height,
                   "resampling": resampling, "tolerance": WARP_ERROR_THRESHOLD_PX}
        if categorical:
            nodata = src.nodata if src.nodata is not None else (0 if fill_value is None else fill_value)
            with WarpedVRT(src, nodata=nodata, **options) as vrt:
                return vrt.read(1, window=window)
        with WarpedVRT(src, nodata=np.nan, dtype="float64", **options) as vrt:
            return vrt.read(1, window=window)
