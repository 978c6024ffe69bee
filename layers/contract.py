"""What a canonical input must hold, in words a user can act on: geometry, fields (type, unit, allowed
values) and where the data can come from (``geoservice ingest osm`` or a file of the user's own).

Used by every message about a missing input (the runner, ``geoservice check``) and by the generated input
reference (``geoservice inputs``, ``docs/INPUTS.md``), so that they all say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from layers.catalog import get_layer
from layers.catalog.spec import Field, LayerSpec
from layers.ingest.osm_tags import DEFAULT_RULES

#: Canonical inputs that ``geoservice ingest osm`` writes from an OpenStreetMap extract.
OSM_INPUTS: frozenset[str] = frozenset(rule.target for rule in DEFAULT_RULES)


def field_text(f: Field, values: Iterable[str] | None = None) -> str:
    """``height_m (float, m)``, ``use (str, one of residential|commercial)``, ``name (str, optional)``."""
    parts = [f.dtype]
    if f.unit:
        parts.append(f.unit)
    allowed = list(values) if values is not None else list(f.values or ())
    if allowed:
        parts.append("one of " + "|".join(allowed))
    if not f.required:
        parts.append("optional")
    return f"{f.name} ({', '.join(parts)})"


def shape_text(spec: LayerSpec) -> str:
    """``Polygon layer``, ``raster [m]`` or ``table``."""
    if spec.kind == "raster":
        return f"raster [{spec.unit}]" if spec.unit else "raster"
    return f"{spec.geometry} layer" if spec.kind == "vector" else "table"


def source_hint(spec: LayerSpec) -> str:
    """Where the input can come from, as a sentence."""
    if spec.kind == "raster":
        return f"give a GDAL-readable raster in [inputs.{spec.id}] (path)"
    mapping = "" if not spec.fields else ", and fields = { canonical = \"source field\" }"
    if spec.kind == "table":
        return (f"give a table of your own in [inputs.{spec.id}]: CSV, or any GDAL table — XLSX or ODS sheet, "
                f"GeoPackage or SQLite table, DBF (path, layer = the sheet or table{mapping})")
    own = f"a file of your own in [inputs.{spec.id}] (path{mapping})"
    if spec.id in OSM_INPUTS:
        return f"`geoservice ingest osm EXTRACT.osm.pbf --region REGION.toml` writes it, or {own}"
    return f"give {own}"


def describe_input(spec: LayerSpec, extra_values: Mapping[str, Iterable[str]] | None = None) -> str:
    """One paragraph: ``buildings: Polygon layer with building_id (str), height_m (float, m), ...; <hint>``.

    ``extra_values`` adds region-declared classes to a field's allowed values.
    """
    extra = extra_values or {}
    fields = ", ".join(field_text(f, [*(f.values or ()), *extra.get(f.name, ())] if f.values else None)
                       for f in spec.fields)
    holds = f"{shape_text(spec)} with {fields}" if fields else shape_text(spec)
    return f"{spec.id}: {holds}; {source_hint(spec)}"


def missing_inputs_message(layer_ids: Iterable[str], who: str,
                           vocabularies: Mapping[str, Mapping[str, Iterable[str]]] | None = None) -> str:
    """Every missing input of ``who`` (an analysis) at once, each with what it must hold."""
    ids = list(dict.fromkeys(layer_ids))
    lines = [f"{who} needs {len(ids)} missing input{'s' if len(ids) != 1 else ''}: {', '.join(ids)}"]
    lines += [f"  - {describe_input(get_layer(i), (vocabularies or {}).get(i))}" for i in ids]
    return "\n".join(lines)
