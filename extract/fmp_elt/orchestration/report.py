"""What a pipeline run reports: one outcome per job (read by the CLI, the alerts and the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class JobOutcome:
    name: str
    status: Literal["completed", "failed", "skipped"]
    attempts: int = 0
    seconds: float = 0.0
    records_processed: int = 0
    records_failed: int = 0
    error: str | None = None
    execution_id: str | None = None
    upstream: str | None = None  # skipped: the failed job that caused it


@dataclass
class RunReport:
    run_id: str
    outcomes: list[JobOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(outcome.status == "completed" for outcome in self.outcomes)

    def outcome(self, name: str) -> JobOutcome:
        return next(outcome for outcome in self.outcomes if outcome.name == name)
