"""Scenarios and comparisons end to end on the small synthetic demo (GeoPackage store): a scenario that changes
only wind reruns only wind and the districts step downstream of it, the baseline stays as it was (versions and
values), and the comparison's deltas match a hand computation with shapely and pandas on the two scenarios'
published layers. Bad scenario names and overrides, and comparisons of scenarios never run, get clear
messages (CLI exit 1, API 4xx problem+json). The store side on both backends: tests/test_scenarios_store.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from fastapi.testclient import TestClient

from geoservice.api import create_app
from geoservice.cli import cli
from geoservice.comparison import ScenarioComparison, compare_scenarios, summary_lines
from geoservice.runner import region_params, run_region
from geoservice.settings import Settings
from geoservice.store import open_store
from geoservice.worker import run_worker
from layers.errors import ConfigError
from layers.region import load_region, parse_region
from maps.comparison import build_comparison_map
from processing.pipeline import RunSummary
from tests.pipeline_fixtures import SMALL_DEMO_TOML

#: The small demo's dense land leaves nothing for wind under the Luxembourg profile; this scenario keeps only a
#: 300 m setback from buildings, so wind sites appear and the districts step downstream must rerun.
SCENARIOS = """
[scenarios.wind-open]
title = "Wind: only a 300 m setback from buildings"
wind = { profile = "none", rules = [{ id = "dwellings", layer = "buildings", buffer_m = 300.0 }] }

