"""FMP usage from the run log: calls and bytes per run and per day, the trailing-30-day bandwidth against the
plan's cap, and when the cap would be reached at the current rate.

Every execution that called FMP records `calls` and `bytes` (the response bodies the client read) in its
metadata, at the top level or, for a job of several streams, per stream under `streams`. Usage counts at the
execution's start. FMP cuts a key off past its cap over a trailing 30 days, so what was used leaves the window
30 days later; the forecast steps ahead hour by hour, with bytes arriving at the current rate (the average per
day over the last 7 days, or over the part of them the run log covers, at least one day) while old ones age out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from psycopg2.extensions import connection as Connection

from fmp_elt.config import Plan
from fmp_elt.status import models

WINDOW = timedelta(days=30)  # FMP's bandwidth window
RATE_WINDOW = timedelta(days=7)
ALERT_AT_PERCENT = 80.0
RECENT_RUNS = 20

UsageRow = tuple[str, datetime, int, int]  # run id, start, calls, bytes


def metadata_total(key: str) -> str:
    """SQL: an execution's `key` figure, from its metadata or summed over its streams' (0 when absent)."""
    streams = "case when jsonb_typeof(metadata->'streams') = 'object' then metadata->'streams' else '{}' end"
    return (
        f"coalesce((metadata->>'{key}')::numeric,"
        f" (select sum((s.value->>'{key}')::numeric) from jsonb_each({streams}) s), 0)::bigint"
    )


USAGE_ROWS = (
    f"select run_id::text, start_time, {metadata_total('calls')} as calls, {metadata_total('bytes')} as bytes"
    " from etl.executions"
)


def execution_usage(conn: Connection, since: datetime) -> list[UsageRow]:
    """(run id, start, calls, bytes) of every execution since `since` that called FMP, oldest first."""
    with conn.cursor() as cur:
        cur.execute(
            f"select * from ({USAGE_ROWS} where start_time > %s) u where calls > 0 or bytes > 0 order by start_time",
            (since,),
        )
        return [(run, start, int(calls), int(size)) for run, start, calls, size in cur.fetchall()]


def totals(conn: Connection) -> tuple[int, int]:
    """(calls, bytes) over the whole run log: the counters /metrics exposes."""
    with conn.cursor() as cur:
        cur.execute(f"select coalesce(sum(calls), 0), coalesce(sum(bytes), 0) from ({USAGE_ROWS}) u")
        calls, size = cur.fetchone()
        return int(calls), int(size)


def fmp_usage(conn: Connection, plan: Plan, now: datetime) -> models.FmpUsage:
    rows = execution_usage(conn, now - WINDOW)
    used = sum(size for *_, size in rows)
    cap = plan.bandwidth_cap_bytes
    rate_bytes, rate_calls = current_rate(conn, rows, now)
    runs = runs_usage(rows)
    return models.FmpUsage(
        plan=plan.name,
        window_days=WINDOW.days,
        bandwidth_cap_bytes=cap,
        bytes_in_window=used,
        calls_in_window=sum(calls for _run, _start, calls, _size in rows),
        used_percent=None if not cap else round(100.0 * used / cap, 3),
        alert_at_percent=ALERT_AT_PERCENT,
        bytes_per_day=round(rate_bytes, 1),
        calls_per_day=round(rate_calls, 2),
        calls_per_run=round(sum(r.calls for r in runs) / len(runs), 2) if runs else None,
        cap_reached_at=None if not cap else cap_reached_at([(s, b) for _r, s, _c, b in rows], cap, rate_bytes, now),
        days=daily_usage(rows, now),
        runs=sorted(runs, key=lambda r: r.started_at, reverse=True)[:RECENT_RUNS],
    )


def current_rate(conn: Connection, rows: Sequence[UsageRow], now: datetime) -> tuple[float, float]:
    """(bytes, calls) per day over the last 7 days, or over the part of them since the run log began."""
    with conn.cursor() as cur:
        cur.execute("select min(start_time) from etl.executions")
        first = cur.fetchone()[0]
    if first is None:
        return 0.0, 0.0
    span = min(RATE_WINDOW, max(now - first, timedelta(days=1)))
    recent = [(calls, size) for _run, start, calls, size in rows if start > now - span]
    days = span / timedelta(days=1)
    return sum(size for _c, size in recent) / days, sum(calls for calls, _s in recent) / days


def cap_reached_at(
    events: Sequence[tuple[datetime, int]], cap: int, bytes_per_day: float, now: datetime
) -> datetime | None:
    """The first hour at which the trailing window holds `cap` bytes, given the window's `events` (start,
    bytes): they age out of it 30 days after they happened, new use arrives at `bytes_per_day`. After one whole
    window only the rate counts, so looking further is moot."""
    events = sorted(events)
    held = sum(size for _start, size in events)
    if held >= cap:
        return now
    if bytes_per_day <= 0:
        return None
    aged = 0  # bytes of `events` that have left the window so far
    index = 0
    for hour in range(1, int(WINDOW / timedelta(hours=1)) + 1):
        moment = now + timedelta(hours=hour)
        while index < len(events) and events[index][0] <= moment - WINDOW:
            aged += events[index][1]
            index += 1
        if held - aged + bytes_per_day * hour / 24 >= cap:
            return moment
    return None


def runs_usage(rows: Sequence[UsageRow]) -> list[models.RunUsage]:
    """Per run (all its executions): when it started, its calls and bytes."""
    runs: dict[str, models.RunUsage] = {}
    for run, start, calls, size in rows:
        if run in runs:
            seen = runs[run]
            runs[run] = models.RunUsage(
                run_id=run, started_at=min(seen.started_at, start), calls=seen.calls + calls, bytes=seen.bytes + size
            )
        else:
            runs[run] = models.RunUsage(run_id=run, started_at=start, calls=calls, bytes=size)
    return list(runs.values())


def daily_usage(rows: Sequence[UsageRow], now: datetime) -> list[models.DailyUsage]:
    """Every UTC day of the window (today included), oldest first, with the runs, calls and bytes it saw."""
    today = now.date()
    first = today - timedelta(days=WINDOW.days - 1)
    days: dict[date, tuple[set[str], int, int]] = {first + timedelta(days=i): (set(), 0, 0) for i in range(WINDOW.days)}
    for run, start, calls, size in rows:
        day = start.astimezone(now.tzinfo).date()
        if day in days:
            seen, day_calls, day_bytes = days[day]
            days[day] = (seen | {run}, day_calls + calls, day_bytes + size)
    return [
        models.DailyUsage(date=day, runs=len(seen), calls=calls, bytes=size)
        for day, (seen, calls, size) in sorted(days.items())
    ]


def human_bytes(size: float) -> str:
    """Decimal units, as FMP states its caps: 17.2 GB, 950.0 kB."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(size) < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def describe(usage: models.FmpUsage) -> str:
    """One line: the window's bytes against the cap, the rate, and the forecast."""
    used = human_bytes(usage.bytes_in_window)
    if usage.bandwidth_cap_bytes is None:
        return f"{used} in the trailing {usage.window_days} days ({usage.plan} plan: no known bandwidth cap)"
    line = (
        f"{used} of {human_bytes(usage.bandwidth_cap_bytes)} in the trailing {usage.window_days} days"
        f" ({usage.used_percent:.1f}%, {usage.plan} plan); {human_bytes(usage.bytes_per_day)} a day"
    )
    if usage.cap_reached_at is None:
        return line + ": the cap is not reached at this rate"
    return line + f": the cap is reached about {usage.cap_reached_at:%Y-%m-%d %H:%M} UTC at this rate"
