"""Heat recovery end to end: a real-data heat_sources file through the region's input mapping, then the step,
its outputs checked against the catalog."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from layers.catalog import get_layer
from layers.errors import InputDataError
from layers.region import RegionContext, parse_region
from layers.sources import RegionSource
from layers.validate import check_layer
from processing.heat_recovery import STEP
from processing.pipeline import StepContext

LUREF = "EPSG:2169"
EXTENT = (60000.0, 60000.0, 70000.0, 66000.0)
TO_WGS84 = Transformer.from_crs(LUREF, "EPSG:4326", always_xy=True)


def _heat_sources_file(tmp_path: Path) -> Path:
    """A municipal register in WGS84 with its own field names and French type labels."""
    xs, ys = TO_WGS84.transform([61000.0, 68500.0, 64000.0], [63000.0, 63000.0, 61000.0])
    frame = gpd.GeoDataFrame({"nom": ["UVE", "Centre de données", "STEP"],
                              "genre": ["incinération", "centre de données", "station d'épuration"],
                              "chaleur": [90_000.0, 30_000.0, None], "temp": [110.0, None, None]},
                             geometry=shapely.points(np.column_stack([xs, ys])), crs="EPSG:4326")
    path = tmp_path / "chaleur.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path


def _region(tmp_path: Path):
    return parse_region({"region": {"id": "files", "title": "File region", "crs": LUREF, "extent": list(EXTENT)},
                         "inputs": {"heat_sources": {
                             "path": "chaleur.geojson",
                             "fields": {"name": "nom", "source_type": "genre", "heat_mwh_yr": "chaleur",
                                        "temperature_c": "temp"},
                             "values": {"source_type": {"incinération": "incinerator",
                                                        "centre de données": "data_centre",
                                                        "station d'épuration": "wastewater"}}}}},
                        tmp_path, "<test>")


def _ctx(tmp_path, inputs, params=None):
    region = RegionContext("files", CRS.from_user_input(LUREF), EXTENT, {})
    return StepContext(region, inputs, STEP.parse_params(params or {}), lambda f, m: None, tmp_path, step=STEP)


def _areas():
    boxes = [(62000.0, 62500.0, 63000.0, 63500.0), (66500.0, 62500.0, 67500.0, 63500.0)]
    return gpd.GeoDataFrame({"demand_gwh_yr": [60.0, 40.0], "area_ha": [100.0, 100.0], "band": ["feasible", "feasible"],
                             "area_id": [1, 2], "cells": [100, 100], "mean_density_mwh_ha_yr": [600.0, 400.0],
                             "heat_sources_count": [0, 0], "heat_sources_mwh_yr": [0.0, 0.0]},
                            geometry=[shapely.box(*b) for b in boxes], crs=LUREF)


def test_real_file_through_the_input_mapping_and_the_step(tmp_path):
    _heat_sources_file(tmp_path)
    sources = RegionSource(_region(tmp_path), tmp_path / "inputs")("heat_sources")
    check_layer(get_layer("heat_sources"), sources, CRS.from_user_input(LUREF))
    assert sorted(sources.source_type) == ["data_centre", "incinerator", "wastewater"]
    out = STEP.run(_ctx(tmp_path, {"district_heating_areas": _areas(), "heat_sources": sources}))
    for layer_id, frame in out.items():
        check_layer(get_layer(layer_id), frame, CRS.from_user_input(LUREF))
    src = out["heat_sources_assessed"].set_index("name")
    # the waste-water plant had no figures: defaults of its type, flagged; the data centre lacked a temperature
    assert src.loc["STEP", "defaulted"] == "heat_mwh_yr, temperature_c, availability_h_yr"
    assert src.loc["Centre de données", "defaulted"] == "temperature_c, availability_h_yr"
    assert bool(src.loc["Centre de données", "heat_pump"]) and not bool(src.loc["UVE", "heat_pump"])
    assert (src.used_mwh_yr + src.unused_mwh_yr).to_numpy() == pytest.approx(src.deliverable_mwh_yr.to_numpy())
    areas = out["heat_recovery_areas"]
    # each area gets its base load (0.5 × demand) from the sources 1-1.5 km away: both are full
    assert areas.excess_heat_mwh_yr.tolist() == pytest.approx([30_000.0, 20_000.0], rel=1e-6)
    links = out["heat_recovery_links"]
    assert set(links.route) == {"straight_line"} and (links.cost_eur_mwh <= 20.0).all()


def test_without_heat_sources_the_layers_are_empty(tmp_path, caplog):
    out = STEP.run(_ctx(tmp_path, {"district_heating_areas": _areas()}))
    assert len(out["heat_recovery_links"]) == 0 and len(out["heat_sources_assessed"]) == 0
    assert out["heat_recovery_areas"].excess_heat_mwh_yr.tolist() == [0.0, 0.0]
    for layer_id, frame in out.items():
        check_layer(get_layer(layer_id), frame, CRS.from_user_input(LUREF))
    assert "no heat_sources input" in caplog.text


def test_sources_in_another_crs_are_refused(tmp_path):
    sources = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(6.0, 49.5)], crs="EPSG:4326")
    with pytest.raises(InputDataError, match="expected the region CRS"):
        STEP.run(_ctx(tmp_path, {"district_heating_areas": _areas(), "heat_sources": sources}))


def _notes(caplog) -> list[str]:
    """The notes a step logged: warnings that explain (``extra=EXPLANATION``), not degradations."""
    return [r.getMessage() for r in caplog.records if getattr(r, "explains", False)]


def _one_incinerator(**figures):
    """An incinerator 1 km west of area 1, with the figures given (the others left to its type's defaults)."""
    return gpd.GeoDataFrame({"name": ["UVE"], "source_type": ["incinerator"], **{k: [v] for k, v in figures.items()}},
                            geometry=[shapely.Point(61000.0, 63000.0)], crs=LUREF)


def test_default_factors_and_a_defaulted_incinerator_are_noted(tmp_path, caplog):
    sources = _one_incinerator(temperature_c=110.0)
    out = STEP.run(_ctx(tmp_path, {"district_heating_areas": _areas(), "heat_sources": sources}))
    assert out["heat_recovery_links"]["co2_avoided_t_yr"].sum() > 0  # the defaults did go into a result
    notes = _notes(caplog)
    assert any("default emission factors grid_co2_t_mwh = 0.25, gas_co2_t_mwh = 0.202, boiler_efficiency = 0.9"
               in n and "[params.heat_recovery]" in n for n in notes), notes
    source_note = next(n for n in notes if "type's defaults" in n)
    assert "1 incinerator (heat_mwh_yr, availability_h_yr: scaled on Luxembourg's waste incinerator SIDOR" in source_note
    assert "heat_sources input" in source_note and "[inputs.heat_sources] fields" in source_note


def test_a_generic_default_is_not_called_luxembourgish(tmp_path, caplog):
    sources = _one_incinerator(heat_mwh_yr=90_000.0, temperature_c=110.0, availability_h_yr=8_000.0)
    sources = pd.concat([sources, _one_incinerator().assign(name="STEP", source_type="wastewater")], ignore_index=True)
    STEP.run(_ctx(tmp_path, {"district_heating_areas": _areas(), "heat_sources": sources}))
    source_note = next(n for n in _notes(caplog) if "type's defaults" in n)
    assert source_note.startswith("heat_recovery: heat sources with figures from their type's defaults")
    assert "defaults (estimates, flagged in heat_sources_assessed.defaulted): 1 wastewater (heat_mwh_yr, temperature_c, availability_h_yr: a typical plant of the type)" in source_note
    assert "Luxembourg" not in source_note and "incinerator" not in source_note


def test_factors_and_figures_set_by_the_region_are_not_noted(tmp_path, caplog):
    sources = _one_incinerator(heat_mwh_yr=90_000.0, temperature_c=110.0, availability_h_yr=8_000.0)
    factors = {"grid_co2_t_mwh": 0.08, "gas_co2_t_mwh": 0.202, "boiler_efficiency": 0.9}
    STEP.run(_ctx(tmp_path, {"district_heating_areas": _areas(), "heat_sources": sources}, factors))
    assert _notes(caplog) == []
    STEP.run(_ctx(tmp_path, {"district_heating_areas": _areas(), "heat_sources": sources},
                  {"grid_co2_t_mwh": 0.08}))
    assert any("default emission factors gas_co2_t_mwh = 0.202, boiler_efficiency = 0.9" in n
               for n in _notes(caplog))  # only the factors left unset are named
