from __future__ import annotations

import json

import psycopg2

from fmp_elt.warehouse.schema import migrate, migration_files
from tests.fixtures.postgres import create_database, drop_database, with_database

PAYLOAD_DATE_MIGRATION = "0010_raw_payload_dates"
DATED_RAW_TABLES = (
    "raw.fmp_prices",
    "raw.fmp_prices_adjusted",
    "raw.fmp_prices_unadjusted",
    "raw.fmp_ratios",
    "raw.fmp_splits",
    "raw.fmp_dividends",
    "raw.fmp_symbol_changes",
)


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


# (the payload's date, what payload_date holds): an ISO calendar day, anything after its tenth character ignored
PAYLOAD_DATES = [
    ("2024-01-03", "2024-01-03"),
    ("2024-01-03 00:00:00", "2024-01-03"),
    ("2024-02-29", "2024-02-29"),
    ("2000-02-29", "2000-02-29"),
    ("1900-02-29", None),
    ("2023-02-29", None),
    ("2024-04-31", None),
    ("2024-13-01", None),
    ("2024-00-10", None),
    ("0999-01-01", None),
    ("2024/01/03", None),
    ("2024-1-3", None),
    ("N/A", None),
    ("", None),
    (None, None),
]


def _land_dated(cur: psycopg2.extensions.cursor, table: str) -> None:
    for n, (value, _) in enumerate(PAYLOAD_DATES):
        payload = {"symbol": "AAA", "n": n} | ({} if value is None else {"date": value})
        cur.execute(
            f"insert into {table} (symbol, payload, _run_id, _endpoint) values ('AAA', %s, gen_random_uuid(), 'test')",
            (json.dumps(payload),),
        )


def _payload_dates(cur: psycopg2.extensions.cursor, table: str) -> list[str | None]:
    cur.execute(f"select payload_date::text from {table} order by (payload ->> 'n')::integer")
    return [row[0] for row in cur.fetchall()]


def test_dated_raw_tables_type_the_payload_date_when_a_row_lands(database_url: str) -> None:
    expected = [day for _, day in PAYLOAD_DATES]
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        for table in DATED_RAW_TABLES:
            _land_dated(cur, table)
            assert _payload_dates(cur, table) == expected, table
    conn.close()


def test_the_payload_date_migration_types_rows_landed_before_it(pg_server_url: str) -> None:
    name = create_database(pg_server_url, "template0")
    url = with_database(pg_server_url, name)
    conn = psycopg2.connect(url)
    try:
        earlier = [(version, sql) for version, sql in migration_files() if version < PAYLOAD_DATE_MIGRATION]
        later = [(version, sql) for version, sql in migration_files() if version >= PAYLOAD_DATE_MIGRATION]
        with conn, conn.cursor() as cur:
            cur.execute("create schema etl")  # as migrate() does before the first file
            for _, sql in earlier:
                cur.execute(sql)
            _land_dated(cur, "raw.fmp_prices")
            for _, sql in later:
                cur.execute(sql)
            assert _payload_dates(cur, "raw.fmp_prices") == [day for _, day in PAYLOAD_DATES]
            # the version index keys on the column the staging views read
            cur.execute("select indexdef from pg_indexes where indexname = 'fmp_prices_version'")
            assert "payload_date" in cur.fetchone()[0]
    finally:
        conn.close()
        drop_database(pg_server_url, name)
