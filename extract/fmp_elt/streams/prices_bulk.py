"""The daily price update from `eod-bulk` (Ultimate): one call per trading day for every symbol.

FMP's bulk endpoints have a throttle of their own (answered as a 200 with a JSON error), so bulk calls are spaced
by the bulk interval, and bulk is only chosen when it takes less time than per-symbol calls would. The first bulk
day is the newest day already held, where a symbol's bulk values may already be adjusted by an event of the day:
only the days after it are landed (they are as traded), and a symbol that is new or behind is handed back as a
per-symbol unit.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from typing import Any

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, CursorUpdate, Landing, StreamContext, Unit, UnitResult
from fmp_elt.streams.bulk_calls import fetch_bulk_csv
from fmp_elt.streams.price_history import BULK_ENDPOINT, PRICES, VARIANTS, PriceVariant, advance
from fmp_elt.streams.records import count_incomplete, record_date
from fmp_elt.trading_calendar import trading_days

BULK_REQUIRED = ("open", "high", "low", "close", "adjClose", "volume")


def overlap_day(units: list[Unit]) -> date | None:
    """The newest day held by any symbol: bulk starts there. Symbols behind it catch up per symbol."""
    newest = [c.newest_date for u in units for c in u.cursors.values() if c.newest_date is not None]
    return max(newest) if newest else None


def bulk_days(units: list[Unit], today: date) -> list[date]:
    """Trading days from the overlap day up to today."""
    start = overlap_day(units)
    return trading_days(start, today) if start else []


def should_use_bulk(units: list[Unit], ctx: StreamContext) -> bool:
    """Bulk when the plan has it, for an incremental update, when it is faster than per-symbol calls."""
    settings, opts = ctx.settings, ctx.options
    if not settings.plan.has_bulk or opts.full_refresh or opts.date_from is not None or not units:
        return False
    days = len(bulk_days(units, opts.date_to or ctx.today))
    calls_per_symbol = sum(1 for v in VARIANTS if not v.on_events)  # the dividend-adjusted one follows events
    per_symbol_seconds = len(units) * calls_per_symbol * 60.0 / settings.rate_limit_per_minute
    return days > 0 and days * settings.bulk_interval_s < per_symbol_seconds


def fetch_bulk_day(client: FmpClient, day: date, interval_s: float) -> list[dict[str, str]]:
    """One day's CSV, waiting out the bulk throttle a few times before giving up."""
    return fetch_bulk_csv(client, BULK_ENDPOINT, {"date": day.isoformat()}, interval_s)


def carries_on(cursor: Cursor | None, variant: PriceVariant, start: date | None) -> bool:
    """Whether bulk can carry this series on from its cursor (else: per symbol, from the cursor)."""
    if cursor is None or cursor.newest_date is None or start is None:
        return False
    return variant.on_events or cursor.newest_date >= start


def fetch_bulk(client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
    interval = ctx.settings.bulk_interval_s
    wanted = {u.key for u in unit.batch}
    rows_by_symbol: dict[str, list[Any]] = defaultdict(list)
    for i, day in enumerate(bulk_days(list(unit.batch), ctx.options.date_to or ctx.today)):
        if i:
            time.sleep(interval)
        for row in fetch_bulk_day(client, day, interval):
            if row.get("symbol") in wanted:
                rows_by_symbol[row["symbol"]].append(row)
    result = UnitResult()
    start = overlap_day(list(unit.batch))
    for sub in unit.batch:
        rows = rows_by_symbol.get(sub.key, [])
        held = [sub.cursors.get(v.cursor_stream) for v in VARIANTS]
        # a dividend-adjusted series is behind by design between events; bulk rows carry its close anyway
        if any(not carries_on(c, v, start) for c, v in zip(held, VARIANTS, strict=True)):
            result.follow_ups.append(Unit(sub.key, sub.cursors))  # new or behind: per symbol, from its cursor
            continue
        newest = held[0].newest_date if held[0] else None  # the as-traded series held
        rows = [r for r in rows if (on := record_date(r)) is not None and (newest is None or on > newest)]
        result.landings.append(Landing(PRICES.table, BULK_ENDPOINT, sub.key, rows))
        result.records_failed += count_incomplete(rows, BULK_REQUIRED)
        for cursor, variant in zip(held, VARIANTS, strict=True):
            new = advance(cursor, rows, variant.bulk_close_key)
            result.cursors.append(CursorUpdate(variant.cursor_stream, sub.key, new))
    return result
