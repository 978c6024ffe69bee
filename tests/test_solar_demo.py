"""The solar step end to end on the small synthetic demo region (2 × 2 km, tests/demo_fixtures.py), through
the pipeline runner: outputs valid, roof faces recovered against the demo's known faces (truth.gpkg layer
``roof_faces``), summary figures against the known faces, and a regression pin so that a change of behaviour
shows.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from layers.raster import RasterFile
from processing.pipeline import run_pipeline
from processing.solar import STEP

pytest.importorskip("layers.demo")


class MemorySink:
    """Keeps published layers in memory (rasters loaded before the runner drops its scratch folder)."""

    def __init__(self):
        self.layers = {}

    def publish_layers(self, layers, provenance, reuse=True):
        self.layers.update({k: v.load() if isinstance(v, RasterFile) else v for k, v in layers.items()})

    def cached_layers(self, layer_ids, cache_key):
        return None

    def current_layer(self, layer_id):
        return self.layers[layer_id]


@pytest.fixture(scope="module")
def demo_result(small_demo_source, small_demo_dir):
    sink = MemorySink()
    summary = run_pipeline([STEP], small_demo_source.region_context(), small_demo_source, sink, use_cache=False)
    truth = gpd.read_file(small_demo_dir / "truth.gpkg", layer="roof_faces")
    return summary, sink.layers, truth


def match(roofs: gpd.GeoDataFrame, truth: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each known face with the found face of its building nearest in azimuth (flat roofs: the only face)."""
    by_building = {bid: g for bid, g in roofs.groupby("building_id")}
    rows = []
    for face in truth.itertuples(index=False):
        mine = by_building.get(face.building_id)
        if mine is None:
            rows.append((face.roof_shape, np.inf, np.inf, np.inf))
            continue
        if face.roof_shape == "flat":
            found, d_az = mine.iloc[0], 0.0
        else:
            diff = np.abs((mine["azimuth_deg"].to_numpy() - face.azimuth_deg + 180.0) % 360.0 - 180.0)
            found, d_az = mine.iloc[int(np.argmin(diff))], float(diff.min())
        rows.append((face.roof_shape, abs(found["area_m2"] / face.area_m2 - 1.0),
                     abs(found["tilt_deg"] - face.tilt_deg), d_az))
    return pd.DataFrame(rows, columns=["shape", "area_err", "tilt_err", "azimuth_err"])


def test_step_runs_and_outputs_validate(demo_result):
    summary, layers, _ = demo_result
    assert summary.ok, summary.to_dict()
    roofs = layers["solar_roofs"]
    assert set(roofs["source"]) <= {"dsm", "attributes"} and (roofs["source"] == "dsm").mean() > 0.95
    assert set(roofs["climate"]) == {"climate_table"}  # the demo ships a climate table
    assert roofs["commune"].notna().all()


def test_segmentation_recovers_the_demo_roof_faces(demo_result):
    """Issue 4: area within 5 %, tilt within 2°, azimuth within 5°. Every gable, shed and flat face is
    recovered; a hip roof's small end triangles (≈20 m²) can miss the area tolerance by a few tenths of a
    square metre, so at least 98 % of hip faces must be within it (measured: 549 of 549 faces found, 547
    within all three tolerances, largest area error 5.6 %)."""
    _, layers, truth = demo_result
    m = match(layers["solar_roofs"], truth)
    ok = (m["area_err"] <= 0.05) & (m["tilt_err"] <= 2.0) & (m["azimuth_err"] <= 5.0)
    by_shape = ok.groupby(m["shape"]).mean()
    assert by_shape.drop("hip", errors="ignore").min() == 1.0, by_shape.to_dict()
    assert by_shape.get("hip", 1.0) >= 0.98, by_shape.to_dict()
    assert m["area_err"].median() < 0.01
    assert m["tilt_err"].max() < 0.5 and m["azimuth_err"].max() < 1.0


