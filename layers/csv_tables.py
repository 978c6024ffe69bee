"""CSV tables in the dialects spreadsheets write: the separator, the decimal mark and the encoding, stated in the
input's ``[inputs.<id>]`` (``separator``, ``decimal``, ``encoding``) or found in the file.

The rules (also in README, *Real data*, and docs/INPUTS.md):

- **encoding**: UTF-8 by default, a leading byte-order mark skipped; an Excel export in a Western European
  locale is often Windows-1252 (``encoding = "cp1252"``). A file that does not decode is refused with the line
  and the option to set; nothing is guessed.
- **separator**: the candidate (``,`` ``;`` tab ``|``) occurring most often in the header line, outside quotes; a
  tie is refused (state ``separator``).
- **decimal mark**: in a comma-separated file a point, always: a comma there may also group thousands
  (``"1,234"``), so a number holding one is refused until ``decimal`` says what it is. In a file separated
  otherwise, a comma when the numeric columns hold decimal commas (``12,5``) and no decimal points, a point
  when they hold points and no commas; both is refused (state ``decimal``).
- **thousands**: a space, no-break space (U+00A0) or narrow no-break space (U+202F) between groups of three
  digits is always dropped (``1 234,5``). The other mark (a point with a decimal comma, a comma with a decimal
  point) groups thousands only when ``decimal`` is stated (``1.234,5`` with ``decimal = ","``); when the
  decimal mark was found rather than stated, a number holding it is refused as ambiguous.

Every column is read as text, so codes keep their leading zeros (``091``); the numeric columns named by the
caller are rewritten as plain numbers (``1234.5``) for the catalog's type conversion.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import urllib.request
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from layers.errors import InputDataError

log = logging.getLogger(__name__)

#: Column separators a CSV table may use, and how messages name them.
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
#: Decimal marks, and how messages name them.
DECIMALS = {".": "decimal point", ",": "decimal comma"}
#: Characters that group thousands unambiguously: space, no-break space, narrow no-break space.
SPACE_GROUPING = " \u00a0\u202f"
#: File name endings read as CSV tables.
CSV_SUFFIXES = (".csv", ".tsv", ".txt")

#: Codec names (as :func:`codecs.lookup` gives them) read as UTF-8 with an optional byte-order mark.
_UTF8 = ("utf-8", "utf-8-sig")
_BOM = codecs.BOM_UTF8
_SPACES = f"[{SPACE_GROUPING}]"
_EXPONENT = r"(?:[eE][+-]?\d+)?"


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV table is written: column ``separator``, ``decimal`` mark, ``encoding``; ``found`` names what was
    detected in the file rather than stated."""

    separator: str
    decimal: str
    encoding: str
    found: tuple[str, ...] = ()

    def describe(self) -> str:
        """``semicolon-separated, decimal comma, utf_8 (detected: separator, decimal)``."""
        text = f"{SEPARATORS[self.separator]}-separated, {DECIMALS[self.decimal]}, {self.encoding}"
        return text + (f" (detected: {', '.join(self.found)})" if self.found else "")


def _other(decimal: str) -> str:
    return "," if decimal == "." else "."


def _integer_part(grouping: str) -> str:
    """Digits, or digits grouped by three with a space-like character or ``grouping``."""
    groups = f"(?:{_SPACES}|{re.escape(grouping)})" if grouping else _SPACES
    return rf"(?:\d{{1,3}}(?:{groups}\d{{3}})+|\d+)"


def number_pattern(decimal: str, grouping: str = "") -> re.Pattern[str]:
    """A number written with ``decimal`` as its decimal mark and spaces (or ``grouping``) between thousands."""
    fraction = rf"{re.escape(decimal)}\d+"
    return re.compile(rf"[+-]?(?:{_integer_part(grouping)}(?:{fraction})?|{fraction}){_EXPONENT}")


#: A cell that is meant as a number: digits, signs, marks, spaces and an exponent only.
_NUMBER_LIKE = re.compile(rf"[+-]?[\d.,{SPACE_GROUPING}]*\d[\d.,{SPACE_GROUPING}]*{_EXPONENT}")
#: A number with a fractional part after a comma / after a point (no other mark), for detection.
_COMMA_FRACTION = re.compile(rf"[+-]?{_integer_part('')},\d+{_EXPONENT}")
_POINT_FRACTION = re.compile(rf"[+-]?{_integer_part('')}\.\d+{_EXPONENT}")


