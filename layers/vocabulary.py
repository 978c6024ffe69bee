"""Class vocabularies of categorical input fields, extended per region.

The catalog lists the classes every analysis knows (``layers/catalog/inputs.py``). A region adds its own in
``[classes.<input>.<field>]`` (documented in ``docs/references/vocabularies.md``):

- ``peatland = { like = "wetland" }``: the class is read as the canonical class it behaves like, for every
  analysis (its features are counted in the log);
- ``rapakivi_granite = { conductivity_w_mk = 3.1 }`` (geology only): a lithology of its own, with its
  thermal conductivity λ [W m-1 K-1].

A value neither canonical nor declared is refused with the count of features holding each unknown value and
the two ways on (map it with ``values`` or declare it in ``[classes]``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from layers.catalog.spec import Field
from layers.errors import InputDataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldVocabulary:
    """A region's additions to one categorical field: classes kept as they are, and aliases read as a
    canonical class."""

    extra: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def allowed(self, f: Field) -> tuple[str, ...]:
        """Every value the field may hold in this region (catalog classes, then the region's own)."""
        return (*(f.values or ()), *self.extra)


NO_ADDITIONS = FieldVocabulary()


def value_counts_text(values: pd.Series, limit: int = 8) -> str:
    """``'gneiss' (12 features), 'granite' (3 features)``, most frequent first."""
    counts = values.astype(str).value_counts()
    text = ", ".join(f"{v!r} ({n:,} feature{'s' if n != 1 else ''})" for v, n in counts.head(limit).items())
    return text + (f" and {len(counts) - limit} more" if len(counts) > limit else "")


def apply_vocabulary(series: pd.Series, f: Field, vocabulary: FieldVocabulary, input_id: str,
                     path: str) -> pd.Series:
    """``series`` with region aliases replaced by their canonical class; raise :class:`InputDataError` naming
    every unknown value with its count."""
    if f.values is None:
        return series
    if vocabulary.aliases:
        aliased = series.isin(list(vocabulary.aliases))
        if aliased.any():
            log.info("input %r: field %r: %s read as %s ([classes.%s.%s])", input_id, f.name,
                     value_counts_text(series[aliased]),
                     ", ".join(f"{k} → {v}" for k, v in vocabulary.aliases.items()), input_id, f.name)
            series = series.map(lambda v: vocabulary.aliases.get(v, v) if isinstance(v, str) else v)
    present = series.dropna()
    unknown = present[~present.astype(str).isin(vocabulary.allowed(f))]
    if not unknown.empty:
        first = str(unknown.iloc[0])
        raise InputDataError(
            f"input {input_id!r}: {path}: field {f.name!r} holds values the region does not know: "
            f"{value_counts_text(unknown)}; known: {list(vocabulary.allowed(f))}. Map a value onto a known class "
            f"with values.{f.name} = {{ \"{first}\" = \"<known class>\" }} in [inputs.{input_id}], or declare it "
            f"as a class of the region in [classes.{input_id}.{f.name}]: {first} = {{ like = \"<known class>\" }}"
            + (" or { conductivity_w_mk = <λ> }" if (input_id, f.name) == ("geology", "lithology") else ""))
    return series


def extra_values(vocabularies: Mapping[str, FieldVocabulary]) -> dict[str, tuple[str, ...]]:
    """Field → the region's own classes (for checks of published data)."""
    return {name: v.extra for name, v in vocabularies.items() if v.extra}
