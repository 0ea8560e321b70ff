"""Job `prices`: extract the prices stream from FMP into raw.*."""

from __future__ import annotations

from fmp_elt.jobs.streams import run_stream
from fmp_elt.orchestration.job_context import JobContext, JobResult


def run(ctx: JobContext) -> JobResult:
    return run_stream(ctx, "prices")
