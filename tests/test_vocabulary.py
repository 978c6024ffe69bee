"""Class vocabularies: the shipped VDI 4640 rock table, region classes from [classes], unknown values with
their counts."""

import geopandas as gpd
import pytest
from shapely.geometry import box

from geoservice.runner import region_params
from layers.catalog import get_layer
from layers.catalog.inputs import LITHOLOGIES
from layers.errors import ConfigError, InputDataError
from layers.region import parse_region
from layers.sources import RegionSource
from layers.validate import check_layer
from layers.vocabulary import extra_values
from processing.geothermal.conductivity import CONDUCTIVITY_SOURCES, VDI4640_1_CONDUCTIVITY_W_MK

EXTENT = (385000.0, 6671000.0, 387000.0, 6673000.0)


def test_the_catalog_lithologies_are_the_vdi_table():
    assert tuple(VDI4640_1_CONDUCTIVITY_W_MK) == LITHOLOGIES
    assert all(CONDUCTIVITY_SOURCES[k] for k in LITHOLOGIES)
    # crystalline and metamorphic rocks are there (Finland, Brittany, the Black Forest ...)
    for rock in ("granite", "gneiss", "basalt", "schist", "quartzite", "dolomite", "diorite", "gabbro"):
        assert rock in LITHOLOGIES
    # VDI 4640-1 (2010) table A1, recommended values [W m-1 K-1]; granite 2.1-4.1, quartzite 5.0-6.0
    assert VDI4640_1_CONDUCTIVITY_W_MK["granite"] == pytest.approx(3.2)
    assert VDI4640_1_CONDUCTIVITY_W_MK["quartzite"] == pytest.approx(5.5)
    assert VDI4640_1_CONDUCTIVITY_W_MK["gneiss"] == pytest.approx(2.9)


def region(tmp_path, lithologies, **extra):
    frame = gpd.GeoDataFrame({"lithology": lithologies},
                             geometry=[box(EXTENT[0] + i * 100, EXTENT[1], EXTENT[0] + (i + 1) * 100, EXTENT[3])
                                       for i in range(len(lithologies))], crs=3067)
    frame.to_file(tmp_path / "bedrock.gpkg")
    frame.assign(**{"class": ["forest"] * len(frame)}).drop(columns="lithology").to_file(tmp_path / "lc.gpkg")
    data = {"region": {"id": "fi", "title": "fi", "crs": "EPSG:3067", "extent": list(EXTENT)},
            "inputs": {"geology": {"path": "bedrock.gpkg"}}, **extra}
    return parse_region(data, tmp_path, "fi.toml")


def test_granite_and_gneiss_are_read(tmp_path):
    config = region(tmp_path, ["granite", "gneiss", "granite"])
    geology = RegionSource(config, tmp_path / "in")("geology")
    assert sorted(geology["lithology"]) == ["gneiss", "granite", "granite"]


def test_unknown_values_are_reported_with_their_counts(tmp_path):
    config = region(tmp_path, ["granite", "rapakivi", "rapakivi", "diabase"])
    with pytest.raises(InputDataError, match=r"'rapakivi' \(2 features\), 'diabase' \(1 feature\).*"
                                             r"\[classes\.geology\.lithology\]"):
        RegionSource(config, tmp_path / "in")("geology")


def test_a_region_adds_lithologies_with_their_conductivity(tmp_path):
    config = region(tmp_path, ["granite", "rapakivi", "diabase"], classes={"geology": {"lithology": {
        "rapakivi": {"conductivity_w_mk": 3.1, "source": "GTK bedrock map legend"}}}},
        params={"geothermal": {"conductivity_w_mk": {"diabase": 2.6}}})
    geology = RegionSource(config, tmp_path / "in")("geology")
    assert sorted(geology["lithology"]) == ["diabase", "granite", "rapakivi"]
    extra = extra_values(config.vocabulary("geology"))
    check_layer(get_layer("geology"), geology, config.crs, extra)
    assert region_params(config, None)["geothermal"]["conductivity_w_mk"] == {"rapakivi": 3.1, "diabase": 2.6}
    assert RegionSource(config, tmp_path / "in").region_context().extra_values["geology"] == {
        "lithology": ("rapakivi", "diabase")}


def test_a_region_class_is_read_as_the_canonical_class_it_is_like(tmp_path):
    config = region(tmp_path, ["granite"], classes={"landcover": {"class": {"peatland": {"like": "wetland"}}}})
    frame = gpd.read_file(tmp_path / "lc.gpkg").assign(**{"class": "peatland"})
    frame.to_file(tmp_path / "lc.gpkg")
    config = parse_region({**config.model_dump(exclude={"source_dir", "origin"}),
                           "inputs": {"landcover": {"path": "lc.gpkg"}}}, tmp_path, "fi.toml")
    landcover = RegionSource(config, tmp_path / "in")("landcover")
    assert set(landcover["class"]) == {"wetland"}


@pytest.mark.parametrize(("classes", "message"), [
    ({"landcover": {"class": {"peatland": {"like": "bog"}}}}, "like = 'bog' is not one of"),
    ({"landcover": {"class": {"peatland": {"conductivity_w_mk": 1.0}}}}, "applies to geology.lithology only"),
    ({"landcover": {"class": {"forest": {"like": "forest"}}}}, "'forest' is already a known class"),
    ({"buildings": {"height_m": {"x": {"like": "y"}}}}, "not a class-valued field"),
    ({"geology": {"lithology": {"x": {}}}}, "give either like"),
])
def test_bad_region_classes_are_refused_with_the_key(tmp_path, classes, message):
    with pytest.raises(ConfigError, match=message):
        region(tmp_path, ["granite"], classes=classes)
