"""Filling the plan: per-symbol price calls under the one shared limiter against a simulator with latency.

The simulator enforces the same limit with a sliding 60-second window and answers 429 past it, as FMP does.
"""

from __future__ import annotations

from datetime import timedelta

from bench.env import SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.extraction import prepare_cursors, run_streams
from bench.report import Row, number, percent, rate_verdict, verdict
from bench.scale import DAY, DAY_BEFORE, Scale


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    limit = scale.rate_limit
    spec = SimSpec(
        n_symbols=scale.rate_symbols,
        start=DAY - timedelta(days=20),
        end=DAY,
        plan="premium",  # per-symbol calls (no bulk), at the limit below
        latency_ms=scale.latency_ms,
        enforce_rate_limit=True,
        today=DAY,
        extra={"rate_limit_per_minute": limit},
    )
    url = warehouse.database("rate")
    with scratch_dir() as home:
        prepare_cursors(spec, url, home, DAY_BEFORE)
        with SimulatorProcess(spec) as sim:
            settings = sim.settings(home, rate_limit=limit)
            result = run_streams(settings, url, ("prices",), DAY)
            stats = sim.stats()
    assert result.limiter is not None
    achieved = result.limiter.steady_rate_per_minute()
    window = result.limiter.max_in_window()
    refused = int(stats["rate_limited"])
    scope = f"{result.calls:,} calls in {result.elapsed_s:.0f} s, {scale.latency_ms:.0f} ms latency"
    rows = [
        Row(
            f"extract: calls/min achieved (limit {limit:,})",
            number(achieved, "calls/min"),
            number(limit, "calls/min"),
            percent(achieved / limit),
            rate_verdict(achieved, limit, result.elapsed_s),
            scope,
        ),
        Row(
            "extract: HTTP 429 answers / failed symbols",
            f"{refused} / {result.failures}",
            "0 / 0",
            "",
            verdict(refused == 0 and result.failures == 0, "none"),
            scope,
        ),
    ]
    if result.elapsed_s >= 60:
        rows.append(
            Row(
                "extract: most calls in any 60 s",
                number(window, "calls"),
                number(limit, "calls"),
                percent(window / limit),
                verdict(window <= limit, "<= limit"),
                scope,
            )
        )
    return rows
