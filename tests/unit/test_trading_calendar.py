from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fmp_elt import trading_calendar as cal


@pytest.fixture(scope="module")
def xnys():
    """exchange_calendars' NYSE calendar: an independent reference for sessions and closing times."""
    import exchange_calendars

    return exchange_calendars.get_calendar("XNYS", start="2000-01-01", end="2027-12-31")


def test_trading_days_agree_with_an_independent_nyse_calendar(xnys) -> None:
    ours = cal.trading_days(date(2000, 1, 1), date(2027, 12, 31))
    theirs = [ts.date() for ts in xnys.sessions]
    assert ours == theirs


def test_session_closes_agree_with_an_independent_nyse_calendar(xnys) -> None:
    # Early closes before 2010 followed rules that changed from year to year; ours are today's.
    for session, close in zip(xnys.sessions, xnys.closes, strict=True):
        day = session.date()
        if day.year < 2010:
            continue
        assert cal.session_close(day) == close.to_pydatetime(), day


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2024, 3, 29), "Good Friday"),
        (date(2022, 6, 20), "Juneteenth observed on Monday"),
        (date(2021, 12, 24), "Christmas observed on Friday"),
        (date(2023, 1, 2), "New Year observed on Monday"),
        (date(2025, 1, 9), "national day of mourning"),
    ],
)
def test_holidays_are_not_trading_days(day: date, name: str) -> None:
    assert not cal.is_trading_day(day), name


def test_new_year_on_saturday_is_not_observed_on_the_friday_before() -> None:
    assert date(2022, 1, 1).weekday() == 5
    assert cal.is_trading_day(date(2021, 12, 31))


def test_weekends_are_not_trading_days() -> None:
    assert not cal.is_trading_day(date(2024, 6, 8))
    assert not cal.is_trading_day(date(2024, 6, 9))


def ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=cal.NEW_YORK)


def test_a_session_counts_as_completed_only_after_its_close() -> None:
    assert cal.last_completed_trading_day(ny(2024, 6, 12, 15, 59)) == date(2024, 6, 11)
    assert cal.last_completed_trading_day(ny(2024, 6, 12, 16, 0)) == date(2024, 6, 12)


def test_on_an_early_close_day_the_session_completes_at_one() -> None:
    assert cal.last_completed_trading_day(ny(2024, 7, 3, 13, 30)) == date(2024, 7, 3)


def test_over_a_long_weekend_the_last_completed_day_is_the_friday_before() -> None:
    # Memorial Day 2024 is Monday May 27.
    assert cal.last_completed_trading_day(ny(2024, 5, 27, 18)) == date(2024, 5, 24)
    assert cal.last_completed_trading_day(ny(2024, 5, 25, 9)) == date(2024, 5, 24)


def test_last_completed_day_reads_any_timezone() -> None:
    # 21:30 UTC on a June Wednesday is 17:30 in New York: that day's session is over.
    assert cal.last_completed_trading_day(datetime(2024, 6, 12, 21, 30, tzinfo=UTC)) == date(2024, 6, 12)
    # 02:00 UTC Thursday is still Wednesday evening in New York.
    assert cal.last_completed_trading_day(datetime(2024, 6, 13, 2, 0, tzinfo=UTC)) == date(2024, 6, 12)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.last_completed_trading_day(datetime(2024, 6, 12, 17))


def test_trading_days_between_skips_weekends_and_holidays() -> None:
    # Fri May 24 2024 -> Tue May 28: the weekend and Memorial Day do not count.
    assert cal.trading_days_between(date(2024, 5, 24), date(2024, 5, 28)) == 1
    assert cal.trading_days_between(date(2024, 5, 28), date(2024, 5, 28)) == 0
    assert cal.trading_days_between(date(2024, 5, 29), date(2024, 5, 28)) == 0


def test_trading_days_before_steps_back_over_closures() -> None:
    assert cal.trading_days_before(date(2024, 5, 28), 1) == date(2024, 5, 24)
    assert cal.trading_days_before(date(2024, 5, 28), 0) == date(2024, 5, 28)
    assert cal.trading_days_before(date(2024, 5, 27), 0) == date(2024, 5, 24)


def test_easter_matches_known_dates() -> None:
    known = {2000: date(2000, 4, 23), 2008: date(2008, 3, 23), 2019: date(2019, 4, 21), 2038: date(2038, 4, 25)}
    assert {year: cal.easter(year) for year in known} == known


def test_every_year_has_nine_or_ten_holidays_on_weekdays() -> None:
    for year in range(2000, 2030):
        days = cal.holidays(year)
        assert all(day.weekday() < 5 for day in days)
        expected = 10 if year >= 2022 else 9
        # A Saturday New Year's Day is dropped; every observed day stays inside its year.
        assert len(days) in {expected - 1, expected}, year
        assert all(day.year == year for day in days)
