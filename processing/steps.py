"""The registry of pipeline steps, in a sensible default order."""

from __future__ import annotations

from processing.inputs_step import STEP as INPUTS
from processing.pipeline import Step


def all_steps() -> list[Step]:
    """Every step the pipeline knows."""
    return [INPUTS]
