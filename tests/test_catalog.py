"""The layer catalog: every DESIGN.md layer declared once, coherent, and enforced by check_layer."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, box

from layers.catalog import CATALOG, get_layer, input_layers, output_layers
from layers.catalog.spec import Field, LayerSpec, Style
from layers.errors import LayerNotFound, SchemaError
from layers.raster import Raster
from layers.validate import check_layer, data_checksum
from processing.steps import all_steps

#: Layer ids DESIGN.md fixes as public API.
DESIGN_OUTPUTS = {
    "communes", "solar_roofs", "solar_irradiation", "wind_speed_hub", "wind_exclusions", "wind_eligible_areas",
    "wind_turbine_sites", "geothermal_potential", "geothermal_restrictions", "heat_demand_density",
    "district_heating_areas", "habitat_cores", "corridors", "corridor_paths", "corridor_barriers",
    "test_district_candidates", "commune_indicators",
}
DESIGN_INPUTS = {
    "communes", "dem", "dsm", "buildings", "landcover", "waterways", "water_bodies", "wetlands", "roads",
    "railways", "power_lines", "streetlights", "night_lights", "protected_areas", "water_protection_zones",
    "geology", "mining_zones", "contaminated_sites", "transit_stops", "brownfields", "airports", "wind_speed",
    "climate",
}
#: A field named with one of these suffixes declares a unit mentioning it (``ghi_kwh_m2`` → ``kWh m-2``).
UNIT_SUFFIXES = {"_m2": ("m2", "m-2"), "_m": ("m",), "_ha": ("ha",), "_deg": ("deg",), "_kv": ("kV",),
                 "_km2": ("km2",), "_yr": ("yr",), "_ms": ("m s-1",), "_mw": ("MW",)}


def test_every_design_layer_is_declared():
    assert DESIGN_OUTPUTS | DESIGN_INPUTS <= set(CATALOG)
    assert DESIGN_INPUTS <= {s.id for s in input_layers()}
    assert {"dsm", "night_lights", "wind_speed", "climate"} <= {s.id for s in input_layers() if s.optional}


def test_every_output_names_a_registered_step():
    steps = {s.produced_by for s in output_layers()}
    assert steps == {s.name for s in all_steps() if s.name != "inputs"}


@pytest.mark.parametrize("spec", list(CATALOG.values()), ids=lambda s: s.id)
def test_declarations_are_complete(spec):
    assert spec.title and spec.description
    if spec.kind == "raster":
        assert spec.unit, "a raster declares the unit of its values"
        assert spec.style.stops and spec.style.unit == spec.unit, "a raster has a colour map with its unit"
    for f in spec.fields:
        assert f.description, f"{spec.id}.{f.name} needs a description"
        for suffix, unit in UNIT_SUFFIXES.items():
            if f.name.endswith(suffix) and f.dtype == "float":
                assert any(u in f.unit for u in unit), f"{spec.id}.{f.name} is named in {unit} but declared {f.unit!r}"
    if spec.style.field:
        assert spec.style.field in spec.field_names


def test_unknown_layer_names_the_known_ones():
    with pytest.raises(LayerNotFound, match="unknown layer 'nope'.*solar_roofs"):
        get_layer("nope")


def test_spec_rejects_inconsistent_declarations():
    with pytest.raises(ValueError, match="needs a geometry type"):
        LayerSpec(id="x", title="x", description="x", kind="vector", role="input")
    with pytest.raises(ValueError, match="declares a field twice"):
        LayerSpec(id="x", title="x", description="x", kind="vector", role="input", geometry="Point",
                  fields=(Field("a", "int"), Field("a", "int")))
    with pytest.raises(ValueError, match="must name the step"):
        LayerSpec(id="x", title="x", description="x", kind="raster", role="output", unit="m")
    with pytest.raises(ValueError, match="one colour per stop"):
        Style(stops=(0.0, 1.0), colors=("#000000",))


def _transit(**overrides):
    data = {"mode": ["rail", "bus"], "name": ["Esch", None]}
    data.update(overrides)
    return gpd.GeoDataFrame(data, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:2169")


def test_check_layer_accepts_a_matching_layer():
    check_layer(get_layer("transit_stops"), _transit(), crs=_transit().crs)


@pytest.mark.parametrize("bad, message", [
    (lambda: _transit(mode=["rail", "boat"]), "undeclared values"),
    (lambda: _transit(mode=["rail", None]), "required field 'mode' has 1 empty"),
    (lambda: _transit().assign(extra=1), "undeclared fields \\['extra'\\]"),
    (lambda: _transit().drop(columns="mode"), "missing fields \\['mode'\\]"),
    (lambda: _transit().set_geometry([LineString([(0, 0), (1, 1)])] * 2), "declared Point but holds"),
    (lambda: _transit().to_crs("EPSG:4326"), "expected EPSG:2169"),
    (lambda: pd.DataFrame({"mode": ["rail"]}), "declared vector but got DataFrame"),
])
def test_check_layer_rejects_mismatches(bad, message):
    with pytest.raises(SchemaError, match=message):
        check_layer(get_layer("transit_stops"), bad(), crs=_transit().crs)


def test_check_raster_unit_and_crs():
    r = Raster(np.zeros((2, 2), "float32"), Affine(10, 0, 0, 0, -10, 20), "EPSG:2169", np.nan, "m s-1")
    check_layer(get_layer("wind_speed_hub"), r, crs=r.crs)
    with pytest.raises(SchemaError, match="declared in 'm s-1'"):
        check_layer(get_layer("wind_speed_hub"), r.with_array(r.array, unit="m"))


def test_checksum_changes_with_content():
    a = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:2169")
    b = a.copy()
    assert data_checksum(a) == data_checksum(b)
    b.loc[0, "name"] = "b"
    assert data_checksum(a) != data_checksum(b)


def test_every_raster_layer_declares_its_unit():
    """The store writes the catalog unit into each COG band (issue 15, defect 9): none may be empty."""
    from layers.catalog import CATALOG

    assert all(spec.unit for spec in CATALOG.values() if spec.kind == "raster")


def test_solar_legend_states_the_thresholds_the_classifier_applies():
    """The legend's numbers are the classifier's default thresholds: a face at a threshold takes the class
    whose label names that threshold, one just below it the next class."""
    from processing.solar.classes import suitability_class

    cats = get_layer("solar_roofs").style.categories
    labels = {c.value: c.label for c in cats}
    assert "default thresholds" in labels["very_good"]
    for upper, lower in (("very_good", "good"), ("good", "conditional"), ("conditional", "unsuitable")):
        share = {"very_good": 0.95, "good": 0.80, "conditional": 0.75}[upper]  # docs/REFERENCES.md, Solar
        assert suitability_class([share, share - 1e-9], [50.0, 50.0]).tolist() == [upper, lower]
        assert f"{round(100 * share)} %" in labels[lower] and f"{round(100 * share)}" in labels[upper]
