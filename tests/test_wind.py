"""Wind step: exclusion setbacks, rule reasons, the vector reference, profiles, parameters and outputs.

Inputs are built here (small, hard-coded) so that a test does not chain through the demo generator.
"""

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS
from shapely.geometry import LineString, Point, box

from layers.catalog import get_layer
from layers.errors import ConfigError, InputDataError
from layers.grid import Grid
from layers.validate import check_layer
from processing.pipeline import RegionContext, StepContext
from processing.wind import STEP
from processing.wind.exclusions import exclusion_codes, exclusion_overlay_vector, exclusions_vector
from processing.wind.params import WindParams
from processing.wind.rules import ExclusionRule
from processing.wind.siting import ellipse_violations

CRS_LU = "EPSG:2169"
EXTENT = (60000.0, 60000.0, 64000.0, 63000.0)


def _buildings(boxes, uses):
    n = len(boxes)
    return gpd.GeoDataFrame({"building_id": [str(i) for i in range(n)], "height_m": [8.0] * n, "levels": [2] * n,
                             "use": uses, "year_built": [1980] * n, "roof_shape": ["gable"] * n},
                            geometry=list(boxes), crs=CRS_LU)


def small_region():
    """A 4 x 3 km region: two hamlets, a motorway, a 220 kV line, biosphere core and transition zones."""
    x0, y0, x1, y1 = EXTENT
    return {
        "buildings": _buildings([box(60400, 60400, 60420, 60415), box(63500, 62600, 63515, 62620),
                                 box(62000, 62900, 62030, 62920)], ["residential", "mixed", "industrial"]),
        "landcover": gpd.GeoDataFrame({"class": ["cropland", "forest", "urban"]},
                                      geometry=[box(*EXTENT), box(62500, 60000, 64000, 61200),
                                                box(60000, 62700, 60500, 63000)], crs=CRS_LU),
        "roads": gpd.GeoDataFrame({"road_class": ["motorway", "track"]},
                                  geometry=[LineString([(x0 - 500, 61500), (x1 + 500, 61800)]),
                                            LineString([(61000, y0), (61000, y1)])], crs=CRS_LU),
        "power_lines": gpd.GeoDataFrame({"voltage_kv": [220.0, 20.0]},
                                        geometry=[LineString([(62500, y0), (63800, y1)]),
                                                  LineString([(60000, 60900), (64000, 60900)])], crs=CRS_LU),
        "protected_areas": gpd.GeoDataFrame(
            {"designation": ["biosphere", "biosphere", "natura2000_birds"], "zone": ["core", "transition", "whole"]},
            geometry=[box(63000, 60000, 64000, 60600), box(61200, 60000, 62400, 61000),
                      box(60000, 61900, 60600, 62300)], crs=CRS_LU),
        "communes": gpd.GeoDataFrame({"name": ["West", "East"], "code": ["1", "2"]},
                                     geometry=[box(x0, y0, 62000, y1), box(62000, y0, x1, y1)], crs=CRS_LU),
    }


def context(inputs, params=None, tmp_path=Path("."), res=10.0, extent=EXTENT):
    region = RegionContext("t", CRS.from_user_input(CRS_LU), extent, {"wind": res})
    return StepContext(region, inputs, STEP.parse_params(params or {}), lambda f, m: None, tmp_path, step=STEP)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    inputs = small_region()
    return inputs, STEP.run(context(inputs, tmp_path=tmp_path_factory.mktemp("wind")))


# --- setbacks -------------------------------------------------------------------------------------------------

def _excluded_at(geom, x, y, buffer_m, res=10.0, method="auto"):
    """Whether the cell whose centre is (x, y) is excluded by one rule around ``geom``."""
    grid = Grid((x - 5 * res - res / 2, y - 5 * res - res / 2, x + 5 * res + res / 2, y + 5 * res + res / 2), res,
                CRS_LU)
    rule = ExclusionRule(id="dwellings", layer="buildings", buffer_m=buffer_m)
    codes, _ = exclusion_codes([rule], {"buildings": _buildings([geom], ["residential"])}, grid, method=method)
    col, row = ~grid.transform @ (x, y)
    return bool(codes[int(row), int(col)])


