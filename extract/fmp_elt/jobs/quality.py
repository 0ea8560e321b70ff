"""Job `quality`: Great Expectations over the marts; a critical suite failing fails the job.

`FMP_ELT_SKIP_DATA_DOCS=1` (a run that publishes nothing: the demo's replayed days) validates and records as
always but builds no Data Docs; the execution's metadata lists them as `omitted`.
"""

from __future__ import annotations

import os

from fmp_elt.orchestration.job_context import JobContext, JobResult
from fmp_elt.quality import run_validation

SKIP_DATA_DOCS_ENV = "FMP_ELT_SKIP_DATA_DOCS"
# What the job's process imports to validate (seconds of CPU): the runner's fork server imports it once, ahead
# (fmp_elt.orchestration.attempt_process); importing this module does not.
PRELOAD = (
    "great_expectations",
    "great_expectations.expectations",
    "great_expectations.data_context",
    "great_expectations.core.run_identifier",
    "sqlalchemy.engine",
)


def run(ctx: JobContext) -> JobResult:
    data_docs = os.environ.get(SKIP_DATA_DOCS_ENV) != "1"
    report = run_validation(ctx.database_url, run_id=ctx.run_id, data_docs=data_docs)
    if not data_docs:
        ctx.omit("dataDocs", f"{SKIP_DATA_DOCS_ENV}=1")
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
