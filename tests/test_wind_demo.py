"""The wind step end to end on the small synthetic demo region (tests/demo_fixtures.py, 2 x 2 km), through
RegionSource and the pipeline runner (which checks every output against the catalog)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import shapely

from layers.raster import RasterFile
from layers.region import load_region
from processing.pipeline import run_pipeline
from processing.wind import STEP
from processing.wind.energy import net_factor
from processing.wind.siting import ellipse_violations


class MemorySink:
    """Keeps published layers in memory; raster files are copied out of the step's scratch folder."""

    def __init__(self, folder):
        self.layers, self.folder = {}, folder

    def publish_layers(self, layers, provenance, reuse=True):
        self.provenance = provenance
        for layer_id, data in layers.items():
            if isinstance(data, RasterFile):
                target = self.folder / f"{layer_id}.tif"
                shutil.copyfile(data.path, target)
                data = RasterFile(str(target), data.unit)
            self.layers[layer_id] = data

    def cached_layers(self, layer_ids, cache_key):
        return None

    def current_layer(self, layer_id):
        return self.layers[layer_id]


def _run(source, params, folder):
    sink = MemorySink(folder)
    summary = run_pipeline([STEP], source.region_context(), source, sink, params={"wind": params}, use_cache=False)
    assert summary.ok, summary.to_dict()
    return summary, sink.layers


#: The 2 x 2 km cut-out lies within 5.1 km of the demo's airfield: without this rule nothing would be eligible.
#: The calibration factor is the demo region's (layers/regions/minett-demo.toml).
CALIBRATED = {"profile": "luxembourg-300m", "disabled_rules": ["airports"],
              **load_region("minett-demo").params_for("wind")}


@pytest.fixture(scope="module")
def demo_outputs(small_demo_source, tmp_path_factory):
    return _run(small_demo_source, CALIBRATED, tmp_path_factory.mktemp("wind-demo"))


def test_demo_outputs_published(demo_outputs):
    summary, layers = demo_outputs
    assert set(layers) == set(STEP.outputs)
    assert summary.steps[0].seconds < 30.0  # issue 5's goal for the 8 x 6 km region; this one is 12x smaller


def test_demo_sites_valid(demo_outputs):
    _, layers = demo_outputs
    sites, excl = layers["wind_turbine_sites"], layers["wind_exclusions"]
    d = float(sites["rotor_diameter_m"].iloc[0]) if len(sites) else 141.0
    assert ellipse_violations(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(), 225.0, 8 * d, 4 * d) == []
    assert not sites.intersects(shapely.union_all(excl.geometry.to_numpy())).any()
    assert (excl["rules"].str.len() > 0).all()
    assert len(sites) > 0 and (sites["aep_net_mwh_yr"] > 0).all()


def test_demo_energy_against_measured_production(demo_outputs):
    """Independent check: with the demo region's calibration (layers/regions/minett-demo.toml, set from the
    MEASURED Sudwand production 15,300 MWh / 8.52 MW = 1,796 full-load hours), the demo's sites — open land
    on the same plateau, E-141/4200 at 150 m instead of 160 m — reach 1,796 h within 15 % on average; each
    site's net is its gross × the loss factor × the calibration factor (1e-9)."""
    _, layers = demo_outputs
    sites = layers["wind_turbine_sites"]
    p = STEP.parse_params(CALIBRATED)
    factor = net_factor(p.availability, p.wake_loss, p.electrical_loss, p.curtailment_loss) * p.calibration_factor
    np.testing.assert_allclose(sites["aep_net_mwh_yr"], sites["aep_gross_mwh_yr"] * factor, rtol=1e-9)
    flh = sites["aep_net_mwh_yr"].sum() / sites["capacity_mw"].sum()
    assert flh == pytest.approx(15_300.0 / 8.52, rel=0.15)


def test_demo_summary_regression_pin(demo_outputs):
    """Regression pin (not a reference): figures of the 2 x 2 km demo (seed 20261123, CALIBRATED), so that a
    change of behaviour is seen; the independent check is the test above."""
    _, layers = demo_outputs
    eligible, sites = layers["wind_eligible_areas"], layers["wind_turbine_sites"]
    figures = {"eligible_ha": round(float(eligible["area_ha"].sum()), 1), "sites": len(sites),
               "net_gwh_yr": round(float(sites["aep_net_mwh_yr"].sum()) / 1e3, 1)}
    assert figures == PINNED


PINNED = {"eligible_ha": 76.7, "sites": 6, "net_gwh_yr": 42.0}
