"""Daily prices per symbol: the as-traded series (the stored base) and FMP's dividend-adjusted one (a check).

The daily call is one per symbol: the as-traded series (`historical-price-eod/non-split-adjusted`) over the
overlap window already held. An as-traded day never changes with a later split or dividend, so a changed value
there is a correction, landed as a new version; no history is read again for an event, since the marts adjust
every held day with our own factors (marts.adjustment_factors). FMP caps a call at 5,000 rows and drops the
oldest, so long ranges are paged backwards until the oldest row reaches `from`.

The dividend-adjusted series is read whole on a backfill, then only its overlap after an event the calendars
name and once a week (adjusted_reads.py): it is compared with ours in the marts (price_anomalies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams import prices_bulk
from fmp_elt.streams.adjusted_reads import Read, held, plan_read
from fmp_elt.streams.base import Cursor, CursorUpdate, Held, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import RawDataset
from fmp_elt.streams.price_history import (
    PRICES,
    PRICES_ADJUSTED,
    VARIANTS,
    PriceVariant,
    advance,
    fetch_range,
    overlap_disagrees,
    overlap_start,
)
from fmp_elt.streams.records import count_incomplete

# A symbol that left the screener's universe gets one more fetch (to today, so it reaches the final trading day);
# the marker row (etl.stream_state, this stream name) says it was made, and none follows until the symbol
# is listed and leaves again.
LAST_FETCH_MARKER = "prices_last_fetch"


@dataclass(frozen=True)
class PricesContext(StreamContext):
    """Prices also plan from the symbols owed a last fetch and the newest split or dividend of each symbol."""

    departed: frozenset[str] = frozenset()
    events: Mapping[str, date] = field(default_factory=dict)
    kept: Mapping[str, date] = field(default_factory=dict)  # Held.kept


class PricesStream(Stream[PricesContext]):
    name = "prices"
    runs_after = ("corporate_actions",)
    cursor_streams: tuple[str, ...] = tuple(v.cursor_stream for v in VARIANTS)
    datasets: tuple[RawDataset, ...] = (PRICES, PRICES_ADJUSTED)
    last_fetch_marker: str | None = LAST_FETCH_MARKER
    # a delisted company is owed its history until a fetch reaches its last day
    delisted_marker: str | None = LAST_FETCH_MARKER
    reads_events = True  # the splits and dividends landed so far decide which adjusted histories to read

    def context(self, ctx: StreamContext, held: Held) -> PricesContext:
        return PricesContext(
            ctx.settings, ctx.options, ctx.today, departed=held.departed, events=held.events, kept=held.kept
        )

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: PricesContext) -> Iterable[Unit]:
        units = [
            Unit(
                symbol,
                {s: cursors[(s, symbol)] for s in self.cursor_streams if (s, symbol) in cursors},
                last_fetch=symbol in ctx.departed,
            )
            for symbol in symbols
        ]
        listed = [u for u in units if not u.last_fetch]
        if prices_bulk.should_use_bulk(listed, ctx):
            return [Unit(prices_bulk.BULK_ENDPOINT, batch=tuple(listed)), *(u for u in units if u.last_fetch)]
        return units

    def fetch(self, client: FmpClient, unit: Unit, ctx: PricesContext) -> UnitResult:
        if unit.batch:
            return prices_bulk.fetch_bulk(client, unit, ctx)
        result = UnitResult()
        for variant in VARIANTS:
            self._fetch_variant(client, variant, unit, ctx, result)
        if unit.last_fetch:
            result.cursors.append(CursorUpdate(LAST_FETCH_MARKER, unit.key, Cursor(ctx.today, ctx.today)))
        return result

    def _fetch_variant(
        self, client: FmpClient, variant: PriceVariant, unit: Unit, ctx: PricesContext, result: UnitResult
    ) -> None:
        symbol, opts = unit.key, ctx.options
        cursor = unit.cursors.get(variant.cursor_stream)
        to = opts.date_to or ctx.today
        history_start = ctx.today - timedelta(days=round(365.25 * ctx.settings.plan.history_years))
        read = plan_read(variant, cursor, unit, ctx, ctx.events.get(symbol))
        if read is Read.SKIP:
            return
        if read is Read.RANGE:
            assert opts.date_from is not None
            rows = fetch_range(client, variant.endpoint, symbol, opts.date_from, to)
        elif read is Read.HISTORY:
            rows = fetch_range(client, variant.endpoint, symbol, history_start, to)
        else:
            assert cursor is not None
            start = overlap_start(cursor)
            if variant.on_events and symbol in ctx.kept:  # from the mismatch FMP keeps: still compared after an event
                start = min(start, ctx.kept[symbol])
            rows = fetch_range(client, variant.endpoint, symbol, start, to)
            if read is Read.CHECK and overlap_disagrees(rows, cursor, variant.close_key):
                result.repaired.append(symbol)
        result.landings.append(Landing(variant.table, variant.endpoint, symbol, rows))
        result.records_failed += count_incomplete(rows, variant.required)
        refetched = read is Read.HISTORY and held(cursor) and not opts.full_refresh
        base = None if refetched or opts.full_refresh else cursor
        result.cursors.append(
            CursorUpdate(variant.cursor_stream, symbol, advance(base, rows, variant.close_key), refetched)
        )


STREAM = PricesStream()