@pytest.mark.parametrize("method", ["edt", "buffer"])
@pytest.mark.parametrize(("distance", "excluded"), [(299.0, True), (300.0, True), (300.4, False), (301.0, False)])
def test_setback_exact_at_300_m_straight(distance, excluded, method):
    """Issue 5: at 300 m a cell centre at 299 m from a dwelling is excluded, at 301 m not (exact, not to
    a cell: also 300.0 in, 300.4 out). The building edge is 'distance' metres west of the centre."""
    x, y = 61005.0, 61005.0
    assert _excluded_at(box(x - distance - 20, y - 10, x - distance, y + 10), x, y, 300.0, method=method) is excluded


@pytest.mark.parametrize("method", ["edt", "buffer"])
@pytest.mark.parametrize(("distance", "excluded"), [(299.0, True), (301.0, False)])
def test_setback_exact_at_300_m_diagonal(distance, excluded, method):
    """Same at 45 degrees: the nearest point is the building's corner, at 'distance' metres."""
    x, y = 61005.0, 61005.0
    d = distance / math.sqrt(2)
    assert _excluded_at(box(x - d - 15, y - d - 15, x - d, y - d), x, y, 300.0, method=method) is excluded


@pytest.mark.parametrize("method", ["edt", "buffer"])
@pytest.mark.parametrize("buffer_m", [0.0, 6.0, 15.0, 120.0])
def test_setback_matches_brute_force_distance_everywhere(buffer_m, method):
    """Every cell of a 1.2 x 1 km grid: excluded iff GEOS distance(centre, features) <= buffer. Mixed points,
    lines, polygons (one with a hole), some outside the grid (they must still exclude inside it); windows of
    64 cells so that features cross window edges; both rasterisation methods. Tolerance: none."""
    rng = np.random.default_rng(5)
    geoms = [Point(rng.uniform(-200, 1400), rng.uniform(-200, 1200)).buffer(rng.uniform(3, 90), 3)
             for _ in range(8)]
    geoms += [LineString(rng.uniform(-100, 1300, size=(3, 2))) for _ in range(2)]
    geoms += [Point(1300.0, 1100.0), Point(600.0, 500.0).buffer(200).difference(Point(610.0, 490.0).buffer(80))]
    frame = gpd.GeoDataFrame({"kind": ["rail"] * len(geoms)}, geometry=geoms, crs=CRS_LU)
    grid = Grid((0.0, 0.0, 1200.0, 1000.0), 10.0, CRS_LU)
    rule = ExclusionRule(id="r", layer="railways", buffer_m=buffer_m)
    codes, _ = exclusion_codes([rule], {"railways": frame}, grid, window=64, method=method)
    rows, cols = np.indices(grid.shape)
    xs, ys = grid.transform @ (cols + 0.5, rows + 0.5)
    dist = shapely.distance(shapely.points(xs.ravel(), ys.ravel())[:, None], np.array(geoms)[None, :]).min(axis=1)
    np.testing.assert_array_equal(codes.ravel() > 0, dist <= buffer_m)


def test_raster_exclusions_equal_vector_buffer_union(outputs):
    """The raster exclusions agree with a vector buffer-union-intersection (quad_segs 64) cell by cell,
    except for cells whose centre lies within 0.5 m of the vector boundary; areas agree to 1 %."""
    inputs, out = outputs
    params = STEP.parse_params({})
    rules = [r for r in params.exclusion_rules() if inputs.get(r.layer) is not None]
    region = shapely.union_all(inputs["communes"].geometry.to_numpy())
    vector = shapely.union_all(list(exclusions_vector(rules, inputs, region).values()))
    raster_union = shapely.union_all(out["wind_exclusions"].geometry.to_numpy())
    assert raster_union.area == pytest.approx(vector.area, rel=0.01)
    grid = Grid(EXTENT, 10.0, CRS_LU)
    rows, cols = np.indices(grid.shape)
    xs, ys = grid.transform @ (cols.ravel() + 0.5, rows.ravel() + 0.5)
    pts = shapely.points(xs, ys)
    in_vector = shapely.covers(vector, pts)
    in_raster = shapely.covers(raster_union, pts)
    clear = shapely.distance(shapely.boundary(vector), pts) > 0.5
    assert np.array_equal(in_vector[clear], in_raster[clear])


