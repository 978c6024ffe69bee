"""Shipped exclusion profiles: named lists of :class:`~processing.wind.rules.ExclusionRule`.

``luxembourg`` (default)
    Setbacks of Luxembourg practice (``docs/REFERENCES.md``, "Wind"; press, unverified). Dwellings and
    residential zones: **750 m**, the distance the main developer keeps voluntarily and the one wind farms
    in the country are actually planned with; the legal minimum of about 300 m is the ``luxembourg-300m``
    profile (same rules, 300 m). Infrastructure setbacks are the topple distance of the default turbine
    (tip height 150 m + 141 m / 2 ≈ 221 m, rounded up to 250 m). Findel airport radar 5,100 m (the GLAES
    value). Natura 2000, nature reserves, biosphere *core* zones (not buffer nor transition zones), water,
    wetlands and former mining galleries (Differdange) are excluded inside. Slopes over 11.3° (20 %).
``holtinger2016-least`` / ``-medium`` / ``-most``
    The three exclusion sets of Höltinger et al. (2016) as used by GLAES (Ryberg et al. 2018):
    settlements 1,000 / 1,200 / 2,000 m (applied to urban land cover and to residential buildings);
    railways, motorways, primary and secondary roads 300 m; airports 5,100 m; power lines > 110 kV 250 m;
    industrial land and mining 300 m; Natura 2000 inside (2,000 m in the strictest); lakes > 50 ha
    1,000 / 1,750 / 3,000 m; rivers and water inside; slope > 11.3° / 8.5° / 5.7°.

References
----------
Höltinger, S., Salak, B., Schauppenlehner, T., Scherhaufer, P., Schmidt, J. (2016). Austria's wind energy
potential - A participatory modeling approach to assess socio-political and market acceptance. Energy
Policy 98, 49-61.
Ryberg, D. S., Robinius, M., Stolten, D. (2018). Evaluating Land Eligibility Constraints of Renewable
Energy Sources in Europe. Energies 11(5), 1246 (GLAES).
"""

from __future__ import annotations

import difflib
from typing import Any

from processing.wind.rules import ExclusionRule

#: Residential building uses (dwellings).
DWELLING_USES = ["residential", "mixed"]
#: Road classes of the main network.
MAJOR_ROADS = ["motorway", "trunk", "primary", "secondary"]
#: Luxembourg: distance to dwellings kept in practice [m] (default) and the legal minimum [m].
LU_DWELLINGS_PRACTICE_M = 750.0
LU_DWELLINGS_LEGAL_M = 300.0
#: Topple distance of the default E-141/4200 at 150 m hub (tip height ≈ 221 m), rounded up [m].
LU_TOPPLE_M = 250.0
#: Airport radar / obstacle setback used by GLAES (Höltinger 2016) [m].
AIRPORT_M = 5100.0
#: Channel of a river or stream drawn as a centre line, excluded as "inside the water" [m].
CHANNEL_M = 10.0


def _luxembourg(dwellings_m: float) -> list[dict[str, Any]]:
    return [
        {"id": "dwellings", "layer": "buildings", "where": {"use": DWELLING_USES}, "buffer_m": dwellings_m,
         "description": f"within {dwellings_m:g} m of a dwelling"},
        {"id": "residential_zones", "layer": "landcover", "where": {"class": ["urban"]}, "buffer_m": dwellings_m,
         "description": f"within {dwellings_m:g} m of a residential zone"},
        {"id": "major_roads", "layer": "roads", "where": {"road_class": MAJOR_ROADS}, "buffer_m": LU_TOPPLE_M,
         "required": False, "description": f"within {LU_TOPPLE_M:g} m (topple distance) of a main road"},
        {"id": "railways", "layer": "railways", "where": {"kind": ["rail"]}, "buffer_m": LU_TOPPLE_M, "required": False,
         "description": f"within {LU_TOPPLE_M:g} m (topple distance) of a railway"},
        {"id": "power_lines", "layer": "power_lines", "where": {"voltage_kv": {"ge": 60}}, "buffer_m": LU_TOPPLE_M,
         "required": False, "description": f"within {LU_TOPPLE_M:g} m (topple distance) of a high-voltage line"},
        {"id": "airports", "layer": "airports", "buffer_m": AIRPORT_M, "required": False,
         "description": f"within {AIRPORT_M:g} m of an airport (radar and obstacle limits)"},
        {"id": "natura2000", "layer": "protected_areas",
         "where": {"designation": ["natura2000_habitats", "natura2000_birds"]}, "required": False,
         "description": "inside a Natura 2000 site"},
        {"id": "nature_reserves", "layer": "protected_areas", "where": {"designation": ["nature_reserve"]},
         "required": False, "description": "inside a nature reserve"},
        {"id": "biosphere_core", "layer": "protected_areas", "where": {"designation": ["biosphere"], "zone": ["core"]},
         "required": False, "description": "inside the core zone of a biosphere reserve"},
        {"id": "water_bodies", "layer": "water_bodies", "required": False, "description": "inside a lake or pond"},
        {"id": "waterways", "layer": "waterways", "buffer_m": CHANNEL_M, "required": False,
         "description": "in a river or stream channel"},
        {"id": "wetlands", "layer": "wetlands", "required": False, "description": "inside a wetland"},
        {"id": "mining", "layer": "mining_zones", "required": False,
         "description": "above former mining galleries, subsidence areas or open pits"},
        {"id": "slope", "layer": "dem", "where": {"slope_deg": {"gt": 11.3}}, "required": False,
         "description": "slope steeper than 11.3 deg (20 %)"},
    ]


