"""CSV tables in spreadsheet dialects (layers/csv_tables.py): one small inventory written with commas and decimal
points, semicolons and decimal commas with no-break-space thousands, tabs, a byte-order mark, and Windows-1252
reads to the same frame; ambiguous files and wrong options are refused with the option to set."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from layers.errors import ConfigError, InputDataError
from layers.region import parse_region
from layers.sources import RegionSource

EXTENT = (60000.0, 58000.0, 70000.0, 66000.0)
NBSP = "\u00a0"
#: The inventory every dialect writes: code (leading zero), year, sector (Finnish, with ä), t CO2e yr-1.
ROWS = [("091", 1990, "Kaukolämpö", 1234.5), ("091", 2022, "Kaukolämpö", 987654.25),
        ("092", 1990, "Liikenne", 12.0), ("092", 2022, "Liikenne", 0.75)]
MAPPING = {"fields": {"code": "kunta", "year": "vuosi", "sector": "sektori", "emissions_t_yr": "päästöt_t"},
           "values": {"sector": {"Kaukolämpö": "buildings_heat", "Liikenne": "transport"}}}
HEADER = ["kunta", "vuosi", "sektori", "päästöt_t"]
#: The same numbers as a Finnish / French Excel export writes them: decimal comma, no-break space thousands.
LOCAL_NUMBERS = ["1" + NBSP + "234,5", "987" + NBSP + "654,25", "12", "0,75"]


def _write(tmp_path: Path, name: str, lines: list[list[str]], separator: str, encoding: str = "utf-8",
           bom: bool = False) -> str:
    text = "\r\n".join(separator.join(cells) for cells in lines) + "\r\n"
    (tmp_path / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return name


def _plain(numbers=None) -> list[list[str]]:
    numbers = numbers or [repr(r[3]) for r in ROWS]
    return [HEADER, *[[r[0], str(r[1]), r[2], n] for r, n in zip(ROWS, numbers, strict=True)]]


def _read(tmp_path: Path, name: str, **options) -> pd.DataFrame:
    config = parse_region({"region": {"id": "csv", "title": "csv", "crs": "EPSG:2169", "extent": list(EXTENT)},
                           "inputs": {"ghg_inventory": {"path": name, **MAPPING, **options}}}, tmp_path, "<test>")
    return RegionSource(config, tmp_path)("ghg_inventory")


def _expected() -> pd.DataFrame:
    sectors = MAPPING["values"]["sector"]
    return pd.DataFrame({"code": [r[0] for r in ROWS], "year": [r[1] for r in ROWS],
                         "sector": [sectors[r[2]] for r in ROWS], "emissions_t_yr": [r[3] for r in ROWS]})


def _core(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["code", "year", "sector", "emissions_t_yr"]]


@pytest.mark.parametrize(("separator", "numbers", "encoding", "bom", "options"), [
    (",", None, "utf-8", False, {}),
    (";", LOCAL_NUMBERS, "utf-8", False, {}),
    ("\t", None, "utf-8", False, {}),
    ("|", None, "utf-8", False, {}),
    (";", LOCAL_NUMBERS, "utf-8", True, {}),
    (";", LOCAL_NUMBERS, "cp1252", False, {"encoding": "cp1252"}),
    (";", LOCAL_NUMBERS, "cp1252", False, {"encoding": "cp1252", "separator": ";", "decimal": ","}),
    ("\t", ["1.234,5", "987.654,25", "12", "0,75"], "utf-8", True, {"decimal": ","}),
], ids=["comma-point", "semicolon-comma-nbsp", "tab", "pipe", "bom", "cp1252", "cp1252-stated",
        "tab-german-grouping-stated"])
def test_every_dialect_reads_to_the_same_frame(tmp_path, separator, numbers, encoding, bom, options):
    name = _write(tmp_path, "inventory.csv", _plain(numbers), separator, encoding, bom)
    frame = _read(tmp_path, name, **options)
    pd.testing.assert_frame_equal(_core(frame), _expected())  # exact: 1234.5 etc. are binary-exact
    assert frame["code"].tolist() == ["091", "091", "092", "092"]  # leading zeros kept


def test_the_log_says_what_was_detected(tmp_path, caplog):
    name = _write(tmp_path, "inventory.csv", _plain(LOCAL_NUMBERS), ";")
    with caplog.at_level(logging.INFO, logger="layers.csv_tables"):
        _read(tmp_path, name)
    assert "semicolon-separated, decimal comma, utf-8 (detected: separator, decimal)" in caplog.text


def test_stated_point_reads_comma_thousands(tmp_path):
    lines = _plain(['"1,234.5"', '"987,654.25"', "12", "0.75"])
    frame = _read(tmp_path, _write(tmp_path, "inventory.csv", lines, ","), decimal=".")
    pd.testing.assert_frame_equal(_core(frame), _expected())


def test_windows_1252_without_the_option_names_it(tmp_path):
    name = _write(tmp_path, "inventory.csv", _plain(LOCAL_NUMBERS), ";", "cp1252")
    with pytest.raises(InputDataError, match=r"is not utf-8 text \(byte 0xe4 on line 1\).*encoding = \"cp1252\""):
        _read(tmp_path, name)


def test_a_bom_with_another_encoding_is_refused(tmp_path):
    name = _write(tmp_path, "inventory.csv", _plain(), ",", bom=True)
    with pytest.raises(InputDataError, match="byte-order mark, so it is UTF-8, but encoding = 'cp1252'"):
        _read(tmp_path, name, encoding="cp1252")


def test_comma_in_a_comma_separated_file_is_ambiguous(tmp_path):
    """"1,234" may be a thousand and more or one and a bit: never guessed."""
    name = _write(tmp_path, "inventory.csv", _plain(['"1,234"', "2.5", "12", "0.75"]), ",")
    with pytest.raises(InputDataError, match=r"holds '1,234' \(1 such values\) but in a comma-separated file "
                                             r"decimals are points.*decimal = \",\""):
        _read(tmp_path, name)


def test_unquoted_decimal_commas_in_a_comma_separated_file(tmp_path):
    name = _write(tmp_path, "inventory.csv", _plain(["1234,5", "2,5", "12", "0,75"]), ",")
    with pytest.raises(InputDataError, match="comma-separated table: .*decimal comma in a comma-separated file "
                                             "needs quotes"):
        _read(tmp_path, name)


def test_commas_and_points_together_are_ambiguous(tmp_path):
    name = _write(tmp_path, "inventory.csv", _plain(["1234,5", "2.5", "12", "0,75"]), ";")
    with pytest.raises(InputDataError, match=r"decimal commas \(e.g. '1234,5'\) and points \(e.g. '2.5'\).*decimal"):
        _read(tmp_path, name)


def test_point_grouping_with_a_detected_decimal_comma_is_ambiguous(tmp_path):
    name = _write(tmp_path, "inventory.csv", _plain(["1.234,5", "2,5", "12", "0,75"]), ";")
    with pytest.raises(InputDataError, match=r"holds '1.234,5'.*decimal comma found in the file does not read"):
        _read(tmp_path, name)


def test_a_wrong_decimal_option_is_named(tmp_path):
    name = _write(tmp_path, "inventory.csv", _plain(LOCAL_NUMBERS), ";")
    with pytest.raises(InputDataError, match=r"holds '1\\xa0234,5' \(3 such values\) which decimal = '\.' does not "
                                             r"read.*fix the value or the decimal option"):
        _read(tmp_path, name, decimal=".")


def test_a_wrong_separator_option_is_named(tmp_path):
    name = _write(tmp_path, "inventory.csv", _plain(LOCAL_NUMBERS), ";")
    with pytest.raises(InputDataError, match=r"the file looks semicolon-separated: set separator = ';'"):
        _read(tmp_path, name, separator=",")


def test_a_header_with_two_separators_as_often_is_refused(tmp_path):
    (tmp_path / "inventory.csv").write_text("kunta;vuosi,sektori;päästöt_t,x\n091;1990,a;1,2\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"as many comma \(','\) and semicolon \(';'\).*separator = "):
        _read(tmp_path, "inventory.csv")


@pytest.mark.parametrize(("inputs", "message"), [
    ({"ghg_inventory": {"path": "t.csv", "encoding": "klingon"}}, "'klingon' is not a text encoding"),
    ({"ghg_inventory": {"path": "t.csv", "separator": ":"}}, r"inputs.ghg_inventory.separator"),
    ({"ghg_inventory": {"path": "t.csv", "decimal": "'"}}, r"inputs.ghg_inventory.decimal"),
    ({"buildings": {"path": "t.csv", "separator": ";"}}, r"describe CSV tables and buildings is a vector input"),
])
def test_csv_options_are_validated(tmp_path, inputs, message):
    (tmp_path / "t.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        parse_region({"region": {"id": "csv", "title": "csv", "crs": "EPSG:2169", "extent": list(EXTENT)},
                      "inputs": inputs}, tmp_path, "<test>")


def test_csv_options_on_a_gdal_table_are_refused(tmp_path):
    (tmp_path / "inventory.dbf").write_bytes(b"")
    with pytest.raises(InputDataError, match=r"separator describe CSV tables .* is not one"):
        _read(tmp_path, "inventory.dbf", separator=";")


def test_a_utf8_file_read_as_cp1252_is_warned_about(tmp_path, caplog):
    name = _write(tmp_path, "inventory.csv", _plain(), ";")
    with caplog.at_level(logging.WARNING, logger="layers.csv_tables"):
        frame = _read(tmp_path, name, encoding="cp1252",
                      fields={**MAPPING["fields"], "emissions_t_yr": "pÃ¤Ã¤stÃ¶t_t"},
                      values={"sector": {"KaukolÃ¤mpÃ¶": "buildings_heat", "Liikenne": "transport"}})
    assert "decodes as UTF-8 but is read as cp1252" in caplog.text
    assert frame["sector"].tolist() == ["buildings_heat", "buildings_heat", "transport", "transport"]


def test_a_csv_table_at_a_url_reads_like_a_file(tmp_path):
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    _write(served, "inventory.csv", _plain(LOCAL_NUMBERS), ";")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/inventory.csv"
        pd.testing.assert_frame_equal(_core(_read(tmp_path, url)), _expected())
        pd.testing.assert_frame_equal(_core(_read(tmp_path, "/vsicurl/" + url)), _expected())
        with pytest.raises(InputDataError, match="cannot read .*missing.csv"):
            _read(tmp_path, url.replace("inventory", "missing"))
    finally:
        server.shutdown()


def test_a_csv_in_a_vsi_archive_is_refused_with_the_fix(tmp_path):
    with pytest.raises(InputDataError, match="extract it from the archive"):
        _read(tmp_path, "/vsizip/tables.zip/inventory.csv")
