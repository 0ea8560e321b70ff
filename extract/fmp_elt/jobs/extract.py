"""The extract jobs (`symbols`, `prices`, `ratios`): each lands the streams whose raw datasets name it as their job.

A stream declared for an existing job (`RawDataset.job`) is therefore extracted by that job without any change
here or in jobs.yml.
"""

from __future__ import annotations

from typing import Any

from fmp_elt.errors import ConfigError
from fmp_elt.extract_stage import extract_stream
from fmp_elt.orchestration.job_context import JobContext, JobResult
from fmp_elt.streams import STREAMS
from fmp_elt.streams.base import ExtractOptions


def streams_of(job: str) -> list[str]:
    """The streams a job lands, in registration order."""
    return [name for name, stream in STREAMS.items() if any(d.job == job for d in stream.datasets)]


def run(ctx: JobContext) -> JobResult:
    names = streams_of(ctx.name)
    if not names:
        raise ConfigError(f"job {ctx.name!r} runs fmp_elt.jobs.extract, but no stream declares it as its job")
    errors = [error for name in names if (error := run_stream(ctx, name, nested=len(names) > 1))]
    return JobResult(error="; ".join(errors)) if errors else JobResult()


def run_stream(ctx: JobContext, stream: str, *, nested: bool = False) -> str | None:
    """Extract `stream`; some symbols failing is partial success (counted), all of them failing is an error.

    With several streams in one job, each one's figures go under metadata["streams"][stream]."""
    options = ExtractOptions(
        symbols=list(ctx.options.symbols) if ctx.options.symbols else None,
        date_from=ctx.options.date_from,
        date_to=ctx.options.date_to,
        full_refresh=ctx.options.full_refresh,
    )
    summary = extract_stream(
        ctx.settings(), ctx.database_url, stream, options, run_id=ctx.run_id, execution=ctx.execution
    )
    details: dict[str, Any] = summary.as_dict()
    if nested:
        ctx.execution.metadata.setdefault("streams", {})[stream] = details
    else:
        ctx.execution.metadata.update(details)
    ctx.log("INFO", summary.line(), **details)
    if summary.failures and len(summary.failures) >= summary.units:
        return f"every unit of {stream} failed, e.g. {summary.failures[0].reason}"
    if summary.failures:
        ctx.log("WARNING", f"{len(summary.failures)} of {summary.units} {stream} units failed", **details)
    return None
