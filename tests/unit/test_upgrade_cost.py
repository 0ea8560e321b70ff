"""`fmp-elt upgrade`'s stated cost per plan, worked by hand: two price series a symbol, one 5,000-row page each
over a 5-year history (1,260 bars), two over 30 years (7,560 bars); Basic's 250 calls a day bound a run."""

from __future__ import annotations

import pytest

from fmp_elt.config import Settings
from fmp_elt.orchestration.as_traded_upgrade import cost

SYMBOLS = [f"S{i:03d}" for i in range(300)]


def on(plan: str) -> Settings:
    return Settings.from_env({"FMP_PLAN": plan, "FMP_API_KEY": "k"})


@pytest.mark.parametrize(
    ("plan", "calls", "minutes", "line"),
    [
        ("starter", 600, 2.0, "300 symbols lack as-traded history: 600 FMP calls, about 2.0 min at 300 calls/min"),
        ("premium", 1200, 1.6, "300 symbols lack as-traded history: 1200 FMP calls, about 1.6 min at 750 calls/min"),
        ("ultimate", 1200, 0.4, "300 symbols lack as-traded history: 1200 FMP calls, about 0.4 min at 3000 calls/min"),
    ],
)
def test_a_plan_without_a_daily_quota_costs_minutes_and_does_it_all_in_one_run(
    plan: str, calls: int, minutes: float, line: str
) -> None:
    stated = cost(SYMBOLS, on(plan))
    assert stated.calls == calls
    assert round(stated.minutes, 1) == minutes
    assert stated.days is None
    assert stated.today == SYMBOLS
    assert stated.line() == line


def test_basic_states_days_of_its_quota_and_takes_what_fits_today() -> None:
    stated = cost(SYMBOLS, on("basic"))
    # 300 symbols x 2 calls = 600 calls: 3 days of 250 (250 + 250 + 100)
    assert stated.calls == 600
    assert stated.days == 3
    assert stated.today == SYMBOLS[:125]  # 250 calls / 2 a symbol
    assert stated.line() == (
        "300 symbols lack as-traded history: 600 FMP calls, 3 days of the plan's 250 calls/day;"
        " today 125 symbols (250 of the 250 calls left), the other 175 on the next runs, one day's quota each"
    )


def test_basic_counts_the_calls_already_made_today() -> None:
    stated = cost(SYMBOLS[:20], on("basic"), used_today=221)
    assert stated.calls == 40
    assert stated.days == 1
    assert stated.today == SYMBOLS[:14]  # 29 calls left: 14 symbols, never half of one
    assert stated.line().endswith(
        "today 14 symbols (28 of the 29 calls left), the other 6 on the next runs, one day's quota each"
    )
    small = cost(SYMBOLS[:5], on("basic"), used_today=10)
    assert small.today == SYMBOLS[:5]
    assert small.line() == (
        "5 symbols lack as-traded history: 10 FMP calls, 1 day of the plan's 250 calls/day;"
        " today 5 symbols (10 of the 240 calls left)"
    )


def test_basic_with_todays_quota_spent_fetches_nothing_and_says_when_to_come_back() -> None:
    stated = cost(SYMBOLS[:5], on("basic"), used_today=260)
    assert stated.today == []
    assert stated.line() == (
        "5 symbols lack as-traded history: 10 FMP calls, 1 day of the plan's 250 calls/day;"
        " 0 calls left today: nothing fetched, run `fmp-elt upgrade` again after 00:00 UTC"
    )


def test_nothing_behind_costs_nothing() -> None:
    assert cost([], on("basic")).line() == "every symbol is on the as-traded base: nothing to fetch"
    assert cost([], on("basic")).today == []
