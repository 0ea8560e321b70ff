"""The simulator's calendar: the pipeline's own NYSE trading calendar, so that synthetic histories have their
gaps (weekends, holidays, one-off closures) exactly where a real FMP history has them."""

from __future__ import annotations

from datetime import date

from fmp_elt.trading_calendar import holidays, is_trading_day, previous_trading_day, trading_days

__all__ = ["holidays", "is_trading_day", "previous_trading_day", "trading_days", "years_before"]


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (Feb 29 becomes Feb 28)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
