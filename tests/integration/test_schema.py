from __future__ import annotations

import psycopg2

from fmp_elt.warehouse.schema import migrate, migration_files


def test_fresh_database_has_raw_and_etl_tables(database_url: str) -> None:
    conn = psycopg2.connect(database_url)
    with conn.cursor() as cur:
        cur.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('raw', 'etl') order by 1"
        )
        tables = {row[0] for row in cur.fetchall()}
    conn.close()
    assert {
        "raw.fmp_symbols",
        "raw.fmp_prices",
        "raw.fmp_prices_adjusted",
        "raw.fmp_ratios",
        "etl.executions",
        "etl.logs",
        "etl.stream_state",
        "etl.schema_migrations",
    } <= tables


def test_migrate_twice_applies_nothing_the_second_time(database_url: str) -> None:
    conn = psycopg2.connect(database_url)
    assert migrate(conn) == []
    with conn.cursor() as cur:
        cur.execute("select count(*) from etl.schema_migrations")
        assert cur.fetchone()[0] == len(migration_files())
    conn.close()
