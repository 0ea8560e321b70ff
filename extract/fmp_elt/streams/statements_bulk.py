"""The weekly statements run on Ultimate: the three statement bulk endpoints, one call per fiscal year and period
covering every company, instead of six calls per symbol, when that is faster.

A bulk call is keyed by the fiscal year's label and the period (Q1..Q4, FY), not by a date, and companies label
and end their fiscal years differently (a year ending in January or June; a quarter of the fiscal year that ends
next calendar year carries next year's label). So the years read are every label whose periods can end inside
the windows the per-symbol path re-reads: the last two fiscal years (with a 10-K's filing lag) and the last five
quarters (with a 10-Q's). That holds every new filing, the restatement a 10-K makes of the year before and a
52/53-week period re-dated a quarter after it was filed. In December 2026 that is FY 2024..2026, Q3 and Q4 of 2025,
the quarters of 2026 and Q1..Q3 of 2027: 12 calls a statement (12 to 14 over a year), 36 to 42 a week, spaced by
the bulk interval: 18 to 21 minutes at FMP's 30 s, against 6 calls a symbol at the rate limit, so bulk is chosen
as for prices, when it is faster (from about 9,000 symbols at Ultimate's 3,000 calls a minute; `python -m bench`
measures both). Each bulk answer holds FMP's whole market (12.5 to 29 MB), so bulk also downloads more.

Only symbols already held and up to date take the bulk path: a symbol new to the warehouse, or whose newest
period ends before the quarters' window (a pause, a late filer), is read per symbol (statements.py), every
period FMP holds or the recent ones plus the missed, so no period is skipped. The CSV rows land as FMP sends them
(every value a string, "" for missing), and the staging views cast them as they cast the JSON records.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, CursorUpdate, Landing, StreamContext, Unit, UnitResult
from fmp_elt.streams.bulk_calls import fetch_bulk_csv
from fmp_elt.streams.dataset import RawDataset
from fmp_elt.streams.records import count_broken, record_date

# Period ends each run re-reads: two fiscal years and five quarters, each with the SEC's longest deadline for its
# report (90 days for a 10-K, 45 for a 10-Q) and a weekend.
ANNUAL_WINDOW = timedelta(days=2 * 365 + 90 + 3)
QUARTER_WINDOW = timedelta(days=5 * 91 + 45 + 3)
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
BATCH_KEY = "statement-bulk"


def bulk_endpoint(dataset: RawDataset) -> str:
    return f"{dataset.endpoints[0]}-bulk"


def _month_end(year: int, month: int) -> date:
    """The last day of `month` of `year`; months outside 1..12 roll into the neighbouring years."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _period_ends(fiscal_year: int, period: str) -> tuple[date, date]:
    """The earliest and latest day a period labelled `fiscal_year` can end, over every fiscal year end month
    (a fiscal year carries the label of the calendar year it ends in)."""
    back = 0 if period == "FY" else 3 * (4 - int(period[1]))  # months from the period's end to the year's end
    return _month_end(fiscal_year, 1 - back), _month_end(fiscal_year, 12 - back)


def bulk_periods(today: date) -> list[tuple[int, str]]:
    """The (fiscal year, period) pairs a run reads: each that can end inside its window, oldest first."""
    pairs = []
    for year in range(today.year - 3, today.year + 2):
        for quarter in QUARTERS:
            first, last = _period_ends(year, quarter)
            if first <= today and last >= today - QUARTER_WINDOW:
                pairs.append((year, quarter))
        first, last = _period_ends(year, "FY")
        if first <= today and last >= today - ANNUAL_WINDOW:
            pairs.append((year, "FY"))
    return pairs


def bulk_calls(today: date, statements: int) -> int:
    return len(bulk_periods(today)) * statements


def is_up_to_date(unit: Unit, today: date) -> bool:
    """Held, with a period ending inside the quarters' window: bulk finds every period filed after it."""
    cursor = unit.cursors.get("statements")
    return cursor is not None and cursor.newest_date is not None and cursor.newest_date >= today - QUARTER_WINDOW


def bulk_seconds(today: date, statements: int, interval_s: float) -> float:
    """What the bulk throttle alone makes a run take."""
    return bulk_calls(today, statements) * interval_s


def should_use_bulk(units: list[Unit], ctx: StreamContext, calls_per_symbol: int, statements: int) -> bool:
    """Bulk when the plan has it, for an incremental run, when it is faster than the symbols' calls at the rate
    (as for prices): at FMP's 30 s bulk interval, from about 9,000 symbols on Ultimate's 3,000 calls a minute."""
    settings, opts = ctx.settings, ctx.options
    if not settings.plan.has_bulk or opts.full_refresh or opts.date_from is not None or not units:
        return False
    per_symbol_seconds = len(units) * calls_per_symbol * 60.0 / settings.rate_limit_per_minute
    return bulk_seconds(ctx.today, statements, settings.bulk_interval_s) < per_symbol_seconds


def fetch_bulk(client: FmpClient, unit: Unit, ctx: StreamContext, datasets: tuple[RawDataset, ...]) -> UnitResult:
    """Every bulk call of the run, the rows of the batch's symbols landed under each symbol."""
    interval = ctx.settings.bulk_interval_s
    wanted = {sub.key for sub in unit.batch}
    rows: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)  # (table, symbol) -> rows
    calls = 0
    for dataset in datasets:
        endpoint = bulk_endpoint(dataset)
        for year, period in bulk_periods(ctx.today):
            if calls:
                time.sleep(interval)
            calls += 1
            for row in fetch_bulk_csv(client, endpoint, {"year": str(year), "period": period}, interval):
                if row.get("symbol") in wanted:
                    rows[(dataset.table, row["symbol"])].append(row)
    result = UnitResult()
    for sub in unit.batch:
        cursor = sub.cursors.get("statements")
        dates = [d for d in (cursor.newest_date, cursor.oldest_date) if d] if cursor else []
        for dataset in datasets:
            landed = rows.get((dataset.table, sub.key), [])
            result.landings.append(Landing(dataset.table, bulk_endpoint(dataset), sub.key, landed))
            result.records_failed += count_broken(landed, dataset, sub.key)
            dates.extend(d for d in map(record_date, landed) if d is not None)
        new = Cursor(max(dates) if dates else None, min(dates) if dates else None)
        result.cursors.append(CursorUpdate("statements", sub.key, new))
    return result
