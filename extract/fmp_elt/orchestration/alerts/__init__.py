"""Alerts after a run: Slack and email, on job failure, critical quality failure, stale data, FMP bandwidth past
80% of the plan's cap, schema drift, new price anomalies (once per batch, see anomalies.py), new restatements
(information, once per batch, see restatements.py), and recovery.

Each problem has a cause key (`job:prices`, `quality:daily_prices`, `stale:marts.daily_prices`, `bandwidth:fmp`,
`schema:<endpoint>:<change id>`). A cause is announced when it opens, reminded at most once per
`ALERT_REMIND_HOURS` (default 24) while it stays open, and its recovery is announced once (see throttle.py); a
schema change is an event, announced once. Channels come from the environment (docs/reference/): Slack when
`SLACK_WEBHOOK_URL` is set, email when `SMTP_HOST` is set. A channel that cannot deliver is reported and
does not fail the run; an alert nobody received is tried again after the next run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime, timedelta

from fmp_elt import clock
from fmp_elt.config import plan_from_env
from fmp_elt.errors import ConfigError
from fmp_elt.job_config import JobConfig
from fmp_elt.orchestration.alerts import anomalies, restatements, throttle
from fmp_elt.orchestration.alerts.email import EmailChannel
from fmp_elt.orchestration.alerts.message import Alert, Channel, Condition
from fmp_elt.orchestration.alerts.operations import operations_conditions
from fmp_elt.orchestration.alerts.slack import SlackChannel
from fmp_elt.orchestration.report import RunReport
from fmp_elt.redaction import redact
from fmp_elt.status import queries
from fmp_elt.status.models import QualityCheck
from fmp_elt.warehouse.connection import connect

log = logging.getLogger(__name__)


def channels_from_env(env: Mapping[str, str] | None = None) -> list[Channel]:
    """The configured channels; a half-configured one is a ConfigError (checked before a run starts)."""
    env = os.environ if env is None else env
    channels: list[Channel] = []
    if env.get("SLACK_WEBHOOK_URL"):
        channels.append(SlackChannel.from_env(env))
    if env.get("SMTP_HOST"):
        channels.append(EmailChannel.from_env(env))
    return channels


MAX_REMIND_HOURS = 24 * 366  # a year: "never remind" in practice, well inside what timedelta holds


def remind_after(env: Mapping[str, str]) -> timedelta:
    raw = env.get("ALERT_REMIND_HOURS", "24").strip()
    try:
        hours = float(raw)
    except ValueError:
        raise ConfigError(f"ALERT_REMIND_HOURS={raw!r} is not a number of hours") from None
    if not 0 <= hours <= MAX_REMIND_HOURS:  # also refuses nan and inf, which timedelta cannot hold
        raise ConfigError(f"ALERT_REMIND_HOURS={raw!r} must be a number of hours from 0 to {MAX_REMIND_HOURS}")
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
    channels: list[Channel] | None = None,
) -> list[Alert]:
    """Evaluate every cause after a run and send what the throttle lets through; returns what was sent.

    `channels` replaces the ones the environment configures (the demo's console)."""
    env = os.environ if env is None else env
    channels = channels_from_env(env) if channels is None else channels
    if not channels:
        return []
    now = now or clock.now()
    conditions = job_conditions(report) + data_conditions(url, jobs, now)
    conditions += operations_conditions(url, plan_from_env(env), now)
    batch = anomalies.new_batch(url)
    if batch is not None:
        conditions.append(batch.condition())
    restated = restatements.new_batch(url)
    if restated is not None:
        conditions.append(restated.condition())
    link = run_link(report.run_id, env)
    sent: list[Alert] = []
    with throttle.AlertState(url) as alert_state:
        for condition in conditions:
            alert = alert_state.decide(condition, report.run_id, link, now, remind_after(env))
            if alert is None:
                continue
            alert = alert.redacted()
            if deliver(alert, channels):
                alert_state.record(alert)
                sent.append(alert)
                if batch is not None and condition.cause == anomalies.CAUSE:
                    anomalies.remember(url, batch, report.run_id)
                if restated is not None and condition.cause == restatements.CAUSE:
                    restatements.remember(url, restated, report.run_id)
    return sent


def deliver(alert: Alert, channels: list[Channel]) -> list[str]:
    """Send (redacted) on every channel; the names of those that took it."""
    alert = alert.redacted()
    delivered: list[str] = []
    for channel in channels:
        try:
            channel.send(alert)
            delivered.append(channel.name)
        except Exception as exc:  # one broken channel must not silence the others
            log.warning("alert via %s failed: %s", channel.name, redact(str(exc)))
    return delivered
