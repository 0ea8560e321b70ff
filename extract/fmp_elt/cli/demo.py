"""`fmp-elt demo`: the whole pipeline on this machine, against the simulator and the embedded PostgreSQL:
`--days` daily runs replayed on their own days (see demo_story), so the dashboard has a history to show."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
import psycopg2

from fmp_elt import clock, trading_calendar
from fmp_elt.cli import demo_story
from fmp_elt.cli.demo_story import BAD_PRINT_FACTOR, OUTAGE_STATUS, STORY_DAYS
from fmp_elt.cli.options import PLAN_CHOICE
from fmp_elt.config import Settings
from fmp_elt.warehouse.connection import connect, database_url

if TYPE_CHECKING:
    from fmp_elt.job_config import JobConfig
    from fmp_elt.orchestration.report import RunReport
    from fmp_elt.simulator import Simulator

DEMO_DB = "fmp_demo"
DEMO_KEY = "demo-key"
NEW_LISTING = "NWLS"  # the symbol the demo's universe change lists


@click.command("demo")
@click.option("--symbols", "n_symbols", default=25, show_default=True, help="How many synthetic symbols.")
@click.option("--plan", type=PLAN_CHOICE, default="premium", show_default=True, help="The simulated FMP plan.")
@click.option("--seed", default=42, show_default=True)
@click.option(
    "--days",
    type=click.IntRange(1, 250),
    default=10,
    show_default=True,
    help=f"Trading days to replay, one daily run each and the weekly runs between them, ending on the latest"
    f" session (from {STORY_DAYS}: with a split, a dividend, a bad print, a universe change, an FMP outage and its"
    " recovery).",
)
def command(n_symbols: int, plan: str, seed: int, days: int) -> None:
    """Replay daily runs of the pipeline against the FMP simulator, in a fresh demo database."""
    from fmp_elt.simulator import Simulator, SimulatorConfig

    started = time.monotonic()
    base = Settings.from_env()
    url = fresh_demo_database(database_url(base))
    last = trading_calendar.latest_session()
    simulator = Simulator(
        SimulatorConfig(
            n_symbols=n_symbols, seed=seed, start=last - timedelta(days=365 * 6), end=last, keys={DEMO_KEY: plan}
        )
    )
    with simulator:
        env = {**os.environ, "FMP_BASE_URL": simulator.base_url, "FMP_API_KEY": DEMO_KEY, "FMP_PLAN": plan}
        settings = Settings.from_env(env)
        click.echo(f"simulator: {simulator.base_url} ({n_symbols} symbols, plan {plan})")
        click.echo(f"warehouse: {url}")
        site = replay(simulator, settings, url, env, days)
    click.echo(f"demo finished in {time.monotonic() - started:.1f}s")
    click.echo(f"site (dashboard, dbt docs, Data Docs): {site}")
    click.echo(f"explore it: DATABASE_URL='{url}' fmp-elt status   (or: fmp-elt serve)")


def replay(simulator: Simulator, settings: Settings, url: str, env: dict[str, str], count: int) -> Path:
    """One run per replayed trading day (demo_story), each at its day's time; returns the site's index."""
    from fmp_elt.job_config import load_jobs
    from fmp_elt.simulator import Faults

    site_dir = settings.home / "demo-site"
    # the jobs run in child processes that read their settings from the environment
    os.environ.update({key: env[key] for key in ("FMP_BASE_URL", "FMP_API_KEY", "FMP_PLAN")})
    os.environ["FMP_ELT_SITE_DIR"] = str(site_dir)
    jobs = load_jobs()
    days = demo_story.plan(demo_story.sessions(simulator.today, count), jobs, clock.now())
    # the events befall symbols of the universe the pipeline extracts (the screener's answer), or no panel shows them
    universe = screened_symbols(simulator)
    split_symbol, dividend_symbol = universe[0], universe[1 % len(universe)]
    printed_symbol, leaving = (
        split_symbol,
        dividend_symbol,
    )  # the print after the split, the delisting after the dividend
    bad_prints: dict[tuple[str, str], float] = {}
    for number, day in enumerate(days, 1):
        simulator.set_today(day.session)
        notes = []
        if day.split:
            simulator.apply_split(split_symbol, day.session, 2, 1)
            notes.append(f"{split_symbol} splits 2-for-1")
        if day.dividend:
            simulator.add_dividend(dividend_symbol, day.session, 0.5)
            notes.append(f"{dividend_symbol} goes ex-dividend (0.50)")
        if day.bad_print:  # FMP keeps serving it: a bad print is corrected, if ever, long after
            bad_prints[(printed_symbol, day.session.isoformat())] = BAD_PRINT_FACTOR
            notes.append(f"{printed_symbol} prints {BAD_PRINT_FACTOR:g}x its price")
        if day.listing:
            simulator.relist(NEW_LISTING, "Newly Listed Corp.", day.session)
            notes.append(f"{NEW_LISTING} lists")
        if day.delisting:
            simulator.delist(leaving, day.session)
            notes.append(f"{leaving} delists")
        refused = dict.fromkeys(simulator.symbols, OUTAGE_STATUS) if day.outage else {}
        simulator.faults = Faults(fail_symbols=refused, bad_prints=bad_prints)
        if day.outage:
            notes.append(f"FMP answers {OUTAGE_STATUS} to every price request")
        moment = f"{day.session:%a %Y-%m-%d}" if day.daily else f"then {day.at:%a %Y-%m-%d %H:%M} UTC"
        click.echo(f"run {number}/{len(days)} {moment}" + (f": {'; '.join(notes)}" if notes else ""))
        lighten(replayed=number < len(days))
        with clock.replaying(day.at):
            report = run_day(url, jobs, day)
        check(report, day, first=number == 1)
    simulator.faults = Faults()
    return site_dir / "index.html"


def screened_symbols(simulator: Simulator) -> list[str]:
    """The symbols the `symbols` stream lands: the screener's NASDAQ answer, as the stream asks for it."""
    import requests

    from fmp_elt.streams.symbols import NASDAQ_FILTERS

    answer = requests.get(
        f"{simulator.base_url}/company-screener",
        params={**NASDAQ_FILTERS, "limit": "10000"},
        headers={"apikey": DEMO_KEY},
        timeout=30,
    )
    answer.raise_for_status()
    return sorted(row["symbol"] for row in answer.json())


