"""The security master across a rename chain whose first link FMP lists late, a ticker swap and a reused ticker,
on real prices (`bokeh-sampledata`).

GOOG becomes GOOA, then GOOB; symbol-change lists GOOA -> GOOB at once but GOOG -> GOOA only two weeks later.
AAPL and IBM swap tickers. Another company then lists as GOOG. After the late link lands, every GOOG, GOOA and
GOOB day is one security (the one held before the link too), marts.securities has one row per company, and
incremental builds equal a full refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import psycopg2
import pytest

from fmp_elt.simulator import Simulator
from tests.fixtures.postgres import query
from tests.fixtures.raw_rows import differing_rows
from tests.fixtures.real_prices import Pipeline, split_adjusted_bars
from tests.fixtures.simulator import simulator_config
from tests.fixtures.warehouses import module_warehouse
from tests.integration.test_dbt_universe import UNIVERSE_MARTS

SYMBOLS = ("AAPL", "GOOG", "IBM", "MSFT")
FIRST_RUN = date(2012, 6, 29)
FIRST_LINK = date(2012, 7, 2)  # GOOG -> GOOA
FIRST_LINK_LISTED = date(2012, 8, 1)
SECOND_LINK = date(2012, 7, 16)  # GOOA -> GOOB
SWAP_DAY = date(2012, 7, 18)  # AAPL <-> IBM
SECOND_RUN = date(2012, 7, 20)
THIRD_RUN = date(2012, 8, 15)
REUSE_DAY = date(2012, 9, 4)
FOURTH_RUN = date(2012, 10, 1)
REUSED = f"GOOG@{FIRST_LINK.isoformat()}"


@pytest.fixture(scope="module")
def runs(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    bars = {symbol: split_adjusted_bars(symbol) for symbol in SYMBOLS}
    simulator = Simulator(simulator_config(n_symbols=0, start=date(2000, 1, 3), end=FOURTH_RUN))
    for symbol, rows in bars.items():
        simulator.load_prices(symbol, rows)
    with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as warehouse:
        simulator.start()
        try:
            pipeline = Pipeline(warehouse.url, simulator, warehouse.paths, bars, None)
            pipeline.daily_run(FIRST_RUN)
            simulator.rename("GOOG", "GOOA", on=FIRST_LINK, published=FIRST_LINK_LISTED)
            simulator.rename("GOOA", "GOOB", on=SECOND_LINK)
            simulator.swap("AAPL", "IBM", on=SWAP_DAY)
            pipeline.daily_run(SECOND_RUN)
            # before the first link is known, GOOB's days are another security than GOOG's
            assert query(pipeline.url, "select distinct security_id from marts.daily_prices where symbol = 'GOOB'") == [
                ("GOOA",)
            ]
            pipeline.daily_run(THIRD_RUN)
            simulator.relist("GOOG", "Second Use Inc.", on=REUSE_DAY)
            pipeline.daily_run(FOURTH_RUN)
            yield pipeline
        finally:
            simulator.stop()


def test_a_late_first_link_rekeys_the_whole_chain(runs: Pipeline) -> None:
    keyed = query(
        runs.url,
        "select symbol, security_id, count(*) from marts.daily_prices"
        " where symbol in ('GOOA', 'GOOB') or (symbol = 'GOOG' and price_date < %s) group by 1, 2 order by 1",
        (FIRST_LINK,),
    )
    assert [(symbol, security) for symbol, security, _ in keyed] == [("GOOB", "GOOG"), ("GOOG", "GOOG")]
    assert query(runs.url, "select security_id from marts.symbols where symbol = 'GOOB'") == [("GOOG",)]


def test_the_chain_is_one_continuous_security(runs: Pipeline) -> None:
    rows = query(
        runs.url,
        "select price_date, close::float8 from marts.security_daily_prices where security_id = 'GOOG'"
        " order by price_date",
    )
    expected = {date.fromisoformat(b["date"]): b["close"] for b in runs.bars["GOOG"]}
    assert [day for day, _ in rows] == [day for day in expected if day <= FOURTH_RUN]
    assert all(abs(close - expected[day]) < 1e-6 for day, close in rows)


def test_securities_has_one_row_per_company(runs: Pipeline) -> None:
    columns = "security_id, first_symbol, current_symbol, tickers, first_trading_day, last_trading_day, is_listed"
    found = {row[0]: row[1:] for row in query(runs.url, f"select {columns} from marts.securities")}
    goog_days = runs.days("GOOG", date(2000, 1, 1), FOURTH_RUN)
    assert found["GOOG"] == ("GOOG", "GOOB", 3, goog_days[0], goog_days[-1], True)
    reused = found[REUSED]
    assert reused[:3] == ("GOOG", "GOOG", 1)
    assert reused[3] >= REUSE_DAY
    # the swap: each company keeps its security and ends under the other's ticker
    assert found["AAPL"][:3] == ("AAPL", "IBM", 2)
    assert found["IBM"][:3] == ("IBM", "AAPL", 2)
    assert sorted(found) == sorted(["AAPL", "GOOG", "IBM", "MSFT", REUSED])
    assert query(runs.url, f"select company_name from marts.securities where security_id = '{REUSED}'") == [
        ("Second Use Inc.",)
    ]


def test_the_swap_maps_each_ticker_to_the_right_company_on_each_side_of_it(runs: Pipeline) -> None:
    periods = query(
        runs.url,
        "select symbol, valid_from, security_id from marts.symbol_securities"
        " where symbol in ('AAPL', 'IBM') order by symbol, valid_from",
    )
    assert [(symbol, security) for symbol, _, security in periods] == [
        ("AAPL", "AAPL"),
        ("AAPL", "IBM"),
        ("IBM", "IBM"),
        ("IBM", "AAPL"),
    ]
    assert {valid_from for _, valid_from, _ in periods if valid_from != date.min} == {SWAP_DAY}


def test_incremental_builds_equal_a_full_refresh(runs: Pipeline) -> None:
    marts = (*UNIVERSE_MARTS, "securities")
    conn = psycopg2.connect(runs.url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("drop schema if exists incremental cascade; create schema incremental")
            for mart in marts:
                cur.execute(f"create table incremental.{mart} as select * from marts.{mart}")
    finally:
        conn.close()
    runs.build(full_refresh=True)
    assert {mart: differing_rows(runs.url, mart, "incremental") for mart in marts} == dict.fromkeys(marts, 0)


def universe_on(url: str, day: date) -> tuple[dict[str, tuple[str, str, str]], list[str]]:
    """marts.universe_as_of(day) by security: (ticker that day, company, where the attributes come from), and
    the notices it raised."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "select security_id, symbol, company_name, attributes_from from marts.universe_as_of(%s)", (day,)
            )
            rows = {row[0]: row[1:] for row in cur.fetchall()}
        return rows, list(conn.notices)
    finally:
        conn.close()


