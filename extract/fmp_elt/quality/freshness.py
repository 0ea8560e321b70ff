"""How fresh a dataset is: its newest value against what could exist at the time of the check.

Two kinds:
- trading-day freshness (price dates): the newest date is compared with the last trading day whose session has
  closed (US calendar, `fmp_elt.trading_calendar`). A weekend or a holiday does not make data stale.
  `data_freshness` is the time between the two sessions' closes, in seconds (0 when up to date); the data is
  fresh when it trails by at most `max_lag_trading_days` sessions (1 by default: FMP publishes the day's
  bar some time after the close, and the job may run before that).
- age freshness (load times, period ends): `data_freshness` is the age of the newest value in seconds; the
  data is fresh when that age is at most `max_age`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fmp_elt import trading_calendar


@dataclass(frozen=True)
class Freshness:
    """A freshness rule on one column: set exactly one of `max_lag_trading_days` and `max_age`."""

    column: str
    max_lag_trading_days: int | None = None
    max_age: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.max_lag_trading_days is None) == (self.max_age is None):
            raise ValueError("a freshness rule needs exactly one of max_lag_trading_days and max_age")

    def threshold(self, as_of: datetime, *, column_is_date: bool) -> date | datetime:
        """The oldest newest-value that still counts as fresh at `as_of`."""
        if self.max_lag_trading_days is not None:
            last = trading_calendar.last_completed_trading_day(as_of)
            return trading_calendar.trading_days_before(last, self.max_lag_trading_days)
        assert self.max_age is not None
        oldest = as_of - self.max_age
        return oldest.astimezone(trading_calendar.NEW_YORK).date() if column_is_date else oldest


@dataclass(frozen=True)
class FreshnessReading:
    newest: date | datetime | None
    threshold: date | datetime
    seconds: float | None
    is_fresh: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "newest": self.newest.isoformat() if self.newest else None,
            "fresh_since": self.threshold.isoformat(),
            "seconds": self.seconds,
            "is_fresh": self.is_fresh,
        }


def read(
    rule: Freshness, newest: date | datetime | None, threshold: date | datetime, as_of: datetime
) -> FreshnessReading:
    """Judge `newest` (the column's max; None for an empty table) as the suite's expectation does."""
    if newest is None:
        return FreshnessReading(None, threshold, None, False)
    if isinstance(newest, datetime) and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return FreshnessReading(newest, threshold, _seconds(rule, newest, as_of), newest >= threshold)


def _seconds(rule: Freshness, newest: date | datetime, as_of: datetime) -> float:
    if isinstance(newest, datetime):
        return max(0.0, (as_of - newest).total_seconds())
    if rule.max_lag_trading_days is not None:
        last = trading_calendar.last_completed_trading_day(as_of)
        behind = trading_calendar.session_close(last) - trading_calendar.session_close(newest)
        return max(0.0, behind.total_seconds())
    start_of_day = datetime.combine(newest, time(0), tzinfo=trading_calendar.NEW_YORK)
    return max(0.0, (as_of - start_of_day).total_seconds())


def lag_trading_days(newest: date, as_of: datetime) -> int:
    """Sessions between the newest date and the last completed one (0 when up to date)."""
    return trading_calendar.trading_days_between(newest, trading_calendar.last_completed_trading_day(as_of))
