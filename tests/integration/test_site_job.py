"""The `site` job of a run publishes the run it belongs to: every job finished, itself completed, the verdict
the run earned (not `degraded` with the site job `running`, as a snapshot of itself mid-run would say)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.runner import run
from tests.fixtures.ops import job, query, write_jobs

# The status snapshot's next runs and freshness read the clock.
pytestmark = pytest.mark.clock


def site_job(jobs_file: Path, out: Path) -> dict:
    return {
        "name": "site",
        "schedule": "17 22 * * 1-5",
        "timeout": 120,
        "retryCount": 0,
        "dependencies": [],
        # the job reads the configuration and writes the site where the child process's environment says
        "environment": {"FMP_ELT_JOBS": str(jobs_file), "FMP_ELT_SITE_DIR": str(out)},
        "module": "fmp_elt.jobs.site",
        "critical": False,
    }


def snapshot(out: Path, key: str) -> dict:
    return json.loads((out / "dashboard" / "data" / f"{key}.json").read_text())


def test_a_green_runs_site_says_healthy_with_no_job_running(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    jobs_file = tmp_path / "jobs.yml"
    write_jobs(tmp_path, [job("extract", OPS_RECORDS=7), job("build", ["extract"]), site_job(jobs_file, out)])
    jobs = load_jobs(jobs_file)
    report = run(database_url, jobs, [j.name for j in jobs], retry_delay=0.1, alerts=False)
    assert report.ok

    status = snapshot(out, "status")
    assert status["overallStatus"] == "healthy"
    assert {j["name"]: j["status"] for j in status["jobs"]} == dict.fromkeys(("extract", "build", "site"), "success")
    executions = snapshot(out, "executions")["executions"]
    assert sorted(e["jobName"] for e in executions) == ["build", "extract", "site"]
    assert {e["status"] for e in executions} == {"completed"}
    assert all(e["endTime"] is not None and e["durationSeconds"] >= 0 for e in executions)
    assert next(e for e in executions if e["jobName"] == "extract")["recordsProcessed"] == 7

    # the run log itself is the runner's: the site job's row was finished by it, after the snapshot
    [(state, ended)] = query(database_url, "select status, end_time from etl.executions where job_name = 'site'")
    site_row = next(e for e in executions if e["jobName"] == "site")
    assert state == "completed"
    assert ended >= datetime.fromisoformat(site_row["endTime"])


def test_a_site_built_after_the_run_shows_the_same_finished_run(database_url: str, tmp_path: Path) -> None:
    """What the scheduled workflow's `fmp-elt site` step writes after `fmp-elt run`: the run, the site job too."""
    from fmp_elt.serve.static_site import build_site

    jobs_file = tmp_path / "jobs.yml"
    write_jobs(tmp_path, [job("extract"), site_job(jobs_file, tmp_path / "in-run")])
    jobs = load_jobs(jobs_file)
    assert run(database_url, jobs, ["extract", "site"], retry_delay=0.1, alerts=False).ok
    after = tmp_path / "after"
    build_site(database_url, after, jobs)
    assert snapshot(after, "status")["overallStatus"] == "healthy"
    in_run = snapshot(tmp_path / "in-run", "status")
    assert [j["status"] for j in snapshot(after, "status")["jobs"]] == [j["status"] for j in in_run["jobs"]]
