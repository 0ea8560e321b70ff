"""Fuzzing the response parsers: any body gives records or an FmpError, never another exception."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from fmp_elt.fmp.errors import FmpError
from fmp_elt.fmp.parsing import parse_csv, parse_json_list
from fmp_elt.streams.price_history import VARIANTS, advance, overlap_disagrees
from fmp_elt.streams.records import count_incomplete, record_date, record_number

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
DATES = [f"2024-01-{day:02d}" for day in range(1, 29)]
numbers = st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.integers() | st.text(max_size=6)
price_record = st.fixed_dictionaries(
    {"date": st.sampled_from(DATES)},
    optional=dict.fromkeys(("open", "high", "low", "close", "adjClose", "adjOpen", "volume"), numbers),
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_parse_or_raise_an_fmp_error(body: bytes) -> None:
    for parse in (parse_json_list, parse_csv):
        try:
            result = parse(body, "fuzz")
        except FmpError:
            continue
        assert isinstance(result, list)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_document_parses_or_raises_an_fmp_error(value: object) -> None:
    body = json.dumps(value).encode()
    try:
        result = parse_json_list(body, "fuzz")
    except FmpError:
        return
    assert isinstance(result, list)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, max_size=12))
def test_cursor_logic_tolerates_any_records(records: list[object]) -> None:
    for variant in VARIANTS:
        cursor = advance(None, records, variant.close_key)
        assert len(cursor.recent) <= 10
        overlap_disagrees(records, cursor, variant.close_key)
        assert 0 <= count_incomplete(records, variant.required) <= len(records)
    for record in records:
        record_date(record)
        record_number(record, "close")


@settings(max_examples=300, deadline=None)
@given(st.lists(price_record, max_size=20, unique_by=lambda r: r["date"]))
def test_a_cursor_agrees_with_the_rows_it_was_built_from(records: list[dict[str, object]]) -> None:
    for variant in VARIANTS:
        cursor = advance(None, records, variant.close_key)
        assert len(cursor.recent) <= 10
        assert not overlap_disagrees(records, cursor, variant.close_key)
        dated = sorted(r["date"] for r in records)
        assert cursor.newest_date is None or cursor.newest_date.isoformat() == dated[-1]
