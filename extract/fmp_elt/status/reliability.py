"""Per job: success rate and throughput over its latest finished runs, and availability against its schedule.

Success rate and throughput cover each job's latest `RECENT_RUNS` finished executions. A skipped execution (its
upstream failed) counts in neither the runs nor the failures of the job: it is its upstream's failure. It still
costs availability, which asks of every time a job's schedule fired whether the job delivered:

- a fire is *completed* when a completed execution of the job started between it and the schedule's next fire
  (a late start, as GitHub's scheduler allows, still counts; a run never started, or failed, does not);
- it is *on time* when such an execution also ended within `ON_TIME` (two hours) of the fire;
- the window is the last `AVAILABILITY_WINDOW` (30 days), from two hours before the run log's first execution at
  the earliest (a new installation owes nothing for the days before it existed), and a fire counts once its
  two hours have passed;
- a fire on a weekday the exchange is closed (a holiday of `trading_calendar`, by the New York date) is owed
  nothing: the close it follows never happened, so it counts in neither the fires nor the answers. A weekend
  fire (the weekly `ratios`) is owed as scheduled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from psycopg2.extensions import connection as Connection

from fmp_elt.job_config import JobConfig
from fmp_elt.status import models
from fmp_elt.status.usage import metadata_total
from fmp_elt.trading_calendar import is_market_holiday

RECENT_RUNS = 20
AVAILABILITY_WINDOW = timedelta(days=30)
ON_TIME = timedelta(hours=2)


def job_metrics(
    conn: Connection, jobs: list[JobConfig], now: datetime
) -> tuple[list[models.JobMetrics], models.Availability]:
    """Each configured job's metrics, and the availability of all of them together."""
    recent = recent_runs(conn)
    done, start, end = completions(conn, now)
    availability = {job.name: job_availability(job, done, start, end) for job in jobs}
    metrics = [job_summary(job.name, recent.get(job.name, []), availability[job.name]) for job in jobs]
    return metrics, combined(availability.values())


Run = tuple[str, datetime, datetime | None, int, bool, int]  # status, start, end, records, skipped, calls


def recent_runs(conn: Connection) -> dict[str, list[Run]]:
    with conn.cursor() as cur:
        cur.execute(
            "select job_name, status, start_time, end_time, records_processed,"
            " coalesce(metadata->>'skipped', 'false') = 'true', calls from ("
            f" select *, {metadata_total('calls')} as calls,"
            "  row_number() over (partition by job_name order by start_time desc) as newest"
            " from etl.executions where status <> 'running') e where newest <= %s order by job_name, start_time desc",
            (RECENT_RUNS,),
        )
        runs: dict[str, list[Run]] = defaultdict(list)
        for name, *run in cur.fetchall():
            runs[name].append(tuple(run))
    return runs


def job_summary(name: str, runs: list[Run], availability: models.Availability) -> models.JobMetrics:
    counted = [run for run in runs if not run[4]]
    completed = [run for run in counted if run[0] == "completed"]
    seconds = sum((end - start).total_seconds() for _s, start, end, *_ in completed if end is not None)
    records = sum(run[3] for run in completed)
    calls = sum(run[5] for run in counted)
    return models.JobMetrics(
        name=name,
        runs=len(counted),
        completed=len(completed),
        failed=len(counted) - len(completed),
        skipped=len(runs) - len(counted),
        success_rate=_ratio(len(completed), len(counted)),
        mean_duration_seconds=round(seconds / len(completed), 3) if completed else None,
        rows_per_second=round(records / seconds, 1) if seconds > 0 else None,
        calls=calls,
        calls_per_run=round(calls / len(counted), 2) if counted else None,
        availability=availability,
    )


Completions = dict[str, list[tuple[datetime, datetime]]]


def completions(
    conn: Connection, now: datetime, window: timedelta = AVAILABILITY_WINDOW
) -> tuple[Completions, datetime, datetime]:
    """Completed executions per job since the window began; the window's start and its last countable fire."""
    with conn.cursor() as cur:
        cur.execute("select min(start_time) from etl.executions")
        first = cur.fetchone()[0]
        start = now - window if first is None else max(now - window, first - ON_TIME)
        cur.execute(
            "select job_name, start_time, end_time from etl.executions"
            " where status = 'completed' and start_time >= %s order by start_time",
            (start,),
        )
        done: Completions = defaultdict(list)
        for name, began, ended in cur.fetchall():
            done[name].append((began, ended))
    return done, start, now - ON_TIME if first is not None else start


def job_availability(job: JobConfig, done: Completions, start: datetime, end: datetime) -> models.Availability:
    scheduled = completed = on_time = 0
    fire = job.next_fire(start)
    while fire <= end:
        following = job.next_fire(fire)
        if is_market_holiday(fire):
            fire = following
            continue
        answers = [ended for began, ended in done.get(job.name, []) if fire <= began < following]
        scheduled += 1
        completed += bool(answers)
        on_time += any(ended <= fire + ON_TIME for ended in answers)
        fire = following
    return _availability(scheduled, completed, on_time)


def combined(parts: Iterable[models.Availability]) -> models.Availability:
    parts = list(parts)
    return _availability(
        sum(p.scheduled for p in parts), sum(p.completed for p in parts), sum(p.on_time for p in parts)
    )


def _availability(scheduled: int, completed: int, on_time: int) -> models.Availability:
    return models.Availability(
        scheduled=scheduled,
        completed=completed,
        on_time=on_time,
        availability=_ratio(completed, scheduled),
        on_time_rate=_ratio(on_time, scheduled),
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
