"""The statement bulk endpoints: one fiscal year and period of every company as CSV, the records the per-symbol
routes serve (filing calendar, restatements, re-dated periods, foreign currency) with every value a string."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from fmp_elt.simulator import Simulator
from fmp_elt.simulator.filings import REDATED_AFTER
from tests.fixtures.simulator import fmp_get, simulator_config

ENDPOINTS = ("income-statement", "balance-sheet-statement", "cash-flow-statement")
END = date(2026, 11, 27)


def bulk_rows(sim: Simulator, endpoint: str, year: int, period: str) -> tuple[list[str], list[dict[str, str]]]:
    response = fmp_get(sim, f"{endpoint}-bulk", key="ultimate-key", year=year, period=period)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.text))
    return list(reader.fieldnames or []), list(reader)


def per_symbol(sim: Simulator, endpoint: str, symbol: str, year: int, period: str) -> list[dict[str, Any]]:
    asked = "annual" if period == "FY" else "quarter"
    records = fmp_get(sim, endpoint, symbol=symbol, period=asked, limit=1000).json()
    return [r for r in records if r["fiscalYear"] == str(year) and r["period"] == period]


def as_text(record: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in record.items()}


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    simulator = Simulator(simulator_config(n_symbols=16, seed=11, start=date(2018, 1, 2), end=END))
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


def special(sim: Simulator) -> dict[str, str]:
    traits = {s: sim.filer(s) for s in sim.symbols}
    return {
        "restater": next(s for s, t in traits.items() if t.restates),
        "redater": next(s for s, t in traits.items() if t.week_based),
        "foreign": next(s for s, t in traits.items() if t.reported_currency != "USD"),
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_bulk_answer_is_the_per_symbol_records_as_strings(sim: Simulator, endpoint: str) -> None:
    sim.set_today(END)
    names = special(sim)
    restated = next(f for f in sim.filings(names["restater"]) if f.restated(END))
    for year, period in ((restated.fiscal_year, "FY"), (END.year - 1, "Q3"), (END.year, "Q1")):
        columns, rows = bulk_rows(sim, endpoint, year, period)
        expected = {s: as_text(record) for s in sim.symbols for record in per_symbol(sim, endpoint, s, year, period)}
        assert expected, (year, period)
        assert {row["symbol"]: row for row in rows} == expected
        assert len(rows) == len(expected)  # one row per company
        assert columns == list(next(iter(expected.values())))  # the per-symbol fields, in FMP's order
    # the special filers are in it: a restated year, a foreign currency
    _, rows = bulk_rows(sim, endpoint, restated.fiscal_year, "FY")
    by_symbol = {row["symbol"]: row for row in rows}
    assert by_symbol[names["foreign"]]["reportedCurrency"] == sim.filer(names["foreign"]).reported_currency
    assert names["restater"] in by_symbol


def test_only_periods_accepted_by_today_and_dates_as_served_that_day(sim: Simulator) -> None:
    redater = special(sim)["redater"]
    filing = next(
        f
        for f in reversed(sim.filings(redater))
        if f.month_end != f.fiscal_end and f.accepted.date() + REDATED_AFTER <= END
    )
    for today, served in (
        (filing.accepted.date() - timedelta(days=1), None),  # not yet accepted
        (filing.accepted.date(), filing.month_end),  # first dated at the month end
        (filing.accepted.date() + REDATED_AFTER, filing.fiscal_end),  # re-dated a quarter later
    ):
        sim.set_today(today)
        _, rows = bulk_rows(sim, "income-statement", filing.fiscal_year, filing.period)
        dates = [row["date"] for row in rows if row["symbol"] == redater]
        assert dates == ([] if served is None else [served.isoformat()]), today
        for row in rows:  # nobody's period accepted after today
            assert row["acceptedDate"][:10] <= today.isoformat()
    sim.set_today(END)


@pytest.mark.parametrize("period", ["annual", "quarter", "Q5", "q1", ""])
def test_a_period_other_than_q1_to_q4_or_fy_is_a_400_in_plain_text(sim: Simulator, period: str) -> None:
    response = fmp_get(sim, "income-statement-bulk", key="ultimate-key", year=2025, period=period)
    assert response.status_code == 400
    assert response.text == "Query Error: Invalid or missing query parameter - period"


def test_a_missing_or_bad_year_is_a_400(sim: Simulator) -> None:
    for params in ({"period": "FY"}, {"period": "FY", "year": "last"}):
        response = fmp_get(sim, "balance-sheet-statement-bulk", key="ultimate-key", **params)
        assert response.status_code == 400
        assert response.text == "Query Error: Invalid or missing query parameter - year"


@pytest.mark.parametrize("key", ["basic-key", "test-key", "premium-key"])
def test_every_plan_but_ultimate_gets_a_402(sim: Simulator, key: str) -> None:
    for endpoint in ENDPOINTS:
        response = fmp_get(sim, f"{endpoint}-bulk", key=key, year=2025, period="FY")
        assert response.status_code == 402, (endpoint, key)


def test_the_statement_bulks_share_the_bulk_throttle(make_simulator: Callable[..., Simulator]) -> None:
    throttled = make_simulator(bulk_min_interval_s=30.0)
    first = fmp_get(throttled, "income-statement-bulk", key="ultimate-key", year=2025, period="FY")
    second = fmp_get(throttled, "cash-flow-statement-bulk", key="ultimate-key", year=2025, period="FY")
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("text/csv")
    assert second.status_code == 200
    assert second.json()["Error Message"].startswith("Limit Reach. This is a bulk endpoint")
