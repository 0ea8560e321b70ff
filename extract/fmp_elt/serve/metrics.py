"""`GET /metrics`: the run log, quality, freshness and FMP usage in Prometheus' text format.

A custom collector reads the warehouse on every scrape (on its own read-only connection), so the figures are
the run log's, whichever process wrote it, and no state lives in the process: each app has its own registry
holding just this collector. Counters (`*_total`) are totals over the run log, timestamps are Unix seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry
from psycopg2.extensions import connection as Connection

from fmp_elt import clock
from fmp_elt.config import Plan
from fmp_elt.job_config import JobConfig
from fmp_elt.status import coverage, models, queries, usage
from fmp_elt.warehouse.connection import connect

PREFIX = "fmp_elt_"
CONTENT_TYPE = CONTENT_TYPE_LATEST
JOB_STATES = ("success", "failed", "running")
OVERALL_STATES = ("healthy", "degraded", "failed")

# (metric, help, which latest run: any or completed, the Execution field it shows)
LATEST_RUN_GAUGES = (
    ("job_last_run_timestamp_seconds", "start of the job's latest run", "any", "start_time"),
    ("job_last_success_timestamp_seconds", "end of the job's latest completed run", "completed", "end_time"),
    ("job_last_duration_seconds", "duration of the job's latest finished run", "any", "duration_seconds"),
    ("job_last_records_processed", "records the job's latest run processed", "any", "records_processed"),
    ("job_last_records_failed", "records (or symbols) the job's latest run lost", "any", "records_failed"),
)

Sample = tuple[Iterable[str], float | int | bool | datetime | None]


def gauge(name: str, documentation: str, labels: Iterable[str], samples: Iterable[Sample]) -> GaugeMetricFamily:
    """A gauge family; samples without a value (never ran, not measured) are left out."""
    family = GaugeMetricFamily(PREFIX + name, documentation, labels=list(labels))
    _add(family, samples)
    return family


def counter(name: str, documentation: str, labels: Iterable[str], samples: Iterable[Sample]) -> CounterMetricFamily:
    family = CounterMetricFamily(PREFIX + name, documentation, labels=list(labels))
    _add(family, samples)
    return family


def _add(family: GaugeMetricFamily | CounterMetricFamily, samples: Iterable[Sample]) -> None:
    for values, value in samples:
        if value is not None:
            family.add_metric(list(values), _number(value))


def _field(execution: models.Execution | None, name: str) -> Any:
    return None if execution is None else getattr(execution, name)


def _number(value: float | int | bool | datetime) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


class WarehouseCollector(Collector):
    """Reads etl.* at every scrape and yields the metric families."""

    def __init__(self, database_url: str, jobs: list[JobConfig], plan: Plan) -> None:
        self.database_url = database_url
        self.jobs = jobs
        self.plan = plan

    def collect(self) -> Iterator[Metric]:
        conn = connect(self.database_url, application_name="fmp-elt-metrics")
        try:
            conn.set_session(readonly=True, autocommit=True)
            now = clock.now()
            yield from self.job_families(conn, now)
            yield from quality_families(queries.latest_quality(conn))
            yield from freshness_families(queries.freshness(conn, self.jobs, now))
            yield from usage_families(conn, queries.metrics(conn, self.jobs, self.plan, now))
            yield from coverage_families(coverage.coverage(conn, self.plan.history_years, clock.today()))
        finally:
            conn.close()

    def job_families(self, conn: Connection, now: datetime) -> Iterator[Metric]:
        status = queries.status(conn, self.jobs, now)
        yield gauge(
            "overall_status",
            "1 for the pipeline's overall verdict, 0 for the others",
            ["status"],
            (([state], state == status.overall_status) for state in OVERALL_STATES),
        )
        yield gauge(
            "job_status",
            "1 for the state of the job's latest run (success, failed, running), 0 for the others; none: never ran",
            ["job", "status"],
            (([job.name, state], state == job.status) for job in status.jobs if job.status for state in JOB_STATES),
        )
        latest = queries.latest_executions(conn)
        succeeded = queries.latest_executions(conn, statuses=("completed",))
        names = [job.name for job in self.jobs]
        for name, documentation, runs, field in LATEST_RUN_GAUGES:
            chosen = succeeded if runs == "completed" else latest
            yield gauge(name, documentation, ["job"], (([n], _field(chosen.get(n), field)) for n in names))
        yield gauge(
            "job_next_run_timestamp_seconds",
            "the job's next scheduled fire",
            ["job"],
            (([job.name], job.next_run) for job in status.jobs),
        )
        yield from run_totals(conn)


def coverage_families(found: coverage.HistoryCoverage) -> Iterator[Metric]:
    """The universe's securities by the history held over the backfill window, and why a history is short."""
    samples: list[Sample] = [(["full", ""], found.full)]
    for history, counts in (("partial", found.partial_by_reason), ("none", found.none_by_reason)):
        samples += [([history, reason], n) for reason, n in sorted(counts.items())]
    yield gauge(
        "history_coverage_securities",
        "securities listed within the backfill window by history held (full, partial, none) and the reason",
        ["history", "reason"],
        samples,
    )
    yield gauge(
        "history_coverage_plan_gated",
        "1 when the plan does not serve every page of delisted-companies (delistings are missing)",
        [],
        [([], found.delisted_pages_gated)],
    )


