"""Job `quality`: Great Expectations over the marts; a critical suite failing fails the job."""

from __future__ import annotations

from fmp_elt.orchestration.job_context import JobContext, JobResult
from fmp_elt.quality import run_validation


def run(ctx: JobContext) -> JobResult:
    report = run_validation(ctx.database_url, run_id=ctx.run_id)
    ctx.execution.count(
        processed=sum(d.total_records for d in report.datasets),
        failed=sum(d.invalid_records for d in report.datasets),
    )
    ctx.execution.metadata["gx"] = {
        "success": report.success,
        "criticalFailed": report.critical_failed,
        "docs": str(report.docs_index) if report.docs_index else None,
        "datasets": {
            d.dataset: {
                "success": d.success,
                "critical": d.critical,
                "successPercent": d.success_percent,
                "evaluated": d.evaluated_expectations,
                "unsuccessful": d.unsuccessful_expectations,
                "isFresh": d.is_fresh,
            }
            for d in report.datasets
        },
    }
    ctx.log("WARNING" if not report.success else "INFO", report.summary())
    if report.critical_failed:
        # the data is what it is: a second look would find the same
        return JobResult(error=report.summary(), retryable=False)
    return JobResult()
