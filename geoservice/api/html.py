"""A plain, browsable HTML view of the JSON resources (OGC API – Features "HTML" conformance class)."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}code{background:#f4f4f4}")


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")


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


def features(doc: dict[str, Any], title: str) -> str:
    feats = doc.get("features") or [doc]
    rows = [{"id": f.get("id"), **(f.get("properties") or {})} for f in feats]
    columns = ["id"] + [k for k in (rows[0].keys() if rows else []) if k != "id"]
    counts = f"<p>{doc.get('numberReturned', len(feats))} of {doc.get('numberMatched', len(feats))}</p>"
    return page(title, counts + table(rows, columns) + links(doc.get("links", [])))


def _self(doc: dict[str, Any]) -> str:
    for l in doc.get("links", []):
        if l["rel"] == "self":
            return l["href"]
    return "#"
