"""The US equity trading calendar the pipeline judges freshness against.

A trading day is a weekday that is not an NYSE holiday or a one-off closure. Sessions close at 16:00
New York time, at 13:00 on the three customary early-close days. The rules are those in force since the
late 1990s (Martin Luther King Jr. Day from 1998, Juneteenth from 2022); older years are approximate, which
is fine for a calendar used to ask "is the newest price as recent as it can be?".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from fmp_elt import clock

NEW_YORK = ZoneInfo("America/New_York")
REGULAR_CLOSE = time(16, 0)
EARLY_CLOSE = time(13, 0)
ONE_DAY = timedelta(days=1)

# Unscheduled closures: 9/11, national days of mourning, Hurricane Sandy.
UNSCHEDULED_CLOSURES = frozenset(
    {
        date(2001, 9, 11),
        date(2001, 9, 12),
        date(2001, 9, 13),
        date(2001, 9, 14),
        date(2004, 6, 11),
        date(2007, 1, 2),
        date(2012, 10, 29),
        date(2012, 10, 30),
        date(2018, 12, 5),
        date(2025, 1, 9),
    }
)

MONDAY, THURSDAY, SATURDAY, SUNDAY = 0, 3, 5, 6


def easter(year: int) -> date:
    """Western Easter Sunday (Meeus/Jones/Butcher algorithm)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    correction = (century + 8) // 25
    moon_correction = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon_correction + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    weekday_shift = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    adjust = (golden + 11 * epact + 22 * weekday_shift) // 451
    month, day = divmod(epact + weekday_shift - 7 * adjust + 114, 31)
    return date(year, month, day + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (n=1 is the first); n=-1 is the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - ONE_DAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def observed(day: date) -> date:
    """A fixed-date holiday on a weekend is observed on the Friday before or the Monday after."""
    if day.weekday() == SATURDAY:
        return day - ONE_DAY
    if day.weekday() == SUNDAY:
        return day + ONE_DAY
    return day


@lru_cache(maxsize=128)
def holidays(year: int) -> frozenset[date]:
    """NYSE full-day holidays of one year (weekend-observed), without the unscheduled closures."""
    days = {
        nth_weekday(year, 2, MONDAY, 3),  # Washington's Birthday
        easter(year) - timedelta(days=2),  # Good Friday
        nth_weekday(year, 5, MONDAY, -1),  # Memorial Day
        observed(date(year, 7, 4)),  # Independence Day
        nth_weekday(year, 9, MONDAY, 1),  # Labor Day
        nth_weekday(year, 11, THURSDAY, 4),  # Thanksgiving
        observed(date(year, 12, 25)),  # Christmas
    }
    # A Saturday New Year's Day is not observed on the Friday before: that Friday closes a fiscal year.
    if date(year, 1, 1).weekday() != SATURDAY:
        days.add(observed(date(year, 1, 1)))
    if year >= 1998:
        days.add(nth_weekday(year, 1, MONDAY, 3))  # Martin Luther King Jr. Day
    if year >= 2022:
        days.add(observed(date(year, 6, 19)))  # Juneteenth
    return frozenset(days)


def is_trading_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in holidays(day.year) and day not in UNSCHEDULED_CLOSURES


def is_market_holiday(moment: datetime) -> bool:
    """A weekday on which the exchange does not open, by the New York date of `moment` (an aware datetime)."""
    day = moment.astimezone(NEW_YORK).date()
    return day.weekday() < SATURDAY and not is_trading_day(day)


@lru_cache(maxsize=128)
def early_closes(year: int) -> frozenset[date]:
    """Days the market closes at 13:00: July 3, the day after Thanksgiving and Christmas Eve, when open."""
    candidates = (
        date(year, 7, 3),
        nth_weekday(year, 11, THURSDAY, 4) + ONE_DAY,
        date(year, 12, 24),
    )
    return frozenset(day for day in candidates if is_trading_day(day))


def session_close(day: date) -> datetime:
    """When the session of `day` ends, in New York time."""
    closing = EARLY_CLOSE if day in early_closes(day.year) else REGULAR_CLOSE
    return datetime.combine(day, closing, tzinfo=NEW_YORK)


def previous_trading_day(day: date) -> date:
    """The last trading day on or before `day`."""
    while not is_trading_day(day):
        day -= ONE_DAY
    return day


def trading_days(start: date, end: date) -> list[date]:
    """Every trading day in [start, end], oldest first."""
    days = []
    day = start
    while day <= end:
        if is_trading_day(day):
            days.append(day)
        day += ONE_DAY
    return days


def trading_days_before(day: date, count: int) -> date:
    """The trading day `count` trading days before `day` (`day` itself must be a trading day for 0)."""
    day = previous_trading_day(day)
    for _ in range(count):
        day = previous_trading_day(day - ONE_DAY)
    return day


def trading_days_between(older: date, newer: date) -> int:
    """How many trading days lie in (older, newer]: 0 when `older` is as recent as `newer`."""
    if newer <= older:
        return 0
    return len(trading_days(older + ONE_DAY, newer))


def last_completed_trading_day(now: datetime) -> date:
    """The newest trading day whose session has closed at `now` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    local = now.astimezone(NEW_YORK)
    today = local.date()
    if is_trading_day(today) and local >= session_close(today):
        return today
    return previous_trading_day(today - ONE_DAY)


def latest_session() -> date:
    """The newest session that has closed by the pipeline's clock: the market's "today"."""
    return last_completed_trading_day(clock.now())


# The span of dbt_project/seeds/trading_sessions.csv, the calendar dbt reads.
SEED_FIRST, SEED_LAST = date(1990, 1, 1), date(2035, 12, 31)


def sessions_csv(first: date = SEED_FIRST, last: date = SEED_LAST) -> str:
    """The trading days of [first, last] as the dbt seed holds them: a header, then one ISO date a line."""
    return "session_date\n" + "".join(f"{day.isoformat()}\n" for day in trading_days(first, last))


if __name__ == "__main__":  # python -m fmp_elt.trading_calendar > dbt_project/seeds/trading_sessions.csv
    print(sessions_csv(), end="")
