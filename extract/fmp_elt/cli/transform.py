"""`fmp-elt transform`: `dbt build` on the warehouse (staging views, marts, their tests), then a short summary."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fmp_elt.config import Settings, usable_dir
from fmp_elt.warehouse import runlog
from fmp_elt.warehouse.connection import database_url
from fmp_elt.warehouse.schema import ensure_schema

if TYPE_CHECKING:
    from fmp_elt.transform_stage import DbtPaths, DbtResult


def _words(values: Iterable[str]) -> tuple[str, ...]:
    """`--select "a b" --select c` means a, b and c, as in dbt (a comma inside one word is dbt's intersection)."""
    return tuple(word for value in values for word in value.split())


@click.command("transform")
@click.option("--select", "-s", "select", multiple=True, help="dbt node selection (e.g. daily_ma+), repeatable.")
@click.option("--exclude", multiple=True, help="dbt nodes to leave out, repeatable.")
@click.option("--full-refresh", is_flag=True, help="Rebuild the incremental marts from raw.")
@click.option("--docs", is_flag=True, help="Also write the static docs site (dbt docs generate --static).")
@click.option("--unit-tests", is_flag=True, help="Also run dbt's unit tests (CI runs them; off in production).")
@click.option(
    "--state",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder with another run's manifest.json (production's): build and test only what changed since"
    " (state:modified+), deferring to the relations it names; everything when the folder has no manifest.",
)
@click.option("--verbose", "-v", is_flag=True, help="Show dbt's own output as it runs.")
@click.option("--print-env", is_flag=True, help="Print the variables dbt_project/profiles.yml reads, then exit.")
def command(
    select: tuple[str, ...],
    exclude: tuple[str, ...],
    full_refresh: bool,
    docs: bool,
    unit_tests: bool,
    state: Path | None,
    verbose: bool,
    print_env: bool,
) -> None:
    """Build the marts with dbt: staging views, incremental marts and their data tests, in order."""
    from fmp_elt import transform_stage

    settings = Settings.from_env()
    url = database_url(settings)
    paths = transform_stage.DbtPaths.under(usable_dir(settings.home, "FMP_ELT_HOME"))
    if print_env:
        click.echo(env_exports(url, paths))
        return
    ensure_schema(url)
    if state is not None and not transform_stage.has_manifest(state):
        click.echo(f"no manifest.json in {state}: building everything", err=True)
    # Exclusive, like `fmp-elt run`: rows landing while the marts read their high-water mark could be skipped.
    with runlog.run_lock(url, hint="run it again once that run has finished"):
        result = transform_stage.build(
            url,
            paths,
            select=_words(select),
            exclude=_words(exclude),
            full_refresh=full_refresh,
            unit_tests=unit_tests,
            state=state,
            echo=verbose,
        )
    report(result)
    if docs and result.ok:
        docs_result = transform_stage.generate_docs(url, paths, echo=verbose)
        if docs_result.ok:
            click.echo(f"docs: {paths.static_docs}")
        else:
            report(docs_result)
            raise click.exceptions.Exit(1)
    if not result.ok:
        raise click.exceptions.Exit(1)


def report(result: DbtResult) -> None:
    """The summary line, then each failure or warning on a line of its own."""
    click.echo(result.summary())
    for node in result.problems():
        message = (node.message or "").strip().splitlines()
        click.echo(f"  {node.status:<5} {node.name}: {message[0] if message else ''}")
    if not result.ok and not result.nodes:
        # dbt stopped before running anything (bad selector, broken project, no database): show why
        lines = [line for line in result.output.splitlines() if line.strip()]
        click.echo("\n".join(lines[-15:]), err=True)


def env_exports(url: str, paths: DbtPaths) -> str:
    """Shell lines that let a person run dbt by hand against the same warehouse (no password printed).

    They name the project, its profiles and the home's target and log folders, so `dbt build` works from any
    directory and never writes into the project (which may be inside the installed package).
    """
    from fmp_elt.transform_stage import PASSWORD_VAR, dbt_env

    env = dbt_env(url, base={}, paths=paths)
    lines = [f"export {key}={shlex.quote(env[key])}" for key in sorted(env) if key != PASSWORD_VAR]
    if env[PASSWORD_VAR]:
        lines.append(f"# and the warehouse password: export {PASSWORD_VAR}=...")
    return "\n".join(lines)
