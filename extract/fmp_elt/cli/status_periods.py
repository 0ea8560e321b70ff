"""`fmp-elt status --period week|month`: the week's performance and the month's cost and usage, as text or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from fmp_elt import clock
from fmp_elt.cli.tables import format_table, when
from fmp_elt.warehouse.schema import reading_warehouse

if TYPE_CHECKING:
    from fmp_elt.status import periods

WEEK_HEADERS = ["job", "runs", "completed", "failed", "skipped", "mean", "longest", "rows", "fires", "on time"]


def show_period(period: str, as_json: bool) -> None:
    from fmp_elt.job_config import load_jobs
    from fmp_elt.status import periods, queries

    with reading_warehouse() as (settings, conn):
        now = clock.now()
        view: periods.WeekView | periods.MonthView
        if period == "week":
            view = periods.week_view(conn, load_jobs(), now)
        else:
            view = periods.month_view(conn, queries.plan_in_use(conn, settings.plan), now)
    if as_json:
        click.echo(view.model_dump_json(indent=2))
    elif isinstance(view, periods.WeekView):
        click.echo(week_text(view))
    else:
        click.echo(month_text(view))


def seconds(value: float | None) -> str | None:
    return None if value is None else f"{value:,.1f}s"


def share(part: int, whole: int) -> str | None:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else None


def week_text(view: periods.WeekView) -> str:
    rows: list[list[Any]] = [
        [
            job.name,
            job.runs,
            job.completed,
            job.failed,
            job.skipped,
            seconds(job.mean_duration_seconds),
            seconds(job.max_duration_seconds),
            f"{job.rows:,}",
            share(job.availability.completed, job.availability.scheduled),
            share(job.availability.on_time, job.availability.scheduled),
        ]
        for job in view.jobs
    ]
    total = view.availability
    return "\n".join(
        [
            f"week: {when(view.start)} to {when(view.end)}, {view.runs} run(s)",
            "",
            format_table(WEEK_HEADERS, rows),
            "",
            f"the schedule's fires of the week: {total.completed}/{total.scheduled} completed,"
            f" {total.on_time}/{total.scheduled} on time (a market holiday's fire is owed nothing)",
        ]
    )


def month_text(view: periods.MonthView) -> str:
    from fmp_elt.status.usage import human_bytes

    if view.bandwidth_cap_bytes is None:
        bandwidth = f"{human_bytes(view.bytes)} (the {view.plan} plan has no known bandwidth cap)"
    else:
        bandwidth = (
            f"{human_bytes(view.bytes)} of {human_bytes(view.bandwidth_cap_bytes)}"
            f" ({view.used_percent:.1f}% of the {view.plan} plan's cap)"
        )
    limit = "no per-minute limit" if view.calls_per_minute_limit is None else f"{view.calls_per_minute_limit:,}/min"
    pace = "-" if view.busiest_run_calls_per_minute is None else f"{view.busiest_run_calls_per_minute:,.1f}/min"
    return "\n".join(
        [
            f"month: {when(view.start)} to {when(view.end)}, {view.runs} run(s)",
            f"FMP calls: {view.calls:,}; the busiest run {pace} against the plan's {limit}",
            f"FMP bandwidth: {bandwidth}",
            f"runner minutes: {view.runner_seconds / 60:,.1f} in the runs, {view.runner_minutes_billed:,} billed"
            f" (each run rounded up to a minute; GitHub Free includes {view.private_free_minutes:,} a month for a"
            " private repository, public ones are free)",
        ]
    )
