"""Alerts after a run: Slack and email, on job failure, critical quality failure, stale data, and recovery.

Each problem has a cause key (`job:prices`, `quality:daily_prices`, `stale:marts.daily_prices`). A cause is
announced when it opens, reminded at most once per `ALERT_REMIND_HOURS` (default 24) while it stays open, and
its recovery is announced once (see state.py). Channels come from the environment (DESIGN.md): Slack when
`SLACK_WEBHOOK_URL` is set, email when `SMTP_HOST` is set. A channel that cannot deliver is reported and
does not fail the run; an alert nobody received is tried again after the next run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from extract import clock
from extract.errors import ConfigError
from extract.pipeline.job_config import JobConfig
from extract.warehouse.connection import connect

if TYPE_CHECKING:
    from extract.api.models import QualityCheck
    from extract.pipeline.runner import RunReport

log = logging.getLogger(__name__)

Kind = Literal["job_failed", "quality_failed", "stale_data"]
KIND_TITLES = {"job_failed": "job failed", "quality_failed": "critical quality failure", "stale_data": "stale data"}


@dataclass(frozen=True)
class Condition:
    """One cause's state as this run saw it."""

    cause: str
    kind: Kind
    active: bool
    subject: str
    detail: str | None = None
    job: str | None = None


@dataclass(frozen=True)
class Alert:
    """A message to send: a cause that opened, is still open (reminder), or recovered."""

    condition: Condition
    transition: Literal["opened", "reminder", "recovered"]
    run_id: str
    link: str | None
    at: datetime
    open_since: datetime | None = None
    details: tuple[tuple[str, str], ...] = field(default=())

    @property
    def title(self) -> str:
        if self.transition == "recovered":
            return f"fmp-elt recovered: {self.condition.subject}"
        prefix = "still failing" if self.transition == "reminder" else KIND_TITLES[self.condition.kind]
        return f"fmp-elt {prefix}: {self.condition.subject}"

    def fields(self) -> list[tuple[str, str]]:
        """(label, value) lines, in the order people read them; shared by every channel."""
        rows: list[tuple[str, str]] = []
        if self.condition.job:
            rows.append(("Job", self.condition.job))
        if self.condition.detail and self.transition != "recovered":
            rows.append(("Error" if self.condition.kind == "job_failed" else "Detail", self.condition.detail))
        if self.open_since is not None:
            rows.append(("Open since", f"{self.open_since:%Y-%m-%d %H:%M} UTC"))
        rows.extend(self.details)
        rows.append(("Run", self.run_id))
        rows.append(("Link", self.link or f"fmp-elt logs --run {self.run_id}"))
        rows.append(("Time", f"{self.at:%Y-%m-%d %H:%M:%S} UTC"))
        return rows


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, alert: Alert) -> None: ...


def channels_from_env(env: Mapping[str, str] | None = None) -> list[Channel]:
    """The configured channels; a half-configured one is a ConfigError (checked before a run starts)."""
    from extract.pipeline.alerts.email import EmailChannel
    from extract.pipeline.alerts.slack import SlackChannel

    env = os.environ if env is None else env
    channels: list[Channel] = []
    if env.get("SLACK_WEBHOOK_URL"):
        channels.append(SlackChannel.from_env(env))
    if env.get("SMTP_HOST"):
        channels.append(EmailChannel.from_env(env))
    return channels


def remind_after(env: Mapping[str, str]) -> timedelta:
    raw = env.get("ALERT_REMIND_HOURS", "24").strip()
    try:
        hours = float(raw)
    except ValueError:
        raise ConfigError(f"ALERT_REMIND_HOURS={raw!r} is not a number of hours") from None
    return timedelta(hours=hours)


def run_link(run_id: str, env: Mapping[str, str]) -> str | None:
    """Where to look at this run: the Actions run when in Actions, else the dashboard when its URL is known."""
    server, repo, actions_run = (env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if server and repo and actions_run:
        return f"{server}/{repo}/actions/runs/{actions_run}"
    dashboard = env.get("ETL_DASHBOARD_URL")
    return f"{dashboard.rstrip('/')}/?run={run_id}" if dashboard else None


def job_conditions(report: RunReport) -> list[Condition]:
    """Failed jobs open their cause (naming what they skipped); completed ones close it."""
    conditions = []
    for outcome in report.outcomes:
        if outcome.status == "skipped":
            continue  # its cause is the upstream failure, announced once
        skipped = [o.name for o in report.outcomes if o.status == "skipped" and o.upstream == outcome.name]
        detail = outcome.error
        if skipped:
            detail = f"{detail} (skipped because of it: {', '.join(skipped)})"
        conditions.append(
            Condition(
                f"job:{outcome.name}",
                "job_failed",
                active=outcome.status == "failed",
                subject=f"job {outcome.name}",
                detail=detail,
                job=outcome.name,
            )
        )
    return conditions


def data_conditions(url: str, jobs: list[JobConfig], now: datetime) -> list[Condition]:
    """Critical quality failures and stale tables, from the latest quality checks and freshness."""
    from extract.api import queries

    conn = connect(url)
    try:
        checks = queries.latest_quality(conn)
        tables = queries.freshness(conn, jobs, now)
    finally:
        conn.close()
    conditions = [
        Condition(
            f"quality:{check.dataset}",
            "quality_failed",
            active=check.critical_failed,
            subject=f"dataset {check.dataset}",
            detail=_quality_detail(check),
        )
        for check in checks
    ]
    conditions += [
        Condition(
            f"stale:{table.table}",
            "stale_data",
            active=not table.is_fresh,
            subject=f"table {table.table}",
            detail=f"last updated {table.last_updated:%Y-%m-%d %H:%M} UTC ({table.age_hours:g} h ago)"
            + (f", newest record {table.lag_hours:g} h behind" if table.lag_hours is not None else ""),
        )
        for table in tables
        # never loaded is a job failure's business, not staleness
        if table.is_fresh is not None and table.last_updated is not None
    ]
    return conditions


def _quality_detail(check: QualityCheck) -> str:
    parts = []
    if check.success_percent is not None:
        parts.append(f"{check.success_percent:.1f}% of expectations passed")
    if check.invalid_records:
        parts.append(f"{check.invalid_records} invalid of {check.total_records} records")
    if check.duplicate_records:
        parts.append(f"{check.duplicate_records} duplicates")
    return ", ".join(parts) or "expectations failed"


def after_run(
    url: str,
    jobs: list[JobConfig],
    report: RunReport,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> list[Alert]:
    """Evaluate every cause after a run and send what the throttle lets through; returns what was sent."""
    from extract.pipeline.alerts import state

    env = os.environ if env is None else env
    channels = channels_from_env(env)
    if not channels:
        return []
    now = now or clock.now()
    conditions = job_conditions(report) + data_conditions(url, jobs, now)
    link = run_link(report.run_id, env)
    sent: list[Alert] = []
    with state.AlertState(url) as alert_state:
        for condition in conditions:
            alert = alert_state.decide(condition, report.run_id, link, now, remind_after(env))
            if alert is None:
                continue
            if deliver(alert, channels):
                alert_state.record(alert)
                sent.append(alert)
    return sent


def deliver(alert: Alert, channels: list[Channel]) -> bool:
    """Send on every channel; True when at least one took it."""
    delivered = False
    for channel in channels:
        try:
            channel.send(alert)
            delivered = True
        except Exception as exc:  # one broken channel must not silence the others
            log.warning("alert via %s failed: %s", channel.name, exc)
    return delivered