def _holtinger(level: int) -> list[dict[str, Any]]:
    settlements = (1000.0, 1200.0, 2000.0)[level]
    lakes = (1000.0, 1750.0, 3000.0)[level]
    slope = (11.3, 8.5, 5.7)[level]
    natura = (0.0, 0.0, 2000.0)[level]
    natura_text = "inside a Natura 2000 site" if not natura else f"within {natura:g} m of a Natura 2000 site"
    return [
        {"id": "settlements", "layer": "landcover", "where": {"class": ["urban"]}, "buffer_m": settlements,
         "description": f"within {settlements:g} m of a settlement"},
        {"id": "dwellings", "layer": "buildings", "where": {"use": DWELLING_USES}, "buffer_m": settlements,
         "description": f"within {settlements:g} m of a dwelling"},
        {"id": "railways", "layer": "railways", "where": {"kind": ["rail"]}, "buffer_m": 300.0, "required": False,
         "description": "within 300 m of a railway"},
        {"id": "major_roads", "layer": "roads", "where": {"road_class": MAJOR_ROADS}, "buffer_m": 300.0, "required": False,
         "description": "within 300 m of a motorway, primary or secondary road"},
        {"id": "airports", "layer": "airports", "buffer_m": AIRPORT_M, "required": False,
         "description": f"within {AIRPORT_M:g} m of an airport"},
        {"id": "power_lines", "layer": "power_lines", "where": {"voltage_kv": {"gt": 110}}, "buffer_m": 250.0,
         "required": False, "description": "within 250 m of a power line above 110 kV"},
        {"id": "industrial", "layer": "landcover", "where": {"class": ["industrial"]}, "buffer_m": 300.0,
         "description": "within 300 m of industrial land"},
        {"id": "mining", "layer": "mining_zones", "buffer_m": 300.0, "required": False,
         "description": "within 300 m of a mining area"},
        {"id": "natura2000", "layer": "protected_areas",
         "where": {"designation": ["natura2000_habitats", "natura2000_birds"]}, "buffer_m": natura, "required": False,
         "description": natura_text},
        {"id": "nature_reserves", "layer": "protected_areas", "where": {"designation": ["nature_reserve"]},
         "required": False, "description": "inside a nature reserve"},
        {"id": "biosphere_core", "layer": "protected_areas", "where": {"designation": ["biosphere"], "zone": ["core"]},
         "required": False, "description": "inside the core zone of a biosphere reserve"},
        {"id": "lakes", "layer": "water_bodies", "where": {"area_ha": {"gt": 50.0}}, "buffer_m": lakes, "required": False,
         "description": f"within {lakes:g} m of a lake larger than 50 ha"},
        {"id": "water_bodies", "layer": "water_bodies", "required": False, "description": "inside a lake or pond"},
        {"id": "waterways", "layer": "waterways", "buffer_m": CHANNEL_M, "required": False,
         "description": "in a river or stream channel"},
        {"id": "wetlands", "layer": "wetlands", "required": False, "description": "inside a wetland"},
        {"id": "slope", "layer": "dem", "where": {"slope_deg": {"gt": slope}}, "required": False,
         "description": f"slope steeper than {slope:g} deg"},
    ]


_PROFILES: dict[str, list[dict[str, Any]]] = {
    "luxembourg": _luxembourg(LU_DWELLINGS_PRACTICE_M),
    "luxembourg-300m": _luxembourg(LU_DWELLINGS_LEGAL_M),
    "holtinger2016-least": _holtinger(0),
    "holtinger2016-medium": _holtinger(1),
    "holtinger2016-most": _holtinger(2),
    "none": [],
}
#: Names of the shipped profiles (``none``: only the region file's own rules).
PROFILE_NAMES = tuple(_PROFILES)


def check_profile_name(name: str) -> str:
    """Return ``name`` if it is a shipped profile; raise ``ValueError`` naming the close matches."""
    if name not in _PROFILES:
        close = difflib.get_close_matches(name, PROFILE_NAMES, n=3, cutoff=0.4)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(f"unknown exclusion profile {name!r}; {hint}profiles: {', '.join(PROFILE_NAMES)}")
    return name


def profile_rules(name: str, extra: list[ExclusionRule] = (), disabled: list[str] = ()) -> list[ExclusionRule]:
    """The rules of profile ``name``, then ``extra`` rules (an extra rule replaces a profile rule of the same
    id), without the ids in ``disabled``."""
    check_profile_name(name)
    rules = {r["id"]: ExclusionRule.model_validate(r) for r in _PROFILES[name]}
    for rule in extra:
        rules[rule.id] = rule
    unknown = [d for d in disabled if d not in rules]
    if unknown:
        raise ValueError(f"disabled rule(s) {unknown} are not in profile {name!r} nor in rules; ids: "
                         f"{', '.join(rules)}")
    return [r for k, r in rules.items() if k not in set(disabled)]
