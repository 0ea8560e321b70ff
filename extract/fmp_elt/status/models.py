"""Response shapes of the status/logs API (the status/logs contracts, camelCase on the wire).

`StatusResponse` and `LogsResponse` are the fixed contracts (docs/reference/api.md); the others serve the dashboard.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

JobState = Literal["success", "failed", "running"]
OverallStatus = Literal["healthy", "degraded", "failed"]
Level = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class JobStatus(ApiModel):
    name: str
    status: JobState | None  # None: never ran
    last_run: datetime | None
    next_run: datetime | None


class StatusResponse(ApiModel):
    overall_status: OverallStatus
    last_execution: datetime | None
    next_execution: datetime | None
    jobs: list[JobStatus]


class LogEntry(ApiModel):
    timestamp: datetime
    level: Level
    message: str
    metadata: dict[str, Any]


class Pagination(ApiModel):
    total: int
    page: int
    limit: int


class LogsResponse(ApiModel):
    logs: list[LogEntry]
    pagination: Pagination


class Execution(ApiModel):
    id: str
    run_id: str
    job_name: str
    status: Literal["running", "completed", "failed"]
    start_time: datetime
    end_time: datetime | None
    duration_seconds: float | None
    records_processed: int
    records_failed: int
    error_message: str | None
    metadata: dict[str, Any]


class ExecutionsResponse(ApiModel):
    executions: list[Execution]


class JobDefinition(ApiModel):
    """The seed's ETLJobConfig as configured, with the next fire time."""

    name: str
    schedule: str
    timeout: float
    retry_count: int
    dependencies: list[str]
    environment: dict[str, str]
    next_run: datetime


class JobsResponse(ApiModel):
    jobs: list[JobDefinition]


class QualityCheck(ApiModel):
    """One dataset's quality measurement (DataQualityMetrics plus GX statistics)."""

    dataset: str
    checked_at: datetime
    run_id: str | None = None
    total_records: int | None = None
    valid_records: int | None = None
    invalid_records: int | None = None
    missing_fields: int | None = None
    duplicate_records: int | None = None
    restated_records: int | None = None  # versions after a held fiscal period's first: information only
    data_freshness: float | None = None  # seconds the newest record trails what could exist
    is_fresh: bool | None = None
    success: bool | None = None
    critical_failed: bool = False
    evaluated_expectations: int | None = None
    unsuccessful_expectations: int | None = None
    success_percent: float | None = None


class QualityResponse(ApiModel):
    checks: list[QualityCheck]


class TableFreshness(ApiModel):
    table: str
    layer: Literal["raw", "marts"]
    last_updated: datetime | None
    age_hours: float | None
    lag_hours: float | None  # marts: how far the newest record trails what could exist
    is_fresh: bool | None
    rows: int | None


class FreshnessResponse(ApiModel):
    tables: list[TableFreshness]


class SymbolsResponse(ApiModel):
    symbols: list[str]


class PricePoint(ApiModel):
    date: date
    close: float | None
    sma_5: float | None = None
    sma_20: float | None = None
    sma_50: float | None = None
    sma_200: float | None = None


class PricesResponse(ApiModel):
    symbol: str
    prices: list[PricePoint]


# ---- operational metrics (GET /api/etl/metrics): reliability, availability, FMP usage, schema drift ----------


class Availability(ApiModel):
    """Schedule fires in the window whose on-time allowance has passed, and how many of them were answered."""

    scheduled: int
    completed: int  # a completed run of the job started between the fire and the schedule's next fire
    on_time: int  # ... and it ended within the on-time allowance after the fire
    availability: float | None  # completed / scheduled
    on_time_rate: float | None  # on_time / scheduled


class JobMetrics(ApiModel):
    """One job over its latest finished runs (skipped ones apart: they are their upstream's failure)."""

    name: str
    runs: int
    completed: int
    failed: int
    skipped: int
    success_rate: float | None  # completed / runs
    mean_duration_seconds: float | None  # of the completed runs
    rows_per_second: float | None  # records processed / seconds, over the completed runs
    calls: int  # FMP calls in these runs
    calls_per_run: float | None
    availability: Availability


class RunUsage(ApiModel):
    run_id: str
    started_at: datetime
    calls: int
    bytes: int


class DailyUsage(ApiModel):
    date: date
    runs: int
    calls: int
    bytes: int


class FmpUsage(ApiModel):
    """FMP calls and bytes from the run log, against the plan's trailing-30-day bandwidth cap."""

    plan: str
    window_days: int
    bandwidth_cap_bytes: int | None  # None: the plan has no known cap
    bytes_in_window: int
    calls_in_window: int
    used_percent: float | None
    alert_at_percent: float
    bytes_per_day: float  # the current rate (see status/usage.py)
    calls_per_day: float
    calls_per_run: float | None
    cap_reached_at: datetime | None  # when the cap is reached at the current rate; None: not within a window
    days: list[DailyUsage]  # every day of the window, oldest first
    runs: list[RunUsage]  # the latest runs that called FMP, newest first


class SchemaChange(ApiModel):
    id: int
    endpoint: str
    detected_at: datetime
    run_id: str | None
    added: list[str]
    dropped: list[str]


class MetricsResponse(ApiModel):
    generated_at: datetime
    recent_runs: int  # how many finished runs per job the success rate and throughput cover
    availability_window_days: int
    on_time_minutes: int  # a scheduled run is on time when its job completed within this long after the fire
    jobs: list[JobMetrics]
    availability: Availability  # all jobs together
    usage: FmpUsage
    schema_changes: list[SchemaChange]  # the latest, newest first


# ---- runs by their id (`fmp-elt runs`, `fmp-elt status --json`) ----------------------------------------------


class ScheduleHealth(ApiModel):
    """Whether runs keep up with the schedule (see status/schedule.py)."""

    stale: bool
    last_run: datetime | None  # the newest execution's start
    missed_fire: datetime | None  # when stale: the schedule's latest fire past the grace with no run after it
    grace_hours: float


class JobRunStatus(JobStatus):
    run_id: str | None  # the run of the job's latest execution


class StatusWithRuns(StatusResponse):
    """The status contract plus run ids, for the terminal (`status --json`); the API keeps the seed's shape."""

    last_run_id: str | None
    jobs: list[JobRunStatus]  # type: ignore[assignment]
    schedule: ScheduleHealth | None = None


RunState = Literal["running", "completed", "failed"]


class RunSummary(ApiModel):
    run_id: str
    status: RunState  # failed: a job failed or was skipped
    start_time: datetime
    end_time: datetime | None
    duration_seconds: float | None
    jobs: int
    failed_jobs: list[str]
    skipped_jobs: list[str]  # their upstream failed
    records_processed: int
    records_failed: int


class RunAlert(ApiModel):
    """An alert cause whose latest message this run sent (etl.alert_state keeps one row per cause)."""

    cause: str
    kind: str
    status: str
    subject: str
    detail: str | None
    sent_at: datetime


class RunDetail(ApiModel):
    run: RunSummary
    executions: list[Execution]
    errors: list[LogEntry]
    alerts: list[RunAlert]
