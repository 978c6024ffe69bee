"""Web maps: built from the published layers, offline, light, with legends and units."""

import re

from layers.catalog import get_layer
from layers.ramp import ramp_rgb
from maps.build import slug
from maps.style import format_value
from processing.steps import all_steps

#: Page weight budget of issue 10 [bytes].
MAX_PAGE_BYTES = 10_000_000


def test_index_links_every_analysis_and_commune(built_maps):
    html = built_maps.read_text()
    pages = [f"{page.file or step.name}.html" for step in all_steps() for page in step.maps]
    assert len(pages) >= 7
    for page in pages:
        assert f'href="{page}"' in html
        assert (built_maps.parent / page).exists()
    communes = re.findall(r'href="(commune-[^"]+\.html)"', html)
    assert len(communes) >= 11
    assert 'id="synthetic-banner"' in html


def test_pages_are_offline_and_light(built_maps):
    for page in built_maps.parent.glob("*.html"):
        html = page.read_text()
        assert page.stat().st_size < MAX_PAGE_BYTES, page.name
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert remote == [], f"{page.name} loads {remote}"
    assert (built_maps.parent / "static/leaflet/leaflet.js").exists()


def test_analysis_page_has_legend_units_and_controls(built_maps):
    html = (built_maps.parent / "solar.html").read_text()
    assert 'data-layer="solar_irradiation"' in html and "kWh m-2 yr-1" in html
    assert 'data-layer="solar_roofs"' in html and "very good" in html
    assert "L.control.layers" in html and "L.control.fullscreen" in html.replace("Fullscreen", "fullscreen")
    assert "kWh yr-1" in html, "tooltips carry units"
    assert "SYNTHETIC DEMO DATA" in html


def test_heat_recovery_and_green_roof_pages(built_maps):
    heat = (built_maps.parent / "heat_recovery.html").read_text()
    assert 'data-layer="heat_recovery_links"' in heat and "EUR MWh-1" in heat and "waste incinerator" in heat
    green = (built_maps.parent / "green_roofs.html").read_text()
    assert 'data-layer="green_roofs"' in green and "biosolar (PV on a green roof)" in green
    commune = next(built_maps.parent.glob("commune-esch-sur-alzette.html")).read_text()
    assert 'data-layer="green_roofs"' in commune and 'data-layer="heat_sources_assessed"' in commune


def test_style_helpers():
    spec = get_layer("wind_speed_hub")
    low, high = ramp_rgb([spec.style.stops[0], 100.0], spec.style)
    assert tuple(low) == (0xf7, 0xfb, 0xff) and tuple(high) == (0x08, 0x30, 0x6b)
    assert format_value(1234.4, "kWh yr-1") == "1,234 kWh yr-1"
    assert format_value(0.25, "") == "0.25"
    assert format_value(None, "m") == "–"
    assert slug("Käerjeng") == "kaerjeng" and slug("Esch-sur-Alzette") == "esch-sur-alzette"


class _Version:
    def __init__(self, inputs):
        self.provenance = {"input_checksums": dict.fromkeys(inputs, "x")}


class _CorridorStore:
    """A store holding the corridors step's outputs (empty), computed from ``corridor_inputs``, and two green
    roofs: one stepping stone (green area 1,234 m2) and one not (5,678 m2)."""

    def __init__(self, corridor_inputs, stepping=(True, False)):
        import geopandas as gpd
        from shapely.geometry import box

        from layers.conform import empty_layer
        from processing.corridors.step import OUTPUTS

        self.inputs = corridor_inputs
        self.layers = {
            **{layer_id: empty_layer(get_layer(layer_id), "EPSG:2169") for layer_id in OUTPUTS},
            "green_roofs": gpd.GeoDataFrame(
                {"face_id": ["f1", "f2"], "use": ["green_only", "biosolar"], "green_area_m2": [1234.0, 5678.0],
                 "stepping_stone": list(stepping)},
                geometry=[box(65000, 62000, 65040, 62030), box(65100, 62000, 65180, 62090)], crs="EPSG:2169"),
        }

    def current(self, layer_id):
        if layer_id not in self.layers:
            return None
        return _Version(() if layer_id == "green_roofs" else self.inputs)

    def read_vector(self, layer_id, bbox=None):
        return self.layers[layer_id]


def _corridor_page(store, tmp_path):
    from maps.build import analysis_pages
    from maps.pages import build_page
    from processing.corridors import STEP

    (page,) = analysis_pages([STEP])
    bounds = (64000.0, 61000.0, 66000.0, 63000.0)
    drawn = build_page(store, page, tmp_path, "EPSG:2169", bounds, synthetic=True)
    return drawn, (tmp_path / page.filename).read_text()


def test_corridor_page_draws_the_stepping_stone_roofs_the_corridors_used(tmp_path):
    drawn, html = _corridor_page(_CorridorStore(["landcover", "communes", "green_roofs"]), tmp_path)
    assert drawn == ["green_roofs[stepping_stone]"]
    assert "Green roofs used as stepping stones" in html and 'data-layer="green_roofs"' in html
    assert "1,234" in html and "5,678" not in html  # only the stepping stone


def test_corridor_page_leaves_out_roofs_the_corridors_did_not_use(tmp_path):
    """green_roof_stepping_stones off: the corridors did not read green_roofs, so no layer and no note."""
    drawn, html = _corridor_page(_CorridorStore(["landcover", "communes"]), tmp_path)
    assert drawn == []
    assert "stepping stones" not in html and 'data-layer="green_roofs"' not in html
    drawn, html = _corridor_page(_CorridorStore(["landcover", "communes", "green_roofs"], (False, False)), tmp_path)
    assert drawn == [] and "Green roofs used as stepping stones: none here." in html


def test_demo_corridor_page_has_no_stepping_stones(built_maps):
    """The demo region leaves green_roof_stepping_stones off."""
    html = (built_maps.parent / "corridors.html").read_text()
    assert 'data-layer="corridors"' in html and "Green roofs used as stepping stones" not in html
