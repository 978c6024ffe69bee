"""Every generated map opened in a real headless Chromium: renders, no JavaScript error, layers, legend and
controls present; a screenshot of each is saved under test-artifacts/maps/."""

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "maps"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/setup.sh --test installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--window-size=1280,900", "--allow-file-access-from-files"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _open(browser, page: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.as_uri())
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".leaflet-control-layers")))
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return By


def _errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_every_map_renders_without_errors(browser, built_maps):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = sorted(p for p in built_maps.parent.glob("*.html") if p.name != "index.html")
    assert len(pages) >= 5 + 11
    for page in pages:
        by = _open(browser, page)
        assert _errors(browser) == [], page.name
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