def test_rule_combinations_equal_vector_overlay(outputs):
    """Each rule combination's part against the vector overlay (buffers cut into parts by rule): same
    combinations for every vector part of 1 ha or more, areas within a quarter cell along the part's
    perimeter plus one cell (cell-centre sampling); eligible area within 1 %."""
    inputs, out = outputs
    rules = [r for r in STEP.parse_params({}).exclusion_rules() if inputs.get(r.layer) is not None]
    region = shapely.union_all(inputs["communes"].geometry.to_numpy())
    pieces, eligible_vector = exclusion_overlay_vector(rules, inputs, region)
    raster = {tuple(k.split(",")): g for k, g in zip(out["wind_exclusions"]["rules"], out["wind_exclusions"].geometry)}
    big = {k: g for k, g in pieces.items() if g.area >= 1e4}
    assert set(big) <= set(raster)
    for key, geom in big.items():
        assert abs(raster[key].area - geom.area) <= 0.25 * 10.0 * geom.length + 100.0, key
    eligible_raster = shapely.union_all(out["wind_eligible_areas"].geometry.to_numpy())
    assert eligible_raster.area <= eligible_vector.area * 1.01  # the raster also drops patches under 1 ha
    small = sum(g.area for g in shapely.get_parts(eligible_vector) if g.area < 1e4)
    assert eligible_raster.area == pytest.approx(eligible_vector.area - small, rel=0.01)


# --- reasons and protected zones ------------------------------------------------------------------------------

def test_every_excluded_part_names_its_rules(outputs):
    _, out = outputs
    excl = out["wind_exclusions"]
    known = {r.id for r in STEP.parse_params({}).exclusion_rules()}
    assert len(excl) > 0
    for rules, reasons in zip(excl["rules"], excl["reasons"]):
        ids = rules.split(",")
        assert ids and set(ids) <= known
        assert all(f"{i}:" in reasons for i in ids)
    assert len(set(excl["rules"])) == len(excl)  # one feature per rule combination


def test_biosphere_core_excluded_transition_not(outputs):
    """Issue 5: a biosphere transition zone is not an exclusion, only its core."""
    _, out = outputs
    excl = out["wind_exclusions"]
    core_rules = excl[excl.intersects(Point(63800, 60200))]["rules"].tolist()
    assert any("biosphere_core" in r for r in core_rules)
    transition = Point(61800, 60200)  # in the transition zone, away from every other rule
    assert not excl.intersects(transition).any()
    assert out["wind_eligible_areas"].intersects(transition).any()


def test_filters_select_by_field(outputs):
    """The 20 kV line and the track are not exclusions (filters voltage_kv >= 60, major road classes)."""
    _, out = outputs
    excl = out["wind_exclusions"]
    assert not excl.intersects(Point(61800, 60920)).any()  # on the 20 kV line, in the transition zone
    assert excl[excl.intersects(Point(61000, 61650))]["rules"].str.contains("major_roads").all()


# --- sites ----------------------------------------------------------------------------------------------------

def test_sites_respect_separation_and_exclusions(outputs):
    _, out = outputs
    sites, excl, eligible = out["wind_turbine_sites"], out["wind_exclusions"], out["wind_eligible_areas"]
    assert len(sites) > 0
    d = sites["rotor_diameter_m"].iloc[0]
    assert ellipse_violations(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(), 225.0, 8 * d, 4 * d) == []
    assert not sites.intersects(shapely.union_all(excl.geometry.to_numpy())).any()
    assert sites.within(shapely.union_all(eligible.geometry.to_numpy())).all()
    assert eligible["turbine_count"].sum() == len(sites)


