"""Alert causes from the operational metrics: FMP bandwidth past 80% of the plan's cap (a cause like any other:
announced once, reminded, recovered), and each schema change FMP made to an endpoint (an event: announced once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fmp_elt.config import Plan
from fmp_elt.orchestration.alerts.message import Condition
from fmp_elt.status import models, queries, usage
from fmp_elt.warehouse.connection import connect
from fmp_elt.warehouse.field_sets import describe_change

# Changes older than this are not announced any more (say, when alerting was configured long after them).
DRIFT_LOOKBACK = timedelta(days=30)


def operations_conditions(url: str, plan: Plan, now: datetime) -> list[Condition]:
    conn = connect(url)
    try:
        fmp = usage.fmp_usage(conn, plan, now)
        changes = queries.schema_changes(conn, since=now - DRIFT_LOOKBACK, limit=1000)
    finally:
        conn.close()
    conditions = [bandwidth_condition(fmp)] if fmp.bandwidth_cap_bytes else []
    return conditions + [drift_condition(change) for change in changes] + repaired_conditions(url, now)


def repaired_conditions(url: str, now: datetime) -> list[Condition]:
    """Each symbol whose dividend-adjusted history the weekly check found changed with no split or dividend in
    the calendars (an event they missed), repaired by a refetch: an event, announced once per repair."""
    conn = connect(url)
    try:
        repairs = queries.repaired_histories(conn, since=now - DRIFT_LOOKBACK)
    finally:
        conn.close()
    return [
        Condition(
            f"repaired:{symbol}:{execution_id}",
            "history_repaired",
            active=True,
            subject=f"symbol {symbol}",
            detail=(
                f"its dividend-adjusted history changed on {at:%Y-%m-%d} with no split or dividend in the"
                " calendars (an event they missed); refetched whole, the marts follow on the next transform"
            ),
            once=True,
        )
        for execution_id, at, symbol in repairs
    ]


def bandwidth_condition(fmp: models.FmpUsage) -> Condition:
    return Condition(
        "bandwidth:fmp",
        "bandwidth",
        active=(fmp.used_percent or 0.0) >= fmp.alert_at_percent,
        subject=f"{fmp.plan} plan key",
        detail=usage.describe(fmp),
    )


def drift_condition(change: models.SchemaChange) -> Condition:
    return Condition(
        f"schema:{change.endpoint}:{change.id}",
        "schema_drift",
        active=True,
        subject=f"endpoint {change.endpoint}",
        detail=f"{describe_change(change.added, change.dropped)} (detected {change.detected_at:%Y-%m-%d %H:%M} UTC)",
        once=True,
    )
