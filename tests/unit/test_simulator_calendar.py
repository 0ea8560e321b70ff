"""The simulator's trading calendar matches the NYSE's."""

from __future__ import annotations

from datetime import date

import pytest

from fmp_elt.simulator.calendar import holidays, is_trading_day, previous_trading_day, trading_days, years_before


@pytest.mark.parametrize(("year", "count"), [(2021, 252), (2022, 251), (2023, 250), (2024, 252)])
def test_trading_days_per_year_match_nyse(year: int, count: int) -> None:
    assert len(trading_days(date(year, 1, 1), date(year, 12, 31))) == count


def test_2024_holidays() -> None:
    assert holidays(2024) == {
        date(2024, 1, 1),
        date(2024, 1, 15),
        date(2024, 2, 19),
        date(2024, 3, 29),
        date(2024, 5, 27),
        date(2024, 6, 19),
        date(2024, 7, 4),
        date(2024, 9, 2),
        date(2024, 11, 28),
        date(2024, 12, 25),
    }


def test_observed_holidays_and_saturday_new_year() -> None:
    assert not is_trading_day(date(2021, 7, 5))  # July 4th on a Sunday
    assert not is_trading_day(date(2022, 12, 26))  # Christmas on a Sunday
    assert is_trading_day(date(2021, 12, 31))  # New Year 2022 on a Saturday: no Friday holiday
    assert not is_trading_day(date(2025, 1, 9))  # national day of mourning


def test_previous_trading_day_and_years_before() -> None:
    assert previous_trading_day(date(2024, 12, 25)) == date(2024, 12, 24)
    assert previous_trading_day(date(2024, 12, 29)) == date(2024, 12, 27)
    assert years_before(date(2024, 2, 29), 5) == date(2019, 2, 28)
