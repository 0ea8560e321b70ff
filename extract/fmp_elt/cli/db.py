"""`fmp-elt db url|start|stop`: the warehouse connection and the embedded server."""

from __future__ import annotations

import click

from fmp_elt.config import Settings
from fmp_elt.warehouse import embedded
from fmp_elt.warehouse.connection import connect, database_url
from fmp_elt.warehouse.schema import migrate


@click.group("db")
def command() -> None:
    """The warehouse: the embedded PostgreSQL unless DATABASE_URL is set."""


@command.command("url")
def url() -> None:
    """Print the libpq URL of the warehouse (starts the embedded server if needed)."""
    click.echo(database_url(Settings.from_env()))


@command.command("start")
def start() -> None:
    """Start the embedded PostgreSQL (unless DATABASE_URL is set) and apply the migrations; print the URL."""
    settings = Settings.from_env()
    url = database_url(settings)
    conn = connect(url)
    try:
        applied = migrate(conn)
    finally:
        conn.close()
    click.echo(url)
    if applied:
        click.echo(f"applied migrations: {', '.join(applied)}", err=True)


@command.command("stop")
def stop() -> None:
    """Stop the embedded PostgreSQL (its data stays)."""
    settings = Settings.from_env()
    if settings.database_url:
        raise click.UsageError("DATABASE_URL is set: that server is not ours to stop")
    click.echo("stopped" if embedded.stop(settings.home) else "not running")
