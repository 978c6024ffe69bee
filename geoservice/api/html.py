"""A plain, browsable HTML view of the JSON resources (OGC API – Features "HTML" conformance class).

Feature pages (``/items`` and ``/items/{id}``) show the features on an offline Leaflet map next to their
table, with paging links; numbers are shown with about three significant digits and their unit
(``86.1 m²``, ``37.8°``, ``1,088 kWh/m²/yr``) — the JSON stays exact. Leaflet comes from the vendored copy
the API serves under ``/static`` (``maps/static``), so the pages need no internet.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from layers.catalog import LayerSpec
from maps.style import display_unit, format_value

_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:90em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}td.num{text-align:right}"
          "code{background:#f4f4f4}.gs-split{display:flex;gap:1em;align-items:flex-start;flex-wrap:wrap}"
          "#gs-map{flex:1 1 28em;height:32em;min-width:20em;border:1px solid #ccc;background:#f8f8f8}"
          ".gs-table{flex:1 1 30em;overflow:auto;max-height:40em}.gs-paging a{margin-right:1em}")

#: The map: every feature drawn, its id in a popup linking to its page, the view fitted to them.
_MAP_JS = """
(function(){var data=JSON.parse(document.getElementById('gs-features').textContent);
var map=L.map('gs-map');var layer=L.geoJSON(data,{style:{color:'#1f5fa8',weight:2,fillOpacity:0.25},
pointToLayer:function(f,ll){return L.circleMarker(ll,{radius:5});},
onEachFeature:function(f,l){l.bindPopup('<a href="'+data.itemUrl+f.id+'?f=html">feature '+f.id+'</a>');}}).addTo(map);
var b=layer.getBounds();if(b.isValid()){map.fitBounds(b,{maxZoom:18,padding:[10,10]});}else{map.setView([0,0],1);}
window.gsMap=map;window.gsLayer=layer;})();
"""


def page(title: str, body: str, head: str = "") -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><link rel='icon' href='data:,'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style>{head}</head><body><h1>{escape(title)}</h1>{body}</body></html>")


def links(items: list[dict[str, Any]]) -> str:
    rows = "".join(f"<li><a href='{escape(l['href'])}'>{escape(l.get('title') or l['rel'])}</a> "
                   f"<small>({escape(l['rel'])}, {escape(l.get('type', ''))})</small></li>" for l in items)
    return f"<ul>{rows}</ul>"


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if r.get(c) is None else str(r.get(c)))}</td>"
                                    for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def landing(doc: dict[str, Any]) -> str:
    return page(doc["title"], f"<p>{escape(doc['description'])}</p>{links(doc['links'])}")


def collections(doc: dict[str, Any]) -> str:
    rows = [{"id": c["id"], "title": c["title"], "kind": c.get("layerKind"), "version": c.get("version")}
            for c in doc["collections"]]
    items = "".join(f"<li><a href='{escape(_self(c))}'>{escape(c['title'])}</a> <code>{escape(c['id'])}</code>"
                    "</li>" for c in doc["collections"])
    return page("Collections", f"<ul>{items}</ul>{table(rows, ['id', 'title', 'kind', 'version'])}")


def collection(doc: dict[str, Any]) -> str:
    fields = table(doc.get("fields", []), ["name", "type", "unit", "description"])
    return page(doc["title"], f"<p>{escape(doc.get('description', ''))}</p><p>version {doc.get('version')}</p>"
                f"{fields}{links(doc['links'])}")


# --- features ----------------------------------------------------------------------------------------

def _units(spec: LayerSpec) -> dict[str, str]:
    return {f.name: display_unit(f.unit) for f in spec.fields}


def _cell(name: str, value: Any, unit: str) -> str:
    """One table cell: numbers right-aligned with their unit; calendar years without a separator."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"<td>{escape(format_value(value, ''))}</td>"
    if isinstance(value, int) and "year" in name:
        return f"<td class='num'>{value}</td>"
    return f"<td class='num' title='{escape(repr(value))}'>{escape(format_value(value, unit))}</td>"


