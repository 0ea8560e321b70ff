"""`marts.daily_prices_as_of(t)` on both clocks, with real prices and actions (AAPL, MSFT and GOOG from 2000 to
2012, served by the simulator, landed once by one backfill, so the warehouse's first load is long after them).

The market's clock (the default) gives what a user computed on day t: the as-traded bars up to t, adjusted by
the actions dated on or before t. The worked example is MSFT's 2-for-1 split on 2003-02-18 and its first
dividend, $0.08 on 2003-02-19, with 24.96 the close of 2003-02-18: as of 2003-02-19 the closes before the split
are halved and every close before the ex-date is multiplied by 1 - 0.08 / 24.96. Our own clock ('warehouse')
gives the versions the warehouse held at t: nothing before its first load.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from tests.fixtures.raw_rows import query
from tests.fixtures.real_prices import SPLITS, SYMBOLS, Pipeline, real_prices_pipeline

RUN = date(2012, 12, 31)
WORKED_DAY = "2003-02-19"


@pytest.fixture(scope="module")
def pipeline(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with real_prices_pipeline(pg_server_url, pg_template, tmp_path_factory, RUN, actions=True) as pipeline:
        pipeline.simulator.set_today(RUN)
        pipeline.extract("symbols", RUN)
        pipeline.extract("prices", RUN, date_from=date(2000, 1, 1))
        backfill = pipeline.extract("corporate_actions", RUN, date_from=date(2000, 1, 1))
        assert backfill.units == len(SYMBOLS)
        pipeline.build()
        yield pipeline


def test_the_market_clock_is_the_default_and_reproduces_the_worked_example(pipeline: Pipeline) -> None:
    rows = query(
        pipeline.url,
        "select price_date, close, adj_close, valid_from from marts.daily_prices_as_of(%s)"
        " where symbol = 'MSFT' and price_date >= '2003-02-13' order by price_date",
        (WORKED_DAY,),
    )
    # by hand from the as-traded closes 46.99, 48.30, 24.96, 24.53
    dividend = 1 - Decimal("0.08") / Decimal("24.96")
    traded = {
        date(2003, 2, 13): (Decimal("46.99"), Decimal("0.5")),
        date(2003, 2, 14): (Decimal("48.30"), Decimal("0.5")),
        date(2003, 2, 18): (Decimal("24.96"), Decimal(1)),
        date(2003, 2, 19): (Decimal("24.53"), Decimal(1)),
    }
    expected_adjusted = [
        close * split * (dividend if day < date(2003, 2, 19) else 1) for day, (close, split) in traded.items()
    ]
    assert [day for day, *_ in rows] == list(traded)  # nothing after t
    assert [close for _, close, _, _ in rows] == [close * split for close, split in traded.values()]
    assert [adj for _, _, adj, _ in rows] == [pytest.approx(value, abs=Decimal("1e-12")) for value in expected_adjusted]
    assert [round(adj, 2) for _, _, adj, _ in rows] == [
        Decimal("23.42"),
        Decimal("24.07"),
        Decimal("24.88"),
        Decimal("24.53"),
    ]
    assert {valid_from for *_, valid_from in rows} == {None}
    market = query(
        pipeline.url,
        "select price_date, close, adj_close from marts.daily_prices_as_of(%s, 'market')"
        " where symbol = 'MSFT' and price_date >= '2003-02-13' order by price_date",
        (WORKED_DAY,),
    )
    assert market == [row[:3] for row in rows]


def test_the_market_clock_applies_no_split_dated_after_t(pipeline: Pipeline) -> None:
    """AAPL split 2-for-1 on 2005-02-28: as of the Friday before, every session since its previous split
    (2000-06-21) is at its as-traded price, which daily_prices keeps beside today's split-adjusted one."""
    assert date(2005, 2, 28) in {split.date for split in SPLITS["AAPL"]}
    rows = query(
        pipeline.url,
        "select count(*), count(*) filter (where as_of.close = prices.traded_close),"
        " count(*) filter (where prices.close = prices.traded_close)"
        " from marts.daily_prices_as_of('2005-02-25') as as_of"
        " join marts.daily_prices as prices using (symbol, price_date)"
        " where symbol = 'AAPL' and price_date >= '2000-06-21'",
    )
    sessions, as_traded, already_adjusted_today = rows[0]
    assert sessions > 1100
    assert as_traded == sessions
    assert already_adjusted_today == 0  # today's close halves them: the function took the later splits out


def test_our_own_clock_holds_nothing_before_the_first_load(pipeline: Pipeline) -> None:
    assert query(pipeline.url, "select count(*) from marts.daily_prices_as_of(%s, 'warehouse')", (WORKED_DAY,)) == [
        (0,)
    ]
    current = query(pipeline.url, "select symbol, price_date, close, adj_close from marts.daily_prices order by 1, 2")
    held = query(
        pipeline.url,
        "select symbol, price_date, close, adj_close from marts.daily_prices_as_of(now(), 'warehouse') order by 1, 2",
    )
    assert len(current) > 8000  # three symbols, 2000 to 2012
    assert held == current


def test_an_unknown_clock_is_an_error(pipeline: Pipeline) -> None:
    with pytest.raises(Exception, match="invalid input value for enum"):
        query(pipeline.url, "select count(*) from marts.daily_prices_as_of(now(), 'wall')")
