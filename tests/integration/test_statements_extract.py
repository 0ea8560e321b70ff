"""Statements land raw by (symbol, fiscal year, period): every filed period on the first run, the recent ones
again each week, so a restatement and a re-dated period arrive as new versions of the same record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fmp_elt.simulator import Simulator
from fmp_elt.streams.statements import STATEMENTS
from tests.fixtures.postgres import query, scalar
from tests.fixtures.simulator import fmp_get
from tests.integration.test_extract import run

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock


def served(sim: Simulator, endpoint: str, symbol: str) -> set[tuple[str, str, str]]:
    rows = [
        row
        for period in ("annual", "quarter")
        for row in fmp_get(sim, endpoint, symbol=symbol, period=period, limit=1000).json()
    ]
    return {(row["fiscalYear"], row["period"], row["acceptedDate"]) for row in rows}


def test_first_run_lands_every_filed_period_of_each_statement(fmp_simulator: Simulator, database_url: str) -> None:
    sim = fmp_simulator
    symbols = sim.symbols[:5]
    summary, client = run(sim.base_url, database_url, "statements", symbols=symbols)
    assert not summary.failures
    for dataset in STATEMENTS:
        endpoint = dataset.endpoints[0]
        for symbol in symbols:
            held = query(
                database_url,
                f"select payload->>'fiscalYear', payload->>'period', payload->>'acceptedDate' from {dataset.table}"
                " where symbol = %s and _endpoint = %s",
                (symbol, endpoint),
            )
            assert set(map(tuple, held)) == served(sim, endpoint, symbol), (dataset.table, symbol)
            assert len(held) == len(set(map(tuple, held)))  # one landing of each period
    funds = [s for s in symbols if not sim.profile(s).is_common_stock]
    stocks = [s for s in symbols if sim.profile(s).is_common_stock]
    assert stocks
    assert all(
        scalar(database_url, "select count(*) from raw.fmp_income_statements where symbol = %s", s) == 0 for s in funds
    )
    assert client.stats.calls == 6 * len(symbols)  # 3 statements x (annual + quarter)


def test_basic_reads_five_annual_periods_in_three_calls(fmp_simulator: Simulator, database_url: str) -> None:
    sim = fmp_simulator
    symbol = next(s for s in sim.basic_symbols if len(sim.filings(s)) > 30)
    summary, client = run(sim.base_url, database_url, "statements", key="basic-key", plan="basic", symbols=[symbol])
    assert not summary.failures
    assert client.stats.calls == 3
    for dataset in STATEMENTS:
        periods = query(database_url, f"select distinct payload->>'period' from {dataset.table}")
        assert [p for (p,) in periods] == ["FY"]
        assert scalar(database_url, f"select count(*) from {dataset.table}") == 5


def test_a_run_after_a_long_pause_leaves_no_gap(fmp_simulator: Simulator, database_url: str) -> None:
    sim = fmp_simulator
    symbol = next(s for s in sim.symbols if sim.profile(s).is_common_stock and sim.profile(s).delisted is None)
    end = sim.today
    sim.set_today(end - timedelta(days=3 * 365))
    run(sim.base_url, database_url, "statements", symbols=[symbol])
    sim.set_today(end)
    summary, _ = run(sim.base_url, database_url, "statements", symbols=[symbol])
    assert not summary.failures
    held = query(
        database_url,
        "select distinct payload->>'fiscalYear', payload->>'period', payload->>'acceptedDate'"
        " from raw.fmp_income_statements where symbol = %s",
        (symbol,),
    )
    assert set(map(tuple, held)) == served(sim, "income-statement", symbol)
