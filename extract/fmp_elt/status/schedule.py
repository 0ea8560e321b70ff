"""Is the schedule alive? A schedule that stopped firing (GitHub disables scheduled workflows in forks, and in
public repositories after 60 days without activity) leaves no failed run behind: nothing runs, nothing alerts.
So the run log is compared with the schedule itself: when a job's schedule fired more than `GRACE` ago and no run
of any job has started since, the schedule is stale.

GRACE leaves room for GitHub's late starts (often tens of minutes at busy hours) and for a run queued behind
another one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from psycopg2.extensions import connection as Connection

from fmp_elt.job_config import JobConfig
from fmp_elt.status import models

GRACE = timedelta(hours=3)
HELP = "docs/operate/scheduling.md"


def schedule_health(conn: Connection, jobs: list[JobConfig], now: datetime) -> models.ScheduleHealth:
    with conn.cursor() as cur:
        cur.execute("select max(start_time) from etl.executions")
        last_run = cur.fetchone()[0]
    due = max((job.previous_fire(now - GRACE) for job in jobs), default=None)
    stale = last_run is not None and due is not None and last_run < due
    return models.ScheduleHealth(
        stale=stale, last_run=last_run, missed_fire=due if stale else None, grace_hours=GRACE.total_seconds() / 3600
    )


def describe(health: models.ScheduleHealth, now: datetime) -> str:
    if health.last_run is None:
        return "schedule: no run yet"
    if not health.stale or health.missed_fire is None:
        return "schedule: ok (a run started after every fire older than the grace period)"
    hours = (now - health.missed_fire).total_seconds() / 3600
    return (
        f"schedule: STALE: no run since the schedule fired at {health.missed_fire:%Y-%m-%d %H:%M} UTC"
        f" ({hours:,.0f} h ago); is the scheduled workflow disabled (forks, 60 days without activity)? See {HELP}"
    )
