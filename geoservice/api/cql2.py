"""CQL2 text → the filter tree of :mod:`geoservice.query`.

A hand-written recursive-descent parser for the subset the service declares in ``/conformance``:
basic CQL2 (comparisons ``= <> < <= > >=``, ``AND``/``OR``/``NOT``, ``IS [NOT] NULL``), advanced comparison
operators (``[NOT] LIKE``, ``[NOT] BETWEEN``, ``[NOT] IN``) and ``S_INTERSECTS`` of the geometry with a
``BBOX(...)`` or a WKT literal. Property names are checked against the layer's catalog fields and literals
against the field's type, so a store receives only known columns and well-typed values — never request
text to splice.

Grammar (after OGC 21-065, CQL2 text)::

    expr      := term ("OR" term)*
    term      := factor ("AND" factor)*
    factor    := "NOT" factor | "(" expr ")" | predicate
    predicate := "S_INTERSECTS" "(" geomexpr "," geomexpr ")"
               | scalar ( cmpop scalar | ["NOT"] "LIKE" string | ["NOT"] "BETWEEN" number "AND" number
                        | ["NOT"] "IN" "(" scalar ("," scalar)* ")" | "IS" ["NOT"] "NULL" )
    geomexpr  := "geometry" | "BBOX" "(" number{4|6} ")" | WKT
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import shapely
from pyproj import CRS

from geoservice.api import crs as crsmod
from geoservice.query import And, Between, Comparison, Filter, In, Intersects, IsNull, Like, Not, Or, Scalar, like_parts
from layers.catalog.spec import Field, LayerSpec
from layers.errors import InvalidRequest

#: Longest filter text accepted [characters]; a WKT polygon of a few thousand vertices fits.
MAX_FILTER_CHARS = 200_000
#: Deepest nesting of parentheses/NOT accepted; protects the parser's recursion.
MAX_DEPTH = 64
#: Deepest nesting of parentheses in a WKT literal: a GEOMETRYCOLLECTION of multipolygons needs 4; PostGIS
#: refuses deeply chained collections ("too many chained collections") and GEOS recurses on them.
MAX_WKT_DEPTH = 8
#: Most vertices of a WKT literal (a detailed commune boundary has a few thousand; the longest filter text
#: holds up to 50,000 short ones).
MAX_WKT_VERTICES = 20_000
#: Names under which the feature geometry may be referred to.
GEOMETRY_NAMES = ("geometry", "geom")
#: Integers a store can bind as a 64-bit value.
INT64 = 2**63 - 1

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<qident>"(?:[^"]|"")+")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.:]*)
  | (?P<op><>|<=|>=|=|<|>)
  | (?P<punct>[(),])
""", re.VERBOSE | re.ASCII)

_WKT_TYPES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
              "GEOMETRYCOLLECTION")
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE"}
_FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_UNSUPPORTED_SPATIAL = ("S_CONTAINS", "S_CROSSES", "S_DISJOINT", "S_EQUALS", "S_OVERLAPS", "S_TOUCHES",
                        "S_WITHIN")


@dataclass(frozen=True)
class _Tok:
    kind: str  # string, number, ident, qident, op, punct, end
    text: str
    pos: int


@dataclass(frozen=True)
class _Prop:
    field: Field


@dataclass(frozen=True)
class _Lit:
    value: Scalar


class _GeomProp:
    pass


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise InvalidRequest(f"filter: unexpected character {text[pos]!r} at position {pos}")
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


def check_text(value: str, what: str) -> str:
    """Reject text no store can bind (NUL characters)."""
    if "\x00" in value:
        raise InvalidRequest(f"{what}: NUL characters are not allowed")
    return value


def _number(text: str) -> int | float:
    try:
        if re.fullmatch(r"[+-]?[0-9]+", text):
            value = int(text)
            return value if abs(value) <= INT64 else float(value)
        number = float(text)
    except (OverflowError, ValueError):
        raise InvalidRequest(f"filter: number {text[:40]!r} is out of range") from None
    if not math.isfinite(number):
        raise InvalidRequest(f"filter: number {text[:40]!r} is out of range")
    return number


