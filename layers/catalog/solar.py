"""Output layers of the solar-roof step."""

from __future__ import annotations

from layers.catalog.spec import Category, Field, LayerSpec, Style

SOLAR_CLASSES = ("very_good", "good", "conditional", "unsuitable")
#: Where a face's geometry comes from: segmented from the surface model, or built from building attributes.
FACE_SOURCES = ("dsm", "attributes")
#: Confidence of a face's geometry: high from a surface model, low from attributes.
FACE_CONFIDENCE = ("high", "low")
#: Where the real sky comes from: the region's hourly file, its monthly climate table (scaling clear sky), or the
#: built-in default monthly table (an estimate).
CLIMATE_SOURCES = ("hourly_file", "climate_table", "default_estimate")

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="solar_roofs",
        title="Solar roof potential",
        description="One feature per roof face: real-sky irradiation (terrain and building shading included), usable "
                    "area, PV capacity, yield and class. Never clear-sky figures. Each face's green-roof "
                    "class, use (biosolar, PV only, green only) and effects are in green_roofs: join on face_id "
                    "(text, one row per face).",
        kind="vector",
        role="output",
        geometry="Polygon",
        fields=(
            Field("building_id", "str", description="Building the face belongs to."),
            Field("face_id", "str", description="Roof face identifier, unique in the layer."),
            Field("commune", "str", description="Commune the building lies in.", required=False),
            Field("area_m2", "float", "m2", "True (sloped) area of the face."),
            Field("tilt_deg", "float", "deg", "Tilt from horizontal."),
            Field("azimuth_deg", "float", "deg", "Downslope direction, 0 = north, clockwise."),
            Field("module_tilt_deg", "float", "deg", "Tilt of the modules: the face's own, or the racked rows' on a "
                  "flat face."),
            Field("module_azimuth_deg", "float", "deg", "Facing of the modules, 0 = north, clockwise (the face's "
                  "own, or the racked rows' on a flat face)."),
            Field("irradiation_kwh_m2_yr", "float", "kWh m-2 yr-1", "Mean real-sky irradiation on the modules' plane."),
            Field("usable_area_m2", "float", "m2", "Module area the face holds (on a flat face: the racked rows, "
                  "spaced for no shading at winter-solstice noon)."),
            Field("kwp", "float", "kWp", "Installable peak power."),
            Field("yield_kwh_yr", "float", "kWh yr-1", "AC energy per year after system losses."),
            Field("specific_yield_kwh_kwp", "float", "kWh kWp-1 yr-1", "Yield per installed kWp."),
            Field("class", "str", description="Suitability as a share of the regional optimum.",
                  values=SOLAR_CLASSES),
            Field("co2_avoided_t_yr", "float", "t yr-1", "CO2 avoided per year at the grid emission factor."),
            Field("suitable", "bool", description="Whether the face counts as roof-PV potential (class very good, "
                  "good or conditional: usable area and at least the conditional share of the regional optimum). "
                  "The commune indicators sum kwp and yield_kwh_yr of these faces by commune."),
            Field("share_of_optimum", "float", "", "Irradiation as a share of the region's best unshaded orientation."),
            Field("shading_loss_pct", "float", "%", "Irradiation lost to the horizon (terrain, buildings, own roof)."),
            Field("sky_view_factor", "float", "", "Share of the face's unobstructed sky diffuse it receives."),
            Field("source", "str", description="Face geometry from the surface model or from building attributes.",
                  values=FACE_SOURCES),
            Field("confidence", "str", description="Confidence of the face geometry.", values=FACE_CONFIDENCE),
            Field("climate", "str", description="Real-sky scaling from the region's climate table or the default "
                  "(estimate).", values=CLIMATE_SOURCES),
        ),
        style=Style(field="class", fill_opacity=0.8, categories=(
            Category("very_good", "very good (>= 95 % of optimum)", "#d7191c"),
            Category("good", "good (80-94 %)", "#fdae61"),
            Category("conditional", "conditional (75-79 %)", "#ffffbf"),
            Category("unsuitable", "unsuitable (< 75 %)", "#abd9e9"),
        )),
        key_fields=("class", "irradiation_kwh_m2_yr", "yield_kwh_yr", "kwp", "tilt_deg", "azimuth_deg"),
        produced_by="solar",
    ),
    LayerSpec(
        id="solar_irradiation",
        title="Solar irradiation",
        description="Real-sky irradiation on roof cells, on their roof face's plane with each cell's own horizon "
                    "shading.",
        kind="raster",
        role="output",
        unit="kWh m-2 yr-1",
        style=Style(stops=(400.0, 700.0, 900.0, 1100.0, 1300.0),
                    colors=("#2c7bb6", "#abd9e9", "#ffffbf", "#fdae61", "#d7191c"), unit="kWh m-2 yr-1"),
        produced_by="solar",
    ),
)
