"""Ticker changes (`symbol-change`): old symbol, new symbol, date and company, the latest first.

FMP ignores `page` here and serves the latest `limit` changes (100 when not given); each run reads the latest
CHANGES_READ, far more than happen between two daily runs, and staging keeps one version of each change.
"""

from __future__ import annotations

from collections.abc import Iterable

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import WEEKDAY_LOADS, RawDataset
from fmp_elt.streams.records import count_broken

ENDPOINT = "symbol-change"
CHANGES_READ = 1000

SYMBOL_CHANGES = RawDataset(
    table="raw.fmp_symbol_changes",
    description="ticker changes: date, company, old symbol and new symbol",
    endpoints=(ENDPOINT,),
    job="symbols",
    record_key=("oldSymbol", "newSymbol", "date"),
    freshness=WEEKDAY_LOADS,
    fields=("date", "oldSymbol", "newSymbol"),
    per_symbol=False,
    # Changes are events: an empty answer is a valid one (a market with no ticker changes yet, as a fresh
    # simulated one), so the table is judged by its job's last run, not by the age of its newest row.
    may_be_empty=True,
    source_doc=(
        "Ticker changes: `symbol-change` records (date, companyName, oldSymbol, newSymbol), the latest first. The "
        "landed `symbol` column is NULL: a change belongs to two tickers."
    ),
)


class SymbolChangesStream(Stream[StreamContext]):
    name = "symbol_changes"
    runs_after = ("symbols",)
    cursor_streams: tuple[str, ...] = ()
    datasets: tuple[RawDataset, ...] = (SYMBOL_CHANGES,)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        yield Unit(ENDPOINT)

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        rows = client.get_json(ENDPOINT, {"limit": CHANGES_READ})
        broken = count_broken(rows, SYMBOL_CHANGES)
        return UnitResult(landings=[Landing(SYMBOL_CHANGES.table, ENDPOINT, None, rows)], records_failed=broken)


STREAM = SymbolChangesStream()
