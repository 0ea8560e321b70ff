"""Extraction helpers shared by the benchmarks: sizing a universe, preparing cursors, timing a run."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from bench.env import SimSpec, SimulatorProcess
from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream
from fmp_elt.fmp.client import FmpClient
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.simulator.universe import build_universe
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog

UNLIMITED = 1_000_000  # calls per minute for preparation runs, where the limit is not what is measured


def simulator_size(nasdaq_symbols: int, seed: int, start: date, end: date) -> int:
    """How many simulated listings give at least `nasdaq_symbols` active NASDAQ common stocks (the screener's
    answer): the universe also holds NYSE listings, ETFs, funds and a delisted stock."""
    n = max(8, math.ceil(nasdaq_symbols / 0.74))
    while True:
        active = sum(
            1
            for p in build_universe(n, seed, start, end)
            if p.exchange_short == "NASDAQ" and p.is_common_stock and p.is_active(end)
        )
        if active >= nasdaq_symbols:
            return n
        n = math.ceil(n * 1.02) + 1


class RecordingLimiter(RateLimiter):
    """The production token bucket, noting when each token was granted (to measure the rate achieved)."""

    def __init__(self, calls_per_minute: int) -> None:
        super().__init__(calls_per_minute)
        self.granted: list[float] = []
        self._granted_lock = threading.Lock()

    def acquire(self) -> float:
        waited = super().acquire()
        with self._granted_lock:
            self.granted.append(time.monotonic())
        return waited

    def steady_rate_per_minute(self) -> float:
        """Calls per minute after the initial burst: (tokens granted - burst) over the time they took."""
        if len(self.granted) <= self.burst + 1:
            return 0.0
        span = self.granted[-1] - self.granted[0]
        return (len(self.granted) - self.burst) / span * 60.0 if span > 0 else 0.0

    def max_in_window(self, seconds: float = 60.0) -> int:
        """The most tokens granted in any window of `seconds` (what a per-minute counter would see)."""
        best, start = 0, 0
        for end, t in enumerate(self.granted):
            while t - self.granted[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best


# what the daily `symbols` and `prices` jobs extract, in their order
DAILY_STREAMS = (*streams_of("symbols"), *streams_of("prices"))


@dataclass
class TimedRun:
    summaries: list[ExtractSummary] = field(default_factory=list)
    elapsed_s: float = 0.0
    calls: int = 0
    limiter: RecordingLimiter | None = None

    @property
    def rows(self) -> int:
        return sum(s.rows_landed for s in self.summaries)

    @property
    def failures(self) -> int:
        return sum(len(s.failures) for s in self.summaries)


def run_streams(
    settings: Settings,
    url: str,
    streams: tuple[str, ...],
    today: date,
    options: ExtractOptions | None = None,
    workers: int | None = None,
) -> TimedRun:
    """Extract `streams` in order with one client (one limiter), as the daily jobs do, and time it all."""
    limiter = RecordingLimiter(settings.rate_limit_per_minute)
    client = FmpClient(settings.base_url, settings.require_api_key(), limiter)
    run = TimedRun(limiter=limiter)
    started = time.monotonic()
    for stream in streams:
        summary = extract_stream(
            settings, url, stream, options, run_id=runlog.new_run_id(), client=client, today=today, workers=workers
        )
        run.summaries.append(summary)
    run.elapsed_s = time.monotonic() - started
    run.calls = client.stats.calls
    return run


def prepare_cursors(spec: SimSpec, url: str, home: Path, day_before: date) -> TimedRun:
    """Hold every symbol's prices up to `day_before`, as yesterday's run left them (no limit, no latency)."""
    prep = replace(spec, today=day_before, latency_ms=0.0, enforce_rate_limit=False, bulk_min_interval_s=0.0)
    with SimulatorProcess(prep) as sim:
        settings = sim.settings(home, rate_limit=UNLIMITED)
        return run_streams(settings, url, DAILY_STREAMS, day_before)
