"""The layer catalog: every input and output layer, declared once.

Each analysis declares its output layers in its own module (``solar``, ``wind``, ...); this package
gathers them and answers look-ups. Nobody else hard-codes a layer id, a unit or a colour.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from layers.catalog.spec import Category, CommuneSum, Field, LayerSpec, Style
from layers.errors import LayerNotFound

__all__ = ["CATALOG", "CATALOG_MODULES", "COMMUNE_SUMS", "Category", "CommuneSum", "Field", "LayerSpec", "Style",
           "comparison_layers", "get_layer", "input_layers",
           "output_layers", "rebuild"]

#: Modules declaring layers, each with ``LAYERS`` (a sequence of :class:`LayerSpec`): the inputs, then one
#: module per analysis. Registering an analysis's layers is one line here.
CATALOG_MODULES: list[str] = [
    "layers.catalog.inputs",
    "layers.catalog.solar",
    "layers.catalog.wind",
    "layers.catalog.geothermal",
    "layers.catalog.corridors",
    "layers.catalog.districts",
    "layers.catalog.heat_recovery",
    "layers.catalog.green_roofs",
    "layers.catalog.comparisons",  # what `geoservice compare` publishes (role "comparison", no step)
    "layers.catalog.targets",
]

#: Every declared layer by id, in declaration order.
CATALOG: dict[str, LayerSpec] = {}


#: Every analysis's contribution to the commune indicators, in registry order.
COMMUNE_SUMS: list[CommuneSum] = []


def rebuild() -> None:
    """(Re)read every module of :data:`CATALOG_MODULES` into :data:`CATALOG` and :data:`COMMUNE_SUMS`, in
    place; the ``commune_indicators`` layer gets the contributed fields after its own."""
    specs: dict[str, LayerSpec] = {}
    sums: list[CommuneSum] = []
    for name in CATALOG_MODULES:
        module = import_module(name)
        for spec in module.LAYERS:
            if spec.id in specs:
                raise ValueError(f"layer id {spec.id!r} is declared twice in the catalog ({name})")
            specs[spec.id] = spec
        sums += getattr(module, "COMMUNE_SUMS", ())
    if "commune_indicators" in specs and sums:
        indicators = specs["commune_indicators"]
        specs["commune_indicators"] = replace(indicators, fields=(*indicators.fields, *(c.field for c in sums)))
    CATALOG.clear()
    CATALOG.update(specs)
    COMMUNE_SUMS[:] = sums


def get_layer(layer_id: str) -> LayerSpec:
    """Return the declaration of ``layer_id``; raise :class:`LayerNotFound` naming the known ids."""
    try:
        return CATALOG[layer_id]
    except KeyError:
        raise LayerNotFound(f"unknown layer {layer_id!r}; known layers: {', '.join(CATALOG)}") from None


def input_layers() -> list[LayerSpec]:
    """The canonical inputs a region provides."""
    return [s for s in CATALOG.values() if s.role == "input"]


def comparison_layers() -> list[LayerSpec]:
    """The layers ``geoservice compare`` publishes for a pair of scenarios."""
    return [s for s in CATALOG.values() if s.role == "comparison"]


def output_layers(step: str | None = None) -> list[LayerSpec]:
    """Output layers, optionally only those produced by ``step``."""
    return [s for s in CATALOG.values() if s.role == "output" and (step is None or s.produced_by == step)]


rebuild()
