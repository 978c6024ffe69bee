"""Output layers of the solar-roof step."""

from __future__ import annotations

from itertools import pairwise

from layers.catalog.spec import Category, Field, LayerSpec, Style

SOLAR_CLASSES = ("very_good", "good", "conditional", "unsuitable")
#: Default thresholds of the first three classes as shares of the regional optimum's irradiation [-]: >= 0.95
#: very good, 0.80-0.95 good, 0.75-0.80 conditional, below unsuitable (Baden-Württemberg / Swiss cadastres,
#: docs/REFERENCES.md). The solar step's parameters (very_good_share, good_share, conditional_share) and its
#: classifier default to them, and the legend below is built from them.
DEFAULT_CLASS_SHARES: dict[str, float] = {"very_good": 0.95, "good": 0.80, "conditional": 0.75}
#: Where a face's geometry comes from: segmented from the surface model, or built from building attributes.
FACE_SOURCES = ("dsm", "attributes")
#: Confidence of a face's geometry: high from a surface model, low from attributes.
FACE_CONFIDENCE = ("high", "low")
#: Where the real sky comes from: the region's hourly file, its monthly climate table (scaling clear sky), or the
#: built-in default monthly table (an estimate).
CLIMATE_SOURCES = ("hourly_file", "climate_table", "default_estimate")
#: Legend colour of each class.
_CLASS_COLORS = {"very_good": "#d7191c", "good": "#fdae61", "conditional": "#ffffbf", "unsuitable": "#abd9e9"}


def _class_categories() -> tuple[Category, ...]:
    """Legend of the classes at their default thresholds, e.g. "good (80-95 %)"."""
    pct = [round(100 * DEFAULT_CLASS_SHARES[c]) for c in SOLAR_CLASSES[:3]]
    ranges = [f">= {pct[0]} % of optimum, default thresholds",
              *(f"{lo}-{hi} %" for hi, lo in pairwise(pct)), f"< {pct[-1]} %"]
    return tuple(Category(c, f"{c.replace('_', ' ')} ({r})", _CLASS_COLORS[c])
                 for c, r in zip(SOLAR_CLASSES, ranges, strict=True))


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
            Field("commune", "str", description="Commune of the building: the one holding its footprint's "
                  "representative point (layers.communes, method representative_point).", required=False),
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
            Field("class", "str", description="Suitability as a share of the regional optimum (thresholds: the "
                  "solar step's very_good_share, good_share and conditional_share; by default 0.95, 0.80, 0.75).",
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
        style=Style(field="class", fill_opacity=0.8, categories=_class_categories()),
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
