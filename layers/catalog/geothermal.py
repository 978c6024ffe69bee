"""Output layers of the geothermal and heat-demand step."""

from __future__ import annotations

from layers.catalog.spec import Field, LayerSpec, Style

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="geothermal_potential",
        title="Shallow geothermal potential",
        description="Sustainable heat from one 100 m borehole heat exchanger (G.POT, Casasso & Sethi 2016).",
        kind="raster",
        role="output",
        unit="MWh yr-1",
        style=Style(stops=(5.0, 7.0, 9.0, 11.0), colors=("#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f"),
                    unit="MWh yr-1"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="geothermal_restrictions",
        title="Geothermal drilling restrictions",
        description="Where drilling is forbidden, depth-limited or subject to conditions, and why.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("restriction_class", "str", description="Drilling permission.",
                  values=("depth_limited", "conditions", "forbidden")),
            Field("source", "str", description="Input layer the restriction comes from."),
            Field("max_depth_m", "float", "m", "Maximum probe depth where depth-limited.", required=False),
        ),
        style=Style(color="#d7191c", fill_opacity=0.35),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="heat_demand_density",
        title="Heat demand density",
        description="Building heat demand on a 1-ha grid, with its district-heating feasibility band.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("demand_mwh_ha_yr", "float", "MWh ha-1 yr-1", "Heat demand of the cell."),
            Field("band", "str", description="Feasibility band (Hotmaps TJ/km2 bands)."),
        ),
        style=Style(field="demand_mwh_ha_yr", fill_opacity=0.6, stops=(50.0, 150.0, 333.0, 800.0),
                    colors=("#ffffcc", "#fed976", "#fd8d3c", "#bd0026"), unit="MWh ha-1 yr-1"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="district_heating_areas",
        title="District-heating areas",
        description="Connected dense-demand areas with the critical mass for a heat network.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("demand_gwh_yr", "float", "GWh yr-1", "Total heat demand."),
            Field("area_ha", "float", "ha", "Area."),
            Field("band", "str", description="Feasibility band of the mean density."),
        ),
        style=Style(color="#e6550d", fill_opacity=0.4),
        produced_by="geothermal",
    ),
)