class _Parser:
    def __init__(self, text: str, spec: LayerSpec, filter_crs: CRS, storage_crs: CRS):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.spec = spec
        self.fields = {f.name: f for f in spec.fields}
        self.filter_crs = filter_crs
        self.storage_crs = storage_crs
        self.depth = 0

    # --- token helpers ---
    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def _kw(self, word: str) -> bool:
        t = self.tok
        return t.kind == "ident" and t.text.upper() == word

    def _accept_kw(self, word: str) -> bool:
        if self._kw(word):
            self.i += 1
            return True
        return False

    def _expect_kw(self, word: str) -> None:
        if not self._accept_kw(word):
            self._fail(f"expected {word}")

    def _accept(self, text: str) -> bool:
        if self.tok.kind in ("punct", "op") and self.tok.text == text:
            self.i += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        if not self._accept(text):
            self._fail(f"expected {text!r}")

    def _fail(self, message: str) -> None:
        t = self.tok
        found = "end of text" if t.kind == "end" else repr(t.text)
        raise InvalidRequest(f"filter: {message} at position {t.pos}, found {found}")

    # --- grammar ---
    def parse(self) -> Filter:
        tree = self._expr()
        if self.tok.kind != "end":
            self._fail("expected AND, OR or the end of the filter")
        return tree

    def _expr(self) -> Filter:
        args = [self._term()]
        while self._accept_kw("OR"):
            args.append(self._term())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def _term(self) -> Filter:
        args = [self._factor()]
        while self._accept_kw("AND"):
            args.append(self._factor())
        return args[0] if len(args) == 1 else And(tuple(args))

    def _factor(self) -> Filter:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise InvalidRequest(f"filter: nested deeper than {MAX_DEPTH} levels")
        try:
            if self._accept_kw("NOT"):
                return Not(self._factor())
            if self._accept("("):
                inner = self._expr()
                self._expect(")")
                return inner
            return self._predicate()
        finally:
            self.depth -= 1

    def _predicate(self) -> Filter:
        t = self.tok
        if t.kind == "ident" and t.text.upper() == "S_INTERSECTS":
            return self._intersects()
        if t.kind == "ident" and t.text.upper() in _UNSUPPORTED_SPATIAL + ("T_INTERSECTS", "A_CONTAINS"):
            self._fail(f"{t.text.upper()} is not supported; use S_INTERSECTS")
        left = self._scalar()
        if self.tok.kind == "op":
            op = self.tok.text
            self.i += 1
            right = self._scalar()
            return self._comparison(op, left, right)
        negate = self._accept_kw("NOT")
        if self._accept_kw("LIKE"):
            prop = self._need_prop(left, "LIKE")
            if prop.field.dtype != "str":
                raise InvalidRequest(f"filter: LIKE needs a text property; {prop.field.name!r} is {prop.field.dtype}")
            pattern = self._scalar()
            if not isinstance(pattern, _Lit) or not isinstance(pattern.value, str):
                self._fail("LIKE needs a quoted pattern")
            try:
                like_parts(pattern.value)
            except ValueError as exc:
                raise InvalidRequest(f"filter: LIKE pattern {pattern.value[:40]!r}: {exc}") from None
            node: Filter = Like(prop.field.name, pattern.value)
        elif self._accept_kw("BETWEEN"):
            prop = self._need_prop(left, "BETWEEN")
            low = self._literal_for(prop.field, self._scalar())
            self._expect_kw("AND")
            high = self._literal_for(prop.field, self._scalar())
            if prop.field.dtype not in ("int", "float"):
                raise InvalidRequest(f"filter: BETWEEN needs a numeric property; {prop.field.name!r} is "
                                     f"{prop.field.dtype}")
            node = Between(prop.field.name, low, high)
        elif self._accept_kw("IN"):
            prop = self._need_prop(left, "IN")
            self._expect("(")
            values = [self._literal_for(prop.field, self._scalar())]
            while self._accept(","):
                values.append(self._literal_for(prop.field, self._scalar()))
            self._expect(")")
            node = In(prop.field.name, tuple(values))
        elif not negate and self._accept_kw("IS"):
            prop = self._need_prop(left, "IS NULL")
            is_not = self._accept_kw("NOT")
            self._expect_kw("NULL")
            node = IsNull(prop.field.name)
            return Not(node) if is_not else node
        else:
            self._fail("expected a comparison operator, LIKE, BETWEEN, IN or IS NULL")
        return Not(node) if negate else node

    def _scalar(self) -> _Prop | _Lit | _GeomProp:
        t = self.tok
        if t.kind == "string":
            self.i += 1
            return _Lit(check_text(t.text[1:-1].replace("''", "'"), "filter"))
        if t.kind == "number":
            self.i += 1
            return _Lit(_number(t.text))
        if t.kind == "ident" and t.text.upper() in ("TRUE", "FALSE"):
            self.i += 1
            return _Lit(t.text.upper() == "TRUE")
        if t.kind in ("ident", "qident"):
            name = t.text if t.kind == "ident" else t.text[1:-1].replace('""', '"')
            if t.kind == "ident" and name.upper() in _KEYWORDS:
                self._fail("expected a property name or a literal")
            if self.tokens[self.i + 1].kind == "punct" and self.tokens[self.i + 1].text == "(":
                self._fail(f"function {name!r} is not supported")
            self.i += 1
            if name in GEOMETRY_NAMES:
                return _GeomProp()
            field = self.fields.get(name)
            if field is None:
                raise InvalidRequest(f"filter: {name!r} is not a queryable of this collection; queryables: "
                                     f"{', '.join(self.fields) or 'none'} (see ./queryables)")
            return _Prop(field)
        self._fail("expected a property name or a literal")
        raise AssertionError  # unreachable: _fail raises

    def _need_prop(self, operand: Any, what: str) -> _Prop:
        if not isinstance(operand, _Prop):
            self._fail(f"{what} needs a property on its left")
        return operand

    def _literal_for(self, field: Field, operand: Any) -> Scalar:
        if not isinstance(operand, _Lit):
            raise InvalidRequest(f"filter: {field.name!r} must be compared with a literal value")
        return literal_for(field, operand.value, "filter")

    def _comparison(self, op: str, left: Any, right: Any) -> Filter:
        if isinstance(left, _Lit) and isinstance(right, _Prop):
            left, right, op = right, left, _FLIP[op]
        if not isinstance(left, _Prop) or not isinstance(right, _Lit):
            raise InvalidRequest("filter: a comparison needs one property and one literal value")
        value = literal_for(left.field, right.value, "filter")
        if left.field.dtype == "bool" and op not in ("=", "<>"):
            raise InvalidRequest(f"filter: {left.field.name!r} is boolean; compare it with = or <>")
        return Comparison(op, left.field.name, value)  # type: ignore[arg-type]

    # --- spatial ---
    def _intersects(self) -> Filter:
        self.i += 1
        self._expect("(")
        a = self._geom_operand()
        self._expect(",")
        b = self._geom_operand()
        self._expect(")")
        if isinstance(a, _GeomProp) and not isinstance(b, _GeomProp):
            return Intersects(b)
        if isinstance(b, _GeomProp) and not isinstance(a, _GeomProp):
            return Intersects(a)
        raise InvalidRequest("filter: S_INTERSECTS needs the geometry property and one geometry literal")

    def _geom_operand(self):
        t = self.tok
        if t.kind in ("ident", "qident"):
            word = t.text.upper()
            if word == "BBOX":
                return self._bbox()
            if word in _WKT_TYPES:
                return self._wkt()
            name = t.text if t.kind == "ident" else t.text[1:-1]
            if name in GEOMETRY_NAMES:
                self.i += 1
                return _GeomProp()
        self._fail("expected the geometry property, BBOX(...) or a WKT geometry")

    def _bbox(self):
        self.i += 1
        self._expect("(")
        nums = []
        while True:
            if self.tok.kind != "number":
                self._fail("BBOX takes 4 or 6 numbers")
            nums.append(float(_number(self.tok.text)))
            self.i += 1
            if not self._accept(","):
                break
        self._expect(")")
        if len(nums) not in (4, 6):
            raise InvalidRequest(f"filter: BBOX takes 4 or 6 numbers, got {len(nums)}")
        return crsmod.bbox_to_storage(tuple(nums), self.filter_crs, self.storage_crs)

    def _wkt(self):
        start = self.tok.pos
        self.i += 1
        if self._kw("Z") or self._kw("M") or self._kw("ZM"):
            self.i += 1
        if self._accept_kw("EMPTY"):
            raise InvalidRequest("filter: an EMPTY geometry intersects nothing; remove the condition")
        if not (self.tok.kind == "punct" and self.tok.text == "("):
            self._fail("expected '(' after the geometry type")
        depth = 0
        while True:
            t = self.tok
            if t.kind == "end":
                self._fail("unbalanced parentheses in the WKT geometry")
            if t.kind == "punct" and t.text == "(":
                depth += 1
                if depth > MAX_WKT_DEPTH:
                    raise InvalidRequest(f"filter: the WKT geometry nests deeper than {MAX_WKT_DEPTH} levels; "
                                         "flatten nested GEOMETRYCOLLECTIONs")
            elif t.kind == "punct" and t.text == ")":
                depth -= 1
            elif t.kind not in ("number", "punct") and not (t.kind == "ident" and t.text.upper() in _WKT_TYPES):
                self._fail("expected coordinates in the WKT geometry")
            self.i += 1
            if depth == 0:
                break
        end = self.tokens[self.i - 1].pos + 1
        try:
            geom = shapely.force_2d(shapely.from_wkt(self.text[start:end]))
        except Exception as exc:
            raise InvalidRequest(f"filter: invalid WKT geometry: {exc}") from exc
        if geom is None or geom.is_empty:
            raise InvalidRequest("filter: the WKT geometry is empty")
        if shapely.get_num_coordinates(geom) > MAX_WKT_VERTICES:
            raise InvalidRequest(f"filter: the WKT geometry has more than {MAX_WKT_VERTICES} vertices; simplify it "
                                 "or use BBOX(...)")
        if not math.isfinite(sum(shapely.bounds(geom))):
            raise InvalidRequest("filter: the WKT geometry has non-finite coordinates")
        geom = crsmod.from_request_order(shapely.make_valid(geom), self.filter_crs, self.storage_crs)
        return shapely.make_valid(geom)


