"""`fmp-elt logs`: the structured run log (etl.logs), filtered by job, level or run, oldest line last."""

from __future__ import annotations

import json

import click

from fmp_elt.config import Settings
from fmp_elt.redaction import redact
from fmp_elt.warehouse.connection import connect, database_url
from fmp_elt.warehouse.runlog import LEVELS
from fmp_elt.warehouse.schema import ensure_schema

MAX_PAGE = 1_000_000  # the API's bound: a page beyond it is a usage error, not a query that overflows
# Shown on the line itself; the rest of a line's metadata only with --full.
SHORT_KEYS = 80


@click.command("logs")
@click.option("--job", help="Only this job's lines.")
@click.option("--level", type=click.Choice(LEVELS, case_sensitive=False), help="Only lines of this level.")
@click.option("--run", "run_id", help="Only this run: its id (as `fmp-elt runs` prints it) or its first characters.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@click.option("--page", type=click.IntRange(1, MAX_PAGE), default=1, show_default=True, help="1 = the newest lines.")
@click.option("--full", is_flag=True, help="Print each line's whole metadata (tracebacks too).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's /api/etl/logs answer instead.")
def command(
    job: str | None, level: str | None, run_id: str | None, limit: int, page: int, full: bool, as_json: bool
) -> None:
    """Show log lines of the pipeline's runs (each with its run id), newest page first, each page in time order."""
    from fmp_elt.status import queries, runs

    url = database_url(Settings.from_env())
    ensure_schema(url)
    conn = connect(url)
    try:
        if run_id:
            run_id = runs.resolve(conn, run_id)
        answer = queries.logs(
            conn, job=job, level=level.upper() if level else None, run_id=run_id, limit=limit, page=page
        )
    finally:
        conn.close()
    if as_json:
        click.echo(redact(answer.model_dump_json(indent=2)))
        return
    for line in reversed(answer.logs):
        meta = dict(line.metadata)
        name = meta.pop("job", "-")
        run = meta.pop("runId", None) or "-"
        extra = json.dumps(meta, default=str, separators=(",", ":")) if meta else ""
        if not full and len(extra) > SHORT_KEYS:
            extra = extra[: SHORT_KEYS - 3] + "..."
        text = f"{line.timestamp:%Y-%m-%d %H:%M:%S} {line.level:<8} {name:<10} {run} {line.message}  {extra}"
        click.echo(redact(text).rstrip())
    shown = len(answer.logs)
    total = answer.pagination.total
    click.echo(f"-- {shown} of {total} lines (page {page}, {limit} per page)", err=True)
