"""Survivorship-free from the first backfill, on real prices (`bokeh-sampledata`): MSFT, with its real splits and
dividends, is delisted three months before the warehouse's first run, and IBM is a NYSE company delisted then too.

The first run backfills MSFT like a listed company: every as-traded bar up to its last day, its split and its
dividends, and a marts.symbols row saying it is delisted; IBM, of another exchange, is not fetched. The next run
makes no call for MSFT. Daily prices are checked against the sample itself (pandas), not against the marts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import psycopg2
import pytest

from fmp_elt.simulator import Faults, Simulator
from fmp_elt.simulator.universe import NYSE_NAME
from fmp_elt.status import coverage
from tests.fixtures.ops import cli
from tests.fixtures.postgres import query
from tests.fixtures.real_prices import DIVIDENDS, SPLITS, Pipeline, sample, split_adjusted_bars
from tests.fixtures.simulator import simulator_config
from tests.fixtures.warehouses import module_warehouse
from tests.integration.test_dbt_universe import symbol_row

MSFT_LAST_DAY = date(2012, 3, 30)
OLDC_LAST_DAY = date(2012, 5, 31)  # FMP's bars of it stop in 2005
FAIL_LAST_DAY = date(2012, 5, 15)  # every call for it fails
IBM_LAST_DAY = date(2012, 3, 29)
FIRST_RUN = date(2012, 6, 29)
SECOND_RUN = date(2012, 7, 13)
LISTED = ("AAPL", "GOOG")


@pytest.fixture(scope="module")
def backfilled(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    bars = {symbol: split_adjusted_bars(symbol) for symbol in (*LISTED, "MSFT", "IBM")}
    simulator = Simulator(simulator_config(n_symbols=0, start=date(2000, 1, 3), end=SECOND_RUN))
    for symbol, rows in bars.items():
        simulator.load_prices(symbol, rows, SPLITS.get(symbol, ()), DIVIDENDS.get(symbol, ()))
    simulator.set_exchange("IBM", "NYSE", NYSE_NAME)
    simulator.delist("MSFT", on=MSFT_LAST_DAY)
    simulator.delist("IBM", on=IBM_LAST_DAY)
    simulator.load_prices("OLDC", [bar for bar in bars["GOOG"] if bar["date"] <= "2005-12-30"])
    simulator.delist("OLDC", on=OLDC_LAST_DAY)
    simulator.load_prices("FAIL", bars["AAPL"])
    simulator.delist("FAIL", on=FAIL_LAST_DAY)
    simulator.faults = Faults(fail_symbols={"FAIL": 404})
    with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as warehouse:
        simulator.start()
        try:
            pipeline = Pipeline(warehouse.url, simulator, warehouse.paths, bars, None)
            run(pipeline, FIRST_RUN)
            yield pipeline
        finally:
            simulator.stop()


def run(pipeline: Pipeline, today: date) -> None:
    """The symbols job's streams, then the prices job's (corporate actions first), then dbt."""
    pipeline.simulator.set_today(today)
    for stream in ("symbols", "delisted", "symbol_changes", "corporate_actions", "prices"):
        pipeline.extract(stream, today)
    pipeline.build()


def test_a_company_delisted_before_the_first_run_is_in_symbols_as_delisted(backfilled: Pipeline) -> None:
    msft = symbol_row(backfilled.url, "MSFT")
    assert msft["is_listed"] is False
    assert msft["delisted_date"] == MSFT_LAST_DAY
    assert msft["security_id"] == "MSFT"
    assert msft["company_name"] == "MSFT Inc."
    listed = query(backfilled.url, "select symbol from marts.symbols where is_listed order by symbol")
    assert listed == [(s,) for s in LISTED]


def test_its_as_traded_history_reaches_its_last_day(backfilled: Pipeline) -> None:
    reference = sample("MSFT")
    reference["date"] = reference["date"].map(date.fromisoformat)
    reference = reference[reference["date"] <= MSFT_LAST_DAY]
    held = query(
        backfilled.url,
        "select price_date, traded_close::float8, close::float8 from marts.daily_prices"
        " where symbol = 'MSFT' order by price_date",
    )
    assert [r[0] for r in held] == list(reference["date"])  # every trading day, up to the last
    assert held[-1][0] == MSFT_LAST_DAY
    # FMP's (the simulator's) bars are in cents: a split-adjusted half cent rounds either way
    gaps = [abs(traded - raw) for (_, traded, _), raw in zip(held, reference["close"], strict=True)]
    assert max(gaps) <= 0.01 + 1e-9, max(gaps)
    # before the 2003 split, the split-adjusted close is half the traded one
    before_split = [(traded, close) for day, traded, close in held if day < date(2003, 2, 18)]
    assert before_split
    assert all(abs(close - traded / 2) < 1e-6 for traded, close in before_split)


def test_its_splits_and_dividends_are_kept(backfilled: Pipeline) -> None:
    splits = query(backfilled.url, "select split_date, split_ratio::float8 from marts.splits where symbol = 'MSFT'")
    assert splits == [(date(2003, 2, 18), 2.0)]
    dividends = query(
        backfilled.url,
        "select ex_date, dividend::float8 from marts.dividends where symbol = 'MSFT' order by ex_date, dividend",
    )
    expected = sorted((d.date, d.amount) for d in DIVIDENDS["MSFT"] if d.date <= MSFT_LAST_DAY)
    assert dividends == expected


def test_another_exchanges_delisting_is_not_fetched(backfilled: Pipeline) -> None:
    asked = {r.query.get("symbol") for r in backfilled.simulator.requests_log if r.query.get("symbol")}
    assert "IBM" not in asked
    assert query(backfilled.url, "select count(*) from marts.daily_prices where symbol = 'IBM'") == [(0,)]


def test_the_next_run_makes_no_call_for_the_delisted_company(backfilled: Pipeline) -> None:
    backfilled.simulator.reset_stats()
    run(backfilled, SECOND_RUN)
    asked = [r.query.get("symbol") for r in backfilled.simulator.requests_log if r.query.get("symbol")]
    prices = [r.query.get("symbol") for r in backfilled.simulator.requests_log if "historical-price-eod" in r.path]
    assert "MSFT" not in asked
    assert "OLDC" not in asked  # FMP's answer reached past its last day: fetched, with a gap
    # one as-traded call per listed symbol (the dividend-adjusted check is not due a week after the backfill),
    # and the delisted company whose fetch failed is owed it again
    calls = [(r.path, r.query.get("symbol")) for r in backfilled.simulator.requests_log]
    assert sorted(prices) == sorted([*LISTED, "FAIL"]), str(calls)
    held = query(backfilled.url, "select max(price_date) from marts.daily_prices where symbol = 'MSFT'")
    assert held == [(MSFT_LAST_DAY,)]


def test_coverage_counts_the_histories_and_names_the_gaps(backfilled: Pipeline) -> None:
    conn = psycopg2.connect(backfilled.url)
    try:
        found = coverage.coverage(conn, history_years=30, today=FIRST_RUN)
    finally:
        conn.close()
    assert found is not None
    # AAPL, GOOG and MSFT in full; OLDC's bars end years before its delisting; FAIL's fetches fail; IBM is NYSE
    assert (found.securities, found.full, found.partial, found.none) == (5, 3, 1, 1)
    assert found.partial_by_reason == {"FMP has none": 1}
    assert found.none_by_reason == {"failed": 1}
    assert [(g.symbol, g.history, g.reason, g.delisted_date) for g in found.gaps] == [
        ("FAIL", "none", "failed", FAIL_LAST_DAY),
        ("OLDC", "partial", "FMP has none", OLDC_LAST_DAY),
    ]
    assert found.gaps[1].last_trading_day == date(2005, 12, 30)
    assert not found.delisted_pages_gated
    env = {"DATABASE_URL": backfilled.url, "FMP_PLAN": "premium"}
    printed = cli("status", env=env).stdout
    assert "5 securities, 3 full, 1 partial (FMP has none 1), 1 none (failed 1)" in printed
    assert "OLDC (OLDC): partial, FMP has none, prices end 2005-12-30, delisted 2012-05-31" in printed
    assert "FAIL (FAIL): none, failed" in printed
    shown = json.loads(cli("status", "--json", env=env).stdout)["coverage"]
    assert (shown["full"], shown["partial"], shown["none"]) == (3, 1, 1)
    assert [gap["symbol"] for gap in shown["gaps"]] == ["FAIL", "OLDC"]
