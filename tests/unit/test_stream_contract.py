"""The stream contract: declared behaviours instead of probed ones, run order, and broken records by declaration."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fmp_elt.errors import ConfigError
from fmp_elt.streams import STREAMS, run_order
from fmp_elt.streams.base import Stream
from fmp_elt.streams.delisted import DELISTED
from fmp_elt.streams.ratios import RATIOS
from fmp_elt.streams.records import count_broken
from fmp_elt.streams.symbol_changes import SYMBOL_CHANGES

RUNNER = Path(__file__).resolve().parents[2] / "extract" / "fmp_elt" / "extract_stage.py"


def test_the_runner_probes_no_attribute() -> None:
    calls = [
        node.func.id
        for node in ast.walk(ast.parse(RUNNER.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]
    assert "getattr" not in calls
    assert "hasattr" not in calls


def test_streams_run_after_what_they_read() -> None:
    names = list(STREAMS)
    assert names.index("corporate_actions") < names.index("prices")
    assert names.index("symbols") < names.index("delisted") < names.index("symbol_changes")
    assert all(isinstance(stream, Stream) for stream in STREAMS.values())


def test_a_cycle_is_refused() -> None:
    class First(Stream):
        name, datasets, runs_after = "first", (), ("second",)

    class Second(Stream):
        name, datasets, runs_after = "second", (), ("first",)

    with pytest.raises(ConfigError, match="first, second"):
        run_order([First(), Second()])


def test_a_delisting_without_its_date_is_broken() -> None:
    records = [
        {"symbol": "OLD", "delistedDate": "2024-03-01", "companyName": "Old Co"},
        {"symbol": "NODATE", "companyName": "No Date Inc"},  # the key's date is missing
        {"symbol": "BADDATE", "delistedDate": "N/A"},
        {"delistedDate": "2024-03-01"},  # no symbol
        "not a record",
    ]
    assert count_broken(records, DELISTED) == 4


def test_a_change_is_broken_without_either_symbol_or_its_date() -> None:
    records = [
        {"date": "2024-05-01", "oldSymbol": "A", "newSymbol": "B"},
        {"date": "2024-05-01", "oldSymbol": "A", "newSymbol": ""},
        {"oldSymbol": "A", "newSymbol": "B"},
    ]
    assert count_broken(records, SYMBOL_CHANGES) == 2


def test_a_record_fetched_for_a_symbol_need_not_repeat_it() -> None:
    record = {"date": "2024-12-31", "period": "FY", "fiscalYear": "2024"}
    assert count_broken([record], RATIOS, "AAPL") == 0
    assert count_broken([record], RATIOS) == 1  # landed for no symbol, it would carry none
    assert count_broken([{**record, "period": None}], RATIOS, "AAPL") == 1
