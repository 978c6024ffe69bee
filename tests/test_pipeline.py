"""The pipeline runner: ordering, validation against the catalog, failures, parameters and caching."""

from dataclasses import replace

import geopandas as gpd
import pandas as pd
import pytest
from pydantic import BaseModel, ConfigDict, Field
from pyproj import CRS
from shapely.geometry import box

from layers.catalog import get_layer
from layers.errors import ConfigError, InputDataError
from processing.inputs_step import STEP as INPUTS
from processing.pipeline import (
    EXPLANATION,
    PUBLISHED_STATUSES,
    STEP_STATUSES,
    MapPage,
    MapSubset,
    RegionContext,
    Step,
    StepReport,
    plan,
    run_pipeline,
)

REGION = RegionContext("t", CRS.from_epsg(2169), (0.0, 0.0, 2000.0, 1000.0), {"wind": 10.0})


class DictSink:
    """An in-memory sink recording publishes (a test double for the store's LayerSink role)."""

    def __init__(self):
        self.layers, self.keys, self.publishes = {}, {}, []

    def publish_layers(self, layers, provenance, reuse=True):
        self.publishes.append((sorted(layers), provenance))
        for k, v in layers.items():
            self.layers[k], self.keys[k] = v, provenance.cache_key

    def cached_layers(self, layer_ids, cache_key):
        if all(self.keys.get(k) == cache_key for k in layer_ids):
            return {k: self.layers[k] for k in layer_ids}
        return None

    def current_layer(self, layer_id):
        return self.layers[layer_id]


