"""Runs you can name: `fmp-elt runs`, `runs show ID`, the run id in `status` and `logs`, and `status --check`,
after real runs of test jobs (`fmp-elt run` in a child process), checked against the run log read directly."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.ops import cli, job, query, write_jobs

# status reads the clock for next runs and freshness: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock


def run_twice(database_url: str, tmp_path: Path) -> dict[str, str]:
    """A green run, then one whose `extract` fails (so `build` is skipped); their env for the CLI."""
    green, red = tmp_path / "green", tmp_path / "red"
    green.mkdir()
    red.mkdir()
    write_jobs(green, [job("extract", OPS_RECORDS=7), job("build", ["extract"], OPS_RECORDS=5)])
    write_jobs(red, [job("extract", OPS_MODE="fail"), job("build", ["extract"])])
    env = {"DATABASE_URL": database_url, "FMP_ELT_JOBS": str(green / "jobs.yml")}
    first = cli("run", "--jobs", "extract,build", env=env)
    assert first.returncode == 0, first.stderr
    healthy = cli("status", "--check", env=env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    env["FMP_ELT_JOBS"] = str(red / "jobs.yml")
    second = cli("run", "--jobs", "extract,build", env=env)
    assert second.returncode == 1
    return env


def runs_from_the_log(database_url: str) -> list[dict]:
    """The reference: the executions grouped by run id in Python, newest run first."""
    rows = query(
        database_url,
        "select run_id::text, job_name, status, start_time, records_processed, metadata from etl.executions",
    )
    runs: dict[str, dict] = defaultdict(lambda: {"jobs": [], "records": 0, "start": None})
    for run_id, name, status, start, records, metadata in rows:
        run = runs[run_id]
        run["id"] = run_id
        run["jobs"].append((name, "skipped" if metadata.get("skipped") else status))
        run["records"] += records
        run["start"] = min(start, run["start"] or start)
    return sorted(runs.values(), key=lambda run: run["start"], reverse=True)


def test_runs_lists_each_run_with_its_verdict_and_show_names_its_jobs(database_url: str, tmp_path: Path) -> None:
    env = run_twice(database_url, tmp_path)
    red, green = runs_from_the_log(database_url)
    assert sorted(red["jobs"]) == [("build", "skipped"), ("extract", "failed")]
    assert sorted(green["jobs"]) == [("build", "completed"), ("extract", "completed")]

    listed = cli("runs", env=env)
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split()[:2] == ["run", "status"]
    assert [line.split()[:2] for line in lines] == [[red["id"], "failed"], [green["id"], "completed"]]
    assert lines[0].rstrip().endswith("extract failed, build skipped")
    as_json = json.loads(cli("runs", "--json", env=env).stdout)
    assert [(run["runId"], run["recordsProcessed"], run["jobs"]) for run in as_json] == [
        (red["id"], red["records"], 2),
        (green["id"], green["records"], 2),
    ]
    assert green["records"] == 12  # what the green jobs counted: 7 + 5

    shown = cli("runs", "show", red["id"][:8], env=env)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert text.startswith(f"run {red['id']}: failed, started ")
    jobs = {
        line.split()[0]: line.split()[1] for line in text.splitlines() if line.split()[:1] in (["extract"], ["build"])
    }
    assert jobs == {"extract": "failed", "build": "skipped"}
    assert "errors: " in text
    assert "the test job failed on purpose" in text.split("errors: ", 1)[1]
    assert "alerts: none" in text
    assert f"fmp-elt logs --run {red['id']}" in text

    unknown = cli("runs", "show", "ffffffff", env=env)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "error: no run starts with 'ffffffff' (`fmp-elt runs` lists them)"
    assert "Traceback" not in unknown.stderr


def test_status_and_logs_name_the_run_and_check_fails_after_a_failed_run(database_url: str, tmp_path: Path) -> None:
    env = run_twice(database_url, tmp_path)
    red, green = runs_from_the_log(database_url)

    checked = cli("status", "--check", env=env)
    assert checked.returncode == 1
    assert checked.stderr.strip() == "status: failed"
    first = checked.stdout.splitlines()[0]
    assert first.startswith("overall: failed   last execution: ")
    assert first.endswith(f"last run: {red['id']}")

    as_json = json.loads(cli("status", "--json", env=env).stdout)
    assert as_json["lastRunId"] == red["id"]
    assert {j["name"]: j["runId"] for j in as_json["jobs"]} == {"extract": red["id"], "build": red["id"]}
    assert cli("status", "--json", "--check", env=env).returncode == 1

    logged = cli("logs", "--limit", "1000", env=env)
    assert logged.returncode == 0, logged.stderr
    lines = logged.stdout.splitlines()
    expected = query(database_url, "select run_id::text from etl.logs order by timestamp, id")
    assert len(lines) == len(expected) > 4
    assert [line.split()[4] for line in lines] == [row[0] for row in expected]
    assert {row[0] for row in expected} == {red["id"], green["id"]}

    # `--run` takes the prefix `runs` and `status` show
    only_green = cli("logs", "--run", green["id"][:8], env=env)
    assert only_green.returncode == 0, only_green.stderr
    assert {line.split()[4] for line in only_green.stdout.splitlines()} == {green["id"]}


def latest_weekday_fire(before: datetime, hour: int = 22, minute: int = 17) -> datetime:
    """The reference for `17 22 * * 1-5`, by walking back day by day: the latest weekday 22:17 UTC <= `before`."""
    day = before.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while day > before or day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def test_a_schedule_that_stopped_firing_makes_status_say_stale(database_url: str, tmp_path: Path) -> None:
    write_jobs(tmp_path, [job("extract", OPS_RECORDS=7)])
    env = {"DATABASE_URL": database_url, "FMP_ELT_JOBS": str(tmp_path / "jobs.yml")}
    assert cli("run", "--jobs", "extract", env=env).returncode == 0
    fresh = cli("status", "--check", env=env)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "schedule: ok" in fresh.stdout

    # the same run, ten days ago: since then the weekday schedule fired and nothing ran
    query(database_url, "update etl.executions set start_time = start_time - interval '10 days',"
          " end_time = end_time - interval '10 days' returning 1")  # fmt: skip
    stale = cli("status", "--check", env=env)
    assert stale.returncode == 1
    assert stale.stderr.strip() == "status: healthy, schedule stale"
    [line] = [line for line in stale.stdout.splitlines() if line.startswith("schedule: ")]
    missed = latest_weekday_fire(datetime.now(UTC) - timedelta(hours=3))
    assert line.startswith(f"schedule: STALE: no run since the schedule fired at {missed:%Y-%m-%d %H:%M} UTC")
    as_json = json.loads(cli("status", "--json", env=env).stdout)
    assert as_json["schedule"]["stale"] is True
    assert datetime.fromisoformat(as_json["schedule"]["missedFire"]) == missed


def test_status_measures_usage_against_the_plan_the_runs_used(database_url: str, tmp_path: Path) -> None:
    write_jobs(tmp_path, [job("extract", OPS_RECORDS=7)])
    env = {"DATABASE_URL": database_url, "FMP_ELT_JOBS": str(tmp_path / "jobs.yml")}
    assert cli("run", "--jobs", "extract", env={**env, "FMP_PLAN": "premium"}).returncode == 0
    [(recorded,)] = query(database_url, "select metadata->>'plan' from etl.executions")
    assert recorded == "premium"
    # read where FMP_PLAN says starter: the runs' plan wins, with its 50 GB cap
    shown = cli("status", env={**env, "FMP_PLAN": "starter"})
    assert shown.returncode == 0, shown.stderr
    [usage] = [line for line in shown.stdout.splitlines() if line.startswith("FMP usage: ")]
    assert "of 50.0 GB" in usage
    assert "premium plan" in usage
