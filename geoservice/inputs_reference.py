"""The input data contract, generated from the layer catalog and the steps' declarations: every canonical
input with its geometry, fields (type, unit, allowed values), the analyses that need it (required or
optional) and where it can come from. ``geoservice inputs`` prints it; ``docs/INPUTS.md`` is its Markdown
form, kept equal to the catalog by a test (regenerate with ``geoservice inputs --markdown > docs/INPUTS.md``).
"""

from __future__ import annotations

from typing import Any

from layers.catalog import get_layer, input_layers
from layers.contract import OSM_INPUTS, field_text, shape_text, source_hint
from processing.pipeline import Step

#: The paragraph under the title of docs/INPUTS.md.
INTRO = ("Generated from the layer catalog (`layers/catalog/inputs.py`) and the analyses' declarations by "
         "`geoservice inputs --markdown`; `tests/test_inputs_reference.py` keeps this file equal to them.\n"
         "A region names a file per input in `[inputs.<id>]` (see README, *Region files*); "
         "`geoservice ingest osm` writes the inputs marked OSM. Class-valued fields accept the listed "
         "values; a region adds its own classes in `[classes.<input>.<field>]` "
         "(see `docs/references/vocabularies.md`).\n"
         "A table read from CSV takes `separator`, `decimal` and `encoding` in its `[inputs.<id>]`; when they are "
         "not given the separator is the one of `,` `;` tab `|` occurring most often in the header line, the "
         "encoding UTF-8 (a byte-order mark skipped; an Excel export is often `encoding = \"cp1252\"`), and the "
         "decimal mark a point in a comma-separated file (a number holding a comma there is refused: `1,234` may "
         "be either), else a comma when the numbers hold decimal commas and no points. Spaces and no-break spaces "
         "between thousands are dropped (`1 234,5`); the other mark groups thousands only when `decimal` is given "
         "(`1.234,5` with `decimal = \",\"`).")


def input_reference(steps: list[Step]) -> list[dict[str, Any]]:
    """One record per canonical input, in catalog order."""
    analyses = [s for s in steps if s.name != "inputs"]
    records = []
    for spec in input_layers():
        needs = {s.name: "required" if spec.id in s.required_input_ids() else "optional" for s in analyses
                 if spec.id in (*s.required_input_ids(), *s.optional_input_ids(steps))}
        records.append({
            "id": spec.id, "title": spec.title, "description": spec.description, "kind": spec.kind,
            "geometry": spec.geometry, "unit": spec.unit or None,
            "fields": [{"name": f.name, "type": f.dtype, "unit": f.unit or None, "required": f.required,
                        "values": list(f.values) if f.values else None, "description": f.description}
                       for f in spec.fields],
            "analyses": needs, "required": "required" in needs.values(), "from_osm": spec.id in OSM_INPUTS,
            "source": source_hint(spec),
        })
    return records


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(steps: list[Step]) -> str:
    """``docs/INPUTS.md``: a summary table, then one section per input with its fields."""
    records = input_reference(steps)
    lines = ["# Input data contract", "", INTRO, "", "| input | holds | needed by | OSM |", "|---|---|---|---|"]
    for r in records:
        needs = ", ".join(f"{k} ({v})" for k, v in r["analyses"].items()) or "published only"
        lines.append(f"| `{r['id']}` | {shape_text(get_layer(r['id']))} | {needs} | {'yes' if r['from_osm'] else ''} |")
    for r in records:
        spec = get_layer(r["id"])
        lines += ["", f"## `{r['id']}` — {r['title']}", "", r["description"], "",
                  f"- holds: {shape_text(spec)}",
                  f"- needed by: {', '.join(f'{k} ({v})' for k, v in r['analyses'].items()) or 'no analysis'}",
                  f"- source: {r['source']}"]
        if spec.fields:
            lines += ["", "| field | type, unit, values | description |", "|---|---|---|"]
            lines += [f"| `{f.name}` | {_cell(field_text(f).split(' (', 1)[1][:-1])} | {_cell(f.description)} |"
                      for f in spec.fields]
    return "\n".join(lines) + "\n"


def render_text(steps: list[Step]) -> str:
    """A terminal listing: one paragraph per input."""
    out = []
    for r in input_reference(steps):
        spec = get_layer(r["id"])
        needs = ", ".join(f"{k} ({v})" for k, v in r["analyses"].items()) or "no analysis (published only)"
        out.append(f"{r['id']}: {shape_text(spec)} — needed by {needs}")
        if spec.fields:
            out.append(f"  fields: {'; '.join(field_text(f) for f in spec.fields)}")
        out.append(f"  source: {r['source']}")
    return "\n".join(out) + "\n"
