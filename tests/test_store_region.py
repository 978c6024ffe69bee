"""One store serves one region: a run of another region into it is refused before any work, with the fix, and
leaves every published version as it was."""

import pytest
from click.testing import CliRunner

from geoservice.cli import cli
from geoservice.runner import run_region
from geoservice.settings import Settings
from geoservice.store import open_store
from layers.errors import ConfigError

TINY = """
[region]
id = "{id}"
title = "Tiny synthetic demo"
crs = "EPSG:2169"

[demo]
seed = 3
origin = [64000.0, 60000.0]
width_m = 1500.0
height_m = 1500.0

[scenarios.spf45]
title = "Heat pumps: SPF 4.5"
geothermal = {{ heat_pump_spf = 4.5 }}
"""


def _region(tmp_path, region_id):
    path = tmp_path / f"{region_id}.toml"
    path.write_text(TINY.format(id=region_id), encoding="utf-8")
    return path


def _current(settings):
    store = open_store(settings)
    try:
        return {v.layer_id: (v.version, v.provenance.get("region")) for v in store.published()}
    finally:
        store.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The inputs of region "tiny-a" published into an embedded store."""
    root = tmp_path_factory.mktemp("region")
    settings = Settings(data_dir=root / "data")
    run_region(settings, _region(root, "tiny-a"), steps=["inputs"])
    return root, settings


def test_versions_name_their_region(published):
    _, settings = published
    current = _current(settings)
    assert current and {region for _, region in current.values()} == {"tiny-a"}


def test_another_region_is_refused_and_nothing_changes(published):
    root, settings = published
    before = _current(settings)
    with pytest.raises(ConfigError) as err:
        run_region(settings, _region(root, "tiny-b"), steps=["inputs"])
    message = str(err.value)
    assert "'tiny-a'" in message and "'tiny-b'" in message
    assert "GEOSERVICE_DATA_DIR" in message and str(settings.store_dir) in message
    assert _current(settings) == before


def test_another_region_scenario_is_refused_too(published):
    root, settings = published
    with pytest.raises(ConfigError, match="one store serves one region"):
        run_region(settings, _region(root, "tiny-b"), steps=["inputs"], scenario="spf45")


def test_the_same_region_runs_again(published):
    root, settings = published
    summary = run_region(settings, _region(root, "tiny-a"), steps=["inputs"])
    assert {s.status for s in summary.steps} <= {"done", "cached"}


def test_cli_exits_non_zero_with_the_fix(published):
    root, settings = published
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "run", "--region",
                                      str(_region(root, "tiny-b")), "--only", "inputs", "--no-maps"])
    assert result.exit_code == 1
    assert "serves region 'tiny-a', not 'tiny-b'" in result.output


def test_api_refuses_a_job_of_another_region_with_409(published):
    from fastapi.testclient import TestClient

    from geoservice.api import create_app

    root, settings = published
    other = Settings(data_dir=settings.data_dir, region=str(_region(root, "tiny-b")), api_token="t0ken")
    store = open_store(other)
    try:
        with TestClient(create_app(other, store=store)) as client:
            r = client.post("/processes/inputs/execution", json={"inputs": {}},
                            headers={"Authorization": "Bearer t0ken"})
        assert r.status_code == 409, r.text
        assert "serves region 'tiny-a', not 'tiny-b'" in r.json()["detail"]
        assert store.jobs.claim("test") is None  # nothing queued
    finally:
        store.close()
