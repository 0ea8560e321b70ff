"""Synthetic prices and how splits and dividends re-adjust them."""

from __future__ import annotations

from datetime import date

from fmp_elt.simulator.calendar import is_trading_day, trading_days
from fmp_elt.simulator.market import Events, PriceSeries, generate_history, history_from_rows
from fmp_elt.simulator.universe import Dividend, Split, build_universe

DAYS = trading_days(date(2019, 1, 2), date(2026, 11, 25))


def _series(events: Events | None = None, index: int = 0) -> PriceSeries:
    profiles = build_universe(8, 7, DAYS[0], DAYS[-1])
    plain = [p for p in profiles if not p.splits and p.listed == DAYS[0] and p.delisted is None]
    return PriceSeries(generate_history(plain[index], 7, DAYS), events or Events())


def test_history_is_deterministic_and_on_trading_days() -> None:
    a, b = _series(), _series()
    assert a.full_records(range(len(a))) == b.full_records(range(len(b)))
    assert all(is_trading_day(date.fromisoformat(a.day(i))) for i in range(len(a)))
    assert len(a) == len(DAYS)


def test_bars_are_consistent() -> None:
    series = _series()
    for record in series.full_records(range(len(series))):
        assert record["low"] <= min(record["open"], record["close"])
        assert record["high"] >= max(record["open"], record["close"])
        assert record["change"] == round(record["close"] - record["open"], 4)
        assert record["changePercent"] == round(100 * record["change"] / record["open"], 5)
        assert record["vwap"] == round((record["open"] + record["high"] + record["low"] + record["close"]) / 4, 4)
        assert isinstance(record["volume"], int)
        assert record["volume"] >= 0


def test_runtime_split_re_prices_the_bars_from_its_day_and_divides_the_split_adjusted_series() -> None:
    on = date(2024, 6, 3)
    before, after = _series(), _series(Events(splits=(Split(on, 4, 1),)))
    for i in range(len(before)):
        old, new = before.full_records([i])[0], after.full_records([i])[0]
        raw_old, raw_new = before.raw_records([i])[0], after.raw_records([i])[0]
        # the split-adjusted series: every bar over the ratio, so it is continuous across the split
        assert new["close"] == round(old["close"] / 4, 2)
        assert new["volume"] == old["volume"] * 4
        if date.fromisoformat(old["date"]) < on:
            assert raw_new == raw_old  # traded before the split: as-traded days never change
        else:  # traded after it: at a quarter of the price, four times the shares
            assert raw_new["adjClose"] == round(raw_old["adjClose"] / 4, 2)
            assert raw_new["volume"] == raw_old["volume"] * 4
            assert raw_new["adjClose"] == new["close"]


def test_builtin_split_shows_only_in_raw_prices() -> None:
    profiles = build_universe(8, 7, DAYS[0], DAYS[-1])
    profile = next(p for p in profiles if p.splits)
    split = profile.splits[0]
    series = PriceSeries(generate_history(profile, 7, DAYS))
    i = series.index_of(split.date)
    assert i is not None
    before_full, before_raw = series.full_records([i - 1])[0], series.raw_records([i - 1])[0]
    assert before_raw["adjClose"] == round(before_full["close"] * split.ratio, 2)
    assert before_raw["volume"] == round(before_full["volume"] / split.ratio)
    on_full, on_raw = series.full_records([i])[0], series.raw_records([i])[0]
    assert on_raw["adjClose"] == on_full["close"]


def test_dividend_scales_dividend_adjusted_history_before_ex_date() -> None:
    on = date(2024, 6, 3)
    series = _series(Events(dividends=(Dividend(on, 1.0),)))
    i = series.index_of(on)
    assert i is not None
    previous_close = series.close(i - 1)
    factor = 1 - 1.0 / previous_close
    for j in (i - 1, i - 50):
        full, adjusted = series.full_records([j])[0], series.dividend_adjusted_records([j], on)[0]
        assert adjusted["adjClose"] == round(full["close"] * factor, 2)
        assert adjusted["volume"] == full["volume"]
    assert series.dividend_adjusted_records([i], on)[0]["adjClose"] == series.full_records([i])[0]["close"]
    # seen the day before the ex-date, the dividend is not known yet: nothing is scaled
    day_before = date.fromisoformat(series.day(i - 1))
    assert (
        series.dividend_adjusted_records([i - 50], day_before)[0]["adjClose"]
        == series.full_records([i - 50])[0]["close"]
    )


def test_window_is_newest_first_and_cap_drops_oldest() -> None:
    series = _series()
    rows = series.window(date(2020, 1, 1), date(2020, 12, 31))
    days = [series.day(i) for i in rows]
    assert days[0] == "2020-12-31"
    assert days[-1] == "2020-01-02"
    capped = series.window(date(2020, 1, 1), date(2020, 12, 31), cap=10)
    assert [series.day(i) for i in capped] == days[:10]


def test_history_from_rows_sorts_and_keeps_values() -> None:
    rows = [
        {"date": "2020-01-03", "open": 2.5, "high": 3, "low": 2, "close": 2.75, "volume": 10},
        {"date": date(2020, 1, 2), "open": 1.0, "high": 1.5, "low": 0.5, "close": 1.25, "volume": 20.0},
    ]
    series = PriceSeries(history_from_rows("REAL", rows))
    records = series.full_records(series.window(date(2020, 1, 1), date(2020, 1, 31)))
    assert [r["date"] for r in records] == ["2020-01-03", "2020-01-02"]
    assert records[1]["close"] == 1.25
    assert records[1]["volume"] == 20