def run_totals(conn: Connection) -> Iterator[Metric]:
    """Totals over the run log per job: runs by outcome, durations, records processed and failed."""
    with conn.cursor() as cur:
        cur.execute(
            "select job_name,"
            " case when coalesce(metadata->>'skipped', 'false') = 'true' then 'skipped' else status end,"
            " count(*), coalesce(sum(extract(epoch from end_time - start_time)), 0)::float8,"
            " coalesce(sum(records_processed), 0), coalesce(sum(records_failed), 0)"
            " from etl.executions where status <> 'running' group by 1, 2 order by 1, 2"
        )
        rows = cur.fetchall()
    yield counter(
        "job_runs",
        "finished runs per job by outcome (completed, failed, skipped: an upstream job failed)",
        ["job", "status"],
        (([job, outcome], runs) for job, outcome, runs, *_ in rows),
    )
    duration = SummaryMetricFamily(
        PREFIX + "job_duration_seconds", "durations of the job's finished runs (skipped ones apart)", labels=["job"]
    )
    per_job: dict[str, tuple[int, float]] = {}
    for job, outcome, runs, seconds, *_ in rows:
        if outcome != "skipped":
            count, total = per_job.get(job, (0, 0.0))
            per_job[job] = (count + runs, total + seconds)
    for job, (count, total) in per_job.items():
        duration.add_metric([job], count_value=count, sum_value=total)
    yield duration
    records: dict[str, tuple[int, int]] = {}
    for job, _outcome, _runs, _seconds, processed, failed in rows:
        done, lost = records.get(job, (0, 0))
        records[job] = (done + processed, lost + failed)
    yield counter(
        "job_records_processed",
        "records processed per job",
        ["job"],
        (([job], done) for job, (done, _lost) in records.items()),
    )
    yield counter(
        "job_records_failed",
        "records (or symbols) lost per job",
        ["job"],
        (([job], lost) for job, (_done, lost) in records.items()),
    )


def quality_families(checks: list[models.QualityCheck]) -> Iterator[Metric]:
    def per_dataset(name: str, documentation: str, value: str) -> GaugeMetricFamily:
        return gauge(name, documentation, ["dataset"], (([c.dataset], getattr(c, value)) for c in checks))

    yield per_dataset("quality_success_percent", "% of expectations the latest check passed", "success_percent")
    yield per_dataset("quality_passed", "1 when the latest check passed every expectation", "success")
    yield per_dataset(
        "quality_critical_failed", "1 when the latest check failed a critical expectation", "critical_failed"
    )
    yield per_dataset("quality_total_records", "records the latest check read", "total_records")
    yield per_dataset("quality_invalid_records", "records the latest check found invalid", "invalid_records")
    yield per_dataset("quality_duplicate_records", "duplicate keys the latest check found", "duplicate_records")
    yield per_dataset(
        "quality_restated_records",
        "restated or re-dated fiscal periods held (history versions after the first)",
        "restated_records",
    )
    yield per_dataset("quality_checked_timestamp_seconds", "when the latest check ran", "checked_at")


