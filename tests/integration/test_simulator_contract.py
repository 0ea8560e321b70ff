"""The simulator answers with the field names, order and JSON types of FMP's recorded answers.

If the simulator drifts from the recorded samples in tests/fixtures/fmp_samples (or the field lists in
extract/fmp_elt/fmp/README.md), these tests fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from fmp_elt.simulator import Simulator
from fmp_elt.simulator.ratios import TTM_FIELDS
from tests.fixtures.samples import load_sample
from tests.fixtures.simulator import fmp_get

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

# In FMP's live ratios since the samples were recorded (extract/fmp_elt/fmp/README.md 4.3; fmpsdk, fmpdotnet).
RATIOS_ADDED_SINCE_SAMPLE = ["priceToEarningsDilutedRatio", "priceToEarningsDilutedGrowthRatio"]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def shape(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, json_type(value)) for name, value in record.items()]


def sample(name: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = load_sample(name)
    return records


def stock(sim: Simulator) -> str:
    return next(s for s in sim.symbols if sim.profile(s).is_common_stock and sim.profile(s).delisted is None)


def test_full_matches_recorded_sample(fmp_simulator: Simulator) -> None:
    expected = shape(sample("stable_historical-price-eod-full_AAPL_2023-01-01_2023-01-10.json")[0])
    window = {"from": "2023-01-01", "to": "2023-01-10"}
    # premium: 2023 stays within the plan's history depth whatever the date (Starter serves five years)
    symbol = stock(fmp_simulator)
    response = fmp_get(fmp_simulator, "historical-price-eod/full", key="premium-key", symbol=symbol, **window)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    records = response.json()
    assert len(records) == 6  # the same six sessions as the sample (Jan 2 2023 was a holiday)
    assert [shape(r) for r in records] == [expected] * 6
    assert isinstance(records[0]["volume"], int)


def test_ratios_match_recorded_sample(fmp_simulator: Simulator) -> None:
    recorded = shape(sample("stable_ratios_AAPL_annual_limit1.json")[0])
    response = fmp_get(fmp_simulator, "ratios", symbol=stock(fmp_simulator), period="annual", limit=1)
    assert response.status_code == 200
    [record] = response.json()
    ours = shape(record)
    assert [field for field in ours if field[0] not in RATIOS_ADDED_SINCE_SAMPLE] == recorded
    assert [(n, t) for n, t in ours if n in RATIOS_ADDED_SINCE_SAMPLE] == [
        (n, "number") for n in RATIOS_ADDED_SINCE_SAMPLE
    ]
    assert record["period"] == "FY"
    assert record["fiscalYear"].isdigit()


def test_income_statement_matches_recorded_sample(fmp_simulator: Simulator) -> None:
    recorded = shape(sample("stable_income-statement_AAPL_annual_limit1.json")[0])
    response = fmp_get(fmp_simulator, "income-statement", symbol=stock(fmp_simulator), period="annual", limit=1)
    assert response.status_code == 200
    [record] = response.json()
    assert shape(record) == recorded
    assert record["period"] == "FY"
    assert record["fiscalYear"].isdigit()


def test_other_eod_variants_have_documented_fields(fmp_simulator: Simulator) -> None:
    symbol = stock(fmp_simulator)
    window = {"from": "2024-03-01", "to": "2024-03-08"}
    light = fmp_get(fmp_simulator, "historical-price-eod/light", symbol=symbol, **window).json()
    assert next(shape(r) for r in light) == [
        ("symbol", "string"),
        ("date", "string"),
        ("price", "number"),
        ("volume", "number"),
    ]
    adjusted_shape = [
        ("symbol", "string"),
        ("date", "string"),
        ("adjOpen", "number"),
        ("adjHigh", "number"),
        ("adjLow", "number"),
        ("adjClose", "number"),
        ("volume", "number"),
    ]
    for variant in ("non-split-adjusted", "dividend-adjusted"):
        records = fmp_get(fmp_simulator, f"historical-price-eod/{variant}", symbol=symbol, **window).json()
        assert len(records) == 6
        assert all(shape(r) == adjusted_shape for r in records)


def test_ratios_ttm_is_one_undated_row(fmp_simulator: Simulator) -> None:
    records = fmp_get(fmp_simulator, "ratios-ttm", symbol=stock(fmp_simulator), limit=10, period="quarter").json()
    assert len(records) == 1
    assert list(records[0]) == ["symbol", *TTM_FIELDS]
    assert all(json_type(v) == "number" for k, v in records[0].items() if k != "symbol")


def test_screener_rows_have_the_15_keys(fmp_simulator: Simulator) -> None:
    records = fmp_get(fmp_simulator, "company-screener").json()
    assert len(records) == len(fmp_simulator.symbols)
    expected = [
        ("symbol", "string"),
        ("companyName", "string"),
        ("marketCap", "number"),
        ("sector", "string"),
        ("industry", "string"),
        ("beta", "number"),
        ("price", "number"),
        ("lastAnnualDividend", "number"),
        ("volume", "number"),
        ("exchange", "string"),
        ("exchangeShortName", "string"),
        ("country", "string"),
        ("isEtf", "boolean"),
        ("isFund", "boolean"),
        ("isActivelyTrading", "boolean"),
    ]
    assert all(shape(r) == expected for r in records)
    assert all(isinstance(r["marketCap"], int) for r in records)


def test_directory_lists(fmp_simulator: Simulator) -> None:
    stock_list = fmp_get(fmp_simulator, "stock-list", limit=2).json()
    assert sorted(r["symbol"] for r in stock_list) == fmp_simulator.symbols
    assert all(list(r) == ["symbol", "companyName"] for r in stock_list)
    active = fmp_get(fmp_simulator, "actively-trading-list").json()
    assert all(list(r) == ["symbol", "name"] for r in active)
    assert {r["symbol"] for r in active} < {r["symbol"] for r in stock_list}
    exchanges = fmp_get(fmp_simulator, "available-exchanges").json()
    assert all(
        list(r) == ["exchange", "name", "countryName", "countryCode", "symbolSuffix", "delay"] for r in exchanges
    )
    members = fmp_get(fmp_simulator, "nasdaq-constituent", key="premium-key").json()
    assert members
    assert all(
        list(r) == ["symbol", "name", "sector", "subSector", "headQuarter", "dateFirstAdded", "cik", "founded"]
        for r in members
    )
