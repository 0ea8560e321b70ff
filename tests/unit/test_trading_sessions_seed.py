"""The dbt seed of trading sessions is the package's NYSE calendar, and covers the years the pipeline sees."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fmp_elt import trading_calendar

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "trading_sessions.csv"


def test_the_seed_is_the_trading_calendar() -> None:
    assert SEED.read_text(encoding="utf-8") == trading_calendar.sessions_csv()


def test_the_seed_holds_sessions_not_holidays() -> None:
    days = SEED.read_text(encoding="utf-8").split()[1:]
    assert "2012-10-29" not in days  # Hurricane Sandy
    assert "2004-11-25" not in days  # Thanksgiving
    assert {"2000-03-01", "2013-03-01", "2026-12-01"} <= set(days)
    assert days[0] >= "1990-01-01"
    assert days[-1] == max(d for d in days)
    assert date.fromisoformat(days[-1]).year == trading_calendar.SEED_LAST.year
