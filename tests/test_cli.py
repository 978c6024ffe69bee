"""The command line: thin commands, clear errors and non-zero exits, outputs reopened to check them."""

import json
import os

import pytest
from click.testing import CliRunner

from geoservice.cli import cli

TINY_DEMO = """
[region]
id = "tiny"
title = "Tiny synthetic demo"
crs = "EPSG:2169"

[demo]
seed = 3
origin = [64000.0, 60000.0]
width_m = 2000.0
height_m = 2000.0
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    region = root / "tiny.toml"
    region.write_text(TINY_DEMO)
    return root, region


def invoke(*args, data_dir=None):
    base = ["--data-dir", str(data_dir)] if data_dir else []
    return CliRunner().invoke(cli, [*base, *map(str, args)], catch_exceptions=False)


def test_help_has_examples():
    result = invoke("--help")
    assert result.exit_code == 0
    assert "geoservice run --only wind" in result.output and "GEOSERVICE_DATABASE_URL" in result.output


def test_run_inputs_then_rerun_is_cached_and_layers_lists_versions(tiny):
    root, region = tiny
    data = root / "data"
    first = invoke("run", "--region", region, "--only", "inputs", "--no-maps", data_dir=data)
    assert first.exit_code == 0, first.output
    assert "inputs" in first.output and "done" in first.output
    again = invoke("run", "--region", region, "--only", "inputs", "--no-maps", data_dir=data)
    assert again.exit_code == 0 and "cached" in again.output
    listed = json.loads(invoke("layers", "--json", data_dir=data).output)
    by_id = {row["id"]: row for row in listed}
    assert by_id["communes"]["version"] == 1 and by_id["communes"]["features"] >= 11
    assert by_id["dem"]["kind"] == "raster"
    summaries = list((data / "runs").glob("*.json"))
    assert len(summaries) == 2 and json.loads(summaries[0].read_text())["ok"] is True


def test_bad_region_file_fails_with_the_key(tiny, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY_DEMO.replace('crs = "EPSG:2169"', 'crs = "EPSG:4326"'))
    result = invoke("run", "--region", bad, "--no-maps", data_dir=tmp_path / "d")
    assert result.exit_code == 1
    assert "region.crs" in result.output and "not projected" in result.output


def test_unknown_step_and_bad_params_fail(tiny, tmp_path):
    _, region = tiny
    result = invoke("run", "--region", region, "--only", "tidal", "--no-maps", data_dir=tmp_path)
    assert result.exit_code == 1 and "unknown step" in result.output
    params = tmp_path / "p.toml"
    params.write_text("[inputs]\nfoo = 1\n")
    result = invoke("run", "--region", region, "--params", params, "--no-maps", data_dir=tmp_path)
    assert result.exit_code == 1 and "params.inputs.foo: unknown parameter" in result.output


@pytest.mark.parametrize("command", ["run", "check"])
def test_run_and_check_refuse_the_same_parameters(command, tmp_path):
    """A typo in a [params.<analysis>] section or a parameter name: both commands name it, before any work."""
    typo = tmp_path / "typo.toml"
    typo.write_text(TINY_DEMO + "\n[params.solr]\nmin_area_m2 = 5\n")
    result = invoke(command, "--region", typo, *(["--no-maps"] if command == "run" else []), data_dir=tmp_path)
    assert result.exit_code == 1
    assert "unknown parameter section [params.solr] (did you mean [params.solar]?)" in result.output
    assert str(typo) in result.output
    bad_value = tmp_path / "bad.toml"
    bad_value.write_text(TINY_DEMO + "\n[params.wind]\nhub_hieght_m = 150\n")
    result = invoke(command, "--region", bad_value, *(["--no-maps"] if command == "run" else []), data_dir=tmp_path)
    assert result.exit_code == 1 and "params.wind.hub_hieght_m: unknown parameter" in result.output


def test_params_file_with_unknown_sections_fails(tiny, tmp_path):
    _, region = tiny
    params = tmp_path / "p.toml"
    params.write_text("[params.wind]\nhub_height_m = 150\n[extras]\nx = 1\n")
    result = invoke("run", "--region", region, "--params", params, "--no-maps", data_dir=tmp_path)
    assert result.exit_code == 2 and "unknown section(s) [extras]" in result.output  # a usage error
    params.write_text("[wnd]\nhub_height_m = 150\n")
    result = invoke("run", "--region", region, "--params", params, "--no-maps", data_dir=tmp_path)
    assert result.exit_code == 1 and "--params: unknown parameter section [params.wnd]" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere, so permissions cannot be tested")
def test_unwritable_data_dir(tiny, tmp_path):
    _, region = tiny
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = invoke("run", "--region", region, "--no-maps", data_dir=locked / "data")
    assert result.exit_code == 1 and "GEOSERVICE_DATA_DIR" in result.output


def test_data_dir_that_is_a_file(tiny, tmp_path):
    _, region = tiny
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("run", "--region", region, "--no-maps", data_dir=blocker / "data")
    assert result.exit_code == 1
    assert "GEOSERVICE_DATA_DIR" in result.output or "writable" in result.output


def test_check_reports_inputs_and_exits_zero(tiny):
    root, region = tiny
    result = invoke("check", "--region", region, "--json", root / "q.json", data_dir=root / "data")
    assert result.exit_code == 0, result.output
    report = json.loads((root / "q.json").read_text())
    found = {i["id"]: i for i in report["inputs"]}
    assert found["communes"]["status"] == "found" and found["communes"]["coverage_pct"] == pytest.approx(100, abs=0.1)
    assert found["wind_speed"]["status"] == "missing" and found["wind_speed"]["optional"]
    assert "communes" in result.output


def test_check_fails_on_a_broken_input(tmp_path):
    broken = tmp_path / "b.gpkg"
    broken.write_text("not a geopackage")
    region = tmp_path / "r.toml"
    region.write_text(TINY_DEMO + f'\n[inputs.buildings]\npath = "{broken}"\n')
    result = invoke("check", "--region", region, data_dir=tmp_path / "data")
    assert result.exit_code == 1
    assert "buildings" in result.output and "error" in result.output


def test_demo_generate_refuses_to_overwrite(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    result = invoke("demo", "generate", "--out", tmp_path)
    assert result.exit_code == 1 and "--overwrite" in result.output


def test_export_commune_indicators_as_csv(tiny, tmp_path):
    root, region = tiny
    data = root / "data-export"
    assert invoke("run", "--region", region, "--only", "inputs", "--no-maps", data_dir=data).exit_code == 0
    missing = invoke("export", "commune_indicators", "-o", tmp_path / "x.csv", data_dir=data)
    assert missing.exit_code == 1 and "not published" in missing.output
    out = tmp_path / "communes.csv"
    result = invoke("export", "communes", "-o", out, data_dir=data)
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "name,code,area_km2" and len(lines) >= 12
    again = invoke("export", "communes", "-o", out, data_dir=data)
    assert again.exit_code == 1 and "--overwrite" in again.output
    gpkg = tmp_path / "communes.gpkg"
    assert invoke("export", "communes", "-o", gpkg, data_dir=data).exit_code == 0
    import geopandas as gpd
    assert len(gpd.read_file(gpkg)) == len(lines) - 1


def test_export_a_table_as_csv(tiny, tmp_path):
    """Tables (the synthetic inventory here; the climate-targets tables alike) export as CSV only."""
    root, region = tiny
    data = root / "data-export-table"
    assert invoke("run", "--region", region, "--only", "inputs", "--no-maps", data_dir=data).exit_code == 0
    out = tmp_path / "inventory.csv"
    result = invoke("export", "ghg_inventory", "-o", out, data_dir=data)
    assert result.exit_code == 0, result.output
    assert "rows written" in result.output
    assert out.read_text().splitlines()[0] == "code,year,sector,emissions_t_yr,sector_source"
    refused = invoke("export", "ghg_inventory", "-o", tmp_path / "inventory.gpkg", data_dir=data)
    assert refused.exit_code == 1 and "export it as CSV" in refused.output


def test_every_step_status_has_a_colour():
    from geoservice.cli import STATUS_COLOURS
    from processing.pipeline import STEP_STATUSES

    assert set(STATUS_COLOURS) == set(STEP_STATUSES)
