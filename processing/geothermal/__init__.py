"""Geothermal cadastre with demand analysis (issue 6).

Three things side by side, for the planner's "heat pump here, or heat network here":

- what the ground gives: λ by lithology (:mod:`.conductivity`, VDI 4640-1), the indicative VDI 4640-2
  W/m class, and G.POT heat per 100 m probe (:mod:`.gpot`, Casasso & Sethi 2016), as rasters;
- where drilling is restricted (:mod:`.restrictions`), kept apart from the potential;
- where heat is needed: building demand (:mod:`.demand`), its 1-ha density with Hotmaps bands
  (:mod:`.hectare`) and district-heating areas (:mod:`.district_heating`);
- per building, the probes that fit on its plot and their supply (:mod:`.probes`).

The step itself is :mod:`.step`; its parameters :class:`.params.GeothermalParams`.
"""

from __future__ import annotations

from processing.geothermal.params import GeothermalParams
from processing.geothermal.step import run
from processing.pipeline import MapPage, Step

STEP = Step(
    name="geothermal",
    title="Geothermal potential, restrictions and heat demand",
    inputs=("geology", "buildings"),
    optional_inputs=("water_protection_zones", "contaminated_sites", "mining_zones", "protected_areas",
                     "flood_zones", "roads", "heat_sources"),
    outputs=("geothermal_potential", "geothermal_conductivity", "geothermal_extraction_vdi",
             "geothermal_restrictions", "heat_demand_density", "district_heating_areas", "building_heat_supply"),
    params=GeothermalParams,
    run=run,
    default_resolution_m=10.0,
    maps=(MapPage("Geothermal and heat",
                  "ground potential, drilling restrictions, heat demand and district-heating areas"),),
    commune_layers=("district_heating_areas",),
    district_layers=("heat_demand_density", "district_heating_areas", "geothermal_potential",
                     "geothermal_restrictions", "building_heat_supply"),
)

__all__ = ["STEP", "GeothermalParams"]
