"""Job `transform`: `dbt build` (staging views, marts, their data tests), then the static dbt docs.

Two variables lighten a run that publishes nothing (the demo's replayed days, before the last one):
`FMP_ELT_SKIP_DBT_TESTS=1` builds the models without their data tests, `FMP_ELT_SKIP_DBT_DOCS=1` makes no
docs. What was left out is logged and listed in the execution's metadata (`omitted`).
"""

from __future__ import annotations

import os

from fmp_elt import transform_stage
from fmp_elt.config import usable_dir
from fmp_elt.orchestration.job_context import JobContext, JobResult

SKIP_TESTS_ENV = "FMP_ELT_SKIP_DBT_TESTS"
SKIP_DOCS_ENV = "FMP_ELT_SKIP_DBT_DOCS"
# What the job's process imports to run dbt in process (seconds of CPU): the runner's fork server imports it once,
# ahead (fmp_elt.orchestration.attempt_process); importing this module does not.
PRELOAD = ("dbt.cli.main", "dbt.adapters.postgres")


def run(ctx: JobContext) -> JobResult:
    paths = transform_stage.DbtPaths.under(usable_dir(ctx.settings().home, "FMP_ELT_HOME"))
    data_tests = os.environ.get(SKIP_TESTS_ENV) != "1"
    result = transform_stage.build(
        ctx.database_url, paths, full_refresh=ctx.options.full_refresh, data_tests=data_tests
    )
    models = [node for node in result.nodes if node.resource_type == "model"]
    tests = [node for node in result.nodes if node.resource_type == "test"]
    ctx.execution.count(
        processed=sum(node.rows_affected or 0 for node in models),
        failed=sum(node.failures or 0 for node in tests if node.failed),
    )
    ctx.execution.metadata["dbt"] = result.metadata()
    ctx.log("INFO" if result.ok else "ERROR", result.summary(), **result.metadata())
    if not data_tests:
        ctx.omit("dbtDataTests", f"{SKIP_TESTS_ENV}=1")
    if not result.ok:
        problems = [f"{node.name}: {node.status}" for node in result.problems() if node.failed]
        # a failing data test fails again on a second try; a crash before any node ran might not
        return JobResult(error=f"{result.summary()} ({'; '.join(problems[:5])})", retryable=not tests)
    if os.environ.get(SKIP_DOCS_ENV) == "1":
        ctx.omit("dbtDocs", f"{SKIP_DOCS_ENV}=1")
        return JobResult()
    docs = transform_stage.generate_docs(ctx.database_url, paths)
    if docs.ok:
        ctx.execution.metadata["dbtDocs"] = str(paths.static_docs)
    else:  # the marts are built: missing docs are worth a warning, not a failed job
        ctx.log("WARNING", f"dbt docs were not generated: {docs.summary()}")
    return JobResult()
