"""Declarative description of a layer: identity, geometry, fields with units, and how to draw it.

Units follow one spelling everywhere (``m``, ``m2``, ``ha``, ``deg``, ``m s-1``, ``kWh m-2 yr-1``,
``MWh yr-1``, ...); a field's name carries its unit as a suffix (``area_m2``, ``yield_kwh_yr``). Azimuths
are degrees from north, clockwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["vector", "raster", "table"]
Role = Literal["input", "output", "comparison"]
GeometryType = Literal["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"]
DType = Literal["int", "float", "str", "bool"]

#: Geometry types a declared type accepts (single and multi parts are interchangeable).
COMPATIBLE_GEOMETRIES: dict[str, frozenset[str]] = {
    "Point": frozenset({"Point", "MultiPoint"}),
    "LineString": frozenset({"LineString", "MultiLineString"}),
    "Polygon": frozenset({"Polygon", "MultiPolygon"}),
}
COMPATIBLE_GEOMETRIES["MultiPoint"] = COMPATIBLE_GEOMETRIES["Point"]
COMPATIBLE_GEOMETRIES["MultiLineString"] = COMPATIBLE_GEOMETRIES["LineString"]
COMPATIBLE_GEOMETRIES["MultiPolygon"] = COMPATIBLE_GEOMETRIES["Polygon"]


@dataclass(frozen=True)
class Field:
    """One attribute of a vector layer.

    Parameters
    ----------
    name : attribute name; carries its unit as a suffix where it has one (``area_m2``).
    dtype : ``int``, ``float``, ``str`` or ``bool``.
    unit : unit in the project's spelling (``m2``, ``kWh yr-1``), ``""`` for dimensionless or text.
    description : one sentence a planner understands.
    required : whether every published feature must carry a non-null value.
    values : the allowed values of a categorical field, if any.
    """

    name: str
    dtype: DType
    unit: str = ""
    description: str = ""
    required: bool = True
    values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Category:
    """One class of a categorical style: value, legend label and colour (``#rrggbb``)."""

    value: str
    label: str
    color: str


@dataclass(frozen=True)
class Style:
    """How maps and tiles draw a layer, and what its legend says.

    A vector layer is drawn either with one ``color`` or by a ``field``: categorical (``categories``) or
    continuous (``stops`` → ``colors`` ramp). A raster layer uses ``stops``/``colors`` as its colour map.
    ``unit`` is shown in the legend.
    """

    color: str = "#3388ff"
    fill_opacity: float = 0.5
    weight: float = 1.0
    radius: float = 4.0
    field: str | None = None
    categories: tuple[Category, ...] = ()
    stops: tuple[float, ...] = ()
    colors: tuple[str, ...] = ()
    unit: str = ""

    def __post_init__(self) -> None:
        if len(self.stops) != len(self.colors):
            raise ValueError("a colour ramp needs one colour per stop")
        if list(self.stops) != sorted(self.stops):
            raise ValueError("colour-ramp stops must increase")


@dataclass(frozen=True)
class LayerSpec:
    """Everything the project knows about one layer id.

    Parameters
    ----------
    id : stable public id (collection id in the API, table name in the store).
    title, description : shown in the API, QGIS and the maps.
    kind : ``vector``, ``raster`` or ``table`` (non-spatial, e.g. a monthly climate table).
    role : ``input`` (read from the region's sources; the ``inputs`` step publishes it as read) or
        ``output`` (produced by an analysis step) or ``comparison`` (published by ``geoservice compare``
        for a pair of scenarios, ``produced_by="compare"``).
    geometry : geometry type of a vector layer.
    fields : attributes of a vector layer or table, in publishing order.
    unit : unit of a raster's values.
    dtype : numpy dtype name of a raster's values.
    style : drawing and legend.
    produced_by : the pipeline step that publishes an output layer.
    optional : an input the analyses can do without (they degrade, with a warning).
    key_fields : the fields that matter most to a person (map tooltips and popups); default: the first six.
    """

    id: str
    title: str
    description: str
    kind: Kind
    role: Role
    geometry: GeometryType | None = None
    fields: tuple[Field, ...] = ()
    unit: str = ""
    dtype: str = "float32"
    style: Style = field(default_factory=Style)
    produced_by: str | None = None
    optional: bool = False
    key_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "vector" and self.geometry is None:
            raise ValueError(f"vector layer {self.id!r} needs a geometry type")
        if self.kind == "raster" and (self.geometry is not None or self.fields):
            raise ValueError(f"raster layer {self.id!r} takes no geometry type or fields")
        if self.kind == "table" and self.geometry is not None:
            raise ValueError(f"table {self.id!r} takes no geometry type")
        if self.role == "output" and not self.produced_by:
            raise ValueError(f"output layer {self.id!r} must name the step that produces it")
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"layer {self.id!r} declares a field twice")
        unknown = [k for k in self.key_fields if k not in names]
        if unknown:
            raise ValueError(f"layer {self.id!r}: key fields {unknown} are not declared fields")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def display_fields(self) -> tuple[str, ...]:
        """The fields shown in tooltips and popups."""
        return self.key_fields or self.field_names[:6]

    def get_field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"layer {self.id!r} has no field {name!r}")


@dataclass(frozen=True)
class CommuneSum:
    """An analysis's contribution to the ``commune_indicators`` layer: ``field`` is the sum of ``column`` over
    the features of ``layer`` whose representative point lies in the commune (only those whose boolean field
    ``where`` is true, when given), divided by ``divide_by`` (a unit change, e.g. 1e3 from MWh to GWh). A catalog module lists its contributions in ``COMMUNE_SUMS``; the layer must
    be among its step's ``district_layers`` so the districts step reads it."""

    field: Field
    layer: str
    column: str
    divide_by: float = 1.0
    where: str | None = None
