"""What a validation run found: per dataset its metrics, suite statistics and expectation outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result, flattened for `etl.data_quality_results`."""

    expectation_type: str
    column: str | None
    rule: str | None
    description: str | None
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetReport:
    """One row of `etl.data_quality` (definitions in `metrics`) and the outcomes behind it."""

    dataset: str
    suite: str
    table: str
    critical: bool
    success: bool
    total_records: int
    valid_records: int
    invalid_records: int
    missing_fields: int
    duplicate_records: int
    data_freshness: float | None  # seconds
    is_fresh: bool | None
    evaluated_expectations: int
    successful_expectations: int
    unsuccessful_expectations: int
    success_percent: float | None
    expectations: tuple[ExpectationOutcome, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    restated_records: int = 0  # information (see `metrics`), never a failure

    def failed(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.expectations if not outcome.success]


@dataclass(frozen=True)
class ValidationReport:
    run_id: str
    checked_at: datetime
    datasets: tuple[DatasetReport, ...]
    docs_index: Path | None

    @property
    def success(self) -> bool:
        """Every suite passed, critical or not."""
        return all(report.success for report in self.datasets)

    @property
    def critical_failed(self) -> bool:
        """A suite marked critical failed: the run should count as failed (exit code 1)."""
        return any(report.critical and not report.success for report in self.datasets)

    def dataset(self, name: str) -> DatasetReport:
        for report in self.datasets:
            if report.dataset == name:
                return report
        raise KeyError(name)

    def summary(self) -> str:
        failed = [report.dataset for report in self.datasets if not report.success]
        verdict = "critical failure" if self.critical_failed else "passed" if self.success else "warnings"
        detail = f" (failed: {', '.join(failed)})" if failed else ""
        return f"quality {verdict}: {len(self.datasets) - len(failed)}/{len(self.datasets)} suites passed{detail}"
