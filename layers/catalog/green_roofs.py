"""Output layer of the green-roofs step (one feature per roof face of the solar step)."""

from __future__ import annotations

from layers.catalog.spec import Category, CommuneSum, Field, LayerSpec, Style

#: FLL slope classes (processing.green_roofs.classes).
GREEN_CLASSES = ("flat", "pitched", "steep_with_measures", "too_steep", "too_small")
#: The one use each face is given; no area counts twice.
ROOF_USES = ("biosolar", "pv_only", "green_only", "none")
#: FLL build-ups (processing.green_roofs.effects.RUNOFF_COEFFICIENT).
BUILDUPS = ("extensive_2_4cm", "extensive_4_6cm", "extensive_6_10cm", "extensive_10_15cm", "extensive_15_20cm",
            "intensive_15_25cm", "intensive_25_50cm", "intensive_over_50cm")
#: Where the annual precipitation comes from.
PRECIPITATION_SOURCES = ("region", "default_estimate")

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="green_roofs",
        title="Green-roof potential",
        description="One feature per roof face of the solar cadastre (same face_id and outline): FLL slope "
                    "class, the face's one use (biosolar, PV only, green only or none), greenable area after "
                    "the edge strip, stormwater retained (FLL runoff coefficient of the build-up), "
                    "evapotranspiration and its latent cooling, and whether the roof is a stepping stone of the "
                    "green network. Join to solar_roofs on face_id (text, one row per face).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("building_id", "str", description="Building the face belongs to."),
            Field("face_id", "str", description="Roof face (solar_roofs.face_id)."),
            Field("commune", "str", description="Commune of the building, as in solar_roofs (representative point "
                  "of its footprint).", required=False),
            Field("area_m2", "float", "m2", "True (sloped) area of the face."),
            Field("tilt_deg", "float", "deg", "Tilt from horizontal."),
            Field("green_class", "str", description="FLL slope class, or too small to green.", values=GREEN_CLASSES),
            Field("use", "str", description="The face's one use.", values=ROOF_USES),
            Field("green_area_m2", "float", "m2", "Greened area (green only or biosolar), edge strip excluded."),
            Field("pv_area_m2", "float", "m2", "Module area PV claims (PV only or biosolar)."),
            Field("biosolar_area_m2", "float", "m2", "Green area carrying PV modules as well."),
            Field("buildup", "str", description="Green-roof build-up assumed (FLL).", values=BUILDUPS,
                  required=False),
            Field("runoff_coefficient", "float", "", "FLL annual runoff coefficient of the build-up.",
                  required=False),
            Field("retention_mm_yr", "float", "mm yr-1", "Precipitation kept on the roof per year (FLL coefficients "
                  "for 650-800 mm/yr of precipitation; extrapolated outside that range, and the run says so)."),
            Field("retention_m3_yr", "float", "m3 yr-1", "Stormwater kept out of the sewer per year."),
            Field("evapotranspiration_mm_yr", "float", "mm yr-1", "Water evaporated by the roof per year."),
            Field("latent_cooling_mwh_yr", "float", "MWh yr-1", "Heat taken up by that evapotranspiration."),
            Field("stepping_stone", "bool", description="Green area large enough to count as a stepping stone "
                  "of the green network (lowers its resistance when [params.corridors] "
                  "green_roof_stepping_stones is on)."),
            Field("precipitation", "str", description="Annual precipitation from the region or the default "
                  "(estimate).", values=PRECIPITATION_SOURCES),
        ),
        style=Style(field="use", fill_opacity=0.8, categories=(
            Category("biosolar", "biosolar (PV on a green roof)", "#1b7837"),
            Category("green_only", "green roof", "#7fbf7b"),
            Category("pv_only", "PV only", "#fdae61"),
            Category("none", "neither", "#d9d9d9"),
        )),
        key_fields=("use", "green_class", "green_area_m2", "retention_m3_yr", "pv_area_m2", "tilt_deg"),
        produced_by="green_roofs",
    ),
)

#: Commune indicators of the green-roofs step.
COMMUNE_SUMS: tuple[CommuneSum, ...] = (
    CommuneSum(Field("green_roof_m2", "float", "m2", "Greenable roof area (green-only and biosolar faces)."),
               "green_roofs", "green_area_m2"),
    CommuneSum(Field("green_roof_retention_m3_yr", "float", "m3 yr-1", "Stormwater those green roofs would retain."),
               "green_roofs", "retention_m3_yr"),
    CommuneSum(Field("biosolar_m2", "float", "m2", "Flat roof area suitable for PV on a green roof."),
               "green_roofs", "biosolar_area_m2"),
    CommuneSum(Field("green_roof_stepping_stone_m2", "float", "m2", "Green area of the stepping-stone roofs: what "
                     "green roofs would add to the green network (the corridors count it when [params.corridors] "
                     "green_roof_stepping_stones is on)."),
               "green_roofs", "green_area_m2", where="stepping_stone"),
)
