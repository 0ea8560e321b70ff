"""Versioned, idempotent schema setup: numbered SQL files applied once each, in order, under a lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

import psycopg2.extensions

from fmp_elt.config import Settings
from fmp_elt.warehouse.connection import connect, database_url

# Any two processes migrating at once take turns on this key.
MIGRATION_LOCK_KEY = 0x666D70_0001


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) for every bundled migration, sorted by version."""
    folder = resources.files("fmp_elt.warehouse") / "migrations"
    return sorted(
        (entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )


def migrate(conn: psycopg2.extensions.connection) -> list[str]:
    """Apply the migrations this database has not seen; return their versions."""
    applied_now: list[str] = []
    with conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        cur.execute("create schema if not exists etl")
        cur.execute(
            "create table if not exists etl.schema_migrations ("
            " version text primary key, applied_at timestamptz not null default now())"
        )
        cur.execute("select version from etl.schema_migrations")
        done = {row[0] for row in cur.fetchall()}
        for version, sql in migration_files():
            if version in done:
                continue
            cur.execute(sql)
            cur.execute("insert into etl.schema_migrations (version) values (%s)", (version,))
            applied_now.append(version)
    return applied_now


def ensure_schema(url: str) -> list[str]:
    """Connect, migrate, disconnect: what every command does before it writes."""

    conn = connect(url)
    try:
        return migrate(conn)
    finally:
        conn.close()


@contextmanager
def reading_warehouse() -> Iterator[tuple[Settings, Any]]:
    """The settings and a connection to their migrated warehouse, closed on the way out."""
    settings = Settings.from_env()
    url = database_url(settings)
    ensure_schema(url)
    conn = connect(url)
    try:
        yield settings, conn
    finally:
        conn.close()
