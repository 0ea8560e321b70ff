"""Alert throttling in `etl.alert_state`: a cause alerts once when it opens, at most once per reminder
interval while it stays open, and once when it recovers; an event (`Condition.once`) alerts once and is
recorded as resolved at once. An event kind (new price anomalies) has no open state to remind of or recover
from: each active condition is a new batch and alerts once. Rows change only for alerts that were delivered, so
an alert nobody received is tried again after the next run."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import TracebackType

from fmp_elt.orchestration.alerts.message import EVENT_KINDS, Alert, Condition
from fmp_elt.warehouse.connection import connect


class AlertState:
    """The throttle's memory, on one connection for the evaluation of a run."""

    def __init__(self, url: str) -> None:
        self.conn = connect(url, application_name="fmp-elt:alerts")
        self.conn.autocommit = True

    def __enter__(self) -> AlertState:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.conn.close()

    def decide(
        self, condition: Condition, run_id: str, link: str | None, now: datetime, remind_after: timedelta
    ) -> Alert | None:
        """The alert this condition calls for, or None when it is news to nobody."""
        if condition.kind in EVENT_KINDS:
            return Alert(condition, "opened", run_id, link, now) if condition.active else None
        with self.conn.cursor() as cur:
            cur.execute(
                "select status, first_sent_at, last_sent_at from etl.alert_state where cause = %s",
                (condition.cause,),
            )
            row = cur.fetchone()
        is_open = row is not None and row[0] == "open"
        if condition.once:
            return Alert(condition, "opened", run_id, link, now) if condition.active and row is None else None
        if condition.active and not is_open:
            return Alert(condition, "opened", run_id, link, now)
        if condition.active and row is not None:
            if now - row[2] >= remind_after:
                return Alert(condition, "reminder", run_id, link, now, open_since=row[1])
            self._suppressed(condition.cause)
            return None
        if not condition.active and is_open and row is not None:
            return Alert(condition, "recovered", run_id, link, now, open_since=row[1])
        return None

    def record(self, alert: Alert) -> None:
        condition = alert.condition
        with self.conn.cursor() as cur:
            if alert.transition == "opened":
                cur.execute(
                    "insert into etl.alert_state (cause, kind, status, subject, detail, run_id, first_sent_at,"
                    " last_sent_at, resolved_at) values (%(cause)s, %(kind)s, %(status)s, %(subject)s, %(detail)s,"
                    " %(run)s, %(at)s, %(at)s, %(resolved)s) on conflict (cause) do update set kind = excluded.kind,"
                    " status = excluded.status, subject = excluded.subject, detail = excluded.detail,"
                    " run_id = excluded.run_id, first_sent_at = excluded.first_sent_at,"
                    " last_sent_at = excluded.last_sent_at, sent_count = 1, suppressed_count = 0,"
                    " resolved_at = excluded.resolved_at",
                    {
                        "cause": condition.cause,
                        "kind": condition.kind,
                        "status": "resolved" if condition.once else "open",
                        "resolved": alert.at if condition.once else None,
                        "subject": condition.subject,
                        "detail": condition.detail,
                        "run": alert.run_id,
                        "at": alert.at,
                    },
                )
            elif alert.transition == "reminder":
                cur.execute(
                    "update etl.alert_state set last_sent_at = %s, sent_count = sent_count + 1, detail = %s,"
                    " run_id = %s where cause = %s",
                    (alert.at, condition.detail, alert.run_id, condition.cause),
                )
            else:
                cur.execute(
                    "update etl.alert_state set status = 'resolved', resolved_at = %s, last_sent_at = %s,"
                    " run_id = %s where cause = %s",
                    (alert.at, alert.at, alert.run_id, condition.cause),
                )

    def _suppressed(self, cause: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute("update etl.alert_state set suppressed_count = suppressed_count + 1 where cause = %s", (cause,))
