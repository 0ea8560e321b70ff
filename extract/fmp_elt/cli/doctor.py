"""`fmp-elt doctor`: check the key, the plan it sees, the warehouse, apply the migrations, estimate the first
backfill and the job timeouts it needs; one line per check."""

from __future__ import annotations

import sys

import click

from fmp_elt.config import Settings


@click.command("doctor")
def command() -> None:
    """Check the setup before the first run: key, plan, warehouse, migrations, the first backfill's cost.

    One line per check (ok, warn, fail). Exit 0 when nothing failed (warnings included), 2 when a check failed
    on configuration (key, FMP or warehouse unreachable, a bad variable), 1 when another check failed."""
    from fmp_elt.job_config import load_jobs
    from fmp_elt.orchestration import doctor

    settings = Settings.from_env()
    checks = []
    for check in doctor.run_checks(settings, load_jobs()):
        click.echo(check.line())
        checks.append(check)
    code = doctor.exit_code(checks)
    verdict = {0: "ready for `fmp-elt run`", 1: "not ready", 2: "not ready: fix the configuration"}[code]
    click.echo(f"doctor: {verdict}", err=True)
    sys.exit(code)
