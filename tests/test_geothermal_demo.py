"""The geothermal step end to end on the small synthetic demo region (through RegionSource and the runner)."""

from __future__ import annotations

import time

import pytest

from layers.raster import RasterFile
from processing.geothermal import STEP
from processing.pipeline import run_pipeline

pytest.importorskip("layers.demo")
from layers.region import parse_region  # noqa: E402
from layers.sources import RegionSource  # noqa: E402

#: The small demo region of tests/pipeline_fixtures.py (3 × 2.5 km, seed 7).
SMALL_DEMO = {"region": {"id": "small-demo", "title": "Small synthetic demo", "crs": "EPSG:2169",
                         "description": "SYNTHETIC test region."},
              "demo": {"seed": 7, "origin": [64000.0, 60000.0], "width_m": 3000.0, "height_m": 2500.0}}


class MemorySink:
    """Keeps published layers in memory (rasters loaded before the runner drops its scratch folder)."""

    def __init__(self):
        self.layers = {}

    def publish_layers(self, layers, provenance):
        self.provenance = provenance
        self.layers.update({k: v.load() if isinstance(v, RasterFile) else v for k, v in layers.items()})

    def cached_layers(self, layer_ids, cache_key):
        return None

    def current_layer(self, layer_id):
        return self.layers[layer_id]


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory):
    root = tmp_path_factory.mktemp("geothermal-demo")
    return RegionSource(parse_region(SMALL_DEMO, root), root / "inputs")


def _run(source, params=None):
    sink = MemorySink()
    summary = run_pipeline([STEP], source.region_context(), source, sink,
                           params={"geothermal": params or {}}, use_cache=False)
    return summary, sink


def test_demo_region_end_to_end(demo_source):
    source = demo_source
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
    assert (b.supply_mwh_yr[b.probes == 0] == 0).all()
    assert b.demand_mwh_yr.sum() == pytest.approx(out["heat_demand_density"].demand_mwh_ha_yr.sum(), rel=1e-9)
    # every forbidden probe site was dropped; depth-limited probes are no longer than the demo's 50 m limit
    restr = out["geothermal_restrictions"]
    assert set(restr.source) <= {"water_protection_zones", "contaminated_sites", "mining_zones", "protected_areas",
                                 "flood_zones"}
    limited = b[b.restriction_class == "depth_limited"]
    assert (limited.probe_depth_m.dropna() <= restr.max_depth_m.max()).all()
    pot = out["geothermal_potential"]
    assert pot.res == 10.0
    valid = pot.array[pot.valid_mask()]
    assert 5.0 < valid.min() <= valid.max() < 12.0  # λ 1.7-2.8 W/m/K → ≈ 7-10 MWh/yr per 100 m probe


def test_demo_region_district_heating_thresholds(demo_source):
    _, default = _run(demo_source)
    _, low = _run(demo_source, {"dh_area_threshold_gwh_yr": 1.0, "dh_cell_threshold_mwh_ha_yr": 150.0})
    areas = low.layers["district_heating_areas"]
    assert len(areas) >= len(default.layers["district_heating_areas"])
    assert len(areas) > 0 and (areas.demand_gwh_yr >= 1.0).all()
    b = low.layers["building_heat_supply"]
    assert b.in_district_heating_area.any()
    assert (b.recommendation[b.in_district_heating_area] == "district_heating").all()
