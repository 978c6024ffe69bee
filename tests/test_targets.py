"""Climate targets (issue 18 A): target arithmetic on a hand-made three-commune inventory against numbers
computed by hand (in the comments; tolerance 1e-9 relative), the path shapes, bad inventories and regions
without targets or inventory."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import CRS

from layers.catalog import get_layer
from layers.errors import ConfigError, InputDataError
from layers.region import ClimateTargets, RegionContext, parse_region
from layers.sources import read_table
from layers.validate import check_layer
from processing.pipeline import StepContext
from processing.targets import STEP, TargetsParams
from processing.targets.trajectory import allowed_share

CRS_2169 = CRS.from_epsg(2169)
PLAN = {"base_year": 2005, "reductions_pct": {2030: 55.0}, "neutrality_year": 2050, "path": "linear"}
#: Round factors so that the hand computation stays exact: grid 0.25 t/MWh, fuel 0.2 t/MWh at 80 % efficiency
#: = 0.25 t per MWh of heat.
FACTORS = {"grid_co2_t_mwh": 0.25, "heat_fuel_co2_t_mwh": 0.2, "boiler_efficiency": 0.8}


def _full(layer_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every other declared field of ``layer_id`` filled (0, the first class or "x", False): the
    step reads its inputs through the catalog check."""
    defaults = {"int": 0, "float": 0.0, "str": "x", "bool": False}
    for f in get_layer(layer_id).fields:
        if f.name not in frame:
            frame[f.name] = f.values[0] if f.values else defaults[f.dtype]
    return frame


def _communes() -> gpd.GeoDataFrame:
    boxes = [shapely.box(x, 0, x + 1000, 1000) for x in (0, 1000, 2000)]
    return gpd.GeoDataFrame({"name": ["Alpha", "Beta", "Gamma"], "code": ["A", "B", "C"], "area_km2": 1.0},
                            geometry=boxes, crs=CRS_2169)


def _inventory() -> pd.DataFrame:
    rows = [("A", 2005, "buildings_heat", 1000.0), ("A", 2005, "electricity", 500.0),
            ("A", 2020, "buildings_heat", 800.0), ("A", 2020, "electricity", 300.0),
            ("B", 2005, "buildings_heat", 2000.0), ("B", 2005, "transport", 1000.0),
            ("B", 2020, "buildings_heat", 1000.0), ("B", 2020, "transport", 900.0),
            ("C", 2005, "electricity", 400.0), ("C", 2015, "electricity", 380.0), ("C", 2022, "electricity", 100.0)]
    return pd.DataFrame(rows, columns=["code", "year", "sector", "emissions_t_yr"])


