"""The geothermal step end to end on the small synthetic demo region (tests/demo_fixtures.py, 2 x 2 km), through
RegionSource and the pipeline runner (which checks every output against the catalog)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from layers.raster import RasterFile
from processing.geothermal import STEP
from processing.pipeline import run_pipeline
from tests.hand_references import gpot_by_hand


class MemorySink:
    """Keeps published layers in memory (rasters loaded before the runner drops its scratch folder)."""

    def __init__(self):
        self.layers = {}

    def publish_layers(self, layers, provenance, reuse=True):
        self.provenance = provenance
        self.layers.update({k: v.load() if isinstance(v, RasterFile) else v for k, v in layers.items()})

    def cached_layers(self, layer_ids, cache_key):
        return None

    def current_layer(self, layer_id):
        return self.layers[layer_id]


def _run(source, params=None):
    sink = MemorySink()
    # the demo lies in Luxembourg: ground temperature 11 °C, as the bundled demo region states
    summary = run_pipeline([STEP], source.region_context(), source, sink,
                           params={"geothermal": {"ground_temperature_c": 11.0, **(params or {})}}, use_cache=False)
    return summary, sink


#: Regression pin: ground heat of the small demo's probe fields [MWh yr-1] (19,413 before the borefield
#: interference of issue 15, which counted every probe as if alone).
PINNED_GROUND_MWH_YR = 8439.88


def test_demo_region_end_to_end(small_demo_source):
    source = small_demo_source
    source("buildings")  # generate the inputs outside the timed run
    started = time.perf_counter()
    summary, sink = _run(source)
    assert summary.ok, summary.to_dict()
    assert time.perf_counter() - started < 30.0
    out = sink.layers
    assert sink.provenance.synthetic
    b = out["building_heat_supply"]
    assert len(b) == len(source("buildings")) > 0
    assert (b.probes >= 0).all() and b.probes.sum() > 0
    assert (b.ground_heat_mwh_yr[b.probes == 0] == 0).all()
    assert b.demand_mwh_yr.sum() == pytest.approx(out["heat_demand_density"].demand_mwh_ha_yr.sum(), rel=1e-9)
    # every forbidden probe site was dropped; depth-limited probes are no longer than the demo's 50 m limit
    restr = out["geothermal_restrictions"]
    assert set(restr.source) <= {"water_protection_zones", "contaminated_sites", "mining_zones", "protected_areas",
                                 "flood_zones"}
    limited = b[b.restriction_class == "depth_limited"]
    assert (limited.probe_depth_m.dropna() <= restr.max_depth_m.max()).all()
    # independent checks: each plot's ground heat is its probes x G.POT per probe written out by hand (Casasso &
    # Sethi 2016 defaults; tests/test_geothermal_step.py checks it gives the published 8.6 MWh/yr at λ 2.2) x its
    # field factor (g-functions checked against Cimmino & Bernier 2014 in test_geothermal_borefield): alone a
    # probe keeps 1, in a field less, never more (1e-6); SPF 4: delivered = ground x 4/3, electricity = ground / 3
    hand = np.array([gpot_by_hand(lam, length) if n else 0.0 for lam, length, n in
                     zip(b.conductivity_w_mk, np.nan_to_num(b.probe_depth_m), b.probes, strict=True)])
    np.testing.assert_allclose(b.ground_heat_mwh_yr, b.probes * hand * b.field_factor, rtol=1e-6)
    assert (b.field_factor[b.probes == 1] == 1.0).all() and (b.field_factor[b.probes > 1] < 1.0).all()
    np.testing.assert_allclose(b.delivered_heat_mwh_yr, b.ground_heat_mwh_yr * 4 / 3, rtol=1e-9)
    np.testing.assert_allclose(b.heat_pump_electricity_mwh_yr, b.ground_heat_mwh_yr / 3, rtol=1e-9)
    # regression pin (not a reference), on the demo generator's output (layers.demo GENERATOR_VERSION 1.0,
    # seed 20261123): a change in the step or in the generator shows here
    assert (len(b), int(b.probes.sum())) == (232, 3040)
    assert b.demand_mwh_yr.sum() == pytest.approx(8404.65, rel=1e-4)
    assert b.ground_heat_mwh_yr.sum() == pytest.approx(PINNED_GROUND_MWH_YR, rel=1e-4)
    assert len(out["heat_demand_density"]) == 48 and len(restr) == 21
    assert len(out["district_heating_areas"]) == 0  # no 30 GWh critical mass in a 2 × 2 km suburban corner
    pot = out["geothermal_potential"]
    assert pot.res == 10.0
    valid = pot.array[pot.valid_mask()]
    assert 5.0 < valid.min() <= valid.max() < 12.0  # λ 1.7-2.8 W/m/K → ≈ 7-10 MWh/yr per 100 m probe


def test_demo_region_district_heating_thresholds(small_demo_source):
    _, default = _run(small_demo_source)
    _, low = _run(small_demo_source, {"dh_area_threshold_gwh_yr": 1.0, "dh_cell_threshold_mwh_ha_yr": 150.0})
    areas = low.layers["district_heating_areas"]
    assert len(areas) >= len(default.layers["district_heating_areas"])
    assert len(areas) > 0 and (areas.demand_gwh_yr >= 1.0).all()
    assert (areas.mean_density_mwh_ha_yr >= 150.0).all()
    assert areas.demand_gwh_yr.iloc[0] == pytest.approx(5.5626, rel=1e-4) and areas.area_ha.iloc[0] == 19.0
    assert areas.heat_sources_count.iloc[0] == 4  # the demo's three plants and its waste-water plant lie within 1 km
    b = low.layers["building_heat_supply"]
    assert b.in_district_heating_area.any()
    assert (b.recommendation[b.in_district_heating_area] == "district_heating").all()
