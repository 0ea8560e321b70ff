"""`fmp-elt runs`: recent runs, one line each; `fmp-elt runs show ID`: one run's jobs, errors, rows and alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from fmp_elt.cli.status import format_table, when
from fmp_elt.config import Settings
from fmp_elt.warehouse.connection import connect, database_url
from fmp_elt.warehouse.schema import ensure_schema

if TYPE_CHECKING:
    from psycopg2.extensions import connection as Connection

    from fmp_elt.status import models

RUN_HEADERS = ["run", "status", "started", "took", "jobs", "records", "failed", "problem"]
JOB_HEADERS = ["job", "status", "started", "took", "records", "failed", "error"]


@contextmanager
def warehouse() -> Iterator[Connection]:
    url = database_url(Settings.from_env())
    ensure_schema(url)
    conn = connect(url)
    try:
        yield conn
    finally:
        conn.close()


@click.group("runs", invoke_without_command=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.pass_context
def command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Recent runs, newest first: id, verdict, start, duration, jobs, records and what went wrong."""
    if ctx.invoked_subcommand is not None:
        return
    from fmp_elt.status import runs

    with warehouse() as conn:
        found = runs.recent(conn, limit=limit)
    if as_json:
        click.echo("[" + ",\n".join(run.model_dump_json(indent=2) for run in found) + "]")
        return
    if not found:
        click.echo("no run yet (`fmp-elt run` or `fmp-elt demo` starts one)")
        return
    click.echo(format_table(RUN_HEADERS, [run_row(run) for run in found]))


def took(seconds: float | None) -> str | None:
    return None if seconds is None else f"{seconds:.1f}s"


def run_row(run: models.RunSummary) -> list[object]:
    problems = [f"{name} failed" for name in run.failed_jobs] + [f"{name} skipped" for name in run.skipped_jobs]
    return [
        run.run_id,
        run.status,
        when(run.start_time),
        took(run.duration_seconds),
        run.jobs,
        run.records_processed,
        run.records_failed,
        ", ".join(problems),
    ]


@command.command("show")
@click.argument("run_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
def show(run_id: str, as_json: bool) -> None:
    """One run (its id, or the first characters of it): its jobs, error lines, rows and alerts."""
    from fmp_elt.status import runs

    with warehouse() as conn:
        found = runs.detail(conn, runs.resolve(conn, run_id))
    if as_json:
        click.echo(found.model_dump_json(indent=2))
        return
    emit = click.echo
    run = found.run
    emit(
        f"run {run.run_id}: {run.status}, started {when(run.start_time)}, took {took(run.duration_seconds) or '-'},"
        f" {run.records_processed:,} records, {run.records_failed:,} failed"
    )
    emit("\n" + format_table(JOB_HEADERS, [job_row(execution) for execution in found.executions]))
    section(emit, "errors", [f"{line.timestamp:%H:%M:%S} {line.level} {line.message}" for line in found.errors])
    alerts = [f"{alert.kind} ({alert.status}): {alert.subject}" for alert in found.alerts]
    section(emit, "alerts", alerts)
    emit(f"\nevery line of this run: fmp-elt logs --run {run.run_id}")


def section(emit: Callable[[str], None], title: str, lines: list[str]) -> None:
    emit(f"\n{title}: {'none' if not lines else len(lines)}")
    for line in lines:
        emit(f"  {line}")


def job_row(execution: models.Execution) -> list[object]:
    skipped = execution.metadata.get("skipped") is True
    return [
        execution.job_name,
        "skipped" if skipped else execution.status,
        when(execution.start_time),
        took(execution.duration_seconds),
        execution.records_processed,
        execution.records_failed,
        (execution.error_message or "")[:100],
    ]
