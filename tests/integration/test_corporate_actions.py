"""Real splits and dividends end to end: AAPL, MSFT and GOOG from 2000 to 2013 with their real corporate actions,
served by the FMP simulator, landed by the prices and corporate-actions streams, reconciled by dbt.

A first run backfills everything up to the end of 2012 (per-symbol `splits` and `dividends`); a second one, two
months later, takes the new dividends from `dividends-calendar` and the new prices, one of them a bad print.
Every split and dividend must reach the marts and agree with the prices, none may be flagged as an anomaly,
the bad print must be, and the incremental marts must equal a full refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from fmp_elt import clock
from fmp_elt.streams.corporate_actions import UNADJUSTED_ENDPOINT
from tests.fixtures.raw_rows import ADJUSTED, MARTS, land, query, rows_changed_since, snapshot_marts
from tests.fixtures.real_prices import DIVIDENDS, KEY, SPLITS, SYMBOLS, Pipeline, real_prices_pipeline, sample
from tests.fixtures.simulator import fmp_get

FIRST_RUN = date(2012, 12, 31)
SECOND_RUN = date(2013, 3, 1)
BAD_PRINT = ("MSFT", date(2013, 1, 15))  # served 30 % high for that one day
ACTION_MARTS = ("splits", "dividends", "price_anomalies")


@pytest.fixture(scope="module")
def pipeline(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with real_prices_pipeline(pg_server_url, pg_template, tmp_path_factory, SECOND_RUN, actions=True) as pipeline:
        pipeline.simulator.set_today(FIRST_RUN)
        pipeline.extract("symbols", FIRST_RUN)
        pipeline.extract("prices", FIRST_RUN, date_from=date(2000, 1, 1))
        backfill = pipeline.extract("corporate_actions", FIRST_RUN, date_from=date(2000, 1, 1))
        assert backfill.units == len(SYMBOLS)
        assert not backfill.failures
        pipeline.build()

        pipeline.simulator.set_today(SECOND_RUN)
        faults = pipeline.simulator.faults
        faults.bad_prints = {(BAD_PRINT[0], BAD_PRINT[1].isoformat()): 1.3}
        # the prices job's order: the calendars first, so that prices reads the adjusted overlap after an event
        update = pipeline.extract("corporate_actions", SECOND_RUN)
        assert update.units == 1
        assert not update.failures
        prices = pipeline.extract("prices", SECOND_RUN)
        assert prices.refetched == []  # a dividend costs no history: the marts adjust what they hold
        pipeline.build()
        yield pipeline


def expected_dividends() -> set[tuple[str, date, Decimal]]:
    return {(s, d.date, Decimal(str(d.amount))) for s, dividends in DIVIDENDS.items() for d in dividends}


def anomalies(url: str) -> list[tuple[str, date, str, str]]:
    return query(url, "select symbol, price_date, anomaly, detail from marts.price_anomalies order by 1, 2, 3")


@pytest.mark.parametrize("symbol", ["AAPL", "MSFT"])
def test_the_real_dividends_are_the_steps_of_the_samples_adjusted_close(symbol: str) -> None:
    """The facts are right: the sample's adjusted close steps on exactly these ex-dates, by these amounts."""
    data = sample(symbol)
    factor = data["adj_close"] / data["close"]
    implied = data["close"].shift(1) * (1 - factor.shift(1) / factor)
    split_days = {s.date.isoformat() for s in SPLITS[symbol]}
    steps = {
        day: value
        for day, value, step in zip(data["date"], implied, factor / factor.shift(1), strict=True)
        if abs(step - 1) > 0.002 and day not in split_days
    }
    paid: dict[str, float] = {}
    for dividend in DIVIDENDS[symbol]:
        paid[dividend.date.isoformat()] = paid.get(dividend.date.isoformat(), 0.0) + dividend.amount
    assert set(steps) == set(paid)
    for day, amount in paid.items():
        assert steps[day] == pytest.approx(amount, rel=0.06), day