def test_site_energy_fields_consistent(outputs):
    _, out = outputs
    s = out["wind_turbine_sites"]
    p = STEP.parse_params({})
    assert (s["aep_net_mwh_yr"] < s["aep_gross_mwh_yr"]).all()
    np.testing.assert_allclose(s["full_load_hours"], s["aep_net_mwh_yr"] / s["capacity_mw"])
    np.testing.assert_allclose(s["capacity_factor"], s["full_load_hours"] / 8760.0)
    assert (s["capacity_mw"] == 4.2).all() and (s["hub_height_m"] == p.hub_height_m).all()
    assert s["commune"].isin(["West", "East"]).all()


def test_outputs_match_catalog(outputs):
    _inputs, out = outputs
    for layer_id, data in out.items():
        check_layer(get_layer(layer_id), data, CRS.from_user_input(CRS_LU))
    with rasterio.open(out["wind_speed_hub"].path) as src:
        assert src.tags()["HUB_HEIGHT_M"] == "150"
        v = src.read(1)
    assert np.isfinite(v).all() and 5.0 < v.mean() < 7.0


def test_eligible_min_area_and_commune(outputs):
    _, out = outputs
    e = out["wind_eligible_areas"]
    assert (e["area_ha"] >= 1.0).all()
    np.testing.assert_allclose(e["area_ha"], e.geometry.area / 1e4)
    assert e["commune"].isin(["West", "East"]).all()


# --- profiles and parameters ----------------------------------------------------------------------------------

def test_luxembourg_default_750_m_and_300_m_variant():
    lux = {r.id: r for r in STEP.parse_params({}).exclusion_rules()}
    legal = {r.id: r for r in STEP.parse_params({"profile": "luxembourg-300m"}).exclusion_rules()}
    assert lux["dwellings"].buffer_m == 750.0 and legal["dwellings"].buffer_m == 300.0


@pytest.mark.parametrize(("profile", "settlements", "lakes", "slope"), [
    ("holtinger2016-least", 1000.0, 1000.0, 11.3), ("holtinger2016-medium", 1200.0, 1750.0, 8.5),
    ("holtinger2016-most", 2000.0, 3000.0, 5.7)])
def test_holtinger_profiles_follow_references(profile, settlements, lakes, slope):
    """docs/REFERENCES.md: GLAES / Höltinger 2016 least / medium / most strict sets."""
    rules = {r.id: r for r in STEP.parse_params({"profile": profile}).exclusion_rules()}
    assert rules["settlements"].buffer_m == settlements
    assert rules["lakes"].buffer_m == lakes and rules["lakes"].where["area_ha"].gt == 50.0
    assert rules["slope"].where["slope_deg"].gt == slope
    assert rules["airports"].buffer_m == 5100.0 and rules["power_lines"].where["voltage_kv"].gt == 110.0
    assert rules["natura2000"].buffer_m == (2000.0 if profile.endswith("most") else 0.0)


def test_user_rules_add_and_replace(tmp_path):
    """Rules from [params.wind]: a new one (forest) and one replacing the profile's dwellings setback."""
    inputs = small_region()
    params = {"rules": [{"id": "forest", "layer": "landcover", "where": {"class": ["forest"]}},
                        {"id": "dwellings", "layer": "buildings", "where": {"use": ["residential", "mixed"]},
                         "buffer_m": 400.0}],
              "disabled_rules": ["residential_zones"]}
    out = STEP.run(context(inputs, params, tmp_path))
    excl = out["wind_exclusions"]
    assert excl[excl.intersects(Point(63800, 61100))]["rules"].str.contains("forest").all()
    assert not excl["rules"].str.contains("residential_zones").any()
    near = Point(60410 + 500, 60407)  # 490 m east of the dwelling: out at 400 m, in at 750 m
    assert not excl[excl["rules"].str.contains("dwellings")].intersects(near).any()


