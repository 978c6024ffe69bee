"""The geothermal step: probes under restrictions, the whole step on small hand-built inputs, bad inputs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from layers.catalog import get_layer
from layers.errors import ConfigError, InputDataError
from layers.validate import check_layer
from processing.geothermal import STEP
from processing.geothermal.probes import place_probes
from processing.geothermal.restrictions import restriction_polygons
from processing.pipeline import RegionContext, StepContext
from tests.hand_references import gpot_by_hand

CRS_LUX = CRS.from_epsg(2169)
X0, Y0 = 62000.0, 59000.0


def _restrictions(*zones) -> gpd.GeoDataFrame:
    wpz = gpd.GeoDataFrame({"drilling_class": [z[0] for z in zones], "max_depth_m": [z[1] for z in zones]},
                           geometry=[z[2] for z in zones], crs=CRS_LUX)
    return restriction_polygons(CRS_LUX, water_protection_zones=wpz)


def _house(x=X0 + 100, y=Y0 + 100):
    return shapely.box(x, y, x + 12, y + 10)


# --- probes ----------------------------------------------------------------------------------------------

def test_probes_keep_spacing_and_setbacks():
    houses = np.array([_house(), _house(X0 + 140), _house(X0 + 100, Y0 + 150)])
    sites = place_probes(houses, spacing_m=6.0, building_setback_m=3.0, boundary_setback_m=3.0, plot_depth_m=25.0)
    assert (sites.probes > 0).all() and sites.probes.sum() == len(sites.x)
    pts = shapely.points(sites.x, sites.y)
    d = np.hypot(sites.x[:, None] - sites.x[None], sites.y[:, None] - sites.y[None])
    assert d[~np.eye(len(d), dtype=bool)].min() >= 6.0 - 1e-9   # VDI 4640-2 spacing, across plots too
    for i, house in enumerate(houses):
        own = pts[sites.building == i]
        assert shapely.distance(house, own).min() >= 3.0             # building setback
        assert shapely.distance(house, own).max() <= 25.0 - 3.0      # inside the plot, off its outer edge
        others = np.delete(houses, i)
        nearer = shapely.distance(others[:, None], own[None]).min(axis=0) - shapely.distance(house, own)
        assert nearer.min() >= 2 * 3.0                               # off the boundary with the neighbours
    np.testing.assert_array_equal(sites.building_depth_m, 100.0)
    np.testing.assert_array_equal(sites.severity, 0)


def test_road_ends_the_plot():
    house = np.array([_house()])
    free = place_probes(house)
    road = np.array([shapely.LineString([(X0 + 118, Y0), (X0 + 118, Y0 + 300)])])  # 6 m east of the house
    cut = place_probes(house, roads=road, road_half_width_m=4.0, boundary_setback_m=3.0)
    assert 0 < cut.probes[0] < free.probes[0]
    assert (cut.x < X0 + 118).all()                       # nothing across the street
    assert (shapely.distance(road[0], shapely.points(cut.x, cut.y)) >= 7.0).all()


def test_forbidden_zone_yields_no_probes():
    house = np.array([_house()])
    forbidden = _restrictions(("forbidden", np.nan, _house().buffer(50.0)))
    sites = place_probes(house, restrictions=forbidden)
    assert sites.probes[0] == 0 and len(sites.x) == 0
    assert np.isnan(sites.building_depth_m[0]) and sites.severity[0] == 3  # "forbidden"
    # a forbidden zone over half of the plot removes the probes inside it only
    west = _restrictions(("forbidden", np.nan, shapely.box(X0, Y0, X0 + 106, Y0 + 300)))
    half = place_probes(house, restrictions=west)
    assert 0 < half.probes[0] < place_probes(house).probes[0] and (half.x > X0 + 106).all()
    assert half.severity[0] == 0  # the probes kept stand on allowed ground


def test_depth_limited_zone_caps_probe_length():
    house = np.array([_house()])
    limited = _restrictions(("depth_limited", 50.0, _house().buffer(50.0)))
    sites = place_probes(house, restrictions=limited, probe_length_m=100.0, min_probe_length_m=40.0)
    assert sites.probes[0] == place_probes(house).probes[0]
    np.testing.assert_array_equal(sites.depth_m, 50.0)
    assert sites.building_depth_m[0] == 50.0 and sites.severity[0] == 2  # "depth_limited"
    too_shallow = _restrictions(("depth_limited", 30.0, _house().buffer(50.0)))
    sites = place_probes(house, restrictions=too_shallow, min_probe_length_m=40.0)
    assert sites.probes[0] == 0 and sites.severity[0] == 2
    with pytest.raises(InputDataError, match="no positive max_depth_m"):
        _restrictions(("depth_limited", np.nan, _house().buffer(50.0)))


# --- the whole step on hand-built inputs -----------------------------------------------------------------

def _inputs():
    rng = np.random.default_rng(6)
    houses, ids, years, levels = [], [], [], []
    for i in range(20):          # 20 × 12 terraced blocks, 30 m apart: a dense quarter
        for j in range(12):
            houses.append(shapely.box(X0 + 100 + 30 * i, Y0 + 100 + 30 * j, X0 + 120 + 30 * i, Y0 + 116 + 30 * j))
            ids.append(f"dense-{i}-{j}"), years.append(int(rng.integers(1900, 1975))), levels.append(4)
    for i in range(6):           # scattered new detached houses on the east side
        houses.append(_house(X0 + 1500 + 80 * i, Y0 + 300))
        ids.append(f"house-{i}"), years.append(2020), levels.append(2)
    buildings = gpd.GeoDataFrame({"building_id": ids, "height_m": [9.0] * len(ids), "levels": levels,
                                  "use": ["residential"] * len(ids), "year_built": years,
                                  "roof_shape": ["gable"] * len(ids)}, geometry=houses, crs=CRS_LUX)
    geology = gpd.GeoDataFrame({"lithology": ["marl", "sandstone"]}, geometry=[
        shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)], crs=CRS_LUX)
    wpz = gpd.GeoDataFrame({"drilling_class": ["forbidden", "depth_limited", "allowed"],
                            "max_depth_m": [None, 60.0, None]}, geometry=[
        shapely.box(X0 + 1470, Y0 + 250, X0 + 1620, Y0 + 360),      # plots of houses 0 and 1
        shapely.box(X0 + 1630, Y0 + 250, X0 + 1790, Y0 + 360),      # plots of houses 2 and 3
        shapely.box(X0, Y0, X0 + 50, Y0 + 50)], crs=CRS_LUX)
    mining = gpd.GeoDataFrame({"kind": ["gallery"]}, geometry=[shapely.box(X0 + 1795, Y0 + 250, X0 + 1870, Y0 + 360)],
                              crs=CRS_LUX)
    natura = gpd.GeoDataFrame({"designation": ["natura2000_birds", "nature_reserve"], "zone": ["whole"] * 2},
                              geometry=[shapely.box(X0, Y0 + 800, X0 + 300, Y0 + 1000)] * 2, crs=CRS_LUX)
    roads = gpd.GeoDataFrame({"road_class": ["residential"] * 12}, geometry=[
        shapely.LineString([(X0, Y0 + 95 + 30 * j), (X0 + 1000, Y0 + 95 + 30 * j)]) for j in range(12)], crs=CRS_LUX)
    sources = gpd.GeoDataFrame({"name": ["steelworks"], "heat_mwh_yr": [60000.0]},
                               geometry=[shapely.Point(X0 + 900, Y0 + 700)], crs=CRS_LUX)
    flood = gpd.GeoDataFrame({"return_period_yr": [100]}, geometry=[shapely.box(X0, Y0, X0 + 50, Y0 + 900)],
                             crs=CRS_LUX)
    return {"geology": geology, "buildings": buildings, "water_protection_zones": wpz, "mining_zones": mining,
            "protected_areas": natura, "roads": roads, "heat_sources": sources, "flood_zones": flood}


def _run(inputs, tmp_path: Path, params=None):
    """Run the step on the hand-made Luxembourg region (ground temperature 11 °C, as the demo region states)."""
    region = RegionContext("hand", CRS_LUX, (X0, Y0, X0 + 2000, Y0 + 1000), {"geothermal": 10.0})
    params = {"ground_temperature_c": 11.0, **(params or {})}
    ctx = StepContext(region, inputs, STEP.parse_params(params), lambda f, m: None, tmp_path, step=STEP)
    return STEP.run(ctx)


def test_gpot_by_hand_reproduces_the_published_figure():
    assert gpot_by_hand(2.2) == pytest.approx(8.6, abs=0.05)  # docs/REFERENCES.md (Casasso & Sethi 2016)


def test_step_outputs_match_catalog_and_expectations(tmp_path):
    out = _run(_inputs(), tmp_path)
    assert set(out) == set(STEP.outputs)
    for layer_id, data in out.items():
        check_layer(get_layer(layer_id), data, CRS_LUX)

    pot = out["geothermal_potential"].load()
    assert pot.transform.a == 10.0 and pot.shape == (100, 200)
    assert pot.array[50, 50] == pytest.approx(gpot_by_hand(2.1), rel=1e-5)     # marl
    assert pot.array[50, 150] == pytest.approx(gpot_by_hand(2.3), rel=1e-5)    # sandstone
    assert out["geothermal_conductivity"].load().array[50, 150] == pytest.approx(2.3)
    assert out["geothermal_extraction_vdi"].load().array[50, 150] == 60.0

    restr = out["geothermal_restrictions"]
    assert sorted(zip(restr.source, restr.restriction_class)) == [
        ("flood_zones", "conditions"), ("mining_zones", "conditions"), ("protected_areas", "conditions"),
        ("water_protection_zones", "depth_limited"), ("water_protection_zones", "forbidden")]

    cells = out["heat_demand_density"]
    xy = shapely.get_coordinates(cells.geometry)
    assert (np.mod(xy, 100.0) == 0).all()          # 1-ha cells on 100 m multiples
    assert cells.buildings.sum() == 246

    areas = out["district_heating_areas"]
    assert len(areas) == 1
    dense = out["building_heat_supply"].building_id.str.startswith("dense")
    demand_dense = out["building_heat_supply"].demand_mwh_yr[dense].sum()
    assert areas.demand_gwh_yr.iloc[0] * 1000 == pytest.approx(demand_dense, rel=1e-9)
    assert areas.linear_heat_density_mwh_m_yr.iloc[0] > 1.5
    assert areas.heat_sources.iloc[0] == "steelworks"

    b = out["building_heat_supply"].set_index("building_id")
    assert b.loc[dense.to_numpy(), "in_district_heating_area"].all()
    assert (b.loc[dense.to_numpy(), "recommendation"] == "district_heating").all()
    h = b.loc[[f"house-{i}" for i in range(6)]]
    assert not h.in_district_heating_area.any()
    assert list(h.restriction_class) == ["forbidden", "forbidden", "depth_limited", "depth_limited",
                                         "conditions", "allowed"]
    assert list(h.probes[:2]) == [0, 0] and (h.probes[2:] > 0).all()
    assert list(h.probe_depth_m[2:]) == [60.0, 60.0, 100.0, 100.0]
    assert list(h.recommendation[:2]) == ["drilling_forbidden"] * 2
    # ground heat = probes x G.POT per probe (by hand) x the field factor (tested against Cimmino & Bernier
    # 2014 in test_geothermal_borefield); one probe alone keeps factor 1, more probes less
    per_probe = gpot_by_hand(2.3, length_m=60.0)
    assert h.ground_heat_mwh_yr.iloc[2] == pytest.approx(h.probes.iloc[2] * per_probe * h.field_factor.iloc[2])
    assert ((h.field_factor <= 1.0) & (h.field_factor > 0.0)).all()
    assert (h.field_factor[h.probes > 1] < 1.0).all() and (h.field_factor[h.probes <= 1] == 1.0).all()
    # SPF 4 (default): delivered = ground x 4/3, electricity = delivered / 4, coverage = delivered / demand
    assert h.delivered_heat_mwh_yr.to_numpy() == pytest.approx(h.ground_heat_mwh_yr.to_numpy() * 4 / 3)
    assert h.heat_pump_electricity_mwh_yr.to_numpy() == pytest.approx(h.delivered_heat_mwh_yr.to_numpy() / 4)
    assert h.coverage_ratio.iloc[5] == pytest.approx(h.delivered_heat_mwh_yr.iloc[5] / h.demand_mwh_yr.iloc[5])
    # a new 2-storey house (12 × 10 m, 45 kWh/m²/yr) needs 8.6 MWh/yr: its free plot covers it
    assert h.demand_mwh_yr.iloc[5] == pytest.approx(120 * 2 * 0.8 * 45 / 1000)
    assert h.recommendation.iloc[5] == "ground_source_heat_pump"


def test_step_parameters_change_results(tmp_path):
    out = _run(_inputs(), tmp_path, {"dh_area_threshold_gwh_yr": 1000.0, "conductivity_w_mk": {"sandstone": 3.0},
                                     "mining_zone_class": "forbidden"})
    assert len(out["district_heating_areas"]) == 0
    assert out["geothermal_potential"].load().array[50, 150] == pytest.approx(10.5, rel=0.02)
    b = out["building_heat_supply"].set_index("building_id")
    assert b.loc["house-4", "restriction_class"] == "forbidden" and b.loc["house-4", "probes"] == 0
    assert not b.in_district_heating_area.any()


@pytest.mark.parametrize(("raw", "message"), [
    ({"probe_spacing_m": 1.0}, "probe_spacing_m"),
    ({"specific_demand_kwh_m2_yr": {"residential": [100.0]}}, "need 7 values"),
    ({"period_end_years": [2000, 1950]}, "increase strictly"),
    ({"conductivity_w_mk": {"marl": 50.0}}, "0.1-10"),
    ({"natura2000_class": "depth_limited"}, "natura2000_class"),
    ({"plot_depth_m": 5.0}, "plot_depth_m must exceed"),
    ({"unknown": 1}, "unknown parameter"),
])
def test_bad_parameters_are_config_errors(raw, message):
    with pytest.raises(ConfigError, match=message):
        STEP.parse_params(raw)


def test_bad_inputs_say_what_to_fix(tmp_path):
    inputs = _inputs()
    with pytest.raises(InputDataError, match="'geology' lacks the field 'lithology'"):
        _run({**inputs, "geology": inputs["geology"].rename(columns={"lithology": "rock"})}, tmp_path)
    with pytest.raises(InputDataError, match=r"unknown values \['obsidian'\].*classes.geology.lithology"):
        _run({**inputs, "geology": inputs["geology"].assign(lithology="obsidian")}, tmp_path)
    with pytest.raises(InputDataError, match="needs 1 missing input: buildings"):
        _run({**inputs, "buildings": None}, tmp_path)
    with pytest.raises(InputDataError, match="expected the region CRS"):
        _run({**inputs, "roads": inputs["roads"].to_crs(4326)}, tmp_path)
    with pytest.raises(InputDataError, match=r"drilling_class' holds unknown values \['maybe'\]"):
        _run({**inputs, "water_protection_zones": inputs["water_protection_zones"].assign(drilling_class="maybe")},
             tmp_path)
    with pytest.raises(InputDataError, match=r"'use' holds unknown values \['castle'\]"):
        _run({**inputs, "buildings": inputs["buildings"].assign(use="castle")}, tmp_path)


def test_step_without_optional_inputs_or_buildings(tmp_path):
    inputs = _inputs()
    out = _run({"geology": inputs["geology"], "buildings": inputs["buildings"].iloc[:0]}, tmp_path)
    for layer_id, data in out.items():
        check_layer(get_layer(layer_id), data, CRS_LUX)
    assert len(out["geothermal_restrictions"]) == 0 and len(out["building_heat_supply"]) == 0
    assert len(out["heat_demand_density"]) == 0 and len(out["district_heating_areas"]) == 0


def test_ground_rasters_window_by_window_equal_one_window(tmp_path, monkeypatch):
    """Windowing must not change the result: 7-cell windows (ragged edges) against one window."""
    from layers.grid import Grid
    from processing.geothermal import ground
    from processing.geothermal.conductivity import conductivity_table

    geology = _inputs()["geology"]
    grid = Grid((X0 + 3.0, Y0 - 35.0, X0 + 1997.0, Y0 + 433.0), 10.0, CRS_LUX)  # → Y0 - 40 .. Y0 + 440
    (tmp_path / "one").mkdir(), (tmp_path / "many").mkdir()
    one = ground.ground_rasters(geology, grid, tmp_path / "one", conductivity_table())
    monkeypatch.setattr(ground, "WINDOW_CELLS", 7)
    many = ground.ground_rasters(geology, grid, tmp_path / "many", conductivity_table())
    for key in ("conductivity", "extraction", "potential"):
        a, b = one[key].load(), many[key].load()
        np.testing.assert_array_equal(a.array, b.array)
        assert a.transform == b.transform == grid.transform and a.unit == b.unit
    lam = one["conductivity"].load().array
    assert lam.shape == (48, 200) and np.isnan(lam[-4:]).all()  # the last 4 rows lie south of the geology
    assert (lam[:-4, :100] == np.float32(2.1)).all() and (lam[:-4, 100:] == np.float32(2.3)).all()


def test_invalid_footprints_are_repaired(tmp_path):
    inputs = _inputs()
    bow_tie = shapely.Polygon([(X0 + 1900, Y0 + 600), (X0 + 1920, Y0 + 620), (X0 + 1920, Y0 + 600),
                               (X0 + 1900, Y0 + 620)])
    buildings = inputs["buildings"].copy()
    buildings.loc[len(buildings) - 1, "geometry"] = bow_tie
    out = _run({**inputs, "buildings": buildings}, tmp_path)
    b = out["building_heat_supply"]
    check_layer(get_layer("building_heat_supply"), b, CRS_LUX)
    assert len(b) == len(buildings) and b.geometry.is_valid.all()
    assert b.heated_area_m2.iloc[-1] == pytest.approx(200.0 * 2 * 0.8)  # two 100 m² triangles, 2 storeys


def _notes(caplog) -> list[str]:
    """The notes the step logged: warnings that explain (``extra=EXPLANATION``), not degradations."""
    return [r.getMessage() for r in caplog.records if getattr(r, "explains", False)]


def test_default_heat_demand_rows_are_noted(tmp_path, caplog):
    inputs = _inputs()
    houses = inputs["buildings"].iloc[-6:].assign(use=["residential"] * 5 + [None])  # a missing use is residential
    _run({"geology": inputs["geology"], "buildings": houses}, tmp_path)
    note = next(n for n in _notes(caplog) if "specific-demand" in n)
    assert "default specific-demand rows residential (" in note and "German TABULA" in note
    # the periods are the default ones too: the note says whose they are and where to set them
    assert ("on the default construction periods period_end_years = 1918, 1948, 1978, 1994, 2008, 2016 (after the "
            "German TABULA typology's construction-year classes, grouped), not the region's own" in note)
    assert note.endswith("set the rows in [params.geothermal.specific_demand_kwh_m2_yr] and the periods in "
                         "[params.geothermal] period_end_years")


def test_heat_demand_rows_set_by_the_region_are_not_noted(tmp_path, caplog):
    inputs = _inputs()
    houses = inputs["buildings"].iloc[-6:].assign(use=["residential"] * 3 + ["commercial"] * 3)
    own = {"residential": [220.0, 210.0, 190.0, 150.0, 115.0, 80.0, 40.0]}
    out = _run({"geology": inputs["geology"], "buildings": houses}, tmp_path,
               {"specific_demand_kwh_m2_yr": own})
    assert sorted(out["building_heat_supply"]["specific_demand_kwh_m2_yr"]) == [40.0] * 3 + [50.0] * 3  # ≥ 2017
    note = next(n for n in _notes(caplog) if "specific-demand" in n)
    assert "rows commercial (" in note  # the row left at its default, and only it
    caplog.clear()
    _run({"geology": inputs["geology"], "buildings": houses}, tmp_path,
         {"specific_demand_kwh_m2_yr": {**own, "commercial": [150.0, 150.0, 140.0, 120.0, 90.0, 70.0, 45.0]}})
    assert not [n for n in _notes(caplog) if "specific-demand" in n]


def test_own_construction_periods_are_not_noted_as_tabula(tmp_path, caplog):
    inputs = _inputs()
    houses = inputs["buildings"].iloc[-6:]
    _run({"geology": inputs["geology"], "buildings": houses}, tmp_path,
         {"period_end_years": [1920, 1950, 1980, 1995, 2010, 2018]})
    note = next(n for n in _notes(caplog) if "specific-demand" in n)
    assert "rows residential (" in note  # the rows are still the defaults, the periods the region's own
    assert "period_end_years" not in note and "construction-year classes" not in note
    assert note.endswith("set the rows in [params.geothermal.specific_demand_kwh_m2_yr]")


def _restricted_houses():
    """The six detached houses under a mining gallery, a Natura 2000 site, a flood zone and a contaminated site."""
    inputs = _inputs()
    contaminated = gpd.GeoDataFrame({"status": ["suspected"]}, crs=CRS_LUX,
                                    geometry=[shapely.box(X0 + 1490, Y0 + 380, X0 + 1560, Y0 + 420)])
    natura = gpd.GeoDataFrame({"designation": ["natura2000_habitats"], "zone": ["whole"]}, crs=CRS_LUX,
                              geometry=[shapely.box(X0 + 1500, Y0 + 200, X0 + 1600, Y0 + 250)])
    return {"geology": inputs["geology"], "buildings": inputs["buildings"].iloc[-6:],
            "mining_zones": inputs["mining_zones"], "flood_zones": inputs["flood_zones"],
            "protected_areas": natura, "contaminated_sites": contaminated}


def test_default_restriction_classes_are_noted(tmp_path, caplog):
    inputs = _restricted_houses()
    out = _run({**inputs, "contaminated_sites": None}, tmp_path, {"flood_zone_class": "forbidden"})
    assert set(out["geothermal_restrictions"].source) == {"mining_zones", "protected_areas", "flood_zones"}
    note = next(n for n in _notes(caplog) if "drilling restrictions" in n)
    # named: the classes left unset whose layer restricts something; not the one set, nor the one without input
    assert "mining_zone_class = conditions, natura2000_class = conditions (default 'conditions'" in note
    assert "Luxembourg drilling-permission map" in note
    assert "flood_zone_class" not in note and "contaminated_site_class" not in note
    assert note.endswith("set them in [params.geothermal] (allowed, conditions or forbidden)")


def test_restriction_classes_set_by_the_region_are_not_noted(tmp_path, caplog):
    out = _run(_restricted_houses(), tmp_path, {"contaminated_site_class": "conditions", "mining_zone_class":
                                                "forbidden", "natura2000_class": "conditions", "flood_zone_class":
                                                "conditions"})
    assert set(out["geothermal_restrictions"].source) == {"contaminated_sites", "mining_zones", "protected_areas",
                                                          "flood_zones"}
    assert not [n for n in _notes(caplog) if "drilling restrictions" in n]


def test_default_heating_season_is_noted(tmp_path, caplog):
    inputs = _inputs()
    _run({"geology": inputs["geology"], "buildings": inputs["buildings"].iloc[-1:]}, tmp_path)
    note = next(n for n in _notes(caplog) if "heating season" in n)
    assert note.startswith("geothermal: G.POT uses the default heating season season_days = 183 d (half a year")
    assert "longer at high latitudes" in note and note.endswith("set season_days in [params.geothermal]")


def test_heating_season_set_by_the_region_is_not_noted(tmp_path, caplog):
    inputs = _inputs()
    out = _run({"geology": inputs["geology"], "buildings": inputs["buildings"].iloc[-1:]}, tmp_path,
               {"season_days": 240.0})
    assert out["geothermal_potential"].load().array[50, 150] > 1.2 * gpot_by_hand(2.3)  # the longer season applies
    assert not [n for n in _notes(caplog) if "heating season" in n]
