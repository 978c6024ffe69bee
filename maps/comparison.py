"""The web map page of a scenario comparison (``compare-A..B.html``): where B gains and loses wind-eligible
land, the turbine sites it adds and removes, the test-district candidates moving rank and, per commune,
whether choosing B raises or lowers emissions; offline like every page (vendored Leaflet).
"""

from __future__ import annotations

from pathlib import Path

from layers.catalog import comparison_layers
from layers.region import RegionConfig
from maps.assets import install_assets
from maps.pages import PageSpec, build_page

#: Comparison layers drawn, bottom to top, and those listed but off at first.
PAGE_LAYERS = ("comparison_emissions", "comparison_candidate_ranks", "comparison_wind_areas", "communes",
               "comparison_wind_sites")
HIDDEN = ("comparison_candidate_ranks",)


class _PairStore:
    """What a page reads, routed: comparison layers from the pair's tag, the rest from scenario B."""

    def __init__(self, store, a: str, b: str):
        self.pair, self.scenario_b = store.for_scenario(f"{a}..{b}"), store.for_scenario(b)
        self._ids = {s.id for s in comparison_layers()}

    def _of(self, layer_id: str):
        return self.pair if layer_id in self._ids else self.scenario_b

    def current(self, layer_id: str):
        return self._of(layer_id).current(layer_id)

    def read_vector(self, layer_id: str, bbox=None):
        return self._of(layer_id).read_vector(layer_id, bbox=bbox)

    def raster_path(self, layer_id: str):
        return self._of(layer_id).raster_path(layer_id)


def page_name(a: str, b: str) -> str:
    return f"compare-{a}..{b}.html"


def comparison_pages(store) -> list[tuple[str, str, PageSpec]]:
    """``(a, b, page)`` for every comparison published in ``store``."""
    pairs = sorted(tuple(tag.split("..", 1)) for tag in store.scenarios() if ".." in tag)
    return [(a, b, PageSpec(page_name(a, b), f"{b} against {a}", PAGE_LAYERS,
                            f"what choosing {b} instead of {a} changes: wind land and sites, candidate ranks, "
                            "emissions per commune", hidden=HIDDEN)) for a, b in pairs]


def write_comparison_page(store, a: str, b: str, page: PageSpec, out_dir: Path, region: RegionConfig,
                          region_bounds) -> list[str]:
    """Write one comparison page into ``out_dir``; return the layers drawn. Vector tiles of large layers come
    from the pair's scenario path of the API (``/scenarios/A..B``)."""
    return build_page(_PairStore(store, a, b), page, out_dir, region.crs, region_bounds, synthetic=region.synthetic,
                      tile_base=f"../scenarios/{a}..{b}")


def build_comparison_map(store, region: RegionConfig, result, out_dir: Path) -> Path:
    """Write the page of the comparison ``result`` (a :class:`geoservice.comparison.ScenarioComparison`) into
    the maps folder ``out_dir`` (created with its assets when missing); return its path. The next full map
    build (`geoservice maps`) rebuilds it with the others and lists it on the index."""
    out_dir = Path(out_dir)
    if not (out_dir / "static").is_dir():
        out_dir.mkdir(parents=True, exist_ok=True)
        install_assets(out_dir)
    a, b, page = next(p for p in comparison_pages(store) if p[:2] == (result.a, result.b))
    communes = store.read_vector("communes") if store.current("communes") is not None else None
    bounds = tuple(communes.total_bounds) if communes is not None and len(communes) else region.region.extent
    write_comparison_page(store, a, b, page, out_dir, region, bounds)
    return out_dir / page.filename
