"""One pipeline run at a time; extraction shards side by side; a warehouse lost mid-run is resumed from."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg2

from fmp_elt.warehouse import runlog
from tests.fixtures.postgres import query, scalar
from tests.integration.test_extract import rows_by_symbol


def env_for(sim, db: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "FMP_BASE_URL": sim.base_url, "FMP_API_KEY": "test-key", "DATABASE_URL": db, **extra}


def fmp_elt(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fmp_elt", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_an_extraction_does_not_start_beside_a_pipeline_run(fmp_simulator, database_url) -> None:
    with runlog.run_lock(database_url):
        process = fmp_elt(
            "extract", "prices", "--symbols", fmp_simulator.symbols[0], env=env_for(fmp_simulator, database_url)
        )
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr.strip().startswith("error: another run is in progress")
    assert scalar(database_url, "select count(*) from raw.fmp_prices") == 0


def test_two_shards_extract_side_by_side_with_no_overlap_and_no_gap(make_simulator, database_url) -> None:
    sim = make_simulator(n_symbols=10, latency_ms=20.0)
    env = env_for(sim, database_url)
    universe = fmp_elt("extract", "symbols", env=env)
    assert universe.wait(timeout=120) == 0
    shards = [fmp_elt("extract", "prices", "--shard", f"{i}/2", env=env) for i in (1, 2)]
    results = [shard.communicate(timeout=300) for shard in shards]
    assert [shard.returncode for shard in shards] == [0, 0], results
    symbols = set(rows_by_symbol(database_url, "raw.fmp_symbols"))
    per_run = dict(
        query(database_url, "select _run_id::text, array_agg(distinct symbol) from raw.fmp_prices group by 1")
    )
    assert len(per_run) == 2
    first, second = (set(v) for v in per_run.values())
    assert first
    assert second
    assert not first & second  # no overlap
    assert first | second == symbols  # no gap


def test_a_warehouse_lost_mid_run_is_a_clear_error_and_the_next_run_resumes(make_simulator, database_url) -> None:
    sim = make_simulator(n_symbols=8, latency_ms=60.0)
    env = env_for(sim, database_url)
    symbols = ",".join(sim.symbols)
    process = fmp_elt("extract", "prices", "--symbols", symbols, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not scalar(database_url, "select count(*) from etl.executions"):
        time.sleep(0.05)
    time.sleep(0.3)
    # Every session of the extraction goes, as when the server restarts or the network drops.
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity"
            " where datname = current_database() and pid <> pg_backend_pid()"
        )
    conn.close()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode in (1, 2)
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("error: ")
    assert "Traceback" not in stderr

    again = fmp_elt("extract", "prices", "--symbols", symbols, env=env)
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    held = query(database_url, "select symbol, count(distinct payload->>'date') from raw.fmp_prices group by 1")
    assert {s for s, _ in held} == set(sim.symbols)
    cursors = scalar(database_url, "select count(*) from etl.stream_state where stream = 'prices'")
    assert cursors == len(sim.symbols)


def test_a_transform_does_not_start_while_an_extraction_lands_rows(fmp_simulator, database_url) -> None:
    with runlog.run_lock(database_url, shared=True):  # what `fmp-elt extract` holds
        process = fmp_elt("transform", env=env_for(fmp_simulator, database_url))
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr.strip().startswith("error: another run is in progress")
