"""Per-symbol EOD prices over HTTP: ordering, ranges, the 5,000-row cap, plan depth, re-adjustment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from fmp_elt.simulator import Simulator
from fmp_elt.simulator.calendar import is_trading_day, trading_days, years_before
from tests.fixtures.simulator import fmp_get

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

FULL = "historical-price-eod/full"


def plain_stock(sim: Simulator) -> str:
    return next(
        s
        for s in sim.symbols
        if sim.profile(s).is_common_stock
        and not sim.profile(s).splits
        and sim.profile(s).delisted is None
        and sim.profile(s).listed == date(2019, 1, 2)
    )


def full(sim: Simulator, symbol: str, key: str = "test-key", **params: str) -> list[dict]:
    response = fmp_get(sim, FULL, key=key, symbol=symbol, **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_newest_first_on_trading_days_with_inclusive_bounds(fmp_simulator: Simulator) -> None:
    records = full(fmp_simulator, plain_stock(fmp_simulator), **{"from": "2024-01-02", "to": "2024-03-28"})
    days = [date.fromisoformat(r["date"]) for r in records]
    assert days == sorted(days, reverse=True)
    assert days[0] == date(2024, 3, 28)
    assert days[-1] == date(2024, 1, 2)
    assert days == list(reversed(trading_days(date(2024, 1, 2), date(2024, 3, 28))))
    assert all(is_trading_day(d) for d in days)


def test_default_range_is_about_five_years(fmp_simulator: Simulator) -> None:
    records = full(fmp_simulator, plain_stock(fmp_simulator))
    end = fmp_simulator.today
    assert records[0]["date"] == end.isoformat()
    assert records[-1]["date"] >= years_before(end, 5).isoformat()
    assert 1240 <= len(records) <= 1265


def test_empty_answers(fmp_simulator: Simulator) -> None:
    symbol = plain_stock(fmp_simulator)
    assert full(fmp_simulator, symbol, **{"from": "2024-03-01", "to": "2024-02-01"}) == []
    assert full(fmp_simulator, "NOSUCH") == []
    assert full(fmp_simulator, f"{symbol},{fmp_simulator.symbols[-1]}") == []


def test_dashed_share_class_is_served(fmp_simulator: Simulator) -> None:
    dashed = next(s for s in fmp_simulator.symbols if "-" in s)
    assert full(fmp_simulator, dashed, **{"from": "2024-03-01", "to": "2024-03-08"})
    assert full(fmp_simulator, dashed.replace("-", "."), **{"from": "2024-03-01", "to": "2024-03-08"}) == []


def test_cap_keeps_the_newest_5000_rows(make_simulator: Callable[..., Simulator]) -> None:
    sim = make_simulator(n_symbols=3, start=date(1998, 1, 2))
    symbol = next(s for s in sim.symbols if sim.profile(s).listed == date(1998, 1, 2))
    records = full(sim, symbol, key="premium-key", **{"from": "1998-01-01", "to": sim.today.isoformat()})
    assert len(records) == 5000
    days = trading_days(date(1998, 1, 2), sim.today)
    assert records[0]["date"] == sim.today.isoformat()
    assert records[-1]["date"] == days[-5000].isoformat()  # the oldest rows were dropped


def test_plan_history_depth(fmp_simulator: Simulator) -> None:
    symbol = plain_stock(fmp_simulator)
    window = {"from": "2019-01-01", "to": fmp_simulator.today.isoformat()}
    starter = full(fmp_simulator, symbol, **window)
    premium = full(fmp_simulator, symbol, key="premium-key", **window)
    assert starter[-1]["date"] >= years_before(fmp_simulator.today, 5).isoformat()
    assert premium[-1]["date"] == "2019-01-02"
    assert premium[: len(starter)] == starter


def test_split_re_adjusts_the_history_and_re_prices_the_days_from_it(fmp_simulator: Simulator) -> None:
    symbol = plain_stock(fmp_simulator)
    window = {"from": "2025-01-02", "to": "2025-03-31"}
    on = date(2025, 2, 3)
    before = full(fmp_simulator, symbol, **window)
    raw_before = fmp_get(fmp_simulator, "historical-price-eod/non-split-adjusted", symbol=symbol, **window).json()
    fmp_simulator.apply_split(symbol, on=on, numerator=4, denominator=1)
    after = full(fmp_simulator, symbol, **window)
    raw_after = fmp_get(fmp_simulator, "historical-price-eod/non-split-adjusted", symbol=symbol, **window).json()
    assert [r["date"] for r in after] == [r["date"] for r in before]
    for old, new in zip(before, after, strict=True):  # split-adjusted: every bar over the ratio
        assert new["close"] == round(old["close"] / 4, 2)
        assert new["open"] == round(old["open"] / 4, 2)
        assert new["volume"] == old["volume"] * 4
    for old, new in zip(raw_before, raw_after, strict=True):  # as traded: a quarter of the price from its day
        if old["date"] < on.isoformat():
            assert new == old
        else:
            assert new["adjClose"] == round(old["adjClose"] / 4, 2)
            assert new["volume"] == old["volume"] * 4
    assert any(s.date == on for s in fmp_simulator.splits(symbol))


def test_builtin_split_shows_in_raw_prices(fmp_simulator: Simulator) -> None:
    symbol = next(s for s in fmp_simulator.symbols if fmp_simulator.profile(s).splits)
    split = fmp_simulator.profile(symbol).splits[0]
    window = {"from": (split.date - timedelta(days=7)).isoformat(), "to": split.date.isoformat()}
    adjusted = full(fmp_simulator, symbol, key="premium-key", **window)
    raw = fmp_get(
        fmp_simulator, "historical-price-eod/non-split-adjusted", key="premium-key", symbol=symbol, **window
    ).json()
    assert raw[0]["adjClose"] == adjusted[0]["close"]  # the split day trades post-split
    assert raw[1]["adjClose"] == round(adjusted[1]["close"] * split.ratio, 2)


def test_dividend_re_adjusts_only_dividend_adjusted(fmp_simulator: Simulator) -> None:
    symbol = plain_stock(fmp_simulator)
    window = {"from": "2025-01-02", "to": "2025-03-31"}
    on = date(2025, 2, 3)
    adjusted_endpoint = "historical-price-eod/dividend-adjusted"
    full_before = full(fmp_simulator, symbol, **window)
    adjusted_before = fmp_get(fmp_simulator, adjusted_endpoint, symbol=symbol, **window).json()
    fmp_simulator.add_dividend(symbol, on=on, amount=0.5)
    assert full(fmp_simulator, symbol, **window) == full_before
    adjusted_after = fmp_get(fmp_simulator, adjusted_endpoint, symbol=symbol, **window).json()
    for old, new in zip(adjusted_before, adjusted_after, strict=True):
        if old["date"] < on.isoformat():
            assert new["adjClose"] < old["adjClose"]
        else:
            assert new == old


def test_set_today_hides_and_reveals_days(fmp_simulator: Simulator) -> None:
    symbol = plain_stock(fmp_simulator)
    window = {"from": "2026-11-02", "to": "2026-11-25"}
    fmp_simulator.set_today(date(2026, 11, 13))
    earlier = full(fmp_simulator, symbol, **window)
    assert earlier[0]["date"] == "2026-11-13"
    fmp_simulator.set_today(date(2026, 11, 20))
    later = full(fmp_simulator, symbol, **window)
    assert later[0]["date"] == "2026-11-20"
    assert later[-len(earlier) :] == earlier


def test_load_prices_serves_given_rows(fmp_simulator: Simulator) -> None:
    rows = [
        {
            "date": date(2024, 1, 2) + timedelta(days=i),
            "open": 10 + i,
            "high": 11 + i,
            "low": 9 + i,
            "close": 10.5 + i,
            "volume": 1000 * (i + 1),
        }
        for i in (0, 1, 2)
    ]
    fmp_simulator.load_prices("REAL", rows)
    records = full(fmp_simulator, "REAL", key="premium-key", **{"from": "2024-01-01", "to": "2024-01-31"})
    assert [(r["date"], r["open"], r["close"], r["volume"]) for r in records] == [
        ("2024-01-04", 12.0, 12.5, 3000),
        ("2024-01-03", 11.0, 11.5, 2000),
        ("2024-01-02", 10.0, 10.5, 1000),
    ]
    assert records[0]["change"] == 0.5
    assert records[0]["vwap"] == round((12 + 13 + 11 + 12.5) / 4, 4)


def test_same_seed_same_data(make_simulator: Callable[..., Simulator]) -> None:
    first, second, other = make_simulator(), make_simulator(), make_simulator(seed=8)
    assert first.symbols == second.symbols != other.symbols
    symbol = first.symbols[0]
    assert full(first, symbol) == full(second, symbol)
    for endpoint in ("company-screener", "stock-list"):
        assert fmp_get(first, endpoint).content == fmp_get(second, endpoint).content
    assert fmp_get(first, "ratios", symbol=symbol).content == fmp_get(second, "ratios", symbol=symbol).content
