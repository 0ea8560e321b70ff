"""Splits and dividends: a per-symbol backfill, then a market-wide calendar update each day.

Who fetches what (the `prices` job runs this stream before the prices, which read the events it lands):
- A symbol with no corporate-actions cursor, one last covered more than `CALENDAR_REACH` ago (splits-calendar
  looks back only about 90 days), or any symbol of a run with `--from` or `--full-refresh`, is backfilled on its
  own: `splits?symbol=` and `dividends?symbol=`, its whole history (two calls).
- Every other symbol is covered by one calendar unit: `splits-calendar` and `dividends-calendar` (paged, its
  seams repaired, see calendar_pages.py) from a week before the oldest cursor to today. Calendar rows land for
  the whole market, as served; the marts keep every symbol's events.
- Around each split of a symbol in scope, the as-traded prices (`historical-price-eod/non-split-adjusted`,
  `SPLIT_WINDOW` days either side) land too: their ratio to the split-adjusted prices is how the marts check
  that the split shows in the prices.
- A symbol whose actions disagree with its prices (a split, dividend or adjusted mismatch in
  marts.price_anomalies) is backfilled on its own once for that mismatch, so an action the calendars missed, or
  one FMP corrected since, lands and the next transform clears the mismatch; the marker (`REREAD_MARKER`)
  records the newest mismatched day it was read for, so a mismatch that stays is not read again every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, CursorUpdate, Held, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.calendar_pages import walk_calendar
from fmp_elt.streams.dataset import LoadFreshness, RawDataset
from fmp_elt.streams.records import count_broken, record_date

CALENDAR_REACH = timedelta(days=80)  # inside splits-calendar's ~90-day look-back, with room for a late run
CALENDAR_REREAD = timedelta(days=7)  # late-published and corrected rows of the last week are read again
SPLITS_CALENDAR_LOOKBACK = timedelta(days=89)
SPLIT_WINDOW = timedelta(days=10)
CALENDAR_UNIT = "calendar"
UNADJUSTED_ENDPOINT = "historical-price-eod/non-split-adjusted"
REREAD_MARKER = "corporate_actions_reread"  # etl.stream_state: the newest mismatched day re-read for

# Corporate actions are rare: a quiet month lands no row, and says nothing about the pipeline.
EVENT_LOADS = LoadFreshness(warn_after=timedelta(days=120), error_after=timedelta(days=400))

SPLITS = RawDataset(
    table="raw.fmp_splits",
    description="stock splits: per-symbol `splits` histories and market-wide `splits-calendar` rows",
    endpoints=("splits", "splits-calendar"),
    job="prices",
    record_key=("symbol", "date"),
    freshness=EVENT_LOADS,
    fields=("symbol", "date", "numerator", "denominator"),
    numbers=("numerator", "denominator"),
    per_symbol=False,
    may_be_empty=True,
    source_doc=(
        "Stock splits: `splits?symbol=` histories and `splits-calendar` rows (symbol, date, numerator, "
        "denominator). Calendar rows cover the whole market and carry no fetch symbol."
    ),
)
DIVIDENDS = RawDataset(
    table="raw.fmp_dividends",
    description="dividends by ex-date: per-symbol `dividends` histories and market-wide `dividends-calendar` rows",
    endpoints=("dividends", "dividends-calendar"),
    job="prices",
    # a regular and a special payment can share an ex-date: the amount tells them apart
    record_key=("symbol", "date", "dividend"),
    freshness=EVENT_LOADS,
    fields=("symbol", "date", "dividend"),
    numbers=("dividend", "adjDividend"),
    per_symbol=False,
    may_be_empty=True,
    source_doc=(
        "Dividends by ex-date: `dividends?symbol=` histories and `dividends-calendar` rows (symbol, date = "
        "ex-date, recordDate, paymentDate, declarationDate, adjDividend, dividend, yield, frequency). Calendar rows "
        "cover the whole market and carry no fetch symbol."
    ),
)
PRICES_UNADJUSTED = RawDataset(
    table="raw.fmp_prices_unadjusted",
    description="as-traded daily prices around each split (`non-split-adjusted`), to reconcile splits with prices",
    endpoints=(UNADJUSTED_ENDPOINT,),
    job="prices",
    record_key=("symbol", "date"),
    freshness=EVENT_LOADS,
    fields=("date", "adjClose"),
    numbers=("adjClose",),
    may_be_empty=True,
    source_doc=(
        "As-traded daily prices around each split: `historical-price-eod/non-split-adjusted` records (symbol, "
        "date, adjOpen, adjHigh, adjLow, adjClose, volume; despite the names, not adjusted)."
    ),
)


def needs_backfill(cursor: Cursor | None, ctx: StreamContext) -> bool:
    opts = ctx.options
    if cursor is None or cursor.newest_date is None or opts.full_refresh or opts.date_from is not None:
        return True
    return cursor.newest_date < ctx.today - CALENDAR_REACH


@dataclass(frozen=True)
class ActionsContext(StreamContext):
    """Corporate actions also plan from the symbols owed a re-read for a mismatch, with its newest day."""

    mismatched: Mapping[str, date] = field(default_factory=dict)


class CorporateActionsStream(Stream[ActionsContext]):
    name = "corporate_actions"
    cursor_streams: tuple[str, ...] = ("corporate_actions",)
    # a delisted company's events, until a read dated after its last day
    delisted_marker: str | None = "corporate_actions"
    mismatch_reread_marker: str | None = REREAD_MARKER
    datasets: tuple[RawDataset, ...] = (SPLITS, DIVIDENDS, PRICES_UNADJUSTED)

    def context(self, ctx: StreamContext, held: Held) -> ActionsContext:
        return ActionsContext(ctx.settings, ctx.options, ctx.today, mismatched=held.mismatched)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: ActionsContext) -> Iterable[Unit]:
        covered = []
        for symbol in symbols:
            cursor = cursors.get(("corporate_actions", symbol))
            if needs_backfill(cursor, ctx):
                yield Unit(symbol)
            elif symbol in ctx.mismatched:
                yield Unit(symbol, refetch=True)
            elif cursor is not None:
                covered.append(Unit(symbol, {"corporate_actions": cursor}))
        if covered:
            yield Unit(CALENDAR_UNIT, batch=tuple(covered))

    def fetch(self, client: FmpClient, unit: Unit, ctx: ActionsContext) -> UnitResult:
        if unit.batch:
            return self._calendar(client, unit, ctx)
        result = self._backfill(client, unit.key, ctx)
        mismatch = ctx.mismatched.get(unit.key)
        if mismatch is not None:  # read for this mismatch: not again until a newer one
            result.cursors.append(CursorUpdate(REREAD_MARKER, unit.key, Cursor(newest_date=mismatch)))
        return result

    def _backfill(self, client: FmpClient, symbol: str, ctx: StreamContext) -> UnitResult:
        result = UnitResult()
        splits = client.get_json("splits", {"symbol": symbol})
        dividends = client.get_json("dividends", {"symbol": symbol})
        result.landings += [
            Landing(SPLITS.table, "splits", symbol, splits),
            Landing(DIVIDENDS.table, "dividends", symbol, dividends),
        ]
        result.records_failed += count_broken(splits, SPLITS, symbol) + count_broken(dividends, DIVIDENDS, symbol)
        self._split_windows(client, splits, {symbol}, date.min, ctx, result)
        result.cursors.append(CursorUpdate("corporate_actions", symbol, Cursor(newest_date=ctx.today)))
        return result

    def _calendar(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        held = [c.newest_date for u in unit.batch for c in u.cursors.values() if c.newest_date is not None]
        start = min(held, default=ctx.today) - CALENDAR_REREAD
        result = UnitResult()
        dividends = walk_calendar(client, "dividends-calendar", start, ctx.today)
        splits_from = max(start, ctx.today - SPLITS_CALENDAR_LOOKBACK)
        splits = client.get_json("splits-calendar", {"from": splits_from.isoformat(), "to": ctx.today.isoformat()})
        result.landings += [
            Landing(SPLITS.table, "splits-calendar", None, splits),
            Landing(DIVIDENDS.table, "dividends-calendar", None, dividends.rows),
        ]
        result.records_failed += count_broken(splits, SPLITS) + count_broken(dividends.rows, DIVIDENDS) + dividends.lost
        self._split_windows(client, splits, {u.key for u in unit.batch}, start, ctx, result)
        result.cursors += [CursorUpdate("corporate_actions", u.key, Cursor(newest_date=ctx.today)) for u in unit.batch]
        return result

    @staticmethod
    def _split_windows(
        client: FmpClient, splits: list[Any], symbols: set[str], since: date, ctx: StreamContext, result: UnitResult
    ) -> None:
        """As-traded prices around each split of `symbols` dated from `since` up to today."""
        for split in splits:
            day = record_date(split)
            symbol = split.get("symbol") if isinstance(split, dict) else None
            if day is None or symbol not in symbols or not since <= day <= ctx.today:
                continue
            window = {
                "symbol": symbol,
                "from": (day - SPLIT_WINDOW).isoformat(),
                "to": min(day + SPLIT_WINDOW, ctx.today).isoformat(),
            }
            rows = client.get_json(UNADJUSTED_ENDPOINT, window)
            result.landings.append(Landing(PRICES_UNADJUSTED.table, UNADJUSTED_ENDPOINT, str(symbol), rows))
            result.records_failed += count_broken(rows, PRICES_UNADJUSTED, str(symbol))


STREAM = CorporateActionsStream()
