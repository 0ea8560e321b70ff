"""One way to reach the warehouse: DATABASE_URL when set, the embedded PostgreSQL otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, unquote, urlparse

import psycopg2
import psycopg2.extensions

from fmp_elt.config import DATABASE_URL_FORM, Settings, usable_dir
from fmp_elt.errors import ConfigError, WarehouseUnavailable
from fmp_elt.warehouse import embedded


def database_url(settings: Settings) -> str:
    """The libpq URL of the warehouse, starting the embedded server when needed."""
    if settings.database_url:
        return parseable(settings.database_url)
    return embedded.start(usable_dir(settings.home, "FMP_ELT_HOME"))


def parseable(url: str) -> str:
    """`url` if libpq can parse it; a ConfigError otherwise, with libpq's reason but none of the URL (libpq quotes
    the offending part, which may be the password)."""
    try:
        psycopg2.extensions.parse_dsn(url)
    except psycopg2.ProgrammingError as exc:
        reason = str(exc).strip().removeprefix("invalid dsn:").split(":")[0].strip()
        raise ConfigError(f"DATABASE_URL is malformed ({reason}); expected {DATABASE_URL_FORM}") from None
    return url


def connect(url: str, *, application_name: str = "fmp-elt") -> psycopg2.extensions.connection:
    """Open a connection, turning connection failures into one clear line (no password in it)."""
    try:
        return psycopg2.connect(url, application_name=application_name, connect_timeout=10)
    except psycopg2.OperationalError as exc:
        where = describe(url)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseUnavailable(f"cannot connect to the warehouse at {where}: {reason}") from None


@contextmanager
def transaction(url: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection whose work is committed on success and rolled back on error."""
    conn = connect(url)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def describe(url: str) -> str:
    """The URL without credentials, for messages and logs."""
    parts = connection_parts(url)
    return f"{parts['host']}:{parts['port']}/{parts['dbname']}"


def connection_parts(url: str) -> dict[str, str]:
    """host, port, user, password, dbname from a libpq URL (a Unix socket directory is a host too).

    dbt and Great Expectations take these separately; both read them from here so that the CLI, dbt and GX
    always talk to the same database.
    """
    parsed = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    host = query.get("host") or (unquote(parsed.hostname) if parsed.hostname else "localhost")
    return {
        "host": host,
        "port": str(query.get("port") or parsed.port or 5432),
        "user": unquote(parsed.username or query.get("user", "postgres")),
        "password": unquote(parsed.password or query.get("password", "")),
        "dbname": unquote(parsed.path.lstrip("/") or query.get("dbname", "postgres")),
    }