def test_slope_rule_on_dem(tmp_path):
    """A DEM ramp of 20 % (11.3 deg) on the east half: excluded by slope > 8.5 deg, the flat half not."""
    grid = Grid(EXTENT, 10.0, CRS_LU)
    rows, cols = grid.shape
    z = np.full(grid.shape, 300.0, dtype="float32")
    x = np.arange(cols) * 10.0
    z[:, cols // 2:] = 300.0 + 0.2 * (x[cols // 2:] - x[cols // 2])
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype="float32",
                       crs=CRS_LU, transform=grid.transform) as dst:
        dst.write(z, 1)
    from layers.raster import RasterFile
    inputs = {"buildings": _buildings([box(60000, 60000, 60010, 60010)], ["industrial"]),
              "landcover": small_region()["landcover"], "dem": RasterFile(str(path), "m")}
    out = STEP.run(context(inputs, {"profile": "holtinger2016-medium", "disabled_rules": ["settlements"]}, tmp_path))
    excl = out["wind_exclusions"]
    assert excl[excl.intersects(Point(63000, 61500))]["rules"].str.contains("slope").all()
    assert not excl[excl["rules"].str.contains("slope")].intersects(Point(61000, 61500)).any()
    assert (out["wind_turbine_sites"]["air_density_kg_m3"] < 1.2).all()


def test_unknown_profile_rejected():
    with pytest.raises(ConfigError, match=r"unknown exclusion profile 'luxemburg'.*did you mean luxembourg"):
        STEP.parse_params({"profile": "luxemburg"})


@pytest.mark.parametrize(("rule", "message"), [
    ({"id": "x", "layer": "dwellings"}, "cannot be used in an exclusion rule"),
    ({"id": "x", "layer": "roads", "where": {"class": ["motorway"]}}, "has no field 'class'"),
    ({"id": "x", "layer": "roads", "where": {"road_class": ["autobahn"]}}, r"no value\(s\) \['autobahn'\]"),
    ({"id": "x", "layer": "roads", "buffer_m": -5}, "greater than or equal to 0"),
    ({"id": "x", "layer": "dem"}, "needs a condition"),
    ({"id": "x", "layer": "roads", "where": "road_class = 'motorway'"}, "valid dictionary"),
])
def test_bad_user_rules_rejected(rule, message):
    with pytest.raises(ConfigError, match=message):
        STEP.parse_params({"rules": [rule]})


def test_disabling_an_unknown_rule_rejected():
    with pytest.raises(ConfigError, match=r"disabled rule\(s\) \['dwelling'\]"):
        STEP.parse_params({"disabled_rules": ["dwelling"]})


def test_missing_required_layer(tmp_path):
    """A required rule whose layer is missing fails with what to add; the step's own inputs too."""
    inputs = small_region()
    params = {"rules": [{"id": "mines", "layer": "mining_zones"}]}
    with pytest.raises(InputDataError, match=r"rule 'mines' needs input layer 'mining_zones'.*\[inputs.mining_zones\]"):
        STEP.run(context(inputs, params, tmp_path))
    del inputs["buildings"]
    with pytest.raises(InputDataError, match=r"'buildings'"):
        STEP.run(context(inputs, {}, tmp_path))


def test_atlas_needs_its_height(tmp_path):
    grid = Grid(EXTENT, 100.0, CRS_LU)
    path = tmp_path / "atlas.tif"
    with rasterio.open(path, "w", driver="GTiff", width=grid.width, height=grid.height, count=1, dtype="float32",
                       crs=CRS_LU, transform=grid.transform) as dst:
        dst.write(np.full(grid.shape, 5.0, dtype="float32"), 1)
    from layers.raster import RasterFile
    inputs = small_region()
    inputs["wind_speed"] = RasterFile(str(path), "m s-1")
    with pytest.raises(ConfigError, match="atlas_height_m"):
        STEP.run(context(inputs, {}, tmp_path))
    out = STEP.run(context(inputs, {"atlas_height_m": 100.0, "roughness_radius_m": 0.0}, tmp_path))
    with rasterio.open(out["wind_speed_hub"].path) as src:
        v = src.read(1)
    # cropland cell far from forest and town: log law from 5.0 m/s at 100 m, z0 = 0.05 m (1e-4)
    col, row = ~Grid(EXTENT, 10.0, CRS_LU).transform @ (61000, 61000)
    assert v[int(row), int(col)] == pytest.approx(5.0 * math.log(3000) / math.log(2000), rel=1e-4)


