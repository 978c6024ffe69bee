"""The analysis contract: a new analysis is one package plus two registrations, and the runner, the store,
the API and the maps take it from there; inputs are checked against the catalog; resolutions and derived
inputs come from the step descriptors."""

from __future__ import annotations

import textwrap

import geopandas as gpd
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import CRS

import processing.steps as registry
from geoservice.api import create_app
from geoservice.runner import run_region
from geoservice.settings import Settings
from geoservice.store import open_store
from layers import catalog
from layers.catalog import get_layer
from layers.conform import conform, empty_layer
from layers.errors import ConfigError, InputDataError
from layers.region import RegionContext, load_region
from maps.build import build_all_maps
from processing.pipeline import StepContext, check_resolutions
from processing.steps import all_steps
from processing.wind import STEP as WIND
from processing.wind.params import WindParams
from tests.pipeline_fixtures import SMALL_DEMO_TOML

#: A throw-away analysis, written as a developer would following CONTRIBUTING.md: building volumes.
THROWAWAY_LAYERS = '''
from layers.catalog.spec import Field, LayerSpec, Style

LAYERS = (
    LayerSpec("building_volumes", "Building volumes", "Footprint area times height of every building.",
              "vector", "output", geometry="Polygon", produced_by="volumes",
              fields=(Field("building_id", "str", description="Building identifier."),
                      Field("volume_m3", "float", "m3", "Footprint area times height.")),
              style=Style(color="#aa5500")),
)
'''
THROWAWAY_STEP = '''
from pydantic import BaseModel, ConfigDict

from processing.pipeline import MapPage, Step


class VolumeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def run(ctx):
    buildings = ctx.vector("buildings")
    volumes = buildings.assign(volume_m3=buildings.geometry.area * buildings["height_m"])
    return {"building_volumes": volumes}


STEP = Step(name="volumes", title="Building volumes", inputs=("buildings",), outputs=("building_volumes",),
            params=VolumeParams, run=run, maps=(MapPage("Volumes", "building volumes"),),
            commune_layers=("building_volumes",))
'''


@pytest.fixture()
def throwaway_analysis(tmp_path, monkeypatch):
    """A package ``volumes`` (the step) and its catalog module ``volumes_layers``, registered by one line each
    (the project's own live in ``processing/`` and ``layers/catalog/``)."""
    package = tmp_path / "pkgs" / "volumes"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(THROWAWAY_STEP))
    (tmp_path / "pkgs" / "volumes_layers.py").write_text(textwrap.dedent(THROWAWAY_LAYERS))
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    monkeypatch.setattr(catalog, "CATALOG_MODULES", [*catalog.CATALOG_MODULES, "volumes_layers"])
    monkeypatch.setattr(registry, "STEP_PACKAGES", [*registry.STEP_PACKAGES, "volumes"])
    catalog.rebuild()
    yield
    monkeypatch.undo()
    catalog.rebuild()


def test_a_new_analysis_runs_publishes_is_served_and_gets_a_map_page(throwaway_analysis, tmp_path):
    region = tmp_path / "small.toml"
    region.write_text(SMALL_DEMO_TOML)
    settings = Settings(data_dir=tmp_path / "data")
    summary = run_region(settings, region, steps=["inputs", "volumes"])
    assert {s.step: s.status for s in summary.steps} == {"inputs": "done", "volumes": "done"}

    store = open_store(settings)
    try:
        buildings = store.read_vector("buildings")
        volumes = store.read_vector("building_volumes")
        expected = dict(zip(buildings["building_id"], shapely.area(buildings.geometry.values) * buildings["height_m"],
                            strict=True))
        got = dict(zip(volumes["building_id"], volumes["volume_m3"], strict=True))
        assert got.keys() == expected.keys() and len(got) > 10
        assert all(got[k] == pytest.approx(expected[k], rel=1e-9) for k in got)

        with TestClient(create_app(settings, store)) as client:
            listed = client.get("/collections", params={"f": "json"}).json()["collections"]
            assert "building_volumes" in [c["id"] for c in listed]
            items = client.get("/collections/building_volumes/items", params={"limit": 3, "f": "json"}).json()
            assert len(items["features"]) == 3 and "volume_m3" in items["features"][0]["properties"]

        index = build_all_maps(store, load_region(region), tmp_path / "maps")
    finally:
        store.close()
    page = (tmp_path / "maps" / "volumes.html").read_text()
    assert "Building volumes" in page and "volumes.html" in index.read_text()
    communes = list((tmp_path / "maps").glob("commune-*.html"))
    assert communes and all("Building volumes" in p.read_text() for p in communes)


def test_registries_list_every_analysis_once():
    steps = all_steps()
    assert len({s.name for s in steps}) == len(steps) == len(registry.STEP_PACKAGES)
    produced = {spec.id for spec in catalog.output_layers()}
    assert produced == {o for s in steps for o in s.outputs if get_layer(o).role == "output"}


def test_a_layer_declared_twice_is_refused(monkeypatch):
    monkeypatch.setattr(catalog, "CATALOG_MODULES", [*catalog.CATALOG_MODULES, "layers.catalog.wind"])
    with pytest.raises(ValueError, match="declared twice"):
        catalog.rebuild()
    monkeypatch.undo()
    catalog.rebuild()


