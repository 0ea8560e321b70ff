"""The operational metrics over real HTTP and the CLI: FMP usage equal to the run log's calls and bytes, success
rate and throughput per job, availability against the schedule."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from fmp_elt.config import PLANS
from fmp_elt.job_config import load_jobs
from fmp_elt.serve.api import create_app
from fmp_elt.status import queries
from fmp_elt.warehouse.connection import connect
from tests.fixtures.ops import cli, job, serve, write_jobs
from tests.fixtures.ops_usage import KNOWN_RUNS, KnownRun, insert_execution, insert_known_runs

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

NOW = datetime.now(UTC)
IN_WINDOW = [run for run in KNOWN_RUNS if run.hours_ago < 30 * 24]


@pytest.fixture
def known(database_url: str) -> dict[str, str]:
    return insert_known_runs(database_url, NOW)


@pytest.fixture
def api(database_url: str, known: dict[str, str]) -> Iterator[str]:
    with serve(create_app(database_url, plan=PLANS["starter"])) as base:
        yield base


def metrics(base: str) -> dict[str, Any]:
    response = requests.get(base + "/api/etl/metrics", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_usage_equals_the_calls_and_bytes_of_the_run_log(api: str, known: dict[str, str]) -> None:
    usage = metrics(api)["usage"]

    assert usage["plan"] == "starter"
    assert usage["windowDays"] == 30
    assert usage["bandwidthCapBytes"] == 20 * 10**9
    assert usage["callsInWindow"] == sum(run.calls for run in IN_WINDOW)
    assert usage["bytesInWindow"] == sum(run.bytes for run in IN_WINDOW)
    assert usage["usedPercent"] == pytest.approx(100 * sum(run.bytes for run in IN_WINDOW) / 20e9, abs=1e-3)
    assert usage["alertAtPercent"] == 80

    # per run: every execution of the run, newest first
    per_run: dict[str, list[KnownRun]] = defaultdict(list)
    for run in IN_WINDOW:
        per_run[known[run.run]].append(run)
    calling = {run_id: runs for run_id, runs in per_run.items() if sum(r.calls for r in runs)}
    assert [r["runId"] for r in usage["runs"]] == sorted(
        calling, key=lambda run_id: min(r.hours_ago for r in calling[run_id])
    )
    for row in usage["runs"]:
        assert row["calls"] == sum(r.calls for r in calling[row["runId"]])
        assert row["bytes"] == sum(r.bytes for r in calling[row["runId"]])
    assert usage["callsPerRun"] == pytest.approx(sum(r.calls for r in IN_WINDOW) / len(calling), abs=0.01)

    # per UTC day, all 30 of them, oldest first, ending today
    days = usage["days"]
    assert len(days) == 30
    assert days[-1]["date"] == NOW.date().isoformat()
    by_day: dict[str, list[KnownRun]] = defaultdict(list)
    for run in IN_WINDOW:
        by_day[run.start(NOW).date().isoformat()].append(run)
    for day in days:
        runs = by_day.get(day["date"], [])
        assert (day["calls"], day["bytes"]) == (sum(r.calls for r in runs), sum(r.bytes for r in runs))
    assert sum(day["bytes"] for day in days) == usage["bytesInWindow"]

    # the rate: the last 7 days' bytes per day (the run log is older than 7 days)
    week = [run for run in IN_WINDOW if run.hours_ago < 7 * 24]
    assert usage["bytesPerDay"] == pytest.approx(sum(r.bytes for r in week) / 7, abs=0.1)
    assert usage["callsPerDay"] == pytest.approx(sum(r.calls for r in week) / 7, abs=0.01)
    # ~53 MB a day never fills 20 GB: the trailing window settles at 30 days' worth
    assert usage["capReachedAt"] is None


def test_success_rate_and_throughput_per_job(api: str) -> None:
    answer = metrics(api)
    assert answer["recentRuns"] == 20
    jobs = {j["name"]: j for j in answer["jobs"]}
    assert list(jobs) == [job.name for job in load_jobs()]

    for name in ("symbols", "prices", "ratios", "transform"):
        runs = [run for run in KNOWN_RUNS if run.job == name]
        counted = [run for run in runs if run.status != "skipped"]
        completed = [run for run in counted if run.status == "completed"]
        got = jobs[name]
        assert (got["runs"], got["completed"], got["failed"], got["skipped"]) == (
            len(counted),
            len(completed),
            len(counted) - len(completed),
            len(runs) - len(counted),
        )
        assert got["successRate"] == pytest.approx(len(completed) / len(counted), abs=1e-4)
        seconds = sum(run.seconds for run in completed)
        assert got["rowsPerSecond"] == pytest.approx(sum(run.records for run in completed) / seconds, abs=0.1)
        assert got["meanDurationSeconds"] == pytest.approx(seconds / len(completed), abs=1e-3)
        assert got["calls"] == sum(run.calls for run in counted)
    assert jobs["prices"]["successRate"] == 0.75  # the failed run of three completed ones
    assert jobs["quality"]["runs"] == 0
    assert jobs["quality"]["successRate"] is None


def test_availability_counts_fires_completed_and_on_time(database_url: str, tmp_path: Path) -> None:
    """Every six hours: one fire answered late, one by a failed run, one not at all, the rest on time (two weekdays
    without a market holiday: a holiday's fires are owed nothing, see the next test)."""
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    entry = {**job("sixhourly"), "schedule": "0 */6 * * *"}
    [sixhourly] = load_jobs(write_jobs(tmp_path, [entry]))
    fires = []
    fire = sixhourly.next_fire(now - timedelta(hours=48))
    while fire <= now - timedelta(hours=2):
        fires.append(fire)
        fire = sixhourly.next_fire(fire)
    assert len(fires) >= 6

    conn = connect(database_url)
    with conn, conn.cursor() as cur:
        for i, fire in enumerate(fires):
            if i == 3:
                continue  # never started
            late = i == 1
            begin = fire + (timedelta(hours=3) if late else timedelta(minutes=1))
            status = "failed" if i == 2 else "completed"
            run = KnownRun("x", "sixhourly", (now - begin) / timedelta(hours=1), 600, status=status, records=10)
            insert_execution(cur, str(uuid.uuid4()), run, now)
    availability = queries.metrics(conn, [sixhourly], PLANS["starter"], now).jobs[0].availability
    conn.close()

    assert availability.scheduled == len(fires)
    assert availability.completed == len(fires) - 2
    assert availability.on_time == len(fires) - 3
    assert availability.availability == round((len(fires) - 2) / len(fires), 4)
    assert availability.on_time_rate == round((len(fires) - 3) / len(fires), 4)


def test_a_market_holiday_fire_is_no_missed_run_and_a_weekend_fire_is_owed(database_url: str, tmp_path: Path) -> None:
    """Weekdays after the close from Monday 2026-11-16 to Monday 2026-11-30: eleven weekday fires, one of them on
    Thanksgiving (2026-11-26), when nothing ran; and a Saturday job answered on both Saturdays."""
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    daily = {**job("daily"), "schedule": "17 22 * * 1-5"}
    weekly = {**job("weekly"), "schedule": "37 9 * * 6"}
    jobs = load_jobs(write_jobs(tmp_path, [daily, weekly]))
    weekdays = [datetime(2026, 11, day, 22, 17, tzinfo=UTC) for day in (16, 17, 18, 19, 20, 23, 24, 25, 27, 30)]
    saturdays = [datetime(2026, 11, day, 9, 37, tzinfo=UTC) for day in (21, 28)]
    conn = connect(database_url)
    with conn, conn.cursor() as cur:
        for name, fires in (("daily", weekdays), ("weekly", saturdays)):
            for fire in fires:
                begin = fire + timedelta(minutes=2)
                run = KnownRun("x", name, (now - begin) / timedelta(hours=1), 900, records=10)
                insert_execution(cur, str(uuid.uuid4()), run, now)
    found = {m.name: m.availability for m in queries.metrics(conn, jobs, PLANS["starter"], now).jobs}
    conn.close()

    assert (found["daily"].scheduled, found["daily"].completed, found["daily"].on_time) == (10, 10, 10)
    assert (found["weekly"].scheduled, found["weekly"].completed, found["weekly"].on_time) == (2, 2, 2)
    assert found["daily"].availability == found["daily"].on_time_rate == 1.0


def test_status_command_prints_reliability_and_usage(database_url: str, known: dict[str, str]) -> None:
    result = cli("status", env={"DATABASE_URL": database_url, "FMP_PLAN": "premium"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    window_bytes = sum(run.bytes for run in IN_WINDOW)
    assert f"FMP usage: {window_bytes / 1e6:.1f} MB of 50.0 GB in the trailing 30 days" in out
    assert f"({100 * window_bytes / 50e9:.1f}%, premium plan)" in out
    assert f"calls: {sum(run.calls for run in IN_WINDOW):,} in 30 days" in out
    [prices] = [line for line in out.splitlines() if line.startswith("prices ")]  # one row per job
    assert prices.split()[-6:-4] == ["4", "75.0%"]  # runs and success rate (the error column is empty)