[scenarios.heat-pump-spf45]
geothermal = { heat_pump_spf = 4.5 }
"""
TOKEN = "scenario-token"
#: Tolerance of the hand computations [ha, t yr-1]: sums of the same floats in another order.
ABS = 1e-6


@dataclass
class ScenarioRun:
    settings: Settings
    region: Path
    baseline: RunSummary
    scenario: RunSummary
    before: dict  # baseline layer id -> (version, cache key) before the scenario ran
    indicators_before: object
    comparison: ScenarioComparison


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> ScenarioRun:
    root = tmp_path_factory.mktemp("scenarios")
    region = root / "small.toml"
    region.write_text(SMALL_DEMO_TOML + SCENARIOS, encoding="utf-8")
    settings = Settings(data_dir=root / "data", api_token=TOKEN)
    baseline = run_region(settings, region)
    store = open_store(settings)
    try:
        before = {v.layer_id: (v.version, v.provenance["cache_key"]) for v in store.published()}
        indicators = store.read_vector("commune_indicators")
        scenario = run_region(settings, region, scenario="wind-open")
        comparison = compare_scenarios(store, "baseline", "wind-open")
    finally:
        store.close()
    return ScenarioRun(settings, region, baseline, scenario, before, indicators, comparison)


@pytest.fixture()
def store(runs):
    opened = open_store(runs.settings)
    yield opened
    opened.close()


def test_a_wind_scenario_reruns_only_wind_and_districts(runs):
    assert all(s.status in ("done", "degraded") for s in runs.baseline.steps)
    statuses = {s.step: s.status for s in runs.scenario.steps}
    # wind, the districts that read it and the climate targets that read the commune indicators
    assert {k for k, v in statuses.items() if v == "done"} == {"wind", "districts", "targets"}
    assert {k for k, v in statuses.items() if v != "done"} == {"inputs", "solar", "geothermal", "heat_recovery",
                                                                "green_roofs", "corridors"}
    assert all(v in ("cached", "degraded") for k, v in statuses.items() if k not in ("wind", "districts", "targets"))


def test_the_baseline_is_untouched(runs, store):
    after = {v.layer_id: (v.version, v.provenance["cache_key"]) for v in store.published()}
    assert after == runs.before
    assert store.read_vector("commune_indicators").equals(runs.indicators_before)
    scenario = store.for_scenario("wind-open")
    # every layer is current in the scenario too: the unchanged ones adopted, sharing the baseline's data
    assert {v.layer_id for v in scenario.published()} == set(runs.before)
    unchanged = scenario.current("solar_roofs")
    assert unchanged.provenance["cache_key"] == runs.before["solar_roofs"][1]
    assert scenario.current("wind_eligible_areas").provenance["cache_key"] != runs.before["wind_eligible_areas"][1]


def test_wind_land_and_sites_against_a_hand_computation(runs, store):
    scenario = store.for_scenario("wind-open")
    area_a = shapely.union_all(store.read_vector("wind_eligible_areas").geometry.values).area
    area_b = shapely.union_all(scenario.read_vector("wind_eligible_areas").geometry.values).area
    assert area_b > area_a  # fewer exclusions, more land
    areas = runs.comparison.layers["comparison_wind_areas"]
    gained = areas.loc[areas["change"] == "gained", "area_ha"].sum()
    lost = areas.loc[areas["change"] == "lost", "area_ha"].sum()
    # parts under 1 m2 are dropped as overlay noise: at most 1 m2 per part
    assert gained - lost == pytest.approx((area_b - area_a) / 1e4, abs=len(areas) * 1e-4 + ABS)
    published = store.for_scenario("baseline..wind-open").read_vector("comparison_wind_areas")
    assert published["area_ha"].sum() == pytest.approx(areas["area_ha"].sum(), abs=ABS)
    sites_a, sites_b = store.read_vector("wind_turbine_sites"), scenario.read_vector("wind_turbine_sites")
    sites = runs.comparison.layers["comparison_wind_sites"]
    added, removed = sites[sites["change"] == "added"], sites[sites["change"] == "removed"]
    assert len(sites_b) > 0 and len(added) - len(removed) == len(sites_b) - len(sites_a)
    assert added["capacity_mw"].sum() - removed["capacity_mw"].sum() == pytest.approx(
        sites_b["capacity_mw"].sum() - sites_a["capacity_mw"].sum(), abs=ABS)


def test_emissions_effect_against_a_hand_computation(runs, store):
    a = store.read_vector("commune_indicators").set_index("commune")
    b = store.for_scenario("wind-open").read_vector("commune_indicators").set_index("commune")
    hand = -(b["co2_avoidable_t_yr"] - a["co2_avoidable_t_yr"])  # avoidable CO2 up = emissions down
    effect = runs.comparison.layers["comparison_emissions"].set_index("commune")
    for commune, change in hand.items():
        assert effect.at[commune, "emissions_change_t_yr"] == pytest.approx(change, abs=ABS)
        assert effect.at[commune, "effect"] == ("lowers emissions" if change <= -0.5 else
                                               "raises emissions" if change >= 0.5 else "unchanged")
    assert hand.sum() < 0
    deltas = runs.comparison.layers["comparison_indicators"]
    row = deltas[(deltas["commune"] == "all communes") & (deltas["indicator"] == "wind_gwh_yr")].iloc[0]
    assert row["delta"] == pytest.approx(b["wind_gwh_yr"].sum() - a["wind_gwh_yr"].sum(), abs=ABS)
    text = "\n".join(summary_lines(runs.comparison))
    assert f"lowers emissions by {-hand.sum():,.0f} t CO2/yr" in text


def test_candidates_are_matched_by_id(runs, store):
    ranks = runs.comparison.layers["comparison_candidate_ranks"]
    a = store.read_vector("test_district_candidates").set_index("candidate_id")
    b = store.for_scenario("wind-open").read_vector("test_district_candidates").set_index("candidate_id")
    assert set(ranks["candidate_id"]) == set(a.index) | set(b.index)
    both = ranks.dropna(subset=["rank_a", "rank_b"])
    assert len(both) > 0
    for row in both.itertuples():
        assert row.rank_a == a.at[row.candidate_id, "rank"] and row.rank_b == b.at[row.candidate_id, "rank"]
        assert row.rank_change == row.rank_a - row.rank_b


def test_bad_scenarios_in_a_region_file(tmp_path):
    def region(extra: str):
        return parse_region(__import__("tomllib").loads(SMALL_DEMO_TOML + extra), tmp_path, "r.toml")

    with pytest.raises(ConfigError, match=r"\[scenarios.x\].*unknown parameter section \[params.wnd\] \(did you "
                                          r"mean \[params.wind\]\?\)"):
        region_params(region("[scenarios.x]\nwnd = { profile = 'none' }\n"), None)
    with pytest.raises(ConfigError, match=r"\[scenarios.x\].*params.wind.hub_hight_m: unknown parameter"):
        region_params(region("[scenarios.x.wind]\nhub_hight_m = 120.0\n"), None)
    with pytest.raises(ConfigError, match=r"\[scenarios.x\].*params.geothermal.heat_pump_spf"):
        region_params(region("[scenarios.x.geothermal]\nheat_pump_spf = 40.0\n"), None)
    for bad in ("Wind", "baseline"):
        with pytest.raises(ConfigError, match="scenario name"):
            region(f"[scenarios.{bad}.wind]\nhub_height_m = 120.0\n")
    with pytest.raises(ConfigError, match="must be a table of parameters of step"):
        region("[scenarios.x]\nwind = 3\n")
    config = region(SCENARIOS)
    with pytest.raises(ConfigError, match=r"no scenario 'wind-opn' \(did you mean 'wind-open'\?\); its scenarios: "
                                          "wind-open, heat-pump-spf45"):
        region_params(config, None, "wind-opn")
    assert region_params(config, None, "heat-pump-spf45")["geothermal"]["heat_pump_spf"] == 4.5


def test_the_demo_region_ships_two_scenarios():
    config = load_region("minett-demo")
    assert {"wind-300m", "heat-pump-spf45"} <= set(config.scenarios)
    assert region_params(config, None, "wind-300m")["wind"]["profile"] == "luxembourg-300m"
    assert region_params(config, None, "wind-300m")["wind"]["calibration_factor"] == 0.88  # region's, kept


def test_cli(runs):
    def invoke(*args):
        return CliRunner().invoke(cli, ["--data-dir", str(runs.settings.data_dir), *map(str, args)],
                                  catch_exceptions=False)

    unknown = invoke("compare", "baseline", "wind-opn", "--no-maps")
    assert unknown.exit_code == 1
    assert "scenario 'wind-opn' has not been run (did you mean 'wind-open'?)" in unknown.output
    same = invoke("compare", "wind-open", "wind-open", "--no-maps")
    assert same.exit_code == 1 and "two different scenarios" in same.output
    bad_run = invoke("run", "--region", runs.region, "--scenario", "nope", "--no-maps")
    assert bad_run.exit_code == 1 and "has no scenario 'nope'" in bad_run.output
    ok = invoke("compare", "baseline", "wind-open", "--region", runs.region)
    assert ok.exit_code == 0, ok.output
    assert "choosing wind-open instead of baseline lowers emissions by" in ok.output
    assert "Wind-eligible land:" in ok.output and "web map:" in ok.output
    listed = invoke("layers", "--scenario", "baseline..wind-open", "--json")
    assert "comparison_emissions" in listed.output


def test_comparison_map_page_is_offline(runs, store, tmp_path):
    page = build_comparison_map(store, load_region(runs.region), runs.comparison, tmp_path / "maps")
    html = page.read_text(encoding="utf-8")
    assert page.name == "compare-baseline..wind-open.html"
    assert "static/leaflet/leaflet.js" in html and "cdn." not in html and "unpkg" not in html
    assert "Scenario comparison: wind-eligible land gained and lost" in html


def test_api_serves_each_scenario_as_an_api(runs, store):
    with TestClient(create_app(runs.settings)) as client:
        listed = client.get("/scenarios").json()["scenarios"]
        assert {s["id"] for s in listed} >= {"baseline", "wind-open", "baseline..wind-open"}
        base = client.get("/collections/wind_turbine_sites/items?limit=1000").json()
        scn = client.get("/scenarios/wind-open/collections/wind_turbine_sites/items?limit=1000")
        assert scn.status_code == 200 and scn.headers["content-type"] == "application/geo+json"
        body = scn.json()
        assert body["numberMatched"] == len(store.for_scenario("wind-open").read_vector("wind_turbine_sites"))
        assert base["numberMatched"] == len(store.read_vector("wind_turbine_sites")) != body["numberMatched"]
        assert all(link["href"].startswith("http://testserver/scenarios/wind-open/collections/wind_turbine_sites")
                   for link in body["links"] if link["rel"] in ("self", "alternate"))
        landing = client.get("/scenarios/wind-open/").json()
        data = next(link for link in landing["links"] if link["rel"] == "data")
        assert data["href"] == "http://testserver/scenarios/wind-open/collections"
        collection = client.get("/scenarios/baseline..wind-open/collections/comparison_wind_areas").json()
        assert collection["id"] == "comparison_wind_areas" and collection["itemType"] == "feature"
        tilejson = client.get("/scenarios/wind-open/collections/wind_eligible_areas/tiles/WebMercatorQuad/"
                              "tilejson.json").json()
        assert tilejson["tiles"][0].startswith("http://testserver/scenarios/wind-open/collections/")
        missing = client.get("/scenarios/nope/collections")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        assert "no scenario 'nope'" in missing.json()["detail"]
        bad = client.get("/scenarios/Not%20A%20Name/collections")
        assert bad.status_code in (400, 404) and bad.headers["content-type"] == "application/problem+json"


def test_compare_process(runs, store):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(runs.settings)) as client:
        refused = client.post("/processes/compare/execution", headers=auth,
                              json={"inputs": {"a": "baseline", "b": "nope"}})
        assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
        assert "scenario 'nope' has not been run" in refused.json()["detail"]
        missing = client.post("/processes/compare/execution", headers=auth, json={"inputs": {"a": "baseline"}})
        assert missing.status_code == 400
        bad_run = client.post("/processes/run/execution", headers=auth,
                              json={"inputs": {"region": "minett-demo", "scenario": "nope"}})
        assert bad_run.status_code == 400 and "has no scenario 'nope'" in bad_run.json()["detail"]
        created = client.post("/processes/compare/execution", headers=auth,
                              json={"inputs": {"a": "baseline", "b": "wind-open"}})
        assert created.status_code == 201
        assert run_worker(runs.settings, once=True) == 1
        job = client.get(created.headers["Location"]).json()
        assert job["status"] == "successful", job
        results = client.get(created.headers["Location"] + "/results").json()
        assert results["scenario"] == "baseline..wind-open" and "comparison_emissions" in results["layers"]
        href = results["layers"]["comparison_wind_sites"]["href"]
        assert client.get(href).status_code == 200
