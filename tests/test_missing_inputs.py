"""A region with only some inputs (communes, elevation, rivers — what the Luxembourg sample holds): ``check`` and
``run`` name every missing input at once with the fields it must hold and the command that writes it; the steps
that can run, run; the maps show what was published; the exit status says that not everything ran.

The synthetic region runs everywhere; the same assertions run on the real Luxembourg sample in
``../shared/data/lu-minett`` (or ``$GEOSERVICE_LU_SAMPLE``) when it is there, and are skipped otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from rasterio.transform import from_origin
from shapely.geometry import LineString, box

from geoservice.cli import cli
from processing.steps import all_steps

LU_SAMPLE = Path(os.environ.get("GEOSERVICE_LU_SAMPLE")
                 or Path(__file__).resolve().parents[2] / "shared" / "data" / "lu-minett")
PRO_SUD = ("Bettembourg", "Differdange", "Dudelange", "Esch-sur-Alzette", "Kayl", "Mondercange", "Pétange",
           "Rumelange", "Sanem", "Schifflange", "Käerjeng")
#: Every analysis needs buildings or land cover (or the output of one that does), which neither region has —
#: except the climate targets, which need only the communes (and explain their empty result without [targets]).
BLOCKED = {s.name for s in all_steps()} - {"inputs", "targets"}


def synthetic_region(root: Path) -> Path:
    """Two communes, a DEM and a river in EPSG:2154 (Lambert-93, a French region)."""
    x0, y0 = 930000.0, 6900000.0
    gpd.GeoDataFrame({"nom": ["Aumetz", "Audun"], "insee": ["57041", "57038"]},
                     geometry=[box(x0, y0, x0 + 1000, y0 + 1000), box(x0 + 1000, y0, x0 + 2000, y0 + 1000)],
                     crs=2154).to_file(root / "communes.gpkg")
    with rasterio.open(root / "dem.tif", "w", driver="GTiff", width=100, height=50, count=1, dtype="float32",
                       crs="EPSG:2154", transform=from_origin(x0, y0 + 1000, 20.0, 20.0)) as dst:
        dst.write(np.full((1, 50, 100), 350.0, np.float32))
    gpd.GeoDataFrame({"waterway": ["river"]}, geometry=[LineString([(x0, y0 + 500), (x0 + 2000, y0 + 400)])],
                     crs=2154).to_file(root / "rivers.gpkg")
    region = root / "partial.toml"
    region.write_text('''[region]
id = "partial"
title = "Partial inputs"
crs = "EPSG:2154"

[inputs.communes]
path = "communes.gpkg"
fields = { name = "nom", code = "insee" }

[inputs.dem]
path = "dem.tif"

[inputs.waterways]
path = "rivers.gpkg"
''')
    return region


def lu_region(root: Path) -> Path:
    names = ", ".join(f"'{n}'" for n in PRO_SUD)
    region = root / "pro-sud.toml"
    region.write_text(f'''[region]
id = "pro-sud"
title = "PRO-SUD (real sample)"
crs = "EPSG:2169"

[inputs.communes]
path = "{LU_SAMPLE / 'LIMADM_GEN_COMMUNES.shp'}"
fields = {{ name = "COMMUNE", code = "LAU2" }}
where = "COMMUNE IN ({names})"

[inputs.dem]
path = "{LU_SAMPLE / 'srtm_30s_luxembourg.tif'}"

[inputs.waterways]
path = "{LU_SAMPLE / 'osm_waterway_river_lines_2022.gpkg'}"
fields = {{ waterway = "waterway" }}
''')
    return region


@pytest.fixture(scope="module", params=["synthetic", "lu-sample"])
def partial(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "lu-sample":
        if not LU_SAMPLE.is_dir():
            pytest.skip(f"the Luxembourg sample is not at {LU_SAMPLE}")
        region = lu_region(root)
    else:
        region = synthetic_region(root)
    data = root / "data"
    runner = CliRunner()
    check = runner.invoke(cli, ["--data-dir", str(data), "check", "--region", str(region), "--json",
                                str(root / "check.json")], catch_exceptions=False)
    run = runner.invoke(cli, ["--data-dir", str(data), "run", "--region", str(region)], catch_exceptions=False)
    return {"check": check, "run": run, "data": data, "report": json.loads((root / "check.json").read_text()),
            "summary": json.loads(next((data / "runs").glob("*.json")).read_text())}


def assert_names_what_buildings_must_hold(text: str) -> None:
    assert "buildings: Polygon layer with building_id (str), height_m (float, m), levels (int), use (str, one of " \
           "residential|commercial|industrial|public|mixed|agricultural)" in text
    assert "`geoservice ingest osm EXTRACT.osm.pbf --region REGION.toml` writes it" in text


def test_check_lists_every_missing_input_with_its_fields(partial):
    check = partial["check"]
    assert check.exit_code == 1
    statuses = {s["step"]: s["status"] for s in partial["report"]["steps"]}
    assert {k for k, v in statuses.items() if v == "blocked"} == BLOCKED
    assert_names_what_buildings_must_hold(check.output)
    assert "analysis geothermal needs 2 missing inputs: geology, buildings" in check.output
    assert "geology: Polygon layer with lithology (str, one of clay|sand|gravel" in check.output
    assert "landcover: Polygon layer with class (str, one of forest|grassland" in check.output
    # one truth: an input is required exactly when an analysis requires it
    found = {i["id"]: i for i in partial["report"]["inputs"]}
    assert found["buildings"]["needed_by"] == ["solar (required)", "wind (required)", "geothermal (required)",
                                               "districts (required)"]
    assert not found["buildings"]["optional"] and found["dsm"]["optional"]


def test_run_runs_what_it_can_names_the_rest_and_fails(partial):
    run = partial["run"]
    assert run.exit_code == 1
    statuses = {s["step"]: s["status"] for s in partial["summary"]["steps"]}
    assert statuses["inputs"] == "done"
    assert statuses["targets"] == "degraded"  # without the districts step's commune indicators
    assert {k for k, v in statuses.items() if v == "blocked"} == BLOCKED
    assert_names_what_buildings_must_hold(run.output)
    assert "step solar needs 2 missing inputs: buildings" not in run.output  # dem is there
    assert "step solar needs 1 missing input: buildings" in run.output
    assert f"{len(BLOCKED)} step(s) did not publish" in run.output
    assert (partial["data"] / "maps" / "index.html").is_file()  # maps of what was published
    # no contradictory "optional ... required" log lines (the old ones)
    assert not [line for line in run.output.splitlines() if "optional input" in line and "required" in line]
