"""The end-to-end daily update: `symbols` then `prices`, as the scheduled jobs run them, for N NASDAQ symbols.

Yesterday's prices are already held (a preparation run, unthrottled); the timed run fetches today's. Premium
(750/min) makes one call per symbol (as traded), plus one check of FMP's dividend-adjusted overlap for each
symbol a split or dividend of the day touches (no history is read again for an event), and the calendars' few
calls, so the rate limit allows calls x 60 / 750 seconds. Ultimate takes today's bars for every symbol from
`eod-bulk`: one call for the day held (the overlap check) and one for today, spaced by FMP's bulk interval, so
the interval is the bound.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg2

from bench.env import SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.extraction import DAILY_STREAMS, TimedRun, prepare_cursors, run_streams, simulator_size
from bench.report import Row, number, percent, rate_verdict, verdict
from bench.scale import DAY, DAY_BEFORE, Scale
from fmp_elt.config import PLANS

SEED = 42
TRADED_ENDPOINT = "historical-price-eod/non-split-adjusted"
CHECK_ENDPOINT = "historical-price-eod/dividend-adjusted"


def daily_run(warehouse: Warehouse, scale: Scale, plan: str) -> tuple[TimedRun, dict, int, str]:
    start = DAY - timedelta(days=scale.daily_history_days)
    bulk = PLANS[plan].has_bulk
    spec = SimSpec(
        n_symbols=simulator_size(scale.daily_symbols, SEED, start, DAY),
        start=start,
        end=DAY,
        plan=plan,
        latency_ms=scale.latency_ms,
        enforce_rate_limit=True,
        bulk_min_interval_s=scale.bulk_interval_s if bulk else 0.0,
        today=DAY,
        seed=SEED,
    )
    url = warehouse.database(f"daily_{plan}")
    with scratch_dir() as home:
        prepare_cursors(spec, url, home, DAY_BEFORE)
        with SimulatorProcess(spec) as sim:
            settings = sim.settings(home, bulk_interval_s=scale.bulk_interval_s)
            run = run_streams(settings, url, DAILY_STREAMS, DAY)
            stats = sim.stats()
    return run, stats, settings.rate_limit_per_minute, url


def allowed_seconds(stats: dict, limit: int, bulk_interval_s: float) -> float:
    """The least time FMP's limits allow for the calls made: calls / limit, or the bulk calls' spacing."""
    bulk_calls = int(stats["by_endpoint"].get("eod-bulk", 0))
    other_calls = int(stats["total"]) - bulk_calls
    return max(0, bulk_calls - 1) * bulk_interval_s + other_calls * 60.0 / limit


def day_events(url: str) -> tuple[int, int, int]:
    """The splits and dividends the calendars landed for the day held or after (what the prices stream reads as
    events), and the symbols they touch."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "select count(*) filter (where kind = 'split'), count(*) filter (where kind = 'dividend'),"
                " count(distinct symbol) from ("
                " select 'split' as kind, payload ->> 'symbol' as symbol from raw.fmp_splits where payload_date >= %s"
                " union all select 'dividend', payload ->> 'symbol' from raw.fmp_dividends where payload_date >= %s"
                ") as events",
                (DAY_BEFORE, DAY_BEFORE),
            )
            splits, dividends, touched = cur.fetchone()
    finally:
        conn.close()
    return int(splits), int(dividends), int(touched)


def per_symbol_calls(plan: str, url: str, stats: dict, symbols: int) -> list[Row]:
    """As-traded calls per symbol-day (one), and the checks a day's events cost: one per symbol they touch."""
    by_endpoint = stats["by_endpoint"]
    traded = int(by_endpoint.get(TRADED_ENDPOINT, 0))
    checks = int(by_endpoint.get(CHECK_ENDPOINT, 0))
    splits, dividends, touched = day_events(url)
    return [
        Row(
            f"daily run {plan}: price calls per symbol-day",
            f"{traded / symbols:.3f} calls",
            "1.000 (one as-traded call per symbol)",
            percent(traded / symbols),
            verdict(traded == symbols, "one call per symbol, whatever the events"),
            f"{traded:,} calls to {TRADED_ENDPOINT} for {symbols:,} symbols",
        ),
        Row(
            f"daily run {plan}: a day with {splits} splits and {dividends} dividends",
            f"{checks:,} check calls",
            f"{touched:,} symbols touched",
            percent(checks / touched) if touched else "",
            verdict(checks <= touched, "at most one check per symbol touched, no history refetched"),
            f"{checks:,} calls to {CHECK_ENDPOINT} (its overlap); the marts re-adjust those symbols only",
        ),
    ]


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    rows = []
    for plan in ("premium", "ultimate"):
        result, stats, limit, url = daily_run(warehouse, scale, plan)
        symbols = result.summaries[0].rows_landed  # the universe the screener returned
        allowed = allowed_seconds(stats, limit, scale.bulk_interval_s)
        calls = ", ".join(f"{n:,} {endpoint}" for endpoint, n in sorted(stats["by_endpoint"].items()))
        bulk_used = "eod-bulk" in stats["by_endpoint"]
        how = f"eod-bulk, {scale.bulk_interval_s:.0f} s bulk interval" if bulk_used else "per-symbol"
        ok = result.elapsed_s <= 1.10 * allowed and stats["rate_limited"] == 0 and result.failures == 0
        rows.append(
            Row(
                f"daily run {plan} ({limit:,}/min, {how})",
                f"{result.elapsed_s:,.1f} s",
                f"rate limit allows {allowed:,.1f} s",
                percent(result.elapsed_s / allowed) if allowed else "",
                verdict(ok, "<= 110% of allowed, no 429, no failure"),
                f"{symbols:,} symbols, {result.rows:,} rows; calls: {calls}; {stats['rate_limited']} x 429",
            )
        )
        if not bulk_used:
            rows.extend(per_symbol_calls(plan, url, stats, symbols))
        if plan == "premium" and result.limiter is not None:
            achieved = result.limiter.steady_rate_per_minute()
            rows.append(
                Row(
                    f"daily run {plan}: calls/min achieved",
                    number(achieved, "calls/min"),
                    number(limit, "calls/min"),
                    percent(achieved / limit),
                    rate_verdict(achieved, limit, result.elapsed_s),
                    f"{result.calls:,} calls, {scale.latency_ms:.0f} ms latency",
                )
            )
    return rows
