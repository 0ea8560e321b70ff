"""`fmp-elt status`: overall health, each job's last and next run, quality and freshness, and the operational
metrics (success rate, throughput, availability, FMP usage against the plan's cap, schema changes), in the terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from fmp_elt import clock
from fmp_elt.cli.tables import format_table, when
from fmp_elt.config import Settings
from fmp_elt.warehouse.connection import connect, database_url
from fmp_elt.warehouse.schema import reading_warehouse

if TYPE_CHECKING:
    from fmp_elt.status import models, universe


@click.command("status")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the API's /api/etl/status answer, with the run ids, instead."
)
@click.option(
    "--check", is_flag=True, help="Exit 1 when the verdict is degraded or failed or the schedule is stale (monitors)."
)
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month"]),
    default="day",
    show_default=True,
    help="day: the status; week: performance over the last 7 days (durations, rows, on time); month: cost and"
    " usage over the last 30 (FMP calls and bandwidth against the plan, runner minutes).",
)
def command(as_json: bool, check: bool, period: str) -> None:
    """Overall status, jobs (last run, its run id, next run), latest data quality and freshness; or the week's
    performance, or the month's cost and usage (--period)."""
    if period != "day":
        from fmp_elt.cli.status_periods import show_period

        show_period(period, as_json)
        if not check:
            return
        status = current_status()
    else:
        status = show(as_json)
    stale = status.schedule is not None and status.schedule.stale
    if check and (status.overall_status != "healthy" or stale):
        click.echo(f"status: {status.overall_status}{', schedule stale' if stale else ''}", err=True)
        sys.exit(1)  # not click's Exit: the entry point runs click outside standalone mode, which returns it


def current_status() -> models.StatusWithRuns:
    """The status, not printed (for --check beside another period's view)."""
    from fmp_elt.job_config import load_jobs
    from fmp_elt.status import runs

    url = database_url(Settings.from_env())
    conn = connect(url)
    try:
        return runs.status_with_runs(conn, load_jobs(), clock.now())
    finally:
        conn.close()


def show(as_json: bool) -> models.StatusWithRuns:
    """Print the status (as JSON or as text) and return it."""
    from fmp_elt.job_config import load_jobs
    from fmp_elt.status import anomalies, coverage, queries, runs, schedule, universe

    jobs = load_jobs()
    with reading_warehouse() as (settings, conn):
        now = clock.now()
        status = runs.status_with_runs(conn, jobs, now)
        history = coverage.coverage(conn, settings.plan.history_years, clock.today())
        if as_json:
            shown = coverage.StatusWithCoverage(**status.model_dump(by_alias=False), coverage=history)
            click.echo(shown.model_dump_json(indent=2))
            return status
        latest = queries.latest_executions(conn)
        checks = queries.latest_quality(conn)
        tables = queries.freshness(conn, jobs, now)
        operations = queries.metrics(conn, jobs, settings.plan, now)
        listing = universe.universe(conn)
        found = anomalies.price_anomalies(conn, limit=ANOMALIES_SHOWN)
    click.echo(
        f"overall: {status.overall_status}   last execution: {when(status.last_execution)}"
        f"   next: {when(status.next_execution)}   last run: {status.last_run_id or '-'}\n"
    )
    if status.schedule is not None:
        click.echo(schedule.describe(status.schedule, now) + "\n")
    reliability = {metrics.name: metrics for metrics in operations.jobs}
    rows = [with_reliability(job_row(job, latest.get(job.name)), reliability[job.name]) for job in status.jobs]
    rows = [[*row[:2], runs.short(job.run_id), *row[2:]] for row, job in zip(rows, status.jobs, strict=True)]
    headers = [*JOB_HEADERS[:2], "run", *JOB_HEADERS[2:-1], *OPERATIONS_HEADERS[1:], JOB_HEADERS[-1]]
    click.echo(format_table(headers, rows))
    if checks:
        click.echo("\n" + format_table(QUALITY_HEADERS, [quality_row(check) for check in checks]))
    if tables:
        click.echo("\n" + format_table(FRESHNESS_HEADERS, [freshness_row(table) for table in tables]))
    click.echo("\n" + operations_text(operations))
    if listing.latest_run is not None:
        click.echo("\n" + universe_lines(listing))
    if history.securities:
        click.echo("\n" + coverage.describe(history))
    if found.total:
        kinds = ", ".join(f"{kind} {count}" for kind, count in found.by_kind.items())
        click.echo(f"\nprice anomalies: {found.total} ({kinds}); the newest:")
        rows = [[a.price_date, a.symbol, a.anomaly, a.detail] for a in found.anomalies]
        click.echo(format_table(ANOMALY_HEADERS, rows))
    return status


