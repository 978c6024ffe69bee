"""layers.resample.read_on_grid: any raster onto an analysis grid window.

Oracles: hand computations on small rasters (nearest keeps each class, ``average`` is the mean of a 2×2 block,
``bilinear`` halfway between four cell centres is their mean, a bilinear read of a field linear in the
source's coordinates reproduces that field), and pyproj's transformation of the grid's cell centres for
rasters in another CRS. Tolerances are float rounding unless stated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.windows import Window

from layers.catalog import get_layer
from layers.catalog.spec import Category, LayerSpec, Style
from layers.errors import InputDataError
from layers.grid import Grid
from layers.raster import RasterFile
from layers.resample import choose_resampling, is_categorical, read_on_grid

LUREF = "EPSG:2169"
X0, Y0 = 65000.0, 60200.0  # upper-left corner of the test rasters [m, EPSG:2169]


def _write(path: Path, array: np.ndarray, transform, crs: str | None = LUREF, nodata=None) -> RasterFile:
    with rasterio.open(path, "w", driver="GTiff", width=array.shape[1], height=array.shape[0], count=1,
                       dtype=array.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(array, 1)
    return RasterFile(str(path))


def _grid(xmin: float, ymin: float, xmax: float, ymax: float, res: float) -> Grid:
    return Grid((xmin, ymin, xmax, ymax), res, LUREF)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


def test_the_rule():
    assert choose_resampling(True, 10.0, 1.0) == Resampling.nearest
    assert choose_resampling(True, 10.0, 100.0) == Resampling.nearest
    assert choose_resampling(False, 10.0, 5.0) == Resampling.bilinear
    assert choose_resampling(False, 10.0, 10.0) == Resampling.bilinear
    assert choose_resampling(False, 10.0, 20.0) == Resampling.average


def test_categorical_from_the_catalog():
    assert not is_categorical(get_layer("dem"))  # float metres
    classes = LayerSpec("cls", "Classes", "Class codes.", "raster", "input", dtype="uint8")
    assert is_categorical(classes)  # integers without a unit
    assert not is_categorical(LayerSpec("h", "Heights", "Whole metres.", "raster", "input", dtype="int16", unit="m"))
    styled = LayerSpec("s", "Styled", "Classes.", "raster", "input",
                       style=Style(categories=(Category("1", "forest", "#00aa00"),)))
    assert is_categorical(styled)


def test_nearest_keeps_classes(tmp_path, rng):
    classes = rng.integers(1, 6, size=(15, 15)).astype("uint8")
    raster = _write(tmp_path / "classes.tif", classes, from_origin(X0, Y0, 10.0, 10.0))
    finer = read_on_grid(raster, _grid(X0, Y0 - 150, X0 + 150, Y0, 5.0), categorical=True)
    assert finer.dtype == np.uint8
    np.testing.assert_array_equal(finer, np.repeat(np.repeat(classes, 2, axis=0), 2, axis=1))
    # 50 m cells: each centre lies 25 m into its block, i.e. in the middle of source cell 2 of every 5
    coarser = read_on_grid(raster, _grid(X0, Y0 - 150, X0 + 150, Y0, 50.0), categorical=True)
    np.testing.assert_array_equal(coarser, classes[2::5, 2::5])


def test_average_of_2x2_blocks_ignores_nodata(tmp_path, rng):
    values = rng.uniform(0.0, 100.0, size=(8, 8))
    values[0, 0] = -9999.0  # one nodata cell in the first block
    raster = _write(tmp_path / "v.tif", values, from_origin(X0, Y0, 10.0, 10.0), nodata=-9999.0)
    out = read_on_grid(raster, _grid(X0, Y0 - 80, X0 + 80, Y0, 20.0))  # coarser → average by the rule
    expected = values.reshape(4, 2, 4, 2).mean(axis=(1, 3))
    expected[0, 0] = np.mean([values[0, 1], values[1, 0], values[1, 1]])  # mean of the three valid cells
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_bilinear_midway_between_four_centres_is_their_mean(tmp_path, rng):
    values = rng.uniform(0.0, 100.0, size=(10, 10))
    # source shifted half a cell from the grid: every interior grid centre lies midway between four source centres
    raster = _write(tmp_path / "v.tif", values, from_origin(X0 + 5.0, Y0 - 5.0, 10.0, 10.0))
    out = read_on_grid(raster, _grid(X0, Y0 - 110, X0 + 110, Y0, 10.0))  # same cell size → bilinear
    midpoints = (values[:-1, :-1] + values[:-1, 1:] + values[1:, :-1] + values[1:, 1:]) / 4.0
    np.testing.assert_allclose(out[1:-1, 1:-1], midpoints, rtol=1e-12)


def test_bilinear_on_a_finer_grid_reproduces_a_linear_field(tmp_path):
    rows, cols = np.mgrid[0:10, 0:10]
    ramp = 3.0 * cols + 7.0 * rows  # linear in source cell index (value at the cell centre)
    raster = _write(tmp_path / "ramp.tif", ramp.astype("float64"), from_origin(X0, Y0, 10.0, 10.0))
    out = read_on_grid(raster, _grid(X0, Y0 - 100, X0 + 100, Y0, 2.0))
    # grid centre (i, j) lies at source cell coordinate (j + 0.5) / 5 columns, (i + 0.5) / 5 rows
    i, j = np.mgrid[0:50, 0:50]
    expected = 3.0 * ((j + 0.5) / 5.0 - 0.5) + 7.0 * ((i + 0.5) / 5.0 - 0.5)
    inner = (slice(3, -3), slice(3, -3))  # centres between source centres (the outer half cell is clamped)
    np.testing.assert_allclose(out[inner], expected[inner], atol=1e-9)


@pytest.mark.parametrize("dtype, nodata", [("float32", -9999.0), ("int16", -32768), ("float32", np.nan)])
def test_nodata_becomes_nan(tmp_path, rng, dtype, nodata):
    values = rng.integers(0, 500, size=(6, 6)).astype(dtype)
    values[2, 3] = values[5, 0] = nodata
    raster = _write(tmp_path / "v.tif", values, from_origin(X0, Y0, 10.0, 10.0), nodata=nodata)
    out = read_on_grid(raster, _grid(X0, Y0 - 60, X0 + 60, Y0, 10.0))
    assert np.isnan(out[2, 3]) and np.isnan(out[5, 0]) and np.isnan(out).sum() == 2
    valid = ~np.isnan(out)
    np.testing.assert_array_equal(out[valid], values.astype("float64")[valid])


def test_categorical_nodata_keeps_the_native_dtype(tmp_path):
    classes = np.array([[1, 2], [255, 3]], dtype="uint8")
    raster = _write(tmp_path / "c.tif", classes, from_origin(X0, Y0, 10.0, 10.0), nodata=255)
    out = read_on_grid(raster, _grid(X0 - 10, Y0 - 20, X0 + 20, Y0, 10.0), categorical=True)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [[255, 1, 2], [255, 255, 3]])  # outside and nodata both 255
    no_nodata = _write(tmp_path / "d.tif", np.array([[4, 5]], dtype="uint8"), from_origin(X0, Y0, 10.0, 10.0))
    out = read_on_grid(no_nodata, _grid(X0 - 10, Y0 - 10, X0 + 20, Y0, 10.0), categorical=True, fill_value=99)
    np.testing.assert_array_equal(out, [[99, 4, 5]])


def _wgs84_ramp(tmp_path: Path) -> tuple[RasterFile, callable]:
    """A float64 raster in EPSG:4326 over the test area whose value is linear in lon/lat."""
    to_wgs84 = Transformer.from_crs(LUREF, "EPSG:4326", always_xy=True)
    lon0, lat1 = to_wgs84.transform(X0 - 300, Y0 + 300)
    res = 0.0002  # ≈ 14.5 m × 22 m
    n_rows, n_cols = 60, 60

    def field(lon, lat):
        return (lon - lon0) * 1.0e4 + (lat1 - lat) * 2.0e4

    cols, rows = np.meshgrid(np.arange(n_cols) + 0.5, np.arange(n_rows) + 0.5)
    values = field(lon0 + cols * res, lat1 - rows * res)
    return _write(tmp_path / "ramp_wgs84.tif", values, from_origin(lon0, lat1, res, res), crs="EPSG:4326"), field


def test_a_raster_in_another_crs_lands_in_the_right_place(tmp_path):
    raster, field = _wgs84_ramp(tmp_path)
    grid = _grid(X0, Y0 - 400, X0 + 400, Y0, 5.0)
    out = read_on_grid(raster, grid, resampling=Resampling.bilinear)
    # oracle: pyproj takes every grid cell centre to lon/lat, where the field is known exactly
    cols, rows = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    e, n = grid.transform @ (cols, rows)
    lon, lat = Transformer.from_crs(LUREF, "EPSG:4326", always_xy=True).transform(e, n)
    # bilinear interpolation of a field linear in the source's coordinates is exact; 1e-6 = float rounding of
    # the lon/lat round trip (one field unit is 1e-4° ≈ 7 m, so this pins the position to a millimetre)
    np.testing.assert_allclose(out, field(lon, lat), atol=1e-6)


def test_classes_in_web_mercator_land_in_the_right_place(tmp_path, rng):
    to_merc = Transformer.from_crs(LUREF, "EPSG:3857", always_xy=True)
    mx0, my1 = to_merc.transform(X0 - 200, Y0 + 200)
    res = 20.0  # Web Mercator metres (≈ 13 m on the ground at 49.5° N)
    classes = rng.integers(1, 9, size=(50, 50)).astype("uint8")
    raster = _write(tmp_path / "classes_3857.tif", classes, from_origin(mx0, my1, res, res), crs="EPSG:3857")
    grid = _grid(X0, Y0 - 300, X0 + 300, Y0, 4.0)
    out = read_on_grid(raster, grid, categorical=True)
    cols, rows = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    mx, my = to_merc.transform(*(grid.transform @ (cols, rows)))
    src_col, src_row = (mx - mx0) / res, (my1 - my) / res
    # away from source cell edges (> 0.05 px), the class under each centre is unambiguous
    clear = (np.abs(src_col - np.round(src_col)) > 0.05) & (np.abs(src_row - np.round(src_row)) > 0.05)
    expected = classes[np.floor(src_row).astype(int), np.floor(src_col).astype(int)]
    assert clear.mean() > 0.7
    np.testing.assert_array_equal(out[clear], expected[clear])


@pytest.mark.parametrize("case", ["same crs, average", "same crs, bilinear", "wgs84, bilinear", "classes"])
def test_a_window_equals_the_same_cells_of_the_whole_grid(tmp_path, rng, case):
    categorical = case == "classes"
    if case.startswith("wgs84"):
        raster, _ = _wgs84_ramp(tmp_path)
    elif categorical:
        raster = _write(tmp_path / "c.tif", rng.integers(0, 7, (40, 40)).astype("uint8"),
                        from_origin(X0, Y0, 10.0, 10.0))
    else:
        raster = _write(tmp_path / "v.tif", rng.uniform(0, 1, (40, 40)), from_origin(X0 + 3.0, Y0 - 1.0, 10.0, 10.0),
                        nodata=-1.0)
    res = 20.0 if case.endswith("average") else 7.0
    grid = _grid(X0, Y0 - 400, X0 + 400, Y0, res)
    whole = read_on_grid(raster, grid, categorical=categorical)
    pieces = np.full_like(whole, 123)
    for core, _ in grid.windows(size=9):
        rows, cols = core.toslices()
        pieces[rows, cols] = read_on_grid(raster, grid, core, categorical=categorical)
    np.testing.assert_array_equal(pieces, whole)


def test_a_grid_partly_outside_the_raster_gets_nan_there(tmp_path):
    raster = _write(tmp_path / "v.tif", np.full((10, 10), 42.0), from_origin(X0, Y0, 10.0, 10.0))
    grid = _grid(X0 - 100, Y0 - 200, X0 + 200, Y0 + 50, 10.0)
    out = read_on_grid(raster, grid)
    col0, row0 = 10, 5  # where the raster starts in the grid
    inside = np.zeros(grid.shape, dtype=bool)
    inside[row0:row0 + 10, col0:col0 + 10] = True
    np.testing.assert_array_equal(out[inside], 42.0)
    assert np.isnan(out[~inside]).all()


def test_a_raster_without_crs_is_refused(tmp_path):
    raster = _write(tmp_path / "nocrs.tif", np.ones((3, 3)), from_origin(X0, Y0, 10.0, 10.0), crs=None)
    with pytest.raises(InputDataError, match=r"nocrs\.tif has no coordinate reference system.*crs = "):
        read_on_grid(raster, _grid(X0, Y0 - 30, X0 + 30, Y0, 10.0))


def test_an_unreadable_raster_names_the_file(tmp_path):
    (tmp_path / "garbage.tif").write_text("not a raster")
    with pytest.raises(InputDataError, match=r"cannot read raster .*garbage\.tif"):
        read_on_grid(RasterFile(str(tmp_path / "garbage.tif")), _grid(X0, Y0 - 30, X0 + 30, Y0, 10.0))


@pytest.mark.parametrize("window", [Window(2, 0, 3, 3), Window(-1, 0, 2, 2), Window(0, 0, 1.5, 2)])
def test_a_window_outside_the_grid_is_refused(tmp_path, window):
    raster = _write(tmp_path / "v.tif", np.ones((3, 3)), from_origin(X0, Y0, 10.0, 10.0))
    with pytest.raises(ValueError, match=r"window .* (outside the grid of 3 rows × 3 columns|whole-cell)"):
        read_on_grid(raster, _grid(X0, Y0 - 30, X0 + 30, Y0, 10.0), window)