def test_nothing_eligible_gives_empty_valid_layers(tmp_path):
    """Every cell excluded (a rule on all land cover): empty eligible areas and sites, still valid layers."""
    inputs = small_region()
    out = STEP.run(context(inputs, {"rules": [{"id": "everything", "layer": "landcover"}]}, tmp_path))
    assert len(out["wind_eligible_areas"]) == 0 and len(out["wind_turbine_sites"]) == 0
    assert out["wind_exclusions"]["rules"].str.contains("everything").all()
    for layer_id, data in out.items():
        check_layer(get_layer(layer_id), data, CRS.from_user_input(CRS_LU))


def test_wind_series_replaces_weibull(outputs, tmp_path):
    """A series of Weibull(k = 2) quantiles in [params.wind] gives the Weibull energy per site (0.5 %)."""
    from scipy.stats import weibull_min

    inputs, out = outputs
    series = weibull_min.ppf((np.arange(2000) + 0.5) / 2000, 2.0).round(4).tolist()
    sites = STEP.run(context(inputs, {"wind_speed_series_ms": series}, tmp_path))["wind_turbine_sites"]
    np.testing.assert_allclose(sites["aep_gross_mwh_yr"], out["wind_turbine_sites"]["aep_gross_mwh_yr"], rtol=0.005)


def test_geojson_shapes_round_trip():
    """The fast GeoJSON mappings given to the rasteriser describe the same geometries (GEOS equality);
    empty and missing geometries are dropped."""
    from layers.rasterize import geojson_shapes

    geoms = np.array([box(0, 0, 2, 1), None, Point(3, 3), LineString([(0, 0), (3, 4), (5, 1)]),
                      Point(5, 5).buffer(3).difference(Point(5, 5).buffer(1)), shapely.Polygon(),
                      shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)]), box(10, 10, 11, 12)], dtype=object)
    shapes = geojson_shapes(geoms, np.arange(len(geoms), dtype=float))
    kept = [g for g in geoms if g is not None and not g.is_empty]
    assert [v for _, v in shapes] == [0.0, 2.0, 3.0, 4.0, 6.0, 7.0]
    assert all(shapely.geometry.shape(m).equals(g) for (m, _), g in zip(shapes, kept))


def _notes(caplog) -> list[str]:
    """The notes the step logged: warnings that explain (``extra=EXPLANATION``), not degradations."""
    return [r.getMessage() for r in caplog.records if getattr(r, "explains", False)]


def test_luxembourg_defaults_left_unset_are_noted(tmp_path, caplog):
    STEP.run(context(small_region(), {}, tmp_path, res=100.0))
    note = next(n for n in _notes(caplog) if "Luxembourg defaults" in n)
    assert "profile = luxembourg (Luxembourg's setbacks, 750 m to dwellings)" in note
    assert "reference_speed_ms = 5.5" in note and "prevailing_direction_deg = 225" in note
    assert "set them in [params.wind]" in note and "holtinger2016-least" in note


def test_luxembourg_defaults_set_by_the_region_are_not_noted(tmp_path, caplog):
    own = {"profile": "holtinger2016-least", "reference_speed_ms": 6.2, "prevailing_direction_deg": 200.0}
    STEP.run(context(small_region(), own, tmp_path, res=100.0))
    assert not [n for n in _notes(caplog) if "Luxembourg defaults" in n]
    # only what is left unset is named; the reference speed not at all once a wind atlas replaces it
    note = WindParams(profile="holtinger2016-least", atlas_height_m=100.0).luxembourg_defaults_note(atlas_given=True)
    assert note == ("Luxembourg defaults apply: prevailing_direction_deg = 225 (south-west, Luxembourg's "
                    "prevailing wind), not the region's own: set them in [params.wind]")
