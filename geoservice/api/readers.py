"""Collection readers: what the API does differently for each kind of layer, in one class per kind.

The routers (``collections``, ``tiles``, ``coverage``) keep the HTTP concerns — parameters, ETags, links,
paging, HTML — and ask the reader of a collection for the rest: whether it has geometry, its CRSs, its part
of the collection document, a page of features, one feature, its tiles and its coverage. The reader of a
collection is the class :data:`READERS` registers for its :attr:`LayerSpec.kind`, so serving a new kind of
layer is one subclass of :class:`CollectionReader` and one entry in :data:`READERS`, with no router touched
(tipg resolves its collections to per-type classes the same way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi import Request
from pyproj import CRS

from geoservice.api import crs as crsmod
from geoservice.api.common import COG, JSON, base_url, collection, json_default, link, store_of
from geoservice.api.rasters import render_png
from geoservice.api.tables import table_page
from geoservice.query import And, Filter, Intersects, Not, Or, SortKey
from geoservice.store.base import GeoJSONOptions, LayerVersion, Store
from layers.catalog import LayerSpec
from layers.errors import InvalidRequest, LayerNotFound
from layers.tiles import MAX_ZOOM

#: JSON Schema type of each catalog field dtype.
JSON_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean"}
SCHEMA_JSON = "application/schema+json"
#: Properties of a raster collection's single feature (its footprint).
RASTER_PROPERTIES = ["version", "unit", "cells", "coverage"]


@dataclass(frozen=True)
class ItemsQuery:
    """A page of features as the router parsed it: filter tree, sort keys, selected properties (``None``:
    all fields), paging, and the CRS (and its URI) and coordinate decimals of the returned geometries."""

    filter: Filter | None
    sortby: list[SortKey]
    properties: list[str] | None
    limit: int
    offset: int
    out_crs: CRS
    out_uri: str
    decimals: int


class CollectionReader:
    """What a published collection offers, read from its catalog entry, its current version and the store.

    This base class serves no features, tiles or coverage; a subclass per layer kind overrides what its kind
    has. ``base`` is the root URL of the OGC API the request is in (for links).
    """

    #: Whether the features have geometry (bbox and S_INTERSECTS filters, CRSs, an extent).
    spatial: ClassVar[bool] = True
    #: Tile formats, the default first; empty when the collection has no tiles.
    tile_formats: ClassVar[tuple[str, ...]] = ()
    #: ``dataType`` of the tileset (OGC API – Tiles): ``vector`` or ``map``.
    tile_data_type: ClassVar[str] = "vector"

    def __init__(self, spec: LayerSpec, version: LayerVersion, store: Store, base: str):
        self.spec = spec
        self.version = version
        self.store = store
        self.base = base

    @property
    def kind(self) -> str:
        """The layer kind this reader serves (``layerKind`` of the collection document)."""
        return self.spec.kind

    @property
    def here(self) -> str:
        """The collection's URL."""
        return f"{self.base}/collections/{self.spec.id}"

    # --- CRSs -----------------------------------------------------------------------------------------

    @cached_property
    def storage_crs(self) -> CRS:
        """The CRS the geometries are stored in (request geometries are transformed into it)."""
        return CRS.from_user_input(self.version.crs)

    @property
    def geometry_crs(self) -> CRS | None:
        """The CRS of the features' geometries; ``None`` without geometry."""
        return self.storage_crs if self.spatial else None

    def offered_crs(self) -> list[str]:
        """The CRS URIs a client may ask for (``crs``, ``bbox-crs``, ``filter-crs``)."""
        return crsmod.offered_uris(self.version.crs)

    # --- collection document --------------------------------------------------------------------------

    def describe(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """This kind's members of the collection document (after ``itemType``) and its extra links."""
        return {}, []

    # --- features -------------------------------------------------------------------------------------

    def check_bbox(self) -> None:
        """Raise InvalidRequest when a ``bbox`` parameter cannot apply."""
        if not self.spatial:
            raise InvalidRequest(f"bbox: {self.spec.id!r} has no geometry")

    def check_filter(self, tree: Filter) -> None:
        """Raise InvalidRequest when the filter ``tree`` holds a spatial predicate that cannot apply."""
        if not self.spatial and has_spatial(tree):
            raise InvalidRequest(f"filter: {self.spec.id!r} has no geometry for S_INTERSECTS")

    def items(self, query: ItemsQuery) -> tuple[list[str], int | None]:
        """A page of GeoJSON Feature texts and the number of features matched (``None``: too many to count)."""
        return [], 0

    def feature(self, fid: int, out_crs: CRS, decimals: int) -> str | None:
        """The GeoJSON Feature text of feature ``fid`` in ``out_crs``; ``None`` when there is none (a store may
        raise FeatureNotFound itself)."""
        return None

    def _texts(self, frame: pd.DataFrame, columns: list[str], out_crs: CRS, decimals: int) -> list[str]:
        names = [c for c in columns if c in frame.columns]
        return feature_texts(frame, names, self.geometry_crs, out_crs, decimals)

    # --- tiles ----------------------------------------------------------------------------------------

    def require_tiles(self) -> None:
        """Raise LayerNotFound (a 404) when the collection has no tiles."""
        if not self.tile_formats:
            raise LayerNotFound(f"{self.spec.id!r} has no tiles")

    def tile(self, z: int, x: int, y: int, fmt: str) -> bytes:
        """The bytes of tile z/x/y in ``fmt`` (one of :attr:`tile_formats`); empty for an empty tile."""
        raise NotImplementedError(f"{type(self).__name__} lists tile formats but renders no tile")

    def tileset_metadata(self) -> dict[str, Any]:
        """Members this kind adds to its tileset document."""
        return {}

    def tilejson_metadata(self) -> dict[str, Any]:
        """Members this kind adds to its TileJSON."""
        return {}

    # --- coverage -------------------------------------------------------------------------------------

    def require_coverage(self) -> None:
        """Raise LayerNotFound (a 404) when the collection has no coverage."""
        cid = self.spec.id
        raise LayerNotFound(f"{cid!r} is not a raster collection; read its features at /collections/{cid}/items")

    def coverage_path(self, version: int) -> Path:
        """The GeoTIFF of version ``version`` of the coverage."""
        raise NotImplementedError(f"{type(self).__name__} has a coverage but no file")


class VectorReader(CollectionReader):
    """A vector layer: features from the store's queries, vector tiles (MVT or GeoJSON)."""

    tile_formats = ("mvt", "geojson")

    def describe(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        here = self.here
        part = {"fields": fields_doc(self.spec), "crs": self.offered_crs(),
                "storageCrs": crsmod.uri_for(self.version.crs), "geometryType": self.spec.geometry}
        links = attribute_links(here) + [
            link(f"{here}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON, "Vector tiles"),
            link(f"{here}/tiles/WebMercatorQuad/tilejson.json", "describedby", JSON, "TileJSON"),
        ]
        return part, links

    def items(self, query: ItemsQuery) -> tuple[list[str], int | None]:
        q = query
        if self.store.builds_geojson:
            options = GeoJSONOptions(4326 if q.out_uri == crsmod.CRS84 else q.out_crs.to_epsg(),
                                     crsmod.lat_first(q.out_crs), q.decimals)
            geojson = self.store.query_geojson(self.spec.id, options, filter=q.filter, sortby=q.sortby,
                                               properties=q.properties, limit=q.limit, offset=q.offset)
            return geojson.features, geojson.number_matched
        page = self.store.query_features(self.spec.id, filter=q.filter, sortby=q.sortby, properties=q.properties,
                                         limit=q.limit, offset=q.offset)
        columns = q.properties if q.properties is not None else list(self.spec.field_names)
        return self._texts(page.features, columns, q.out_crs, q.decimals), page.number_matched

    def feature(self, fid: int, out_crs: CRS, decimals: int) -> str | None:
        frame = self.store.query_features(self.spec.id, feature_id=fid, limit=1).features
        if len(frame) == 0:
            return None
        return self._texts(frame.iloc[:1], list(self.spec.field_names), out_crs, decimals)[0]

    def tile(self, z: int, x: int, y: int, fmt: str) -> bytes:
        return self.store.vector_tile(self.spec.id, z, x, y, fmt)  # type: ignore[arg-type]

    def tileset_metadata(self) -> dict[str, Any]:
        spec = self.spec
        dimension = {"Point": 0, "LineString": 1}.get((spec.geometry or "").removeprefix("Multi"), 2)
        schema = {"type": "object", "properties": {
            fld.name: {"type": JSON_TYPES[fld.dtype], "description": fld.description} for fld in spec.fields}}
        return {"layers": [{"id": spec.id, "title": spec.title, "dataType": "vector",
                            "geometryDimension": dimension, "propertiesSchema": schema}]}

    def tilejson_metadata(self) -> dict[str, Any]:
        spec = self.spec
        fields = {fld.name: fld.description + (f" [{fld.unit}]" if fld.unit else "") for fld in spec.fields}
        return {"vector_layers": [{"id": spec.id, "description": spec.title, "minzoom": 0, "maxzoom": MAX_ZOOM,
                                   "fields": fields}]}


class TableReader(CollectionReader):
    """A table without geometry (monthly climate, commune indicators): filtered, sorted and paged in memory;
    no tiles, no bbox, no spatial filter."""

    spatial = False

    @cached_property
    def storage_crs(self) -> CRS:
        """CRS84: a table has no geometry, so a filter's geometries stay as given."""
        return CRS.from_user_input("OGC:CRS84")

    def offered_crs(self) -> list[str]:
        return crsmod.offered_uris(None)

    def require_tiles(self) -> None:
        raise LayerNotFound(f"{self.spec.id!r} is a table without geometry and has no tiles")

    def describe(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return {"fields": fields_doc(self.spec), "crs": [crsmod.CRS84]}, attribute_links(self.here)

    def items(self, query: ItemsQuery) -> tuple[list[str], int | None]:
        q = query
        frame, matched = table_page(self.store.read_table(self.spec.id), self.spec, q.filter, q.sortby, q.limit,
                                    q.offset)
        columns = q.properties if q.properties is not None else list(self.spec.field_names)
        return self._texts(frame, columns, q.out_crs, q.decimals), matched

    def feature(self, fid: int, out_crs: CRS, decimals: int) -> str | None:
        table = self.store.read_table(self.spec.id)
        if fid not in table.index:
            return None
        return self._texts(table.loc[[fid]], list(self.spec.field_names), out_crs, decimals)[0]


class RasterReader(CollectionReader):
    """A raster layer: one feature (its footprint, linking to the COG), coloured PNG tiles, the coverage."""

    tile_formats = ("png",)
    tile_data_type = "map"

    def describe(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        spec, version, here = self.spec, self.version, self.here
        part = {"crs": self.offered_crs(), "storageCrs": crsmod.uri_for(version.crs), "unit": spec.unit,
                "coverageSubset": "Add bbox=minx,miny,maxx,maxy (CRS84, or in the CRS of bbox-crs: one of crs) to "
                                  "the coverage URL for a GeoTIFF of just those cells, on the raster's grid",
                "style": {"stops": list(spec.style.stops), "colors": list(spec.style.colors),
                          "unit": spec.style.unit}}
        links = [
            link(f"{here}/coverage?v={version.version}", "http://www.opengis.net/def/rel/ogc/1.0/coverage", COG,
                 "Cloud-optimised GeoTIFF of this version (HTTP range requests)"),
            link(f"{here}/coverage?v={version.version}&bbox={{minx}},{{miny}},{{maxx}},{{maxy}}",
                 "http://www.opengis.net/def/rel/ogc/1.0/coverage", "image/tiff; application=geotiff",
                 "GeoTIFF of the cells in a bbox (CRS84, or the CRS named by bbox-crs), read window by window",
                 templated=True),
            link(f"{here}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map", JSON, "Coloured PNG tiles"),
            link(f"{here}/tiles/WebMercatorQuad/tilejson.json", "describedby", JSON, "TileJSON"),
        ]
        return part, links

    def footprint(self) -> gpd.GeoDataFrame:
        """The single feature: the raster's footprint (storage CRS) with version, unit, cell count and COG link,
        so clients that read every collection as features (GDAL's OAPIF driver, QGIS) get an answer."""
        version = self.version
        extent = version.extent or (0.0, 0.0, 0.0, 0.0)
        href = f"{self.here}/coverage?v={version.version}"
        return gpd.GeoDataFrame({"version": [version.version], "unit": [self.spec.unit],
                                 "cells": [version.feature_count], "coverage": [href]},
                                geometry=[shapely.box(*extent)], crs=version.crs or None, index=pd.Index([1]))

    def items(self, query: ItemsQuery) -> tuple[list[str], int | None]:
        q = query
        frame = self.footprint()
        if q.filter is not None and not _footprint_matches(frame.geometry.iloc[0], q.filter):
            frame = frame.iloc[0:0]
        matched = len(frame)
        frame = frame.iloc[q.offset:q.offset + q.limit]
        return self._texts(frame, RASTER_PROPERTIES, q.out_crs, q.decimals), matched

    def feature(self, fid: int, out_crs: CRS, decimals: int) -> str | None:
        if fid != 1:
            return None
        return self._texts(self.footprint(), RASTER_PROPERTIES, out_crs, decimals)[0]

    def tile(self, z: int, x: int, y: int, fmt: str) -> bytes:
        return render_png(self.store.raster_path(self.spec.id, self.version.version), z, x, y, self.spec.style)

    def require_coverage(self) -> None:
        return None

    def coverage_path(self, version: int) -> Path:
        return self.store.raster_path(self.spec.id, version)


#: The reader of each layer kind (:attr:`LayerSpec.kind`); a new kind is one entry here.
READERS: dict[str, type[CollectionReader]] = {"vector": VectorReader, "table": TableReader, "raster": RasterReader}


def reader_of(spec: LayerSpec, version: LayerVersion, store: Store, base: str) -> CollectionReader:
    """The reader of a collection, by the kind of its layer; a kind without a reader is a server error."""
    cls = READERS.get(spec.kind)
    if cls is None:
        raise NotImplementedError(f"layer {spec.id!r} is of kind {spec.kind!r}, which no collection reader serves; "
                                  f"register one in geoservice.api.readers.READERS (served: {', '.join(READERS)})")
    return cls(spec, version, store, base)


def reader_for(request: Request, collection_id: str) -> CollectionReader:
    """The reader of a published collection of the request's store (404 for an unknown or unpublished one)."""
    spec, version = collection(request, collection_id)
    return reader_of(spec, version, store_of(request), base_url(request))


# --- helpers shared by the readers ---------------------------------------------------------------------

def fields_doc(spec: LayerSpec) -> list[dict[str, Any]]:
    """The ``fields`` member of a collection document: name, JSON type, unit, description, allowed values."""
    return [{"name": f.name, "type": JSON_TYPES[f.dtype], "unit": f.unit, "description": f.description,
             **({"values": list(f.values)} if f.values else {})} for f in spec.fields]


def attribute_links(here: str) -> list[dict[str, Any]]:
    """Links to the queryables and sortables of a collection with attribute fields."""
    return [
        link(f"{here}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON,
             "Queryable properties"),
        link(f"{here}/sortables", "http://www.opengis.net/def/rel/ogc/1.0/sortables", SCHEMA_JSON,
             "Sortable properties"),
    ]


def has_spatial(tree: Filter) -> bool:
    """Whether a filter tree holds a spatial predicate."""
    if isinstance(tree, Intersects):
        return True
    return any(has_spatial(a) for a in getattr(tree, "args", ())) or (
        hasattr(tree, "arg") and has_spatial(tree.arg))  # type: ignore[union-attr]


def _footprint_matches(geom, tree: Filter) -> bool:
    if isinstance(tree, Intersects):
        return bool(geom.intersects(tree.geometry))
    if isinstance(tree, And):
        return all(_footprint_matches(geom, a) for a in tree.args)
    if isinstance(tree, Or):
        return any(_footprint_matches(geom, a) for a in tree.args)
    if isinstance(tree, Not):
        return not _footprint_matches(geom, tree.arg)
    raise InvalidRequest("a raster footprint has no properties to filter on")


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    sub = frame[columns] if columns else pd.DataFrame(index=frame.index)
    sub = sub.replace([np.inf, -np.inf], np.nan)  # JSON has no infinity: such values read as null
    sub = sub.astype(object).where(sub.notna(), None)
    return sub.to_dict("records")


def feature_texts(frame: pd.DataFrame, columns: list[str], storage: CRS | None, out_crs: CRS | None,
                  decimals: int) -> list[str]:
    """GeoJSON Feature texts of ``frame`` (index = feature id; properties ``columns``), geometries from
    ``storage`` (``None``: no geometry) into ``out_crs``'s axis order, with ``decimals`` decimals."""
    ids = [int(i) for i in frame.index]
    if storage is not None and "geometry" in frame:
        geoms = np.asarray(frame.geometry.values, dtype=object)
        geoms = crsmod.to_request_order(geoms, storage, out_crs)
        texts = shapely.to_geojson(shapely.transform(geoms, lambda c: np.round(c, decimals)))
    else:
        texts = [None] * len(ids)
    records = _records(frame, columns)
    dumps = json.dumps
    return [f'{{"type":"Feature","id":{fid},"geometry":{g or "null"},"properties":'
            f'{dumps(p, separators=(",", ":"), allow_nan=False, default=json_default)}}}'
            for fid, g, p in zip(ids, texts, records)]


__all__ = [
    "RASTER_PROPERTIES",
    "READERS",
    "CollectionReader",
    "ItemsQuery",
    "RasterReader",
    "TableReader",
    "VectorReader",
    "feature_texts",
    "reader_for",
    "reader_of",
]
