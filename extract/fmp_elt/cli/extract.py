"""`fmp-elt extract symbols|prices|ratios`: land one stream's raw records."""

from __future__ import annotations

from datetime import date

import click

from fmp_elt.cli.options import check_range, extract_options
from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream
from fmp_elt.streams import STREAMS
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from fmp_elt.warehouse.connection import database_url
from fmp_elt.warehouse.schema import ensure_schema


@click.command("extract")
@click.argument("stream", type=click.Choice(list(STREAMS)))
@extract_options
def command(
    stream: str,
    symbols: list[str] | None,
    date_from: date | None,
    date_to: date | None,
    full_refresh: bool,
    shard: tuple[int, int] | None,
) -> None:
    """Extract STREAM from FMP into the raw tables (incremental unless --full-refresh or --from)."""
    check_range(date_from, date_to)
    settings = Settings.from_env()
    settings.require_api_key()
    url = database_url(settings)
    options = ExtractOptions(symbols, date_from, date_to, full_refresh, shard)
    ensure_schema(url)
    # Shared: shards run side by side, but never beside `fmp-elt run` (which would take them for dead runs).
    with runlog.run_lock(url, shared=True, hint="run it again once that run has finished"):
        summary = run_extract(settings, url, stream, options, progress=True)
    click.echo(summary.line())
    if summary.failures:
        for failure in summary.failures[:10]:
            click.echo(f"  failed {failure.symbol}: {failure.reason}", err=True)
        raise SystemExit(1)


def run_extract(
    settings: Settings, url: str, stream: str, options: ExtractOptions, *, progress: bool = False
) -> ExtractSummary:
    """Extract one stream as a recorded execution (etl.executions + etl.logs)."""
    with runlog.recorded(url, stream) as execution:
        summary = extract_stream(
            settings, url, stream, options, run_id=execution.run_id, execution=execution, progress=progress
        )
        execution.metadata.update(summary.as_dict())
        execution.log("INFO", summary.line(), **summary.as_dict())
        if summary.failures:
            execution.metadata["error_message"] = f"{len(summary.failures)} symbols failed"
    return summary
