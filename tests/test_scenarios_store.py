"""Scenario tags in the version registry, on both backends: "current" per (layer, scenario), a scenario
adopting the baseline's unchanged outputs without copying them, the baseline untouched, and retention that
never deletes a table or file another scenario still points to."""

from __future__ import annotations

import pytest

from geoservice.store import publish as sequence
from layers.errors import InvalidRequest
from tests.test_store import communes, corridor_paths, dem, provenance


def test_scenario_versions_are_apart_from_the_baseline(store):
    base = store.publish_layers({"corridor_paths": corridor_paths(seed=1)}, provenance("k-base"))[0]
    scenario = store.for_scenario("wind-300m")
    assert scenario.current("corridor_paths") is None and scenario.published() == []
    mine = scenario.publish_layers({"corridor_paths": corridor_paths(n=20, seed=2)}, provenance("k-scn"))[0]
    # version numbers count per layer across scenarios: (layer, version) names one version everywhere
    assert (base.version, mine.version) == (1, 2) and mine.scenario == "wind-300m" and base.scenario == "baseline"
    assert store.current("corridor_paths").version == 1 and len(store.read_vector("corridor_paths")) == 60
    assert scenario.current("corridor_paths").version == 2 and len(scenario.read_vector("corridor_paths")) == 20
    assert scenario.query_features("corridor_paths", limit=100).number_matched == 20
    assert [v.version for v in store.versions("corridor_paths")] == [1]
    assert [v.version for v in scenario.versions("corridor_paths")] == [2]
    assert store.scenarios() == ["baseline", "wind-300m"]
    # a view shares the store's connections: closing it leaves the store usable
    scenario.close()
    assert store.current("corridor_paths").version == 1


def test_a_scenario_adopts_unchanged_baseline_outputs(store):
    store.publish_layers({"corridor_paths": corridor_paths(), "dem": dem()}, provenance("k-same"))
    scenario = store.for_scenario("heat-pump-spf45")
    assert scenario.cached_layers(["corridor_paths", "dem"], "k-other") is None  # changed: nothing adopted
    assert scenario.published() == []
    cached = scenario.cached_layers(["corridor_paths", "dem"], "k-same")
    assert cached is not None and len(cached["corridor_paths"]) == 60
    adopted = {v.layer_id: v for v in scenario.published()}
    assert {k: v.version for k, v in adopted.items()} == {"corridor_paths": 2, "dem": 2}
    assert adopted["corridor_paths"].provenance["job_id"] == "job-1"  # the baseline's computation
    # the same data, not a copy: the scenario's version points to the baseline's COG file
    assert scenario.raster_path("dem") == store.raster_path("dem")
    assert store.current("corridor_paths").version == 1  # the baseline is untouched
    # a second lookup finds the scenario's own versions
    assert scenario.cached_layers(["corridor_paths", "dem"], "k-same") is not None
    assert len(scenario.published()) == 2 and max(v.version for v in scenario.versions("dem")) == 2


def test_pruning_keeps_data_another_scenario_points_to(store):
    store.publish_layers({"corridor_paths": corridor_paths(seed=1), "dem": dem()}, provenance("k-1"))
    scenario = store.for_scenario("wind-300m")
    assert scenario.cached_layers(["corridor_paths", "dem"], "k-1") is not None
    adopted_raster = scenario.raster_path("dem")
    store.publish_layers({"corridor_paths": corridor_paths(seed=3), "dem": dem(rows=50)}, provenance("k-2"))
    doomed = sequence.prune(store, 1, None, grace_s=0.0)
    assert sorted((v.layer_id, v.version) for v in doomed) == [("corridor_paths", 1), ("dem", 1)]
    # the baseline's first versions are gone from the registry; the scenario still reads their data
    assert [v.version for v in store.versions("corridor_paths")] == [3]
    assert len(scenario.read_vector("corridor_paths")) == 60 and adopted_raster.exists()
    # once no scenario points to them, table and file go too
    scenario.publish_layers({"corridor_paths": corridor_paths(n=5), "dem": dem(rows=20)}, provenance("k-3"))
    sequence.prune(scenario, 1, None, grace_s=0.0)
    assert not adopted_raster.exists()
    assert len(scenario.read_vector("corridor_paths")) == 5 and len(store.read_vector("corridor_paths")) == 60


def test_tables_and_comparison_tags(store):
    store.publish_layers({"communes": communes()}, provenance("k-c"))
    pair = store.for_scenario("baseline..wind-300m")
    assert pair.current("communes") is None and store.current("communes").version == 1


@pytest.mark.parametrize("bad", ["Wind", "wind 300", "baseline..", "a/b", "x" * 41, ""])
def test_bad_scenario_tags_are_refused(store, bad):
    with pytest.raises(InvalidRequest, match="is not a scenario name"):
        store.for_scenario(bad)
