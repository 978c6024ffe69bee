"""Stream an OpenStreetMap extract (``.osm``, ``.osm.pbf``) into canonical input layers.

Objects are read once with pyosmium (node locations in a disk-backed index for large files), matched
against the declarative table of :mod:`layers.ingest.osm_tags`, converted to the canonical fields, and
written in batches to one GeoPackage, reprojected to the region CRS and clipped to the region: memory is
bounded by the batch size and the location index, not by the file.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import box

from layers.catalog import get_layer
from layers.errors import InputDataError
from layers.ingest import osm_tags as T
from layers.ingest.osm_tags import TagRule

log = logging.getLogger(__name__)

#: Features buffered per layer before they are written.
BATCH_SIZE = 20_000
#: Files larger than this use a disk-backed node-location index [bytes].
DISK_INDEX_MIN_BYTES = 50_000_000
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class OsmOptions:
    """Region-level choices for OSM ingestion (``[osm]`` in the region file)."""

    admin_level: str = T.DEFAULT_ADMIN_LEVEL
    year_built: int = T.DEFAULT_YEAR_BUILT
    rules: tuple[TagRule, ...] = ()  # applied before the defaults

    @property
    def all_rules(self) -> tuple[TagRule, ...]:
        return (*self.rules, *T.DEFAULT_RULES)


def parse_number(text: str | None) -> float | None:
    """First number in a tag value (``"12.5 m"`` → 12.5, ``"3,5"`` → 3.5), or ``None``."""
    if not text:
        return None
    match = _NUMBER.search(text)
    return float(match.group().replace(",", ".")) if match else None


def voltage_kv(tags: Mapping[str, str]) -> float:
    """Highest voltage of a ``voltage=220000;65000`` tag [kV]; a documented default when untagged."""
    volts = [parse_number(v) for v in (tags.get("voltage") or "").split(";")]
    volts = [v for v in volts if v]
    return max(volts) / 1000.0 if volts else T.DEFAULT_VOLTAGE_KV.get(tags.get("power", "line"), 110.0)


_COMPASS = {"N": 0, "NNE": 22.5, "NE": 45, "ENE": 67.5, "E": 90, "ESE": 112.5, "SE": 135, "SSE": 157.5, "S": 180,
            "SSW": 202.5, "SW": 225, "WSW": 247.5, "W": 270, "WNW": 292.5, "NW": 315, "NNW": 337.5}


def roof_direction_deg(text: str | None) -> float | None:
    """``roof:direction`` (degrees or compass letters) → azimuth [deg], 0 = north, clockwise."""
    if not text:
        return None
    if text.strip().upper() in _COMPASS:
        return float(_COMPASS[text.strip().upper()])
    value = parse_number(text)
    return None if value is None else value % 360.0


def protected_designation(tags: Mapping[str, str]) -> tuple[str, str]:
    """(designation, zone) of a protected area from its designation / protection_title tags."""
    text = " ".join(tags.get(k, "") for k in ("designation", "protection_title", "name", "protect_class")).lower()
    if "biosph" in text:
        designation = "biosphere"
    elif any(w in text for w in ("bird", "oiseau", "vogel", "zps", " spa")):
        designation = "natura2000_birds"
    elif "natura" in text or "habitat" in text or "zsc" in text or "sic" in text:
        designation = "natura2000_habitats"
    else:
        designation = "nature_reserve"
    zone = tags.get("zone", "").lower()
    if zone not in ("core", "buffer", "transition"):
        zone = "transition" if designation == "biosphere" else "whole"
    return designation, zone


def _building(tags, rule, osm_id) -> dict[str, Any]:
    levels = parse_number(tags.get("building:levels"))
    height = parse_number(tags.get("height"))
    assumed = []
    if levels is None:
        levels = max(1.0, round(height / T.STOREY_HEIGHT_M)) if height else float(T.DEFAULT_LEVELS)
        assumed.append("levels" if not height else "levels (from height)")
    if not height:
        assumed.append("height_m (from levels)")
    year = parse_number((tags.get("start_date") or tags.get("building:year") or "")[:4])
    shape = T.ROOF_SHAPE.get(tags.get("roof:shape", ""))
    use = T.BUILDING_USE.get(tags.get("building:use") or tags.get("building", ""))
    if use is None:
        use = "residential"
        assumed.append("use")
    return {"building_id": f"osm-{osm_id}", "levels": int(levels), "use": use,
            "height_m": height if height else levels * T.STOREY_HEIGHT_M,
            "year_built": int(year) if year else None, "roof_shape": shape,
            "roof_tilt_deg": parse_number(tags.get("roof:angle")),
            "roof_azimuth_deg": roof_direction_deg(tags.get("roof:direction")), ASSUMED: assumed}


def _named(tags, rule, osm_id) -> dict[str, Any]:
    return {"name": tags.get("name"), **rule.set}


def _converter(target: str) -> Callable[[Mapping[str, str], TagRule, str], dict[str, Any] | None]:
    return {
        "buildings": _building,
        "landcover": lambda tags, rule, osm_id: dict(rule.set),
        "waterways": lambda tags, rule, osm_id: {**_named(tags, rule, osm_id),
                                                 "width_m": parse_number(tags.get("width"))},
        "railways": lambda tags, rule, osm_id: dict(rule.set),
        "power_lines": lambda tags, rule, osm_id: {"voltage_kv": voltage_kv(tags),
                                                   ASSUMED: [] if tags.get("voltage") else ["voltage_kv"]},
        "streetlights": lambda tags, rule, osm_id: {"flux_lm": None, "height_m": parse_number(tags.get("height"))},
        "protected_areas": lambda tags, rule, osm_id: {
            "name": tags.get("name"),
            **(dict(zip(("designation", "zone"), protected_designation(tags), strict=True))
               if not rule.set else rule.set)},
    }.get(target, _named)


#: Column listing, per feature, the attributes the ingestion assumed rather than read from OSM tags.
ASSUMED = "_assumed"


@dataclass
class OsmIngest(Mapping[str, int]):
    """What ``ingest osm`` wrote: features per layer (the mapping itself), what it dropped and why, and how
    many features of each layer got an assumed (defaulted) attribute."""

    counts: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    assumed: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def __getitem__(self, layer: str) -> int:
        return self.counts[layer]

    def __iter__(self):
        return iter(self.counts)

    def __len__(self) -> int:
        return len(self.counts)

    def report_lines(self) -> list[str]:
        """``buildings: 67.3 % (300 of 446) assumed levels (no building:levels or height tag)`` and
        ``buildings: 48 dropped (outline incomplete in the extract ...)``, layer by layer."""
        lines = []
        for layer in sorted(set(self.assumed) | set(self.dropped)):
            total = self.counts.get(layer, 0)
            for attribute, n in sorted(self.assumed.get(layer, {}).items(), key=lambda kv: -kv[1]):
                share = 100.0 * n / total if total else 0.0
                lines.append(f"{layer}: {share:.1f} % ({n:,} of {total:,}) got an assumed {attribute}: "
                             f"{ASSUMPTIONS.get(attribute, 'the documented default')}")
            for reason, n in self.dropped.get(layer, {}).items():
                lines.append(f"{layer}: {n:,} dropped: {reason}")
        return lines


#: What each assumed attribute was set to (layers/ingest/osm_tags.py holds the figures).
ASSUMPTIONS = {
    "levels": f"{T.DEFAULT_LEVELS} storeys (no building:levels or height tag)",
    "levels (from height)": f"height ÷ {T.STOREY_HEIGHT_M} m (no building:levels tag)",
    "height_m (from levels)": f"storeys × {T.STOREY_HEIGHT_M} m (no height tag)",
    "use": "residential (building=yes or an unmapped building value)",
    "year_built": "the region's [osm] year_built (no start_date tag)",
    "roof_shape": f"flat on footprints ≥ {T.FLAT_ROOF_MIN_FOOTPRINT_M2:g} m² or commercial/industrial use, else "
                  "gable (no roof:shape tag)",
    "roof_tilt_deg": f"{T.DEFAULT_PITCHED_TILT_DEG:g}° on pitched roofs (no roof:angle tag)",
    "voltage_kv": "by power=* kind (no voltage tag)",
}
#: Why features are dropped.
INCOMPLETE = "outline incomplete in the extract (cut by its edge: member ways or nodes missing) or broken"
WRONG_TYPE = "nothing of the feature's kind left after clipping to the region"


class _Batches:
    """Per-layer feature buffers written to the GeoPackage in batches (reprojected, clipped, validated)."""

    def __init__(self, out: Path, crs: CRS, clip_box, options: OsmOptions, batch_size: int, result: OsmIngest):
        self.out, self.crs, self.clip_box, self.options, self.batch_size = out, crs, clip_box, options, batch_size
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.geoms: dict[str, list] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.result = result

    def add(self, target: str, props: dict, geom) -> None:
        self.rows[target].append(props)
        self.geoms[target].append(geom)
        if len(self.rows[target]) >= self.batch_size:
            self.flush(target)

    def flush(self, target: str) -> None:
        rows, geoms = self.rows.pop(target, []), self.geoms.pop(target, [])
        if not rows:
            return
        gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=4326).to_crs(self.crs)
        gdf = gdf[gdf.intersects(self.clip_box)] if self.clip_box is not None else gdf
        if gdf.empty:
            return
        gdf = gdf.set_geometry(shapely.make_valid(gdf.geometry.values))
        if self.clip_box is not None:
            gdf = gdf.clip(self.clip_box)
        before = len(gdf)
        gdf = _finish(target, gdf, self.options, self.result.assumed[target])
        if len(gdf) < before:
            self.result.dropped[target][WRONG_TYPE] += before - len(gdf)
        if gdf.empty:
            return
        pyogrio.write_dataframe(gdf, self.out, layer=target, driver="GPKG", append=self.counts[target] > 0,
                                promote_to_multi=True)
        self.counts[target] += len(gdf)

    def close(self) -> dict[str, int]:
        for target in list(self.rows):
            self.flush(target)
        return dict(self.counts)


def _finish(target: str, gdf: gpd.GeoDataFrame, options: OsmOptions, assumed: dict[str, int]) -> gpd.GeoDataFrame:
    """Canonical columns in catalog order, with the documented defaults for what OSM leaves untagged (counted
    per attribute in ``assumed``)."""
    spec = get_layer(target)
    kind = "Point" if spec.geometry == "Point" else "LineString" if spec.geometry == "LineString" else "Polygon"
    gdf = gdf[gdf.geometry.geom_type.str.contains(kind) & ~gdf.geometry.is_empty]
    if ASSUMED in gdf.columns:
        for names in gdf[ASSUMED]:
            for name in names:
                assumed[name] += 1
    if target == "buildings" and not gdf.empty:
        gdf = gdf.copy()
        pitched_untagged = gdf["roof_tilt_deg"].isna()
        for name in ("year_built", "roof_shape"):
            assumed[name] += int(gdf[name].isna().sum())
        large = gdf.geometry.area >= T.FLAT_ROOF_MIN_FOOTPRINT_M2
        non_residential = gdf["use"].isin(["industrial", "commercial"])
        guess = np.where(large | non_residential, "flat", "gable")
        gdf["roof_shape"] = gdf["roof_shape"].fillna(pd.Series(guess, index=gdf.index))
        flat = gdf["roof_shape"] == "flat"
        assumed["roof_tilt_deg"] += int((pitched_untagged & ~flat).sum())
        gdf["roof_tilt_deg"] = gdf["roof_tilt_deg"].astype(float).where(~flat, 0.0).fillna(T.DEFAULT_PITCHED_TILT_DEG)
        gdf["year_built"] = gdf["year_built"].fillna(options.year_built).astype(int)
        gdf["roof_azimuth_deg"] = gdf["roof_azimuth_deg"].astype(float)
    for f in spec.fields:
        if f.name not in gdf.columns:
            gdf[f.name] = None
    return gdf[[*spec.field_names, "geometry"]]


def _location_storage(path: Path, tmpdir: str) -> str:
    return (f"sparse_file_array,{tmpdir}/nodes.idx" if path.stat().st_size >= DISK_INDEX_MIN_BYTES
            else "flex_mem")


def _keys(rules: Iterable[TagRule]) -> list[str]:
    return sorted({r.key for r in rules} | {"building", "boundary"})


def ingest_osm(path: str | Path, crs: str | CRS, out_gpkg: str | Path, *,
               extent: tuple[float, float, float, float] | None = None, options: OsmOptions | None = None,
               batch_size: int = BATCH_SIZE) -> OsmIngest:
    """Map an OSM extract onto the canonical inputs; return the feature count written per layer (an
    :class:`OsmIngest`, which also counts what was dropped and why and which attributes were assumed).

    Parameters
    ----------
    path : ``.osm`` or ``.osm.pbf`` file.
    crs : the region CRS the layers are written in.
    out_gpkg : GeoPackage written (replaced) with one layer per canonical input found.
    extent : region (xmin, ymin, xmax, ymax) in ``crs`` [m]; features outside are dropped, the rest clipped.
    """
    path, out_gpkg = Path(path), Path(out_gpkg)
    if not path.is_file():
        raise InputDataError(f"OSM file {path} does not exist")
    if not path.name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")):
        raise InputDataError(f"{path} is not an OSM file (.osm or .osm.pbf expected)")
    options = options or OsmOptions()
    crs = CRS.from_user_input(crs)
    clip_box = box(*extent) if extent else None
    bbox_wgs84 = box(*Transformer.from_crs(crs, 4326, always_xy=True).transform_bounds(*extent)) if extent else None
    rules = options.all_rules
    by_kind = {kind: [r for r in rules if r.geometry == kind] for kind in ("point", "line", "area")}
    wkb = osmium.geom.WKBFactory()
    tmp_out = out_gpkg.with_name(out_gpkg.stem + ".partial.gpkg")
    tmp_out.unlink(missing_ok=True)
    result = OsmIngest()
    batches = _Batches(tmp_out, crs, clip_box, options, batch_size, result)
    with tempfile.TemporaryDirectory(prefix="geoservice-osm-") as tmpdir:
        try:
            processor = (osmium.FileProcessor(str(path)).with_locations(_location_storage(path, tmpdir))
                         .with_areas().with_filter(osmium.filter.KeyFilter(*_keys(rules))))
            for obj in processor:
                _handle(obj, by_kind, wkb, batches, options, bbox_wgs84)
        except RuntimeError as exc:
            tmp_out.unlink(missing_ok=True)
            raise InputDataError(f"cannot read OSM file {path}: {exc}") from exc
        counts = batches.close()
    result.counts = counts
    if not counts:
        tmp_out.unlink(missing_ok=True)
        raise InputDataError(f"no mapped OSM feature inside the region in {path}; check that the extract covers "
                             f"the region extent {extent}")
    tmp_out.replace(out_gpkg)
    return result


def _handle(obj, by_kind, wkb, batches: _Batches, options: OsmOptions, bbox_wgs84) -> None:
    if obj.is_node():
        kind, osm_id = "point", f"n{obj.id}"
    elif obj.is_way():
        kind, osm_id = "line", f"w{obj.id}"
    elif obj.is_area():
        kind, osm_id = "area", f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
    else:
        return
    tags = dict(obj.tags)
    if kind == "line":
        _count_incomplete_outline(obj, tags, by_kind["area"], batches.result, bbox_wgs84)
    matched = [r for r in by_kind[kind] if r.matches(tags)]
    if not matched:
        return
    try:
        if kind == "point":
            geom = shapely.Point(obj.location.lon, obj.location.lat)
        elif kind == "line":
            geom = shapely.from_wkb(wkb.create_linestring(obj))
        else:
            geom = shapely.from_wkb(wkb.create_multipolygon(obj))
    except (RuntimeError, osmium.InvalidLocationError):  # broken or incomplete geometry in the extract
        return
    if bbox_wgs84 is not None and not geom.intersects(bbox_wgs84):
        return
    seen: set[str] = set()
    for rule in matched:
        if rule.target in seen:
            continue
        if rule.target == "communes" and tags.get("admin_level") != options.admin_level:
            continue
        props = _converter(rule.target)(tags, rule, osm_id)
        if rule.target == "communes":
            props = {"name": tags.get("name", osm_id), "code": tags.get("ref:LAU") or tags.get("ref:INSEE")
                     or tags.get("ref") or f"osm-{osm_id}"}
        seen.add(rule.target)
        batches.add(rule.target, props, geom)


def _count_incomplete_outline(way, tags, area_rules, result: OsmIngest, bbox_wgs84) -> None:
    """Count a way that would be an area (a building, a forest) but misses nodes in the extract, when a node it
    has lies in the region: osmium assembles no area from it, so it is dropped."""
    targets = {r.target for r in area_rules if r.matches(tags)} - {"communes"}
    if not targets:
        return
    located = [n.location for n in way.nodes if n.location.valid()]
    if len(located) == len(way.nodes):
        return
    if bbox_wgs84 is None or any(bbox_wgs84.contains(shapely.Point(loc.lon, loc.lat)) for loc in located):
        for target in targets:
            result.dropped[target][INCOMPLETE] += 1


def extent_commune(config, out_gpkg: str | Path) -> int:
    """Append a ``communes`` layer holding the region extent as one unit (named after the region) to
    ``out_gpkg``; return 1. For extracts without administrative boundaries (``--communes-from-extent``)."""
    if config.extent_m is None:
        raise InputDataError("--communes-from-extent needs region.extent in the region file (xmin, ymin, xmax, ymax "
                             "in the region CRS)")
    unit = gpd.GeoDataFrame({"name": [config.region.title], "code": [config.region.id]},
                            geometry=[box(*config.extent_m)], crs=config.crs)
    pyogrio.write_dataframe(unit, Path(out_gpkg), layer="communes", driver="GPKG", append=True,
                            promote_to_multi=True)
    log.info("communes: the region extent written as one unit %r", config.region.title)
    return 1
