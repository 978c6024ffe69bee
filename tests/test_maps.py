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
