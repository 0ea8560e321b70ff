"""Job `ratios`: extract the ratios stream from FMP into raw.*."""

from __future__ import annotations

from extract.pipeline.jobs import JobContext, JobResult
from extract.pipeline.jobs.streams import run_stream


def run(ctx: JobContext) -> JobResult:
    return run_stream(ctx, "ratios")
