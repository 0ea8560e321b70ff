"""Read-only queries over etl.* and the marts, shared by the API, the CLI, the static site and the alerts.

Every value from a caller is a bound parameter. Tables that another part of the pipeline creates later
(`etl.data_quality`, `marts.*`) may not exist yet: the answer is then empty, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg2.extensions import connection as Connection

from fmp_elt import clock
from fmp_elt.config import PLANS, Plan
from fmp_elt.job_config import JobConfig
from fmp_elt.quality.suites import DATASETS
from fmp_elt.status import models, reliability, usage
from fmp_elt.streams import RAW_DATASETS

EXECUTION_COLUMNS = (
    "id::text, run_id::text, job_name, status, start_time, end_time,"
    " extract(epoch from end_time - start_time)::float8, records_processed, records_failed, error_message, metadata"
)


def relation_exists(conn: Connection, name: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (name,))
        return bool(cur.fetchone()[0])


def execution_from_row(row: Sequence[Any]) -> models.Execution:
    keys = (
        "id",
        "run_id",
        "job_name",
        "status",
        "start_time",
        "end_time",
        "duration_seconds",
        "records_processed",
        "records_failed",
        "error_message",
        "metadata",
    )
    return models.Execution(**dict(zip(keys, row, strict=True)))


def executions(
    conn: Connection, *, job: str | None = None, status: str | None = None, limit: int = 100
) -> list[models.Execution]:
    """Newest first."""
    with conn.cursor() as cur:
        cur.execute(
            f"select {EXECUTION_COLUMNS} from etl.executions"
            " where (%(job)s::text is null or job_name = %(job)s) and (%(status)s::text is null or status = %(status)s)"
            " order by start_time desc, id limit %(limit)s",
            {"job": job, "status": status, "limit": limit},
        )
        return [execution_from_row(row) for row in cur.fetchall()]


def latest_executions(conn: Connection, *, statuses: Sequence[str] | None = None) -> dict[str, models.Execution]:
    """Each job's latest execution, or its latest one with one of `statuses`."""
    with conn.cursor() as cur:
        cur.execute(
            f"select distinct on (job_name) {EXECUTION_COLUMNS} from etl.executions"
            " where %(statuses)s::text[] is null or status = any(%(statuses)s::text[])"
            " order by job_name, start_time desc",
            {"statuses": list(statuses) if statuses else None},
        )
        return {row[2]: execution_from_row(row) for row in cur.fetchall()}


STATE = {"completed": "success", "failed": "failed", "running": "running"}


def status(conn: Connection, jobs: list[JobConfig], now: datetime | None = None) -> models.StatusResponse:
    """The seed's status: per job its latest run and next fire, and one overall verdict."""
    now = now or clock.now()
    latest = latest_executions(conn)
    job_states = [
        models.JobStatus(
            name=job.name,
            status=STATE[latest[job.name].status] if job.name in latest else None,  # type: ignore[arg-type]
            last_run=latest[job.name].start_time if job.name in latest else None,
            next_run=job.next_fire(now),
        )
        for job in jobs
    ]
    return models.StatusResponse(
        overall_status=overall_status(conn, jobs, now),
        last_execution=max((e.start_time for e in latest.values()), default=None),
        next_execution=min((j.next_run for j in job_states if j.next_run), default=None),
        jobs=job_states,
    )


def overall_status(conn: Connection, jobs: list[JobConfig], now: datetime) -> models.OverallStatus:
    """failed: a critical job's latest finished run failed, or a dataset failed a critical expectation.
    degraded: a non-critical job failed, a run lost records, a non-critical expectation failed, a table is
    stale, or a configured job has never completed. healthy: none of these."""
    finished = latest_executions(conn, statuses=("completed", "failed"))
    checks = latest_quality(conn)
    failed_jobs = [job for job in jobs if job.name in finished and finished[job.name].status == "failed"]
    if any(job.critical for job in failed_jobs) or any(check.critical_failed for check in checks):
        return "failed"
    degraded = (
        failed_jobs
        or any(job.name not in finished for job in jobs)
        or any(e.records_failed for e in finished.values())
        or any(check.success is False for check in checks)
        or any(table.is_fresh is False for table in freshness(conn, jobs, now))
    )
    return "degraded" if degraded else "healthy"


