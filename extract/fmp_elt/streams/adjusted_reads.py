"""Which read a price series gets for one symbol on one run.

The split-adjusted `full` series is re-read over its overlap every run: that is how a split shows. The
dividend-adjusted series follows events instead:
- its whole history when the `full` history just moved, or when a split or dividend dated on or after the
  newest day held is in the calendars (the day itself included: FMP may adjust a day late, so the run after
  the ex-date reads it once more);
- its overlap, as a check, once the split-adjusted series held runs `CHECK_EVERY` past it: a disagreement
  is an event the calendars missed, and the history is refetched (and reported as repaired);
- nothing otherwise: until the next event its close equals the split-adjusted one, which the marts use.
Events are looked up over `EVENT_REACH` (longer than `CHECK_EVERY`: an older series gets the check anyway).
"""

from __future__ import annotations

from datetime import timedelta
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
    OVERLAP = "overlap"  # the overlap; the whole history again if it disagrees
    CHECK = "check"  # the overlap as the weekly check: a disagreement is a missed event
    SKIP = "skip"


def held(cursor: Cursor | None) -> bool:
    return cursor is not None and cursor.newest_date is not None


def plan_read(
    variant: PriceVariant, cursor: Cursor | None, unit: Unit, ctx: StreamContext, *, history_moved: bool
) -> Read:
    opts = ctx.options
    if opts.date_from is not None:
        return Read.RANGE
    if cursor is None or cursor.newest_date is None or opts.full_refresh or unit.refetch:
        return Read.HISTORY
    if not variant.on_events:
        return Read.OVERLAP
    event = ctx.events.get(unit.key)
    if history_moved or (event is not None and event >= cursor.newest_date):
        return Read.HISTORY
    # a week of prices since it was last read (a symbol that stopped trading has none: nothing to check)
    newest_prices = max(
        (c.newest_date for s in EVERY_RUN if (c := unit.cursors.get(s)) and c.newest_date), default=ctx.today
    )
    if newest_prices - cursor.newest_date >= CHECK_EVERY:
        return Read.CHECK
    return Read.SKIP
