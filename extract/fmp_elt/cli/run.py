"""`fmp-elt run`: the due jobs (or `--jobs`) in dependency order, with timeouts, retries and alerts.

Exit codes: 0 every job completed, 1 a job failed (or was skipped because one did), 2 bad usage or
configuration, or another run holds the run lock (without --wait).
"""

from __future__ import annotations

import signal
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from fmp_elt.cli.options import check_range, finite, from_option, full_refresh_option, symbols_option, to_option
from fmp_elt.cli.status import format_table
from fmp_elt.config import Settings
from fmp_elt.errors import ConfigError
from fmp_elt.redaction import redact
from fmp_elt.warehouse.connection import database_url

if TYPE_CHECKING:
    from fmp_elt.orchestration.report import JobOutcome


def _job_names(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise ConfigError("--jobs is empty; name jobs from jobs.yml, e.g. --jobs prices,transform")
    return names


@click.command("run")
@click.option("--jobs", "job_names", callback=_job_names, help="Comma-separated jobs to run (default: the due ones).")
@symbols_option
@from_option
@to_option
@full_refresh_option
@click.option("--wait", is_flag=True, help="Wait for a run in progress to finish instead of exiting with code 2.")
@click.option(
    "--retry-delay",
    type=click.FloatRange(0),
    callback=finite,
    default=10.0,
    show_default=True,
    help="Seconds before the first retry of a failed attempt; doubles for each further retry.",
)
def command(
    job_names: list[str] | None,
    symbols: list[str] | None,
    date_from: date | None,
    date_to: date | None,
    full_refresh: bool,
    wait: bool,
    retry_delay: float,
) -> None:
    """Run the pipeline's jobs: extract (symbols, prices, ratios), transform (dbt), quality (GX), site."""
    from fmp_elt.job_config import load_jobs, select
    from fmp_elt.orchestration import runner
    from fmp_elt.orchestration.alerts import channels_from_env
    from fmp_elt.orchestration.job_context import RunOptions

    check_range(date_from, date_to)
    jobs = load_jobs()
    if job_names:
        select(jobs, job_names)  # unknown names: one line, exit 2, before anything starts
    channels_from_env()  # a half-configured alert channel is a configuration error, found now
    url = database_url(Settings.from_env())
    options = RunOptions(tuple(symbols) if symbols else None, date_from, date_to, full_refresh)
    signal.signal(signal.SIGTERM, runner.exit_on_term)  # a cancelled run stops its job's processes, records it
    report = runner.run(
        url,
        jobs,
        job_names,
        options,
        wait=wait,
        retry_delay=retry_delay,
        progress=lambda line: click.echo(redact(line), err=True),
    )
    if report.outcomes:
        click.echo(redact(format_table(HEADERS, [_row(outcome) for outcome in report.outcomes])))
    click.echo(f"run {report.run_id}: {'ok' if report.ok else 'FAILED'}  (details: fmp-elt logs --run {report.run_id})")
    if not report.ok:
        raise SystemExit(1)


HEADERS = ["job", "status", "attempts", "seconds", "records", "failed", "error"]


def _row(outcome: JobOutcome) -> list[Any]:
    return [
        outcome.name,
        outcome.status,
        outcome.attempts,
        f"{outcome.seconds:.1f}",
        outcome.records_processed,
        outcome.records_failed,
        (outcome.error or "")[:100],
    ]