def logs(
    conn: Connection,
    *,
    job: str | None = None,
    level: str | None = None,
    run_id: str | None = None,
    limit: int = 100,
    page: int = 1,
) -> models.LogsResponse:
    """Newest first; `level` is an exact match. The job and run id ride along in each line's metadata."""
    where = (
        "(%(job)s::text is null or job_name = %(job)s) and (%(level)s::text is null or level = %(level)s)"
        " and (%(run)s::uuid is null or run_id = %(run)s::uuid)"
    )
    params = {"job": job, "level": level, "run": run_id, "limit": limit, "offset": (page - 1) * limit}
    with conn.cursor() as cur:
        cur.execute(f"select count(*) from etl.logs where {where}", params)
        total = cur.fetchone()[0]
        cur.execute(
            "select timestamp, level, message, metadata || jsonb_strip_nulls(jsonb_build_object("
            " 'job', job_name, 'runId', run_id::text))"
            f" from etl.logs where {where} order by timestamp desc, id desc limit %(limit)s offset %(offset)s",
            params,
        )
        rows = cur.fetchall()
    entries = [models.LogEntry(timestamp=ts, level=lvl, message=msg, metadata=meta) for ts, lvl, msg, meta in rows]
    return models.LogsResponse(logs=entries, pagination=models.Pagination(total=total, page=page, limit=limit))


def _quality_check(row: dict[str, Any]) -> models.QualityCheck:
    """One etl.data_quality row, read by column name so that added columns do not break the reader."""
    known = set(models.QualityCheck.model_fields)
    values = {key: value for key, value in row.items() if key in known}
    if values.get("run_id") is not None:
        values["run_id"] = str(values["run_id"])
    if "critical_failed" not in row:
        # a failed check on a critical dataset (or expectation) is a critical failure
        values["critical_failed"] = bool(row.get("critical")) and row.get("success") is False
    return models.QualityCheck(**values)


def _quality_rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[models.QualityCheck]:
    if not relation_exists(conn, "etl.data_quality"):
        return []
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return [_quality_check(_jsonb(row[0])) for row in cur.fetchall()]


def quality(conn: Connection, *, dataset: str | None = None, limit: int = 500) -> list[models.QualityCheck]:
    """Quality history, oldest first (a trend reads left to right): the newest `limit` checks."""
    return _quality_rows(
        conn,
        "select q from (select to_jsonb(d) as q, d.checked_at from etl.data_quality d"
        " where %(dataset)s::text is null or d.dataset = %(dataset)s"
        " order by d.checked_at desc limit %(limit)s) newest order by checked_at",
        {"dataset": dataset, "limit": limit},
    )


def latest_quality(conn: Connection) -> list[models.QualityCheck]:
    return _quality_rows(
        conn,
        "select distinct on (dataset) to_jsonb(d) from etl.data_quality d order by dataset, checked_at desc",
        {},
    )


