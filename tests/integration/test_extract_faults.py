"""Faults injected by the simulator: nothing crashes, every symbol is retried or recorded, counts tell the truth."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import psycopg2
import pytest

from fmp_elt.extract_stage import extract_stream
from fmp_elt.fmp.client import FmpClient
from fmp_elt.fmp.errors import FmpAuthError
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.simulator import Faults
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.postgres import scalar
from tests.integration.test_extract import FAST_RETRY, TODAY, rows_by_symbol, settings_for, sim_get


def extract(sim, db: str, stream: str = "prices", *, timeout=(2.0, 30.0), **options):
    settings = settings_for(sim.base_url, "test-key")
    client = FmpClient(settings.base_url, "test-key", RateLimiter(60_000), retry=FAST_RETRY, timeout=timeout)
    summary = extract_stream(
        settings, db, stream, ExtractOptions(**options), run_id=runlog.new_run_id(), client=client, today=TODAY
    )
    return summary, client


def served_rows(sim, symbols: list[str]) -> dict[str, int]:
    start = (TODAY - timedelta(days=round(365.25 * 5))).isoformat()
    window = {"from": start, "to": TODAY.isoformat()}
    return {s: len(sim_get(sim, "historical-price-eod/full", symbol=s, **window)) for s in symbols}


@pytest.mark.parametrize(
    "faults",
    [
        Faults(error_5xx_burst=6),
        Faults(reset_next=4),
        Faults(truncate_next=4),
        Faults(malformed_next=4),
        Faults(timeout_next=2, timeout_sleep_s=1.5),
        Faults(rate_429_storm=5, retry_after_s=0.05),
    ],
    ids=["5xx-burst", "connection-resets", "truncated-bodies", "malformed-bodies", "read-timeouts", "retry-after"],
)
def test_transient_faults_are_retried_and_nothing_is_lost_or_doubled(fmp_simulator, database_url, faults) -> None:
    sim = fmp_simulator
    symbols = sim.symbols[:4]
    expected = served_rows(sim, symbols)
    sim.faults = faults
    summary, client = extract(sim, database_url, symbols=symbols, timeout=(2.0, 1.0))
    assert summary.failures == []
    assert client.stats.retries >= 2
    assert rows_by_symbol(database_url, "raw.fmp_prices") == expected
    assert rows_by_symbol(database_url, "raw.fmp_prices_adjusted") == expected


def test_an_error_object_fails_one_symbol_with_its_reason_and_the_next_run_recovers_it(
    fmp_simulator, database_url
) -> None:
    sim = fmp_simulator
    symbols = [s for s in sim.symbols if not (sim.profile(s).is_etf or sim.profile(s).is_fund)][:3]
    sim.faults = Faults(error_object_next=1)
    first, _ = extract(sim, database_url, "ratios", symbols=symbols)
    assert len(first.failures) == 1
    failed = first.failures[0].symbol
    reason = scalar(database_url, "select reason from etl.stream_failures where symbol = %s", failed)
    assert "error" in reason.lower()
    second, _ = extract(sim, database_url, "ratios", symbols=symbols)
    assert second.failures == []
    assert scalar(database_url, "select count(*) from etl.stream_failures") == 0
    assert set(rows_by_symbol(database_url, "raw.fmp_ratios")) == set(symbols)


def test_a_failed_market_wide_unit_is_cleared_by_the_next_run_that_reads_it(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    symbols = sim.symbols[:3]
    extract(sim, database_url, "corporate_actions", symbols=symbols)  # the per-symbol backfill
    sim.faults = Faults(error_object_next=1)  # then the one calendar unit's first page is an error object
    failed, _ = extract(sim, database_url, "corporate_actions", symbols=symbols)
    assert [(f.stream, f.symbol) for f in failed.failures] == [("corporate_actions", "calendar")]
    assert scalar(database_url, "select count(*) from etl.stream_failures where symbol = 'calendar'") == 1
    recovered, _ = extract(sim, database_url, "corporate_actions", symbols=symbols)
    assert recovered.failures == []
    assert scalar(database_url, "select count(*) from etl.stream_failures") == 0


# Which landed records are unusable: `nulls` empties the first number (adjOpen, required in both series);
# `missing_field` drops the last key (volume, required, in both the as-traded and the dividend-adjusted series).
@pytest.mark.parametrize(
    ("drift", "bad_tables"),
    [
        ({"new_field"}, ()),
        ({"numbers_as_strings"}, ()),
        ({"nulls"}, ("raw.fmp_prices", "raw.fmp_prices_adjusted")),
        ({"missing_field"}, ("raw.fmp_prices", "raw.fmp_prices_adjusted")),
    ],
)
def test_schema_drift_is_landed_unchanged_and_bad_records_are_counted(
    fmp_simulator, database_url, drift, bad_tables
) -> None:
    sim = fmp_simulator
    symbols = sim.symbols[:2]
    sim.faults = Faults(drift=set(drift))
    summary, _ = extract(sim, database_url, symbols=symbols)
    assert summary.failures == []
    counts = {
        t: scalar(database_url, f"select count(*) from {t}") for t in ("raw.fmp_prices", "raw.fmp_prices_adjusted")
    }
    assert sum(counts.values()) == summary.rows_landed
    assert summary.rows_landed > 0
    assert summary.records_failed == sum(counts[t] for t in bad_tables)
    if "new_field" in drift:
        assert scalar(database_url, "select count(*) from raw.fmp_prices where payload ? 'newField'") > 0
    if "numbers_as_strings" in drift:
        assert scalar(database_url, "select jsonb_typeof(payload->'adjClose') from raw.fmp_prices limit 1") == "string"


def test_a_refused_key_mid_run_stops_the_run_at_once(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    sim.faults = Faults(fail_symbols={sim.symbols[1]: 401})
    with pytest.raises(FmpAuthError, match="check FMP_API_KEY"):
        extract(sim, database_url, symbols=sim.symbols)
    assert sim.stats.total < len(sim.symbols) * 2 + 8  # it did not go on calling for every symbol


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fmp_elt", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_a_wrong_key_is_one_line_and_exit_code_2(fmp_simulator, database_url) -> None:
    import os

    env = {**os.environ, "FMP_BASE_URL": fmp_simulator.base_url, "FMP_API_KEY": "sk-wrong-KEY-777"}
    env["DATABASE_URL"] = database_url
    done = cli("extract", "prices", "--symbols", fmp_simulator.symbols[0], env=env)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "FMP refused the API key" in lines[0]
    assert "sk-wrong-KEY-777" not in done.stderr + done.stdout
    status = scalar(database_url, "select status || ':' || error_message from etl.executions")
    assert status.startswith("failed:")


def test_raw_keeps_every_version_landed_across_runs(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    symbol = sim.symbols[0]
    window = {"date_from": date(2024, 3, 1), "date_to": date(2024, 3, 28)}
    extract(sim, database_url, symbols=[symbol], **window)
    extract(sim, database_url, symbols=[symbol], **window)
    conn = psycopg2.connect(database_url)
    with conn.cursor() as cur:
        cur.execute("select count(*), count(distinct _run_id), count(distinct payload->>'date') from raw.fmp_prices")
        total, runs, days = cur.fetchone()
    conn.close()
    assert runs == 2
    assert total == 2 * days  # append-only: dedup is dbt's job, not the extractor's
