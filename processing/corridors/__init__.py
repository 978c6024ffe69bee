"""Green, blue and black ecological networks: habitat cores, resistance, least-cost corridors, connectivity
indices and barriers (issue 7).

Per sub-network: a resistance surface from declarative tables (``resistance``; for black, the green surface
multiplied by the light model of ``light``), habitat cores from land cover and protected areas (``cores``),
least-cost links between neighbouring cores in certified windows (``costdist``, ``linkage``), IIC, PC and
dPC fractions (``connectivity``), barriers ranked by link importance (``barriers``) and per-commune
summaries (``summary``).

Memory: the resistance surface (4 bytes per cell), the core labels (4) and, while neighbouring pairs are
found, the Euclidean allocation (8 bytes per cell); cost distances are computed window by window per core
pair (``costdist`` states how the window is chosen).

Windows and workers (issue 11): the heavy part, one cost-distance run per core over the core's bounding box
and its neighbours' grown by ``window_margin_m`` (doubled up to ``max_window_margin_m`` until the link is
certified), runs on ``ctx.executor`` — in-process or on Dask workers — a few cores ahead of the west-to-east
sweep that solves the links, so the runs held at once follow the sweep front. The resistance and light
surfaces are rasterised window by window in-process (no halo: each cell reads the features under it; the
lamp distance reads the lamps within the light influence distance).
"""

from __future__ import annotations

from processing.corridors.params import CorridorsParams
from processing.corridors.step import OUTPUTS, run
from processing.corridors.stepping_stones import stepping_stone_inputs
from processing.pipeline import MapPage, MapSubset, Step

__all__ = ["STEP", "CorridorsParams", "run"]

STEP = Step(
    name="corridors",
    title="Green, blue and black corridors",
    inputs=("landcover", "communes"),
    optional_inputs=("protected_areas", "waterways", "water_bodies", "wetlands", "roads", "railways",
                     "streetlights", "night_lights"),
    inputs_for=stepping_stone_inputs,
    outputs=OUTPUTS,
    params=CorridorsParams,
    run=run,
    default_resolution_m=10.0,
    maps=(MapPage("Ecological corridors", "green, blue and black habitat cores, corridors, paths and barriers",
                  subsets=(MapSubset("green_roofs", "stepping_stone", "Green roofs used as stepping stones"),)),),
    commune_layers=("corridors", "corridor_paths"),
    district_layers=("habitat_cores", "corridors", "corridor_paths", "corridor_commune_summary"),
)