def universe_lines(listing: universe.UniverseResponse, shown: int = 10) -> str:
    """The universe's size, how it moved, and what the latest screener run added and removed."""

    def some(symbols: list[str]) -> str:
        more = f" and {len(symbols) - shown} more" if len(symbols) > shown else ""
        return (", ".join(symbols[:shown]) + more) if symbols else "none"

    sizes = [point.symbols for point in listing.history]
    span = f" (from {sizes[0]:,} to {sizes[-1]:,} over {len(sizes)} changes)" if len(sizes) > 1 else ""
    return (
        f"universe: {listing.size:,} symbols at the screener run of {when(listing.latest_run)}{span}\n"
        f"  added:   {some(listing.added)}\n"
        f"  removed: {some(listing.removed)}"
    )


JOB_HEADERS = ["job", "status", "last run", "took", "records", "failed", "next run", "error"]
QUALITY_HEADERS = ["dataset", "checked", "passed", "invalid", "duplicates", "restated", "fresh", "verdict"]
FRESHNESS_HEADERS = ["table", "updated", "age (h)", "lag (h)", "fresh"]
ANOMALY_HEADERS = ["day", "symbol", "anomaly", "detail"]
ANOMALIES_SHOWN = 10


def job_row(job: models.JobStatus, run: models.Execution | None) -> list[Any]:
    if run is None:
        return [job.name, "never ran", "-", None, None, None, when(job.next_run), ""]
    took = f"{run.duration_seconds:.1f}s" if run.duration_seconds is not None else None
    error = (run.error_message or "")[:80]
    return [
        job.name,
        job.status,
        when(job.last_run),
        took,
        run.records_processed,
        run.records_failed,
        when(job.next_run),
        error,
    ]


def quality_row(c: models.QualityCheck) -> list[Any]:
    passed = f"{c.success_percent:.1f}%" if c.success_percent is not None else None
    verdict = "CRITICAL" if c.critical_failed else "warning" if c.success is False else "ok"
    return [
        c.dataset,
        when(c.checked_at),
        passed,
        c.invalid_records,
        c.duplicate_records,
        c.restated_records,
        c.is_fresh,
        verdict,
    ]


def freshness_row(t: models.TableFreshness) -> list[Any]:
    return [t.table, when(t.last_updated), t.age_hours, t.lag_hours, t.is_fresh]


# ---- operational metrics ----------------------------------------------------------------------------------
OPERATIONS_HEADERS = ["job", "runs", "success", "rows/s", "calls/run", "completed", "on time"]


def operations_text(ops: models.MetricsResponse) -> str:
    """What the reliability columns cover, FMP usage and the latest schema changes."""
    from fmp_elt.status.usage import describe, human_bytes
    from fmp_elt.warehouse.field_sets import describe_change

    per_run = "-" if ops.usage.calls_per_run is None else f"{ops.usage.calls_per_run:,.1f}"

    lines = [
        f"runs, success, rows/s, calls/run: the latest {ops.recent_runs} runs per job; completed and on time: the"
        f" schedule's fires in the last {ops.availability_window_days} days (on time: completed within"
        f" {ops.on_time_minutes} min of the fire)",
        f"FMP usage: {describe(ops.usage)}",
        f"  calls: {ops.usage.calls_in_window:,} in {ops.usage.window_days} days, {ops.usage.calls_per_day:,.1f} a day,"
        f" {per_run} per run",
    ]
    for day in ops.usage.days[-7:]:
        lines.append(f"  {day.date}  {day.runs} run(s)  {day.calls:,} calls  {human_bytes(day.bytes)}")
    for change in ops.schema_changes[:10]:
        what = describe_change(change.added, change.dropped)
        lines.append(f"schema change: {change.endpoint}: {what} ({when(change.detected_at)})")
    return "\n".join(lines)


def with_reliability(row: list[Any], job: models.JobMetrics) -> list[Any]:
    """A jobs-table row with the reliability columns before its last one (the error, which runs long)."""
    return [*row[:-1], *operations_row(job)[1:], row[-1]]


def operations_row(job: models.JobMetrics) -> list[Any]:
    share = job.availability
    return [
        job.name,
        job.runs,
        "-" if job.success_rate is None else f"{100 * job.success_rate:.1f}%",
        job.rows_per_second,
        job.calls_per_run,
        f"{share.completed}/{share.scheduled}" if share.scheduled else None,
        f"{share.on_time}/{share.scheduled}" if share.scheduled else None,
    ]
