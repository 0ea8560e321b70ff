"""The `fmp-elt` command line. Each command lives in its own module; this one only wires them.

Heavy libraries (dbt, Great Expectations, FastAPI) are imported inside the commands that need them, so that
`fmp-elt --help` and the quick commands start fast.
"""

from __future__ import annotations

import sys

import click
import psycopg2

from fmp_elt.errors import FmpEltError
from fmp_elt.redaction import redact, redact_log_records


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fmp-elt")
def cli() -> None:
    """ELT for Financial Modeling Prep market data: extract, transform (dbt), quality (GX), operate."""


# One module per command (or command group), each exposing `command` (and the hidden `ALIASES` of an earlier name).
COMMAND_MODULES = [
    "db",
    "doctor",
    "demo",
    "extract",
    "transform",
    "upgrade",
    "quality",
    "simulate",
    "run",
    "status",
    "logs",
    "runs",
    "serve",
    "site",
    "alert",
]


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"fmp_elt.cli.{name}")
        for command in [module.command, *vars(module).get("ALIASES", [])]:
            cli.add_command(command)


_register()


def one_line(message: str) -> str:
    """An error message as one line: a value echoed from the input may hold line breaks."""
    return " ".join(message.split()) or "failed"


def main() -> None:
    """Entry point: known failures become one line on stderr and their exit code, never a traceback."""
    redact_log_records()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "fmp-elt"
        click.echo(redact(f"error: {one_line(exc.format_message())} (see `{command} --help`)"), err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(redact(f"error: {one_line(exc.format_message())}"), err=True)
        sys.exit(exc.exit_code)
    except FmpEltError as exc:
        click.echo(redact(f"error: {one_line(str(exc))}"), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except psycopg2.Error as exc:
        # The warehouse went away or refused a statement mid-run: what was committed stays, the next run resumes.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        click.echo(redact(f"error: warehouse: {first} (committed batches are kept; run again to resume)"), err=True)
        sys.exit(1)
