"""Financial statements per symbol: income statement, balance sheet and cash flow, annual and quarterly.

A statement is keyed by its fiscal year and period, not by its end date: FMP re-dates the periods of a 52/53-week
year (09-30 becomes 09-28), and the same period must stay one record whose date changed. Each statement carries
`filingDate` and `acceptedDate`, when the period became public, which the point-in-time marts read.

A symbol's first run reads every period FMP holds; later runs re-read the last two fiscal years and five
quarters (more after a long pause), which holds every new filing and the restatements a 10-K makes of the year
before (FMP restates in place, so these re-reads are the only record of a restatement). Cost: 6 calls per symbol
and run (3 on Basic, annual only); the `statements` job runs weekly (docs/use/fundamentals.md). On Ultimate the
symbols already held are read from the statement bulk endpoints instead when that is faster: 36 to 42 calls a
week for any number of symbols, 30 s apart (statements_bulk.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams import statements_bulk
from fmp_elt.streams.base import Cursor, CursorUpdate, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import WEEKLY_LOADS, RawDataset, StagingColumn
from fmp_elt.streams.records import count_broken, record_date
from fmp_elt.streams.statement_fields import BALANCE_SHEET, CASH_FLOW, INCOME_STATEMENT

FULL_LIMIT = 1000  # FMP's maximum per request
RECENT_LIMIT = {"annual": 2, "quarter": 5}
PERIOD_DAYS = {"annual": 365, "quarter": 91}
BASIC_LIMIT = 5  # the Basic plan refuses more than 5 rows and quarterly periods
KEY = ("symbol", "fiscalYear", "period")
REQUIRED = ("date", "fiscalYear", "period", "acceptedDate", "reportedCurrency")


def _statement(name: str, endpoint: str, what: str, columns: tuple[StagingColumn, ...]) -> RawDataset:
    return RawDataset(
        table=f"raw.fmp_{name}",
        description=f"{what} per symbol and fiscal period, annual and quarterly",
        endpoints=(endpoint, f"{endpoint}-bulk"),
        job="statements",
        record_key=KEY,
        freshness=WEEKLY_LOADS,
        fields=REQUIRED,
        source_doc=(
            f"{what[:1].upper()}{what[1:]} per fiscal period: `{endpoint}` records (symbol, date: the period end, "
            "reportedCurrency, cik, filingDate, acceptedDate: EDGAR's acceptance as a New York wall-clock time, "
            "fiscalYear as a string, period FY or Q1..Q4, then the amounts in the reported currency), and on Ultimate "
            f"`{endpoint}-bulk` rows: the same fields, every value a string."
        ),
        columns=columns,
        keep_versions=True,  # the histories read every version: restatements and re-dated periods
    )


INCOME_STATEMENTS = _statement("income_statements", "income-statement", "income statements", INCOME_STATEMENT)
BALANCE_SHEETS = _statement("balance_sheets", "balance-sheet-statement", "balance sheets", BALANCE_SHEET)
CASH_FLOWS = _statement("cash_flows", "cash-flow-statement", "cash flow statements", CASH_FLOW)
STATEMENTS = (INCOME_STATEMENTS, BALANCE_SHEETS, CASH_FLOWS)


def recent_limit(period: str, newest: date | None, today: date) -> int:
    """Periods to re-read: the recent ones, plus one for each period that can have ended since the newest held
    (a run after a long pause must not leave a gap)."""
    missed = max(0, (today - newest).days) // PERIOD_DAYS[period] if newest else 0
    return min(FULL_LIMIT, RECENT_LIMIT[period] + missed)


def calls_per_symbol(basic: bool) -> int:
    """What one symbol costs a run: each statement, annual (and quarterly but on Basic)."""
    return len(STATEMENTS) * (1 if basic else 2)


class StatementsStream(Stream[StreamContext]):
    name = "statements"
    cursor_streams: tuple[str, ...] = ("statements",)
    datasets: tuple[RawDataset, ...] = STATEMENTS

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        units = [
            Unit(symbol, {"statements": cursors[("statements", symbol)]} if ("statements", symbol) in cursors else {})
            for symbol in symbols
        ]
        current = [u for u in units if statements_bulk.is_up_to_date(u, ctx.today)]
        basic = ctx.settings.plan.name == "basic"
        if statements_bulk.should_use_bulk(current, ctx, calls_per_symbol(basic), len(STATEMENTS)):
            batch = Unit(statements_bulk.BATCH_KEY, batch=tuple(current))
            return [batch, *(u for u in units if not statements_bulk.is_up_to_date(u, ctx.today))]
        return units

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        if unit.batch:
            return statements_bulk.fetch_bulk(client, unit, ctx, STATEMENTS)
        symbol = unit.key
        cursor = unit.cursors.get("statements")
        first = cursor is None or ctx.options.full_refresh or ctx.options.date_from is not None
        basic = ctx.settings.plan.name == "basic"
        periods = ("annual",) if basic else ("annual", "quarter")
        result = UnitResult()
        dates = [d for d in (cursor.newest_date, cursor.oldest_date) if d] if cursor and not first else []
        for dataset in STATEMENTS:
            endpoint = dataset.endpoints[0]
            for period in periods:
                newest = cursor.newest_date if cursor else None
                limit = BASIC_LIMIT if basic else FULL_LIMIT if first else recent_limit(period, newest, ctx.today)
                rows = client.get_json(endpoint, {"symbol": symbol, "period": period, "limit": limit})
                result.landings.append(Landing(dataset.table, endpoint, symbol, rows))
                result.records_failed += count_broken(rows, dataset, symbol)
                dates.extend(d for d in map(record_date, rows) if d is not None)
        new_cursor = Cursor(max(dates) if dates else None, min(dates) if dates else None)
        result.cursors.append(CursorUpdate("statements", symbol, new_cursor))
        return result


STREAM = StatementsStream()
