"""Which symbols the corporate-actions stream backfills one by one and which the daily calendar unit covers."""

from __future__ import annotations

from datetime import date, timedelta

from fmp_elt.config import Settings
from fmp_elt.streams.base import Cursor, ExtractOptions, Held, StreamContext
from fmp_elt.streams.corporate_actions import CALENDAR_UNIT, CorporateActionsStream

TODAY = date(2026, 11, 25)


def plan(
    cursors: dict[str, date], symbols: list[str], mismatched: dict[str, date] | None = None, **options: object
) -> tuple[list[str], list[str]]:
    """(symbols backfilled one by one, symbols covered by the calendar unit)."""
    base = StreamContext(Settings.from_env({}), ExtractOptions(**options), TODAY)  # type: ignore[arg-type]
    stream = CorporateActionsStream()
    ctx = stream.context(base, Held(mismatched=mismatched or {}))
    held = {("corporate_actions", s): Cursor(newest_date=d) for s, d in cursors.items()}
    units = list(stream.units(symbols, held, ctx))
    calendar = [u for u in units if u.key == CALENDAR_UNIT]
    covered = [b.key for u in calendar for b in u.batch]
    assert len(calendar) <= 1
    return [u.key for u in units if u.key != CALENDAR_UNIT], covered


def test_new_and_long_unseen_symbols_are_backfilled_the_rest_share_one_calendar_unit() -> None:
    ago = {"AAPL": 1, "MSFT": 79, "GOOG": 81}  # days since each was last covered
    cursors = {symbol: TODAY - timedelta(days=days) for symbol, days in ago.items()}
    assert plan(cursors, ["AAPL", "MSFT", "GOOG", "NEW"]) == (["GOOG", "NEW"], ["AAPL", "MSFT"])


def test_a_backfill_run_fetches_every_symbol_on_its_own() -> None:
    cursors = {"AAPL": TODAY - timedelta(days=1)}
    assert plan(cursors, ["AAPL"], full_refresh=True) == (["AAPL"], [])
    assert plan(cursors, ["AAPL"], date_from=date(2000, 1, 1)) == (["AAPL"], [])
    assert plan({}, []) == ([], [])


def test_a_symbol_owed_a_reread_for_a_mismatch_is_read_on_its_own() -> None:
    cursors = {"AAPL": TODAY - timedelta(days=1), "MSFT": TODAY - timedelta(days=1)}
    assert plan(cursors, ["AAPL", "MSFT"], mismatched={"MSFT": TODAY - timedelta(days=9)}) == (["MSFT"], ["AAPL"])
