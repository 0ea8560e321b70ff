"""The end-to-end daily update: `symbols` then `prices`, as the scheduled jobs run them, for N NASDAQ symbols.

Yesterday's prices are already held (a preparation run, unthrottled); the timed run fetches today's. Premium
(750/min) makes one call per symbol (split-adjusted), plus one for each symbol whose dividend-adjusted history a
split or dividend of the day changed, and the calendars' few calls, so the rate limit allows calls x 60 / 750
seconds. Ultimate takes today's bars for every symbol from `eod-bulk`: one call for the day
held (the overlap check) and one for today, spaced by FMP's bulk interval, so the interval is the bound.
"""

from __future__ import annotations

from datetime import timedelta

from bench.env import SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.extraction import DAILY_STREAMS, TimedRun, prepare_cursors, run_streams, simulator_size
from bench.report import Row, number, percent, rate_verdict, verdict
from bench.scale import DAY, DAY_BEFORE, Scale
from fmp_elt.config import PLANS

SEED = 42
PER_SYMBOL_ENDPOINTS = ("historical-price-eod/full", "historical-price-eod/dividend-adjusted")


def daily_run(warehouse: Warehouse, scale: Scale, plan: str) -> tuple[TimedRun, dict, int]:
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
    return run, stats, settings.rate_limit_per_minute


def allowed_seconds(stats: dict, limit: int, bulk_interval_s: float) -> float:
    """The least time FMP's limits allow for the calls made: calls / limit, or the bulk calls' spacing."""
    bulk_calls = int(stats["by_endpoint"].get("eod-bulk", 0))
    other_calls = int(stats["total"]) - bulk_calls
    return max(0, bulk_calls - 1) * bulk_interval_s + other_calls * 60.0 / limit


def per_symbol_calls(plan: str, result: TimedRun, stats: dict, symbols: int) -> Row:
    """Price calls per symbol-day against one per symbol plus the dividend-adjusted refetches events asked for."""
    by_endpoint = stats["by_endpoint"]
    calls = sum(int(by_endpoint.get(endpoint, 0)) for endpoint in PER_SYMBOL_ENDPOINTS)
    [prices] = [s for s in result.summaries if s.stream == "prices"]
    needed = symbols + len(prices.refetched)
    shown = ", ".join(prices.refetched[:5])
    return Row(
        f"daily run {plan}: price calls per symbol-day",
        f"{calls / symbols:.3f} calls",
        f"1 + {len(prices.refetched):,} event refetches / {symbols:,} symbols = {needed / symbols:.3f}",
        percent(calls / needed),
        verdict(calls == needed, "one call per symbol plus the event refetches"),
        f"{calls:,} calls to {' and '.join(PER_SYMBOL_ENDPOINTS)}; refetched: {shown or 'none'}",
    )


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    rows = []
    for plan in ("premium", "ultimate"):
        result, stats, limit = daily_run(warehouse, scale, plan)
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
            rows.append(per_symbol_calls(plan, result, stats, symbols))
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
