"""A filter expression tree shared by the API (which parses CQL2 text and query parameters into it) and the
stores (which render it: SQL with bound parameters in PostGIS and GeoPackage, never spliced text).

Property names in a tree have been checked against the layer's catalog fields before they reach a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shapely.geometry.base import BaseGeometry

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Comparison:
    """``prop op value`` with op one of = <> < <= > >=."""

    op: Literal["=", "<>", "<", "<=", ">", ">="]
    prop: str
    value: Scalar


@dataclass(frozen=True)
class Between:
    prop: str
    low: Scalar
    high: Scalar


@dataclass(frozen=True)
class In:
    prop: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Like:
    """SQL LIKE with ``%`` and ``_`` wildcards and ``\\`` escaping the next ``%``, ``_`` or ``\\``;
    case-sensitive."""

    prop: str
    pattern: str


def like_parts(pattern: str) -> list[tuple[bool, str]]:
    """The pattern as ``(is_wildcard, character)`` pairs (``%`` and ``_`` unescaped are wildcards). Raises
    ValueError for a backslash that escapes nothing (at the end, or before another character): the stores
    render LIKE with ESCAPE '\\', and PostgreSQL rejects a pattern ending in it."""
    parts: list[tuple[bool, str]] = []
    chars = iter(enumerate(pattern))
    for pos, ch in chars:
        if ch == "\\":
            escaped = next(chars, (pos, ""))[1]
            if escaped not in ("%", "_", "\\"):
                raise ValueError(f"the backslash at position {pos} must be followed by %, _ or a backslash "
                                 "(it escapes a wildcard); write two backslashes for a literal one")
            parts.append((False, escaped))
        else:
            parts.append((ch in "%_", ch))
    return parts


@dataclass(frozen=True)
class IsNull:
    prop: str


@dataclass(frozen=True)
class Intersects:
    """Features whose geometry intersects ``geometry`` (given in the layer's storage CRS)."""

    geometry: BaseGeometry


@dataclass(frozen=True)
class And:
    args: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    arg: Filter


Filter = Comparison | Between | In | Like | IsNull | Intersects | And | Or | Not


@dataclass(frozen=True)
class SortKey:
    prop: str
    descending: bool = False
