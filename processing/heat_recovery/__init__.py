"""Waste-heat recovery matched to district-heating demand (issue 17).

After the Hotmaps "Excess heat transport potential" module and the Heat Roadmap Europe heat synergy regions
(Persson et al. 2014): excess-heat sources (:mod:`.sources`, documented defaults by type) are joined to the
district-heating areas of the geothermal step by transmission lines (:mod:`.routes`, along roads where they
exist) whose cost and losses grow with length and capacity (:mod:`.costs`, Hotmaps cost table, annuity); a
mixed-integer programme (:mod:`.allocation`) sends each source's heat to the areas it reaches, limited by
their base-load demand, on lines whose levelised cost stays under a ceiling; :mod:`.matching` assembles the
links, the sources with used / unused heat and the areas with their coverage. The step is :mod:`.step`.
"""

from __future__ import annotations

from processing.heat_recovery.params import HeatRecoveryParams
from processing.heat_recovery.step import run
from processing.pipeline import MapPage, Step

STEP = Step(
    name="heat_recovery",
    title="Waste-heat recovery matched to district-heating demand",
    inputs=("district_heating_areas",),
    optional_inputs=("heat_sources", "roads", "communes"),
    outputs=("heat_recovery_links", "heat_sources_assessed", "heat_recovery_areas"),
    params=HeatRecoveryParams,
    run=run,
    maps=(MapPage("Waste-heat recovery", "excess-heat sources with used and unused heat, transmission lines with "
                  "their cost, and the share of district-heating demand they cover"),),
    commune_layers=("heat_recovery_areas", "heat_recovery_links", "heat_sources_assessed"),
    commune_hidden=("heat_recovery_areas",),
    district_layers=("heat_recovery_areas",),
)

__all__ = ["STEP", "HeatRecoveryParams"]
