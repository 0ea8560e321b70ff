"""A universe that changes between runs, on real prices (`bokeh-sampledata`): IBM is delisted, MSFT changes its
ticker to MSFX, and later another company lists as MSFT.

Both leavers stay in marts.symbols with their dates and flags; every IBM price is kept and IBM costs no price
call once its last fetch reached its final day; MSFT's history is one security under MSFX, each trading day
once, and the company that reuses the ticker is another security. Incremental builds equal a full refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg2
import pytest

from fmp_elt.status import universe
from tests.fixtures.ops import cli
from tests.fixtures.postgres import query
from tests.fixtures.raw_rows import differing_rows
from tests.fixtures.real_prices import Pipeline, real_prices_pipeline

SYMBOLS = ("AAPL", "MSFT", "IBM")
FIRST_RUN = date(2012, 6, 29)
IBM_LAST_DAY = date(2012, 7, 13)
RENAME_DAY = date(2012, 8, 1)
SECOND_RUN = date(2012, 8, 15)
REUSE_DAY = date(2012, 10, 1)
THIRD_RUN = date(2013, 3, 1)
UNIVERSE_MARTS = ("symbols", "symbol_history", "symbol_changes", "symbol_securities", "daily_prices",
                  "security_daily_prices")  # fmt: skip


@pytest.fixture(scope="module")
def pipeline(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with real_prices_pipeline(
        pg_server_url, pg_template, tmp_path_factory, THIRD_RUN, actions=False, symbols=SYMBOLS, every_listed=True
    ) as pipeline:
        yield pipeline


@pytest.fixture(scope="module")
def runs(pipeline: Pipeline) -> Pipeline:
    pipeline.daily_run(FIRST_RUN)
    pipeline.simulator.delist("IBM", on=IBM_LAST_DAY)
    pipeline.simulator.rename("MSFT", "MSFX", on=RENAME_DAY)
    second = pipeline.daily_run(SECOND_RUN)
    assert sorted(second["prices"].last_fetches) == ["IBM", "MSFT"]
    pipeline.simulator.relist("MSFT", "Reuse Holdings, Inc.", on=REUSE_DAY)
    pipeline.simulator.reset_stats()
    pipeline.daily_run(THIRD_RUN)
    return pipeline


def symbol_row(url: str, symbol: str) -> dict[str, object]:
    columns = ("is_listed", "delisted_date", "first_seen_date", "last_seen_date", "security_id", "company_name")
    (row,) = query(url, f"select {', '.join(columns)} from marts.symbols where symbol = %s", (symbol,))
    return dict(zip(columns, row, strict=True))


def test_the_delisted_and_the_renamed_stay_in_symbols(runs: Pipeline) -> None:
    ibm = symbol_row(runs.url, "IBM")
    assert ibm["is_listed"] is False
    assert ibm["delisted_date"] == IBM_LAST_DAY
    assert ibm["security_id"] == "IBM"
    msfx = symbol_row(runs.url, "MSFX")
    assert msfx["is_listed"] is True
    assert msfx["delisted_date"] is None
    assert msfx["security_id"] == "MSFT"
    reused = symbol_row(runs.url, "MSFT")
    assert reused["is_listed"] is True
    assert reused["company_name"] == "Reuse Holdings, Inc."
    assert reused["security_id"] == f"MSFT@{RENAME_DAY.isoformat()}"
    aapl = symbol_row(runs.url, "AAPL")
    assert aapl["is_listed"] is True
    assert aapl["first_seen_date"] <= aapl["last_seen_date"]
    # IBM was last seen by the first run, the others by the third
    assert ibm["last_seen_date"] <= aapl["last_seen_date"]
    history = query(runs.url, "select symbol, valid_to is null from marts.symbol_history order by symbol, valid_from")
    assert ("IBM", False) in history
    assert ("MSFX", True) in history
    assert ("AAPL", True) in history
    assert query(runs.url, "select old_symbol, new_symbol, change_date from marts.symbol_changes") == [
        ("MSFT", "MSFX", RENAME_DAY)
    ]


def test_every_price_of_the_delisted_symbol_is_kept(runs: Pipeline) -> None:
    held = [r[0] for r in query(runs.url, "select price_date from marts.daily_prices where symbol = 'IBM' order by 1")]
    assert held == runs.days("IBM", date(2000, 1, 1), IBM_LAST_DAY)


def test_no_price_call_for_the_delisted_symbol_after_its_last_fetch(runs: Pipeline) -> None:
    asked = [r for r in runs.simulator.requests_log if r.path.startswith("/stable/historical-price-eod/")]
    assert {r.query.get("symbol") for r in asked} == {"AAPL", "MSFX", "MSFT"}


def test_the_renamed_company_is_one_continuous_security(runs: Pipeline) -> None:
    rows = query(
        runs.url,
        "select price_date, symbol, close::float8 from marts.security_daily_prices"
        " where security_id = 'MSFT' order by price_date",
    )
    expected = runs.days("MSFT", date(2000, 1, 1), THIRD_RUN)
    assert [r[0] for r in rows] == expected  # every trading day, once
    closes = {date.fromisoformat(b["date"]): b["close"] for b in runs.bars["MSFT"]}
    assert all(abs(close - closes[day]) < 1e-9 for day, _, close in rows)
    # the days before the change were served under both tickers: kept once, from the new one
    assert {symbol for day, symbol, _ in rows} == {"MSFX"}
    both = query(runs.url, "select count(distinct symbol) from marts.daily_prices where security_id = 'MSFT'")
    assert both == [(2,)]


def test_a_reused_ticker_is_never_merged(runs: Pipeline) -> None:
    reused = f"MSFT@{RENAME_DAY.isoformat()}"
    ((first_day, days, symbols),) = query(
        runs.url,
        "select min(price_date), count(*), array_agg(distinct symbol) from marts.security_daily_prices"
        " where security_id = %s",
        (reused,),
    )
    assert first_day >= REUSE_DAY
    assert days > 0
    assert symbols == ["MSFT"]
    assert query(
        runs.url,
        "select count(*) from marts.daily_prices where symbol = 'MSFT' and price_date >= %s and security_id = 'MSFT'",
        (RENAME_DAY,),
    ) == [(0,)]


def test_incremental_builds_equal_a_full_refresh(runs: Pipeline) -> None:
    conn = psycopg2.connect(runs.url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("drop schema if exists incremental cascade; create schema incremental")
            for mart in UNIVERSE_MARTS:
                cur.execute(f"create table incremental.{mart} as select * from marts.{mart}")
    finally:
        conn.close()
    runs.build(full_refresh=True)
    assert {mart: differing_rows(runs.url, mart, "incremental") for mart in UNIVERSE_MARTS} == dict.fromkeys(
        UNIVERSE_MARTS, 0
    )


def test_status_shows_the_universe_size_over_time_and_the_latest_changes(runs: Pipeline) -> None:
    conn = psycopg2.connect(runs.url)
    try:
        listing = universe.universe(conn)
    finally:
        conn.close()
    # run 1: AAPL, IBM, MSFT; run 2: IBM and MSFT left, MSFX came; run 3: another company listed as MSFT
    assert [point.symbols for point in listing.history] == [3, 2, 3]
    assert listing.size == 3
    assert (listing.added, listing.removed) == (["MSFT"], [])
    printed = cli("status", env={"DATABASE_URL": runs.url}).stdout
    assert "universe: 3 symbols" in printed
    assert "added:   MSFT" in printed
    assert "removed: none" in printed
