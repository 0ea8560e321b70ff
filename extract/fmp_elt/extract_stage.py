"""Run a stream: plan its units, fetch them concurrently under one rate limiter, land them in batches.

Workers do HTTP and encode their records for COPY; the calling thread lands results, so one connection and one
transaction per batch suffice. At most `workers + SPARE_UNITS` results wait in memory at any time, whatever the
size of the backfill, and they wait as COPY rows (bytes), several times smaller than the parsed records.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import click

from fmp_elt import clock
from fmp_elt.config import Settings
from fmp_elt.errors import ConfigError
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.errors import FmpError
from fmp_elt.fmp.ratelimit import Limiter, RateLimiter
from fmp_elt.streams import STREAMS
from fmp_elt.streams.adjusted_reads import EVENT_REACH
from fmp_elt.streams.base import ExtractOptions, Failure, Held, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.symbols import SCREENED_EXCHANGE
from fmp_elt.warehouse.connection import connect
from fmp_elt.warehouse.cursors import (
    delisted_unfetched,
    departed,
    latest_events,
    load_cursors,
    mismatches_owed,
    universe,
)
from fmp_elt.warehouse.field_sets import FieldChange, record_field_sets
from fmp_elt.warehouse.landing import PreparedResult, RawLander
from fmp_elt.warehouse.rate_budget import SharedRateLimiter
from fmp_elt.warehouse.runlog import Execution

log = logging.getLogger("fmp_elt.streams")
SPARE_UNITS = 4
M_ARENA_MAX = -8  # glibc's mallopt parameter number


@dataclass
class ExtractSummary:
    stream: str
    units: int = 0
    rows_landed: int = 0
    records_failed: int = 0
    calls: int = 0
    retries: int = 0
    bytes: int = 0
    refetched: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    schema_changes: list[FieldChange] = field(default_factory=list)
    plan_gates: list[Failure] = field(default_factory=list)
    last_fetches: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "units": self.units,
            "rows_landed": self.rows_landed,
            "records_failed": self.records_failed,
            "calls": self.calls,
            "retries": self.retries,
            "bytes": self.bytes,
            "refetched": self.refetched,
            "repaired": self.repaired,
            "failed_symbols": [f.symbol for f in self.failures],
            "schema_changes": [c.as_dict() for c in self.schema_changes],
            "plan_gates": [f.symbol for f in self.plan_gates],
            "last_fetches": self.last_fetches,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def line(self) -> str:
        return (
            f"{self.stream}: {self.rows_landed:,} rows landed from {self.units:,} units in {self.elapsed_s:.1f}s;"
            f" {self.calls:,} calls, {self.retries:,} retries, {len(self.failures)} failed,"
            f" {self.records_failed} bad records, {len(self.refetched)} refetched"
        )


def in_shard(symbol: str, shard: tuple[int, int] | None) -> bool:
    """A stable split of symbols over n shards (1-based i), the same on every machine and run."""
    if shard is None:
        return True
    index, count = shard
    return zlib.crc32(symbol.encode()) % count == index - 1


def make_client(settings: Settings, retry: RetryPolicy | None = None, *, shared_budget: str | None = None) -> FmpClient:
    """A client under the in-process bucket, or under the key's budget in the warehouse at `shared_budget` (what
    shards use: their processes then draw on one limit together, whatever the split)."""
    key = settings.require_api_key()
    limiter: Limiter
    if shared_budget is None:
        limiter = RateLimiter(settings.rate_limit_per_minute)
    else:
        limiter = SharedRateLimiter(shared_budget, key, settings.rate_limit_per_minute)
    return FmpClient(settings.base_url, key, limiter, retry=retry)


def default_workers(settings: Settings) -> int:
    """Enough requests in flight to fill the plan at ~300 ms per call, and no more."""
    return max(2, min(32, settings.rate_limit_per_minute // 100 + 2))


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (it gives up to 8 per core to threads that contend for malloc, and seldom hands
    their free space back): with dozens of workers parsing large bodies, the extra arenas alone added ~40 MiB to
    a long backfill's RSS. A no-op where the C library is not glibc."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)


def extract_stream(
    settings: Settings,
    database_url: str,
    stream_name: str,
    options: ExtractOptions | None = None,
    *,
    run_id: str,
    execution: Execution | None = None,
    client: FmpClient | None = None,
    workers: int | None = None,
    batch_rows: int = 20_000,
    today: date | None = None,
    progress: bool = False,
) -> ExtractSummary:
    """Extract one stream into raw.*; per-symbol failures are recorded and counted, a refused key or an
    unreachable FMP stops all."""
    if stream_name not in STREAMS:
        raise ConfigError(f"unknown stream {stream_name!r}; choose from {', '.join(STREAMS)}")
    stream = STREAMS[stream_name]
    limit_malloc_arenas()
    options = options or ExtractOptions()
    # Shards share the key's budget through the warehouse; a lone process keeps the (cheaper) in-process bucket.
    own_client = client is None
    client = client or make_client(settings, shared_budget=database_url if options.shard else None)
    ctx = StreamContext(settings, options, today or clock.today())
    summary = ExtractSummary(stream_name)
    started = time.monotonic()
    conn = connect(database_url, application_name=f"fmp-elt:extract:{stream_name}")
    try:
        units, ctx, held = plan_units(conn, stream, ctx)
        summary.units = len(units)
        summary.last_fetches = sorted(held.departed)
        lander = RawLander(conn, run_id, batch_rows)
        with progress_bar(progress, len(units), f"extract {stream_name}") as advance:
            for prepared in fetch_all(stream, client, units, ctx, workers or default_workers(settings), lander.prepare):
                lander.add(prepared)
                tally(summary, prepared, execution)
                advance(1)
        lander.flush()
        summary.rows_landed = lander.rows_landed
        summary.schema_changes = record_field_sets(conn, run_id, lander.fields_seen)
        for change in summary.schema_changes:
            log.warning(
                "schema drift on %s: %s", change.endpoint, change.describe(), extra={"fields": change.as_dict()}
            )
    finally:
        conn.close()
        if own_client and isinstance(client.limiter, SharedRateLimiter):
            client.limiter.close()
        summary.elapsed_s = time.monotonic() - started
        stats = client.stats.as_dict()
        summary.calls, summary.retries, summary.bytes = stats["calls"], stats["retries"], stats["bytes"]
    return summary


def plan_units(conn: Any, stream: Stream[Any], base: StreamContext) -> tuple[list[Unit], StreamContext, Held]:
    """The units to fetch, the stream's context they are fetched in, and what the warehouse held for the plan.

    Without an explicit list, a per-symbol stream reads the latest universe (list streams need none); a stream
    with a last-fetch marker (prices) also fetches, once, each symbol that has left the screener since it last
    fetched it, and a stream with a delisted marker (prices, corporate actions) each company of the screened
    exchange that FMP lists as delisted within the plan's history window, until a fetch reaches its last day.
    """
    symbols = base.options.symbols or list(base.settings.symbols) or None
    marker = stream.last_fetch_marker
    delisted_marker = stream.delisted_marker
    per_symbol = any(dataset.per_symbol for dataset in stream.datasets)
    held = Held()
    if per_symbol and not symbols:
        symbols = universe(conn)
        listed = set(symbols)
        owed = [s for s in departed(conn, marker) if s not in listed] if marker is not None else []
        if delisted_marker is not None:
            owed += [s for s in delisted_backfill(conn, base, delisted_marker) if s not in listed and s not in owed]
        if marker is not None:
            held = replace(held, departed=frozenset(s for s in owed if in_shard(s, base.options.shard)))
        symbols += owed
        if not symbols:
            raise ConfigError("no symbols known yet: run `fmp-elt extract symbols` first, or pass --symbols")
    symbols = [s for s in symbols or [] if in_shard(s, base.options.shard)]
    if stream.reads_events:
        held = replace(held, events=latest_events(conn, base.today - EVENT_REACH, base.today))
    if stream.mismatch_reread_marker is not None:
        held = replace(held, mismatched=mismatches_owed(conn, stream.mismatch_reread_marker))
    ctx = stream.context(base, held)
    cursors = load_cursors(conn, stream.cursor_streams)
    return list(stream.units(symbols, cursors, ctx)), ctx, held


def delisted_backfill(conn: Any, ctx: StreamContext, marker: str) -> list[str]:
    """The screened exchange's companies FMP lists as delisted within the plan's history window that `marker`
    has not yet fetched up to their last trading day: the backfill is survivorship-free, and each is fetched
    once (a failed fetch is recorded and owed again)."""
    since = ctx.today - timedelta(days=round(365.25 * ctx.settings.plan.history_years))
    return delisted_unfetched(conn, marker, SCREENED_EXCHANGE, since)


def fetch_all(
    stream: Stream[Any],
    client: FmpClient,
    units: list[Unit],
    ctx: StreamContext,
    workers: int,
    prepare: Callable[[UnitResult], PreparedResult],
) -> Iterator[PreparedResult]:
    """Fetch units concurrently with a bounded number in flight, yielding results as they complete.

    Each worker also `prepare`s its result (encodes the records for COPY), so the results waiting while the
    calling thread lands a batch hold bytes, not the much larger parsed records.
    A result may hand back follow-up units (a bulk day that found a split): they join the queue.
    """
    pending: set[Future[PreparedResult]] = set()
    queue = deque(units)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fmp") as pool:
        try:
            while queue or pending:
                # A few more units than workers: the spare ones keep the workers busy while this thread lands a
                # batch, and no more wait than that (results waiting in memory are what a backfill's RSS grows by).
                while queue and len(pending) < workers + SPARE_UNITS:
                    pending.add(pool.submit(fetch_prepared, stream, client, queue.popleft(), ctx, prepare))
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    prepared = future.result()
                    queue.extend(prepared.result.follow_ups)
                    yield prepared
        finally:
            for future in pending:
                future.cancel()


def fetch_prepared(
    stream: Stream[Any],
    client: FmpClient,
    unit: Unit,
    ctx: StreamContext,
    prepare: Callable[[UnitResult], PreparedResult],
) -> PreparedResult:
    return prepare(fetch_one(stream, client, unit, ctx))


def fetch_one(stream: Stream[Any], client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
    """One unit; an FMP error for this unit becomes a recorded failure, one that stops the run (a refused key,
    an FMP that never answered) propagates."""
    try:
        result = stream.fetch(client, unit, ctx)
    except FmpError as exc:
        if exc.stops_run:
            raise
        log.warning("%s %s failed: %s", stream.name, unit.key, exc)
        return UnitResult(failures=[Failure(stream.name, unit.key, str(exc), exc.reason, exc.status)])
    if not any(f.stream == stream.name and f.symbol == unit.key for f in result.failures):
        result.settled.append((stream.name, unit.key))
    return result


def tally(summary: ExtractSummary, prepared: PreparedResult, execution: Execution | None) -> None:
    result = prepared.result
    summary.records_failed += result.records_failed
    summary.failures.extend(result.failures)
    summary.plan_gates.extend(result.plan_gates)
    for gate in result.plan_gates:
        log.warning("%s: %s is not in the plan (%s); kept what was read", gate.stream, gate.symbol, gate.reason)
    summary.refetched.extend(c.symbol for c in result.cursors if c.refetched)
    summary.repaired.extend(result.repaired)
    for c in result.cursors:
        if c.refetched:
            log.info("%s history of %s changed: refetched in full", c.stream, c.symbol)
    for symbol in result.repaired:
        log.warning("dividend-adjusted history of %s changed with no split or dividend in the calendars", symbol)
    if execution is not None:
        execution.count(processed=prepared.rows, failed=result.records_failed + len(result.failures))


@contextmanager
def progress_bar(enabled: bool, length: int, label: str) -> Iterator[Any]:
    # On a terminal only: elsewhere click prints the label alone, a stray line before any error.
    if not enabled or length < 2 or not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update
