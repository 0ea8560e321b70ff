"""`fmp-elt status --period week|month` against a seeded run log: the week's durations, rows and on-time fires,
the month's FMP calls and bytes against the plan and the runner minutes, each checked against a reference
computed from the seed with pandas or by hand."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.status import periods
from fmp_elt.warehouse.connection import connect
from tests.fixtures.ops import cli, job, write_jobs
from tests.fixtures.ops_usage import KNOWN_RUNS, KnownRun, insert_execution, insert_known_runs

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

NOW = datetime.now(UTC)


def seeded() -> pd.DataFrame:
    """KNOWN_RUNS as a frame: start and end relative to NOW, calls and bytes per execution."""
    return pd.DataFrame(
        [
            {
                "run": r.run,
                "job": r.job,
                "status": r.status,
                "start": -r.hours_ago * 3600,
                "end": -r.hours_ago * 3600 + r.seconds,
                "seconds": r.seconds,
                "records": r.records,
                "calls": r.calls,
                "bytes": r.bytes,
            }
            for r in KNOWN_RUNS
        ]
    )


def test_week_view_gives_each_jobs_runs_durations_and_rows(database_url: str) -> None:
    insert_known_runs(database_url, NOW)
    result = cli("status", "--period", "week", "--json", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    jobs = {entry["name"]: entry for entry in json.loads(result.stdout)["jobs"]}

    frame = seeded()
    week = frame[frame.start >= -7 * 24 * 3600]
    counted = week[week.status != "skipped"]
    completed = counted[counted.status == "completed"]
    for name, entry in jobs.items():
        mine = completed[completed.job == name]
        assert entry["runs"] == len(counted[counted.job == name]), name
        assert entry["completed"] == len(mine), name
        assert entry["skipped"] == len(week[(week.job == name) & (week.status == "skipped")]), name
        assert entry["rows"] == int(mine.records.sum()), name
        if len(mine):
            assert entry["meanDurationSeconds"] == pytest.approx(mine.seconds.mean(), abs=1e-3), name
            assert entry["maxDurationSeconds"] == pytest.approx(mine.seconds.max(), abs=1e-3), name
    # by hand: prices ran in a, c (failed) and d (100 s and 120 s completed); the 40-day-old run is not in it
    assert (jobs["prices"]["runs"], jobs["prices"]["failed"], jobs["prices"]["rows"]) == (3, 1, 110_000)
    assert jobs["prices"]["meanDurationSeconds"] == 110.0


def test_month_view_gives_fmp_usage_against_the_plan_and_runner_minutes(database_url: str) -> None:
    insert_known_runs(database_url, NOW)
    result = cli("status", "--period", "month", "--json", env={"DATABASE_URL": database_url, "FMP_PLAN": "premium"})
    assert result.returncode == 0, result.stderr
    month = json.loads(result.stdout)

    frame = seeded()
    frame = frame[frame.start > -30 * 24 * 3600]
    runs = frame.groupby("run").agg(start=("start", "min"), end=("end", "max"), calls=("calls", "sum"))
    spans = runs.end - runs.start
    assert month["plan"] == "premium"
    assert month["calls"] == int(frame.calls.sum()) == 2074
    assert month["bytes"] == int(frame.bytes.sum())
    assert month["usedPercent"] == round(100 * frame.bytes.sum() / 50e9, 3)
    assert month["runs"] == len(runs) == 4
    assert month["runnerSeconds"] == pytest.approx(spans.sum(), abs=1e-3)
    assert month["runnerMinutesBilled"] == sum(math.ceil(s / 60) for s in spans) == 32 + 1 + 7 + 41
    assert month["busiestRunCallsPerMinute"] == round((runs.calls / (spans / 60)).max(), 1) == 50.0
    assert month["callsPerMinuteLimit"] == 750

    text = cli("status", "--period", "month", env={"DATABASE_URL": database_url, "FMP_PLAN": "premium"}).stdout
    assert "FMP calls: 2,074; the busiest run 50.0/min against the plan's 750/min" in text
    assert f"runner minutes: {spans.sum() / 60:,.1f} in the runs, 81 billed" in text


def test_week_view_counts_the_weeks_fires_on_time_and_owes_nothing_for_thanksgiving(
    database_url: str, tmp_path: Path
) -> None:
    """A daily job after the close; the week before Monday 2026-11-30 23:00 holds the fires of Nov 24, 25 and 27
    (Nov 23's is before it, Thanksgiving's is owed nothing, Nov 30's is under two hours old). Nov 24's run ended
    three hours late."""
    now = datetime(2026, 11, 30, 23, tzinfo=UTC)
    [daily] = load_jobs(write_jobs(tmp_path, [{**job("daily"), "schedule": "17 22 * * 1-5"}]))
    conn = connect(database_url)
    with conn, conn.cursor() as cur:
        for day in (20, 23, 24, 25, 27, 30):
            begin = datetime(2026, 11, day, 22, 19, tzinfo=UTC)
            seconds = 3 * 3600 if day == 24 else 600
            run = KnownRun("x", "daily", (now - begin) / timedelta(hours=1), seconds, records=day)
            insert_execution(cur, str(uuid.uuid4()), run, now)
    view = periods.week_view(conn, [daily], now)
    conn.close()

    [week] = view.jobs
    assert (week.runs, week.completed, week.rows) == (4, 4, 24 + 25 + 27 + 30)
    assert week.max_duration_seconds == 3 * 3600
    assert (week.availability.scheduled, week.availability.completed, week.availability.on_time) == (3, 3, 2)
    assert view.runs == 4  # one run id per seeded execution
