"""`fmp-elt upgrade`: move a warehouse onto the as-traded price base in one step, its cost stated first."""

from __future__ import annotations

import click

from fmp_elt.config import Settings, usable_dir
from fmp_elt.warehouse import runlog
from fmp_elt.warehouse.connection import database_url
from fmp_elt.warehouse.schema import ensure_schema


@click.command("upgrade")
@click.option("--dry-run", is_flag=True, help="State the symbols behind and the cost, fetch nothing.")
def command(dry_run: bool) -> None:
    """Fetch the as-traded history of each symbol still on the old price base once, then rebuild the marts."""
    from fmp_elt.cli.transform import report
    from fmp_elt.orchestration.as_traded_upgrade import upgrade
    from fmp_elt.transform_stage import DbtPaths

    settings = Settings.from_env()
    url = database_url(settings)
    ensure_schema(url)
    paths = DbtPaths.under(usable_dir(settings.home, "FMP_ELT_HOME"))
    # Exclusive, like `fmp-elt run`: the full refresh must not read raw while another run lands in it.
    with runlog.run_lock(url, hint="run it again once that run has finished"):
        result = upgrade(settings, url, paths, dry_run=dry_run, on_cost=lambda cost: click.echo(cost.line()))
    if dry_run or result.extract is None:
        return
    click.echo(result.extract.line())
    for failure in result.extract.failures[:10]:
        click.echo(f"  failed {failure.symbol}: {failure.reason}", err=True)
    assert result.transform is not None
    report(result.transform)
    if result.extract.failures or not result.transform.ok:
        click.echo("run `fmp-elt upgrade` again: it fetches only the symbols still behind", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"upgraded {len(result.upgraded)} symbols to the as-traded base; marts rebuilt")