def communes():
    return gpd.GeoDataFrame({"name": ["A", "B"], "code": ["1", "2"]},
                            geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:2169")


def source(layer_id):
    return communes() if layer_id == "communes" else None


class AreaParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_area_ha: float = Field(default=1.0, ge=0.0, description="Minimum area [ha].")


FILLERS = {"int": 0, "float": 0.0, "str": "x", "bool": False}


def eligible(ctx):
    """Communes as 'eligible areas' above a minimum area; other declared fields get placeholder values."""
    c = ctx.require("communes")
    out = gpd.GeoDataFrame({"area_ha": c.geometry.area / 1e4, "commune": c["name"]}, geometry=c.geometry,
                           crs=c.crs)
    for f in get_layer("wind_eligible_areas").fields:
        if f.name not in out:
            out[f.name] = f.values[0] if f.values else FILLERS[f.dtype]
    return {"wind_eligible_areas": out[out.area_ha >= ctx.params.min_area_ha]}


def make_step(**kw):
    """A one-output step borrowing the wind step's layer id for the test."""
    base = Step(name="wind", title="t", inputs=("communes",), outputs=("wind_eligible_areas",), params=AreaParams,
                run=eligible)
    return replace(base, **kw)


def test_plan_runs_producers_first_and_only_what_is_needed():
    step = make_step()
    assert [s.name for s in plan([step, INPUTS], ["wind"])] == ["inputs", "wind"]
    assert [s.name for s in plan([step, INPUTS], ["inputs"])] == ["inputs"]
    with pytest.raises(ConfigError, match="unknown step"):
        plan([step, INPUTS], ["tidal"])


def test_run_publishes_each_step_with_provenance():
    sink = DictSink()
    summary = run_pipeline([INPUTS, make_step()], REGION, source, sink, params={"wind": {"min_area_ha": 50}},
                           job_id="j1", code_version="9")
    assert summary.ok, summary.to_dict()
    assert sink.layers["communes"]["area_km2"].tolist() == pytest.approx([1.0, 1.0])
    assert len(sink.layers["wind_eligible_areas"]) == 2
    names, provenance = sink.publishes[-1]
    assert names == ["wind_eligible_areas"]
    assert provenance.job_id == "j1" and provenance.params == {"min_area_ha": 50.0}
    assert set(provenance.input_checksums) == {"communes"}


def test_unchanged_step_is_reused_and_changed_parameters_recompute():
    sink = DictSink()
    run_pipeline([INPUTS, make_step()], REGION, source, sink)
    again = run_pipeline([INPUTS, make_step()], REGION, source, sink)
    assert [r.status for r in again.steps] == ["cached", "cached"]
    changed = run_pipeline([INPUTS, make_step()], REGION, source, sink, params={"wind": {"min_area_ha": 2}})
    assert [r.status for r in changed.steps] == ["cached", "done"]


def test_unknown_parameter_fails_before_any_work():
    sink = DictSink()
    with pytest.raises(ConfigError, match=r"params\.wind\.min_aera_ha: unknown parameter"):
        run_pipeline([INPUTS, make_step()], REGION, source, sink, params={"wind": {"min_aera_ha": 2}})
    assert sink.publishes == []


def test_failing_step_is_named_publishes_nothing_and_skips_the_rest():
    def broken(ctx):
        raise InputDataError("buildings layer is empty; check the source's filter")

    sink = DictSink()
    summary = run_pipeline([INPUTS, make_step(run=broken)], REGION, source, sink)
    assert not summary.ok
    assert [(r.step, r.status) for r in summary.steps] == [("inputs", "done"), ("wind", "failed")]
    assert "buildings layer is empty" in summary.steps[1].error
    assert "wind_eligible_areas" not in sink.layers


def test_output_not_matching_the_catalog_fails_the_step():
    def wrong_schema(ctx):
        out = eligible(ctx)["wind_eligible_areas"].rename(columns={"area_ha": "area"})
        return {"wind_eligible_areas": out}

    summary = run_pipeline([INPUTS, make_step(run=wrong_schema)], REGION, source, DictSink())
    assert summary.steps[-1].status == "failed"
    assert "missing fields ['area_ha']" in summary.steps[-1].error


def test_missing_required_input_is_named_with_what_it_must_hold():
    summary = run_pipeline([INPUTS], REGION, lambda layer_id: None, DictSink())
    assert summary.steps[0].status == "blocked"
    error = summary.steps[0].error
    assert "step inputs needs 1 missing input: communes" in error
    assert "Polygon layer with name (str), code (str)" in error and "geoservice ingest osm" in error


def placeholder_step(name, layer_id, inputs, optional=()):
    """A step named ``name`` writing ``layer_id`` (one feature per commune, placeholder field values)."""
    def run(ctx):
        c = ctx.require("communes")
        spec = get_layer(layer_id)
        data = {f.name: [f.values[0] if f.values else FILLERS[f.dtype]] * len(c) for f in spec.fields}
        out = gpd.GeoDataFrame(data, geometry=c.geometry.representative_point() if spec.geometry == "Point"
                               else c.geometry, crs=c.crs) if spec.kind == "vector" else pd.DataFrame(data)
        return {layer_id: out}
    return Step(name=name, title=name, inputs=inputs, optional_inputs=optional, outputs=(layer_id,),
                params=AreaParams, run=run)


def test_a_blocked_or_failed_step_stops_only_the_steps_that_need_it():
    def broken(ctx):
        raise ValueError("a bug")

    wind = make_step(inputs=("communes", "buildings"))  # buildings: not provided → blocked
    geothermal = placeholder_step("geothermal", "heat_demand_density", ("communes",))
    geothermal = replace(geothermal, run=broken)
    corridors = placeholder_step("corridors", "corridors", ("communes",))
    districts = placeholder_step("districts", "test_district_candidates", ("communes", "wind_eligible_areas"))
    summary = run_pipeline([INPUTS, wind, geothermal, corridors, districts], REGION, source, DictSink())
    status = {r.step: r.status for r in summary.steps}
    assert status == {"inputs": "done", "wind": "blocked", "geothermal": "failed", "corridors": "done",
                      "districts": "blocked"}
    reports = {r.step: r for r in summary.steps}
    assert "buildings: Polygon layer with building_id (str)" in reports["wind"].error
    assert "wind_eligible_areas: step wind is blocked" in reports["districts"].error
    assert not summary.ok


def test_a_step_report_takes_only_a_known_status():
    assert STEP_STATUSES == ("done", "cached", "degraded", "blocked", "failed")
    assert set(PUBLISHED_STATUSES) < set(STEP_STATUSES)
    assert StepReport("wind", "cached").status == "cached"
    with pytest.raises(ValueError, match=r"step 'wind': status 'skipped' is not one of done, cached"):
        StepReport("wind", "skipped")


def test_an_unreadable_input_degrades_the_steps_that_can_do_without_it():
    def unreadable(layer_id):
        if layer_id == "geology":
            raise InputDataError("input 'geology': granite is not a known lithology")
        return source(layer_id)

    corridors = placeholder_step("corridors", "corridors", ("communes",), optional=("geology",))
    geothermal = placeholder_step("geothermal", "heat_demand_density", ("communes", "geology"))
    summary = run_pipeline([INPUTS, corridors, geothermal], REGION, unreadable, DictSink())
    reports = {r.step: r for r in summary.steps}
    assert reports["inputs"].status == "degraded" and "granite" in reports["inputs"].notes[0]
    assert reports["corridors"].status == "degraded"
    assert reports["corridors"].notes == ["without geology: input 'geology': granite is not a known lithology"]
    assert reports["geothermal"].status == "blocked" and "geology: input 'geology': granite" in reports[
        "geothermal"].error


def test_unknown_parameter_section_is_named():
    with pytest.raises(ConfigError, match=r"unknown parameter section \[params\.wnd\] \(did you mean "
                                          r"\[params\.wind\]\?\)"):
        run_pipeline([INPUTS, make_step()], REGION, source, DictSink(), params={"wnd": {"min_area_ha": 2}})


def test_step_declaring_a_layer_of_another_step_is_refused():
    with pytest.raises(ValueError, match="the catalog says 'solar' produces"):
        make_step(outputs=("solar_roofs",))


def test_degraded_is_what_the_analysis_says_and_absent_optional_inputs_are_noted():
    import logging

    warned = logging.getLogger("processing.corridors.test")

    def warns(ctx):
        warned.warning("green network: no habitat core, because the region has no forest")
        return placeholder_step("corridors", "corridors", ("communes",)).run(ctx)

    quiet = placeholder_step("corridors", "corridors", ("communes",), optional=("streetlights",))
    summary = run_pipeline([INPUTS, quiet], REGION, source, DictSink())
    report = summary.steps[-1]
    assert report.status == "done" and report.notes == ["without streetlights (not provided by the region)"]
    summary = run_pipeline([INPUTS, replace(quiet, run=warns)], REGION, source, DictSink(), use_cache=False)
    report = summary.steps[-1]
    assert report.status == "degraded" and "no habitat core" in report.notes[-1] and summary.ok

    def explains(ctx):  # an explanation of an empty result is a note, not a degradation
        warned.warning("green network: no habitat core, because the region has no forest", extra=EXPLANATION)
        return placeholder_step("corridors", "corridors", ("communes",)).run(ctx)

    summary = run_pipeline([INPUTS, replace(quiet, run=explains)], REGION, source, DictSink(), use_cache=False)
    assert summary.steps[-1].status == "done" and "no habitat core" in summary.steps[-1].notes[-1]


def test_a_map_subset_needs_a_bool_field():
    page = MapPage("Areas", "areas", subsets=(MapSubset("green_roofs", "use", "Roof uses"),))
    with pytest.raises(ValueError, match="draws green_roofs where 'use', which is not a bool field"):
        replace(make_step(), maps=(page,))
    with pytest.raises(KeyError, match="layer 'green_roofs' has no field 'stepping'"):
        replace(make_step(), maps=(MapPage("Areas", "areas", subsets=(MapSubset("green_roofs", "stepping", "x"),)),))
