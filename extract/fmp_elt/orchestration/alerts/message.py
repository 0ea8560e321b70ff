"""What an alert says: the cause it is about, its transition, and the lines every channel shows."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol

from fmp_elt.redaction import redact, redact_data

Kind = Literal[
    "job_failed",
    "quality_failed",
    "stale_data",
    "bandwidth",
    "schema_drift",
    "price_anomalies",
    "history_repaired",
    "restatements",
]
KIND_TITLES = {
    "job_failed": "job failed",
    "quality_failed": "critical quality failure",
    "stale_data": "stale data",
    "bandwidth": "near the FMP bandwidth cap",
    "schema_drift": "schema drift",
    "price_anomalies": "price anomalies",
    "history_repaired": "adjusted history repaired",
    "restatements": "restatements (information)",
}
# Kinds that are news once (each new batch is its own message): no reminder, no recovery.
EVENT_KINDS = frozenset({"price_anomalies", "restatements"})


@dataclass(frozen=True)
class Condition:
    """One cause's state as this run saw it."""

    cause: str
    kind: Kind
    active: bool
    subject: str
    detail: str | None = None
    job: str | None = None
    once: bool = False  # an event (a schema change): announced once, never reminded, never "recovered"


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

    def redacted(self) -> Alert:
        """The alert as it may be sent and stored: an error quoting a URL or a secret is masked."""
        condition = replace(
            self.condition,
            subject=redact(self.condition.subject),
            detail=redact(self.condition.detail) if self.condition.detail else self.condition.detail,
        )
        return replace(self, condition=condition, details=redact_data(self.details))

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
