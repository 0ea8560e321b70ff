"""Job `transform`: `dbt build` (staging views, marts, their data tests), then the static dbt docs."""

from __future__ import annotations

import os

from fmp_elt import transform
from fmp_elt.orchestration.job_context import JobContext, JobResult

SKIP_DOCS_ENV = "FMP_ELT_SKIP_DBT_DOCS"


def run(ctx: JobContext) -> JobResult:
    paths = transform.DbtPaths.under(ctx.settings().home)
    result = transform.build(ctx.database_url, paths, full_refresh=ctx.options.full_refresh)
    models = [node for node in result.nodes if node.resource_type == "model"]
    tests = [node for node in result.nodes if node.resource_type == "test"]
    ctx.execution.count(
        processed=sum(node.rows_affected or 0 for node in models),
        failed=sum(node.failures or 0 for node in tests if node.failed),
    )
    ctx.execution.metadata["dbt"] = result.metadata()
    ctx.log("INFO" if result.ok else "ERROR", result.summary(), **result.metadata())
    if not result.ok:
        problems = [f"{node.name}: {node.status}" for node in result.problems() if node.failed]
        # a failing data test fails again on a second try; a crash before any node ran might not
        return JobResult(error=f"{result.summary()} ({'; '.join(problems[:5])})", retryable=not tests)
    if os.environ.get(SKIP_DOCS_ENV) == "1":  # a run that publishes nothing (the demo's replayed days)
        ctx.log("INFO", f"dbt docs not generated ({SKIP_DOCS_ENV}=1)")
        return JobResult()
    docs = transform.generate_docs(ctx.database_url, paths)
    if docs.ok:
        ctx.execution.metadata["dbtDocs"] = str(paths.static_docs)
    else:  # the marts are built: missing docs are worth a warning, not a failed job
        ctx.log("WARNING", f"dbt docs were not generated: {docs.summary()}")
    return JobResult()