def _with_html(href: str) -> str:
    """``href`` asking for the HTML view (``f=html``)."""
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "f"] + [("f", "html")]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _paging(doc: dict[str, Any], returned: int) -> str:
    """"Features 101–200 of 2,345" and the previous / next page links (HTML views)."""
    offset = 0
    for l in doc.get("links", []):
        if l["rel"] == "self":
            offset = int(dict(parse_qsl(urlsplit(l["href"]).query)).get("offset", 0) or 0)
    matched = doc.get("numberMatched")
    total = f"{matched:,}" if matched is not None else "more than can be counted quickly"
    span = f"{offset + 1:,}–{offset + returned:,}" if returned else "none"
    nav = "".join(f"<a rel='{rel}' href='{escape(_with_html(l['href']))}'>{label}</a>"
                  for rel, label in (("prev", "« Previous page"), ("next", "Next page »"))
                  for l in doc.get("links", []) if l["rel"] == rel)
    return f"<p class='gs-paging'>Features {span} of {total}. {nav}</p>"


def _map(doc: dict[str, Any], feats: list[dict[str, Any]], assets: str, item_url: str) -> tuple[str, str]:
    """(head, body) of the Leaflet map of ``feats`` (CRS84 geometries)."""
    head = (f"<link rel='stylesheet' href='{escape(assets)}/leaflet/leaflet.css'>"
            f"<script src='{escape(assets)}/leaflet/leaflet.js'></script>")
    data = json.dumps({"type": "FeatureCollection", "features": feats, "itemUrl": item_url},
                      separators=(",", ":")).replace("</", "<\\/")
    body = (f"<div id='gs-map' role='region' aria-label='Map of the features'></div>"
            f"<script type='application/json' id='gs-features'>{data}</script><script>{_MAP_JS}</script>")
    return head, body


def features(doc: dict[str, Any], spec: LayerSpec, title: str, *, assets: str, item_url: str,
             lonlat: bool) -> str:
    """A page of features (a FeatureCollection) or one feature: map, table, paging and links.

    ``assets`` is the URL of the vendored Leaflet files, ``item_url`` the URL features' ids are appended to,
    ``lonlat`` whether the geometries are CRS84 (the map is drawn only then)."""
    single = doc.get("type") == "Feature"
    feats = [doc] if single else doc.get("features", [])
    units = _units(spec)
    names = list(dict.fromkeys(k for f in feats for k in (f.get("properties") or {})))
    if single:
        props = doc.get("properties") or {}
        rows = "".join(f"<tr><th>{escape(n)}</th>{_cell(n, props.get(n), units.get(n, ''))}</tr>" for n in names)
        grid = f"<table><tr><th>id</th><td>{escape(str(doc.get('id')))}</td></tr>{rows}</table>"
        paging = ""
    else:
        head_row = "".join(f"<th>{escape(n)}" + (f" <small>[{escape(units[n])}]</small>" if units.get(n) else "")
                           + "</th>" for n in names)
        body = "".join(f"<tr><td><a href='{escape(item_url)}{f.get('id')}?f=html'>{escape(str(f.get('id')))}</a></td>"
                       + "".join(_cell(n, (f.get("properties") or {}).get(n), units.get(n, "")) for n in names)
                       + "</tr>" for f in feats)
        grid = f"<table><tr><th>id</th>{head_row}</tr>{body}</table>"
        paging = _paging(doc, len(feats))
    head = map_html = ""
    if any(f.get("geometry") for f in feats):
        if lonlat:
            head, map_html = _map(doc, feats, assets, item_url)
        else:
            map_html = "<p>The map is drawn for CRS84 coordinates: open this page without <code>crs</code>.</p>"
    body = f"{paging}<div class='gs-split'>{map_html}<div class='gs-table'>{grid}</div></div>{paging}"
    return page(title, body + links(doc.get("links", [])), head)


def _self(doc: dict[str, Any]) -> str:
    for l in doc.get("links", []):
        if l["rel"] == "self":
            return l["href"]
    return "#"