def lighten(*, replayed: bool) -> None:
    """A replayed day's site is replaced by the next day's: its run builds the marts and validates them with
    Great Expectations (the quality trend needs a point per day) but leaves the dbt data tests, the dbt docs
    and the Data Docs to the last day's run, which does everything. The jobs record what they left out."""
    from fmp_elt.jobs.quality import SKIP_DATA_DOCS_ENV
    from fmp_elt.jobs.transform import SKIP_DOCS_ENV, SKIP_TESTS_ENV

    for name in (SKIP_TESTS_ENV, SKIP_DOCS_ENV, SKIP_DATA_DOCS_ENV):
        os.environ[name] = "1" if replayed else "0"


def run_day(url: str, jobs: list[JobConfig], day: demo_story.Day) -> RunReport:
    """The day's jobs, as `fmp-elt run` runs them; alerts are printed here, never sent anywhere."""
    from fmp_elt.orchestration import runner
    from fmp_elt.orchestration.alerts.console import ConsoleChannel

    started = time.monotonic()
    channel = ConsoleChannel(lambda line: click.echo(f"  {line[:200]}"))
    report = runner.run(url, jobs, day.jobs, retry_delay=1, alert_channels=[channel])
    outcomes = ", ".join(o.name if o.status == "completed" else f"{o.name} {o.status}" for o in report.outcomes)
    click.echo(f"  run at {day.at:%H:%M} UTC: {outcomes} ({time.monotonic() - started:.1f}s)")
    return report


def check(report: RunReport, day: demo_story.Day, *, first: bool) -> None:
    """Only the outage may fail a run, and the first run must land every stream."""
    extracts = ("symbols", "prices", "ratios")
    empty = [o.name for o in report.outcomes if first and o.name in extracts and not o.records_processed]
    if (report.ok or day.outage) and not empty:
        return
    problem = ", ".join(f"{o.name}: {o.error}" for o in report.outcomes if o.error) or f"no rows from {empty}"
    raise click.ClickException(f"the demo pipeline failed ({problem}); see fmp-elt logs --run {report.run_id}")


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
