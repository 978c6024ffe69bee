"""Per-cell ground potential rasters: λ, the indicative VDI 4640-2 extraction and G.POT, window by window.

Windows and halo: the grid is cut into ``WINDOW_CELLS`` × ``WINDOW_CELLS`` windows with **no halo** — a
cell only reads the lithology of the geology polygon holding its centre, never a neighbour. Each window
is a picklable :class:`GroundWindow` (its transform, the polygons that touch it and their λ, plain
parameters) mapped through the step's executor with :func:`ground_window`, in-process or on Dask workers;
each result is written as it arrives, so memory holds only the windows in flight. Results are identical
whatever the window size or the executor (per-cell arithmetic only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.windows import Window

from layers.grid import Grid
from layers.raster import RasterFile
from layers.rasterize import burn
from processing.geothermal.conductivity import lithology_conductivity, vdi4640_2_extraction_w_m
from processing.geothermal.gpot import gpot_energy_mwh_yr
from processing.windows import SERIAL, WindowExecutor

#: Cells per side of a processing window (no halo: each cell only reads its own lithology).
WINDOW_CELLS = 1024


@dataclass(frozen=True)
class GroundWindow:
    """One window's work, picklable for a Dask worker.

    ``geometries`` are the geology polygons touching the window in input order (where polygons overlap
    the later one wins, as in the per-building λ lookup) and ``conductivity`` their λ [W m-1 K-1].
    """

    window: Window
    transform: Affine
    geometries: np.ndarray
    conductivity: np.ndarray
    operating_hours: int = 1800
    gpot_kwargs: Mapping[str, float] = field(default_factory=dict)


def ground_window(task: GroundWindow) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """λ [W m-1 K-1], VDI 4640-2 extraction [W m-1] and G.POT [MWh yr-1] of one window, as float32."""
    shape = (task.window.height, task.window.width)
    codes = burn(task.geometries, np.arange(1, len(task.geometries) + 1), out_shape=shape, transform=task.transform,
                 dtype="int32")  # 0 = no geology
    lam = np.concatenate([[np.nan], task.conductivity])[codes]
    return (lam.astype(np.float32), vdi4640_2_extraction_w_m(lam, task.operating_hours).astype(np.float32),
            gpot_energy_mwh_yr(lam, **dict(task.gpot_kwargs)).astype(np.float32))


def ground_rasters(
    geology: gpd.GeoDataFrame,
    grid: Grid,
    workdir: Path,
    table: Mapping[str, float],
    *,
    operating_hours: int = 1800,
    gpot_kwargs: Mapping[str, float] | None = None,
    progress: Callable[[float, str], None] | None = None,
    executor: WindowExecutor = SERIAL,
) -> dict[str, RasterFile]:
    """Write λ [W m-1 K-1], VDI 4640-2 extraction [W m-1] and G.POT [MWh yr-1 per probe] GeoTIFFs.

    Cells take the lithology of the geology polygon holding their centre; cells outside every polygon are
    NaN. ``gpot_kwargs`` go to :func:`gpot_energy_mwh_yr` (probe length, temperatures, ...). Windows run
    on ``executor`` (see the module docstring).
    Returns RasterFiles keyed ``conductivity``, ``extraction``, ``potential``.
    """
    lam_by_code = lithology_conductivity(geology["lithology"].to_numpy(), table)
    geoms = geology.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    kwargs = dict(gpot_kwargs or {})
    profile = {"driver": "GTiff", "dtype": "float32", "count": 1, "width": grid.width, "height": grid.height,
               "crs": grid.crs.to_wkt(), "transform": grid.transform, "nodata": np.nan, "tiled": True,
               "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
    names = {"conductivity": ("geothermal_conductivity.tif", "W m-1 K-1"),
             "extraction": ("geothermal_extraction_vdi.tif", "W m-1"),
             "potential": ("geothermal_potential.tif", "MWh yr-1")}
    paths = {k: Path(workdir) / f for k, (f, _) in names.items()}
    cores = [core for core, _ in grid.windows(WINDOW_CELLS)]

    def tasks() -> Iterator[GroundWindow]:
        for core in cores:
            x0 = grid.bounds[0] + core.col_off * grid.res
            y1 = grid.bounds[3] - core.row_off * grid.res
            box = shapely.box(x0, y1 - core.height * grid.res, x0 + core.width * grid.res, y1)
            hits = np.sort(tree.query(box, predicate="intersects"))
            yield GroundWindow(core, Affine(grid.res, 0.0, x0, 0.0, -grid.res, y1), geoms[hits],
                               lam_by_code[hits], operating_hours, kwargs)

    dsts = {k: rasterio.open(p, "w", **profile) for k, p in paths.items()}
    try:
        for i, (task, (lam, extraction, potential)) in enumerate(executor.imap(ground_window, tasks())):
            dsts["conductivity"].write(lam, 1, window=task.window)
            dsts["extraction"].write(extraction, 1, window=task.window)
            dsts["potential"].write(potential, 1, window=task.window)
            if progress:
                progress((i + 1) / len(cores), "ground potential")
    finally:
        for dst in dsts.values():
            dst.close()
    return {k: RasterFile(str(paths[k]), names[k][1]) for k in names}