def decode(raw: bytes, encoding: str | None, input_id: str, path: str) -> tuple[str, str]:
    """The text of a CSV file and the codec's name; ``encoding`` ``None`` is UTF-8. A UTF-8 byte-order mark is
    skipped; a file that does not decode raises :class:`InputDataError` naming the line and the option."""
    codec = codecs.lookup(encoding or "utf-8").name
    utf8 = codec in _UTF8
    if raw.startswith(_BOM) and not utf8:
        raise InputDataError(f"input {input_id!r}: {path} starts with a UTF-8 byte-order mark, so it is UTF-8, "
                             f"but encoding = {encoding!r}: remove encoding from [inputs.{input_id}]")
    try:
        text = raw.decode("utf-8-sig" if utf8 else codec)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        byte = raw[exc.start:exc.start + 1].hex()
        hint = ('an Excel export in a Western European locale is usually Windows-1252: set encoding = "cp1252"'
                if utf8 else 'set encoding to the one it was saved in (e.g. "utf-8", "cp1252", "latin-1")')
        raise InputDataError(f"input {input_id!r}: {path} is not {codec} text (byte 0x{byte} on line {line}); "
                             f"{hint} in [inputs.{input_id}]") from exc
    if not utf8 and not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            log.warning("input %r: %s decodes as UTF-8 but is read as %s (encoding in [inputs.%s]); if letters "
                        "such as ä come out as Ã¤, remove the encoding option", input_id, path, codec, input_id)
    return text, codec


def _separator_counts(header: str) -> dict[str, int]:
    """How often each candidate separator occurs in ``header`` outside double quotes."""
    outside = re.sub(r'"[^"]*"', "", header)
    return {s: outside.count(s) for s in SEPARATORS}


def detect_separator(header: str, input_id: str, path: str) -> str | None:
    """The candidate separator occurring most often in ``header`` outside double quotes; ``None`` when none
    occurs (a one-column table). A tie raises :class:`InputDataError` asking for ``separator``."""
    counts = _separator_counts(header)
    most = max(counts.values())
    if most == 0:
        return None
    best = [s for s, n in counts.items() if n == most]
    if len(best) > 1:
        names = " and ".join(f"{SEPARATORS[s]} ({s!r})" for s in best)
        raise InputDataError(f"input {input_id!r}: {path}: the header line holds as many {names} characters, so "
                             f"the separator is unclear; state it with separator = \"...\" in [inputs.{input_id}]")
    return best[0]


def _cells(frame: pd.DataFrame, columns: Iterable[str]) -> pd.Series:
    present = [c for c in columns if c in frame.columns]
    if not present:
        return pd.Series([], dtype=object)
    return pd.concat([frame[c].dropna().astype(str).str.strip() for c in present], ignore_index=True)


def detect_decimal(frame: pd.DataFrame, numeric: Iterable[str], separator: str, input_id: str, path: str) -> str:
    """The decimal mark of the ``numeric`` columns: a point in a comma-separated file; otherwise a comma when they
    hold decimal commas and no decimal points, else a point. Both raise :class:`InputDataError`."""
    if separator == ",":
        return "."
    cells = _cells(frame, numeric)
    commas = cells[cells.str.fullmatch(_COMMA_FRACTION)]
    points = cells[cells.str.fullmatch(_POINT_FRACTION)]
    if len(commas) and len(points):
        raise InputDataError(
            f"input {input_id!r}: {path}: the numbers hold decimal commas (e.g. {commas.iloc[0]!r}) and points (e.g. "
            f"{points.iloc[0]!r}), so the decimal mark is unclear; state it in [inputs.{input_id}]: decimal = \",\" "
            "(points then group thousands) or decimal = \".\" (commas then group thousands)")
    return "," if len(commas) else "."


