"""`fmp-elt site OUT`: build the static site (dashboard snapshot, dbt docs, GX Data Docs) into OUT."""

from __future__ import annotations

from pathlib import Path

import click

from fmp_elt.config import Settings
from fmp_elt.warehouse.connection import database_url
from fmp_elt.warehouse.schema import ensure_schema


@click.command("site")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--dbt-docs", type=click.Path(path_type=Path), help="dbt's static_index.html (or its target/ folder).")
@click.option("--quality-docs", type=click.Path(file_okay=False, path_type=Path), help="GX Data Docs folder.")
@click.option(
    "--max-symbols",
    type=click.IntRange(0),
    default=100,
    show_default=True,
    help="Symbols that get a price chart in the snapshot.",
)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="A built documentation site (default: built from the checkout's docs/ when MkDocs is installed).",
)
def command(
    out: Path, dbt_docs: Path | None, quality_docs: Path | None, max_symbols: int, docs_dir: Path | None
) -> None:
    """Write a static site to publish: OUT/index.html links the dashboard, the dbt docs, the GX docs and the
    documentation."""
    from fmp_elt.job_config import load_jobs
    from fmp_elt.serve.docs_site import build_docs
    from fmp_elt.serve.static_site import build_site, default_sources

    settings = Settings.from_env()
    url = database_url(settings)
    ensure_schema(url)
    dbt_default, quality_default = default_sources(settings)
    report = build_site(
        url,
        out,
        load_jobs(),
        dbt_docs=dbt_docs or dbt_default,
        quality_docs=quality_docs or quality_default,
        max_symbols=max_symbols,
        docs=docs_dir or build_docs(settings.home / "docs-site"),
    )
    for name, path in report.sections.items():
        click.echo(f"{name}: {path or 'not built yet'}", err=True)
    click.echo(report.index.resolve())