def test_resolutions_are_checked_against_the_steps_with_a_grid():
    steps = all_steps()
    check_resolutions(steps, {"wind": 25.0, "solar": 0.5}, "r.toml")
    with pytest.raises(ConfigError, match=r"r.toml: \[resolution\] wnd: unknown analysis 'wnd' \(did you mean 'wind'"):
        check_resolutions(steps, {"wnd": 25.0}, "r.toml")
    with pytest.raises(ConfigError, match="districts"):
        check_resolutions(steps, {"districts": 25.0}, "r.toml")  # no grid: not settable
    with pytest.raises(ConfigError, match="0.1-1000 m"):
        check_resolutions(steps, {"wind": 0.0}, "r.toml")
    region = RegionContext("r", CRS.from_epsg(2169), (0.0, 0.0, 1.0, 1.0), {"wind": 25.0})
    assert WIND.resolution_m(region) == 25.0
    assert WIND.resolution_m(RegionContext("r", CRS.from_epsg(2169), (0.0, 0.0, 1.0, 1.0), {})) == 10.0


def test_wind_inputs_follow_the_rules_in_force():
    luxembourg = WindParams()
    assert "buildings" in WIND.required_input_ids(luxembourg)  # the dwellings setback cannot be skipped
    assert "roads" in WIND.optional_input_ids(params=luxembourg)
    none = WindParams(profile="none")
    assert "buildings" not in (*WIND.required_input_ids(none), *WIND.optional_input_ids(params=none))
    extra = WindParams(profile="none", rules=[{"id": "pipes", "layer": "power_lines", "buffer_m": 50.0,
                                               "required": True}])
    assert "power_lines" in WIND.required_input_ids(extra)


def test_districts_read_every_layer_the_other_steps_offer():
    steps = all_steps()
    districts = next(s for s in steps if s.name == "districts")
    offered = {i for s in steps for i in s.district_layers}
    assert offered and offered <= set(districts.optional_input_ids(steps))


def _context(inputs, step=WIND) -> StepContext:
    region = RegionContext("r", CRS.from_epsg(2169), (0.0, 0.0, 100.0, 100.0), {},
                           extra_values={"landcover": {"class": ("vineyard_terrace",)}})
    return StepContext(region, inputs, step.parse_params({}), lambda f, m: None, None, step=step)


def _landcover(classes, crs="EPSG:2169") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"class": classes}, geometry=[shapely.box(0, 0, 10, 10)] * len(classes), crs=crs)


def test_typed_readers_check_inputs_against_the_catalog():
    ctx = _context({"landcover": _landcover(["forest", "vineyard_terrace"]), "dem": None})
    assert len(ctx.vector("landcover")) == 2  # the region's own class is accepted
    assert ctx.raster("dem") is None  # optional and missing
    with pytest.raises(InputDataError, match=r"'landcover'.*unknown values \['glacier'\].*\[classes.landcover.class\]"):
        _context({"landcover": _landcover(["glacier"])}).vector("landcover")
    with pytest.raises(InputDataError, match="'landcover' is in EPSG:4326, expected the region CRS EPSG:2169"):
        _context({"landcover": _landcover(["forest"], "EPSG:4326")}).vector("landcover")
    with pytest.raises(InputDataError, match="'landcover' lacks the field 'class'"):
        _context({"landcover": _landcover(["forest"]).rename(columns={"class": "kind"})}).vector("landcover")
    with pytest.raises(InputDataError, match="buildings"):  # required by the dwellings rule, and missing
        _context({}).vector("buildings")
    with pytest.raises(InputDataError, match="must be raster data"):
        _context({"dem": _landcover(["forest"])}).raster("dem")


def test_conform_orders_declared_fields_and_builds_empty_layers():
    spec = get_layer("wind_eligible_areas")
    empty = conform(spec, None, CRS.from_epsg(2169))
    assert list(empty.columns) == [*spec.field_names, "geometry"] and len(empty) == 0
    assert [str(empty[f.name].dtype) for f in spec.fields] == [
        {"int": "int64", "float": "float64", "str": "object", "bool": "bool"}[f.dtype] for f in spec.fields]
    frame = gpd.GeoDataFrame({"commune": ["a"], "work": [1], "turbine_count": [2], "area_ha": [3.0]},
                             geometry=[shapely.box(0, 0, 1, 1)], crs=2169)
    shaped = conform(spec, frame)
    assert list(shaped.columns) == ["area_ha", "turbine_count", "commune", "geometry"]
    joined = conform(spec, [empty_layer(spec, CRS.from_epsg(2169)), frame, frame], CRS.from_epsg(2169))
    assert len(joined) == 2 and np.array_equal(joined["turbine_count"], [2, 2])


def test_commune_contributions_name_a_layer_the_districts_step_reads():
    offered = {i for s in all_steps() for i in s.district_layers}
    fields = set(get_layer("commune_indicators").field_names)
    for contribution in catalog.COMMUNE_SUMS:
        assert contribution.layer in offered and contribution.field.name in fields
        assert contribution.column in get_layer(contribution.layer).field_names
