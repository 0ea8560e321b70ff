"""Which read a price series gets for one symbol on one run.

The as-traded series is re-read over its overlap every run (a changed value there is a correction, landed as a
new version). The dividend-adjusted series is a check of our own factors, never refetched for an event:
- its whole history on the first read (a backfill, --full-refresh);
- its overlap after a split or dividend dated on or after the newest day of it held (in the calendars), and
  once the as-traded series held runs `CHECK_EVERY` past it (the weekly check); a disagreement with what was
  held there is an event the calendars missed, reported (the marts compare it with ours day by day);
- nothing otherwise.
An overlap read of a symbol whose adjusted mismatch stayed after its re-read starts from that mismatch's day
(streams/prices.py), so FMP's records of it land after every event and stay compared.
Events are looked up over `EVENT_REACH` (longer than `CHECK_EVERY`: an older series gets the check anyway).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

from fmp_elt.streams.base import Cursor, StreamContext, Unit
from fmp_elt.streams.price_history import VARIANTS, PriceVariant

CHECK_EVERY = timedelta(days=7)
# the cursors of the series read every run: how far the prices held have moved on
EVERY_RUN = tuple(v.cursor_stream for v in VARIANTS if not v.on_events)
EVENT_REACH = timedelta(days=30)


class Read(Enum):
    RANGE = "range"  # --from/--to, as asked
    HISTORY = "history"  # the whole history
    OVERLAP = "overlap"  # the overlap
    CHECK = "check"  # the overlap as the weekly check: a disagreement is a missed event, reported
    SKIP = "skip"


def held(cursor: Cursor | None) -> bool:
    return cursor is not None and cursor.newest_date is not None


def plan_read(variant: PriceVariant, cursor: Cursor | None, unit: Unit, ctx: StreamContext, event: date | None) -> Read:
    """`event`: the newest split or dividend of the unit's symbol in the calendars, if any."""
    opts = ctx.options
    if opts.date_from is not None:
        return Read.RANGE
    if cursor is None or cursor.newest_date is None or opts.full_refresh or unit.refetch:
        return Read.HISTORY
    if not variant.on_events:
        return Read.OVERLAP
    if event is not None and event >= cursor.newest_date:
        return Read.OVERLAP
    # a week of prices since it was last read (a symbol that stopped trading has none: nothing to check)
    newest_prices = max(
        (c.newest_date for s in EVERY_RUN if (c := unit.cursors.get(s)) and c.newest_date), default=ctx.today
    )
    if newest_prices - cursor.newest_date >= CHECK_EVERY:
        return Read.CHECK
    return Read.SKIP
