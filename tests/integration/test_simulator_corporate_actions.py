"""The simulator's splits, dividends and their calendars over HTTP: the events its prices reflect, the calendar's
pages and their seams (and the walk that repairs them), and an injected bad print."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.simulator import Faults, Simulator
from fmp_elt.streams.calendar_pages import walk_calendar
from tests.fixtures.simulator import fmp_get

# Reads the wall clock (the simulated market ends on the latest session): tests/run.sh runs it again moved.
pytestmark = pytest.mark.clock


def get(sim: Simulator, endpoint: str, **params: object) -> list[dict]:
    response = fmp_get(sim, endpoint, **params)
    assert response.status_code == 200, response.text
    return response.json()


def by_date(records: list[dict], key: str) -> dict[str, float]:
    return {r["date"]: r[key] for r in records}


def test_a_listed_split_is_the_step_between_as_traded_and_split_adjusted_prices(fmp_simulator: Simulator) -> None:
    symbol = next(s for s in fmp_simulator.symbols if fmp_simulator.profile(s).splits)
    [split] = get(fmp_simulator, "splits", symbol=symbol)
    profile_split = fmp_simulator.profile(symbol).splits[0]
    assert split == {
        "symbol": symbol,
        "date": profile_split.date.isoformat(),
        "numerator": profile_split.numerator,
        "denominator": profile_split.denominator,
    }
    window = {"symbol": symbol, "from": (profile_split.date - timedelta(days=7)).isoformat()}
    full = by_date(get(fmp_simulator, "historical-price-eod/full", **window), "close")
    traded = by_date(get(fmp_simulator, "historical-price-eod/non-split-adjusted", **window), "adjClose")
    before = max(d for d in full if d < split["date"])
    after = min(d for d in full if d >= split["date"])
    step = (traded[before] / full[before]) / (traded[after] / full[after])
    assert step == pytest.approx(profile_split.ratio, rel=0.01)


def test_each_listed_dividend_is_a_step_of_the_dividend_adjusted_prices(fmp_simulator: Simulator) -> None:
    symbol = next(s for s in fmp_simulator.symbols if len(fmp_simulator.dividends(s)) > 4)
    dividends = get(fmp_simulator, "dividends", symbol=symbol)
    assert [d["date"] for d in dividends] == sorted((d["date"] for d in dividends), reverse=True)
    assert set(dividends[0]) == {
        "symbol", "date", "recordDate", "paymentDate", "declarationDate", "adjDividend", "dividend", "yield",
        "frequency",
    }  # fmt: skip
    since = (fmp_simulator.today - timedelta(days=4 * 365)).isoformat()  # inside a Starter key's 5 years
    params = {"symbol": symbol, "from": since}
    full = by_date(get(fmp_simulator, "historical-price-eod/full", **params), "close")
    adjusted = by_date(get(fmp_simulator, "historical-price-eod/dividend-adjusted", **params), "adjClose")
    days = sorted(full)
    checked = [d for d in dividends if d["date"] > days[0]]
    assert len(checked) > 4
    for dividend in checked:
        i = days.index(dividend["date"])
        previous, day = days[i - 1], days[i]
        implied = full[previous] * (1 - (adjusted[previous] / full[previous]) / (adjusted[day] / full[day]))
        assert implied == pytest.approx(dividend["adjDividend"], abs=0.02), dividend
    assert len(get(fmp_simulator, "dividends", symbol=symbol, limit=2)) == 2


def test_runtime_splits_and_dividends_are_listed(fmp_simulator: Simulator) -> None:
    symbol = next(s for s in fmp_simulator.symbols if not fmp_simulator.profile(s).splits)
    day = fmp_simulator.today - timedelta(days=30)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    fmp_simulator.add_dividend(symbol, day, 1.5)
    fmp_simulator.apply_split(symbol, day, 3, 1)
    assert get(fmp_simulator, "splits", symbol=symbol)[0] == {
        "symbol": symbol,
        "date": day.isoformat(),
        "numerator": 3,
        "denominator": 1,
    }
    paid = [d for d in get(fmp_simulator, "dividends", symbol=symbol) if d["date"] == day.isoformat()]
    assert [(d["dividend"], d["adjDividend"]) for d in paid] == [(1.5, 1.5)]
    assert (symbol, day.isoformat()) in {
        (r["symbol"], r["date"]) for r in get(fmp_simulator, "splits-calendar", **{"from": day.isoformat()})
    }


def test_a_dividend_fmp_lists_wrong_is_listed_wrong_and_adjusted_right(
    make_simulator: Callable[..., Simulator],
) -> None:
    """FMP's own error: `dividends` and the calendar list one amount, its dividend-adjusted series steps by another."""
    sim = make_simulator()
    symbol = next(s for s in sim.symbols if not sim.profile(s).splits and not sim.profile(s).delisted)
    day = sim.today - timedelta(days=30)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    sim.add_dividend(symbol, day, 1.2, listed_as=0.4)
    listed = [d for d in get(sim, "dividends", symbol=symbol) if d["date"] == day.isoformat()]
    assert [(d["dividend"], d["adjDividend"]) for d in listed] == [(0.4, 0.4)]
    window = {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat()}
    calendar = [r for r in get(sim, "dividends-calendar", **window) if r["symbol"] == symbol]
    assert [r["dividend"] for r in calendar] == [0.4]
    params = {"symbol": symbol, "from": (day - timedelta(days=10)).isoformat(), "to": day.isoformat()}
    full = by_date(get(sim, "historical-price-eod/full", **params), "close")
    adjusted = by_date(get(sim, "historical-price-eod/dividend-adjusted", **params), "adjClose")
    previous = max(d for d in full if d < day.isoformat())
    implied = full[previous] * (
        1 - (adjusted[previous] / full[previous]) / (adjusted[day.isoformat()] / full[day.isoformat()])
    )
    assert implied == pytest.approx(1.2, abs=0.02)


