"""Sharding: `fmp-elt extract prices --shard i/2` in two processes at once, into one warehouse, one FMP key.

The two shards share the plan, so each runs at half its limit (FMP_RATE_LIMIT); together they must fill it,
land every symbol of the universe exactly once (no overlap, no gap) and draw no 429.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

import psycopg2

from bench.env import BENCH_KEY, SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.extraction import run_streams
from bench.report import Row, number, percent, verdict
from bench.scale import DAY, Scale

SHARDS = 2
PLAN = "premium"


def shard_env(base_url: str, url: str, home: str, limit: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FMP_", "DATABASE_URL"))}
    env.update(
        {
            "FMP_BASE_URL": base_url,
            "FMP_API_KEY": BENCH_KEY,
            "FMP_PLAN": PLAN,
            "FMP_RATE_LIMIT": str(limit),
            "DATABASE_URL": url,
            "FMP_ELT_HOME": home,
        }
    )
    return env


def summary(stdout: str) -> tuple[float, int, int]:
    """(seconds, units, calls) from the summary line `fmp-elt extract` prints."""
    found = re.search(r"from ([0-9,]+) units in ([0-9.]+)s; ([0-9,]+) calls", stdout)
    if found is None:
        raise RuntimeError(f"no summary line in the shard's output: {stdout[-300:]!r}")
    units, seconds, calls = found.groups()
    return float(seconds), int(units.replace(",", "")), int(calls.replace(",", ""))


def coverage(url: str) -> tuple[int, int, int, int]:
    """(universe, symbols landed, symbols landed by more than one shard, duplicated rows)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("select count(*) from etl.stream_state where stream = 'symbols'")
            universe = cur.fetchone()[0]
            cur.execute(
                "select count(*), count(*) filter (where runs > 1) from ("
                " select symbol, count(distinct _run_id) as runs from ("
                "  select symbol, _run_id from raw.fmp_prices union all"
                "  select symbol, _run_id from raw.fmp_prices_adjusted) as landed group by symbol) as per_symbol"
            )
            landed, overlapping = cur.fetchone()
            cur.execute(
                "select count(*) from (select 1 from raw.fmp_prices group by symbol, payload ->> 'date'"
                " having count(*) > 1) as duplicated"
            )
            duplicated = cur.fetchone()[0]
    finally:
        conn.close()
    return universe, landed, overlapping, duplicated


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    spec = SimSpec(
        n_symbols=scale.shard_symbols,
        start=DAY - timedelta(days=90),
        end=DAY,
        plan=PLAN,
        latency_ms=scale.latency_ms,
        enforce_rate_limit=True,
        today=DAY,
    )
    url = warehouse.database("shard")
    with SimulatorProcess(spec) as sim, scratch_dir() as home:
        limit = sim.settings(home).rate_limit_per_minute
        run_streams(sim.settings(home), url, ("symbols",), DAY)
        sim.reset_stats()
        env = shard_env(sim.base_url, url, str(home), limit // SHARDS)
        started = time.monotonic()
        shards = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "fmp_elt",
                    "extract",
                    "prices",
                    "--shard",
                    f"{i}/{SHARDS}",
                    "--to",
                    DAY.isoformat(),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(1, SHARDS + 1)
        ]
        outputs = [shard.communicate() for shard in shards]
        elapsed = time.monotonic() - started
        stats = sim.stats()
    failed = [out[1].strip().splitlines()[-1:] for shard, out in zip(shards, outputs, strict=True) if shard.returncode]
    if failed:
        raise RuntimeError(f"a shard failed: {failed}")
    universe, landed, overlapping, duplicated = coverage(url)
    done = [summary(out[0]) for out in outputs]
    extract_s = max(seconds for seconds, _, _ in done)  # the process start-up (imports, schema check) comes on top
    calls = int(stats["total"])
    achieved = calls / extract_s * 60
    # A hash split is not exactly even, and each shard has half the limit: the largest shard sets the pace.
    allowed = max(shard_calls for _, _, shard_calls in done) * 60 / (limit // SHARDS)
    units = sorted((n for _, n, _ in done), reverse=True)
    scope = f"{universe:,} symbols, {calls:,} calls, {scale.latency_ms:.0f} ms latency"
    return [
        Row(
            f"shard: {SHARDS} processes, symbols landed / overlapping / duplicated rows",
            f"{landed:,} / {overlapping} / {duplicated}",
            f"universe {universe:,} / 0 / 0",
            "",
            verdict(landed == universe and overlapping == 0 and duplicated == 0, "no gap, no overlap"),
            scope,
        ),
        Row(
            f"shard: {SHARDS} x {limit // SHARDS}/min together ({PLAN} {limit}/min)",
            f"{extract_s:,.1f} s",
            f"rate limit allows {allowed:,.1f} s for the largest shard",
            percent(extract_s / allowed),
            verdict(extract_s <= 1.10 * allowed and stats["rate_limited"] == 0, "<= 110%, no 429"),
            f"shards of {' and '.join(map(str, units))} symbols; {number(achieved, 'calls/min')} overall; "
            f"{elapsed:,.1f} s with process start-up; "
            f"{stats['rate_limited']} x 429",
        ),
    ]
