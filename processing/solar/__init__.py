"""Solar-roof cadastre: per-roof-face real-sky irradiation with terrain and building shading, kWp, kWh/yr and
suitability classes (issue 4).

Modules: ``terrain`` (slope, aspect), ``horizon`` (ray-marched horizon angles, sky-view factors), ``sky``
(pvlib sun positions, Ineichen clear sky, real-sky scaling, Erbs, Perez/Hay-Davies), ``faces`` (roof faces
from the DSM or from attributes), ``shading`` (per-face shading tables), ``pv`` (PVWatts-style yield, regional
optimum), ``classes`` (usable area, classes), ``rasters`` (windowed raster I/O), ``step`` (the entry point).

Conventions: azimuth in degrees from north, clockwise (pvlib's too: 180 = south); a face's azimuth is its
downslope direction. Irradiation figures are real sky (clear sky scaled by a monthly clear-sky index), never
clear sky.
"""

from processing.pipeline import Step
from processing.solar.params import SolarParams
from processing.solar.step import run

STEP = Step(
    name="solar",
    title="Solar roof potential",
    inputs=("buildings", "dem", "communes"),
    optional_inputs=("dsm", "climate"),
    outputs=("solar_roofs", "solar_irradiation"),
    params=SolarParams,
    run=run,
)

__all__ = ["STEP", "SolarParams"]
