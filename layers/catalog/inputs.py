"""Canonical input layers (DESIGN.md): what every region provides, from its own files or the demo generator.

Readers map a source's attributes onto these fields; the analyses rely on nothing else. Optional inputs may
be missing: the analyses that use them degrade and say so.
"""

from __future__ import annotations

from layers.catalog.spec import Category, Field, LayerSpec, Style

LANDCOVER_CLASSES = ("forest", "grassland", "cropland", "urban", "industrial", "brownfield", "water", "wetland")
BUILDING_USES = ("residential", "commercial", "industrial", "public", "mixed", "agricultural")
ROOF_SHAPES = ("flat", "gable", "hip", "shed")
ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "residential", "service", "track")
RAILWAY_KINDS = ("rail", "tram", "disused")
PROTECTED_DESIGNATIONS = ("natura2000_habitats", "natura2000_birds", "nature_reserve", "biosphere")
PROTECTED_ZONES = ("core", "buffer", "transition", "whole")
DRILLING_CLASSES = ("allowed", "depth_limited", "conditions", "forbidden")
#: Lithologies with a VDI 4640-1 thermal conductivity (processing/geothermal/conductivity.py holds λ and source
#: per class; a test keeps the two lists equal): loose sediments, sedimentary, igneous and metamorphic rocks.
LITHOLOGIES = ("clay", "sand", "gravel", "alluvium", "till", "peat", "claystone", "sandstone", "conglomerate", "marl",
               "limestone", "dolomite", "anhydrite", "gypsum", "rock_salt", "coal", "ironstone", "granite", "diorite",
               "gabbro", "rhyolite", "basalt", "tuff", "gneiss", "migmatite", "amphibolite", "schist", "slate",
               "quartzite", "marble")
MINING_KINDS = ("gallery", "subsidence", "open_pit")
TRANSIT_MODES = ("rail", "bus", "tram")
WATERWAY_KINDS = ("river", "stream", "canal", "ditch")
#: Sectors of a greenhouse-gas inventory. The targets step credits the mapped potentials to two of them: roof PV
#: and wind to ``electricity``, heat pumps and recovered heat to ``buildings_heat``.
GHG_SECTORS = ("buildings_heat", "electricity", "transport", "industry", "agriculture", "waste", "other")
#: Kinds of observed installations, with their unit: roof PV in kWp, heat pumps and district-heating
#: connections in units.
INSTALLATION_KINDS = ("pv_kwp", "heat_pumps", "dh_connections")

LANDCOVER_COLORS = {
    "forest": "#1b7837",
    "grassland": "#a6d96a",
    "cropland": "#f6e8a0",
    "urban": "#bdbdbd",
    "industrial": "#8c6bb1",
    "brownfield": "#a6611a",
    "water": "#4393c3",
    "wetland": "#80cdc1",
}


def _categories(colors: dict[str, str]) -> tuple[Category, ...]:
    return tuple(Category(value=k, label=k.replace("_", " "), color=v) for k, v in colors.items())


LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="communes",
        title="Communes",
        description="Municipal boundaries of the region, with their area.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(
            Field("name", "str", description="Commune name."),
            Field("code", "str", description="Official commune code (LAU2 or INSEE), or a generated one."),
            Field("area_km2", "float", "km2", "Planar area in the region CRS.", required=False),
        ),
        style=Style(color="#222222", fill_opacity=0.0, weight=2.0),
        produced_by="inputs",
    ),
    LayerSpec(
        id="dem",
        title="Digital terrain model",
        description="Ground elevation above sea level.",
        kind="raster",
        role="input",
        unit="m",
        style=Style(stops=(250.0, 300.0, 350.0, 400.0, 450.0),
                    colors=("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"), unit="m"),
        produced_by="inputs",
    ),
    LayerSpec(
        id="dsm",
        title="Digital surface model",
        description="Elevation of the top surface (roofs, trees) above sea level, over built-up areas.",
        kind="raster",
        role="input",
        unit="m",
        optional=True,
        style=Style(stops=(250.0, 350.0, 450.0), colors=("#000000", "#808080", "#ffffff"), unit="m"),
        produced_by="inputs",
    ),
    LayerSpec(
        id="buildings",
        title="Buildings",
        description="Building footprints with height, storeys, use, construction year and roof shape.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(
            Field("building_id", "str", description="Stable building identifier."),
            Field("height_m", "float", "m", "Height from ground to the highest roof point."),
            Field("levels", "int", description="Number of storeys above ground."),
            Field("use", "str", description="Main use.", values=BUILDING_USES),
            Field("year_built", "int", "yr", "Construction year."),
            Field("roof_shape", "str", description="Roof shape.", values=ROOF_SHAPES),
            Field("roof_tilt_deg", "float", "deg", "Tilt of the roof faces from horizontal.", required=False),
            Field("roof_azimuth_deg", "float", "deg",
                  "Azimuth of the main roof face's downslope direction, 0 = north, clockwise.", required=False),
        ),
        style=Style(field="use", categories=_categories({
            "residential": "#e31a1c", "commercial": "#1f78b4", "industrial": "#6a3d9a",
            "public": "#33a02c", "mixed": "#ff7f00", "agricultural": "#b15928"})),
        produced_by="inputs",
    ),
    LayerSpec(
        id="landcover",
        title="Land cover",
        description="Land-cover polygons tiling the region in canonical classes.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("class", "str", description="Land-cover class.", values=LANDCOVER_CLASSES),),
        style=Style(field="class", fill_opacity=0.6, categories=_categories(LANDCOVER_COLORS)),
        produced_by="inputs",
    ),
    LayerSpec(
        id="waterways",
        title="Waterways",
        description="Rivers, streams and canals as centre lines.",
        kind="vector",
        role="input",
        geometry="LineString",
        fields=(
            Field("waterway", "str", description="Kind of waterway.", values=WATERWAY_KINDS),
            Field("name", "str", description="Name, where known.", required=False),
            Field("width_m", "float", "m", "Channel width, where known.", required=False),
        ),
        style=Style(color="#2166ac", weight=2.0),
        produced_by="inputs",
    ),
    LayerSpec(
        id="water_bodies",
        title="Water bodies",
        description="Lakes, ponds and reservoirs.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("name", "str", description="Name, where known.", required=False),),
        style=Style(color="#4393c3", fill_opacity=0.7),
        produced_by="inputs",
    ),
    LayerSpec(
        id="wetlands",
        title="Wetlands",
        description="Marshes, wet meadows and reed beds.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("name", "str", description="Name, where known.", required=False),),
        style=Style(color="#80cdc1", fill_opacity=0.6),
        produced_by="inputs",
    ),
    LayerSpec(
        id="roads",
        title="Roads",
        description="Road centre lines by class.",
        kind="vector",
        role="input",
        geometry="LineString",
        fields=(
            Field("road_class", "str", description="Road class (OpenStreetMap highway scheme).", values=ROAD_CLASSES),
            Field("name", "str", description="Name, where known.", required=False),
        ),
        style=Style(color="#636363", weight=1.5),
        produced_by="inputs",
    ),
    LayerSpec(
        id="railways",
        title="Railways",
        description="Railway and tram lines.",
        kind="vector",
        role="input",
        geometry="LineString",
        fields=(Field("kind", "str", description="Kind of line.", values=RAILWAY_KINDS),),
        style=Style(color="#000000", weight=2.0),
        produced_by="inputs",
    ),
    LayerSpec(
        id="power_lines",
        title="Power lines",
        description="Overhead power lines with their voltage.",
        kind="vector",
        role="input",
        geometry="LineString",
        fields=(Field("voltage_kv", "float", "kV", "Nominal voltage."),),
        style=Style(color="#ff7f00", weight=1.5),
        produced_by="inputs",
    ),
    LayerSpec(
        id="streetlights",
        title="Street lights",
        description="Street lamps as points.",
        kind="vector",
        role="input",
        geometry="Point",
        fields=(
            Field("flux_lm", "float", "lm", "Luminous flux of the lamp, where known.", required=False),
            Field("height_m", "float", "m", "Lamp height above ground, where known.", required=False),
        ),
        style=Style(color="#ffd700", radius=2.0),
        produced_by="inputs",
    ),
    LayerSpec(
        id="night_lights",
        title="Night-time lights",
        description="Upward night-time radiance (e.g. VIIRS).",
        kind="raster",
        role="input",
        unit="nW cm-2 sr-1",
        optional=True,
        style=Style(stops=(0.0, 5.0, 20.0, 60.0), colors=("#000004", "#721f81", "#f1605d", "#fcfdbf"),
                    unit="nW cm-2 sr-1"),
        produced_by="inputs",
    ),
    LayerSpec(
        id="protected_areas",
        title="Protected areas",
        description="Natura 2000 sites, nature reserves and biosphere zones with their designation and zone.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(
            Field("name", "str", description="Site name.", required=False),
            Field("designation", "str", description="Legal designation.", values=PROTECTED_DESIGNATIONS),
            Field("zone", "str", description="Zone of the designation (a biosphere has core, buffer and transition"
                  " zones; other designations apply as a whole).", values=PROTECTED_ZONES),
        ),
        style=Style(field="designation", fill_opacity=0.3, categories=_categories({
            "natura2000_habitats": "#006d2c", "natura2000_birds": "#31a354",
            "nature_reserve": "#74c476", "biosphere": "#c7e9c0"})),
        produced_by="inputs",
    ),
    LayerSpec(
        id="water_protection_zones",
        title="Drinking-water protection zones",
        description="Drilling permission classes from the drinking-water protection map.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(
            Field("drilling_class", "str", description="Drilling permission.", values=DRILLING_CLASSES),
            Field("max_depth_m", "float", "m", "Maximum drilling depth where depth-limited.", required=False),
        ),
        style=Style(field="drilling_class", fill_opacity=0.4, categories=_categories({
            "allowed": "#ffffff", "depth_limited": "#fdae61", "conditions": "#fee08b", "forbidden": "#d7191c"})),
        produced_by="inputs",
    ),
    LayerSpec(
        id="geology",
        title="Geology",
        description="Surface lithology of the first 100 m.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("lithology", "str", description="Dominant lithology.", values=LITHOLOGIES),),
        style=Style(field="lithology", fill_opacity=0.5, categories=_categories({
            "limestone": "#8dd3c7", "sandstone": "#ffffb3", "marl": "#bebada", "clay": "#fb8072",
            "ironstone": "#b3541e", "alluvium": "#80b1d3", "sand": "#fdb462", "gravel": "#b3de69",
            "granite": "#e78ac3", "gneiss": "#c51b7d", "basalt": "#4d4d4d", "schist": "#8073ac",
            "quartzite": "#fee0b6", "dolomite": "#b2abd2"})),
        produced_by="inputs",
    ),
    LayerSpec(
        id="mining_zones",
        title="Mining zones",
        description="Former iron-ore galleries, subsidence areas and open pits.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("kind", "str", description="Kind of mining legacy.", values=MINING_KINDS),),
        style=Style(color="#7f3b08", fill_opacity=0.4),
        produced_by="inputs",
    ),
    LayerSpec(
        id="contaminated_sites",
        title="Contaminated sites",
        description="Registered contaminated or suspected sites (CASIPO-like register).",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("status", "str", description="Register status.", values=("confirmed", "suspected")),),
        style=Style(color="#b2182b", fill_opacity=0.4),
        produced_by="inputs",
    ),
    LayerSpec(
        id="transit_stops",
        title="Transit stops",
        description="Railway stations, tram and bus stops.",
        kind="vector",
        role="input",
        geometry="Point",
        fields=(
            Field("mode", "str", description="Transit mode.", values=TRANSIT_MODES),
            Field("name", "str", description="Stop name, where known.", required=False),
        ),
        style=Style(field="mode", categories=_categories({"rail": "#000000", "bus": "#1f78b4", "tram": "#e7298a"})),
        produced_by="inputs",
    ),
    LayerSpec(
        id="brownfields",
        title="Brownfields",
        description="Former industrial land available for redevelopment.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("name", "str", description="Site name, where known.", required=False),),
        style=Style(color="#a6611a", fill_opacity=0.5),
        produced_by="inputs",
    ),
    LayerSpec(
        id="airports",
        title="Airports and airfields",
        description="Aerodrome areas.",
        kind="vector",
        role="input",
        geometry="Polygon",
        fields=(Field("name", "str", description="Aerodrome name, where known.", required=False),),
        style=Style(color="#525252", fill_opacity=0.4),
        produced_by="inputs",
    ),
    LayerSpec(
        id="flood_zones",
        title="Flood zones",
        description="Areas flooded in the reference flood (e.g. HQ100).",
        kind="vector",
        role="input",
        geometry="Polygon",
        optional=True,
        fields=(Field("return_period_yr", "int", "yr", "Return period of the mapped flood.", required=False),),
        style=Style(color="#2b8cbe", fill_opacity=0.3),
        produced_by="inputs",
    ),
    LayerSpec(
        id="heat_sources",
        title="Waste-heat sources",
        description="Industrial sites or plants whose waste heat could feed a heat network.",
        kind="vector",
        role="input",
        geometry="Point",
        optional=True,
        fields=(
            Field("name", "str", description="Site name.", required=False),
            Field("heat_mwh_yr", "float", "MWh yr-1", "Recoverable heat per year, where known.", required=False),
            Field("source_type", "str", description="incinerator, steel, industry, data_centre or wastewater "
                  "(missing values take the type's documented defaults).", required=False),
            Field("temperature_c", "float", "degC", "Temperature level of the excess heat, where known.",
                  required=False),
            Field("availability_h_yr", "float", "h yr-1", "Hours per year the heat is available, where known.",
                  required=False),
        ),
        style=Style(color="#e6550d", radius=6.0),
        produced_by="inputs",
    ),
    LayerSpec(
        id="districts",
        title="Districts",
        description="Neighbourhoods or planning districts, candidate units for test districts when given.",
        kind="vector",
        role="input",
        geometry="Polygon",
        optional=True,
        fields=(Field("name", "str", description="District name.", required=False),),
        style=Style(color="#737373", fill_opacity=0.1),
        produced_by="inputs",
    ),
    LayerSpec(
        id="wind_speed",
        title="Wind atlas",
        description="Mean wind speed from a wind atlas, at the height the region config states.",
        kind="raster",
        role="input",
        unit="m s-1",
        optional=True,
        style=Style(stops=(3.0, 5.0, 7.0, 9.0), colors=("#f7fbff", "#9ecae1", "#3182bd", "#08306b"), unit="m s-1"),
        produced_by="inputs",
    ),
    LayerSpec(
        id="climate",
        title="Monthly climate",
        description="Monthly global horizontal irradiation and air temperature, for real-sky solar figures.",
        kind="table",
        role="input",
        optional=True,
        fields=(
            Field("month", "int", description="Month, 1 = January."),
            Field("ghi_kwh_m2", "float", "kWh m-2", "Global horizontal irradiation in the month (all sky)."),
            Field("temp_air_c", "float", "degC", "Mean air temperature in the month."),
        ),
        produced_by="inputs",
    ),
    LayerSpec(
        id="climate_hourly",
        title="Hourly climate (TMY)",
        description="Hourly global horizontal irradiance and air temperature of a typical meteorological year "
                    "or a measured year; when given, the solar analysis uses it instead of the monthly table.",
        kind="table",
        role="input",
        optional=True,
        fields=(
            Field("time", "str", description="Start of the hour (ISO 8601, any year; mapped onto the "
                                              "representative year by month, day and hour, in UTC)."),
            Field("ghi_w_m2", "float", "W m-2", "Mean global horizontal irradiance over the hour."),
            Field("temp_air_c", "float", "degC", "Mean air temperature over the hour."),
        ),
        produced_by="inputs",
    ),
    LayerSpec(
        id="ghg_inventory",
        title="Greenhouse-gas inventory",
        description="Emissions per commune, year and sector (a territorial inventory such as a climate pact's "
                    "or a covenant's), any number of years; the climate-targets analysis needs the base year of "
                    "the region's [targets] and takes the latest year as the current state.",
        kind="table",
        role="input",
        optional=True,
        fields=(
            Field("code", "str", description="Commune code, as in the communes input's code."),
            Field("year", "int", "yr", "Year of the emissions."),
            Field("sector", "str", description="Emitting sector.", values=GHG_SECTORS),
            Field("emissions_t_yr", "float", "t CO2e yr-1", "Greenhouse-gas emissions of the sector in the commune "
                  "that year, in CO2 equivalents."),
            Field("sector_source", "str", description="The sector as the source names it, before values (or a "
                  "[classes] alias) mapped it onto sector; filled by the reader. Rows of several source sectors "
                  "mapped onto one sector (Résidentiel and Tertiaire, or Kaukolämpö, Sähkölämmitys and "
                  "Öljylämmitys → buildings_heat) are summed per code, year and sector, and the run says so; a "
                  "source sector given twice for a code and year is a double entry and refused.", required=False),
        ),
        produced_by="inputs",
    ),
    LayerSpec(
        id="installations",
        title="Observed installations",
        description="What was installed per commune and year (e.g. from subsidy or grid-connection registers): "
                    "roof PV in kWp, heat pumps and district-heating connections in units; the climate-targets "
                    "analysis tracks their pace against the potentials.",
        kind="table",
        role="input",
        optional=True,
        fields=(
            Field("code", "str", description="Commune code, as in the communes input's code."),
            Field("year", "int", "yr", "Year of installation."),
            Field("kind", "str", description="What was installed: pv_kwp (roof PV, kWp), heat_pumps or "
                  "dh_connections (units).", values=INSTALLATION_KINDS),
            Field("added", "float", description="Installed that year, in the kind's unit (kWp or units)."),
        ),
        produced_by="inputs",
    ),
)
