"""The ``inputs`` step: publishes every available input layer as read, and derives commune areas.

Publishing the inputs lets planners see exactly what the analyses used (same version, same provenance).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from layers.catalog import input_layers
from layers.data import LayerData
from processing.pipeline import Step, StepContext

#: Square metres per square kilometre.
M2_PER_KM2 = 1.0e6


class InputsParams(BaseModel):
    """The inputs step takes no parameters."""

    model_config = ConfigDict(extra="forbid")


def commune_areas(communes):
    """Communes with ``area_km2`` [km2], the planar area in the region CRS."""
    out = communes.copy()
    out["area_km2"] = out.geometry.area / M2_PER_KM2
    return out


def run(ctx: StepContext) -> Mapping[str, LayerData]:
    """Pass every present input through; add commune areas."""
    outputs: dict[str, LayerData] = {k: v for k, v in ctx.inputs.items() if v is not None}
    outputs["communes"] = commune_areas(ctx.require("communes"))
    ctx.progress(1.0, f"{len(outputs)} input layers")
    return outputs


_INPUT_IDS = tuple(s.id for s in input_layers())

STEP = Step(
    name="inputs",
    title="Input layers",
    inputs=("communes",),
    optional_inputs=tuple(i for i in _INPUT_IDS if i != "communes"),
    outputs=_INPUT_IDS,
    params=InputsParams,
    run=run,
)
