"""SIGKILL at random moments during extract and transform, then run again: the marts equal an uninterrupted run.

The run's whole process group is killed (the runner and its job process), as a cancelled CI job or an OOM kill of
the container would. The killed run's executions must end up `failed`, never `running` forever.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import psycopg2
import pytest

from tests.fixtures.postgres import create_database, drop_database, query, with_database
from tests.fixtures.processes import wait_for

JOBS = "symbols,prices,ratios,transform"
MARTS = ("marts.symbols", "marts.daily_prices", "marts.daily_ma", "marts.ratios")


def start_run(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fmp_elt", "run", "--jobs", JOBS, "--retry-delay", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so the kill takes the job process too
    )


def finish_run(env: dict[str, str]) -> None:
    process = start_run(env)
    output, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        errors = query(env["DATABASE_URL"], "select message from etl.logs where level in ('ERROR', 'WARNING')")
        pytest.fail(output + "\n".join(str(e[0]) for e in errors))


def running_job(db: str, job: str) -> bool:
    try:
        return bool(query(db, "select 1 from etl.executions where job_name = %s and status = 'running'", (job,)))
    except psycopg2.Error:
        return False  # the schema is not there yet


def kill_during(env: dict[str, str], db: str, job: str, rng: random.Random) -> set[str]:
    """Kill a run while `job` runs; return the executions it left `running`."""
    process = start_run(env)
    try:
        assert wait_for(lambda: running_job(db, job) or process.poll() is not None), f"{job} never started"
        time.sleep(rng.uniform(0.0, 1.0))
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    return {str(row[0]) for row in query(db, "select id from etl.executions where status = 'running'")}


def mart_rows(db: str, table: str) -> list[tuple[object, ...]]:
    """Every row, without the columns that record when it was built (those differ between runs by design)."""
    schema, name = table.split(".")
    columns = [
        row[0]
        for row in query(
            db,
            "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
            " and data_type not like 'timestamp%%' order by ordinal_position",
            (schema, name),
        )
    ]
    listed = ", ".join(f'"{c}"' for c in columns)
    return query(db, f"select {listed} from {table} order by {listed}")


@pytest.fixture
def second_database(pg_server_url: str, pg_template: str):
    name = create_database(pg_server_url, pg_template)
    yield with_database(pg_server_url, name)
    drop_database(pg_server_url, name)


@pytest.mark.slow
def test_killed_runs_resume_to_exactly_the_marts_of_an_uninterrupted_run(
    make_simulator, database_url, second_database, tmp_path
) -> None:
    sim = make_simulator(n_symbols=12, latency_ms=30.0)
    base_env = {
        **os.environ,
        "FMP_BASE_URL": sim.base_url,
        "FMP_API_KEY": "test-key",
        "FMP_ELT_HOME": str(tmp_path / "home"),
    }
    reference = {**base_env, "DATABASE_URL": second_database}
    finish_run(reference)

    crashed = {**base_env, "DATABASE_URL": database_url}
    rng = random.Random(20261126)
    left_running: set[str] = set()
    for job in ("prices", "prices", "transform"):
        # A killed process cannot record its own end; the next run (the next kill's, or the last) reaps it.
        stuck = kill_during(crashed, database_url, job, rng)
        assert stuck
        left_running |= stuck
    finish_run(crashed)
    statuses = dict(query(database_url, "select id::text, status from etl.executions"))
    assert "running" not in statuses.values()
    assert {statuses[i] for i in left_running} == {"failed"}

    for table in MARTS:
        expected = mart_rows(second_database, table)
        assert expected, f"{table} is empty in the reference run"
        assert mart_rows(database_url, table) == expected, table
