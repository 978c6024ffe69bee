"""The HTML feature pages of the API opened in a real headless Chromium: the features drawn on the offline
Leaflet map next to their table, no JavaScript error, paging links that lead to the next page."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from geoservice.api import create_app
from tests.browser_fixtures import ARTIFACTS, console_errors
from tests.test_api_fixtures import *

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_api(api_backend, api_settings) -> Iterator[str]:
    """The API over the demo layers, served by uvicorn on a free loopback port."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(api_settings, store=api_backend[1]), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _drawn(browser) -> int:
    return browser.execute_script("return window.gsLayer ? window.gsLayer.getLayers().length : -1")


def test_items_page_draws_the_features_and_pages(browser, live_api, api_backend):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_api}/collections/buildings/items?f=html&limit=7")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert console_errors(browser) == []
    assert _drawn(browser) == 7
    assert len(browser.find_elements(By.CSS_SELECTOR, "#gs-map .leaflet-overlay-pane path")) == 7
    assert len(browser.find_elements(By.CSS_SELECTOR, ".gs-table tr")) == 1 + 7
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"api-items-{api_backend[0]}.png"))
    browser.find_elements(By.CSS_SELECTOR, "a[rel='next']")[0].click()
    WebDriverWait(browser, 20).until(lambda d: "offset=7" in d.current_url)
    assert "Features 8–14 of" in browser.page_source and _drawn(browser) == 7


def test_feature_page_draws_the_feature(browser, live_api):
    browser.get(f"{live_api}/collections/transit_stops/items/2?f=html")
    assert console_errors(browser) == []
    assert _drawn(browser) == 1
