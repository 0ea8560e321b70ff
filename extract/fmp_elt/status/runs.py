"""Runs by their id: one `fmp-elt run` (or a stand-alone job) is every execution that shares a `run_id`.

`recent` lists them newest first, one summary each; `detail` is one run's jobs, error lines and alerts; `resolve`
turns what a user typed (a whole id or its first characters, as `runs` and `logs` print them) into the run id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection as Connection

from fmp_elt import clock
from fmp_elt.errors import FmpEltError
from fmp_elt.job_config import JobConfig
from fmp_elt.status import models, queries

SHORT_ID = 8  # what the terminal shows of an id; `resolve` takes it back
MIN_PREFIX = 4

SUMMARY_SQL = (
    "select run_id::text, min(start_time), max(end_time), count(*),"
    " count(*) filter (where status = 'running'),"
    " array_agg(job_name order by start_time) filter (where status = 'failed' and not skipped),"
    " array_agg(job_name order by start_time) filter (where skipped),"
    " sum(records_processed), sum(records_failed)"
    " from (select *, coalesce(metadata->>'skipped', 'false') = 'true' as skipped from etl.executions) e"
)


class UnknownRun(FmpEltError):
    """No run, or more than one, matches what the user typed."""

    exit_code = 2


def short(run_id: str | None) -> str:
    return run_id[:SHORT_ID] if run_id else "-"


def _summary(row: Sequence[Any]) -> models.RunSummary:
    run_id, started, ended, jobs, running, failed, skipped, processed, failed_records = row
    state: models.RunState = "running" if running else "failed" if failed or skipped else "completed"
    return models.RunSummary(
        run_id=run_id,
        status=state,
        start_time=started,
        end_time=None if running else ended,
        duration_seconds=None if running or ended is None else (ended - started).total_seconds(),
        jobs=jobs,
        failed_jobs=failed or [],
        skipped_jobs=skipped or [],
        records_processed=processed or 0,
        records_failed=failed_records or 0,
    )


def recent(conn: Connection, *, limit: int = 20, since: datetime | None = None) -> list[models.RunSummary]:
    """The newest `limit` runs, newest first."""
    with conn.cursor() as cur:
        cur.execute(
            f"{SUMMARY_SQL} where %(since)s::timestamptz is null or start_time >= %(since)s"
            " group by run_id order by min(start_time) desc, run_id limit %(limit)s",
            {"since": since, "limit": limit},
        )
        return [_summary(row) for row in cur.fetchall()]


def detail(conn: Connection, run_id: str) -> models.RunDetail:
    """One run: its summary, its executions in start order, its ERROR and CRITICAL lines, the alerts it sent."""
    with conn.cursor() as cur:
        cur.execute(f"{SUMMARY_SQL} where run_id = %s group by run_id", (run_id,))
        row = cur.fetchone()
        if row is None:
            raise UnknownRun(f"no run {run_id}")
        cur.execute(
            f"select {queries.EXECUTION_COLUMNS} from etl.executions where run_id = %s order by start_time, id",
            (run_id,),
        )
        executions = [queries.execution_from_row(found) for found in cur.fetchall()]
        cur.execute(
            "select cause, kind, status, subject, detail, last_sent_at from etl.alert_state where run_id = %s"
            " order by last_sent_at, cause",
            (run_id,),
        )
        keys = ("cause", "kind", "status", "subject", "detail", "sent_at")
        alerts = [models.RunAlert(**dict(zip(keys, found, strict=True))) for found in cur.fetchall()]
    errors = []
    for level in ("CRITICAL", "ERROR"):
        errors += queries.logs(conn, level=level, run_id=run_id, limit=1000).logs
    errors.sort(key=lambda line: line.timestamp)
    return models.RunDetail(run=_summary(row), executions=executions, errors=errors, alerts=alerts)


def resolve(conn: Connection, typed: str) -> str:
    """The run id `typed` names: a whole id, or the first characters of exactly one run's id."""
    text = typed.strip().lower()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        pass
    if not re.fullmatch(rf"[0-9a-f-]{{{MIN_PREFIX},36}}", text):
        raise UnknownRun(f"{typed!r} is not a run id (a run id or its first {MIN_PREFIX}+ characters)")
    with conn.cursor() as cur:
        cur.execute(
            "select distinct run_id::text from etl.executions where run_id::text like %s limit 2", (text + "%",)
        )
        found = [row[0] for row in cur.fetchall()]
    if not found:
        raise UnknownRun(f"no run starts with {typed!r} (`fmp-elt runs` lists them)")
    if len(found) > 1:
        raise UnknownRun(f"{typed!r} names more than one run; type more of its id")
    return str(found[0])


def status_with_runs(conn: Connection, jobs: list[JobConfig], now: datetime | None = None) -> models.StatusWithRuns:
    """The API's status answer, with the run id of each job's latest run and of the latest run overall."""
    from fmp_elt.status.schedule import schedule_health

    now = now or clock.now()
    answer = queries.status(conn, jobs, now)
    latest = queries.latest_executions(conn)
    newest = max(latest.values(), key=lambda e: e.start_time, default=None)
    return models.StatusWithRuns(
        **answer.model_dump(exclude={"jobs"}),
        last_run_id=newest.run_id if newest else None,
        schedule=schedule_health(conn, jobs, now),
        jobs=[
            models.JobRunStatus(**job.model_dump(), run_id=latest[job.name].run_id if job.name in latest else None)
            for job in answer.jobs
        ],
    )
