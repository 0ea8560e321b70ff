"""`fmp-elt upgrade` on Basic keeps within the day's 250 calls: with today's quota spent (the run log's calls
since 00:00 UTC) it fetches nothing, says so in one line, and exits 1; a dry run states the days it needs."""

from __future__ import annotations

import json
import uuid

import psycopg2
import pytest
from click.testing import CliRunner

from fmp_elt import clock
from fmp_elt.cli import cli
from tests.fixtures.raw_rows import FULL, at, full_price, land, query

# Reads the wall clock (the quota's day): tests/run.sh runs it again moved.
pytestmark = pytest.mark.clock

BEHIND = ("AAPL", "MSFT", "GOOG")


def record_calls(url: str, calls: int) -> None:
    """An execution of today's that called FMP `calls` times, as the run log records one."""
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "insert into etl.executions (id, run_id, job_name, start_time, status, metadata)"
                " values (%s, %s, 'prices', %s, 'completed', %s)",
                (str(uuid.uuid4()), str(uuid.uuid4()), clock.now(), json.dumps({"calls": calls})),
            )
    finally:
        conn.close()


def test_basic_with_todays_quota_spent_fetches_nothing(database_url: str) -> None:
    for symbol in BEHIND:
        land(database_url, FULL, [full_price(symbol, "2024-06-03", 10, 11, 9, 10.5, 1000)], loaded_at=at(0))
    record_calls(database_url, 200)
    record_calls(database_url, 50)
    env = {"DATABASE_URL": database_url, "FMP_PLAN": "basic", "FMP_API_KEY": "k", "FMP_BASE_URL": "http://127.0.0.1:9"}

    dry = CliRunner().invoke(cli, ["upgrade", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines() == [
        "3 symbols lack as-traded history: 6 FMP calls, 1 day of the plan's 250 calls/day;"
        " 0 calls left today: nothing fetched, run `fmp-elt upgrade` again after 00:00 UTC"
    ]

    result = CliRunner().invoke(cli, ["upgrade"], env=env)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == dry.output.splitlines()  # one line, no traceback
    assert query(database_url, "select count(*) from raw.fmp_prices") == [(3,)]
    assert query(database_url, "select count(*) from etl.stream_state where stream = 'prices_as_traded_upgrade'") == [
        (0,)
    ]