def test_the_worked_msft_split_and_dividend(pipeline: Pipeline) -> None:
    """MSFT split 2-for-1 on 2003-02-18 and paid $0.08 on 2003-02-19 (close the day before 24.96): the factors
    are 0.5 and 1 - 0.08 / 24.96, and the adjusted closes as of 2003-02-19 are 23.42, 24.07, 24.88 and 24.53
    (the worked example of Yahoo's help page). Later events multiply every one of these days alike, so the
    ratio to 2003-02-19's adjusted close carries the example over to today's adj_close."""
    factors = query(
        pipeline.url,
        "select event_date, split_factor, dividend_factor, previous_close from marts.adjustment_factors"
        " where symbol = 'MSFT' and event_date in ('2003-02-18', '2003-02-19') order by event_date",
    )
    assert [(d, float(s), float(f), float(c)) for d, s, f, c in factors] == [
        (date(2003, 2, 18), 0.5, 1.0, pytest.approx(48.30, abs=1e-9)),
        (date(2003, 2, 19), 1.0, pytest.approx(1 - 0.08 / 24.96, abs=1e-12), pytest.approx(24.96, abs=1e-9)),
    ]
    rows = dict(
        query(
            pipeline.url,
            "select price_date, adj_close::float8 from marts.daily_prices"
            " where symbol = 'MSFT' and price_date between '2003-02-13' and '2003-02-19'",
        )
    )
    as_of = {day: 24.53 * adj / rows[date(2003, 2, 19)] for day, adj in rows.items()}
    assert round(as_of[date(2003, 2, 13)], 2) == 23.42
    assert round(as_of[date(2003, 2, 14)], 2) == 24.07
    assert round(as_of[date(2003, 2, 18)], 2) == 24.88
    assert round(as_of[date(2003, 2, 19)], 2) == 24.53
    # the market's clock: the prices as computed on 2003-02-19, every later action taken out again
    on_the_day = query(
        pipeline.url,
        "select price_date, round(close, 2), round(adj_close, 2) from marts.daily_prices_on('2003-02-19')"
        " where symbol = 'MSFT' and price_date >= '2003-02-13' order by price_date",
    )
    assert on_the_day == [
        (date(2003, 2, 13), Decimal("23.50"), Decimal("23.42")),
        (date(2003, 2, 14), Decimal("24.15"), Decimal("24.07")),
        (date(2003, 2, 18), Decimal("24.96"), Decimal("24.88")),
        (date(2003, 2, 19), Decimal("24.53"), Decimal("24.53")),
    ]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_adjusted_prices_equal_factors_computed_by_pandas(pipeline: Pipeline, symbol: str) -> None:
    """Every held day's close, adj_close, volume and total return index against the same definitions
    computed by pandas from the as-traded bars as served (the sample's, in cents where a split is
    involved) and the real actions, to 1e-9."""
    served = fmp_get(
        pipeline.simulator,
        "historical-price-eod/non-split-adjusted",
        "premium-key",
        symbol=symbol,
        **{"from": "2000-01-01", "to": SECOND_RUN.isoformat()},
    ).json()
    data = pd.DataFrame(
        {
            "date": [r["date"] for r in served],
            "close": [r["adjClose"] for r in served],
            "volume": [r["volume"] for r in served],
        }
    )
    data = data.sort_values("date").reset_index(drop=True)
    assert len(data) == len(sample(symbol)[sample(symbol)["date"] <= SECOND_RUN.isoformat()])
    days = pd.to_datetime(data["date"]).dt.date
    split_multiplier = pd.Series(1.0, index=data.index)
    for split in SPLITS[symbol]:
        split_multiplier[days < split.date] /= split.numerator / split.denominator
    paid: dict[date, float] = {}
    for dividend in DIVIDENDS[symbol]:
        paid[dividend.date] = paid.get(dividend.date, 0.0) + dividend.amount
    dividend_multiplier = pd.Series(1.0, index=data.index)
    for ex_date, amount in paid.items():
        before = days < ex_date
        if before.any():
            previous_close = data["close"][before].iloc[-1]
            dividend_multiplier[before] *= 1 - amount / previous_close
    expected = pd.DataFrame(
        {
            "close": data["close"] * split_multiplier,
            "adj_close": data["close"] * split_multiplier * dividend_multiplier,
            "volume": (data["volume"] / split_multiplier).round(),
            "total_return_index": data["close"] * split_multiplier * dividend_multiplier / dividend_multiplier.iloc[0],
        }
    )
    expected.index = days
    held = pd.DataFrame(
        query(
            pipeline.url,
            "select price_date, close::float8, adj_close::float8, volume::float8, total_return_index::float8"
            " from marts.daily_prices where symbol = %(symbol)s order by price_date",
            {"symbol": symbol},
        ),
        columns=["price_date", *expected.columns],
    ).set_index("price_date")
    held = held.drop(index=[BAD_PRINT[1]], errors="ignore") if symbol == BAD_PRINT[0] else held
    expected = expected.loc[held.index]
    assert len(held) > 2000
    # volumes are whole shares, rounded once by the simulator's split-adjusted series and once here
    tolerance = {"close": 1e-9, "adj_close": 1e-9, "volume": 1e-6, "total_return_index": 1e-9}
    for column, bound in tolerance.items():
        error = ((held[column] - expected[column]).abs() / expected[column].abs()).max()
        assert error < bound, (column, error)


