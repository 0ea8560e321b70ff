"""Job `site`: rebuild the static site (dashboard snapshot, dbt docs, GX Data Docs).

It runs last in a run (jobs.yml), so its snapshot holds every job of the run finished; its own execution,
still running while the snapshot is taken, appears there as completed (see `build_site`'s `writer`).

The output folder is `FMP_ELT_SITE_DIR` when set (the workflow publishes it), else `<FMP_ELT_HOME>/site`.
"""

from __future__ import annotations

import os
from pathlib import Path

from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.job_context import JobContext, JobResult
from fmp_elt.serve.static_site import build_site, default_sources, describe


def run(ctx: JobContext) -> JobResult:
    settings = ctx.settings()
    out = Path(os.environ.get("FMP_ELT_SITE_DIR") or settings.home / "site")
    dbt_docs, quality_docs = default_sources(settings)
    # the site shows the run it belongs to: the jobs before this one finished, and this one as completed
    report = build_site(
        ctx.database_url, out, load_jobs(), dbt_docs=dbt_docs, quality_docs=quality_docs, writer=ctx.execution.id
    )
    ctx.execution.metadata["site"] = describe(report)
    ctx.log("INFO", f"site written to {report.index}", **describe(report))
    return JobResult()