def test_irradiation_raster_covers_roofs_only(demo_result):
    _, layers, _ = demo_result
    raster = layers["solar_irradiation"]
    values = raster.array[np.isfinite(raster.array)]
    assert values.size > 0.9 * layers["solar_roofs"]["area_m2"].mul(
        np.cos(np.radians(layers["solar_roofs"]["tilt_deg"]))).sum() / raster.res ** 2
    assert values.min() > 50.0 and np.percentile(values, 1) > 250.0  # deep shade exists, but is rare
    assert values.max() < 1400.0  # real sky: never clear-sky figures (≈2,100 on the best plane)


def test_summary_against_the_known_faces(demo_result, small_demo_source):
    """Independent check: capacity and yield recomputed from the generator's known faces (truth.gpkg), with the
    cadastre conventions written out here (docs/REFERENCES.md: 0.20 kWp/m2, 10 m2 pitched / 25 m2 flat minimum,
    steep north faces excluded; flat roofs: 0.8 x the ground coverage ratio 1 / (cos 15° + sin 15° / tan h) of
    15° rows unshaded at winter-solstice noon, h = 90° − latitude − 23.44°) and the unshaded yield of each module
    plane (pv.unshaded_specific_yield, itself within 1.5 % of a pvlib-only chain, tests/test_solar_sky.py).
    Capacity within 3 % (segmentation areas are within 5 %); yield between 80 % and 100 % of the unshaded
    figure (shading only removes energy; the demo towns take less than a fifth)."""
    from layers.grid import centre_latlon
    from processing.solar import pv
    from processing.solar.sky import representative_sky

    _, layers, truth = demo_result
    roofs = layers["solar_roofs"]
    region = small_demo_source.region_context()
    lat, lon = centre_latlon(region.extent, region.crs)
    h = np.radians(90.0 - lat - 23.44)
    share = 0.8 / (np.cos(np.radians(15.0)) + np.sin(np.radians(15.0)) / np.tan(h))
    flat = truth["tilt_deg"].to_numpy() < 10.0
    off_north = np.abs((truth["azimuth_deg"].to_numpy() + 180.0) % 360.0 - 180.0)
    usable = np.where(flat, truth["area_m2"] * share, truth["area_m2"])
    usable = np.where(usable >= np.where(flat, 25.0, 10.0), usable, 0.0)
    usable = np.where(~flat & (truth["tilt_deg"].to_numpy() > 20.0) & (off_north < 67.5), 0.0, usable)
    kwp = 0.20 * usable
    assert roofs["kwp"].sum() == pytest.approx(kwp.sum(), rel=0.03)
    sky = representative_sky(lat, lon, 300.0, small_demo_source("climate"))
    tilt = np.where(flat, 15.0, truth["tilt_deg"].to_numpy())
    azimuth = np.where(flat, 180.0, truth["azimuth_deg"].to_numpy())
    unshaded = float((kwp * pv.unshaded_specific_yield(sky, tilt, azimuth)).sum())
    assert 0.8 * unshaded <= roofs["yield_kwh_yr"].sum() <= 1.0 * unshaded


def test_summary_regression_pin(demo_result):
    """Regression pin (not a reference): summary of the small demo (seed 20261123), so that a change of
    behaviour shows; update deliberately when the model or the demo changes."""
    _, layers, truth = demo_result
    roofs = layers["solar_roofs"]
    assert len(roofs) == len(truth)
    assert roofs["kwp"].sum() == pytest.approx(PINNED["kwp"], rel=0.02)
    assert roofs["yield_kwh_yr"].sum() / 1000.0 == pytest.approx(PINNED["mwh_yr"], rel=0.02)
    assert roofs["irradiation_kwh_m2_yr"].median() == pytest.approx(PINNED["median_kwh_m2_yr"], rel=0.01)
    shares = roofs["class"].value_counts(normalize=True)
    assert shares.get("very_good", 0.0) == pytest.approx(PINNED["very_good_share"], abs=0.03)


#: Measured on the small demo with the default parameters (python -m pytest tests/test_solar_demo.py).
#: Before issue 15: 5,099 kWp and 4,181 MWh/yr (flat modules at 0°, 14.08 % losses with shading counted twice).
PINNED = {"kwp": 5238.0, "mwh_yr": 4571.0, "median_kwh_m2_yr": 1007.7, "very_good_share": 0.23}
