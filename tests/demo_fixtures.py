"""Shared fixtures: a small (2 × 2 km) synthetic demo region, generated once per test session.

tests/conftest.py registers this module as a plugin, so test modules use the fixtures by name without importing
them; each depends only on pytest's ``tmp_path_factory``.

``small_demo_config`` is the region (id ``demo-small``), ``small_demo_source`` a :class:`RegionSource` over it,
``small_demo_dir`` the folder holding the generated files (``inputs.gpkg``, ``dem.tif``, ``dsm.tif``,
``truth.gpkg``, ...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.region import RegionConfig, parse_region
from layers.sources import RegionSource

#: The small demo region: 2 × 2 km at the Minett, the bundled region's seed.
SMALL_DEMO_REGION = {
    "region": {"id": "demo-small", "title": "Small synthetic demo (2 x 2 km)", "crs": "EPSG:2169",
               "description": "SYNTHETIC test region."},
    "demo": {"seed": 20261123, "origin": [65000.0, 60000.0], "width_m": 2000.0, "height_m": 2000.0},
}

_SESSION: dict[str, RegionSource] = {}


def make_small_demo_config() -> RegionConfig:
    return parse_region(SMALL_DEMO_REGION, Path("."), "<small demo>")


def _source(tmp_path_factory: pytest.TempPathFactory) -> RegionSource:
    key = str(tmp_path_factory.getbasetemp())
    if key not in _SESSION:
        source = RegionSource(make_small_demo_config(), tmp_path_factory.mktemp("demo-inputs"))
        source.ensure_demo()
        _SESSION[key] = source
    return _SESSION[key]


@pytest.fixture(scope="session")
def small_demo_config() -> RegionConfig:
    """The 2 × 2 km demo region's configuration."""
    return make_small_demo_config()


@pytest.fixture(scope="session")
def small_demo_source(tmp_path_factory: pytest.TempPathFactory) -> RegionSource:
    """A :class:`RegionSource` over the 2 × 2 km demo region (generated on first use, once per session)."""
    return _source(tmp_path_factory)


@pytest.fixture(scope="session")
def small_demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the generated 2 × 2 km demo files."""
    return _source(tmp_path_factory).demo_dir
