"""Green roofs as stepping stones of the green network (issue 17 B.2): cover per cell, lowered resistance,
and a gap between two cores bridged by green roofs, checked by hand (cost distance and PC)."""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pytest
from geopandas.testing import assert_geodataframe_equal
from pyproj import CRS
from shapely.geometry import box

from layers.grid import Grid
from processing.corridors import STEP
from processing.corridors.network import ConnectivitySettings, analyse_network
from processing.corridors.params import CorridorsParams
from processing.corridors.stepping_stones import (
    green_roof_cover,
    stepping_stone_inputs,
    with_green_roofs,
)
from processing.pipeline import RegionContext, StepContext

CRS_LU = CRS.from_epsg(2169)
X0, Y0 = 62_000.0, 59_000.0


def _roofs(rows: list[dict]) -> gpd.GeoDataFrame:
    """green_roofs features: outline, true area, greened area, stepping-stone flag."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_LU)


def _roof(x0, y0, x1, y1, *, green_share=1.0, stone=True) -> dict:
    g = box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)
    return {"area_m2": g.area, "green_area_m2": green_share * g.area, "stepping_stone": stone, "geometry": g}


def _grid(w: float, h: float) -> Grid:
    return Grid((X0, Y0, X0 + w, Y0 + h), 10.0, CRS_LU)


def test_cover_is_the_green_share_of_each_cell():
    grid = _grid(50, 30)  # 3 rows x 5 cols; row 0 is the northern one (y 20-30 m)
    roofs = _roofs([
        _roof(0, 20, 10, 30),  # exactly cell (0, 0)
        _roof(20, 20, 25, 30),  # half of cell (0, 2)
        _roof(35, 5, 45, 15),  # a quarter of cells (1, 3), (1, 4), (2, 3), (2, 4)
        _roof(0, 0, 10, 10, green_share=0.4),  # cell (2, 0), 40 % of its area greened
        _roof(10, 0, 20, 10, stone=False),  # too small a green roof: no stepping stone
        _roof(500, 500, 510, 510),  # outside the grid
    ])
    cover = green_roof_cover(grid, roofs)
    expected = np.zeros((3, 5))
    expected[0, 0], expected[0, 2] = 1.0, 0.5
    expected[1:3, 3:5] = 0.25
    expected[2, 0] = 0.4
    np.testing.assert_allclose(cover, expected, atol=1e-6)


def test_resistance_is_the_area_weighted_mean_of_roof_and_cell():
    r = np.array([1000.0, 1000.0, 1000.0, 1.0, 300.0], np.float32)
    s = np.array([1.0, 0.5, 0.0, 1.0, 1.0], np.float32)
    # 1000 x 0.1; 0.5 x 1000 + 0.5 x 100; untouched; never below 1; cropland 300 x 0.1
    np.testing.assert_allclose(with_green_roofs(r, s, 0.1), [100.0, 550.0, 1000.0, 1.0, 30.0], rtol=1e-6)
    np.testing.assert_array_equal(with_green_roofs(r, s, 1.0), r)


# The hand-checkable case: two forest cores (r = 1), 50 m x 100 m each (0.5 ha), 100 m of built land
# (r = 1,000, 10 cells) between them; one row of green roofs across the gap (cover 1, factor 0.1 -> r = 100).
# Every path crosses 10 columns of the gap in at least 11 moves, so the straight row is the least-cost path:
#   without roofs: 10 m x ((1 + 1000)/2 + 9 x 1000 + (1000 + 1)/2) = 100,010 effective m
#   with roofs:    10 m x ((1 + 100)/2  + 9 x 100  + (100 + 1)/2)  =  10,010 effective m
# PC = (a_A^2 + a_B^2 + 2 a_A a_B p) / A_L^2 with p = 0.5^(d / 100 km), a = 0.5 ha, A_L = 2 ha.
GAP_COST = {False: 100_010.0, True: 10_010.0}


def _pc_by_hand(d: float) -> float:
    a, landscape = 0.5, 2.0
    p = 0.5 ** (d / 100_000.0)
    return (2 * a * a + 2 * a * a * p) / landscape**2


def _two_cores(bridged: bool):
    grid = _grid(200, 100)
    resistance = np.full(grid.shape, 1000.0, np.float32)
    resistance[:, :5] = resistance[:, 15:] = 1.0
    cores = gpd.GeoDataFrame({"network": ["green", "green"], "core_id": ["green-001", "green-002"],
                              "area_ha": [0.5, 0.5]},
                             geometry=[box(X0, Y0, X0 + 50, Y0 + 100), box(X0 + 150, Y0, X0 + 200, Y0 + 100)],
                             crs=CRS_LU)
    if bridged:
        resistance = with_green_roofs(resistance, green_roof_cover(grid, _roofs([_roof(50, 40, 150, 50)])), 0.1)
    settings = ConnectivitySettings(dispersal_distance_m=100_000.0, dispersal_probability=0.5,
                                    iic_link_distance_m=200_000.0, max_link_distance_m=1_000.0,
                                    corridor_cutoff_m=1_000.0, window_margin_m=100.0, max_window_margin_m=1_000.0)
    return analyse_network("green", grid, resistance, cores, settings, landscape_ha=2.0)


@pytest.mark.parametrize("bridged", [False, True])
def test_gap_bridged_by_green_roofs_by_hand(bridged):
    result = _two_cores(bridged)
    assert len(result.paths) == 1
    cost = float(result.paths["cost"].iloc[0])
    assert cost == pytest.approx(GAP_COST[bridged], rel=1e-6)  # float32 cost runs: 7 significant digits
    assert float(result.cores["pc"].iloc[0]) == pytest.approx(_pc_by_hand(GAP_COST[bridged]), rel=1e-6)
    if bridged:  # the path runs along the roofs (row 5: y 40-50 m)
        ys = np.array(result.paths.geometry.iloc[0].coords)[:, 1] - Y0
        assert np.all(ys == 45.0)


def test_bridged_gap_is_cheaper_and_better_connected():
    without, with_roofs = _two_cores(False), _two_cores(True)
    assert with_roofs.paths["cost"].iloc[0] < without.paths["cost"].iloc[0]
    assert with_roofs.cores["pc"].iloc[0] > without.cores["pc"].iloc[0]
    assert math.isclose(_pc_by_hand(10_010.0) / _pc_by_hand(100_010.0), (1 + 0.5**0.1001) / (1 + 0.5**1.0001))


# The step itself: two 16 ha forests in built land, a line of separate 10 m x 10 m green roofs every 20 m
# across the 1.8 km between them.
W, H = 3_000.0, 2_000.0


def _step_inputs() -> dict:
    forests = [box(X0 + 200, Y0 + 800, X0 + 600, Y0 + 1200), box(X0 + 2400, Y0 + 800, X0 + 2800, Y0 + 1200)]
    outside = box(X0, Y0, X0 + W, Y0 + H).difference(forests[0]).difference(forests[1])
    landcover = gpd.GeoDataFrame({"class": ["forest", "forest", "urban"]}, geometry=[*forests, outside], crs=CRS_LU)
    communes = gpd.GeoDataFrame({"name": ["West", "East"], "code": ["1", "2"]},
                                geometry=[box(X0, Y0, X0 + 1500, Y0 + H), box(X0 + 1500, Y0, X0 + W, Y0 + H)],
                                crs=CRS_LU)
    roofs = _roofs([_roof(x, 1000, x + 10, 1010) for x in np.arange(600, 2400, 20.0)])
    roofs.insert(0, "face_id", [f"F{i}" for i in range(len(roofs))])
    # the rest of what the green_roofs step publishes (the corridors read only the three fields above)
    roofs = roofs.assign(building_id=roofs["face_id"], tilt_deg=0.0, green_class="flat", use="green_only",
                         pv_area_m2=0.0, biosolar_area_m2=0.0, retention_mm_yr=0.0, retention_m3_yr=0.0,
                         evapotranspiration_mm_yr=0.0, latent_cooling_mwh_yr=0.0, precipitation="region")
    return {"landcover": landcover, "communes": communes, "green_roofs": roofs}


def _run_step(tmp_path, inputs: dict, **params):
    region = RegionContext("test", CRS_LU, (X0, Y0, X0 + W, Y0 + H), {"corridors": 10.0})
    p = STEP.parse_params({"networks": ["green"], **params})
    return STEP.run(StepContext(region, inputs, p, lambda f, m: None, tmp_path, step=STEP))


def test_step_off_is_identical_to_a_run_without_green_roofs(tmp_path):
    inputs = _step_inputs()
    off = _run_step(tmp_path, inputs)
    before = _run_step(tmp_path, {k: v for k, v in inputs.items() if k != "green_roofs"})
    for layer_id in off:
        assert_geodataframe_equal(off[layer_id], before[layer_id])


def test_step_on_lowers_the_link_cost_and_raises_pc(tmp_path):
    inputs = _step_inputs()
    far = {"dispersal_distance_m": 1.0e6}  # p = 0.5 at 1,000 effective km: both links keep some probability
    off = _run_step(tmp_path, inputs, **far)
    on = _run_step(tmp_path, inputs, green_roof_stepping_stones=True, **far)
    # 1,800 m of urban at 1,000 vs half of it roofed at 100: the link costs about 1.8e6 -> 1.0e6
    assert on["corridor_paths"]["cost"].iloc[0] < 0.6 * off["corridor_paths"]["cost"].iloc[0]
    assert on["habitat_cores"]["pc"].iloc[0] > off["habitat_cores"]["pc"].iloc[0]
    assert len(on["habitat_cores"]) == len(off["habitat_cores"]) == 2  # roofs are never cores


def test_step_on_without_green_roofs_warns_and_runs_as_off(tmp_path, caplog):
    inputs = {k: v for k, v in _step_inputs().items() if k != "green_roofs"}
    with caplog.at_level(logging.WARNING, logger="processing.corridors"):
        on = _run_step(tmp_path, inputs, green_roof_stepping_stones=True)
    assert "no green_roofs layer" in caplog.text
    off = _run_step(tmp_path, inputs)
    assert_geodataframe_equal(on["corridor_paths"], off["corridor_paths"])


def test_green_roofs_is_an_input_only_when_on():
    assert stepping_stone_inputs(CorridorsParams()) == ((), ())
    assert stepping_stone_inputs(CorridorsParams(green_roof_stepping_stones=True)) == ((), ("green_roofs",))


def test_corridors_wait_for_solar_and_green_roofs_only_when_on():
    from processing.pipeline import plan
    from processing.steps import all_steps

    def planned(on: bool) -> list[str]:
        return [s.name for s in plan(all_steps(), ["corridors"],
                                     {"corridors": STEP.parse_params({"green_roof_stepping_stones": on})})]

    assert "green_roofs" not in planned(False) and "solar" not in planned(False)
    on = planned(True)
    assert on.index("solar") < on.index("green_roofs") < on.index("corridors")
