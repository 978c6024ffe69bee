"""The registry of analyses: one line per analysis package, in the default run order (the runner orders
them by their inputs anyway). A package registers by exposing ``STEP`` (a :class:`processing.pipeline.Step`);
its layers are declared in a catalog module listed in ``layers.catalog.CATALOG_MODULES``."""

from __future__ import annotations

from importlib import import_module

from processing.pipeline import Step

#: Analysis packages, each exposing ``STEP``.
STEP_PACKAGES: list[str] = [
    "processing.inputs_step",
    "processing.solar",
    "processing.wind",
    "processing.geothermal",
    "processing.heat_recovery",
    "processing.green_roofs",
    "processing.corridors",
    "processing.districts",
    "processing.targets",
]


def all_steps() -> list[Step]:
    """Every registered step, in registry order."""
    return [import_module(package).STEP for package in STEP_PACKAGES]
