"""``/scenarios``: the scenarios and comparisons with published versions. Each is served as an OGC API of its
own under ``/scenarios/{name}`` (landing page, collections, items, tiles, coverage), so QGIS adds a
scenario as a connection of its own next to the baseline's; a comparison's name is ``A..B``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from geoservice.api.common import HTML, JSON, json_response, link, root_url, store_of
from geoservice.comparison import SCENARIOS_PATH
from geoservice.store.common import BASELINE
from layers.errors import InvalidRequest

router = APIRouter(tags=["Scenarios"])


@router.get(SCENARIOS_PATH, summary="Scenarios and comparisons", response_class=Response)
def scenarios(request: Request, f: str | None = Query(None, description="json")):
    if f not in (None, "json"):
        raise InvalidRequest(f"f={f!r} is not offered here; use json")
    root = root_url(request)
    items = []
    for name in request.app.state.scenarios.get(store_of(request)):
        here = f"{root}{SCENARIOS_PATH}/{name}"
        comparison = ".." in name
        links = [link(f"{here}/", "self", JSON, f"The API of {name}"),
                 link(f"{here}/collections", "data", JSON, f"Collections of {name}")]
        if comparison:
            links.append(link(f"{root}/maps/compare-{name}.html", "related", HTML, "Web map of the comparison"))
        entry = {"id": name, "kind": "comparison" if comparison else "scenario", "links": links}
        if comparison:
            entry["a"], entry["b"] = name.split("..", 1)
        elif name == BASELINE:
            entry["description"] = "The unmodified run (also served at the service root)."
        items.append(entry)
    return json_response({"scenarios": items, "links": [link(f"{root}{SCENARIOS_PATH}", "self", JSON)]})
