"""Render a :mod:`geoservice.query` filter tree as a SQL ``WHERE`` expression with bound parameters.

Property names are checked against the layer's catalog fields and quoted; every value becomes a named
parameter (``:p0``, ``:p1``, ...), understood by both sqlite3 and SQLAlchemy's ``text()``. Only the spatial
test differs by backend: PostGIS uses ``ST_Intersects`` (with its GIST index), the GeoPackage an R-tree
bounding-box pre-filter and then an exact shapely test registered as the SQL function ``gs_intersects``.

Both dialects give SQL's three-valued logic: a comparison with a missing value is neither true nor false,
so ``NOT (x = 1)`` does not match features where ``x`` is missing — the same on both backends. A catalog field
that the version's table lacks (published before the field existed, see :mod:`geoservice.store.columns`) is
missing in every row: it renders as ``NULL``, and sorting by it is left out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import shapely

from geoservice.query import And, Between, Comparison, Filter, In, Intersects, IsNull, Like, Not, Or, SortKey
from geoservice.store.common import check_properties, coerce_value, quote_ident
from layers.catalog import LayerSpec
from layers.errors import InvalidRequest

Dialect = Literal["sqlite", "postgres"]
_OPS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
#: Deepest filter tree accepted (a guard against pathological requests).
MAX_DEPTH = 64


@dataclass
class SqlFilter:
    """A rendered filter: the SQL text and its parameters."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Renderer:
    spec: LayerSpec
    dialect: Dialect
    geom_column: str
    srid: int
    rtree_table: str | None = None
    missing: Collection[str] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def column(self, prop: str) -> str:
        if prop not in self.spec.field_names:
            raise InvalidRequest(f"layer {self.spec.id!r} has no property {prop!r}; properties: "
                                 f"{', '.join(self.spec.field_names)}")
        return "NULL" if prop in self.missing else quote_ident(prop)

    def value(self, prop: str, value: Any) -> str:
        return self.bind(coerce_value(self.spec, prop, value))

    def render(self, node: Filter, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise InvalidRequest(f"filter nests deeper than {MAX_DEPTH} levels; simplify it")
        if isinstance(node, Comparison):
            if node.op not in _OPS:
                raise InvalidRequest(f"unknown comparison operator {node.op!r}; use one of {', '.join(_OPS)}")
            return f"({self.column(node.prop)} {_OPS[node.op]} {self.value(node.prop, node.value)})"
        if isinstance(node, Between):
            col = self.column(node.prop)
            return f"({col} BETWEEN {self.value(node.prop, node.low)} AND {self.value(node.prop, node.high)})"
        if isinstance(node, In):
            col = self.column(node.prop)
            if not node.values:
                return "(1 = 0)"
            return f"({col} IN ({', '.join(self.value(node.prop, v) for v in node.values)}))"
        if isinstance(node, Like):
            col = self.column(node.prop)
            return f"({col} LIKE {self.bind(str(node.pattern))} ESCAPE '\\')"
        if isinstance(node, IsNull):
            return f"({self.column(node.prop)} IS NULL)"
        if isinstance(node, Intersects):
            return self.intersects(node)
        if isinstance(node, And | Or):
            if not node.args:
                return "(1 = 1)" if isinstance(node, And) else "(1 = 0)"
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.render(a, depth + 1) for a in node.args) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.render(node.arg, depth + 1)})"
        raise InvalidRequest(f"unsupported filter node {type(node).__name__}")

    def intersects(self, node: Intersects) -> str:
        geometry = node.geometry
        if geometry is None or shapely.is_empty(geometry):
            return "(1 = 0)"
        geom = quote_ident(self.geom_column)
        if self.dialect == "postgres":
            wkb = self.bind(shapely.to_wkb(geometry))
            return f"ST_Intersects({geom}, ST_GeomFromWKB({wkb}, {int(self.srid)}))"
        xmin, ymin, xmax, ymax = shapely.bounds(geometry).tolist()
        exact = f"gs_intersects({geom}, {self.bind(shapely.to_wkb(geometry))})"
        if self.rtree_table is None:
            return f"({exact})"
        box = (f"fid IN (SELECT id FROM {quote_ident(self.rtree_table)} WHERE minx <= {self.bind(xmax)} "
               f"AND maxx >= {self.bind(xmin)} AND miny <= {self.bind(ymax)} AND maxy >= {self.bind(ymin)})")
        return f"({box} AND {exact})"


def render_filter(spec: LayerSpec, node: Filter | None, *, dialect: Dialect, geom_column: str, srid: int,
                  rtree_table: str | None = None, feature_id: int | None = None,
                  missing: Collection[str] = ()) -> SqlFilter:
    """The ``WHERE`` expression for ``node`` (and ``feature_id``); ``1 = 1`` when there is neither. Fields in
    ``missing`` (catalog fields the version's table lacks) compare as ``NULL``."""
    renderer = _Renderer(spec, dialect, geom_column, srid, rtree_table, missing)
    parts = []
    if node is not None:
        parts.append(renderer.render(node))
    if feature_id is not None:
        try:
            fid = int(feature_id)
        except (TypeError, ValueError):
            raise InvalidRequest(f"feature id {feature_id!r} is not an integer") from None
        parts.append(f"(fid = {renderer.bind(fid)})")
    return SqlFilter(" AND ".join(parts) if parts else "(1 = 1)", renderer.params)


def render_order(spec: LayerSpec, sortby: Sequence[SortKey], *, dialect: Dialect,
                 missing: Collection[str] = ()) -> str:
    """``ORDER BY`` terms: the sort keys (missing values last ascending, first descending; text in
    code-point order on both backends) then the feature id, so paging is stable. A key in ``missing`` (a
    catalog field the version's table lacks, null in every row) orders nothing and is left out."""
    terms = []
    for key in sortby:
        check_properties(spec, [key.prop])
        if key.prop in missing:
            continue
        col = quote_ident(key.prop)
        if dialect == "postgres" and spec.get_field(key.prop).dtype == "str":
            col += ' COLLATE "C"'
        terms.append(f"{col} DESC NULLS FIRST" if key.descending else f"{col} ASC NULLS LAST")
    terms.append("fid")
    return ", ".join(terms)
