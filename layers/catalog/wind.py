"""Output layers of the wind step."""

from __future__ import annotations

from layers.catalog.spec import Field, LayerSpec, Style

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="wind_speed_hub",
        title="Wind speed at hub height",
        description="Mean wind speed at the turbine hub height (150 m by default; the GeoTIFF tag HUB_HEIGHT_M "
                    "states the height used), extrapolated from a wind atlas or a reference speed with the log "
                    "law and land-cover roughness.",
        kind="raster",
        role="output",
        unit="m s-1",
        style=Style(stops=(4.0, 5.0, 6.0, 7.0, 8.0),
                    colors=("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"), unit="m s-1"),
        produced_by="wind",
    ),
    LayerSpec(
        id="wind_exclusions",
        title="Wind exclusions",
        description="Excluded land, one feature per combination of exclusion rules, with the rules that "
                    "exclude it and why.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("rules", "str", description="Comma-separated ids of the exclusion rules that apply."),
            Field("reasons", "str", description="What each rule excludes, e.g. 'dwellings: within 750 m of a "
                  "dwelling'."),
            Field("area_ha", "float", "ha", "Area of the excluded part."),
        ),
        style=Style(color="#bd0026", fill_opacity=0.35),
        key_fields=("reasons", "rules", "area_ha"),
        produced_by="wind",
    ),
    LayerSpec(
        id="wind_eligible_areas",
        title="Wind eligible areas",
        description="Land left after every exclusion, larger than the minimum area.",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("area_ha", "float", "ha", "Area."),
            Field("turbine_count", "int", description="Turbine sites placed in the area."),
            Field("commune", "str", description="Commune holding most of the area (layers.communes, method "
                  "largest_overlap).", required=False),
        ),
        style=Style(color="#31a354", fill_opacity=0.5),
        produced_by="wind",
    ),
    LayerSpec(
        id="wind_turbine_sites",
        title="Wind turbine sites",
        description="Turbine positions with their expected annual energy.",
        kind="vector",
        role="output",
        geometry="Point",
        fields=(
            Field("turbine", "str", description="Turbine type (windpowerlib id)."),
            Field("hub_height_m", "float", "m", "Hub height."),
            Field("rotor_diameter_m", "float", "m", "Rotor diameter."),
            Field("capacity_mw", "float", "MW", "Rated power."),
            Field("wind_speed_ms", "float", "m s-1", "Mean wind speed at hub height."),
            Field("air_density_kg_m3", "float", "kg m-3", "Air density at hub height (standard atmosphere)."),
            Field("aep_gross_mwh_yr", "float", "MWh yr-1", "Gross annual energy production."),
            Field("aep_net_mwh_yr", "float", "MWh yr-1", "Net annual energy after losses and calibration."),
            Field("full_load_hours", "float", "h yr-1", "Net energy divided by rated power."),
            Field("capacity_factor", "float", "", "Net energy divided by rated power times 8,760 h."),
            Field("commune", "str", description="Commune holding the site (layers.communes, method largest_overlap: "
                  "for a point, the commune it lies in).", required=False),
        ),
        style=Style(color="#08306b", radius=6.0),
        key_fields=("turbine", "capacity_mw", "hub_height_m", "wind_speed_ms", "aep_net_mwh_yr", "full_load_hours",
                    "capacity_factor", "commune"),
        produced_by="wind",
    ),
)
