"""Cost distance against an independent Dijkstra (networkx) and least-cost paths through a barrier's gap.

References: networkx's Dijkstra on the 8-neighbour graph whose edge weight is the move length [m] times the
mean resistance of the two cells (GRASS r.cost's rule without knight's moves); and GRASS r.cost itself where
GRASS is installed. Tolerance 1e-9 relative.
"""

import shutil
import subprocess

import networkx as nx
import numpy as np
import pytest

from layers.errors import InputDataError
from processing.corridors.costdist import LinkSolver, cost_distance, trace_path

RES_M = 10.0


def _dijkstra(resistance: np.ndarray, sources: np.ndarray, res: float) -> np.ndarray:
    rows, cols = resistance.shape
    g = nx.Graph()
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < rows and 0 <= cc < cols:
                    length = res * np.hypot(dr, dc)
                    g.add_edge((r, c), (rr, cc), weight=length * (resistance[r, c] + resistance[rr, cc]) / 2)
    dist = nx.multi_source_dijkstra_path_length(g, {tuple(p) for p in np.argwhere(sources)})
    out = np.empty(resistance.shape)
    for (r, c), v in dist.items():
        out[r, c] = v
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cost_distance_equals_networkx_dijkstra(seed):
    rng = np.random.default_rng(seed)
    resistance = rng.choice([1.0, 30.0, 300.0, 1000.0], size=(13, 17))
    sources = np.zeros(resistance.shape, bool)
    sources[tuple(rng.integers(0, 13, 2)), tuple(rng.integers(0, 17, 2))] = True
    expected = _dijkstra(resistance, sources, RES_M)
    assert cost_distance(resistance, sources, RES_M) == pytest.approx(expected, rel=1e-9)


def _two_cores_and_a_wall(gap_rows: slice):
    resistance = np.full((40, 60), 10.0)
    resistance[:, 30] = 10000.0  # a wall across the grid
    resistance[gap_rows, 30] = 10.0  # with one gap
    labels = np.zeros(resistance.shape, np.int32)
    labels[18:22, 5:9] = 1
    labels[18:22, 50:54] = 2
    return resistance, labels


def test_least_cost_path_goes_through_the_gap():
    resistance, labels = _two_cores_and_a_wall(slice(2, 4))
    link = LinkSolver(resistance, labels, RES_M, {1: {2}, 2: {1}}, margin_m=1000.0, max_margin_m=1000.0).link(1, 2)
    wall_cells = link.path[link.path[:, 1] == 30]
    assert len(wall_cells) == 1 and 2 <= wall_cells[0, 0] < 4
    assert labels[tuple(link.path[0])] == 1 and labels[tuple(link.path[-1])] == 2
    # the path's cost is the cost distance from A at its end, and the minimum of CWD_A + CWD_B (Linkage Mapper)
    assert link.lcd == pytest.approx(float((link.cwd_a + link.cwd_b).min()), rel=1e-6)  # runs kept in float32
    assert link.lcd < 10000.0 * RES_M  # never through the wall


def test_window_grows_until_certified():
    resistance, labels = _two_cores_and_a_wall(slice(0, 2))  # the gap is 16 cells above the cores
    pairs = {1: {2}, 2: {1}}
    small = LinkSolver(resistance, labels, RES_M, pairs, margin_m=20.0, max_margin_m=20.0).link(1, 2)
    grown = LinkSolver(resistance, labels, RES_M, pairs, margin_m=20.0, max_margin_m=1000.0).link(1, 2)
    full = cost_distance(resistance, labels == 1, RES_M)[labels == 2].min()
    assert not small.certified and small.lcd > full  # a 2-cell margin cannot see the gap
    assert grown.certified and grown.lcd == pytest.approx(full, rel=1e-6)  # runs kept in float32


def test_traced_path_costs_the_cost_distance():
    rng = np.random.default_rng(5)
    resistance = rng.choice([1.0, 30.0, 300.0], size=(20, 25))
    sources = np.zeros(resistance.shape, bool)
    sources[3:5, 2:4] = True
    cwd = cost_distance(resistance, sources, RES_M)
    path = trace_path(cwd, resistance, (17, 22), RES_M)
    steps = np.diff(path, axis=0)
    assert sources[tuple(path[0])] and np.abs(steps).max() == 1
    cost = sum(RES_M * np.hypot(*d) * (resistance[tuple(p)] + resistance[tuple(q)]) / 2
               for d, p, q in zip(steps, path[:-1], path[1:]))
    assert cost == pytest.approx(cwd[17, 22], rel=1e-12)


def test_bad_resistance():
    with pytest.raises(InputDataError, match="finite and > 0"):
        cost_distance(np.array([[1.0, np.inf]]), np.array([[True, False]]), RES_M)
    with pytest.raises(InputDataError, match="at least one source"):
        cost_distance(np.ones((2, 2)), np.zeros((2, 2), bool), RES_M)


@pytest.mark.skipif(shutil.which("grass") is None, reason="GRASS GIS is not installed (apt-get install grass-core)")
def test_cost_distance_equals_grass_r_cost(tmp_path):
    """GRASS r.cost (8 neighbours, no knight's moves) counts moves in cells: ours = r.cost x cell size [m]."""
    import rasterio
    from affine import Affine

    rng = np.random.default_rng(3)
    resistance = rng.choice([1.0, 30.0, 300.0, 10_000.0], size=(30, 40))
    sources = np.zeros(resistance.shape, bool)
    sources[5:8, 4:6] = True
    profile = {"driver": "GTiff", "height": 30, "width": 40, "count": 1, "crs": "EPSG:2169",
               "transform": Affine(RES_M, 0.0, 70_000.0, 0.0, -RES_M, 60_300.0)}
    with rasterio.open(tmp_path / "res.tif", "w", dtype="float64", **profile) as dst:
        dst.write(resistance, 1)
    with rasterio.open(tmp_path / "src.tif", "w", dtype="uint8", nodata=0, **profile) as dst:
        dst.write(sources.astype(np.uint8), 1)
    grass = shutil.which("grass")
    subprocess.run([grass, "-c", str(tmp_path / "res.tif"), "-e", str(tmp_path / "loc")], check=True,
                   capture_output=True)
    script = (f"r.in.gdal -o input={tmp_path}/res.tif output=res && r.in.gdal -o input={tmp_path}/src.tif output=src"
              f" && g.region raster=res && r.cost input=res output=cwd start_raster=src"
              f" && r.out.gdal input=cwd output={tmp_path}/cwd.tif type=Float64")
    subprocess.run([grass, str(tmp_path / "loc" / "PERMANENT"), "--exec", "bash", "-c", script], check=True,
                   capture_output=True)
    with rasterio.open(tmp_path / "cwd.tif") as f:
        theirs = f.read(1)
    assert cost_distance(resistance, sources, RES_M) == pytest.approx(theirs * RES_M, rel=1e-9, abs=1e-9)
