"""Climate-plan targets and trajectories (issue 18, part A): how far the mapped potentials carry each commune
toward its reduction targets and climate neutrality.

The region's ``[targets]`` (base year, reductions by target year, neutrality year, path shape) and a
greenhouse-gas inventory (``ghg_inventory``) give, per commune and sector, the target path, the on-track
status and the gap in each target year; the potentials of the other analyses (``commune_indicators``, the
heat-recovery layers) give the part of each gap they close. Modules, one concern each: :mod:`.trajectory`
(the path), :mod:`.inventory` (checks and base/latest emissions), :mod:`.gap` (target arithmetic),
:mod:`.coverage` (avoided emissions of the potentials), :mod:`.installations` (observed installations against
the potentials), :mod:`.step` (the layers).
"""

from __future__ import annotations

from processing.pipeline import MapPage, Step
from processing.targets.params import TargetsParams
from processing.targets.step import OUTPUTS, run

STEP = Step(
    name="targets",
    title="Climate targets and trajectories",
    inputs=("communes",),
    optional_inputs=("ghg_inventory", "installations", "commune_indicators", "heat_recovery_areas",
                     "heat_recovery_links"),
    outputs=OUTPUTS,
    params=TargetsParams,
    run=run,
    maps=(MapPage("Climate targets", "each commune against the region's targets: on track or behind, the gap to "
                  "the next target and the share of it the mapped potentials can close",
                  layers=("climate_target_communes",)),),
    commune_layers=("climate_target_communes",),
    commune_hidden=("climate_target_communes",),
)

__all__ = ["STEP", "TargetsParams"]
