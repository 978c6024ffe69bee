"""The districts step on a hand-built world (tests/test_districts_world.py).

Independent checks: the WLC and TOPSIS scores of the step are recomputed from its published criteria values
with pymcdm 1.4 (tolerance 1e-9); shares, distances and sums are checked against the hand-placed geometry
(tolerance 1e-6 relative).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymcdm.methods import TOPSIS, WSM
from pymcdm.normalizations import minmax_normalization, vector_normalization

from layers.catalog import get_layer
from layers.catalog.districts import CRITERIA, CRITERIA_BY_KEY, DIMENSIONS
from layers.errors import ConfigError
from layers.validate import check_layer
from processing.districts import STEP
from processing.districts.explain import ordinal, strength_phrase, weakness_phrase
from processing.pipeline import RegionContext, StepContext
from tests import test_districts_world as world

REGION = RegionContext("test", world.CRS_LU, (world.X0, world.Y0, world.X0 + 2000, world.Y0 + 1000), {})


def run_step(inputs: dict | None = None, **params) -> dict:
    ctx = StepContext(REGION, inputs if inputs is not None else world.all_inputs(), STEP.parse_params(params),
                      lambda f, m: None, Path("."), step=STEP)
    out = STEP.run(ctx)
    for layer_id, data in out.items():
        check_layer(get_layer(layer_id), data, world.CRS_LU)
    return out


@pytest.fixture(scope="module")
def default_run() -> dict:
    return run_step()


def by_block(candidates: pd.DataFrame) -> dict[str, pd.Series]:
    """Candidates keyed by the world's block names (by the block holding the unit's representative point)."""
    out = {}
    for _, row in candidates.iterrows():
        if row["unit_kind"] == "brownfield":
            out["brownfield"] = row
            continue
        p = row.geometry.representative_point()
        for name, (x, y) in world.BLOCKS.items():
            if world.X0 + x < p.x < world.X0 + x + 500 and world.Y0 + y < p.y < world.Y0 + y + 500:
                out[name] = row
    return out


def test_catalog_declares_every_criterion_and_dimension():
    fields = get_layer("test_district_candidates").field_names
    for c in CRITERIA:
        assert c.field in fields and c.norm_field in fields
        assert c.dimension in DIMENSIONS
    assert STEP.outputs == ("test_district_candidates", "commune_indicators")


def test_every_criterion_has_exactly_one_compute_function():
    from processing.districts.criteria import COMPUTE, criterion

    assert set(COMPUTE) == set(CRITERIA_BY_KEY)
    with pytest.raises(LookupError, match="'solar' has two compute functions"):
        criterion("solar")(lambda u: None)
    with pytest.raises(LookupError, match="no criterion 'noise'"):
        criterion("noise")(lambda u: None)
    assert set(COMPUTE) == set(CRITERIA_BY_KEY)


def test_units_are_road_blocks_plus_brownfields(default_run):
    c = default_run["test_district_candidates"]
    blocks = by_block(c)
    # E-ne's buildings all stand on the brownfield: the rest of that block has none and is dropped
    assert set(blocks) == {"W-sw", "W-se", "W-nw", "W-ne", "E-sw", "E-se", "E-nw", "brownfield"}
    assert blocks["W-sw"]["area_ha"] == pytest.approx(25.0)  # the service road does not cut the block
    assert blocks["brownfield"]["area_ha"] == pytest.approx(7.5)
    assert blocks["brownfield"]["name"] == "Old works"
    assert c["candidate_id"].is_unique
    assert blocks["W-ne"]["commune"] == "Westby" and blocks["E-se"]["commune"] == "Eastby"


def test_hard_constraints_exclude(default_run):
    blocks = by_block(default_run["test_district_candidates"])
    assert blocks["W-sw"]["excluded"] and "80 % in a flood zone" in blocks["W-sw"]["exclusion_reason"]
    assert blocks["E-sw"]["excluded"] and "20 % in Natura 2000" in blocks["E-sw"]["exclusion_reason"]
    assert blocks["E-nw"]["excluded"] and "drilling is forbidden" in blocks["E-nw"]["exclusion_reason"]
    for name in ("W-sw", "E-sw", "E-nw"):
        assert pd.isna(blocks[name]["rank"]) and pd.isna(blocks[name]["score"])
        assert blocks[name]["explanation"].startswith("Excluded: ")
    for name in ("W-se", "W-nw", "W-ne", "E-se", "brownfield"):
        assert not blocks[name]["excluded"] and pd.isna(blocks[name]["exclusion_reason"])


def test_constraint_thresholds_are_parameters():
    c = run_step(max_flood_share=0.9, geothermal_is_plan=False, keep_excluded=False)["test_district_candidates"]
    blocks = by_block(c)
    assert "W-sw" in blocks and "E-nw" in blocks and "E-sw" not in blocks  # Natura still excludes, not kept
    assert not c["excluded"].any()


def test_ranks_are_deterministic_and_consistent(default_run):
    c = default_run["test_district_candidates"]
    shuffled = world.all_inputs(buildings=world.buildings().sample(frac=1.0, random_state=3),
                                solar_roofs=world.solar_roofs().iloc[::-1], roads=world.roads().iloc[::-1])
    again = run_step(shuffled)["test_district_candidates"]
    pd.testing.assert_frame_equal(c.drop(columns="geometry"), again.drop(columns="geometry"))
    ranked = c.loc[c["rank"].notna()].sort_values("rank")
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    assert (np.diff(ranked["score"].to_numpy()) <= 1e-12).all()
    assert ((ranked["rank_min"] <= ranked["rank"]) & (ranked["rank"] <= ranked["rank_max"])).all()
    assert (c["method"] == "wlc").all() and np.allclose(ranked["score"], ranked["wlc_score"])


def test_scores_equal_pymcdm_on_published_criteria(default_run):
    c = default_run["test_district_candidates"]
    ranked = c.loc[~c["excluded"]]
    keys = [k.key for k in CRITERIA]  # every default criterion has data in the world
    x = ranked[[CRITERIA_BY_KEY[k].field for k in keys]].to_numpy(float)
    w = np.array([CRITERIA_BY_KEY[k].default_weight for k in keys])
    types = np.array([1 if CRITERIA_BY_KEY[k].benefit else -1 for k in keys])
    np.testing.assert_allclose(ranked["wlc_score"], WSM(minmax_normalization)(x, w / w.sum(), types), atol=1e-9)
    # a criterion that is 0 for every unit adds nothing to TOPSIS distances; pymcdm's vector normalisation
    # divides it by zero, so it is left out of the reference
    used = np.sqrt((x ** 2).sum(axis=0)) > 0
    reference = TOPSIS(vector_normalization)(x[:, used], w[used] / w[used].sum(), types[used])
    np.testing.assert_allclose(ranked["topsis_score"], reference, atol=1e-9)
    # normalised criteria: min-max over the eligible units, 1 = best
    for k in keys:
        col = ranked[f"{k}_norm"].to_numpy(float)
        assert np.nanmin(col) >= 0 and np.nanmax(col) == pytest.approx(1.0)


def test_criteria_values_by_hand(default_run):
    b = by_block(default_run["test_district_candidates"])
    wne = b["W-ne"]
    assert wne["solar_mwh_yr"] == pytest.approx(4 * 95.0)               # 4 roofs x 95,000 kWh/yr
    assert wne["solar_mwh_ha_yr"] == pytest.approx(380.0 / 25.0)
    assert wne["heat_demand_mwh_yr"] == pytest.approx(1600.0)          # 4 cells x 400 MWh/ha/yr
    # 20 probes x 10 MWh of ground heat = 200 per cell, delivered with SPF 4: 200 x 4/3 = 266.7 (< the 400 demand)
    assert wne["geothermal_mwh_yr"] == pytest.approx(4 * 200.0 * 4 / 3)
    # PV − pump electricity (266.7 / 4 per cell) + delivered − demand = PV + ground heat − demand
    assert wne["energy_balance_mwh_ha_yr"] == pytest.approx((380.0 + 800.0 - 1600.0) / 25.0)
    assert wne["dh_share"] == pytest.approx(4.0 / 25.0)
    assert wne["rail_distance_m"] == pytest.approx(0.0)                 # the station is inside
    assert wne["use_mix_index"] == pytest.approx(np.log(4) / np.log(6))  # 4 uses, equal floor area
    assert wne["corridor_conflict_share"] == pytest.approx(500.0 * 50.0 / 250000.0)
    assert wne["corridor_networks"] == "green"
    assert wne["geothermal_mwh_probe_yr"] == pytest.approx(10.0)
    assert b["W-nw"]["rail_distance_m"] == pytest.approx(250.0)
    assert b["E-se"]["bus_distance_m"] == pytest.approx(250.0)
    assert b["E-se"]["geothermal_mwh_probe_yr"] == pytest.approx(6.0)
    assert b["brownfield"]["brownfield_share"] == pytest.approx(1.0)
    assert b["W-se"]["use_mix_index"] == 0.0 and b["W-se"]["corridor_conflict_share"] == 0.0


def test_dimension_scores_are_weighted_means(default_run):
    c = default_run["test_district_candidates"]
    row = by_block(c)["W-ne"]
    env = [k for k in CRITERIA if k.dimension == "environment"]
    w = np.array([k.default_weight for k in env])
    expected = (np.array([row[k.norm_field] for k in env]) * w).sum() / w.sum()
    assert row["dim_environment_score"] == pytest.approx(expected)
    assert row["dim_living_score"] == pytest.approx(row["use_mix_norm"])
    for name in ("dim_living_score", "dim_territorial_score", "dim_environment_score"):
        assert c[name].between(0, 1).all()


def test_explanations_state_the_facts(default_run):
    c = default_run["test_district_candidates"]
    m = int(c["rank"].notna().sum())
    for _, row in c.iterrows():
        text = row["explanation"]
        if row["excluded"]:
            assert text == f"Excluded: {row['exclusion_reason']}."
            continue
        assert text.startswith(f"{ordinal(int(row['rank']))} of {m}: ")
        assert ("crosses a green corridor" in text) == (row["corridor_conflict_share"] >= 0.01)
        assert ("Ranks " in text) == (row["rank_min"] != row["rank_max"])
    b = by_block(c)
    assert "best roof solar (15 MWh/ha/yr)" in b["W-ne"]["explanation"]
    assert "16 % in a heat-network area" in b["W-ne"]["explanation"]
    assert "100 % brownfield land" in b["brownfield"]["explanation"]


def test_phrases():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert strength_phrase("rail", 310.0, "top 10 %") == "300 m from a railway station"
    assert strength_phrase("dh_area", 1.0, "top 10 %") == "inside a heat-network area"
    assert strength_phrase("solar", 85.2, "top 10 %") == "top 10 % roof solar (85 MWh/ha/yr)"
    assert weakness_phrase("rail", 2340.0, "bottom 10 %") == "2.3 km from a railway station"
    assert weakness_phrase("corridor_conflict", 0.3, "", "green, black").startswith(
        "crosses a green and black corridors")


def test_methods_and_weights_from_parameters():
    topsis = run_step(method="topsis")["test_district_candidates"]
    ranked = topsis.loc[topsis["rank"].notna()]
    assert (ranked["method"] == "topsis").all()
    np.testing.assert_allclose(ranked["score"], ranked["topsis_score"])
    assert (ranked["rank"] == ranked["topsis_rank"]).all()
    only_solar = {k: 0.0 for k in CRITERIA_BY_KEY} | {"solar": 1.0}
    solar = run_step(weights=only_solar)["test_district_candidates"]
    best = solar.loc[solar["rank"] == 1].iloc[0]
    assert best["solar_mwh_ha_yr"] == solar.loc[~solar["excluded"], "solar_mwh_ha_yr"].max()
    # one criterion: no weight change can move a rank
    assert (solar["rank_min"].dropna() == solar["rank"].dropna()).all()


def test_ahp_weights():
    # Experience/Education/Charisma/Age matrix of the AHP leader example, mapped onto four criteria
    matrix = [[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]]
    params = STEP.parse_params({"weighting": "ahp", "ahp_criteria": ["solar", "rail", "heat_density", "use_mix"],
                                "ahp_matrix": matrix})
    w = params.criterion_weights()
    assert w["solar"] == pytest.approx(0.5476, abs=1e-3) and w["use_mix"] == pytest.approx(0.0559, abs=1e-3)
    assert w["brownfield"] == 0.0 and sum(w.values()) == pytest.approx(1.0)
    c = run_step(weighting="ahp", ahp_criteria=["solar", "rail", "heat_density", "use_mix"],
                 ahp_matrix=matrix)["test_district_candidates"]
    assert c["rank"].notna().sum() == 5
    # the published CR is the one of the leader example (Wikipedia: 0.044, to 5e-4)
    assert c["ahp_consistency_ratio"].to_numpy(float) == pytest.approx(0.044, abs=5e-4)


def test_ahp_over_all_eleven_criteria_publishes_its_consistency_ratio():
    keys = list(CRITERIA_BY_KEY)
    w = np.arange(len(keys), 0, -1, dtype=float)
    matrix = np.clip(np.round(w[:, None] / w[None, :] * 2.0) / 2.0, 1 / 9, 9)
    matrix = np.triu(matrix, 1) + np.tril(1.0 / matrix.T, -1) + np.eye(len(keys))
    c = run_step(weighting="ahp", ahp_criteria=keys, ahp_matrix=matrix.tolist())["test_district_candidates"]
    cr = c["ahp_consistency_ratio"].to_numpy(float)
    assert len(set(cr)) == 1 and 0.0 < cr[0] <= 0.10  # RI(11) = 1.51 (Saaty 1980), no longer a KeyError
    assert run_step()["test_district_candidates"]["ahp_consistency_ratio"].isna().all()


def test_bad_parameters_are_config_errors():
    with pytest.raises(ConfigError, match="unknown criteria"):
        STEP.parse_params({"weights": {"sunshine": 1.0}})
    with pytest.raises(ConfigError, match="inconsistent"):
        STEP.parse_params({"weighting": "ahp", "ahp_criteria": ["solar", "rail", "bus"],
                           "ahp_matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]})
    with pytest.raises(ConfigError, match="not reciprocal"):
        STEP.parse_params({"weighting": "ahp", "ahp_criteria": ["solar", "rail", "bus"],
                           "ahp_matrix": [[1, 3, 5], [3, 1, 3], [1 / 5, 1 / 3, 1]]})
    with pytest.raises(ConfigError, match="3 x 3"):
        STEP.parse_params({"weighting": "ahp", "ahp_criteria": ["solar", "rail", "bus"], "ahp_matrix": [[1, 2]]})
    with pytest.raises(ConfigError, match="unknown roof classes"):
        STEP.parse_params({"solar_classes": ["sunny"]})
    with pytest.raises(ConfigError, match="unknown parameter"):
        STEP.parse_params({"hex_sise_m": 100})
    with pytest.raises(ConfigError, match="positive weight"):
        STEP.parse_params({"weights": {k: 0.0 for k in CRITERIA_BY_KEY}})


def test_degrades_without_optional_layers():
    inputs = {"communes": world.communes(), "buildings": world.buildings(), "roads": world.roads()}
    out = run_step(inputs)
    c = out["test_district_candidates"]
    assert (c["unit_kind"] == "block").all() and len(c) == 8
    assert c["solar_mwh_ha_yr"].isna().all() and c["solar_norm"].isna().all()
    assert not c["excluded"].any() and c["rank"].notna().all()  # ranked on use mix alone
    ind = out["commune_indicators"]
    assert (ind["pv_gwh_yr"] == 0).all() and ind["connectivity"].isna().all()
    assert (ind["candidate_districts"] == 4).all()


@pytest.mark.parametrize("mode", ["hexagons", "auto"])
def test_hexagons_over_built_up_land(mode):
    inputs = world.all_inputs()
    if mode == "auto":
        inputs["roads"] = None  # no roads: auto falls back to hexagons
    c = run_step(inputs, unit_mode=mode, hex_size_m=100.0, min_buildings=1)["test_district_candidates"]
    hexes = c.loc[c["unit_kind"] == "hexagon"]
    assert len(hexes) and (hexes["buildings"] >= 1).all()
    assert (c["unit_kind"] == "brownfield").sum() == 1
    assert hexes["area_ha"].max() == pytest.approx(1.5 * np.sqrt(3) * 100.0 ** 2 / 1e4)
    again = run_step(inputs, unit_mode=mode, hex_size_m=100.0, min_buildings=1)["test_district_candidates"]
    assert c["candidate_id"].tolist() == again["candidate_id"].tolist()


def test_given_districts_are_the_units():
    districts = world.gdf([{"name": "Centre"}, {"name": "Gare"}],
                          [world.box(0, 500, 1000, 1000), world.box(1000, 0, 2000, 500)])
    c = run_step(world.all_inputs(districts=districts))["test_district_candidates"]
    assert c["unit_kind"].tolist() == ["district", "district", "brownfield"]
    assert c["name"].tolist() == ["Centre", "Gare", "Old works"]
    assert c["area_ha"].tolist()[:2] == pytest.approx([50.0, 50.0])


def test_per_building_heat_supply_is_used():
    b = world.buildings()
    supply = b[["building_id", "use", "geometry"]].copy()
    supply["heated_area_m2"] = 1200.0
    supply["specific_demand_kwh_m2_yr"] = 100.0
    supply["demand_mwh_yr"] = 120.0
    supply["conductivity_w_mk"] = 2.0
    supply["probes"] = 10
    supply["probe_depth_m"] = 100.0
    supply["field_factor"] = 0.6
    supply["ground_heat_mwh_yr"] = 150.0
    supply["delivered_heat_mwh_yr"] = 200.0  # more than the demand: only 120 is usable (SPF 4: 150 + 50)
    supply["heat_pump_electricity_mwh_yr"] = 50.0
    supply["coverage_ratio"] = supply["delivered_heat_mwh_yr"] / supply["demand_mwh_yr"]
    supply["restriction_class"] = np.where(b["building_id"].str.startswith("W-ne"), "forbidden", "allowed")
    supply["in_district_heating_area"] = b["building_id"].str.startswith("W-ne")
    supply["recommendation"] = "ground_source_heat_pump"
    out = run_step(world.all_inputs(building_heat_supply=supply))
    blocks = by_block(out["test_district_candidates"])
    assert blocks["W-ne"]["heat_demand_mwh_yr"] == pytest.approx(480.0)
    assert blocks["W-ne"]["geothermal_mwh_yr"] == pytest.approx(0.0)    # drilling forbidden there
    assert blocks["W-se"]["geothermal_mwh_yr"] == pytest.approx(480.0)  # capped at the demand
    ind = out["commune_indicators"].set_index("commune")
    assert ind.loc["Westby", "heat_demand_gwh_yr"] == pytest.approx(16 * 120.0 / 1e3)
    assert ind.loc["Westby", "heat_demand_in_dh_share"] == pytest.approx(4 / 16)


class _DictSink:
    """The smallest LayerSink: keeps what is published in a dict."""

    def __init__(self):
        self.layers: dict = {}

    def publish_layers(self, layers, provenance, reuse=True):
        self.layers.update(layers)

    def cached_layers(self, layer_ids, cache_key):
        return None

    def current_layer(self, layer_id):
        return self.layers[layer_id]


def test_runs_in_the_pipeline_with_params_from_the_region():
    from processing.pipeline import run_pipeline

    inputs = world.all_inputs()
    sink = _DictSink()
    summary = run_pipeline([STEP], REGION, lambda layer_id: inputs.get(layer_id), sink,
                           params={"districts": {"method": "topsis", "weights": {"use_mix": 0.3}}})
    assert summary.ok, summary.to_dict()
    c = sink.layers["test_district_candidates"]
    assert (c["method"] == "topsis").all()
    assert summary.steps[0].outputs == {"test_district_candidates": 8, "commune_indicators": 2}


def test_no_candidate_units_gives_empty_layers():
    inputs = {"communes": world.communes(), "buildings": world.buildings().iloc[:0], "roads": world.roads()}
    out = run_step(inputs)
    assert len(out["test_district_candidates"]) == 0
    assert (out["commune_indicators"]["candidate_districts"] == 0).all()


def test_a_single_candidate_ranks_first():
    inputs = {"communes": world.communes(), "buildings": world.buildings().iloc[:0], "roads": world.roads(),
              "brownfields": world.brownfields()}
    c = run_step(inputs)["test_district_candidates"]
    assert c["unit_kind"].tolist() == ["brownfield"] and c["rank"].tolist() == [1]
    assert c["explanation"].iloc[0].startswith("1st of 1: ")


def test_only_natura2000_excludes_not_the_biosphere():
    # docs/REFERENCES.md: the whole region is a UNESCO biosphere; its transition zone is no exclusion zone
    biosphere = world.gdf([{"name": "Minett", "designation": "biosphere", "zone": "transition"}],
                          [world.box(-100, -100, 2100, 1100)])
    c = run_step(world.all_inputs(protected_areas=biosphere))["test_district_candidates"]
    assert (c["natura2000_share"] == 0).all()
    assert not c["exclusion_reason"].fillna("").str.contains("Natura").any()
