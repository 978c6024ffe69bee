"""The registry of pipeline steps, in a sensible default order."""

from __future__ import annotations

from processing.corridors import STEP as CORRIDORS
from processing.districts import STEP as DISTRICTS
from processing.geothermal import STEP as GEOTHERMAL
from processing.green_roofs import STEP as GREEN_ROOFS
from processing.heat_recovery import STEP as HEAT_RECOVERY
from processing.inputs_step import STEP as INPUTS
from processing.pipeline import Step
from processing.solar import STEP as SOLAR
from processing.wind import STEP as WIND


def all_steps() -> list[Step]:
    """Every step the pipeline knows: the inputs, the potential analyses, then the district ranking that
    combines them."""
    return [INPUTS, SOLAR, WIND, GEOTHERMAL, HEAT_RECOVERY, GREEN_ROOFS, CORRIDORS, DISTRICTS]
