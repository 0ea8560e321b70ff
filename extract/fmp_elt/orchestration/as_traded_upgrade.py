"""Moving a warehouse that landed split-adjusted `full` prices onto the as-traded base, once per symbol.

A symbol is behind when it holds `historical-price-eod/full` bars older than its oldest as-traded bar (or no
as-traded bar at all) and no upgrade marker. Each such symbol has its price history read again from the
as-traded endpoint (a full refresh of the `prices` stream for it alone: the as-traded series and the
dividend-adjusted check, paged over the plan's history); once the marts are rebuilt the marker says it is done,
so a second run reads nothing. Days older than the plan's window keep their `full` bar, which dbt converts
with `to_traded_ratio`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import psycopg2.extensions

from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream
from fmp_elt.fmp.client import FmpClient
from fmp_elt.orchestration.backfill_estimate import PRICE_PAGE_ROWS, PRICE_SERIES, TRADING_DAYS_A_YEAR
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.streams.price_history import TRADED_ENDPOINT
from fmp_elt.transform_stage import DbtPaths, DbtResult, build
from fmp_elt.warehouse import runlog
from fmp_elt.warehouse.connection import connect

OLD_BASE_ENDPOINT = "historical-price-eod/full"
UPGRADE_MARKER = "prices_as_traded_upgrade"  # etl.stream_state: this symbol's as-traded history was read


@dataclass(frozen=True)
class UpgradeCost:
    symbols: list[str]
    calls: int
    minutes: float
    rate_per_minute: int

    def line(self) -> str:
        if not self.symbols:
            return "every symbol is on the as-traded base: nothing to fetch"
        return (
            f"{len(self.symbols)} symbols lack as-traded history: {self.calls} FMP calls,"
            f" about {self.minutes:.1f} min at {self.rate_per_minute} calls/min"
        )


@dataclass
class UpgradeResult:
    cost: UpgradeCost
    extract: ExtractSummary | None = None
    upgraded: list[str] = field(default_factory=list)
    transform: DbtResult | None = None

    @property
    def failed(self) -> list[str]:
        return [f.symbol for f in self.extract.failures] if self.extract else []


def upgrade(
    settings: Settings,
    url: str,
    paths: DbtPaths,
    *,
    dry_run: bool = False,
    client: FmpClient | None = None,
    today: date | None = None,
    on_cost: Callable[[UpgradeCost], None] = lambda cost: None,
) -> UpgradeResult:
    """Find the symbols behind, fetch their as-traded history, then rebuild the marts in full (not on a dry run,
    nor when no symbol is behind). The caller holds the run lock."""
    conn = connect(url, application_name="fmp-elt:upgrade")
    try:
        behind = symbols_behind(conn)
    finally:
        conn.close()
    result = UpgradeResult(cost(behind, settings))
    on_cost(result.cost)  # stated before anything is fetched
    if dry_run or not behind:
        return result
    settings.require_api_key()
    result.extract, result.upgraded, run_id = fetch_as_traded(settings, url, behind, client=client, today=today)
    result.transform = build(url, paths, full_refresh=True)
    if result.transform.ok:
        # marked only once the marts are rebuilt: an upgrade cut short before that is owed again in full
        mark_upgraded(url, result.upgraded, run_id)
    return result


def symbols_behind(conn: psycopg2.extensions.connection) -> list[str]:
    """Symbols whose held history starts on the old base and that no upgrade has read yet."""
    with conn.cursor() as cur:
        cur.execute(
            "with oldest as (select symbol, min(payload->>'date') filter (where _endpoint = %(old)s) as old_base,"
            " min(payload->>'date') filter (where _endpoint = %(traded)s) as traded"
            " from raw.fmp_prices where symbol is not null group by symbol)"
            " select symbol from oldest where old_base < coalesce(traded, '9999')"
            " and not exists (select 1 from etl.stream_state done where done.stream = %(marker)s"
            " and done.symbol = oldest.symbol) order by symbol",
            {"old": OLD_BASE_ENDPOINT, "traded": TRADED_ENDPOINT, "marker": UPGRADE_MARKER},
        )
        return [row[0] for row in cur.fetchall()]


def cost(symbols: list[str], settings: Settings) -> UpgradeCost:
    """Calls for each symbol's two price series over the plan's history, in pages of 5,000 rows."""
    bars = TRADING_DAYS_A_YEAR * settings.plan.history_years
    calls = len(symbols) * PRICE_SERIES * math.ceil(bars / PRICE_PAGE_ROWS)
    rate = settings.rate_limit_per_minute
    return UpgradeCost(symbols, calls, calls / rate, rate)


def fetch_as_traded(
    settings: Settings,
    url: str,
    symbols: list[str],
    *,
    client: FmpClient | None = None,
    today: date | None = None,
) -> tuple[ExtractSummary, list[str], str]:
    """Read each symbol's history again (as a recorded `prices` execution): the summary, the symbols read
    through, and the run id their upgrade markers name."""
    with runlog.recorded(url, "prices") as execution:
        summary = extract_stream(
            settings,
            url,
            "prices",
            ExtractOptions(symbols=symbols, full_refresh=True),
            run_id=execution.run_id,
            execution=execution,
            client=client,
            today=today,
        )
        execution.metadata.update(summary.as_dict())
        execution.log("INFO", f"as-traded upgrade: {summary.line()}", **summary.as_dict())
        failed = {f.symbol for f in summary.failures}
        done = [s for s in symbols if s not in failed]
        if failed:
            execution.metadata["error_message"] = f"{len(failed)} symbols failed"
    return summary, done, execution.run_id


def mark_upgraded(url: str, symbols: list[str], run_id: str) -> None:
    conn = connect(url, application_name="fmp-elt:upgrade")
    try:
        with conn, conn.cursor() as cur:
            for symbol in symbols:
                cur.execute(
                    "insert into etl.stream_state (stream, symbol, last_run_id, updated_at)"
                    " values (%s, %s, %s::uuid, now()) on conflict (stream, symbol) do update set"
                    " last_run_id = excluded.last_run_id, updated_at = excluded.updated_at",
                    (UPGRADE_MARKER, symbol, run_id),
                )
    finally:
        conn.close()
