"""The shared spatial helpers of layers/: the grid, the point sampler, the commune rule, the rasteriser.

Each is checked against a hand-worked case (values written down from the rule in the module docstring)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS

from layers import sample
from layers.grid import Grid
from layers.raster import Raster, RasterFile

CRS_LU = CRS.from_epsg(2169)


def test_grid_aligns_on_its_origin():
    """Bounds (3, 7)-(25, 19) on 10 m cells: on multiples of 10 → x 0..30, y 0..20; aligned on a raster corner
    (2.5, 101.5) → x 2.5..32.5, y 1.5..21.5 (hand-worked), and the block transform is the cell's corner."""
    plain = Grid((3.0, 7.0, 25.0, 19.0), 10.0, CRS_LU)
    assert plain.bounds == (0.0, 0.0, 30.0, 20.0)
    assert plain.shape == (2, 3)
    anchored = Grid((3.0, 7.0, 25.0, 19.0), 10.0, CRS_LU, origin=(2.5, 101.5))
    assert anchored.bounds == (2.5, 1.5, 32.5, 21.5)
    assert anchored.shape == (2, 3)
    assert anchored.block_transform(1, 2) @ (0, 0) == (22.5, 11.5)


def _raster() -> Raster:
    """3 rows x 4 columns of 10 m cells, upper-left corner (100, 230); value = 10 row + col; cell (2, 3) nodata."""
    values = (10 * np.arange(3)[:, None] + np.arange(4)[None, :]).astype(np.float32)
    values[2, 3] = -9999.0
    return Raster(values, Affine(10.0, 0.0, 100.0, 0.0, -10.0, 230.0), CRS_LU, -9999.0, "m")


#: Hand case for the nearest-cell rule: (x, y) and the value of the cell holding it (NaN outside / nodata).
#: Cells span x 100..140 and y 200..230; a point on a shared edge takes the cell east / south of it.
HAND_CASE = [
    ((100.0, 230.0), 0.0),     # upper-left corner: inside, cell (0, 0)
    ((105.0, 225.0), 0.0),     # centre of cell (0, 0)
    ((110.0, 225.0), 1.0),     # on the edge between columns 0 and 1: column 1
    ((105.0, 220.0), 10.0),    # on the edge between rows 0 and 1: row 1
    ((139.9, 200.1), np.nan),  # cell (2, 3) holds nodata
    ((131.0, 215.0), 13.0),    # cell (1, 3)
    ((140.0, 215.0), np.nan),  # right edge of the raster: outside
    ((105.0, 200.0), np.nan),  # bottom edge of the raster: outside
    ((99.9, 215.0), np.nan),   # west of the raster
]


def test_sampler_takes_the_cell_holding_each_point(tmp_path, monkeypatch):
    """The hand case, from memory, from a file block and from GDAL's point-by-point path."""
    mem = _raster()
    path = tmp_path / "hand.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=1, dtype="float32", crs=CRS_LU.to_wkt(),
                       transform=mem.transform, nodata=-9999.0) as dst:
        dst.write(mem.array, 1)
    xs = np.array([p[0] for p, _ in HAND_CASE])
    ys = np.array([p[1] for p, _ in HAND_CASE])
    expected = [v for _, v in HAND_CASE]
    assert sample.sample_xy(mem, xs, ys) == pytest.approx(expected, nan_ok=True)
    assert sample.sample_xy(RasterFile(str(path), "m"), xs, ys) == pytest.approx(expected, nan_ok=True)
    monkeypatch.setattr(sample, "SAMPLE_BLOCK_CELLS", 1)
    assert sample.sample_xy(RasterFile(str(path), "m"), xs, ys) == pytest.approx(expected, nan_ok=True)
    import shapely

    assert sample.sample_points(mem, shapely.points(xs, ys)) == pytest.approx(expected, nan_ok=True)
    assert sample.sample_xy(mem, [], []).shape == (0,)
