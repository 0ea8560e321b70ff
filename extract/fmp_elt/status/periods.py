"""The pipeline reviewed by period: the week's performance and the month's cost and usage (the day's view is the
status itself). Periods are trailing, ending now: a week is the last 7 days, a month the last 30 (FMP's own
bandwidth window), so a review on any day compares like with like.

- Week, per job: its executions that started in the week (completed, failed, skipped), their mean and longest
  duration, the rows the completed ones processed, and the schedule's fires of the week answered and answered
  on time (as `reliability` counts them: a market holiday's fire is owed nothing).
- Month: FMP calls and bytes against the plan (its trailing-30-day bandwidth cap; the busiest run's calls per
  minute against its rate limit), and the runner minutes the scheduled workflow used: a run is one workflow job,
  from its first execution's start to its last one's end, and GitHub bills each job rounded up to the minute
  (the install and upload steps around `fmp-elt run` are not in the run log, so this is a floor).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Literal

from psycopg2.extensions import connection as Connection

from fmp_elt.config import Plan
from fmp_elt.job_config import JobConfig
from fmp_elt.status import models, reliability
from fmp_elt.status.usage import metadata_total

Period = Literal["day", "week", "month"]
WEEK = timedelta(days=7)
MONTH = timedelta(days=30)
# GitHub Free's Actions minutes a month for private repositories (public ones use standard runners for free)
PRIVATE_FREE_MINUTES = 2000


class JobWeek(models.ApiModel):
    name: str
    runs: int  # executions that did the job's work (skipped ones excluded)
    completed: int
    failed: int
    skipped: int  # not run because an upstream job failed
    mean_duration_seconds: float | None  # of the completed executions
    max_duration_seconds: float | None
    rows: int  # records processed by the completed executions
    availability: models.Availability  # the week's fires


class WeekView(models.ApiModel):
    start: datetime
    end: datetime
    runs: int  # distinct runs (`fmp-elt run` invocations) that started in the week
    jobs: list[JobWeek]
    availability: models.Availability  # all jobs' fires together


class MonthView(models.ApiModel):
    start: datetime
    end: datetime
    plan: str
    calls: int
    bytes: int
    bandwidth_cap_bytes: int | None
    used_percent: float | None  # bytes against the cap
    calls_per_minute_limit: int | None
    busiest_run_calls_per_minute: float | None  # the run whose calls came fastest: its calls over its minutes
    runs: int
    runner_seconds: float  # the runs' wall-clock time
    runner_minutes_billed: int  # each run rounded up to a whole minute, as GitHub bills a job
    private_free_minutes: int


def week_view(conn: Connection, jobs: list[JobConfig], now: datetime) -> WeekView:
    start = now - WEEK
    with conn.cursor() as cur:
        cur.execute(
            "select job_name, status, coalesce(metadata->>'skipped', 'false') = 'true',"
            " extract(epoch from end_time - start_time), records_processed"
            " from etl.executions where start_time >= %s and start_time <= %s and status <> 'running'",
            (start, now),
        )
        rows = cur.fetchall()
        cur.execute(
            "select count(distinct run_id) from etl.executions where start_time >= %s and start_time <= %s",
            (start, now),
        )
        runs = int(cur.fetchone()[0])
    by_job: dict[str, list[tuple[str, bool, float | None, int]]] = defaultdict(list)
    for name, status, skipped, seconds, records in rows:
        by_job[name].append((status, skipped, None if seconds is None else float(seconds), int(records or 0)))
    done, window_start, window_end = reliability.completions(conn, now, WEEK)
    availability = {job.name: reliability.job_availability(job, done, window_start, window_end) for job in jobs}
    return WeekView(
        start=start,
        end=now,
        runs=runs,
        jobs=[job_week(job.name, by_job.get(job.name, []), availability[job.name]) for job in jobs],
        availability=reliability.combined(availability.values()),
    )


def job_week(
    name: str, executions: list[tuple[str, bool, float | None, int]], availability: models.Availability
) -> JobWeek:
    counted = [e for e in executions if not e[1]]
    completed = [e for e in counted if e[0] == "completed"]
    seconds = [e[2] for e in completed if e[2] is not None]
    return JobWeek(
        name=name,
        runs=len(counted),
        completed=len(completed),
        failed=len(counted) - len(completed),
        skipped=len(executions) - len(counted),
        mean_duration_seconds=round(sum(seconds) / len(seconds), 3) if seconds else None,
        max_duration_seconds=round(max(seconds), 3) if seconds else None,
        rows=sum(e[3] for e in completed),
        availability=availability,
    )


def month_view(conn: Connection, plan: Plan, now: datetime) -> MonthView:
    start = now - MONTH
    with conn.cursor() as cur:
        cur.execute(
            "select run_id, min(start_time), max(coalesce(end_time, start_time)),"
            f" sum({metadata_total('calls')}), sum({metadata_total('bytes')})"
            " from etl.executions where start_time > %s and start_time <= %s group by run_id",
            (start, now),
        )
        runs = [(began, ended, int(calls), int(size)) for _run, began, ended, calls, size in cur.fetchall()]
    seconds = [(ended - began).total_seconds() for began, ended, _c, _b in runs]
    calls = sum(run[2] for run in runs)
    size = sum(run[3] for run in runs)
    paces = [c / (s / 60) for (_b, _e, c, _s), s in zip(runs, seconds, strict=True) if c and s > 0]
    cap = plan.bandwidth_cap_bytes
    return MonthView(
        start=start,
        end=now,
        plan=plan.name,
        calls=calls,
        bytes=size,
        bandwidth_cap_bytes=cap,
        used_percent=None if not cap else round(100.0 * size / cap, 3),
        calls_per_minute_limit=plan.calls_per_minute,
        busiest_run_calls_per_minute=round(max(paces), 1) if paces else None,
        runs=len(runs),
        runner_seconds=round(sum(seconds), 3),
        runner_minutes_billed=sum(max(1, math.ceil(s / 60)) for s in seconds),
        private_free_minutes=PRIVATE_FREE_MINUTES,
    )
