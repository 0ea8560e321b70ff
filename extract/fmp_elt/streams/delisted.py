"""Delisted companies (`delisted-companies`): FMP's list of listings that ended, the latest first.

The list is paged (`page`, 0-based, and `limit`). Starter keys are served page 0 only and later pages answer
402: what was read is kept, and the gate is recorded in etl.stream_failures without failing the job (the next
walk that passes it clears the record).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fmp_elt.fmp.client import FmpClient
from fmp_elt.fmp.errors import FmpPlanGate
from fmp_elt.streams.base import Cursor, CursorUpdate, Failure, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import WEEKDAY_LOADS, RawDataset
from fmp_elt.streams.paging import read_pages
from fmp_elt.streams.records import count_broken

ENDPOINT = "delisted-companies"
PAGE_SIZE = 100
MAX_PAGES = 1000
GATE_KEY = f"{ENDPOINT} pages after 0"  # the etl.stream_failures row a 402 on a later page is recorded under

DELISTED = RawDataset(
    table="raw.fmp_delisted",
    description="delisted companies: symbol, company, exchange, IPO date and delisting date",
    endpoints=(ENDPOINT,),
    job="symbols",
    record_key=("symbol", "delistedDate"),
    freshness=WEEKDAY_LOADS,
    fields=("symbol", "delistedDate"),
    per_symbol=False,
    dates=("delistedDate",),
    source_doc=(
        "Delisted companies: `delisted-companies` records (symbol, companyName, exchange, ipoDate, delistedDate), "
        "the latest delisting first; on Starter only the first page."
    ),
)


class DelistedStream(Stream[StreamContext]):
    name = "delisted"
    runs_after = ("symbols",)
    cursor_streams: tuple[str, ...] = ()
    datasets: tuple[RawDataset, ...] = (DELISTED,)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        yield Unit(ENDPOINT)

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        records: list[Any] = []
        result = UnitResult()
        pages_read = 0
        try:
            for rows in read_pages(client, ENDPOINT, {}, limit=PAGE_SIZE, max_pages=MAX_PAGES):
                records.extend(rows)
                pages_read += 1
                if len(rows) < PAGE_SIZE:  # the walk passed every page: a gate recorded earlier is over
                    result.cursors.append(CursorUpdate(self.name, GATE_KEY, Cursor(ctx.today, ctx.today)))
        except FmpPlanGate as gate:
            if pages_read == 0:
                raise
            result.plan_gates.append(Failure(self.name, GATE_KEY, str(gate), gate.reason, gate.status))
        result.landings.append(Landing(DELISTED.table, ENDPOINT, None, records))
        result.records_failed += count_broken(records, DELISTED)
        return result


STREAM = DelistedStream()