def every_dividend(sim: Simulator, first: date, last: date) -> list[dict]:
    rows = [
        row
        for symbol in sim.symbols
        for row in get(sim, "dividends", symbol=symbol)
        if first.isoformat() <= row["date"] <= last.isoformat()
    ]
    return sorted(rows, key=lambda r: (r["date"], r["symbol"]), reverse=True)


def pages(sim: Simulator, first: date, last: date) -> list[list[dict]]:
    found, page = [], 0
    while rows := get(sim, "dividends-calendar", **{"from": first.isoformat(), "to": last.isoformat(), "page": page}):
        found.append(rows)
        page += 1
    return found


def test_calendar_pages_cover_the_window_and_seams_repeat_rows_for_lost_ones(
    make_simulator: Callable[..., Simulator],
) -> None:
    sim = make_simulator(n_symbols=20, calendar_page_rows=25)
    last = sim.today
    first = last - timedelta(days=3 * 365)
    expected = every_dividend(sim, first, last)
    assert len(expected) > 75  # several pages
    key = sorted((r["symbol"], r["date"]) for r in expected)
    assert sorted((r["symbol"], r["date"]) for page in pages(sim, first, last) for r in page) == key

    sim.faults = Faults(calendar_seam_rows=3)
    seamed = pages(sim, first, last)
    assert all(page[:3] == before[-3:] for before, page in itertools.pairwise(seamed))
    served = {(r["symbol"], r["date"], r["dividend"]) for page in seamed for r in page}
    assert len(served) == len(expected) - 3 * (len(seamed) - 1)  # each repeated row stands for a lost one


def test_the_calendar_walk_narrows_its_window_until_no_row_is_lost(make_simulator: Callable[..., Simulator]) -> None:
    sim = make_simulator(n_symbols=20, calendar_page_rows=25)
    sim.faults = Faults(calendar_seam_rows=3)
    last = sim.today
    first = last - timedelta(days=3 * 365)
    client = FmpClient(sim.base_url, "test-key", RateLimiter(60_000), retry=RetryPolicy(max_tries=2))
    walk = walk_calendar(client, "dividends-calendar", first, last)
    assert walk.seams > 0
    assert walk.lost == 0
    assert sorted(walk.rows, key=repr) == sorted(every_dividend(sim, first, last), key=repr)


def test_the_splits_calendar_looks_back_about_90_days(fmp_simulator: Simulator) -> None:
    symbol = next(s for s in fmp_simulator.symbols if fmp_simulator.profile(s).delisted is None)
    old = fmp_simulator.today - timedelta(days=200)
    while old.weekday() >= 5:
        old -= timedelta(days=1)
    fmp_simulator.apply_split(symbol, old, 2, 1)
    window = {"from": (old - timedelta(days=5)).isoformat(), "to": fmp_simulator.today.isoformat()}
    assert all(row["date"] >= (fmp_simulator.today - timedelta(days=90)).isoformat() for row in
               get(fmp_simulator, "splits-calendar", **window))  # fmt: skip
    assert get(fmp_simulator, "splits", symbol=symbol)[0]["date"] == old.isoformat()


def test_a_bad_print_scales_one_day_in_every_price_variant(fmp_simulator: Simulator) -> None:
    symbol = next(s for s in fmp_simulator.symbols if fmp_simulator.profile(s).delisted is None)
    params = {"symbol": symbol, "from": (fmp_simulator.today - timedelta(days=20)).isoformat()}
    clean = {v: get(fmp_simulator, f"historical-price-eod/{v}", **params) for v in ("full", "dividend-adjusted")}
    day = clean["full"][5]["date"]
    fmp_simulator.faults = Faults(bad_prints={(symbol, day): 10.0})
    for variant, close_key in (("full", "close"), ("dividend-adjusted", "adjClose")):
        served = by_date(get(fmp_simulator, f"historical-price-eod/{variant}", **params), close_key)
        held = by_date(clean[variant], close_key)
        assert served[day] == pytest.approx(10 * held[day], abs=0.01)
        assert {d: c for d, c in served.items() if d != day} == {d: c for d, c in held.items() if d != day}
