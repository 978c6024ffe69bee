"""The declarative OpenStreetMap → canonical-input mapping (one table, overridable from the region file).

Each :class:`TagRule` says: an OSM object of this geometry kind carrying ``key`` with one of ``values``
(any value when ``None``) becomes a feature of the canonical input ``target``, with the canonical fields in
``set``. Attribute fields that need parsing (heights, levels, voltages, names) are read by the converters of
:mod:`layers.ingest.osm`. The README documents this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Geometry = Literal["point", "line", "area"]


@dataclass(frozen=True)
class TagRule:
    target: str
    geometry: Geometry
    key: str
    values: tuple[str, ...] | None = None
    set: dict[str, str] = field(default_factory=dict)

    def matches(self, tags) -> bool:
        value = tags.get(self.key)
        if value is None or value == "no":
            return False
        return self.values is None or value in self.values


def _rules(target: str, geometry: Geometry, key: str, mapping: dict[str, str], field_name: str) -> list[TagRule]:
    """One rule per OSM value, setting ``field_name`` to the canonical value."""
    return [TagRule(target, geometry, key, (osm,), {field_name: canonical}) for osm, canonical in mapping.items()]


DEFAULT_RULES: tuple[TagRule, ...] = (
    TagRule("buildings", "area", "building"),
    # land cover: landuse / natural / leisure → canonical classes
    *_rules("landcover", "area", "landuse", {
        "forest": "forest", "meadow": "grassland", "grass": "grassland", "village_green": "grassland",
        "recreation_ground": "grassland", "farmland": "cropland", "orchard": "cropland", "vineyard": "cropland",
        "allotments": "cropland", "greenhouse_horticulture": "cropland", "residential": "urban", "retail": "urban",
        "commercial": "urban", "industrial": "industrial", "railway": "industrial", "quarry": "industrial",
        "brownfield": "brownfield", "construction": "brownfield", "landfill": "brownfield", "reservoir": "water",
        "basin": "water"}, "class"),
    *_rules("landcover", "area", "natural", {
        "wood": "forest", "grassland": "grassland", "heath": "grassland", "scrub": "grassland",
        "water": "water", "wetland": "wetland"}, "class"),
    *_rules("landcover", "area", "leisure", {"park": "grassland", "garden": "grassland"}, "class"),
    # water
    *_rules("waterways", "line", "waterway", {"river": "river", "stream": "stream", "canal": "canal",
                                              "ditch": "ditch", "drain": "ditch"}, "waterway"),
    TagRule("water_bodies", "area", "natural", ("water",)),
    TagRule("water_bodies", "area", "landuse", ("reservoir", "basin")),
    TagRule("wetlands", "area", "natural", ("wetland",)),
    # transport and energy networks
    *_rules("roads", "line", "highway", {
        "motorway": "motorway", "motorway_link": "motorway", "trunk": "trunk", "trunk_link": "trunk",
        "primary": "primary", "primary_link": "primary", "secondary": "secondary", "secondary_link": "secondary",
        "tertiary": "tertiary", "tertiary_link": "tertiary", "residential": "residential",
        "living_street": "residential", "unclassified": "residential", "service": "service", "track": "track"},
        "road_class"),
    *_rules("railways", "line", "railway", {"rail": "rail", "light_rail": "rail", "narrow_gauge": "rail",
                                            "tram": "tram", "disused": "disused", "abandoned": "disused"}, "kind"),
    TagRule("power_lines", "line", "power", ("line", "minor_line", "cable")),
    TagRule("streetlights", "point", "highway", ("street_lamp",)),
    # transit stops
    *_rules("transit_stops", "point", "railway", {"station": "rail", "halt": "rail", "tram_stop": "tram"}, "mode"),
    TagRule("transit_stops", "point", "highway", ("bus_stop",), {"mode": "bus"}),
    TagRule("transit_stops", "point", "amenity", ("bus_station",), {"mode": "bus"}),
    # administrative and designations
    TagRule("communes", "area", "boundary", ("administrative",)),
    TagRule("protected_areas", "area", "boundary", ("protected_area", "national_park")),
    TagRule("protected_areas", "area", "leisure", ("nature_reserve",), {"designation": "nature_reserve",
                                                                        "zone": "whole"}),
    TagRule("brownfields", "area", "landuse", ("brownfield",)),
    TagRule("airports", "area", "aeroway", ("aerodrome",)),
)

#: building=* value → canonical use; any other value (``yes``, ``house`` …) is residential.
BUILDING_USE = {
    "commercial": "commercial", "retail": "commercial", "office": "commercial", "supermarket": "commercial",
    "hotel": "commercial", "industrial": "industrial", "warehouse": "industrial", "factory": "industrial",
    "manufacture": "industrial", "school": "public", "university": "public", "hospital": "public",
    "public": "public", "civic": "public", "government": "public", "church": "public", "kindergarten": "public",
    "sports_hall": "public", "train_station": "public", "farm": "agricultural", "barn": "agricultural",
    "farm_auxiliary": "agricultural", "stable": "agricultural", "cowshed": "agricultural",
}
#: roof:shape value → canonical roof shape.
ROOF_SHAPE = {"flat": "flat", "gabled": "gable", "hipped": "hip", "half-hipped": "hip", "pyramidal": "hip",
              "skillion": "shed", "lean_to": "shed", "mansard": "hip", "gambrel": "gable", "saltbox": "gable"}
#: Footprint above which a building without roof:shape is taken as flat-roofed [m2] (documented default).
FLAT_ROOF_MIN_FOOTPRINT_M2 = 400.0
#: Roof tilt assumed for pitched roofs without roof:angle [deg] (typical Central-European pitch).
DEFAULT_PITCHED_TILT_DEG = 35.0
#: Storey height used to turn levels into height and back [m].
STOREY_HEIGHT_M = 3.0
#: Storeys assumed when neither height nor building:levels is tagged.
DEFAULT_LEVELS = 2
#: Construction year assumed when start_date is not tagged (documented; override per region).
DEFAULT_YEAR_BUILT = 1970
#: Voltage assumed for power=line / minor_line / cable without a voltage tag [kV].
DEFAULT_VOLTAGE_KV = {"line": 110.0, "minor_line": 20.0, "cable": 20.0}
#: OSM admin_level of municipalities (8 in Luxembourg, France and Germany).
DEFAULT_ADMIN_LEVEL = "8"
