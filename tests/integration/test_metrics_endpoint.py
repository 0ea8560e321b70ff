"""`GET /metrics` over real HTTP: Prometheus text (read back with prometheus_client's own parser) carrying the
run log's figures, behind the same token as /api, read from the warehouse at every scrape."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg2
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from fmp_elt.config import PLANS
from fmp_elt.serve.api import create_app
from tests.fixtures.ops import insert_quality, serve
from tests.fixtures.ops_usage import KNOWN_RUNS, KnownRun, insert_known_runs

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

NOW = datetime.now(UTC)
TOKEN = "metrics-token"


def scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = requests.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def finished(job: str, status: str) -> list[KnownRun]:
    return [run for run in KNOWN_RUNS if run.job == job and run.status == status]


def test_metrics_carry_the_run_log_quality_and_usage(database_url: str) -> None:
    insert_known_runs(database_url, NOW)
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        insert_quality(cur, str(uuid.uuid4()), "daily_prices", NOW, success_percent=90)
    conn.close()

    with serve(create_app(database_url, token=TOKEN, plan=PLANS["starter"])) as base:
        assert requests.get(base + "/metrics", timeout=30).status_code == 401
        assert requests.get(base + "/metrics", headers={"Authorization": "Bearer no"}, timeout=30).status_code == 401
        samples = scrape(base)

    # FMP usage: the run log's calls and bytes, all of it and the trailing 30 days
    assert value(samples, "fmp_elt_fmp_calls_total") == sum(run.calls for run in KNOWN_RUNS)
    assert value(samples, "fmp_elt_fmp_bytes_total") == sum(run.bytes for run in KNOWN_RUNS)
    in_window = [run for run in KNOWN_RUNS if run.hours_ago < 30 * 24]
    assert value(samples, "fmp_elt_fmp_window_bytes") == sum(run.bytes for run in in_window)
    assert value(samples, "fmp_elt_fmp_window_calls") == sum(run.calls for run in in_window)
    assert value(samples, "fmp_elt_fmp_bandwidth_cap_bytes", plan="starter") == 20e9
    assert value(samples, "fmp_elt_fmp_bandwidth_used_ratio", plan="starter") == pytest.approx(
        sum(run.bytes for run in in_window) / 20e9, rel=1e-3
    )

    # job status, runs by outcome, durations, rows, failures
    assert value(samples, "fmp_elt_job_status", job="prices", status="success") == 1
    assert value(samples, "fmp_elt_job_status", job="prices", status="failed") == 0
    assert ("fmp_elt_job_status", (("job", "site"), ("status", "success"))) not in samples  # never ran
    assert value(samples, "fmp_elt_job_runs_total", job="prices", status="completed") == len(
        finished("prices", "completed")
    )
    assert value(samples, "fmp_elt_job_runs_total", job="prices", status="failed") == 1
    assert value(samples, "fmp_elt_job_runs_total", job="transform", status="skipped") == 1
    prices = [run for run in KNOWN_RUNS if run.job == "prices"]
    assert value(samples, "fmp_elt_job_duration_seconds_count", job="prices") == len(prices)
    assert value(samples, "fmp_elt_job_duration_seconds_sum", job="prices") == pytest.approx(
        sum(run.seconds for run in prices)
    )
    latest = min(prices, key=lambda run: run.hours_ago)
    assert value(samples, "fmp_elt_job_last_duration_seconds", job="prices") == pytest.approx(latest.seconds)
    assert value(samples, "fmp_elt_job_last_records_processed", job="prices") == latest.records
    assert value(samples, "fmp_elt_job_last_run_timestamp_seconds", job="prices") == pytest.approx(
        latest.start(NOW).timestamp(), abs=1e-3
    )
    assert value(samples, "fmp_elt_job_records_processed_total", job="prices") == sum(r.records for r in prices)
    assert value(samples, "fmp_elt_job_success_ratio", job="prices") == 0.75
    assert value(samples, "fmp_elt_job_next_run_timestamp_seconds", job="prices") > NOW.timestamp()

    # quality and freshness
    assert value(samples, "fmp_elt_quality_success_percent", dataset="daily_prices") == 90
    assert value(samples, "fmp_elt_quality_passed", dataset="daily_prices") == 0
    assert value(samples, "fmp_elt_quality_critical_failed", dataset="daily_prices") == 1
    assert value(samples, "fmp_elt_table_fresh", table="marts.daily_prices", layer="marts") == 1
    assert value(samples, "fmp_elt_table_lag_seconds", table="marts.daily_prices", layer="marts") == 3600
    assert value(samples, "fmp_elt_overall_status", status="failed") == 1  # a critical expectation failed
    assert value(samples, "fmp_elt_overall_status", status="healthy") == 0


def test_each_scrape_reads_the_warehouse_and_apps_share_no_registry(database_url: str) -> None:
    app_a = create_app(database_url, token=TOKEN, plan=PLANS["starter"])
    app_b = create_app(database_url, token=TOKEN, plan=PLANS["ultimate"])
    assert app_a.state.metrics is not app_b.state.metrics
    with serve(app_a) as base_a, serve(app_b) as base_b:
        before = scrape(base_a)
        assert value(before, "fmp_elt_fmp_calls_total") == 0
        insert_known_runs(database_url, NOW)
        after_a, after_b = scrape(base_a), scrape(base_b)
    assert value(after_a, "fmp_elt_fmp_calls_total") == sum(run.calls for run in KNOWN_RUNS)
    assert value(after_b, "fmp_elt_fmp_calls_total") == sum(run.calls for run in KNOWN_RUNS)
    assert value(after_a, "fmp_elt_fmp_bandwidth_cap_bytes", plan="starter") == 20e9
    assert value(after_b, "fmp_elt_fmp_bandwidth_cap_bytes", plan="ultimate") == 150e9
    assert ("fmp_elt_fmp_bandwidth_cap_bytes", (("plan", "starter"),)) not in after_b
