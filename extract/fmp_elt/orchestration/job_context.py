"""What a job module is: a module with `run(ctx: JobContext) -> JobResult`, named by `module:` in jobs.yml.

The runner calls `run` in a process of its own (so a job that overruns its timeout can be killed) and records
the execution around it: a job reports its counts and metadata through `ctx.execution` (`count`, `log`,
`metadata`) and returns a `JobResult` that says whether it succeeded. Raising an exception fails the attempt
too; `ConfigError` is not retried (configuration does not fix itself between attempts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fmp_elt.config import Settings
from fmp_elt.job_config import JobConfig
from fmp_elt.warehouse.runlog import Execution


@dataclass(frozen=True)
class RunOptions:
    """What `fmp-elt run` was asked for beyond the job list: backfill window, symbols, full refresh."""

    symbols: tuple[str, ...] | None = None
    date_from: date | None = None
    date_to: date | None = None
    full_refresh: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "symbols": list(self.symbols) if self.symbols else None,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "fullRefresh": self.full_refresh,
        }


@dataclass
class JobContext:
    """Everything one attempt of a job gets."""

    job: JobConfig
    run_id: str
    database_url: str
    execution: Execution
    attempt: int
    options: RunOptions

    @property
    def name(self) -> str:
        return self.job.name

    def settings(self) -> Settings:
        """Settings from this job's environment (jobs.yml `environment` already applied)."""
        return Settings.from_env()

    def log(self, level: str, message: str, **metadata: Any) -> None:
        self.execution.log(level, message, **metadata)

    def omit(self, step: str, why: str) -> None:
        """Record a step of the job this attempt left out, in the log and in the metadata's `omitted` list, so
        the run log never claims work that was not done."""
        omitted = self.execution.metadata.setdefault("omitted", [])
        if step not in omitted:
            omitted.append(step)
        self.log("INFO", f"{step} not run: {why}")


@dataclass
class JobResult:
    """How an attempt ended when it returned: `error` set means it failed (and `retryable` says if it is
    worth another attempt); `metadata` is merged into the execution's."""

    error: str | None = None
    retryable: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None