def _jsonb(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def freshness(conn: Connection, jobs: list[JobConfig], now: datetime | None = None) -> list[models.TableFreshness]:
    """Per table: what the latest quality check measured (`data_freshness` as a lag, `is_fresh`); for a raw
    table no check covers, when its extract job last completed (stale past its declared `warn_after`)."""
    now = now or clock.now()
    estimates = row_estimates(conn)
    tables = {
        table: models.TableFreshness(
            table=table,
            layer="raw" if table.startswith("raw.") else "marts",
            last_updated=check.checked_at,
            age_hours=_hours(now, check.checked_at),
            lag_hours=None if check.data_freshness is None else round(check.data_freshness / 3600, 2),
            is_fresh=check.is_fresh,
            rows=estimates.get(table),
        )
        for check in latest_quality(conn)
        for table in [dataset_table(check.dataset)]
    }
    last_done = latest_executions(conn, statuses=("completed",))
    for job in jobs:
        done = last_done.get(job.name)
        updated = done.end_time if done else None
        # Without a quality check yet, a raw table's last load is its job's last completed run.
        for raw in (dataset for dataset in RAW_DATASETS.values() if dataset.job == job.name):
            tables.setdefault(
                raw.table,
                models.TableFreshness(
                    table=raw.table,
                    layer="raw",
                    last_updated=updated,
                    age_hours=_hours(now, updated),
                    lag_hours=None,
                    is_fresh=updated is not None and now - updated <= raw.freshness.warn_after,
                    rows=estimates.get(raw.table),
                ),
            )
    return sorted(tables.values(), key=lambda t: (t.layer != "raw", t.table))


def dataset_table(dataset: str) -> str:
    """The table a quality dataset checks (the suites say; a dataset they do not know is a mart)."""

    known = DATASETS.get(dataset)
    return known.table if known else f"marts.{dataset}"


def row_estimates(conn: Connection) -> dict[str, int]:
    """Planner row estimates for raw and marts tables: free to read, unlike count(*) on millions of rows."""
    with conn.cursor() as cur:
        cur.execute(
            "select n.nspname || '.' || c.relname, c.reltuples::bigint from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('raw', 'marts') and c.relkind = 'r'"
            " and c.reltuples >= 0"  # -1: not analyzed yet, unknown
        )
        return dict(cur.fetchall())


def _hours(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds() / 3600, 2)


def symbols(conn: Connection, limit: int = 5000) -> list[str]:
    """Symbols that have moving averages, for the dashboard's chooser."""
    if not relation_exists(conn, "marts.daily_ma"):
        return []
    with conn.cursor() as cur:
        cur.execute("select symbol from marts.daily_ma group by symbol order by symbol limit %s", (limit,))
        return [row[0] for row in cur.fetchall()]


def prices(conn: Connection, symbol: str, limit: int = 400) -> models.PricesResponse:
    """The newest `limit` trading days of one symbol with its moving averages, oldest first."""
    points: list[models.PricePoint] = []
    if relation_exists(conn, "marts.daily_ma"):
        with conn.cursor() as cur:
            cur.execute(
                "select to_jsonb(m) from (select * from marts.daily_ma where symbol = %s"
                " order by price_date desc limit %s) m order by price_date",
                (symbol, limit),
            )
            columns = set(models.PricePoint.model_fields) - {"date"}
            for (row,) in cur.fetchall():
                values = _jsonb(row)
                points.append(models.PricePoint(date=values["price_date"], **{k: values.get(k) for k in columns}))
    return models.PricesResponse(symbol=symbol, prices=points)


def job_definitions(jobs: list[JobConfig], now: datetime | None = None) -> list[models.JobDefinition]:
    now = now or clock.now()
    return [models.JobDefinition(**job.as_seed(), next_run=job.next_fire(now)) for job in jobs]


# ---- operational metrics: reliability, availability, FMP usage, schema drift -------------------------------


def metrics(conn: Connection, jobs: list[JobConfig], plan: Plan, now: datetime | None = None) -> models.MetricsResponse:
    """GET /api/etl/metrics: per job success rate, throughput and availability; FMP usage; schema changes."""
    now = now or clock.now()
    plan = plan_in_use(conn, plan)
    job_metrics, availability = reliability.job_metrics(conn, jobs, now)
    return models.MetricsResponse(
        generated_at=now,
        recent_runs=reliability.RECENT_RUNS,
        availability_window_days=reliability.AVAILABILITY_WINDOW.days,
        on_time_minutes=int(reliability.ON_TIME.total_seconds() // 60),
        jobs=job_metrics,
        availability=availability,
        usage=usage.fmp_usage(conn, plan, now),
        schema_changes=schema_changes(conn),
    )


def plan_in_use(conn: Connection, configured: Plan) -> Plan:
    """The plan the newest run recorded (the runner writes it into each execution), else `configured`: after a
    premium demo, the usage is measured against premium's cap whatever FMP_PLAN says where it is read."""
    with conn.cursor() as cur:
        cur.execute(
            "select metadata->>'plan' from etl.executions where metadata ? 'plan' order by start_time desc limit 1"
        )
        row = cur.fetchone()
    return PLANS.get(row[0], configured) if row and row[0] else configured


def repaired_histories(conn: Connection, *, since: datetime) -> list[tuple[str, datetime, str]]:
    """(execution id, start, symbol) of every history an extraction repaired since `since`, newest first."""
    with conn.cursor() as cur:
        # the prices stream's figures sit under `streams` in a job of several streams, at the top otherwise
        cur.execute(
            "with recent as (select id, start_time,"
            "  coalesce(metadata -> 'streams' -> 'prices' -> 'repaired', metadata -> 'repaired') as symbols"
            "  from etl.executions where start_time >= %s)"
            " select recent.id::text, recent.start_time, repaired.symbol from recent"
            " cross join lateral jsonb_array_elements_text(case when jsonb_typeof(recent.symbols) = 'array'"
            "  then recent.symbols else '[]' end) as repaired(symbol)"
            " order by recent.start_time desc, repaired.symbol",
            (since,),
        )
        return [(str(i), at, str(symbol)) for i, at, symbol in cur.fetchall()]


def schema_changes(conn: Connection, *, since: datetime | None = None, limit: int = 20) -> list[models.SchemaChange]:
    """Field sets FMP changed, per endpoint, newest first (etl.schema_changes; empty before its migration)."""
    if not relation_exists(conn, "etl.schema_changes"):
        return []
    with conn.cursor() as cur:
        cur.execute(
            "select id, endpoint, detected_at, run_id::text, added, dropped from etl.schema_changes"
            " where %(since)s::timestamptz is null or detected_at >= %(since)s"
            " order by detected_at desc, id desc limit %(limit)s",
            {"since": since, "limit": limit},
        )
        keys = ("id", "endpoint", "detected_at", "run_id", "added", "dropped")
        return [models.SchemaChange(**dict(zip(keys, row, strict=True))) for row in cur.fetchall()]
