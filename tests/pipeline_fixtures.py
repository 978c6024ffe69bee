"""A whole-pipeline run on the bundled synthetic demo region (8 × 6 km), and its web maps, shared by the
end-to-end and map tests: what a user gets from the quick start (fixtures registered in tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from geoservice.runner import run_region
from geoservice.settings import Settings
from geoservice.store import open_store
from layers.region import BUNDLED_REGIONS
from processing.pipeline import RunSummary

#: A 3 × 2.5 km demo region for tests that need a quick real run (or two) rather than the full demo: every
#: analysis finds something (322 roof faces, 11 habitat cores and 12 links, 26 heat-demand hectares).
SMALL_DEMO_TOML = """
[region]
id = "small-demo"
title = "Small synthetic demo"
description = "SYNTHETIC test region."
crs = "EPSG:2169"

[demo]
seed = 7
origin = [64000.0, 60000.0]
width_m = 3000.0
height_m = 2500.0

[params.geothermal]
ground_temperature_c = 11.0  # Luxembourg, as the bundled demo region states
"""


@dataclass
class DemoRun:
    settings: Settings
    region_path: Path
    summary: RunSummary


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """Every step run once on the bundled demo region into an embedded store."""
    root = tmp_path_factory.mktemp("demo-run")
    region_path = BUNDLED_REGIONS / "minett-demo.toml"
    settings = Settings(data_dir=root / "data")
    summary = run_region(settings, region_path)
    return DemoRun(settings, region_path, summary)


@pytest.fixture()
def demo_store(demo_run):
    store = open_store(demo_run.settings)
    yield store
    store.close()


@pytest.fixture(scope="session")
def built_maps(demo_run, tmp_path_factory) -> Path:
    """The index page of every map built from the demo run."""
    from layers.region import load_region
    from maps.build import build_all_maps

    store = open_store(demo_run.settings)
    out = tmp_path_factory.mktemp("maps") / "maps"
    try:
        return build_all_maps(store, load_region(demo_run.region_path), out, version="test")
    finally:
        store.close()
