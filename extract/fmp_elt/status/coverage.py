"""How much of the universe's history the warehouse holds over the backfill window (the plan's history depth).

Each security of marts.securities on the screened exchange (NASDAQ) listed within the window counts once:
- full: prices held, none of the gaps below;
- partial: prices held, but a price fetch of its ticker is failing (`failed`), or its prices end well before
  its delisting (`FMP has none`: FMP serves no later bar);
- none: no price held (`failed`, `FMP has none` when a fetch answered nothing, `not fetched yet`).
Beside them, the plan's gate on later `delisted-companies` pages (Starter) hides delistings: a `plan gate` gap
of the universe itself, whose companies cannot be counted. No security until dbt has built marts.securities.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from psycopg2.extensions import connection as Connection

from fmp_elt.status.models import ApiModel, StatusWithRuns
from fmp_elt.streams.delisted import GATE_KEY, DelistedStream
from fmp_elt.streams.symbols import SCREENED_EXCHANGE

GAPS_SHOWN = 50
# prices that end this long before the delisting miss its last sessions (a long weekend and a halt are not)
DELISTING_SLACK = timedelta(days=7)
Reason = Literal["failed", "FMP has none", "not fetched yet"]


class CoverageGap(ApiModel):
    security_id: str
    symbol: str  # its current (or last) ticker
    history: Literal["partial", "none"]
    reason: Reason
    last_trading_day: date | None
    delisted_date: date | None


class HistoryCoverage(ApiModel):
    window_start: date  # the backfill window: the plan's history depth back from today
    securities: int
    full: int
    partial: int
    none: int
    partial_by_reason: dict[str, int]
    none_by_reason: dict[str, int]
    # the plan does not serve every page of delisted-companies: delistings past page 0 are unknown
    delisted_pages_gated: bool
    gaps: list[CoverageGap]  # the first GAPS_SHOWN, by ticker


class StatusWithCoverage(StatusWithRuns):
    """`fmp-elt status --json`: the status with the history coverage."""

    coverage: HistoryCoverage | None = None


_SECURITIES = """
select s.security_id, s.current_symbol, s.trading_days, s.last_trading_day, s.delisted_date,
    exists (select 1 from etl.stream_failures f where f.stream = 'prices' and f.symbol = s.current_symbol),
    exists (select 1 from etl.stream_state p where p.stream = 'prices' and p.symbol = s.current_symbol)
from marts.securities s
where (s.delisted_date is null or s.delisted_date >= %(since)s)
    and exists (select 1 from marts.symbols y where y.symbol = s.current_symbol
        and y.exchange_short_name = %(exchange)s)
order by s.current_symbol, s.security_id
"""


def coverage(conn: Connection, history_years: int, today: date) -> HistoryCoverage:
    since = today - timedelta(days=round(365.25 * history_years))
    with conn.cursor() as cur:
        cur.execute("select to_regclass('marts.securities') is not null")
        if not cur.fetchone()[0]:
            return HistoryCoverage(window_start=since, securities=0, full=0, partial=0, none=0, partial_by_reason={},
                                   none_by_reason={}, delisted_pages_gated=False, gaps=[])  # fmt: skip
        cur.execute(_SECURITIES, {"since": since, "exchange": SCREENED_EXCHANGE})
        rows = cur.fetchall()
        cur.execute(
            "select exists (select 1 from etl.stream_failures where stream = %s and symbol = %s)",
            (DelistedStream.name, GATE_KEY),
        )
        gated = bool(cur.fetchone()[0])
    gaps: list[CoverageGap] = []
    for security_id, symbol, days, last_day, delisted, failing, fetched in rows:
        gap = _gap(days, last_day, delisted, failing=failing, fetched=fetched)
        if gap is not None:
            gaps.append(CoverageGap(security_id=security_id, symbol=symbol, history=gap[0], reason=gap[1],
                                    last_trading_day=last_day, delisted_date=delisted))  # fmt: skip
    partial = [g for g in gaps if g.history == "partial"]
    none = [g for g in gaps if g.history == "none"]
    return HistoryCoverage(
        window_start=since,
        securities=len(rows),
        full=len(rows) - len(gaps),
        partial=len(partial),
        none=len(none),
        partial_by_reason=_by_reason(partial),
        none_by_reason=_by_reason(none),
        delisted_pages_gated=gated,
        gaps=gaps[:GAPS_SHOWN],
    )


def _gap(
    days: int, last_day: date | None, delisted: date | None, *, failing: bool, fetched: bool
) -> tuple[Literal["partial", "none"], Reason] | None:
    if not days:
        return "none", "failed" if failing else "FMP has none" if fetched else "not fetched yet"
    if failing:
        return "partial", "failed"
    if delisted is not None and last_day is not None and last_day < delisted - DELISTING_SLACK:
        return "partial", "FMP has none"
    return None


def _by_reason(gaps: list[CoverageGap]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gap in gaps:
        counts[gap.reason] = counts.get(gap.reason, 0) + 1
    return counts


def describe(found: HistoryCoverage, shown: int = 10) -> str:
    """`fmp-elt status`'s lines: the counts, then the gaps by name."""

    def reasons(counts: dict[str, int]) -> str:
        return f" ({', '.join(f'{reason} {n}' for reason, n in sorted(counts.items()))})" if counts else ""

    lines = [
        f"history since {found.window_start}: {found.securities:,} securities, {found.full:,} full,"
        f" {found.partial:,} partial{reasons(found.partial_by_reason)}, {found.none:,} none"
        f"{reasons(found.none_by_reason)}"
    ]
    for gap in found.gaps[:shown]:
        ends = f", prices end {gap.last_trading_day}" if gap.last_trading_day else ""
        delisted = f", delisted {gap.delisted_date}" if gap.delisted_date else ""
        lines.append(f"  {gap.symbol} ({gap.security_id}): {gap.history}, {gap.reason}{ends}{delisted}")
    if found.partial + found.none > shown:
        lines.append(f"  and {found.partial + found.none - shown:,} more")
    if found.delisted_pages_gated:
        lines.append("  plan gate: delisted-companies serves page 0 only on this plan; later delistings are missing")
    return "\n".join(lines)