def test_splits_reach_the_mart(pipeline: Pipeline) -> None:
    rows = query(pipeline.url, "select symbol, split_date, numerator, denominator, split_ratio from marts.splits")
    assert sorted(rows) == [
        ("AAPL", date(2000, 6, 21), 2, 1, 2),
        ("AAPL", date(2005, 2, 28), 2, 1, 2),
        ("MSFT", date(2003, 2, 18), 2, 1, 2),
    ]


def test_dividends_reach_the_mart_regular_and_special_alike(pipeline: Pipeline) -> None:
    rows = query(pipeline.url, "select symbol, ex_date, dividend, adj_dividend, frequency from marts.dividends")
    assert {(s, d, amount) for s, d, amount, _, _ in rows} == expected_dividends()
    special = sorted(
        (amount, frequency) for s, d, amount, _, frequency in rows if (s, d) == ("MSFT", date(2004, 11, 15))
    )
    assert special == [(Decimal("0.08"), "Quarterly"), (Decimal("3.0"), "Irregular")]
    # every split of these symbols came before their dividends: adjusted and declared amounts agree
    assert all(adjusted == amount for _, _, amount, adjusted, _ in rows)


def test_the_newest_dividends_came_from_the_calendar(pipeline: Pipeline) -> None:
    rows = query(
        pipeline.url,
        "select payload ->> 'symbol', payload ->> 'date' from raw.fmp_dividends"
        " where _endpoint = 'dividends-calendar' order by 2",
    )
    assert rows == [("AAPL", "2013-02-07"), ("MSFT", "2013-02-19")]


def test_as_traded_prices_landed_around_every_split(pipeline: Pipeline) -> None:
    for symbol, splits in SPLITS.items():
        for split in splits:
            (before, after) = query(
                pipeline.url,
                "select count(*) filter (where raw.fmp_date(payload ->> 'date') < %(day)s),"
                " count(*) filter (where raw.fmp_date(payload ->> 'date') >= %(day)s)"
                " from raw.fmp_prices_unadjusted where symbol = %(symbol)s",
                {"day": split.date, "symbol": symbol},
            )[0]
            assert before >= 5, (symbol, split)
            assert after >= 5, (symbol, split)


def test_prices_reconcile_with_splits_and_dividends(pipeline: Pipeline) -> None:
    found = [row for row in anomalies(pipeline.url) if row[2] in ("split_mismatch", "dividend_mismatch")]
    assert found == []


def test_no_corporate_action_and_no_session_is_flagged(pipeline: Pipeline) -> None:
    action_days = {(s, x.date) for s, splits in SPLITS.items() for x in splits}
    action_days |= {(s, d) for s, d, _ in expected_dividends()}
    found = anomalies(pipeline.url)
    assert [row for row in found if (row[0], row[1]) in action_days] == []
    assert [row for row in found if row[2] in ("missing_session", "non_positive_price", "non_positive_volume")] == []


