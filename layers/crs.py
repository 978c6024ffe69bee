"""Comparing and naming coordinate reference systems the way GIS users mean them.

GDAL and PROJ can describe the same CRS differently: a GeoTIFF written by rasterio in EPSG:3067 reads back
as a WKT1 whose datum carries GDAL's newer EPSG code (10690) where PROJ's database says 1391, so pyproj's
``CRS.equals`` calls EPSG:3067 and its own GDAL description different (EPSG:3879 likewise). Two CRSs are the
same here when pyproj finds them equal (axis order aside), or when their coordinate operations are identical
(the PROJ string: projection, parameters, ellipsoid, datum shift): EPSG:3067 and EPSG:25835 (ETRS89 / UTM 35N)
are the same coordinates under two codes. Every CRS comparison in the project goes through :func:`same_crs`; every message names a CRS with
:func:`crs_name` (``EPSG:3067``), never its full WKT.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

#: Lowest confidence [%] at which PROJ's identification of a CRS without a stated code is accepted.
MIN_IDENTIFY_CONFIDENCE = 70


def as_crs(value: Any) -> CRS:
    """A pyproj CRS from anything pyproj, rasterio or geopandas hold (code, WKT, CRS object)."""
    if isinstance(value, CRS):
        return value
    if hasattr(value, "to_wkt") and not isinstance(value, str):  # rasterio.crs.CRS
        value = value.to_wkt()
    return CRS.from_user_input(value)


def authority(crs: Any) -> tuple[str, str] | None:
    """(authority, code) a CRS states (its WKT ``ID``/``AUTHORITY``) or that PROJ identifies with
    :data:`MIN_IDENTIFY_CONFIDENCE`; ``None`` when neither."""
    return _authority(as_crs(crs).to_wkt())


@lru_cache(maxsize=256)
def _authority(wkt: str) -> tuple[str, str] | None:
    crs = CRS.from_wkt(wkt)
    stated = crs.to_json_dict().get("id")
    if stated and "authority" in stated and "code" in stated:
        return str(stated["authority"]).upper(), str(stated["code"])
    found = crs.to_authority(min_confidence=MIN_IDENTIFY_CONFIDENCE)
    return (found[0].upper(), str(found[1])) if found else None


def epsg_code(crs: Any) -> int | None:
    """The EPSG code of a CRS (stated or identified), or ``None``."""
    found = authority(crs)
    if found and found[0] == "EPSG" and found[1].isdigit():
        return int(found[1])
    return None


def same_crs(a: Any, b: Any) -> bool:
    """True when ``a`` and ``b`` describe the same CRS (see the module docstring); ``None`` equals only ``None``."""
    if a is None or b is None:
        return a is None and b is None
    return _same(as_crs(a).to_wkt(), as_crs(b).to_wkt())


@lru_cache(maxsize=256)
def _same(wkt_a: str, wkt_b: str) -> bool:
    a, b = CRS.from_wkt(wkt_a), CRS.from_wkt(wkt_b)
    if a.equals(b, ignore_axis_order=True):
        return True
    with warnings.catch_warnings():  # to_dict warns that PROJ strings drop datum names: what is compared here
        warnings.simplefilter("ignore", UserWarning)
        try:
            dict_a = a.to_dict()
            return bool(dict_a) and dict_a == b.to_dict()
        except CRSError:
            return False


def crs_name(crs: Any) -> str:
    """Short name of a CRS for messages: ``EPSG:3067``, else its name; ``none`` for ``None``."""
    if crs is None:
        return "none"
    try:
        parsed = as_crs(crs)
    except CRSError:
        return str(crs)[:60]
    found = authority(parsed)
    return f"{found[0]}:{found[1]}" if found else parsed.name


def crs_ref(crs: Any) -> str:
    """A CRS as text that reads back to the same CRS: ``EPSG:3067`` when it has a code, else its WKT."""
    parsed = as_crs(crs)
    found = authority(parsed)
    return f"{found[0]}:{found[1]}" if found else parsed.to_wkt()
