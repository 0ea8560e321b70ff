"""`fmp-elt serve`: the status/logs API and the dashboard (read-only)."""

from __future__ import annotations

import ipaddress
import os

import click

from fmp_elt.config import Settings
from fmp_elt.errors import ConfigError
from fmp_elt.warehouse.connection import database_url
from fmp_elt.warehouse.schema import ensure_schema


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
def command(host: str, port: int) -> None:
    """Serve the dashboard at / and the API under /api (OpenAPI at /openapi.json).

    With ETL_API_TOKEN set, /api wants `Authorization: Bearer <token>`; without it the server only listens
    on loopback.
    """
    import uvicorn

    from fmp_elt.serve.api import create_app

    token = os.environ.get("ETL_API_TOKEN", "").strip() or None  # blanks are no token: they protect nothing
    if token is None and not is_loopback(host):
        raise ConfigError(f"refusing to serve the API on {host} without ETL_API_TOKEN; set it, or use 127.0.0.1")
    url = database_url(Settings.from_env())
    ensure_schema(url)
    click.echo(f"dashboard: http://{host}:{port}/   API: http://{host}:{port}/api/etl/status", err=True)
    uvicorn.run(create_app(url, token=token), host=host, port=port, log_level="warning")
