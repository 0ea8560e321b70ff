"""Shards of one key share one rate budget through the warehouse: together they keep to the key's limit, whatever
the split, and a shard that dies takes nothing with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from fmp_elt import trading_calendar
from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream, in_shard
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from fmp_elt.warehouse.rate_budget import HOLD_S, BudgetSizing, SharedRateLimiter, key_hash
from tests.fixtures.postgres import query, scalar

KEY = "premium-key"
LIMIT = 600  # calls a minute for the whole key: ten a second, so a few dozen calls take seconds
SHARDS = 3
TODAY = trading_calendar.latest_session()
SINCE = TODAY - timedelta(days=10)  # a few bars a call: the test is about calls, not payloads


def shard_env(base_url: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FMP_", "DATABASE_URL"))}
    env.update(
        {
            "FMP_BASE_URL": base_url,
            "FMP_API_KEY": KEY,
            "FMP_PLAN": "premium",
            "FMP_RATE_LIMIT": str(LIMIT),  # the key's whole limit, in every shard
            "FMP_BULK_INTERVAL": "0",
            "DATABASE_URL": database_url,
        }
    )
    return env


def start_sharded(make_simulator, database_url: str):
    sim = make_simulator(n_symbols=24, enforce_rate_limit=True, rate_limit_per_minute=LIMIT)
    settings = Settings.from_env(shard_env(sim.base_url, database_url))
    extract_stream(settings, database_url, "symbols", run_id=runlog.new_run_id(), today=TODAY)
    sim.reset_stats()
    universe = {row[0] for row in query(database_url, "select symbol from etl.stream_state where stream = 'symbols'")}
    return sim, settings, universe


def run_shard(settings: Settings, database_url: str, index: int, out: dict[int, ExtractSummary]) -> None:
    options = ExtractOptions(date_from=SINCE, date_to=TODAY, shard=(index, SHARDS))
    out[index] = extract_stream(settings, database_url, "prices", options, run_id=runlog.new_run_id(), today=TODAY)


def over_the_budget(arrivals: list[float]) -> list[tuple[int, float]]:
    """(calls, seconds) for each run of consecutive calls that is more than the shared bucket can grant in its
    span: `burst + rate * (span + HOLD_S)`, one call of slack for loopback jitter. Over 60 s that is the limit."""
    sizing = BudgetSizing(LIMIT)
    times = sorted(arrivals)
    over = []
    for i, first in enumerate(times):
        for j in range(i, len(times)):
            span = times[j] - first
            if j - i + 1 > sizing.burst + sizing.rate_per_second * (span + HOLD_S) + 1:
                over.append((j - i + 1, span))
    return over


def landed_symbols(database_url: str) -> set[str]:
    return {row[0] for row in query(database_url, "select distinct symbol from raw.fmp_prices")}


def test_uneven_shards_keep_together_to_the_keys_limit(make_simulator, database_url) -> None:
    sim, settings, universe = start_sharded(make_simulator, database_url)
    assert len(universe) > 10
    split = sorted(sum(in_shard(s, (i, SHARDS)) for s in universe) for i in range(1, SHARDS + 1))
    assert len(set(split)) > 1  # an uneven split: the smaller shards finish first

    summaries: dict[int, ExtractSummary] = {}
    threads = [
        threading.Thread(target=run_shard, args=(settings, database_url, i, summaries)) for i in range(1, SHARDS + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(summaries) == [1, 2, 3]
    assert all(not s.failures for s in summaries.values())
    assert landed_symbols(database_url) == universe
    log = sim.requests_log
    assert len(log) == 2 * len(universe)
    assert sim.stats.rate_limited == 0
    # Each shard alone runs at the whole limit: only the shared budget keeps the three under it together.
    assert over_the_budget([r.arrived for r in log]) == []
    hashed = scalar(database_url, "select key_hash from etl.rate_budgets")
    assert hashed == key_hash(KEY)
    assert KEY not in hashed


def test_a_shard_killed_mid_run_does_not_stall_the_others(make_simulator, database_url) -> None:
    sim, settings, universe = start_sharded(make_simulator, database_url)
    doomed = {s for s in universe if in_shard(s, (1, SHARDS))}
    process = subprocess.Popen(
        [sys.executable, "-m", "fmp_elt", "extract", "prices", "--shard", f"1/{SHARDS}", "--from", SINCE.isoformat()],
        env=shard_env(sim.base_url, database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while sum(r.query.get("symbol") in doomed for r in sim.requests_log) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # mid-run, holding tokens it claimed and a warehouse connection
    finally:
        process.wait(timeout=30)
    summaries: dict[int, ExtractSummary] = {}
    threads = [threading.Thread(target=run_shard, args=(settings, database_url, i, summaries)) for i in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(summaries) == [2, 3]
    assert landed_symbols(database_url) - doomed == universe - doomed
    assert sim.stats.rate_limited == 0
    assert over_the_budget([r.arrived for r in sim.requests_log]) == []


def test_a_pause_after_a_429_holds_back_the_other_shards(database_url) -> None:
    first = SharedRateLimiter(database_url, KEY, LIMIT)
    second = SharedRateLimiter(database_url, KEY, LIMIT)
    try:
        first.pause(0.5)
        waited = second.acquire()  # a process that saw no 429 itself
    finally:
        first.close()
        second.close()
    assert waited >= 0.4
