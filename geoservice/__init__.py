"""geoservice: spatial-potential analyses (solar, wind, geothermal, corridors, test districts) stored in
GeoPackage or PostGIS and served as OGC API Features, tiles and processes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("geoservice")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
