"""Output layers of the solar-roof step."""

from __future__ import annotations

from layers.catalog.spec import Category, Field, LayerSpec, Style

SOLAR_CLASSES = ("very_good", "good", "conditional", "unsuitable")

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="solar_roofs",
        title="Solar roof potential",
        description="One feature per roof face: real-sky irradiation, usable area, PV capacity, yield and class.",
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
            Field("irradiation_kwh_m2_yr", "float", "kWh m-2 yr-1", "Mean real-sky plane-of-array irradiation."),
            Field("usable_area_m2", "float", "m2", "Area usable for modules."),
            Field("kwp", "float", "kWp", "Installable peak power."),
            Field("yield_kwh_yr", "float", "kWh yr-1", "AC energy per year after system losses."),
            Field("specific_yield_kwh_kwp", "float", "kWh kWp-1 yr-1", "Yield per installed kWp."),
            Field("class", "str", description="Suitability as a share of the regional optimum.",
                  values=SOLAR_CLASSES),
            Field("co2_avoided_t_yr", "float", "t yr-1", "CO2 avoided per year at the grid emission factor."),
        ),
        style=Style(field="class", fill_opacity=0.8, categories=(
            Category("very_good", "very good (>= 95 % of optimum)", "#d7191c"),
            Category("good", "good (80-94 %)", "#fdae61"),
            Category("conditional", "conditional (75-79 %)", "#ffffbf"),
            Category("unsuitable", "unsuitable (< 75 %)", "#abd9e9"),
        )),
        produced_by="solar",
    ),
    LayerSpec(
        id="solar_irradiation",
        title="Solar irradiation",
        description="Real-sky irradiation on the surface model (tilted surfaces, shading included).",
        kind="raster",
        role="output",
        unit="kWh m-2 yr-1",
        style=Style(stops=(400.0, 700.0, 900.0, 1100.0, 1300.0),
                    colors=("#2c7bb6", "#abd9e9", "#ffffbf", "#fdae61", "#d7191c"), unit="kWh m-2 yr-1"),
        produced_by="solar",
    ),
)
