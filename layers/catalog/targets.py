"""Output layers of the climate-targets step: emissions against the region's ``[targets]`` per commune and
sector, the gap in each target year, and how much of it the mapped potentials close.

Emissions are t CO2e yr-1 (the inventory's unit); the avoided emissions of the potentials are CO2 from the
emission factors (``processing/emission_factors.py``), counted against them as CO2e.
"""

from __future__ import annotations

from layers.catalog.inputs import GHG_SECTORS
from layers.catalog.spec import Field, LayerSpec, Style

#: The row summing a commune's sectors.
TOTAL_SECTOR = "total"
#: Sector values of the output rows.
TARGET_SECTORS = (*GHG_SECTORS, TOTAL_SECTOR)
#: Kinds of target year: a reduction vs the base year, or climate neutrality (the region's
#: ``neutrality_reduction_pct``, 100 % unless the rest is compensated).
TARGET_KINDS = ("reduction", "neutrality")
#: The potentials credited against the gap, and the sector each is credited to.
POTENTIAL_SECTORS = {"pv": "electricity", "wind": "electricity", "heat_pump": "buildings_heat",
                     "district_heating": "buildings_heat"}

_COMMUNE = (
    Field("commune", "str", description="Commune name."),
    Field("code", "str", description="Commune code (the inventory's)."),
)
_POTENTIALS = (
    Field("pv_t_yr", "float", "t CO2e yr-1", "Emissions roof PV on the suitable roof faces avoids: its energy "
          "× the grid factor (electricity sector)."),
    Field("wind_t_yr", "float", "t CO2e yr-1", "Emissions the wind-turbine sites avoid: their net energy × the "
          "grid factor (electricity sector)."),
    Field("heat_pump_t_yr", "float", "t CO2e yr-1", "Emissions ground-source heat pumps avoid: delivered heat "
          "÷ boiler efficiency × the displaced fuel's factor, minus their electricity × the grid factor; heat "
          "that recovered heat already supplies is not counted twice (buildings-heat sector)."),
    Field("district_heating_t_yr", "float", "t CO2e yr-1", "Emissions recovered excess heat delivered into "
          "district-heating areas avoids, net of the electricity of its heat pumps (buildings-heat sector)."),
)
_GAP = (
    Field("target_t_yr", "float", "t CO2e yr-1", "Emissions allowed in the target year: base × (1 − reduction)."),
    Field("gap_t_yr", "float", "t CO2e yr-1", "Reduction still needed by the target year: latest − target "
          "(0 when the latest emissions already meet it)."),
    *_POTENTIALS,
    Field("avoidable_t_yr", "float", "t CO2e yr-1", "What the four potentials avoid together in this sector, "
          "at most its latest emissions."),
    Field("coverable_t_yr", "float", "t CO2e yr-1", "Part of the gap the potentials close: the smaller of "
          "avoidable and gap."),
    Field("uncovered_t_yr", "float", "t CO2e yr-1", "Part of the gap no mapped potential closes: gap − coverable."),
    Field("coverable_share_pct", "float", "%", "Coverable share of the gap (empty when there is no gap).",
          required=False),
)
_STATUS = (
    Field("path_latest_t_yr", "float", "t CO2e yr-1",
          "Emissions the target path allows in the latest inventory year."),
    Field("behind_t_yr", "float", "t CO2e yr-1", "How far the latest emissions lie above the path: latest − path "
          "(0 when on track)."),
    Field("on_track", "bool", description="Whether the latest emissions are at or below the target path."),
    Field("status", "str", description="'on track', or 'behind by N t' (t CO2e yr-1 above the path)."),
)

#: Tracking of observed installations (input ``installations``); empty without it. The pace is the mean of the
#: last :data:`processing.targets.installations.PACE_YEARS` years up to the latest installation year.
_INSTALLATIONS = (
    Field("pv_installed_kwp", "float", "kWp", "Roof PV installed up to the latest installation year.",
          required=False),
    Field("pv_potential_kwp", "float", "kWp", "Roof-PV potential on the suitable roof faces (commune "
          "indicators).", required=False),
    Field("pv_realised_pct", "float", "%", "Installed share of that potential.", required=False),
    Field("pv_pace_kwp_yr", "float", "kWp yr-1", "Roof PV installed per year lately.", required=False),
    Field("pv_needed_kwp_yr", "float", "kWp yr-1", "Roof PV to install per year from the latest installation "
          "year to realise the whole potential by the target year.", required=False),
    Field("heat_pumps_installed", "float", description="Heat pumps installed up to the latest installation year.",
          required=False),
    Field("heat_pumps_pace_yr", "float", "yr-1", "Heat pumps installed per year lately.", required=False),
    Field("dh_connections_installed", "float", description="District-heating connections made up to the latest "
          "installation year.", required=False),
    Field("dh_connections_pace_yr", "float", "yr-1", "District-heating connections per year lately.",
          required=False),
)

