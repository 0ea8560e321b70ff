"""`fmp-elt doctor` as a new user runs it: against the FMP simulator (one plan per key) and a real PostgreSQL,
and against ports that refuse the connection. One line per check, exit 0/1/2, the key never printed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from fmp_elt.simulator import Simulator
from fmp_elt.streams.symbols import NASDAQ_FILTERS
from tests.fixtures.ops import cli
from tests.fixtures.postgres import create_database, drop_database, scalar, with_database
from tests.fixtures.simulator import fmp_get

MIGRATIONS = Path(__file__).resolve().parents[2] / "extract" / "fmp_elt" / "warehouse" / "migrations"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def empty_database(pg_server_url: str) -> Iterator[str]:
    """A database no migration has touched yet, as a new user's PostgreSQL."""
    name = create_database(pg_server_url, "template0")
    yield with_database(pg_server_url, name)
    drop_database(pg_server_url, name)


def doctor(simulator: Simulator, key: str, plan: str, url: str, **env: str) -> tuple[int, dict[str, str], str]:
    done = cli(
        "doctor",
        env={"FMP_API_KEY": key, "FMP_BASE_URL": simulator.base_url, "FMP_PLAN": plan, "DATABASE_URL": url, **env},
    )
    assert "Traceback" not in done.stderr
    assert key not in done.stdout + done.stderr
    lines = {line.split(":")[0][6:]: line for line in done.stdout.splitlines()}
    return done.returncode, lines, done.stderr


def test_a_premium_key_and_an_empty_warehouse_are_ready_after_doctor(
    fmp_simulator: Simulator, empty_database: str
) -> None:
    code, lines, stderr = doctor(fmp_simulator, "premium-key", "premium", empty_database)
    assert code == 0, (lines, stderr)
    assert stderr.strip() == "doctor: ready for `fmp-elt run`"
    assert list(lines) == [
        "key", "plan", "warehouse", "migrations", "backfill", "timeout symbols", "timeout prices", "timeout ratios",
        "timeout statements",
    ]  # fmt: skip
    assert lines["key"].startswith("ok    key: FMP accepted the key")
    assert lines["plan"] == "ok    plan: the key sees premium or above; FMP_PLAN=premium"
    version = scalar(empty_database, "show server_version")
    assert f"PostgreSQL {version} at " in lines["warehouse"]
    # every migration file was applied, and the warehouse records them
    files = sorted(path.stem for path in MIGRATIONS.glob("*.sql"))
    assert f"applied {len(files)} ({files[0]} to {files[-1]})" in lines["migrations"]
    assert scalar(empty_database, "select count(*) from etl.schema_migrations") == len(files)
    # the estimate covers the screener's universe, as the simulator answers it to the symbols stream
    universe = len(fmp_get(fmp_simulator, "company-screener", "premium-key", **NASDAQ_FILTERS, limit=10_000).json())
    # by hand: premium's 30 years are 7,560 bars, two pages per series: 2 x 2 + splits + dividends = 6 calls a
    # symbol; ratios 2; statements 3 x (annual + quarter); symbols one screener page and 4 more
    calls = universe * 6 + universe * 2 + universe * 6 + 5
    assert lines["backfill"].startswith(
        f"ok    backfill: {universe:,} symbols (the screener's NASDAQ universe) on premium: {calls:,} calls,"
        f" {calls / 750:,.1f} min at 750 calls/min"
    )
    assert (
        lines["timeout prices"]
        == f"ok    timeout prices: {universe * 6:,} calls, {universe * 6 / 750:.1f} min; timeout 3600s"
    )
    assert (
        lines["timeout statements"]
        == f"ok    timeout statements: {universe * 6:,} calls, {universe * 6 / 750:.1f} min; timeout 6600s"
    )

    again, lines, _ = doctor(fmp_simulator, "premium-key", "premium", empty_database)
    assert again == 0
    assert lines["migrations"] == f"ok    migrations: none to apply; {len(files)} in the warehouse"


def test_a_plan_above_the_keys_fails_and_basic_asks_for_symbols(fmp_simulator: Simulator, database_url: str) -> None:
    code, lines, stderr = doctor(fmp_simulator, "basic-key", "starter", database_url)
    assert code == 1
    assert lines["plan"] == (
        "fail  plan: the key sees basic; FMP_PLAN=starter: its endpoints would answer 402; set FMP_PLAN=basic"
    )
    assert lines["backfill"].startswith("warn  backfill: no universe to estimate: set FMP_SYMBOLS")
    assert stderr.strip() == "doctor: not ready"

    code, lines, _ = doctor(fmp_simulator, "basic-key", "basic", database_url, FMP_SYMBOLS="AAPL,MSFT")
    assert code == 0
    # Basic's quota is per day: 2 symbols x (4 price calls + 1 ratios call + 3 annual statements) + 5 = 21 calls
    # of 250 a day
    assert lines["backfill"].startswith("ok    backfill: 2 symbols (FMP_SYMBOLS) on basic: 21 calls, 0.1 days")


def test_a_refused_key_and_refused_ports_exit_2_with_one_line_each(
    fmp_simulator: Simulator, database_url: str, pg_server_url: str
) -> None:
    code, lines, _ = doctor(fmp_simulator, "not-a-key-3391", "starter", database_url)
    assert code == 2
    assert lines["key"].startswith("fail  key: ")
    assert lines["plan"] == "fail  plan: not checked: the key check failed"
    assert lines["warehouse"].startswith("ok    warehouse: ")  # the other checks still run

    port = closed_port()
    done = cli(
        "doctor",
        env={
            "FMP_API_KEY": "premium-key",
            "FMP_BASE_URL": f"http://127.0.0.1:{port}/stable",
            "DATABASE_URL": f"postgresql://fmp:secret-pw-77@127.0.0.1:{closed_port()}/warehouse",
        },
    )
    assert done.returncode == 2
    out = done.stdout.splitlines()
    assert out[0].startswith("fail  key: ")
    assert f"127.0.0.1:{port}" in out[0]
    assert out[2].startswith("fail  warehouse: cannot connect to the warehouse at 127.0.0.1:")
    assert out[3] == "fail  migrations: not applied: the warehouse check failed"
    assert "secret-pw-77" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_role_without_create_is_told_what_to_grant(fmp_simulator: Simulator, empty_database: str) -> None:
    admin = psycopg2.connect(empty_database)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("drop role if exists doctor_reader")
        cur.execute("create role doctor_reader login")
    admin.close()
    url = empty_database.replace("postgres:@", "doctor_reader:@", 1)
    try:
        code, lines, _ = doctor(fmp_simulator, "test-key", "starter", url)
    finally:
        admin = psycopg2.connect(empty_database)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("drop owned by doctor_reader")
            cur.execute("drop role doctor_reader")
        admin.close()
    assert code == 1
    assert "doctor_reader lacks CREATE on the database, to create schema raw, etl, marts" in lines["warehouse"]
    assert lines["migrations"] == "fail  migrations: not applied: the warehouse check failed"
