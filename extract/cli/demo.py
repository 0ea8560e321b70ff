"""`fmp-elt demo`: the whole pipeline on this machine, against the simulator and the embedded PostgreSQL."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

import click
import psycopg2

from extract.config import Settings
from extract.streams.base import ExtractOptions
from extract.warehouse.connection import connect, database_url

DEMO_DB = "fmp_demo"
DEMO_KEY = "demo-key"


@click.command("demo")
@click.option("--symbols", "n_symbols", default=25, show_default=True, help="How many synthetic symbols.")
@click.option("--plan", default="premium", show_default=True, help="The simulated FMP plan.")
@click.option("--seed", default=42, show_default=True)
def command(n_symbols: int, plan: str, seed: int) -> None:
    """Run the pipeline end to end against the FMP simulator, in a fresh demo database."""
    from extract.simulator import Simulator, SimulatorConfig

    started = time.monotonic()
    base = Settings.from_env()
    url = fresh_demo_database(database_url(base))
    today = date.today()
    simulator = Simulator(
        SimulatorConfig(
            n_symbols=n_symbols, seed=seed, start=today - timedelta(days=365 * 6), end=today, keys={DEMO_KEY: plan}
        )
    )
    with simulator:
        env = {**os.environ, "FMP_BASE_URL": simulator.base_url, "FMP_API_KEY": DEMO_KEY, "FMP_PLAN": plan}
        settings = Settings.from_env(env)
        click.echo(f"simulator: {simulator.base_url} ({n_symbols} symbols, plan {plan})")
        click.echo(f"warehouse: {url}")
        extract_all(settings, url)
    click.echo(f"demo finished in {time.monotonic() - started:.1f}s")
    click.echo(f"explore it: DATABASE_URL='{url}' fmp-elt status")


def extract_all(settings: Settings, url: str) -> None:
    from extract.cli.extract_cmd import run_extract

    for stream in ("symbols", "prices", "ratios"):
        summary = run_extract(settings, url, stream, ExtractOptions(), progress=True)
        click.echo(summary.line())
        if summary.rows_landed == 0:
            raise click.ClickException(f"the demo landed no {stream} rows")


def fresh_demo_database(server_url: str) -> str:
    """Drop and recreate the demo database on the same server, so each demo starts clean."""
    from urllib.parse import urlparse, urlunparse

    admin = connect(server_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f"drop database if exists {DEMO_DB} with (force)")
            cur.execute(f"create database {DEMO_DB}")
    except psycopg2.Error as exc:
        raise click.ClickException(f"cannot create the demo database: {exc}".strip()) from None
    finally:
        admin.close()
    return urlunparse(urlparse(server_url)._replace(path=f"/{DEMO_DB}"))
