"""The layer catalog: every input and output layer, declared once.

Each analysis declares its output layers in its own module (``solar``, ``wind``, ...); this package
gathers them and answers look-ups. Nobody else hard-codes a layer id, a unit or a colour.
"""

from __future__ import annotations

from layers.catalog import corridors, districts, geothermal, green_roofs, heat_recovery, solar, wind
from layers.catalog.inputs import INPUT_LAYERS
from layers.catalog.spec import Category, Field, LayerSpec, Style
from layers.errors import LayerNotFound

__all__ = ["CATALOG", "Category", "Field", "LayerSpec", "Style", "get_layer", "input_layers", "output_layers"]


def _build() -> dict[str, LayerSpec]:
    specs: dict[str, LayerSpec] = {}
    for module_layers in (INPUT_LAYERS, solar.LAYERS, wind.LAYERS, geothermal.LAYERS, corridors.LAYERS,
                          districts.LAYERS, heat_recovery.LAYERS, green_roofs.LAYERS):
        for spec in module_layers:
            if spec.id in specs:
                raise ValueError(f"layer id {spec.id!r} is declared twice in the catalog")
            specs[spec.id] = spec
    return specs


#: Every declared layer by id, in declaration order.
CATALOG: dict[str, LayerSpec] = _build()


def get_layer(layer_id: str) -> LayerSpec:
    """Return the declaration of ``layer_id``; raise :class:`LayerNotFound` naming the known ids."""
    try:
        return CATALOG[layer_id]
    except KeyError:
        raise LayerNotFound(f"unknown layer {layer_id!r}; known layers: {', '.join(CATALOG)}") from None


def input_layers() -> list[LayerSpec]:
    """The canonical inputs a region provides."""
    return [s for s in CATALOG.values() if s.role == "input"]


def output_layers(step: str | None = None) -> list[LayerSpec]:
    """Output layers, optionally only those produced by ``step``."""
    return [s for s in CATALOG.values() if s.role == "output" and (step is None or s.produced_by == step)]
