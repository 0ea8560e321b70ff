"""The extract jobs' shared body: land one stream's raw records within the job's execution."""

from __future__ import annotations

from fmp_elt.extraction import extract_stream
from fmp_elt.orchestration.job_context import JobContext, JobResult
from fmp_elt.streams.base import ExtractOptions


def run_stream(ctx: JobContext, stream: str) -> JobResult:
    """Extract `stream`; some symbols failing is partial success (counted), all of them failing is a failure."""

    options = ExtractOptions(
        symbols=list(ctx.options.symbols) if ctx.options.symbols else None,
        date_from=ctx.options.date_from,
        date_to=ctx.options.date_to,
        full_refresh=ctx.options.full_refresh,
    )
    summary = extract_stream(
        ctx.settings(), ctx.database_url, stream, options, run_id=ctx.run_id, execution=ctx.execution
    )
    details = summary.as_dict()
    ctx.execution.metadata.update(details)
    ctx.log("INFO", summary.line(), **details)
    if summary.failures and len(summary.failures) >= summary.units:
        return JobResult(error=f"every unit of {stream} failed, e.g. {summary.failures[0].reason}")
    if summary.failures:
        ctx.log("WARNING", f"{len(summary.failures)} of {summary.units} {stream} units failed", **details)
    return JobResult()
