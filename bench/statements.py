"""The weekly `statements` job: calls per symbol and per week, and wall time for a NASDAQ-sized universe, per plan.

Both paths are measured against the simulator on a weekly run after a first one (statements held): the
per-symbol path (6 calls a symbol, 3 on Basic) at the bench's rate limit, and Ultimate's bulk path (36 to 42
bulk calls, whatever the universe) at the scale's bulk interval. Each measured time is split into what the limit
imposes (calls at the rate, or the bulk interval between calls) and the rest (latency, parsing, landing), and
scaled to 3,500 symbols at each plan's rate and at FMP's 30 s bulk interval (a run takes the faster path).
Checks: a plan's week fits its limit (Basic: 250 calls a day) and the job's timeout in jobs.yml; the bulk path's
calls, time and download against the per-symbol path on Ultimate are the ratios.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bench.env import SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.extraction import UNLIMITED, run_streams, simulator_size
from bench.report import Row, percent, verdict
from bench.scale import DAY, Scale
from fmp_elt.config import PLANS
from fmp_elt.job_config import load_jobs
from fmp_elt.jobs.extract import streams_of
from fmp_elt.streams.statements import STATEMENTS, calls_per_symbol
from fmp_elt.streams.statements_bulk import bulk_calls, bulk_seconds

SEED = 42
NASDAQ = 3_500
FMP_BULK_INTERVAL_S = 30.0
FMP_BULK_BYTES = (12.5e6, 29e6)  # one statement bulk answer, smallest and largest measured (FMP's whole market)
HISTORY_YEARS = 3  # of filings before the first run: enough for every period a weekly run re-reads
LAST_WEEK = DAY - timedelta(days=7)
STREAMS = (*streams_of("symbols"), "statements")


@dataclass(frozen=True)
class WeeklyRun:
    symbols: int
    calls: int
    elapsed_s: float
    imposed_s: float  # what the limit alone makes the run take: calls at the rate, or the bulk spacing
    bytes: int
    failures: int
    refused: int

    @property
    def overhead_s(self) -> float:
        return max(0.0, self.elapsed_s - self.imposed_s)


def weekly_run(warehouse: Warehouse, scale: Scale, plan: str, bulk_interval_s: float) -> WeeklyRun:
    """Last week's run lands every period unthrottled; this week's `statements` run is the one measured."""
    start = DAY - timedelta(days=round(365.25 * HISTORY_YEARS))
    spec = SimSpec(
        n_symbols=simulator_size(scale.statement_symbols, SEED, start, DAY),
        start=start,
        end=DAY,
        plan=plan,
        latency_ms=scale.latency_ms,
        enforce_rate_limit=True,
        bulk_min_interval_s=bulk_interval_s,
        today=DAY,
        seed=SEED,
        extra={"rate_limit_per_minute": scale.rate_limit},
    )
    url = warehouse.database(f"statements_{plan}")
    with scratch_dir() as home:
        first = replace(spec, latency_ms=0.0, enforce_rate_limit=False, bulk_min_interval_s=0.0, today=LAST_WEEK)
        with SimulatorProcess(first) as sim:
            held = run_streams(sim.settings(home, rate_limit=UNLIMITED), url, STREAMS, LAST_WEEK)
        with SimulatorProcess(spec) as sim:
            settings = sim.settings(home, rate_limit=scale.rate_limit, bulk_interval_s=bulk_interval_s)
            run = run_streams(settings, url, ("statements",), DAY)
            stats = sim.stats()
    bulk = sum(n for endpoint, n in stats["by_endpoint"].items() if endpoint.endswith("-bulk"))
    imposed = max(0, bulk - 1) * bulk_interval_s + (run.calls - bulk) * 60.0 / scale.rate_limit
    return WeeklyRun(
        symbols=held.summaries[0].rows_landed,  # the universe the screener returned
        calls=run.calls,
        elapsed_s=run.elapsed_s,
        imposed_s=imposed,
        bytes=int(stats["bytes_sent"]),
        failures=run.failures,
        refused=int(stats["rate_limited"]),
    )


def minutes(seconds: float) -> str:
    return f"{seconds / 60:,.1f} min"


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    timeout = next(job.timeout for job in load_jobs() if job.name == "statements")
    per_symbol = weekly_run(warehouse, scale, "premium", 0.0)
    bulk = weekly_run(warehouse, scale, "ultimate", scale.statement_bulk_interval_s)
    symbols = per_symbol.symbols
    measured = f"measured: {symbols:,} symbols"
    rows = [
        Row(
            "weekly statements: per-symbol calls per symbol",
            f"{per_symbol.calls / symbols:.2f} calls",
            f"{calls_per_symbol(False)} (3 statements x annual and quarter)",
            percent(per_symbol.calls / symbols / calls_per_symbol(False)),
            verdict(per_symbol.calls == symbols * calls_per_symbol(False) and not per_symbol.failures, "exact"),
            f"{measured}, {per_symbol.calls:,} calls in {per_symbol.elapsed_s:,.1f} s"
            f" at {scale.rate_limit:,}/min ({per_symbol.refused} x 429)",
        ),
        Row(
            "weekly statements: bulk calls per week (Ultimate)",
            f"{bulk.calls:,} calls",
            f"{per_symbol.calls:,} per-symbol calls",
            f"x{bulk.calls / per_symbol.calls:.3f}",
            verdict(bulk.calls == bulk_calls(DAY, len(STATEMENTS)) and not bulk.failures, "36 to 42, no failure"),
            f"{measured}; {bulk.calls / symbols:.3f} calls a symbol, {bulk.calls / NASDAQ:.4f} at {NASDAQ:,}",
        ),
    ]
    # per call beyond what the limit imposes (latency, parsing, landing), scaled to the NASDAQ universe
    symbol_overhead = per_symbol.overhead_s / max(per_symbol.calls, 1)
    bulk_overhead = bulk.overhead_s / max(bulk.calls, 1)
    bulk_week = max(0, bulk.calls - 1) * FMP_BULK_INTERVAL_S + bulk.calls * bulk_overhead
    for name, plan in PLANS.items():
        basic = name == "basic"
        calls = NASDAQ * calls_per_symbol(basic)
        if basic:  # 250 calls a day: the week spread over 7 days at most
            fits = calls <= 7 * (plan.calls_per_day or 0)
            rows.append(
                Row(
                    f"weekly statements {name} ({plan.calls_per_day}/day): {NASDAQ:,} symbols",
                    f"{calls:,} calls",
                    f"{7 * (plan.calls_per_day or 0):,} calls a week allowed",
                    f"x{calls / (7 * (plan.calls_per_day or 1)):.1f}",
                    f"n/a ({'fits' if fits else 'Basic serves a sample of symbols, not a NASDAQ universe'})",
                    "annual only, 3 calls a symbol",
                )
            )
            continue
        seconds = calls * (60.0 / plan.rate_per_minute + symbol_overhead)
        rows.append(
            Row(
                f"weekly statements {name} per symbol ({plan.rate_per_minute:,}/min): {NASDAQ:,} symbols",
                minutes(seconds),
                f"job timeout {minutes(timeout)}",
                percent(seconds / timeout),
                verdict(seconds <= timeout, "within the timeout"),
                f"{calls:,} calls; scaled from {symbols:,} symbols",
            )
        )
        if plan.has_bulk:
            # the run picks the faster path, as prices do (statements_bulk.should_use_bulk)
            crossover = bulk_seconds(DAY, len(STATEMENTS), FMP_BULK_INTERVAL_S) * plan.rate_per_minute / 60.0
            chosen = "bulk" if crossover / calls_per_symbol(False) < NASDAQ else "per symbol"
            rows.append(
                Row(
                    f"weekly statements {name} bulk ({FMP_BULK_INTERVAL_S:.0f} s apart): {NASDAQ:,} symbols",
                    minutes(bulk_week),
                    f"per symbol: {minutes(seconds)}",
                    f"x{bulk_week / seconds:.2f}",
                    verdict(bulk_week <= timeout, "within the timeout"),
                    f"chosen: {chosen} (bulk from {crossover / calls_per_symbol(False):,.0f} symbols);"
                    f" {bulk.calls} calls whatever the universe; measured {bulk.elapsed_s:,.1f} s at"
                    f" {scale.statement_bulk_interval_s:g} s apart, {bulk.bytes / max(bulk.calls, 1) / 1e3:,.0f} kB"
                    f" a call for {symbols:,} symbols",
                )
            )
    rows.append(bandwidth(per_symbol, bulk))
    return rows


def bandwidth(per_symbol: WeeklyRun, bulk: WeeklyRun) -> Row:
    """A week's download on Ultimate: the bulk answers hold FMP's whole market, the per-symbol ones our universe."""
    plan = PLANS["ultimate"]
    low, high = (bulk.calls * size for size in FMP_BULK_BYTES)
    symbol_bytes = NASDAQ * calls_per_symbol(False) * per_symbol.bytes / max(per_symbol.calls, 1)
    weekly_cap = (plan.bandwidth_cap_bytes or 0) * 7 / 30
    return Row(
        f"weekly statements ultimate bulk: download a week, {NASDAQ:,} symbols",
        f"{low / 1e9:.2f} to {high / 1e9:.2f} GB",
        f"per symbol: {symbol_bytes / 1e9:.2f} GB",
        f"x{high / symbol_bytes:.1f}",
        verdict(high <= 0.1 * weekly_cap, "under 10% of the plan's bandwidth cap"),
        f"{bulk.calls} answers of 12.5 to 29 MB (FMP, measured); per symbol scaled from the simulator's"
        f" {per_symbol.bytes / max(per_symbol.calls, 1) / 1e3:,.1f} kB a call",
    )
