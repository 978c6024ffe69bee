"""The green-roofs step: the solar step's roof faces → FLL class, one use per face, effects.

Reads ``solar_roofs`` (so both analyses agree on the faces and PV's claim on them) and publishes
``green_roofs``, one feature per face. No raster work: a face reads only its own attributes and outline. A
note says when the region's precipitation lies outside the range of the FLL coefficients.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from layers.data import LayerData
from processing.green_roofs.assess import assess_faces
from processing.green_roofs.effects import outside_range_note
from processing.green_roofs.params import GreenRoofsParams
from processing.pipeline import StepContext, log_note

log = logging.getLogger(__name__)


def run(ctx: StepContext[GreenRoofsParams]) -> Mapping[str, LayerData]:
    """Compute ``green_roofs``."""
    p = ctx.params
    faces = ctx.vector("solar_roofs")
    if p.annual_precipitation_mm is None:
        log.warning("green_roofs: no annual_precipitation_mm in [params.green_roofs]; retention uses the "
                    "estimate of 725 mm/yr and every face says so")
    else:
        log_note(log, "green_roofs", outside_range_note(p.annual_precipitation_mm))
    roofs = assess_faces(faces.reset_index(drop=True), p)
    ctx.progress(1.0, f"{int((roofs['green_area_m2'] > 0).sum())} green roof faces")
    return {"green_roofs": roofs}
