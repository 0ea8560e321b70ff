"""Daily prices per symbol: split-adjusted `full` and split-and-dividend-adjusted `dividend-adjusted`.

Incremental by default: re-read the overlap window already held; if FMP's values there changed (a split or a
dividend re-adjusted the history) refetch the symbol's whole history. FMP caps a call at 5,000 rows and drops the
oldest, so long ranges are paged backwards until the oldest row reaches `from`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from extract.fmp.client import FmpClient
from extract.streams.base import Cursor, CursorUpdate, Landing, StreamContext, Unit, UnitResult
from extract.streams.records import count_incomplete, record_date, record_number

ROW_CAP = 5000
OVERLAP_ROWS = 5  # trading rows re-read on each incremental run
RECENT_ROWS = 10  # closes kept in the cursor to compare the overlap against
TOLERANCE = 1e-6  # relative: FMP rounds to cents; a re-adjusted history moves far more


@dataclass(frozen=True)
class PriceVariant:
    cursor_stream: str
    endpoint: str
    table: str
    close_key: str
    required: tuple[str, ...]  # a record without these is counted as failed (and still landed)


VARIANTS = (
    PriceVariant(
        "prices", "historical-price-eod/full", "raw.fmp_prices", "close", ("open", "high", "low", "close", "volume")
    ),
    PriceVariant(
        "prices_adjusted",
        "historical-price-eod/dividend-adjusted",
        "raw.fmp_prices_adjusted",
        "adjClose",
        ("adjOpen", "adjHigh", "adjLow", "adjClose", "volume"),
    ),
)


class PricesStream:
    name = "prices"
    cursor_streams = tuple(v.cursor_stream for v in VARIANTS)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        units = [
            Unit(symbol, {s: cursors[(s, symbol)] for s in self.cursor_streams if (s, symbol) in cursors})
            for symbol in symbols
        ]
        from extract.streams import prices_bulk  # the bulk path builds on this module

        if prices_bulk.should_use_bulk(units, ctx):
            return [Unit(prices_bulk.BULK_ENDPOINT, batch=tuple(units))]
        return units

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        if unit.batch:
            from extract.streams import prices_bulk

            return prices_bulk.fetch_bulk(client, unit, ctx)
        result = UnitResult()
        for variant in VARIANTS:
            self._fetch_variant(client, variant, unit, ctx, result)
        return result

    def _fetch_variant(
        self, client: FmpClient, variant: PriceVariant, unit: Unit, ctx: StreamContext, result: UnitResult
    ) -> None:
        symbol, opts = unit.key, ctx.options
        cursor = unit.cursors.get(variant.cursor_stream)
        to = opts.date_to or ctx.today
        history_start = ctx.today - timedelta(days=round(365.25 * ctx.settings.plan.history_years))
        refetched = False
        if opts.date_from is not None:
            rows = fetch_range(client, variant.endpoint, symbol, opts.date_from, to)
        elif cursor is None or cursor.newest_date is None or opts.full_refresh or unit.refetch:
            rows = fetch_range(client, variant.endpoint, symbol, history_start, to)
            refetched = unit.refetch
        else:
            rows = fetch_range(client, variant.endpoint, symbol, overlap_start(cursor), to)
            if overlap_disagrees(rows, cursor, variant.close_key):
                rows = fetch_range(client, variant.endpoint, symbol, history_start, to)
                refetched = True
        result.landings.append(Landing(variant.table, variant.endpoint, symbol, rows))
        result.records_failed += count_incomplete(rows, variant.required)
        base = None if refetched or opts.full_refresh else cursor
        result.cursors.append(
            CursorUpdate(variant.cursor_stream, symbol, advance(base, rows, variant.close_key), refetched)
        )


def fetch_range(client: FmpClient, endpoint: str, symbol: str, start: date, end: date) -> list[Any]:
    """Every row from `start` to `end`, paging backwards past FMP's 5,000-row cap."""
    rows: list[Any] = []
    while start <= end:
        page = client.get_json(endpoint, {"symbol": symbol, "from": start.isoformat(), "to": end.isoformat()})
        rows.extend(page)
        dates = [d for d in map(record_date, page) if d is not None]
        if len(page) < ROW_CAP or not dates or min(dates) <= start:
            break
        end = min(dates) - timedelta(days=1)
    return rows


def overlap_start(cursor: Cursor) -> date:
    held = sorted(cursor.recent)
    if held:
        return date.fromisoformat(held[-OVERLAP_ROWS:][0])
    assert cursor.newest_date is not None
    return cursor.newest_date - timedelta(days=7)


def overlap_disagrees(rows: list[Any], cursor: Cursor, close_key: str) -> bool:
    """True when a re-read day's close differs from the one we hold: the history was re-adjusted."""
    for row in rows:
        day = record_date(row)
        if day is None:
            continue
        held = cursor.recent.get(day.isoformat())
        close = record_number(row, close_key)
        if held is None or close is None:
            continue
        if abs(close - held) > TOLERANCE * max(1.0, abs(held)):
            return True
    return False


def advance(cursor: Cursor | None, rows: list[Any], close_key: str) -> Cursor:
    """The cursor after landing `rows` on top of `cursor` (None: start afresh)."""
    recent = dict(cursor.recent) if cursor else {}
    dates = [] if cursor is None else [d for d in (cursor.newest_date, cursor.oldest_date) if d]
    for row in rows:
        day = record_date(row)
        if day is None:
            continue
        dates.append(day)
        close = record_number(row, close_key)
        if close is not None:
            recent[day.isoformat()] = close
    kept = dict(sorted(recent.items())[-RECENT_ROWS:])
    return Cursor(max(dates) if dates else None, min(dates) if dates else None, kept)