def _indicators(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Potentials [GWh/yr]: A roof PV 1.0 (1 MWp) and heat pumps delivering 0.9 for 0.225 of electricity; B PV 0.4,
    heat pumps 1.8 for 0.45, demand 2.0, recovered heat 0.5; C wind 2.0."""
    frame = pd.DataFrame({
        "commune": ["Alpha", "Beta", "Gamma"], "code": ["A", "B", "C"], "pv_mwp": [1.0, 0.4, 0.0],
        "pv_gwh_yr": [1.0, 0.4, 0.0],
        "wind_gwh_yr": [0.0, 0.0, 2.0], "geothermal_gwh_yr": [0.9, 1.8, 0.0],
        "heat_pump_electricity_gwh_yr": [0.225, 0.45, 0.0], "heat_demand_gwh_yr": [3.0, 2.0, 0.0],
        "excess_heat_used_gwh_yr": [0.0, 0.5, 0.0]})
    return _full("commune_indicators", gpd.GeoDataFrame(frame, geometry=communes.geometry.values, crs=CRS_2169))


def _recovery(communes: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    areas = gpd.GeoDataFrame({"area_id": [1], "commune": ["Beta"]}, geometry=[communes.geometry[1].buffer(-100)],
                             crs=CRS_2169)
    links = gpd.GeoDataFrame({"area_id": [1], "heat_pump_electricity_mwh_yr": [100.0]},
                             geometry=[shapely.LineString([(1100, 500), (1500, 500)])], crs=CRS_2169)
    return _full("heat_recovery_areas", areas), _full("heat_recovery_links", links)


def _run(inputs: dict, plan: dict | None = PLAN, tmp_path: Path = Path("."), **params) -> dict:
    region = RegionContext("t", CRS_2169, (0.0, 0.0, 3000.0, 1000.0), {})
    parsed = TargetsParams.model_validate({**FACTORS, **params, **({"plan": plan} if plan else {})})
    ctx = StepContext(region, {"communes": _communes(), **inputs}, parsed, lambda f, m: None, tmp_path)
    out = dict(STEP.run(ctx))
    for layer_id, data in out.items():
        check_layer(get_layer(layer_id), data, CRS_2169)
    return out


@pytest.fixture
def result(tmp_path):
    communes = _communes()
    areas, links = _recovery(communes)
    return _run({"ghg_inventory": _inventory(), "commune_indicators": _indicators(communes),
                 "heat_recovery_areas": areas, "heat_recovery_links": links}, tmp_path=tmp_path)


def _row(table: pd.DataFrame, code: str, sector: str, year: int) -> pd.Series:
    hit = table[(table["code"] == code) & (table["sector"] == sector) & (table["target_year"] == year)]
    assert len(hit) == 1
    return hit.iloc[0]


# Hand computation, commune A (latest year 2020; the linear path allows 1 - 0.55 * 15/25 = 0.67 of 2005):
#   buildings heat: base 1000, latest 800, target 2030 = 450, gap 350, path 670 -> behind by 130;
#     heat pumps 900 MWh * 0.25 - 225 MWh * 0.25 = 168.75 t; coverable 168.75, uncovered 181.25, 48.2142857 %;
#     2050: gap 800, coverable 168.75, uncovered 631.25
#   electricity: base 500, latest 300, target 225, gap 75, path 335 -> on track; PV 1000 MWh * 0.25 = 250 t,
#     avoidable 250, coverable 75, uncovered 0, 100 %; 2050: gap 300, coverable 250, uncovered 50
#   total: base 1500, latest 1100, target 675, gap 425, path 1005 -> behind by 95; avoidable 418.75,
#     coverable 418.75, uncovered 6.25, 98.5294118 %
# Commune B (latest 2020): recovered heat 500 MWh * 0.25 - 100 MWh * 0.25 = 100 t; heat pumps held to
#   demand 2000 - 500 = 1500 of their 1800 MWh: 1500/1800 * (1800 - 450) * 0.25 = 281.25 t
#   buildings heat: base 2000, latest 1000, target 900, gap 100, path 1340 -> on track; avoidable 381.25,
#     coverable 100, uncovered 0
#   transport: base 1000, latest 900, target 450, gap 450, path 670 -> behind by 230; nothing covers it
#   total: base 3000, latest 1900, target 1350, gap 550, path 2010 -> on track; coverable 381.25,
#     uncovered 168.75, 69.3181818 %; PV (100 t) is not credited: B's inventory has no electricity sector
# Commune C (latest 2022; path allows 1 - 0.55 * 17/25 = 0.626): electricity base 400, latest 100, target 180,
#   gap 0 -> share empty, path 250.4 -> on track; wind 2000 MWh * 0.25 = 500 t, avoidable held to 100;
#   2050: gap 100, coverable 100, uncovered 0
HAND = [
    # code, sector, year, target, gap, avoidable, coverable, uncovered, share %, path latest, behind, status
    ("A", "buildings_heat", 2030, 450, 350, 168.75, 168.75, 181.25, 168.75 / 350 * 100, 670, 130, "behind by 130 t"),
    ("A", "buildings_heat", 2050, 0, 800, 168.75, 168.75, 631.25, 168.75 / 800 * 100, 670, 130, "behind by 130 t"),
    ("A", "electricity", 2030, 225, 75, 250, 75, 0, 100, 335, 0, "on track"),
    ("A", "electricity", 2050, 0, 300, 250, 250, 50, 250 / 300 * 100, 335, 0, "on track"),
    ("A", "total", 2030, 675, 425, 418.75, 418.75, 6.25, 418.75 / 425 * 100, 1005, 95, "behind by 95 t"),
    ("B", "buildings_heat", 2030, 900, 100, 381.25, 100, 0, 100, 1340, 0, "on track"),
    ("B", "transport", 2030, 450, 450, 0, 0, 450, 0, 670, 230, "behind by 230 t"),
    ("B", "total", 2030, 1350, 550, 381.25, 381.25, 168.75, 381.25 / 550 * 100, 2010, 0, "on track"),
    ("C", "electricity", 2030, 180, 0, 100, 0, 0, np.nan, 250.4, 0, "on track"),
    ("C", "electricity", 2050, 0, 100, 100, 100, 0, 100, 250.4, 0, "on track"),
]


@pytest.mark.parametrize("case", HAND, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_target_arithmetic_matches_hand_computation(result, case):
    code, sector, year, target, gap, avoidable, coverable, uncovered, share, path, behind, status = case
    row = _row(result["climate_targets"], code, sector, year)
    got = row[["target_t_yr", "gap_t_yr", "avoidable_t_yr", "coverable_t_yr", "uncovered_t_yr",
               "coverable_share_pct", "path_latest_t_yr", "behind_t_yr"]].to_numpy(float)
    np.testing.assert_allclose(got, [target, gap, avoidable, coverable, uncovered, share, path, behind],
                               rtol=1e-9, atol=1e-9, equal_nan=True)
    assert row["status"] == status
    assert bool(row["on_track"]) == (status == "on track")


def test_potentials_are_credited_to_their_sectors(result):
    table = result["climate_targets"]
    a_heat, a_el = _row(table, "A", "buildings_heat", 2030), _row(table, "A", "electricity", 2030)
    assert (a_heat["pv_t_yr"], a_heat["heat_pump_t_yr"]) == (0.0, pytest.approx(168.75))
    assert (a_el["pv_t_yr"], a_el["heat_pump_t_yr"]) == (pytest.approx(250.0), 0.0)
    b_heat = _row(table, "B", "buildings_heat", 2030)
    assert b_heat["district_heating_t_yr"] == pytest.approx(100.0)
    assert b_heat["heat_pump_t_yr"] == pytest.approx(281.25)
    assert _row(table, "B", "total", 2030)["pv_t_yr"] == 0.0  # B has no electricity sector
    assert _row(table, "C", "total", 2030)["wind_t_yr"] == pytest.approx(500.0)
    # every commune, sector (and total) in each target year
    assert len(table) == (3 + 3 + 2) * 2
    assert set(table["target_kind"]) == {"reduction", "neutrality"}
    a = _row(table, "A", "total", 2030)
    assert a["change_pct"] == pytest.approx(-400 / 1500 * 100)


def test_commune_layer_is_the_next_target_with_neutrality(result):
    layer = result["climate_target_communes"].set_index("code")
    assert list(layer.index) == ["A", "B", "C"]
    assert (layer["target_year"] == 2030).all() and (layer["neutrality_year"] == 2050).all()
    # neutrality: latest - avoidable = 1100 - 418.75, 1900 - 381.25, 100 - 100
    np.testing.assert_allclose(layer["neutrality_uncovered_t_yr"], [681.25, 1518.75, 0.0])
    assert list(layer["status"]) == ["behind by 95 t", "on track", "on track"]
    assert layer.geometry.equals(_communes().set_index("code").geometry)


#: Neutrality counted at an 80 % cut (the rest compensated) in 2030, zero emissions in 2040: Helsinki's shape.
COMPENSATED = {"base_year": 2005, "neutrality_year": 2030, "neutrality_reduction_pct": 80.0,
               "reductions_pct": {2040: 100.0}, "path": "linear"}


def test_neutrality_at_a_compensated_cut(tmp_path):
    """Hand computation, commune A (latest 2020; the path allows 1 - 0.8 * 15/25 = 0.52 of 2005):
    total: target 2030 = 1500 * 0.2 = 300, gap 800, avoidable 418.75, uncovered 381.25, path 780 -> behind by 320;
    2040: target 0, gap 1100, uncovered 681.25. Commune B: target 600, gap 1300, uncovered 1300 - 381.25 = 918.75.
    Commune C (electricity only, latest 2022): target 80, gap 20, covered by its wind: uncovered 0."""
    communes = _communes()
    areas, links = _recovery(communes)
    out = _run({"ghg_inventory": _inventory(), "commune_indicators": _indicators(communes),
                "heat_recovery_areas": areas, "heat_recovery_links": links}, plan=COMPENSATED, tmp_path=tmp_path)
    table = out["climate_targets"]
    a_2030, a_2040 = _row(table, "A", "total", 2030), _row(table, "A", "total", 2040)
    assert (a_2030["target_kind"], a_2030["reduction_pct"]) == ("neutrality", 80.0)
    assert (a_2040["target_kind"], a_2040["reduction_pct"]) == ("reduction", 100.0)
    np.testing.assert_allclose(a_2030[["target_t_yr", "gap_t_yr", "uncovered_t_yr", "path_latest_t_yr",
                                       "behind_t_yr"]].to_numpy(float), [300, 800, 381.25, 780, 320], rtol=1e-9)
    np.testing.assert_allclose(a_2040[["target_t_yr", "gap_t_yr", "uncovered_t_yr"]].to_numpy(float),
                               [0, 1100, 681.25], rtol=1e-9, atol=1e-9)
    layer = out["climate_target_communes"].set_index("code")
    assert (layer["neutrality_year"] == 2030).all() and (layer["target_year"] == 2030).all()
    np.testing.assert_allclose(layer["neutrality_uncovered_t_yr"], [381.25, 918.75, 0.0], rtol=1e-9, atol=1e-9)
    path = out["climate_target_path"]
    allowed = path[(path["code"] == "A") & (path["sector"] == "total")].set_index("year")["path_t_yr"]
    np.testing.assert_allclose(allowed.loc[[2030, 2035, 2040]], [300, 150, 0], rtol=1e-9, atol=1e-9)


def test_installations_tracked_against_the_pv_potential(tmp_path):
    """Latest installation year L = 2021, pace over 2019-2021. A: PV 100 + 50 + 150 + 60 = 360 kWp of 1,000
    (36 %), pace 260 / 3, needed (1000 - 360) / (2030 - 2021); 4 heat pumps in 2021, pace 4/3. B: 30 kWp in 2016,
    pace 0, needed 370 / 9. C: nothing, potential 0. No district-heating rows: unknown, left empty."""
    communes = _communes()
    rows = [("A", 2018, "pv_kwp", 100.0), ("A", 2019, "pv_kwp", 50.0), ("A", 2020, "pv_kwp", 150.0),
            ("A", 2021, "pv_kwp", 60.0), ("A", 2021, "heat_pumps", 4.0), ("B", 2016, "pv_kwp", 30.0)]
    installations = pd.DataFrame(rows, columns=["code", "year", "kind", "added"])
    out = _run({"ghg_inventory": _inventory(), "commune_indicators": _indicators(communes),
                "installations": installations}, tmp_path=tmp_path)
    layer = out["climate_target_communes"].set_index("code")
    np.testing.assert_allclose(layer["pv_installed_kwp"], [360, 30, 0])
    np.testing.assert_allclose(layer["pv_potential_kwp"], [1000, 400, 0])
    np.testing.assert_allclose(layer["pv_realised_pct"], [36, 7.5, np.nan])
    np.testing.assert_allclose(layer["pv_pace_kwp_yr"], [260 / 3, 0, 0])
    np.testing.assert_allclose(layer["pv_needed_kwp_yr"], [640 / 9, 370 / 9, 0])
    np.testing.assert_allclose(layer["heat_pumps_installed"], [4, 0, 0])
    np.testing.assert_allclose(layer["heat_pumps_pace_yr"], [4 / 3, 0, 0])
    assert layer["dh_connections_installed"].isna().all()
    bad = pd.concat([installations, installations.iloc[[0]].assign(code="Q", added=-1.0)], ignore_index=True)
    with pytest.raises(InputDataError, match=r"negative amount(.|\n)*\['Q'\] are not in the communes"):
        _run({"ghg_inventory": _inventory(), "installations": bad}, tmp_path=tmp_path)


def test_path_table_holds_path_and_observations(result):
    path = result["climate_target_path"]
    a_total = path[(path["code"] == "A") & (path["sector"] == "total")].set_index("year")
    assert a_total.index.min() == 2005 and a_total.index.max() == 2050
    assert a_total.loc[2020, "path_t_yr"] == pytest.approx(1005.0)
    assert a_total.loc[2020, "observed_t_yr"] == pytest.approx(1100.0)
    assert np.isnan(a_total.loc[2015, "observed_t_yr"])
    assert a_total.loc[2040, "path_t_yr"] == pytest.approx(1500 * 0.45 / 2)  # halfway from 45 % to 0
    c_el = path[(path["code"] == "C") & (path["sector"] == "electricity")].set_index("year")
    assert c_el.loc[2015, "observed_t_yr"] == 380.0


def test_constant_rate_path():
    milestones = [(2005, 0.0), (2030, 55.0), (2050, 100.0)]
    share = allowed_share(milestones, [2000, 2005, 2017.5, 2030, 2040, 2050, 2060], "constant_rate")
    # geometric halfway between 1 and 0.45 is sqrt(0.45); the stretch to zero stays linear
    np.testing.assert_allclose(share, [1.0, 1.0, np.sqrt(0.45), 0.45, 0.225, 0.0, 0.0], rtol=1e-12)
    linear = allowed_share(milestones, [2017.5], "linear")
    np.testing.assert_allclose(linear, [1 - 0.275])


def _bad(inventory: pd.DataFrame, tmp_path) -> str:
    with pytest.raises(InputDataError) as err:
        _run({"ghg_inventory": inventory}, tmp_path=tmp_path)
    return str(err.value)


def test_unknown_codes_are_named(tmp_path):
    inv = _inventory()
    inv.loc[inv["code"] == "C", "code"] = "ZZ"
    message = _bad(inv, tmp_path)
    assert "['ZZ']" in message and "not in the communes input" in message and "A, B, C" in message


def test_missing_base_year_is_named(tmp_path):
    inv = _inventory()
    message = _bad(inv[~((inv["code"] == "B") & (inv["year"] == 2005))], tmp_path)
    assert "communes ['B'] have no rows for the base year 2005" in message
    assert "2005, 2015, 2020, 2022" in message


def test_negative_and_duplicated_rows_are_named_together(tmp_path):
    inv = _inventory()
    inv.loc[0, "emissions_t_yr"] = -5.0
    inv = pd.concat([inv, inv.iloc[[3]]], ignore_index=True)
    message = _bad(inv, tmp_path)
    assert "1 rows have negative emissions (A/2005/buildings_heat = -5)" in message
    assert "2 rows share a commune, year and source sector (A/2020/electricity = 300" in message


def test_sector_missing_in_base_or_latest_year_is_named(tmp_path):
    inv = pd.concat([_inventory(), pd.DataFrame([("A", 2020, "waste", 10.0)], columns=_inventory().columns)])
    assert "A/waste" in _bad(inv, tmp_path) and "no base-year 2005 row" in _bad(inv, tmp_path)
    inv = _inventory()
    message = _bad(inv[~((inv["code"] == "A") & (inv["year"] == 2020) & (inv["sector"] == "electricity"))], tmp_path)
    assert "A/electricity" in message and "missing from their commune's latest year" in message


def test_without_targets_the_layers_are_empty_and_explained(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        out = _run({"ghg_inventory": _inventory()}, plan=None, tmp_path=tmp_path)
    assert all(len(v) == 0 for v in out.values())
    assert any("no [targets]" in r.getMessage() and getattr(r, "explains", False) for r in caplog.records)


def test_without_inventory_the_layers_are_empty_and_explained(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        out = _run({}, tmp_path=tmp_path)
    assert all(len(v) == 0 for v in out.values())
    assert any("[inputs.ghg_inventory]" in r.getMessage() for r in caplog.records)


def test_targets_section_is_validated(tmp_path):
    base = {"region": {"id": "x", "title": "X", "crs": "EPSG:2169", "extent": [0, 0, 1000, 1000]}}
    config = parse_region({**base, "targets": {"base_year": 2005, "reductions_pct": {"2030": 55},
                                               "neutrality_year": 2050}}, tmp_path)
    assert config.targets == ClimateTargets(**PLAN)
    assert parse_region(base, tmp_path).targets is None  # no default targets
    for bad, words in (({"base_year": 2005, "reductions_pct": {"2000": 10}}, "not after base_year"),
                       ({"base_year": 2005, "reductions_pct": {"2030": 55, "2040": 40}}, "targets only tighten"),
                       ({"base_year": 2005, "reductions_pct": {"2030": 155}}, "0-100"),
                       ({"base_year": 2005}, "at least one target"),
                       ({"base_year": 2005, "neutrality_year": 2030, "reductions_pct": {"2040": 60}}, "neutrality"),
                       ({"base_year": 2005, "neutrality_year": 2030, "neutrality_reduction_pct": 80,
                         "reductions_pct": {"2040": 70}}, "targets only tighten"),
                       ({"base_year": 2005, "neutrality_year": 2030, "neutrality_reduction_pct": 80,
                         "reductions_pct": {"2025": 85}}, "targets only tighten"),
                       ({"base_year": 2005, "neutrality_year": 2030, "reductions_pct": {"2030": 55}}, "differ from"),
                       ({"base_year": 2005, "reductions_pct": {"2030": 55}, "neutrality_reduction_pct": 80},
                        "needs a neutrality_year"),
                       ({"base_year": 2005, "neutrality_year": 2030, "neutrality_reduction_pct": 0}, "greater than 0")):
        with pytest.raises(ConfigError, match=words):
            parse_region({**base, "targets": bad}, tmp_path)


@pytest.mark.parametrize("driver,ext", [("XLSX", "xlsx"), ("ODS", "ods"), ("GPKG", "gpkg")])
def test_inventory_from_spreadsheets_and_geopackage(tmp_path, driver, ext):
    """Any GDAL table: an XLSX or ODS sheet, a GeoPackage attribute table, with its own field names mapped."""
    path = tmp_path / f"inventory.{ext}"
    pyogrio.write_dataframe(_inventory().rename(columns={"code": "LAU2", "emissions_t_yr": "tCO2e"}), path,
                            driver=driver, layer="emissions")
    config = parse_region({"region": {"id": "x", "title": "X", "crs": "EPSG:2169", "extent": [0, 0, 1, 1]},
                           "inputs": {"ghg_inventory": {"path": str(path), "layer": "emissions",
                                                        "fields": {"code": "LAU2", "emissions_t_yr": "tCO2e"}}}},
                          tmp_path)
    table = read_table(config, "ghg_inventory", config.inputs["ghg_inventory"])
    pd.testing.assert_frame_equal(table.drop(columns="sector_source"), _inventory(), check_dtype=False)
    assert table["sector_source"].tolist() == table["sector"].tolist()  # no values mapping: the source's own
    with pytest.raises(InputDataError, match="its layers .*emissions"):
        read_table(config, "ghg_inventory", config.inputs["ghg_inventory"].model_copy(update={"layer": "nope"}))


# -- several source sectors mapped onto one -------------------------------------------------------------------

#: French sub-sectors of A's buildings heat [t CO2e yr-1], binary-exact so that the hand sums are exact:
#: 2005: 612.5 + 387.5 = 1000; 2020: 500.25 + 299.75 = 800 (the pre-summed _inventory()'s values).
FRENCH = {("A", 2005): {"Résidentiel": 612.5, "Tertiaire": 387.5},
          ("A", 2020): {"Résidentiel": 500.25, "Tertiaire": 299.75}}
#: HSY-style heating sub-sectors of B's buildings heat: 2005: 1200.25 + 600.5 + 199.25 = 2000;
#: 2020: 700.125 + 250.5 + 49.375 = 1000.
FINNISH = {("B", 2005): {"Kaukolämpö": 1200.25, "Sähkölämmitys": 600.5, "Öljylämmitys": 199.25},
           ("B", 2020): {"Kaukolämpö": 700.125, "Sähkölämmitys": 250.5, "Öljylämmitys": 49.375}}


def _split(parts: dict) -> pd.DataFrame:
    """_inventory() with the buildings-heat rows of ``parts`` replaced by their source sub-sectors."""
    rows = []
    for r in _inventory().itertuples(index=False):
        split = parts.get((r.code, r.year)) if r.sector == "buildings_heat" else None
        rows += [(r.code, r.year, k, v) for k, v in split.items()] if split else [tuple(r)]
    return pd.DataFrame(rows, columns=["code", "year", "sector", "emissions_t_yr"])


def _read_mapped(tmp_path: Path, frame: pd.DataFrame, parts: dict, separator: str = ",") -> pd.DataFrame:
    """``frame`` written as a CSV (a decimal comma with ``;``) and read with a values mapping of the sub-sectors."""
    text = frame.astype(str)
    if separator == ";":
        text["emissions_t_yr"] = text["emissions_t_yr"].str.replace(".", ",", regex=False)
    text.to_csv(tmp_path / "inventory.csv", sep=separator, index=False)
    subsectors = {k: "buildings_heat" for split in parts.values() for k in split}
    config = parse_region({"region": {"id": "x", "title": "X", "crs": "EPSG:2169", "extent": [0, 0, 1, 1]},
                           "inputs": {"ghg_inventory": {"path": "inventory.csv", "values": {"sector": subsectors}}}},
                          tmp_path)
    return read_table(config, "ghg_inventory", config.inputs["ghg_inventory"])


@pytest.mark.parametrize(("parts", "separator", "sources"), [
    (FRENCH, ",", "Résidentiel, Tertiaire"),
    (FINNISH, ";", "Kaukolämpö, Sähkölämmitys, Öljylämmitys"),
    ({**FRENCH, **FINNISH}, ";", "Résidentiel, Tertiaire, Kaukolämpö, Sähkölämmitys, Öljylämmitys"),
], ids=["french", "finnish", "both"])
def test_source_sectors_mapped_onto_one_are_summed(tmp_path, caplog, parts, separator, sources):
    inventory = _read_mapped(tmp_path, _split(parts), parts, separator)
    assert set(inventory["sector_source"]) >= {k for split in parts.values() for k in split}
    with caplog.at_level(logging.WARNING):
        mapped = _run({"ghg_inventory": inventory}, tmp_path=tmp_path)
    presummed = _run({"ghg_inventory": _inventory()}, tmp_path=tmp_path)
    for layer_id in mapped:  # the targets layers equal those of the pre-summed inventory
        pd.testing.assert_frame_equal(pd.DataFrame(mapped[layer_id]), pd.DataFrame(presummed[layer_id]), rtol=1e-12)
    table = mapped["climate_targets"]
    for (code, year), split in parts.items():  # by hand: the sub-sectors' sum (exact in binary)
        column = "base_t_yr" if year == 2005 else "latest_t_yr"
        assert _row(table, code, "buildings_heat", 2030)[column] == pytest.approx(sum(split.values()), rel=1e-12)
    n_rows, n_keys = sum(len(v) for v in parts.values()), len(parts)
    notes = [r.getMessage() for r in caplog.records if getattr(r, "explains", False)]
    assert any(f"{sources} into buildings_heat ({n_rows} rows into {n_keys})" in n for n in notes), notes


def test_a_source_sector_given_twice_is_a_double_entry(tmp_path):
    frame = _split(FINNISH)
    twice = frame[(frame["code"] == "B") & (frame["year"] == 2020) & (frame["sector"] == "Öljylämmitys")]
    inventory = _read_mapped(tmp_path, pd.concat([frame, twice], ignore_index=True), FINNISH)
    message = _bad(inventory, tmp_path)
    assert ("2 rows share a commune, year and source sector (B/2020/Öljylämmitys (buildings_heat) = 49.375, "
            "B/2020/Öljylämmitys (buildings_heat) = 49.375): a double entry in the source") in message
