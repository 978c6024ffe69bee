"""Filtering, sorting and paging of table layers (small, non-spatial: monthly climate, commune indicators)
in memory, with the same filter tree the stores render as SQL."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geoservice.query import (
    And,
    Between,
    Comparison,
    Filter,
    In,
    Intersects,
    IsNull,
    Like,
    Not,
    Or,
    SortKey,
    like_parts,
)
from layers.catalog import LayerSpec
from layers.errors import InvalidRequest

_OPS = {"=": np.equal, "<>": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
        ">=": np.greater_equal}


def _like_regex(pattern: str) -> re.Pattern[str]:
    try:
        pairs = like_parts(pattern)
    except ValueError as exc:
        raise InvalidRequest(f"filter: LIKE pattern {pattern[:40]!r}: {exc}") from None
    parts = [("." if ch == "_" else ".*") if wild else re.escape(ch) for wild, ch in pairs]
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def filter_mask(frame: pd.DataFrame, tree: Filter) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` matching ``tree`` (SQL semantics: NULL never matches)."""
    if isinstance(tree, And):
        mask = np.ones(len(frame), dtype=bool)
        for arg in tree.args:
            mask &= filter_mask(frame, arg)
        return mask
    if isinstance(tree, Or):
        mask = np.zeros(len(frame), dtype=bool)
        for arg in tree.args:
            mask |= filter_mask(frame, arg)
        return mask
    if isinstance(tree, Not):
        return ~filter_mask(frame, tree.arg) & _not_null_inside(frame, tree.arg)
    if isinstance(tree, Intersects):
        raise InvalidRequest("a table has no geometry to intersect")
    col = frame[tree.prop]
    present = col.notna().to_numpy()
    if isinstance(tree, IsNull):
        return ~present
    if isinstance(tree, Comparison):
        values = col.where(col.notna(), None)
        result = np.array([v is not None and bool(_OPS[tree.op](v, tree.value)) for v in values], dtype=bool)
        return result & present
    if isinstance(tree, Between):
        return (col >= tree.low).to_numpy() & (col <= tree.high).to_numpy() & present
    if isinstance(tree, In):
        return col.isin(tree.values).to_numpy() & present
    if isinstance(tree, Like):
        rx = _like_regex(tree.pattern)
        return np.array([isinstance(v, str) and rx.match(v) is not None for v in col], dtype=bool)
    raise InvalidRequest(f"unsupported filter node {type(tree).__name__}")


def _not_null_inside(frame: pd.DataFrame, tree: Filter) -> np.ndarray:
    """Rows where NOT(tree) is not NULL: its properties are present (IS NULL is never NULL)."""
    if isinstance(tree, (IsNull, Intersects)):
        return np.ones(len(frame), dtype=bool)
    if isinstance(tree, (And, Or)):
        return np.ones(len(frame), dtype=bool)
    if isinstance(tree, Not):
        return _not_null_inside(frame, tree.arg)
    return frame[tree.prop].notna().to_numpy()


def table_page(frame: pd.DataFrame, spec: LayerSpec, tree: Filter | None, sortby: Sequence[SortKey], limit: int,
               offset: int) -> tuple[pd.DataFrame, int]:
    """One page of a table layer's rows and the number of rows matching in all."""
    if not isinstance(frame.index, pd.RangeIndex) and not pd.api.types.is_integer_dtype(frame.index):
        frame = frame.reset_index(drop=True)
    if tree is not None:
        frame = frame[filter_mask(frame, tree)]
    if sortby:
        frame = frame.sort_values([k.prop for k in sortby], ascending=[not k.descending for k in sortby],
                                  kind="stable", na_position="last")
    return frame.iloc[offset:offset + limit], len(frame)
