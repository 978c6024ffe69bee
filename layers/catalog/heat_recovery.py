"""Output layers of the heat-recovery step (excess heat matched to district-heating areas)."""

from __future__ import annotations

from layers.catalog.spec import Category, CommuneSum, Field, LayerSpec, Style

#: Source types with documented defaults (processing.heat_recovery.sources).
SOURCE_TYPES = ("incinerator", "steel", "industry", "data_centre", "wastewater")
#: How a line's length was found.
ROUTE_METHODS = ("roads", "straight_line")

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="heat_recovery_links",
        title="Excess-heat transmission lines",
        description="Lines that would bring excess heat from a source to a district-heating area, along the "
                    "roads where a road path exists, with the heat they carry, their losses, investment and "
                    "levelised cost of the transported heat (Hotmaps cost table, annuity). Only lines under "
                    "the cost ceiling that the allocation uses are listed.",
        kind="vector",
        role="output",
        geometry="LineString",
        fields=(
            Field("source_id", "str", description="Source the line starts from (heat_sources_assessed)."),
            Field("source_name", "str", description="Name of that source."),
            Field("area_id", "int", description="District-heating area the line feeds (area_id)."),
            Field("sent_mwh_yr", "float", "MWh yr-1", "Heat sent into the line at the source."),
            Field("delivered_mwh_yr", "float", "MWh yr-1", "Heat arriving in the area after losses."),
            Field("loss_mwh_yr", "float", "MWh yr-1", "Heat lost along the line."),
            Field("length_m", "float", "m", "Length of the line (road path, or straight line × detour factor)."),
            Field("straight_distance_m", "float", "m", "Straight distance from the source to the area."),
            Field("route", "str", description="How the length was found.", values=ROUTE_METHODS),
            Field("capacity_mw", "float", "MW", "Peak power: heat sent over the source's hours of availability."),
            Field("capacity_class_mw", "float", "MW", "Upper bound of the pipe's capacity class."),
            Field("pipe_cost_eur_m", "float", "EUR m-1", "Pipe cost per metre of trench of that class."),
            Field("investment_eur", "float", "EUR", "Pipe, heat exchangers and pump, times the cost factor."),
            Field("annual_cost_eur_yr", "float", "EUR yr-1", "Annuity of the investment plus operation."),
            Field("cost_eur_mwh", "float", "EUR MWh-1", "Levelised cost of the delivered heat."),
            Field("heat_pump_electricity_mwh_yr", "float", "MWh yr-1",
                  "Electricity of the heat pump lifting a low-temperature source (0 when none)."),
            Field("co2_avoided_t_yr", "float", "t yr-1",
                  "CO2 of the displaced boilers minus that of the heat pump's electricity."),
        ),
        style=Style(field="cost_eur_mwh", weight=4.0, stops=(2.0, 5.0, 10.0, 20.0),
                    colors=("#1a9850", "#a6d96a", "#fdae61", "#d73027"), unit="EUR MWh-1"),
        key_fields=("source_name", "area_id", "delivered_mwh_yr", "length_m", "cost_eur_mwh", "capacity_mw"),
        produced_by="heat_recovery",
    ),
    LayerSpec(
        id="heat_sources_assessed",
        title="Excess-heat sources: used and unused heat",
        description="Every excess-heat source with its values (defaults by source type where the input gave "
                    "none, flagged), the heat a network could take from it, and how much the allocation uses.",
        kind="vector",
        role="output",
        geometry="Point",
        fields=(
            Field("source_id", "str", description="Source identifier (S1, S2, ...)."),
            Field("name", "str", description="Source name."),
            Field("source_type", "str", description="Kind of source.", values=SOURCE_TYPES),
            Field("heat_mwh_yr", "float", "MWh yr-1", "Excess heat available at the source."),
            Field("temperature_c", "float", "degC", "Temperature level of the excess heat."),
            Field("availability_h_yr", "float", "h yr-1", "Hours per year the heat is available."),
            Field("defaulted", "str", description="Fields taken from the type's defaults (empty: all given): "
                  "estimates of a typical plant, the incinerator's scaled on Luxembourg's SIDOR; give the source's "
                  "own figures in the heat_sources input.", required=False),
            Field("heat_pump", "bool", description="Whether the source is below the network temperature and "
                  "needs a heat pump."),
            Field("cop", "float", "", "Coefficient of performance of that heat pump.", required=False),
            Field("deliverable_mwh_yr", "float", "MWh yr-1",
                  "Heat a network can take from the source (heat-pump output where one is needed)."),
            Field("used_mwh_yr", "float", "MWh yr-1", "Heat the allocation sends into lines."),
            Field("unused_mwh_yr", "float", "MWh yr-1", "Deliverable heat left unused (used + unused = deliverable)."),
            Field("used_share", "float", "", "Used share of the deliverable heat, 0-1."),
            Field("delivered_mwh_yr", "float", "MWh yr-1", "Heat arriving in areas after line losses."),
            Field("links", "int", description="Number of lines from the source."),
            Field("areas", "str", description="District-heating areas fed (area_id).", required=False),
        ),
        style=Style(field="source_type", radius=8.0, fill_opacity=0.9, categories=(
            Category("incinerator", "waste incinerator", "#7f2704"),
            Category("steel", "steel works", "#525252"),
            Category("industry", "industry", "#d94801"),
            Category("data_centre", "data centre", "#6a51a3"),
            Category("wastewater", "waste-water plant", "#2171b5"),
        )),
        key_fields=("name", "source_type", "deliverable_mwh_yr", "used_mwh_yr", "unused_mwh_yr", "defaulted"),
        produced_by="heat_recovery",
    ),
    LayerSpec(
        id="heat_recovery_areas",
        title="District-heating areas: demand covered by excess heat",
        description="The district-heating areas of the geothermal step (same area_id and outline) with the "
                    "share of their demand that recovered excess heat covers, its sources, transport cost and "
                    "CO2 avoided. Join to district_heating_areas on area_id (integer, one row per area).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("area_id", "int", description="District-heating area (district_heating_areas.area_id)."),
            Field("commune", "str", description="Commune holding the area's representative point (layers.communes, "
                  "method representative_point).", required=False),
            Field("demand_mwh_yr", "float", "MWh yr-1", "Heat demand of the area."),
            Field("base_load_mwh_yr", "float", "MWh yr-1", "Part of the demand a steady supply can cover."),
            Field("excess_heat_mwh_yr", "float", "MWh yr-1", "Demand covered by recovered excess heat."),
            Field("excess_heat_share", "float", "", "Share of the demand covered by excess heat, 0-1."),
            Field("sources", "str", description="Sources feeding the area.", required=False),
            Field("transport_cost_eur_mwh", "float", "EUR MWh-1",
                  "Annual cost of the area's lines over the heat they deliver.", required=False),
            Field("co2_avoided_t_yr", "float", "t yr-1", "CO2 avoided by the recovered heat."),
        ),
        style=Style(field="excess_heat_share", fill_opacity=0.5, stops=(0.0, 0.1, 0.25, 0.5),
                    colors=("#f7f7f7", "#fdd49e", "#fc8d59", "#d7301f"), unit="share of demand"),
        key_fields=("area_id", "commune", "demand_mwh_yr", "excess_heat_mwh_yr", "excess_heat_share", "sources"),
        produced_by="heat_recovery",
    ),
)

#: Commune indicators of the heat-recovery step.
COMMUNE_SUMS: tuple[CommuneSum, ...] = (
    CommuneSum(Field("excess_heat_used_gwh_yr", "float", "GWh yr-1", "Recovered excess heat delivered into the "
                     "commune's district-heating areas (heat-recovery step)."),
               "heat_recovery_areas", "excess_heat_mwh_yr", divide_by=1e3),
    CommuneSum(Field("co2_excess_heat_t_yr", "float", "t yr-1", "CO2 avoided by that heat against gas boilers, net "
                     "of heat-pump electricity (not in co2_avoidable_t_yr: it heats the same district-heating "
                     "buildings)."),
               "heat_recovery_areas", "co2_avoided_t_yr"),
)
