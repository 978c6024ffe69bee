"""Every generated map opened in a real headless Chromium: renders, no JavaScript error, layers, legend and
controls present; a screenshot of each is saved under test-artifacts/maps/."""

from pathlib import Path

import pytest

from tests.browser_fixtures import ARTIFACTS, console_errors

pytestmark = pytest.mark.browser


def _open(browser, page: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.as_uri())
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".leaflet-control-layers")))
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return By


def test_every_map_renders_without_errors(browser, built_maps):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = sorted(p for p in built_maps.parent.glob("*.html") if p.name != "index.html")
    assert len(pages) >= 5 + 11
    for page in pages:
        by = _open(browser, page)
        assert console_errors(browser) == [], page.name
        controls = {
            "layers": ".leaflet-control-layers",
            "scale": ".leaflet-control-scale",
            "fullscreen": ".leaflet-control-zoom-fullscreen",
            "measure": ".leaflet-control-measure",
            "search": ".leaflet-control-search",
            "legend": "#gs-legend",
            "synthetic note": "#gs-synthetic",
        }
        for name, selector in controls.items():
            assert browser.find_elements(by.CSS_SELECTOR, selector), f"{page.name}: no {name} control"
        overlays = browser.find_elements(by.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
        assert len(overlays) >= 2, f"{page.name}: expected its layers in the layer control"
        drawn = browser.find_elements(by.CSS_SELECTOR, ".leaflet-overlay-pane path, .leaflet-overlay-pane img, "
                                                        ".leaflet-marker-pane *")
        assert drawn, f"{page.name}: nothing drawn"
        browser.save_screenshot(str(ARTIFACTS / f"{page.stem}.png"))


def test_index_opens_and_links_work(browser, built_maps):
    from selenium.webdriver.common.by import By

    browser.get(built_maps.as_uri())
    links = browser.find_elements(By.CSS_SELECTOR, "#analysis-maps a")
    assert [link.text for link in links][:2] == ["Solar roofs", "Wind"]
    assert browser.find_element(By.ID, "synthetic-banner").is_displayed()
    browser.save_screenshot(str(ARTIFACTS / "index.png"))