TARGET_FIELDS: tuple[Field, ...] = (
    *_COMMUNE,
    Field("sector", "str", description="Inventory sector, or 'total' (the commune's sectors summed, with its "
          "own gap).", values=TARGET_SECTORS),
    Field("target_year", "int", "yr", "Year of the target this row measures against."),
    Field("target_kind", "str", description="'reduction' (vs the base year) or 'neutrality' (the cut the region "
          "counts as neutrality: 100 % unless the rest is compensated).",
          values=TARGET_KINDS),
    Field("reduction_pct", "float", "%", "Reduction vs the base year the target asks for."),
    Field("base_year", "int", "yr", "Base year of the targets."),
    Field("base_t_yr", "float", "t CO2e yr-1", "Emissions in the base year."),
    Field("latest_year", "int", "yr", "Latest year of the commune's inventory."),
    Field("latest_t_yr", "float", "t CO2e yr-1", "Emissions in the latest year."),
    Field("change_pct", "float", "%", "Change from the base year to the latest year (negative: fallen); empty "
          "without base-year emissions.", required=False),
    *_GAP,
    *_STATUS,
)

COMMUNE_TARGET_FIELDS: tuple[Field, ...] = (
    *_COMMUNE,
    Field("target_year", "int", "yr", "The next target year after the latest inventory year (else the last)."),
    Field("reduction_pct", "float", "%", "Reduction vs the base year the target asks for."),
    Field("base_year", "int", "yr", "Base year of the targets."),
    Field("base_t_yr", "float", "t CO2e yr-1", "Emissions in the base year, all sectors."),
    Field("latest_year", "int", "yr", "Latest year of the commune's inventory."),
    Field("latest_t_yr", "float", "t CO2e yr-1", "Emissions in the latest year, all sectors."),
    Field("change_pct", "float", "%", "Change from the base year to the latest year (negative: fallen).",
          required=False),
    *_GAP,
    *_STATUS,
    Field("neutrality_year", "int", "yr", "Year of climate neutrality (empty without one).", required=False),
    Field("neutrality_uncovered_t_yr", "float", "t CO2e yr-1", "Gap to the neutrality year's target left after "
          "the mapped potentials (latest − avoidable at a 100 % neutrality; empty without a neutrality year).",
          required=False),
    *_INSTALLATIONS,
)

PATH_FIELDS: tuple[Field, ...] = (
    *_COMMUNE,
    Field("sector", "str", description="Inventory sector, or 'total'.", values=TARGET_SECTORS),
    Field("year", "int", "yr", "Year."),
    Field("path_t_yr", "float", "t CO2e yr-1", "Emissions the target path allows that year."),
    Field("observed_t_yr", "float", "t CO2e yr-1", "Inventory emissions that year (empty: no inventory).",
          required=False),
)

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="climate_targets",
        title="Climate targets by sector",
        description="Per commune, sector and target year: base-year and latest emissions, the target, the gap, "
                    "the part of it each mapped potential (roof PV, wind, heat pumps, recovered heat) closes and "
                    "what remains uncovered; on-track status against the target path.",
        kind="table",
        role="output",
        fields=TARGET_FIELDS,
        produced_by="targets",
    ),
    LayerSpec(
        id="climate_target_communes",
        title="Climate targets",
        description="Per commune, all sectors: status against the target path ('on track' / 'behind by N t'), "
                    "the gap to the next target and the share of it the mapped potentials can close.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=COMMUNE_TARGET_FIELDS,
        style=Style(field="coverable_share_pct", fill_opacity=0.6, stops=(0.0, 50.0, 100.0),
                    colors=("#d7191c", "#ffffbf", "#1a9641"), unit="% of the gap coverable"),
        key_fields=("commune", "status", "target_year", "gap_t_yr", "coverable_share_pct", "uncovered_t_yr",
                    "latest_t_yr", "change_pct"),
        produced_by="targets",
    ),
    LayerSpec(
        id="climate_target_path",
        title="Target path and observed emissions",
        description="Per commune, sector and year from the base year to the last target: the emissions the "
                    "target path allows and, where the inventory has the year, the observed emissions.",
        kind="table",
        role="output",
        fields=PATH_FIELDS,
        produced_by="targets",
    ),
)
