"""COPY text rows built by the lander: what PostgreSQL reads back must be the record FMP sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fmp_elt.streams.base import Landing
from fmp_elt.warehouse.landing import copy_payloads, copy_rows, stamp_rows

RUN_ID = "00000000-0000-0000-0000-000000000001"


def unescape(field: bytes) -> str:
    """COPY text format's reading of one field (the escapes the lander writes)."""
    text = field.decode()
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def rows(landing: Landing) -> list[list[bytes]]:
    return [line.split(b"\t") for line in copy_rows(landing, RUN_ID).splitlines()]


def test_one_row_per_record_with_symbol_run_and_endpoint() -> None:
    records = [{"symbol": "AAPL", "date": "2024-01-02", "close": 185.64}, {"symbol": "AAPL", "close": 1e-7}]
    parsed = rows(Landing("raw.fmp_prices", "historical-price-eod/full", "AAPL", records))
    assert [r[0] for r in parsed] == [b"AAPL", b"AAPL"]
    assert [json.loads(unescape(r[1])) for r in parsed] == records
    assert {(r[2], r[3]) for r in parsed} == {(RUN_ID.encode(), b"historical-price-eod/full")}


def test_each_row_carries_the_load_time_it_is_given() -> None:
    at = datetime(2026, 3, 2, 22, 17, 5, 250_000, tzinfo=UTC)
    parsed = [
        line.split(b"\t") for line in copy_rows(Landing("raw.fmp_prices", "e", "A", [{}, {}]), RUN_ID, at).splitlines()
    ]
    assert [datetime.fromisoformat(r[4].decode()) for r in parsed] == [at, at]


def test_backslashes_tabs_newlines_and_unicode_survive() -> None:
    record = {"name": 'Caf\u00e9 "A"\tB\nC\\D \u2603', "path": "C:\\dir\\u0000"}
    (row,) = rows(Landing("raw.fmp_symbols", "profile", "X", [record]))
    assert json.loads(unescape(row[1])) == record


def test_a_nul_character_is_dropped_and_text_naming_one_is_kept() -> None:
    block = copy_payloads([{"a": "x\u0000y", "b": "\\u0000", "c": "\\\u0000"}])
    assert json.loads(unescape(block)) == {"a": "xy", "b": "\\u0000", "c": "\\"}


def test_values_orjson_refuses_take_the_standard_library_path() -> None:
    record = {"big": 2**70, 1: "int key"}
    (row,) = rows(Landing("raw.fmp_ratios", "ratios", "X", [record]))
    assert json.loads(unescape(row[1])) == {"big": 2**70, "1": "int key"}


def test_records_without_a_landing_symbol_carry_their_own_or_null() -> None:
    parsed = rows(Landing("raw.fmp_symbols", "company-screener", None, [{"symbol": "MSFT"}, {"name": "no symbol"}, 7]))
    assert [r[0] for r in parsed] == [b"MSFT", b"\\N", b"\\N"]
    assert json.loads(unescape(parsed[2][1])) == 7


def test_an_empty_landing_writes_nothing() -> None:
    assert copy_rows(Landing("raw.fmp_prices", "historical-price-eod/full", "AAPL", []), RUN_ID) == b""


def test_rows_without_a_load_time_take_their_batchs() -> None:
    at = datetime(2026, 3, 2, 22, 17, 5, 250_000, tzinfo=UTC)
    plain = copy_rows(Landing("raw.fmp_prices", "e", "A", [{"a": 1}, {"a": 2}]), RUN_ID)
    listed = copy_rows(Landing("raw.fmp_symbols", "e", None, [{"symbol": "B"}]), RUN_ID)
    stamped = [line.split(b"\t") for line in stamp_rows(plain + listed, at).splitlines()]
    assert [datetime.fromisoformat(r[4].decode()) for r in stamped] == [at, at, at]
    assert [r[0] for r in stamped] == [b"A", b"A", b"B"]
