"""Financial ratios per symbol, annual and quarterly. Recent periods are re-read each run (FMP restates them)."""

from __future__ import annotations

from collections.abc import Iterable

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, CursorUpdate, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import WEEKLY_LOADS, RawDataset
from fmp_elt.streams.records import count_broken, record_date

FULL_LIMIT = 1000  # FMP's maximum per request
RECENT_LIMIT = {"annual": 3, "quarter": 8}
BASIC_LIMIT = 5  # the Basic plan refuses more than 5 rows and quarterly periods

RATIOS = RawDataset(
    table="raw.fmp_ratios",
    description="financial ratios per symbol and fiscal period, annual and quarterly",
    endpoints=("ratios",),
    job="ratios",
    record_key=("symbol", "date", "period"),
    freshness=WEEKLY_LOADS,
    fields=("date", "period", "fiscalYear"),
    source_doc=(
        "Financial ratios per fiscal period: `ratios` records (symbol, date, fiscalYear as a string, period FY or "
        "Q1..Q4, reportedCurrency, and 61 numeric ratios)."
    ),
)


class RatiosStream(Stream[StreamContext]):
    name = "ratios"
    cursor_streams: tuple[str, ...] = ("ratios",)
    datasets: tuple[RawDataset, ...] = (RATIOS,)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        for symbol in symbols:
            held = {"ratios": cursors[("ratios", symbol)]} if ("ratios", symbol) in cursors else {}
            yield Unit(symbol, held)

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        symbol = unit.key
        cursor = unit.cursors.get("ratios")
        first = cursor is None or ctx.options.full_refresh or ctx.options.date_from is not None
        basic = ctx.settings.plan.name == "basic"
        periods = ("annual",) if basic else ("annual", "quarter")
        result = UnitResult()
        dates = [d for d in (cursor.newest_date, cursor.oldest_date) if d] if cursor and not first else []
        for period in periods:
            limit = BASIC_LIMIT if basic else FULL_LIMIT if first else RECENT_LIMIT[period]
            rows = client.get_json("ratios", {"symbol": symbol, "period": period, "limit": limit})
            result.landings.append(Landing(RATIOS.table, "ratios", symbol, rows))
            result.records_failed += count_broken(rows, RATIOS, symbol)
            dates.extend(d for d in map(record_date, rows) if d is not None)
        new_cursor = Cursor(max(dates) if dates else None, min(dates) if dates else None)
        result.cursors.append(CursorUpdate("ratios", symbol, new_cursor))
        return result


STREAM = RatiosStream()