def literal_for(field: Field, value: Scalar, what: str) -> Scalar:
    """``value`` checked (and, for numbers, converted) for comparison with ``field``."""
    if field.dtype in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidRequest(f"{what}: {field.name!r} is numeric; compare it with a number, not {value!r}")
        return value
    if field.dtype == "bool":
        if not isinstance(value, bool):
            raise InvalidRequest(f"{what}: {field.name!r} is boolean; compare it with TRUE or FALSE")
        return value
    if not isinstance(value, str):
        raise InvalidRequest(f"{what}: {field.name!r} is text; quote the value ('{value}')")
    return value


def coerce_query_value(field: Field, raw: str) -> Scalar:
    """A query-string value (``?commune=Esch``) converted to ``field``'s type."""
    check_text(raw, field.name)
    if field.dtype == "int":
        if not re.fullmatch(r"[+-]?[0-9]{1,30}", raw.strip()):
            raise InvalidRequest(f"{field.name}: {raw!r} is not an integer")
        return _number(raw.strip())
    if field.dtype == "float":
        if not raw.isascii():  # float() also reads other scripts' digits
            raise InvalidRequest(f"{field.name}: {raw!r} is not a number")
        try:
            value = float(raw)
        except ValueError:
            raise InvalidRequest(f"{field.name}: {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise InvalidRequest(f"{field.name}: {raw!r} is not a finite number")
        return value
    if field.dtype == "bool":
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise InvalidRequest(f"{field.name}: {raw!r} is not true or false")
    return raw


def parse_cql2_text(text: str, spec: LayerSpec, filter_crs: CRS, storage_crs: CRS) -> Filter:
    """Parse CQL2 text against ``spec``'s fields; spatial literals are given in ``filter_crs`` and returned
    in ``storage_crs``. Raise :class:`InvalidRequest` saying what is wrong and where."""
    if len(text) > MAX_FILTER_CHARS:
        raise InvalidRequest(f"filter: longer than {MAX_FILTER_CHARS} characters")
    check_text(text, "filter")
    if not text.strip():
        raise InvalidRequest("filter: empty; leave the parameter out to select every feature")
    return _Parser(text, spec, filter_crs, storage_crs).parse()
