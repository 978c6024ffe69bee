"""The shared spatial helpers of layers/: the grid, the point sampler, the commune rule, the rasteriser, the length
of lines inside polygons.

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


def _communes():
    """Two 100 m squares side by side (A west, B east of x = 100) and a third, C, overlapping B's east half."""
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame({"name": ["A", "B", "C"]},
                            geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(150, 0, 250, 100)], crs=CRS_LU)


def test_commune_rule_by_method():
    """Hand case. An L-shaped building: a 20 x 30 m bar in A (x 80-100, 600 m2) and a 100 x 8 m arm in B
    (x 100-200, 800 m2, of which 400 m2 also in C); its point on surface (GEOS: middle of the widest run on the line y = 19
    halfway between the vertex heights 8 and 30 around the box centre) is (90, 19), in A, while most of its area is in B. A point on the A|B boundary (first commune: A), a point where B and
    C overlap (first: B), a line 90 m in A and 20 m in B, a square outside every commune."""
    import shapely
    from shapely.geometry import LineString, Point, Polygon, box

    from layers.communes import commune_of, zone_index

    communes = _communes()
    ell = Polygon([(80, 0), (200, 0), (200, 8), (100, 8), (100, 30), (80, 30)])
    assert shapely.point_on_surface(ell).equals(Point(90, 19))
    features = [ell, Point(100, 50), Point(170, 50), LineString([(10, 50), (120, 50)]), box(300, 0, 310, 10)]
    assert list(commune_of(features, communes, "representative_point")) == ["A", "A", "B", "A", None]
    assert list(commune_of(features, communes, "largest_overlap")) == ["B", "A", "B", "A", None]
    assert list(zone_index(features, communes, "largest_overlap")) == [1, 0, 1, 0, -1]
    assert list(commune_of(features, None, "largest_overlap")) == [None] * 5
    with pytest.raises(ValueError, match="unknown commune method 'split'"):
        zone_index(features, communes, "split")


def test_rasteriser_cell_centres_touched_cells_and_order():
    """Hand case on a 4 x 4 grid of 10 m cells (x 0-40, y 0-40): a square (2, 2)-(22, 22) holds the centres
    (5 | 15, 5 | 15), i.e. rows 2-3 and columns 0-1, and touches columns 0-2 and rows 1-3; a later strip
    (12, 2)-(40, 12) of value 2 holds the centres of row 3, columns 1-3, and wins where both hold."""
    from shapely.geometry import box

    from layers.rasterize import burn, rasterize_mask

    grid = Grid((0.0, 0.0, 40.0, 40.0), 10.0, CRS_LU)
    square, strip = box(2, 2, 22, 22), box(12, 2, 40, 12)
    centres = burn([square, strip], [1, 2], out_shape=grid.shape, transform=grid.transform)
    assert centres.tolist() == [[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0], [1, 2, 2, 2]]
    touched = burn([square], out_shape=grid.shape, transform=grid.transform, all_touched=True)
    assert touched.tolist() == [[0, 0, 0, 0], [1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]]
    assert rasterize_mask([square], grid).sum() == 4
    assert burn([], out_shape=(2, 2), transform=grid.transform, fill=-1, dtype="int32").tolist() == [[-1, -1]] * 2


def test_length_within_counts_parts_inside_and_on_the_boundary():
    """A and B are 100 m squares sharing the edge x = 100, C lies apart. Hand-worked lengths [m]: the line
    y = 50 from x = 50 to 150 is 50 in A and 50 in B; the line on the shared edge from y = 20 to 80 is 60 in
    both (a boundary belongs to the closed polygon); the line on A's outer edge x = 0 from y = 0 to 40 is 40 in A;
    the line at y = 200 touches none. A: 50 + 60 + 40 = 150, B: 50 + 60 = 110, C: 0."""
    from shapely.geometry import LineString, box

    from layers.lengths import length_within

    polygons = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(300, 0, 400, 100)]
    lines = [LineString([(50, 50), (150, 50)]), LineString([(100, 20), (100, 80)]),
             LineString([(0, 0), (0, 40)]), LineString([(0, 200), (200, 200)])]
    assert length_within(polygons, lines) == pytest.approx([150.0, 110.0, 0.0], abs=1e-9)
    assert length_within(polygons, lines[3:]).tolist() == [0.0, 0.0, 0.0]
    assert length_within(polygons, None).tolist() == [0.0, 0.0, 0.0]
    assert length_within([], lines).shape == (0,)
