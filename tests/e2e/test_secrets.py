"""A whole pipeline run with a recognisable key: the key is nowhere but in the request headers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

KEY = "sk-FMPELT-CANARY-7f3e9d2c41"


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def tables(db: str) -> list[str]:
    conn = psycopg2.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
                " where table_schema in ('raw', 'etl', 'staging', 'marts') and table_type = 'BASE TABLE'"
            )
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def rows_containing(db: str, table: str, needle: str) -> int:
    conn = psycopg2.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(f"select count(*) from {table} t where t::text like %s", (f"%{needle}%",))
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def test_the_key_is_in_no_log_row_artifact_or_page(make_simulator, database_url, tmp_path) -> None:
    sim = make_simulator(n_symbols=6)
    sim.add_key(KEY, "starter")
    home = tmp_path / "home"
    env = {
        **os.environ,
        "FMP_BASE_URL": sim.base_url,
        "FMP_API_KEY": KEY,
        "DATABASE_URL": database_url,
        "FMP_ELT_HOME": str(home),
    }
    run = subprocess.run(
        [sys.executable, "-m", "fmp_elt", "run", "--jobs", "symbols,prices,ratios,transform,quality,site"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    site = tmp_path / "published"
    export = subprocess.run(
        [sys.executable, "-m", "fmp_elt", "site", str(site)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert export.returncode == 0, export.stderr

    # The key did reach the server, in the header only.
    assert sim.stats.total > 0
    assert sim.stats.key_in_query == 0
    assert all(entry.key_in_header for entry in sim.requests_log)

    assert KEY not in run.stdout + run.stderr + export.stdout + export.stderr
    assert files_containing(home, KEY.encode()) == []
    assert files_containing(site, KEY.encode()) == []
    assert list(site.rglob("*.html"))  # the site was really built
    scanned = tables(database_url)
    assert {"raw.fmp_prices", "etl.executions", "etl.logs", "marts.daily_prices"} <= set(scanned)
    assert {t: n for t in scanned if (n := rows_containing(database_url, t, KEY))} == {}
