"""`fmp-elt quality`: run the Great Expectations suites, record the metrics, build Data Docs.

The command is named as its job (`quality`); `validate`, its earlier name, still runs it (hidden).
"""

from __future__ import annotations

from pathlib import Path

import click

from fmp_elt.config import Settings
from fmp_elt.quality.suites import DATASETS
from fmp_elt.warehouse.connection import database_url


@click.command("quality")
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    type=click.Choice(list(DATASETS)),
    help="Validate only this dataset (repeatable). Default: all.",
)
@click.option(
    "--docs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to build Data Docs. Default: <FMP_ELT_HOME>/site/quality.",
)
@click.option("--run-id", help="Record the results under this run id (a UUID). Default: a new one.")
def command(datasets: tuple[str, ...], docs_dir: Path | None, run_id: str | None) -> None:
    """Validate the raw landing and the marts; exit 1 when a critical suite fails.

    Each dataset gets one row in etl.data_quality (records, invalid, missing, duplicates, freshness, suite
    statistics) and one row per expectation in etl.data_quality_results. Failures of non-critical suites
    (raw landing, ratios) are recorded as warnings and do not change the exit code.
    """
    from fmp_elt.quality import run_validation

    url = database_url(Settings.from_env())
    report = run_validation(url, run_id=run_id, datasets=list(datasets) or None, docs_dir=docs_dir)
    click.echo(f"{'dataset':<20} {'suite':<8} {'rows':>9} {'invalid':>8} {'missing':>8} {'dups':>6} fresh  checks")
    for d in report.datasets:
        verdict = "passed" if d.success else "FAILED" if d.critical else "warning"
        fresh = "-" if d.is_fresh is None else "yes" if d.is_fresh else "NO"
        checks = f"{d.successful_expectations}/{d.evaluated_expectations}"
        click.echo(
            f"{d.dataset:<20} {verdict:<8} {d.total_records:>9} {d.invalid_records:>8} {d.missing_fields:>8}"
            f" {d.duplicate_records:>6} {fresh:<6} {checks}"
        )
        for outcome in d.failed():
            count = "" if outcome.unexpected_count is None else f": {outcome.unexpected_count} rows"
            reason = outcome.details.get("exception") or ""
            click.echo(f"    - {outcome.rule or outcome.expectation_type}{count} {reason}".rstrip())
        if "error" in d.metadata:
            click.echo(f"    - {d.metadata['error']}")
    click.echo(report.summary())
    click.echo(f"run id: {report.run_id}")
    if report.docs_index:
        click.echo(f"Data Docs: {report.docs_index}")
    if report.critical_failed:
        raise SystemExit(1)


# The command's earlier name: works as before, left out of the help and the reference.
ALIASES = [click.Command("validate", callback=command.callback, params=command.params, help=command.help, hidden=True)]
