"""`fmp-elt status`: overall health, each job's last and next run, quality and freshness, in the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from fmp_elt import clock
from fmp_elt.config import Settings
from fmp_elt.warehouse.connection import connect, database_url
from fmp_elt.warehouse.schema import ensure_schema

if TYPE_CHECKING:
    from fmp_elt.status import models


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned columns as wide as their widest cell."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells)


def when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else "-"


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the API's /api/etl/status answer instead.")
def command(as_json: bool) -> None:
    """Overall status, jobs (last run, next run), latest data quality and freshness."""
    from fmp_elt.job_config import load_jobs
    from fmp_elt.status import anomalies, queries

    jobs = load_jobs()
    url = database_url(Settings.from_env())
    ensure_schema(url)
    conn = connect(url)
    try:
        now = clock.now()
        status = queries.status(conn, jobs, now)
        if as_json:
            click.echo(status.model_dump_json(indent=2))
            return
        latest = queries.latest_executions(conn)
        checks = queries.latest_quality(conn)
        tables = queries.freshness(conn, jobs, now)
        found = anomalies.price_anomalies(conn, limit=ANOMALIES_SHOWN)
    finally:
        conn.close()
    click.echo(
        f"overall: {status.overall_status}   last execution: {when(status.last_execution)}"
        f"   next: {when(status.next_execution)}\n"
    )
    click.echo(format_table(JOB_HEADERS, [job_row(job, latest.get(job.name)) for job in status.jobs]))
    if checks:
        click.echo("\n" + format_table(QUALITY_HEADERS, [quality_row(check) for check in checks]))
    if tables:
        click.echo("\n" + format_table(FRESHNESS_HEADERS, [freshness_row(table) for table in tables]))
    if found.total:
        kinds = ", ".join(f"{kind} {count}" for kind, count in found.by_kind.items())
        click.echo(f"\nprice anomalies: {found.total} ({kinds}); the newest:")
        rows = [[a.price_date, a.symbol, a.anomaly, a.detail] for a in found.anomalies]
        click.echo(format_table(ANOMALY_HEADERS, rows))


JOB_HEADERS = ["job", "status", "last run", "took", "records", "failed", "next run", "error"]
QUALITY_HEADERS = ["dataset", "checked", "passed", "invalid", "duplicates", "fresh", "verdict"]
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
    return [c.dataset, when(c.checked_at), passed, c.invalid_records, c.duplicate_records, c.is_fresh, verdict]


def freshness_row(t: models.TableFreshness) -> list[Any]:
    return [t.table, when(t.last_updated), t.age_hours, t.lag_hours, t.is_fresh]
