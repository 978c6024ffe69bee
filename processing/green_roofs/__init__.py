"""Green roofs on the solar cadastre's roof faces (issue 17).

After municipal green-roof cadastres (German "Gründachkataster") and the FLL green-roof guideline: each roof
face of the solar step gets an FLL slope class (:mod:`.classes`), exactly one use — biosolar, PV only, green
only or none — so no area counts twice, its greenable area after the edge strip, and its effects with units
(:mod:`.effects`: stormwater retained from the region's precipitation and the build-up's FLL runoff
coefficient, evapotranspiration and its latent cooling); large green roofs are flagged as stepping stones of
the green network. :mod:`.assess` does the per-face work, :mod:`.step` the step.
"""

from __future__ import annotations

from processing.green_roofs.params import GreenRoofsParams
from processing.green_roofs.step import run
from processing.pipeline import MapPage, Step

STEP = Step(
    name="green_roofs",
    title="Green roofs and biosolar roofs",
    inputs=("solar_roofs",),
    outputs=("green_roofs",),
    params=GreenRoofsParams,
    run=run,
    maps=(MapPage("Green roofs", "green-roof, biosolar and PV-only roof faces with FLL slope classes and "
                  "stormwater retained"),),
    commune_layers=("green_roofs",),
    commune_hidden=("green_roofs",),
    district_layers=("green_roofs",),
)

__all__ = ["STEP", "GreenRoofsParams"]
