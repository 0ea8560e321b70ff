"""`fmp-elt demo`: the whole pipeline on this machine, against the simulator and the embedded PostgreSQL."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import click
import psycopg2

from fmp_elt import trading_calendar
from fmp_elt.config import Settings
from fmp_elt.warehouse.connection import connect, database_url

DEMO_DB = "fmp_demo"
DEMO_KEY = "demo-key"


@click.command("demo")
@click.option("--symbols", "n_symbols", default=25, show_default=True, help="How many synthetic symbols.")
@click.option("--plan", default="premium", show_default=True, help="The simulated FMP plan.")
@click.option("--seed", default=42, show_default=True)
def command(n_symbols: int, plan: str, seed: int) -> None:
    """Run the pipeline end to end against the FMP simulator, in a fresh demo database."""
    from fmp_elt.simulator import Simulator, SimulatorConfig

    started = time.monotonic()
    base = Settings.from_env()
    url = fresh_demo_database(database_url(base))
    today = trading_calendar.latest_session()
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
        site = run_pipeline(settings, url, env)
    click.echo(f"demo finished in {time.monotonic() - started:.1f}s")
    click.echo(f"site (dashboard, dbt docs, Data Docs): {site}")
    click.echo(f"explore it: DATABASE_URL='{url}' fmp-elt status   (or: fmp-elt serve)")


def run_pipeline(settings: Settings, url: str, env: dict[str, str]) -> Path:
    """Every job of jobs.yml, as `fmp-elt run` runs them, against the simulator; returns the site's index."""
    from fmp_elt.job_config import load_jobs
    from fmp_elt.orchestration import runner

    site_dir = settings.home / "demo-site"
    # the jobs run in child processes that read their settings from the environment
    os.environ.update({key: env[key] for key in ("FMP_BASE_URL", "FMP_API_KEY", "FMP_PLAN")})
    os.environ["FMP_ELT_SITE_DIR"] = str(site_dir)
    jobs = load_jobs()
    report = runner.run(url, jobs, [job.name for job in jobs], retry_delay=2, alerts=False, progress=click.echo)
    empty = [o.name for o in report.outcomes if o.name in ("symbols", "prices", "ratios") and not o.records_processed]
    if not report.ok or empty:
        problem = ", ".join(f"{o.name}: {o.error}" for o in report.outcomes if o.error) or f"no rows from {empty}"
        raise click.ClickException(f"the demo pipeline failed ({problem}); see fmp-elt logs --run {report.run_id}")
    return site_dir / "index.html"


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