def test_the_bad_print_is_flagged_on_its_day_and_only_then(pipeline: Pipeline) -> None:
    flagged = [row[:3] for row in anomalies(pipeline.url) if row[0] == BAD_PRINT[0] and row[1] >= date(2013, 1, 1)]
    assert flagged == [(*BAD_PRINT, "price_spike")]


def test_incremental_marts_equal_a_full_refresh(pipeline: Pipeline) -> None:
    marts = (*MARTS, *ACTION_MARTS)
    snapshot_marts(pipeline.url, "incremental", marts)
    pipeline.build(full_refresh=True)
    assert rows_changed_since(pipeline.url, "incremental", marts) == dict.fromkeys(marts, 0)


def test_actions_the_prices_do_not_reflect_are_mismatches(pipeline: Pipeline) -> None:
    """A dividend and a split FMP would list without its prices showing them. Landed as a real run lands them
    (after every earlier landing), our factors take them in: our adj_close steps by the dividend, so the
    reconciliation of our own series finds no `dividend_mismatch`; FMP's dividend-adjusted series, read after
    it, does not step there and says so (`adjusted_mismatch`). The split: the as-traded prices do not step
    across it, so our split-adjusted close jumps by the ratio there (`split_mismatch`)."""
    loaded_at = clock.now()  # after every earlier landing, as a real run's would be
    land(
        pipeline.url,
        "dividends",
        [{"symbol": "GOOG", "date": "2011-06-15", "dividend": 5.0, "adjDividend": 5.0, "frequency": "Irregular"}],
        loaded_at=loaded_at,
        table="raw.fmp_dividends",
    )
    land(
        pipeline.url,
        "splits",
        [{"symbol": "GOOG", "date": "2011-03-01", "numerator": 3, "denominator": 1}],
        loaded_at=loaded_at,
        table="raw.fmp_splits",
    )
    # the as-traded prices around it, as FMP serves them for a split that never happened: the adjusted ones
    closes = query(
        pipeline.url,
        "select price_date::text, close::float8 from marts.daily_prices"
        " where symbol = 'GOOG' and price_date between '2011-02-25' and '2011-03-04'",
    )
    traded = [{"symbol": "GOOG", "date": day, "adjClose": close} for day, close in closes]
    land(pipeline.url, UNADJUSTED_ENDPOINT, traded, loaded_at=loaded_at, table="raw.fmp_prices_unadjusted")
    # FMP's dividend-adjusted series around the dividend, read after it (the check), knows no such dividend
    checked = fmp_get(
        pipeline.simulator, ADJUSTED, KEY, symbol="GOOG", **{"from": "2011-06-01", "to": "2011-06-30"}
    ).json()
    assert len(checked) > 15
    land(pipeline.url, ADJUSTED, checked, loaded_at=clock.now(), table="raw.fmp_prices_adjusted")
    pipeline.build()

    found = {row[:3] for row in anomalies(pipeline.url) if row[0] == "GOOG"}
    assert ("GOOG", date(2011, 6, 15), "dividend_mismatch") not in found
    assert ("GOOG", date(2011, 6, 14), "adjusted_mismatch") in found  # the session before the ex-date
    assert ("GOOG", date(2011, 3, 1), "split_mismatch") in found
    # our factor by hand: the days before the ex-date scaled by 1 - 5 / the as-traded close before it
    prices = pd.DataFrame(
        query(
            pipeline.url,
            "select price_date, traded_close::float8, (adj_close / close)::float8 as factor from marts.daily_prices"
            " where symbol = 'GOOG' and price_date between '2011-06-01' and '2011-06-30' order by price_date",
        ),
        columns=["day", "traded", "factor"],
    )
    before = prices[prices["day"] < date(2011, 6, 15)]
    expected = 1 - 5.0 / before["traded"].iloc[-1]
    assert (before["factor"] / expected).tolist() == pytest.approx([1.0] * len(before), rel=1e-9)
    assert prices[prices["day"] >= date(2011, 6, 15)]["factor"].tolist() == pytest.approx(
        [1.0] * (len(prices) - len(before)), rel=1e-9
    )
