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


class DelistedStream(Stream):
    name = "delisted"
    runs_after = ("symbols",)
    cursor_streams: tuple[str, ...] = ()
    datasets: tuple[RawDataset, ...] = (DELISTED,)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        yield Unit(ENDPOINT)

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        records: list[Any] = []
        result = UnitResult()
        for page in range(MAX_PAGES):
            try:
                rows = client.get_json(ENDPOINT, {"page": page, "limit": PAGE_SIZE})
            except FmpPlanGate as gate:
                if page == 0:
                    raise
                result.plan_gates.append(Failure(self.name, GATE_KEY, str(gate), gate.reason, gate.status))
                break
            records.extend(rows)
            if len(rows) < PAGE_SIZE:
                result.cursors.append(CursorUpdate(self.name, GATE_KEY, Cursor(ctx.today, ctx.today)))
                break
        result.landings.append(Landing(DELISTED.table, ENDPOINT, None, records))
        result.records_failed += sum(1 for r in records if not isinstance(r, dict) or not r.get("symbol"))
        return result


STREAM = DelistedStream()
