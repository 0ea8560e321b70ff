"""Sharding: `fmp-elt extract prices --shard i/n` in n processes at once, into one warehouse, one FMP key.

The shards draw on one rate budget in the warehouse, each with the key's whole FMP_RATE_LIMIT: together they
must fill the limit (95-100%) however unevenly the symbols split, draw no 429, and land every symbol of the
universe exactly once (no overlap, no gap). The universe is picked so that the crc32 split is the uneven one
named (70/30, 55/25/15/5): the smaller shards finish early and the larger ones must take over their share.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import psycopg2

from bench.env import BENCH_KEY, SimSpec, SimulatorProcess, Warehouse, scratch_dir
from bench.extraction import run_streams
from bench.report import Row, number, percent, rate_verdict, verdict
from bench.scale import DAY, Scale
from fmp_elt.extract_stage import in_shard
from fmp_elt.warehouse.rate_budget import BudgetSizing

PLAN = "premium"
LAYOUTS = ((70, 30), (55, 25, 15, 5))  # percent of the symbols in each shard


def shard_env(base_url: str, url: str, home: str, symbols: list[str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FMP_", "DATABASE_URL"))}
    env.update(
        {
            "FMP_BASE_URL": base_url,
            "FMP_API_KEY": BENCH_KEY,
            "FMP_PLAN": PLAN,  # its limit, unsplit, in every shard: the shared budget divides it
            "DATABASE_URL": url,
            "FMP_ELT_HOME": home,
            "FMP_SYMBOLS": ",".join(symbols),
        }
    )
    return env


def uneven_universe(screener: list[str], layout: tuple[int, ...]) -> list[str]:
    """As many of the screener's symbols as give shard i of n its `layout[i]` percent under the crc32 split."""
    n = len(layout)
    by_shard = [[s for s in screener if in_shard(s, (i, n))] for i in range(1, n + 1)]
    total = min(len(held) * 100 // share for held, share in zip(by_shard, layout, strict=True))
    return [s for held, share in zip(by_shard, layout, strict=True) for s in held[: max(1, total * share // 100)]]


def coverage(url: str) -> tuple[int, int, int]:
    """(symbols landed, symbols landed by more than one shard, duplicated rows)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
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
    return landed, overlapping, duplicated


def most_in_a_minute(arrivals: list[float]) -> int:
    times = sorted(arrivals)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 60.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def run_layout(warehouse: Warehouse, scale: Scale, layout: tuple[int, ...]) -> Row:
    n = len(layout)
    spec = SimSpec(
        n_symbols=scale.shard_symbols,
        start=DAY - timedelta(days=90),
        end=DAY,
        plan=PLAN,
        latency_ms=scale.latency_ms,
        enforce_rate_limit=True,
        today=DAY,
    )
    url = warehouse.database(f"shard{n}")
    # A simulator per layout: its 60 s window starts empty, as FMP's would after a quiet minute.
    with SimulatorProcess(spec) as sim, scratch_dir() as home:
        limit = sim.settings(home).rate_limit_per_minute
        run_streams(sim.settings(home), url, ("symbols",), DAY)
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("select symbol from etl.stream_state where stream = 'symbols' order by symbol")
            universe = uneven_universe([row[0] for row in cur.fetchall()], layout)
        sim.reset_stats()
        env = shard_env(sim.base_url, url, str(home), universe)
        started = time.monotonic()
        command = [sys.executable, "-m", "fmp_elt", "extract", "prices", "--to", DAY.isoformat(), "--shard"]
        shards = [
            subprocess.Popen([*command, f"{i}/{n}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(1, n + 1)
        ]
        outputs = [shard.communicate() for shard in shards]
        elapsed = time.monotonic() - started
        stats, arrivals = sim.stats(), sim.arrivals()
    failed = [out[1].strip().splitlines()[-1:] for shard, out in zip(shards, outputs, strict=True) if shard.returncode]
    if failed:
        raise RuntimeError(f"a shard failed: {failed}")
    landed, overlapping, duplicated = coverage(url)
    calls = len(arrivals)
    # The steady rate, after the bucket's initial burst (which a short run would otherwise count as rate).
    steady = sorted(arrivals)[BudgetSizing(limit).burst :]
    span = steady[-1] - steady[0] if len(steady) > 1 else 0.0
    achieved = (len(steady) - 1) / span * 60 if span else 0.0
    complete = landed == len(universe) and overlapping == 0 and duplicated == 0
    clean = stats["rate_limited"] == 0 and most_in_a_minute(arrivals) <= limit and complete
    split = "/".join(str(sum(in_shard(s, (i, n)) for s in universe)) for i in range(1, n + 1))
    rate_check = rate_verdict(achieved, limit, span)  # n/a on runs too short to judge a rate (--smoke)
    rule = "no 429, no gap, no overlap" if rate_check.startswith("n/a") else "95-100% of the limit, no 429, no gap"
    check = verdict(clean and not rate_check.startswith("FAIL"), rule)
    return Row(
        f"shard: {n} processes on one budget, {'/'.join(map(str, layout))} split ({PLAN} {limit}/min)",
        number(achieved, "calls/min"),
        f"{limit:,} calls/min",
        percent(achieved / limit),
        check,
        f"shards of {split} symbols; {calls:,} calls, steady rate over {span:,.1f} s "
        f"({elapsed:,.1f} s with process start-up); "
        f"{stats['rate_limited']} x 429; {landed:,} landed, {overlapping} overlapping, {duplicated} duplicated rows",
    )


def run(warehouse: Warehouse, scale: Scale) -> list[Row]:
    return [run_layout(warehouse, scale, layout) for layout in LAYOUTS]