def freshness_families(tables: list[models.TableFreshness]) -> Iterator[Metric]:
    def per_table(name: str, documentation: str, value: Callable[[models.TableFreshness], Any]) -> GaugeMetricFamily:
        return gauge(name, documentation, ["table", "layer"], (([t.table, t.layer], value(t)) for t in tables))

    def seconds(hours: float | None) -> float | None:
        return None if hours is None else hours * 3600

    yield per_table(
        "table_last_updated_timestamp_seconds", "when the table was last refreshed", lambda t: t.last_updated
    )
    yield per_table("table_age_seconds", "seconds since the table was last refreshed", lambda t: seconds(t.age_hours))
    yield per_table(
        "table_lag_seconds",
        "how far the newest record trails the newest that could exist",
        lambda t: seconds(t.lag_hours),
    )
    yield per_table("table_fresh", "1 when the table is recent enough for its schedule", lambda t: t.is_fresh)
    yield per_table("table_rows_estimate", "the planner's row estimate", lambda t: t.rows)


def usage_families(conn: Connection, ops: models.MetricsResponse) -> Iterator[Metric]:
    """Success rate, throughput and availability per job; FMP calls and bandwidth; schema changes."""
    jobs = ops.jobs
    yield gauge(
        "job_success_ratio",
        f"completed / finished over the job's latest {ops.recent_runs} runs",
        ["job"],
        (([j.name], j.success_rate) for j in jobs),
    )
    yield gauge(
        "job_rows_per_second",
        "records processed per second over the latest completed runs",
        ["job"],
        (([j.name], j.rows_per_second) for j in jobs),
    )
    yield gauge(
        "job_fmp_calls_per_run",
        "FMP calls per run over the latest runs",
        ["job"],
        (([j.name], j.calls_per_run) for j in jobs),
    )
    yield gauge(
        "job_availability_ratio",
        f"scheduled runs completed, last {ops.availability_window_days} days",
        ["job"],
        (([j.name], j.availability.availability) for j in jobs),
    )
    yield gauge(
        "job_on_time_ratio",
        f"scheduled runs completed within {ops.on_time_minutes} minutes of the fire",
        ["job"],
        (([j.name], j.availability.on_time_rate) for j in jobs),
    )
    calls, size = usage.totals(conn)
    yield counter("fmp_calls", "FMP calls recorded in the run log", [], [([], calls)])
    yield counter("fmp_bytes", "bytes of FMP responses recorded in the run log", [], [([], size)])
    fmp = ops.usage
    window = f"the trailing {fmp.window_days} days"
    yield gauge("fmp_window_calls", f"FMP calls in {window}", [], [([], fmp.calls_in_window)])
    yield gauge("fmp_window_bytes", f"FMP bytes in {window} (FMP's bandwidth window)", [], [([], fmp.bytes_in_window)])
    yield gauge("fmp_bytes_per_day", "the current rate of FMP bytes per day", [], [([], fmp.bytes_per_day)])
    yield gauge(
        "fmp_bandwidth_cap_bytes",
        "the plan's bandwidth cap over the window",
        ["plan"],
        [([fmp.plan], fmp.bandwidth_cap_bytes)],
    )
    yield gauge(
        "fmp_bandwidth_used_ratio",
        "bytes in the window / the plan's cap",
        ["plan"],
        [([fmp.plan], None if fmp.used_percent is None else fmp.used_percent / 100)],
    )
    yield gauge(
        "fmp_bandwidth_cap_forecast_timestamp_seconds",
        "when the cap is reached at the current rate",
        ["plan"],
        [([fmp.plan], fmp.cap_reached_at)],
    )
    with conn.cursor() as cur:
        cur.execute("select endpoint, count(*) from etl.schema_changes group by 1 order by 1")
        changes = cur.fetchall()
    yield counter(
        "schema_changes",
        "changes FMP made to an endpoint's field set",
        ["endpoint"],
        (([endpoint], count) for endpoint, count in changes),
    )


def registry(database_url: str, jobs: list[JobConfig], plan: Plan) -> CollectorRegistry:
    """A registry of its own for one app: just the warehouse collector (no process or platform metrics)."""
    owned = CollectorRegistry(auto_describe=False)
    owned.register(WarehouseCollector(database_url, jobs, plan))
    return owned


def exposition(owned: CollectorRegistry) -> bytes:
    """One scrape: the text format of what the registry's collector reads now."""
    return generate_latest(owned)
