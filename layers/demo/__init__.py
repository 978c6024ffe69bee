"""Synthetic demo region: every canonical input, generated deterministically from a seed.

The region is placed at the Minett (southern Luxembourg) in EPSG:2169 by default. Everything it writes is
labelled SYNTHETIC (GeoPackage layer descriptions and metadata, GeoTIFF tags, the manifest).
"""

from layers.demo.generate import GENERATOR_VERSION, SYNTHETIC_LABEL, generate_demo

__all__ = ["GENERATOR_VERSION", "SYNTHETIC_LABEL", "generate_demo"]
