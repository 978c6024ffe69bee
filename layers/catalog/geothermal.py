"""Output layers of the geothermal and heat-demand step."""

from __future__ import annotations

from layers.catalog.spec import Category, Field, LayerSpec, Style

#: Drilling permission classes (least to most severe), as in the Luxembourg drilling-permission map.
RESTRICTION_CLASSES = ("allowed", "conditions", "depth_limited", "forbidden")
#: Hotmaps district-heating feasibility bands: < 20, 20-50, 50-120, 120-300, > 300 TJ km-2 yr-1.
HEAT_DENSITY_BANDS = ("not_feasible", "future_potential", "feasible_with_support", "feasible", "very_feasible")
#: What the per-building layer recommends.
RECOMMENDATIONS = ("district_heating", "ground_source_heat_pump", "ground_source_heat_pump_partial",
                   "no_probe_space", "depth_limit_too_shallow", "drilling_forbidden", "no_ground_data")

_BAND_COLORS = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
_BAND_CATEGORIES = tuple(Category(v, label, c) for v, label, c in zip(
    HEAT_DENSITY_BANDS, ("< 20 TJ/km² (not feasible)", "20-50 TJ/km² (future potential)",
                         "50-120 TJ/km² (feasible with support)", "120-300 TJ/km² (feasible)",
                         "> 300 TJ/km² (very feasible)"), _BAND_COLORS))

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="geothermal_potential",
        title="Shallow geothermal potential",
        description="Sustainable heat from one 100 m borehole heat exchanger (G.POT, Casasso & Sethi 2016), "
                    "from the thermal conductivity of the mapped lithology. Drilling restrictions are a "
                    "separate layer.",
        kind="raster",
        role="output",
        unit="MWh yr-1",
        style=Style(stops=(5.0, 7.0, 9.0, 11.0), colors=("#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f"),
                    unit="MWh yr-1"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="geothermal_conductivity",
        title="Ground thermal conductivity",
        description="Typical thermal conductivity of the mapped lithology (VDI 4640-1 values, overridable "
                    "per region; some values are labelled estimates).",
        kind="raster",
        role="output",
        unit="W m-1 K-1",
        style=Style(stops=(1.0, 1.5, 2.0, 2.5, 3.0), colors=("#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c"),
                    unit="W m-1 K-1"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="geothermal_extraction_vdi",
        title="Specific heat extraction (VDI 4640-2, indicative)",
        description="INDICATIVE specific heat extraction of a borehole from the VDI 4640-2 (2001) general "
                    "guideline rows (withdrawn in 2019; small heating-only systems, 40-100 m probes).",
        kind="raster",
        role="output",
        unit="W m-1",
        style=Style(stops=(25.0, 60.0, 84.0), colors=("#fee8c8", "#fdbb84", "#e34a33"), unit="W m-1"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="geothermal_restrictions",
        title="Geothermal drilling restrictions",
        description="Where drilling is forbidden, depth-limited or subject to conditions, and why: one "
                    "polygon per restricting feature (they may overlap).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("restriction_class", "str", description="Drilling permission, in the classes of the Luxembourg "
                  "drilling-permission map; contaminated sites, mining zones, Natura 2000 and flood zones take "
                  "the class set in [params.geothermal] (default conditions, a project default).",
                  values=("depth_limited", "conditions", "forbidden")),
            Field("source", "str", description="Input layer the restriction comes from."),
            Field("max_depth_m", "float", "m", "Maximum probe depth where depth-limited.", required=False),
            Field("detail", "str", description="The input's own class, kind or designation.", required=False),
        ),
        style=Style(field="restriction_class", fill_opacity=0.35, categories=(
            Category("conditions", "conditions", "#fee08b"), Category("depth_limited", "depth limited", "#fdae61"),
            Category("forbidden", "forbidden", "#d7191c"))),
        key_fields=("restriction_class", "source", "max_depth_m", "detail"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="heat_demand_density",
        title="Heat demand density",
        description="Building heat demand on a 1-ha grid aligned to 100 m, with its district-heating "
                    "feasibility band (Hotmaps TJ/km² bands; 1 TJ/km² = 2.778 MWh/ha).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("demand_mwh_ha_yr", "float", "MWh ha-1 yr-1", "Heat demand of the cell."),
            Field("band", "str", description="Feasibility band (Hotmaps TJ/km2 bands).", values=HEAT_DENSITY_BANDS),
            Field("cell_id", "str", description="Cell id: E and N of the lower-left corner in hectometres."),
            Field("demand_tj_km2_yr", "float", "TJ km-2 yr-1", "Heat demand density in Hotmaps units."),
            Field("buildings", "int", description="Buildings whose centroid lies in the cell."),
        ),
        style=Style(field="demand_mwh_ha_yr", fill_opacity=0.6, stops=(50.0, 150.0, 333.0, 800.0),
                    colors=("#ffffcc", "#fed976", "#fd8d3c", "#bd0026"), unit="MWh ha-1 yr-1"),
        key_fields=("demand_mwh_ha_yr", "band", "demand_tj_km2_yr", "buildings"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="district_heating_areas",
        title="District-heating areas",
        description="Connected dense-demand areas with the critical mass for a heat network (cells ≥ 333 "
                    "MWh/ha/yr, total ≥ 30 GWh/yr by default), with street heat density and nearby "
                    "waste-heat sources. The demand each area could cover with recovered excess heat is in "
                    "heat_recovery_areas: join on area_id (integer, one row per area).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("demand_gwh_yr", "float", "GWh yr-1", "Total heat demand."),
            Field("area_ha", "float", "ha", "Area."),
            Field("band", "str", description="Feasibility band of the mean density.", values=HEAT_DENSITY_BANDS),
            Field("area_id", "int", description="Area number, 1 = largest demand."),
            Field("cells", "int", description="Number of 1-ha cells."),
            Field("mean_density_mwh_ha_yr", "float", "MWh ha-1 yr-1", "Mean heat demand density."),
            Field("street_length_m", "float", "m", "Length of streets inside the area.", required=False),
            Field("linear_heat_density_mwh_m_yr", "float", "MWh m-1 yr-1",
                  "Heat demand per metre of street (≥ 1.5 is worth a network).", required=False),
            Field("heat_sources", "str", description="Waste-heat sources within the search distance.",
                  required=False),
            Field("heat_sources_count", "int", description="Number of waste-heat sources within the distance."),
            Field("heat_sources_mwh_yr", "float", "MWh yr-1", "Known recoverable heat of those sources."),
        ),
        style=Style(field="band", fill_opacity=0.4, categories=_BAND_CATEGORIES),
        key_fields=("demand_gwh_yr", "area_ha", "band", "linear_heat_density_mwh_m_yr", "heat_sources"),
        produced_by="geothermal",
    ),
    LayerSpec(
        id="building_heat_supply",
        title="Building heat: heat pump or heat network",
        description="Per building: heat demand, borehole heat exchangers that fit on its plot and their "
                    "supply, the drilling restriction, and whether it lies in a district-heating area.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("building_id", "str", description="Building identifier."),
            Field("use", "str", description="Main use."),
            Field("heated_area_m2", "float", "m2", "Heated floor area."),
            Field("specific_demand_kwh_m2_yr", "float", "kWh m-2 yr-1",
                  "Specific heat demand (space heating and hot water) by use and construction period."),
            Field("demand_mwh_yr", "float", "MWh yr-1", "Heat demand."),
            Field("conductivity_w_mk", "float", "W m-1 K-1", "Ground thermal conductivity.", required=False),
            Field("probes", "int", description="Borehole heat exchangers that fit on the plot."),
            Field("probe_depth_m", "float", "m", "Probe length (depth-limited where a zone says so).",
                  required=False),
            Field("field_factor", "float", "", "Sustainable extraction per probe of this field relative to a "
                  "probe alone (g-functions of the layout class; 1 for one probe), 0-1."),
            Field("ground_heat_mwh_yr", "float", "MWh yr-1", "Heat the probes can extract from the ground for "
                  "the whole lifetime above the minimum fluid temperature (G.POT per probe x probes x field "
                  "factor)."),
            Field("delivered_heat_mwh_yr", "float", "MWh yr-1", "Heat the heat pump delivers from that ground "
                  "heat: ground x SPF / (SPF - 1)."),
            Field("heat_pump_electricity_mwh_yr", "float", "MWh yr-1", "Electricity the heat pump draws to "
                  "deliver it: delivered / SPF."),
            Field("coverage_ratio", "float", description="Delivered heat / demand.", required=False),
            Field("restriction_class", "str", description="Drilling permission at the probes (or the plot "
                  "when none fits).", values=RESTRICTION_CLASSES),
            Field("in_district_heating_area", "bool", description="Whether the building lies in a "
                  "district-heating area."),
            Field("recommendation", "str", description="Heat pump here, or heat network here.",
                  values=RECOMMENDATIONS),
        ),
        style=Style(field="recommendation", fill_opacity=0.7, categories=(
            Category("district_heating", "heat network", "#e6550d"),
            Category("ground_source_heat_pump", "ground-source heat pump", "#31a354"),
            Category("ground_source_heat_pump_partial", "heat pump, partial cover", "#a1d99b"),
            Category("no_probe_space", "no room for probes", "#bdbdbd"),
            Category("depth_limit_too_shallow", "depth limit too shallow", "#fdae61"),
            Category("drilling_forbidden", "drilling forbidden", "#d7191c"),
            Category("no_ground_data", "no geology data", "#ffffff"))),
        key_fields=("recommendation", "use", "demand_mwh_yr", "probes", "probe_depth_m", "delivered_heat_mwh_yr",
                    "coverage_ratio", "restriction_class"),
        produced_by="geothermal",
    ),
)
