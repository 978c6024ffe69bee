"""Commune indicators from hand-built inputs (tests/test_districts_world.py) and their CSV export.

Every expected figure is summed by hand from the world's features (tolerance 1e-9 relative); the CO2
factors are set explicitly so the expected tonnes follow from the formula in the docstring of
``co2_avoidable``.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from layers.catalog import get_layer
from layers.validate import check_layer
from processing.districts import DistrictsParams, commune_indicators, indicators_to_csv
from processing.districts.indicators import co2_avoidable, connectivity
from tests import test_districts_world as world

PARAMS = DistrictsParams(grid_co2_t_mwh=0.3, gas_co2_t_mwh=0.2, boiler_efficiency=0.8, heat_pump_spf=3.0,
                         probes_per_ha=20.0)


def candidates() -> pd.DataFrame:
    """Three candidates in Westby (one excluded), one in Eastby."""
    return world.gdf([{"excluded": False}, {"excluded": True}, {"excluded": False}, {"excluded": False}],
                     [world.box(0, 0, 100, 100), world.box(200, 0, 300, 100), world.box(400, 0, 500, 100),
                      world.box(1200, 0, 1300, 100)])


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    frame = commune_indicators(world.communes(), world.all_inputs(), candidates(), PARAMS)
    check_layer(get_layer("commune_indicators"), frame, world.CRS_LU)
    return frame.set_index("commune")


def test_energy_sums_by_hand(indicators):
    w, e = indicators.loc["Westby"], indicators.loc["Eastby"]
    assert w["pv_mwp"] == pytest.approx(4 * 100.0 / 1e3) and e["pv_mwp"] == pytest.approx(4 * 10.0 / 1e3)
    assert w["pv_gwh_yr"] == pytest.approx(4 * 95_000.0 / 1e9 * 1e3)  # 4 x 95,000 kWh = 0.38 GWh
    assert (w["wind_sites"], w["wind_mw"], w["wind_gwh_yr"]) == (0, 0.0, 0.0)
    assert e["wind_sites"] == 2 and e["wind_mw"] == pytest.approx(6.4) and e["wind_gwh_yr"] == pytest.approx(14.0)
    # heat cells: 4 x 400 MWh in Westby (all in the heat-network area), 1 x 50 MWh in Eastby
    assert w["heat_demand_gwh_yr"] == pytest.approx(1.6) and e["heat_demand_gwh_yr"] == pytest.approx(0.05)
    assert w["heat_demand_in_dh_share"] == pytest.approx(1.0) and e["heat_demand_in_dh_share"] == 0.0
    # geothermal: ground heat potential x 20 probes/ha x 1 ha = 200 (Westby cells) and 120 (Eastby); delivered
    # with SPF 3 = ground x 3/2, capped at the demand: min(400, 300) x 4 = 1,200; min(50, 180) = 50; the ground
    # heat behind it is 2/3 of that, the electricity 1/3
    assert w["geothermal_gwh_yr"] == pytest.approx(1.2) and e["geothermal_gwh_yr"] == pytest.approx(0.05)
    assert w["geothermal_ground_gwh_yr"] == pytest.approx(0.8) and w["heat_pump_electricity_gwh_yr"] == pytest.approx(0.4)
    assert e["geothermal_ground_gwh_yr"] == pytest.approx(0.05 * 2 / 3)
    assert w["renewable_gwh_yr"] == pytest.approx(0.38 + 0.8)
    assert e["renewable_gwh_yr"] == pytest.approx(0.038 + 14.0 + 0.05 * 2 / 3)


def test_co2_by_hand(indicators):
    w, e = indicators.loc["Westby"], indicators.loc["Eastby"]
    heat_factor = 0.2 / 0.8 - 0.3 / 3.0  # 0.15 t per MWh of heat
    assert w["co2_pv_t_yr"] == pytest.approx(380.0 * 0.3)
    assert e["co2_wind_t_yr"] == pytest.approx(14_000.0 * 0.3)
    assert w["co2_geothermal_t_yr"] == pytest.approx(1200.0 * heat_factor)  # on delivered heat, not ground heat
    assert w["co2_avoidable_t_yr"] == pytest.approx(380.0 * 0.3 + 1200.0 * heat_factor)
    assert e["co2_avoidable_t_yr"] == pytest.approx((38.0 + 14_000.0) * 0.3 + 50.0 * heat_factor)
    # 1,000 MWh delivered with SPF 4: 1,000 x 0.2 / 1.0 of gas avoided − 250 MWh x 0.4 of grid electricity
    pv, wind, geo = co2_avoidable([1000.0], [0.0], [1000.0], [250.0], grid_co2_t_mwh=0.4, gas_co2_t_mwh=0.2,
                                  boiler_efficiency=1.0)
    assert (pv[0], wind[0], geo[0]) == pytest.approx((400.0, 0.0, 100.0))


def test_corridors_and_candidates(indicators):
    w, e = indicators.loc["Westby"], indicators.loc["Eastby"]
    assert w["corridor_length_km"] == pytest.approx(0.8) and e["corridor_length_km"] == pytest.approx(0.8)
    # Westby: core g1 (4 ha) linked, g3 (1 ha) isolated; Eastby: g2 (4 ha) linked
    assert w["connectivity"] == pytest.approx(0.8) and e["connectivity"] == pytest.approx(1.0)
    assert w["candidate_districts"] == 2 and e["candidate_districts"] == 1
    assert w["area_km2"] == pytest.approx(1.0) and w["code"] == "W1"


def test_totals_equal_the_inputs_inside_the_region():
    roofs = world.solar_roofs()
    outside = roofs.iloc[[0]].copy()
    outside["geometry"] = [world.shift(world.box(5000, 5000, 5010, 5010))]  # outside every commune
    inputs = world.all_inputs(solar_roofs=pd.concat([roofs, outside], ignore_index=True))
    frame = commune_indicators(world.communes(), inputs, None, PARAMS)
    suitable = roofs["class"] != "unsuitable"
    assert frame["pv_mwp"].sum() == pytest.approx(roofs.loc[suitable, "kwp"].sum() / 1e3)
    everything = DistrictsParams(solar_classes=("very_good", "good", "conditional", "unsuitable"))
    frame = commune_indicators(world.communes(), inputs, None, everything)
    assert frame["pv_mwp"].sum() == pytest.approx(roofs["kwp"].sum() / 1e3)
    assert (frame["candidate_districts"] == 0).all()


def test_missing_layers_count_zero():
    frame = commune_indicators(world.communes(), {"communes": world.communes()}, None, PARAMS)
    check_layer(get_layer("commune_indicators"), frame, world.CRS_LU)
    for col in ("pv_mwp", "wind_mw", "geothermal_gwh_yr", "heat_demand_gwh_yr", "corridor_length_km",
                "co2_avoidable_t_yr"):
        assert (frame[col] == 0).all()
    assert frame["heat_demand_in_dh_share"].isna().all() and frame["connectivity"].isna().all()


def test_connectivity_needs_two_cores_of_the_same_network():
    cores = world.habitat_cores()
    cores.loc[1, "network"] = "blue"  # g2 is now blue: the green path links g1 to no other green core
    share = connectivity(world.communes(), cores, world.corridor_paths())
    assert share.tolist() == [0.0, 0.0]


def test_connectivity_from_the_corridor_step_fields():
    cores = world.habitat_cores()
    paths = world.corridor_paths()
    paths["core_a"], paths["core_b"] = "g1", "g3"  # the ids say g1-g3, whatever the geometry
    assert connectivity(world.communes(), cores, paths).tolist() == [1.0, 0.0]
    cores["link_count"] = [0, 1, 0]  # link counts win over paths
    assert connectivity(world.communes(), cores, paths).tolist() == [0.0, 1.0]


def test_network_pc_from_the_corridor_summary():
    summary = pd.DataFrame({"commune": ["Eastby", "Westby", "Westby"], "network": ["green", "green", "blue"],
                            "pc": [0.02, 0.05, 0.01]})
    frame = commune_indicators(world.communes(), {"corridor_commune_summary": summary}, None, PARAMS)
    assert frame["pc_green"].tolist() == [0.05, 0.02]
    assert frame["pc_blue"].tolist()[0] == 0.01 and np.isnan(frame["pc_blue"].tolist()[1])
    assert frame["pc_black"].isna().all()


def test_csv_export(indicators, tmp_path):
    frame = indicators.reset_index()
    path = tmp_path / "indicators.csv"
    text = indicators_to_csv(frame, path)
    assert path.read_text(encoding="utf-8") == text
    header = text.splitlines()[0].split(",")
    assert header == list(get_layer("commune_indicators").field_names)  # no geometry, catalog order
    back = pd.read_csv(io.StringIO(text))
    assert back["commune"].tolist() == ["Westby", "Eastby"]
    np.testing.assert_allclose(back["co2_avoidable_t_yr"], frame["co2_avoidable_t_yr"].round(3))
    assert back["wind_sites"].tolist() == [0, 2]
    assert len(text.splitlines()) == 3


def test_green_roof_indicators_by_hand():
    """Green-roof area, retention, biosolar area and the stepping stones' green area per commune, summed by hand
    from three roofs: Westby a 150 m2 stepping stone and a 60 m2 roof that is not one, Eastby a 400 m2 biosolar
    stepping stone."""
    roofs = world.gdf([
        {"green_area_m2": 150.0, "retention_m3_yr": 60.0, "biosolar_area_m2": 0.0, "stepping_stone": True},
        {"green_area_m2": 60.0, "retention_m3_yr": 20.0, "biosolar_area_m2": 0.0, "stepping_stone": False},
        {"green_area_m2": 400.0, "retention_m3_yr": 170.0, "biosolar_area_m2": 400.0, "stepping_stone": True},
    ], [world.box(100, 100, 115, 110), world.box(300, 100, 310, 106), world.box(1500, 100, 1520, 120)])
    frame = commune_indicators(world.communes(), world.all_inputs(green_roofs=roofs), None, PARAMS)
    frame = frame.set_index("commune")
    expected = {"green_roof_m2": (210.0, 400.0), "green_roof_retention_m3_yr": (80.0, 170.0),
                "biosolar_m2": (0.0, 400.0), "green_roof_stepping_stone_m2": (150.0, 400.0)}
    for col, (west, east) in expected.items():
        assert (frame.loc["Westby", col], frame.loc["Eastby", col]) == pytest.approx((west, east), rel=1e-9), col
