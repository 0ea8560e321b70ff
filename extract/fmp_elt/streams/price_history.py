"""The two price series read per symbol, and how an incremental read checks and advances its cursor.

The stored base is the as-traded series (`historical-price-eod/non-split-adjusted`: raw open, high, low, close
and volume despite its `adj*` names); it never changes with a later split or dividend, so the marts adjust it
with our own factors. The dividend-adjusted series is a check of those factors, not a source.
Shared by the per-symbol path (`prices`) and the Ultimate bulk path (`prices_bulk`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor
from fmp_elt.streams.dataset import WEEKDAY_LOADS, LoadFreshness, RawDataset
from fmp_elt.streams.records import record_date, record_number

ROW_CAP = 5000
OVERLAP_ROWS = 5  # trading rows re-read on each incremental run
RECENT_ROWS = 10  # closes kept in the cursor to compare the overlap against
TOLERANCE = 1e-6  # relative: FMP rounds to cents; a re-adjusted history moves far more
TRADED_ENDPOINT = "historical-price-eod/non-split-adjusted"


# Read after splits and dividends and weekly as a check (adjusted_reads.py): a quiet universe loads it once a
# week or so, after its run of 7 days of prices; a long weekend or holiday on top still is not stale.
CHECKED_LOADS = LoadFreshness(warn_after=timedelta(days=10), error_after=timedelta(days=20))
BULK_ENDPOINT = "eod-bulk"  # one day of every symbol (Ultimate); its rows land with the `full` ones
PRICE_NUMBERS = ("open", "high", "low", "close", "volume")
ADJUSTED_NUMBERS = ("adjOpen", "adjHigh", "adjLow", "adjClose", "volume")  # also the as-traded series' names

PRICES = RawDataset(
    table="raw.fmp_prices",
    description=(
        "as-traded daily prices (`non-split-adjusted`, named adj*; `eod-bulk` rows carry every value as a string;"
        " `full` rows, split-adjusted, from older warehouses)"
    ),
    endpoints=(TRADED_ENDPOINT, "historical-price-eod/full", BULK_ENDPOINT),
    job="prices",
    record_key=("symbol", "date"),
    freshness=WEEKDAY_LOADS,
    fields=("date", "volume"),
    numbers=tuple(dict.fromkeys(PRICE_NUMBERS + ADJUSTED_NUMBERS)),
    source_doc=(
        "Daily prices: as-traded `historical-price-eod/non-split-adjusted` records (symbol, date, adjOpen, "
        "adjHigh, adjLow, adjClose, volume; despite the names, not adjusted), `eod-bulk` rows (every value a "
        "string; symbol, date, open, low, high, close, adjClose, volume) and, in older warehouses, split-adjusted "
        "`historical-price-eod/full` records (symbol, date, open, high, low, close, volume, change, "
        "changePercent, vwap)."
    ),
)
PRICES_ADJUSTED = RawDataset(
    table="raw.fmp_prices_adjusted",
    description="split- and dividend-adjusted daily prices",
    endpoints=("historical-price-eod/dividend-adjusted",),
    job="prices",
    record_key=("symbol", "date"),
    freshness=CHECKED_LOADS,
    fields=("date", "adjClose"),
    numbers=ADJUSTED_NUMBERS,
    source_doc=(
        "Daily prices adjusted for splits and dividends: `historical-price-eod/dividend-adjusted` records "
        "(symbol, date, adjOpen, adjHigh, adjLow, adjClose, volume). Read after a split or a dividend and weekly "
        "as a check, so loads come at least every week or so."
    ),
)


@dataclass(frozen=True)
class PriceVariant:
    """One of the two series: its cursor, endpoint and raw dataset."""

    cursor_stream: str
    endpoint: str
    dataset: RawDataset
    close_key: str
    required: tuple[str, ...]  # a record without these is counted as failed (and still landed)
    bulk_close_key: str  # the same close in an eod-bulk row
    # a check, not a source: read weekly and after events (adjusted_reads.py); else re-read every run
    on_events: bool = False

    @property
    def table(self) -> str:
        return self.dataset.table


VARIANTS = (
    PriceVariant("prices", TRADED_ENDPOINT, PRICES, "adjClose", ADJUSTED_NUMBERS, "close"),
    PriceVariant(
        "prices_adjusted",
        "historical-price-eod/dividend-adjusted",
        PRICES_ADJUSTED,
        "adjClose",
        ADJUSTED_NUMBERS,
        "adjClose",
        on_events=True,
    ),
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
    """True when a re-read day's close differs from the one we hold: a correction (as traded) or a
    re-adjusted history (dividend-adjusted)."""
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