def to_plain_numbers(series: pd.Series, decimal: str, *, stated: bool, separator: str, column: str,
                     input_id: str, path: str) -> pd.Series:
    """``series`` (text) with the numbers in ``decimal`` notation rewritten as plain numbers (``1234.5``): spaces
    between thousands dropped, and the other mark too when the decimal mark is ``stated``. Other text is left to
    the catalog's check, except a number the notation cannot read, which raises :class:`InputDataError`."""
    text = series.where(series.isna(), series.astype(str).str.strip())
    grouping = _other(decimal) if stated else ""
    readable = text.str.fullmatch(number_pattern(decimal, grouping)).fillna(False).astype(bool)
    plain = text[readable].str.replace(_SPACES, "", regex=True)
    if grouping:
        plain = plain.str.replace(grouping, "", regex=False)
    plain = plain.str.replace(decimal, ".", regex=False)
    unreadable = text[~readable & text.notna() & text.str.fullmatch(_NUMBER_LIKE).fillna(False).astype(bool)]
    if len(unreadable):
        example = unreadable.iloc[0]
        if stated:
            why = (f"which decimal = {decimal!r} does not read (a {DECIMALS[decimal]}, {_other(decimal)!r} grouping "
                   "thousands by three digits); fix the value or the decimal option")
        elif separator == ",":
            why = ("but in a comma-separated file decimals are points, since a comma may also group thousands "
                   "('1,234'): state what the comma is with decimal = \",\" (a decimal comma; points group thousands)"
                   " or decimal = \".\" (commas group thousands)")
        else:
            why = (f"which the {DECIMALS[decimal]} found in the file does not read ({_other(decimal)!r} may group "
                   f"thousands or be a decimal mark): state decimal = \",\" or \".\"")
        raise InputDataError(f"input {input_id!r}: {path}: column {column!r} holds {example!r} "
                             f"({len(unreadable)} such values) {why} in [inputs.{input_id}]")
    return text.where(~readable, plain)


def _ragged_line(text: str, separator: str) -> str:
    """``line 3 has 5 fields, the header 4`` for the first row whose field count differs from the header's."""
    rows = csv.reader(io.StringIO(text), delimiter=separator)
    width = len(next(rows, []))
    for number, row in enumerate(rows, start=2):
        if row and len(row) != width:
            return f"line {number} has {len(row)} fields, the header {width}"
    return ""


#: Seconds to wait for a CSV table served over HTTP(S).
URL_TIMEOUT_S = 60


def _read_bytes(path: str, input_id: str) -> bytes:
    """The bytes of a local CSV file, or of one at a URL (``http(s)://``, ``ftp://``; ``/vsicurl/URL`` too)."""
    url = path.removeprefix("/vsicurl/")
    try:
        if "://" in url:
            with urllib.request.urlopen(url, timeout=URL_TIMEOUT_S) as response:
                return response.read()
        if path.startswith("/vsi"):
            raise InputDataError(f"input {input_id!r}: {path}: a CSV table is read from a file or a URL, not through a "
                                 "GDAL /vsi path; extract it from the archive, or give its http(s) URL")
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:  # urllib's URLError and HTTPError are OSErrors
        raise InputDataError(f"input {input_id!r}: cannot read {path}: {exc}") from exc


def read_csv_table(path: str, input_id: str, numeric: Iterable[str], *, separator: str | None = None,
                   decimal: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """A CSV table with every column as text and the ``numeric`` columns as plain numbers.

    Parameters
    ----------
    path : the CSV file.
    input_id : the canonical input it feeds (for messages).
    numeric : source column names holding numbers (the catalog's int and float fields, after ``fields``).
    separator, decimal, encoding : the region file's options; ``None``: found as the module docstring says.
    """
    text, codec = decode(_read_bytes(path, input_id), encoding, input_id, path)
    header = text.split("\n", 1)[0]
    found = []
    if separator is None:
        found.append("separator")
        separator = detect_separator(header, input_id, path) or ","
    else:
        counts = _separator_counts(header)
        looks = max(counts, key=counts.__getitem__)
        if counts[separator] == 0 and counts[looks] > 0:
            raise InputDataError(f"input {input_id!r}: {path}: with separator = {separator!r} the header is one "
                                 f"column {header[:60]!r}; the file looks {SEPARATORS[looks]}-separated: set "
                                 f"separator = {looks!r} in [inputs.{input_id}] (or remove it to have it detected)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header
            frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, index_col=False)
    except (ValueError, pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise InputDataError(f"input {input_id!r}: cannot read {path} as a {SEPARATORS[separator]}-separated table: "
                             f"{_ragged_line(text, separator) or exc}; check separator in [inputs.{input_id}], and "
                             "that values holding the separator are quoted (a decimal comma in a comma-separated "
                             "file needs quotes)") from exc
    numeric = [c for c in numeric if c in frame.columns]
    stated = decimal is not None
    if decimal is None:
        found.append("decimal")
        decimal = detect_decimal(frame, numeric, separator, input_id, path)
    for column in numeric:
        frame[column] = to_plain_numbers(frame[column], decimal, stated=stated, separator=separator, column=column,
                                         input_id=input_id, path=path)
    dialect = CsvDialect(separator, decimal, codec, tuple(found))
    log.info("input %r: %s read as %s", input_id, path, dialect.describe())
    return frame
