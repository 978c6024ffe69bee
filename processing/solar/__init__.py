"""Solar-roof cadastre: per-roof-face real-sky irradiation with terrain and building shading, kWp, kWh/yr and
suitability classes (issue 4).

Modules: ``terrain`` (slope, aspect), ``horizon`` (ray-marched horizon angles, sky-view factors), ``sky``
(pvlib sun positions, Ineichen clear sky, real-sky scaling, Erbs, Perez/Hay-Davies), ``faces`` (roof faces
from the DSM or from attributes), ``shading`` (per-face shading tables), ``pv`` (PVWatts-style yield, regional
optimum), ``classes`` (usable area, classes), ``rasters`` (windowed raster I/O), ``params`` (the step's
parameters), ``step`` (the entry point).

Per face (``solar_roofs``): true 3-D area, tilt, azimuth, mean real-sky irradiation with its own horizon
shading, usable area, kWp, yield, specific yield, class relative to the region's best unshaded orientation,
CO2 avoided, plus where the geometry came from (``source``: DSM segmentation or attributes, with a
``confidence``) and what scaled the sky (``climate``: the region's table or the labelled default estimate).
Per roof cell (``solar_irradiation``, a GeoTIFF written window by window): the irradiation of the cell on
its face's plane with the cell's own horizon [kWh m-2 yr-1].

Conventions: azimuth in degrees from north, clockwise (pvlib's too: 180 = south); a face's azimuth is its
downslope direction. Irradiation figures are real sky (clear sky scaled by a monthly clear-sky index), never
clear sky.
"""

from processing.pipeline import MapPage, Step
from processing.solar.params import SolarParams
from processing.solar.step import run

STEP = Step(
    name="solar",
    title="Solar roof potential",
    inputs=("buildings", "dem", "communes"),
    optional_inputs=("dsm", "climate", "climate_hourly"),
    outputs=("solar_roofs", "solar_irradiation"),
    params=SolarParams,
    run=run,
    default_resolution_m=1.0,
    maps=(MapPage("Solar roofs", "irradiation, PV capacity and yield per roof face, with suitability classes"),),
    commune_layers=("solar_roofs",),
    district_layers=("solar_roofs",),
)

__all__ = ["STEP", "SolarParams"]