def test_universe_as_of_returns_the_company_that_held_a_reused_ticker_that_day(runs: Pipeline) -> None:
    before, notices = universe_on(runs.url, date(2012, 6, 1))
    assert {security: row[0] for security, row in before.items()} == {
        "AAPL": "AAPL",
        "GOOG": "GOOG",
        "IBM": "IBM",
        "MSFT": "MSFT",
    }
    after, _ = universe_on(runs.url, date(2012, 9, 20))
    assert {security: row[0] for security, row in after.items()} == {
        "AAPL": "IBM",  # swapped
        "GOOG": "GOOB",  # the chain
        "IBM": "AAPL",
        "MSFT": "MSFT",
        REUSED: "GOOG",  # the company that held the ticker on that day
    }
    assert after[REUSED][1] == "Second Use Inc."
    # the simulated dates are before the warehouse's first screener snapshot (taken by the wall clock): it says so
    assert {row[2] for row in after.values()} == {"latest"}
    assert any("before the first screener snapshot" in notice for notice in notices)
    # its prices are read by security: the GOOG ticker's days from the reuse on, only
    ((first_day,),) = query(
        runs.url,
        "select min(p.price_date) from marts.universe_as_of(%s) as u"
        " join marts.security_daily_prices as p on p.security_id = u.security_id where u.symbol = 'GOOG'",
        (date(2012, 9, 20),),
    )
    assert first_day >= REUSE_DAY


def test_universe_as_of_a_day_of_the_snapshots_reads_them(runs: Pipeline) -> None:
    ((first_snapshot,),) = query(runs.url, "select min(valid_from)::date from marts.symbol_history")
    today, notices = universe_on(runs.url, first_snapshot + timedelta(days=1))
    assert not notices
    assert {security: (row[0], row[2]) for security, row in today.items()} == {
        "AAPL": ("IBM", "snapshot"),
        "GOOG": ("GOOB", "snapshot"),
        "IBM": ("AAPL", "snapshot"),
        "MSFT": ("MSFT", "snapshot"),
        REUSED: ("GOOG", "snapshot"),
    }
