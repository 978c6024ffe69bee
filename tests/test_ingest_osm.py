"""OpenStreetMap ingestion: a hand-written extract exercising every mapped tag."""

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Transformer

from layers.catalog import get_layer
from layers.errors import InputDataError
from layers.ingest.osm import (
    OsmOptions,
    ingest_osm,
    parse_number,
    protected_designation,
    roof_direction_deg,
    voltage_kv,
)
from layers.ingest.osm_tags import TagRule
from layers.validate import check_layer

ORIGIN = (6.00, 49.50)  # lon, lat near Esch-sur-Alzette
STEP = 0.001  # deg, about 70-110 m


class OsmWriter:
    """Builds a small .osm XML document: squares (closed ways), lines and points with tags."""

    def __init__(self):
        self.nodes, self.ways, self.relations, self._id = [], [], [], 0

    def _node(self, lon, lat, tags=None):
        self._id += 1
        self.nodes.append((self._id, lon, lat, tags or {}))
        return self._id

    def point(self, i, j, **tags):
        self._node(ORIGIN[0] + i * STEP, ORIGIN[1] + j * STEP, tags)

    def line(self, coords, **tags):
        ids = [self._node(ORIGIN[0] + i * STEP, ORIGIN[1] + j * STEP) for i, j in coords]
        self._id += 1
        self.ways.append((self._id, ids, tags))
        return self._id

    def square(self, i, j, size=1.0, **tags):
        c = [(i, j), (i + size, j), (i + size, j + size), (i, j + size)]
        ids = [self._node(ORIGIN[0] + a * STEP, ORIGIN[1] + b * STEP) for a, b in c]
        self._id += 1
        self.ways.append((self._id, [*ids, ids[0]], tags))
        return self._id

    def multipolygon(self, outer_way, **tags):
        self._id += 1
        self.relations.append((self._id, outer_way, {"type": "multipolygon", **tags}))

    def xml(self) -> str:
        def tag_xml(tags):
            return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        out = ['<?xml version="1.0" encoding="UTF-8"?><osm version="0.6" generator="test">']
        out += [f'<node id="{i}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">{tag_xml(t)}</node>'
                for i, lon, lat, t in self.nodes]
        for i, refs, tags in self.ways:
            out.append(f'<way id="{i}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs) + tag_xml(tags)
                       + "</way>")
        for i, way, tags in self.relations:
            out.append(f'<relation id="{i}" version="1"><member type="way" ref="{way}" role="outer"/>'
                       + tag_xml(tags) + "</relation>")
        out.append("</osm>")
        return "\n".join(out)


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    w = OsmWriter()
    w.square(0, 0, 0.2, building="house", **{"building:levels": "3", "roof:shape": "hipped",
                                             "start_date": "1987-05", "roof:direction": "SW"})
    w.square(1, 0, 0.3, building="warehouse", height="12 m")
    w.square(2, 0, 0.1, building="yes")
    for i, (k, v) in enumerate([("landuse", "forest"), ("natural", "wood"), ("landuse", "meadow"),
                                ("landuse", "farmland"), ("landuse", "residential"), ("landuse", "industrial"),
                                ("natural", "wetland"), ("leisure", "park")]):
        w.square(i, 2, **{k: v})
    w.square(0, 4, natural="water", name="Lac")
    w.square(2, 4, landuse="brownfield", name="Friche")
    w.square(4, 4, aeroway="aerodrome", name="Airfield")
    w.square(6, 4, boundary="protected_area", protection_title="Natura 2000 Zone Habitats", name="N2K")
    w.square(8, 4, leisure="nature_reserve", name="Reserve")
    biosphere = w.square(10, 4, 2.0)
    w.multipolygon(biosphere, boundary="protected_area", designation="biosphere_reserve", zone="core")
    commune = w.square(-1, -1, 14.0)
    w.multipolygon(commune, boundary="administrative", admin_level="8", name="Esch-sur-Alzette", ref="0305")
    district = w.square(-1, -1, 13.0)
    w.multipolygon(district, boundary="administrative", admin_level="6", name="Canton")
    w.line([(0, 6), (5, 6)], waterway="river", name="Alzette", width="8")
    w.line([(0, 7), (5, 7)], waterway="stream")
    for k, (cls) in enumerate(["motorway", "primary_link", "secondary", "tertiary", "residential", "service",
                                "track", "footway"]):
        w.line([(0, 8 + k * 0.5), (5, 8 + k * 0.5)], highway=cls)
    w.line([(6, 6), (11, 6)], railway="rail")
    w.line([(6, 7), (11, 7)], railway="tram")
    w.line([(6, 8), (11, 8)], power="line", voltage="220000;65000")
    w.line([(6, 9), (11, 9)], power="minor_line")
    w.point(1, 1, highway="street_lamp")
    w.point(2, 1, railway="station", name="Gare")
    w.point(3, 1, highway="bus_stop", name="Arrêt")
    w.point(4, 1, railway="tram_stop")
    path = tmp_path_factory.mktemp("osm") / "extract.osm"
    path.write_text(w.xml(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ingested(extract, tmp_path_factory):
    out = tmp_path_factory.mktemp("osm-out") / "osm.gpkg"
    counts = ingest_osm(extract, "EPSG:2169", out)
    return out, counts


def read(out, layer):
    return gpd.read_file(out, layer=layer)


def test_every_canonical_layer_is_mapped_and_valid(ingested):
    out, counts = ingested
    expected = {"buildings": 3, "landcover": 10, "waterways": 2, "water_bodies": 1, "wetlands": 1, "roads": 7,
                "railways": 2, "power_lines": 2, "streetlights": 1, "transit_stops": 3, "communes": 1,
                "protected_areas": 3, "brownfields": 1, "airports": 1}
    assert dict(counts) == expected
    for layer in pyogrio.list_layers(out)[:, 0]:
        gdf = read(out, layer)
        assert gdf.crs.to_epsg() == 2169
        check_layer(get_layer(layer), gdf, crs=gdf.crs)


def test_building_attributes(ingested):
    b = read(ingested[0], "buildings").set_index("use")
    house = b.loc["residential"].sort_values("levels").iloc[-1]
    assert (house.levels, house.height_m, house.year_built, house.roof_shape, house.roof_azimuth_deg) == \
        (3, 9.0, 1987, "hip", 225.0)
    warehouse = b.loc["industrial"]
    assert (warehouse.levels, warehouse.height_m, warehouse.roof_shape, warehouse.roof_tilt_deg) == \
        (4, 12.0, "flat", 0.0)
    default = b.loc["residential"].sort_values("levels").iloc[0]
    assert (default.levels, default.year_built, default.roof_shape, default.roof_tilt_deg) == (2, 1970, "gable", 35.0)


def test_classes_and_values(ingested):
    out = ingested[0]
    assert sorted(read(out, "landcover")["class"]) == sorted(
        ["forest", "forest", "grassland", "cropland", "urban", "industrial", "wetland", "grassland", "water",
         "brownfield"])
    roads = read(out, "roads")
    assert sorted(roads.road_class) == sorted(["motorway", "primary", "secondary", "tertiary", "residential",
                                               "service", "track"])
    assert sorted(read(out, "power_lines").voltage_kv) == [20.0, 220.0]
    assert sorted(read(out, "transit_stops")["mode"]) == ["bus", "rail", "tram"]
    protected = read(out, "protected_areas").set_index("designation")
    assert protected.loc["biosphere", "zone"] == "core"
    assert protected.loc["natura2000_habitats", "zone"] == "whole"
    commune = read(out, "communes").iloc[0]
    assert (commune["name"], commune["code"]) == ("Esch-sur-Alzette", "0305")
    river = read(out, "waterways").set_index("waterway").loc["river"]
    assert river.width_m == 8.0 and river["name"] == "Alzette"


def test_region_extent_clips_and_admin_level_is_configurable(extract, tmp_path):
    to_luref = Transformer.from_crs(4326, 2169, always_xy=True)
    x0, y0 = to_luref.transform(ORIGIN[0] - 0.0005, ORIGIN[1] - 0.0005)
    x1, y1 = to_luref.transform(ORIGIN[0] + 0.0025, ORIGIN[1] + 0.0015)
    out = tmp_path / "clip.gpkg"
    counts = ingest_osm(extract, "EPSG:2169", out, extent=(x0, y0, x1, y1),
                        options=OsmOptions(admin_level="6", year_built=1960))
    assert counts["buildings"] == 3 and "waterways" not in counts
    assert read(out, "communes").iloc[0]["name"] == "Canton"
    assert read(out, "communes").total_bounds[2] <= x1 + 1e-6
    assert set(read(out, "buildings").year_built) == {1987, 1960}


def test_rules_from_the_region_override_the_defaults(extract, tmp_path):
    rule = TagRule("landcover", "area", "leisure", ("park",), {"class": "forest"})
    counts = ingest_osm(extract, "EPSG:2169", tmp_path / "o.gpkg", options=OsmOptions(rules=(rule,)))
    assert counts["landcover"] == 10
    assert sorted(read(tmp_path / "o.gpkg", "landcover")["class"]).count("forest") == 3


@pytest.mark.parametrize("text, value", [("12 m", 12.0), ("3,5", 3.5), (None, None), ("tall", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_tag_helpers():
    assert voltage_kv({"voltage": "380000;220000"}) == 380.0
    assert voltage_kv({"power": "minor_line"}) == 20.0
    assert roof_direction_deg("NE") == 45.0 and roof_direction_deg("370") == 10.0
    assert protected_designation({"protection_title": "Zone de protection spéciale (oiseaux)"})[0] == \
        "natura2000_birds"


def test_bad_files(tmp_path):
    with pytest.raises(InputDataError, match="does not exist"):
        ingest_osm(tmp_path / "none.osm", "EPSG:2169", tmp_path / "o.gpkg")
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='x'")
    with pytest.raises(InputDataError, match="cannot read OSM file"):
        ingest_osm(bad, "EPSG:2169", tmp_path / "o.gpkg")
    assert not (tmp_path / "o.gpkg").exists()
    txt = tmp_path / "roads.txt"
    txt.write_text("x")
    with pytest.raises(InputDataError, match="not an OSM file"):
        ingest_osm(txt, "EPSG:2169", tmp_path / "o.gpkg")


def test_assumed_attributes_are_counted_with_their_share(ingested):
    counts = ingested[1]
    buildings = read(ingested[0], "buildings")
    assumed = counts.assumed["buildings"]
    # the untagged house gets 2 storeys, year 1970, a gable roof at 35°: each counted
    assert 1 <= assumed["levels"] < len(buildings) and 1 <= assumed["year_built"] < len(buildings)
    lines = counts.report_lines()
    assert any(line.startswith("buildings: ") and "got an assumed levels: 2 storeys" in line for line in lines)


HALF_CUT = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="49.5000" lon="6.0000"/><node id="2" lat="49.5000" lon="6.0010"/>
  <node id="3" lat="49.5010" lon="6.0010"/><node id="4" lat="49.5010" lon="6.0000"/>
  <node id="5" lat="49.5020" lon="6.0000"/><node id="6" lat="49.5020" lon="6.0010"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="building" v="yes"/></way>
  <way id="11"><nd ref="4"/><nd ref="3"/><nd ref="6"/><nd ref="5"/><nd ref="99"/><nd ref="4"/>
    <tag k="building" v="house"/></way>
</osm>
"""


def test_a_building_cut_by_the_extract_edge_is_counted_as_dropped(tmp_path):
    extract = tmp_path / "cut.osm"
    extract.write_text(HALF_CUT)
    counts = ingest_osm(extract, "EPSG:2169", tmp_path / "o.gpkg")
    assert counts["buildings"] == 1
    assert counts.dropped["buildings"] == {"outline incomplete in the extract (cut by its edge: member ways or nodes "
                                           "missing) or broken": 1}
    assert "buildings: 1 dropped: outline incomplete" in "\n".join(counts.report_lines())


def test_no_admin_boundary_says_so_and_the_extent_can_be_the_unit(tmp_path):
    from click.testing import CliRunner

    from geoservice.cli import cli

    extract = tmp_path / "cut.osm"
    extract.write_text(HALF_CUT)
    x0, y0 = Transformer.from_crs(4326, 2169, always_xy=True).transform(5.999, 49.499)
    region = tmp_path / "r.toml"
    region.write_text(f'[region]\nid = "r"\ntitle = "Cut"\ncrs = "EPSG:2169"\n'
                      f'extent = [{x0}, {y0}, {x0 + 500}, {y0 + 500}]\n')
    runner = CliRunner()
    plain = runner.invoke(cli, ["--data-dir", str(tmp_path / "d"), "ingest", "osm", str(extract), "--region",
                                str(region), "--out", str(tmp_path / "a.gpkg")], catch_exceptions=False)
    assert plain.exit_code == 0 and "no administrative boundary with admin_level=8" in plain.output
    assert "--communes-from-extent" in plain.output and "[inputs.communes]" not in plain.output.split("written to")[1]
    unit = runner.invoke(cli, ["--data-dir", str(tmp_path / "d"), "ingest", "osm", str(extract), "--region",
                               str(region), "--out", str(tmp_path / "b.gpkg"), "--communes-from-extent"],
                         catch_exceptions=False)
    assert unit.exit_code == 0, unit.output
    communes = read(tmp_path / "b.gpkg", "communes")
    assert len(communes) == 1 and communes.iloc[0]["name"] == "Cut"
    check_layer(get_layer("communes"), communes.assign(area_km2=communes.area / 1e6), "EPSG:2169")
