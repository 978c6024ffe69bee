"""Synthetic demo region: every canonical input, generated deterministically from a seed.

The region is placed at the Minett (southern Luxembourg) in EPSG:2169 by default. Everything it writes is
labelled SYNTHETIC (GeoPackage layer descriptions and metadata, GeoTIFF tags, the manifest).

Modules, one concern each: ``frame`` (extent, CRS, seeded random streams), ``layout`` (rivers, lake, towns,
villages, industrial sites, brownfields, airfield), ``terrain`` (DEM model), ``communes`` (communes and
districts), ``water`` (water bodies, wetlands), ``landcover``, ``buildings`` (footprints, roofs, truth faces),
``dsm`` (1 m surface, windowed), ``networks`` (roads, railways, power lines, waterways, street lights, transit
stops), ``designations`` (protected areas, water protection, geology, mining, contaminated sites,
brownfields, airfield, flood zones, heat sources), ``nightlights``, ``climate``, ``inventory`` (greenhouse-gas
inventory), ``installations`` (roof PV, heat pumps and heat-network connections installed), ``classify`` (class
rasters → polygons), ``writer`` (files, labels, atomic swap) and ``generate`` (the entry point).
"""

from layers.demo.generate import GENERATOR_VERSION, SYNTHETIC_LABEL, generate_demo

__all__ = ["GENERATOR_VERSION", "SYNTHETIC_LABEL", "generate_demo"]
