"""The scheduled workflow fires exactly when the job configuration says jobs are due.

`fmp-elt run` picks the due jobs itself, so every cron line of .github/workflows/elt.yml must be a schedule of
extract/fmp_elt/jobs.yml and every job's schedule must have its cron line; otherwise a job is never started,
or the workflow wakes up for nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from croniter import croniter

from fmp_elt.job_config import load_jobs

ROOT = Path(__file__).resolve().parents[2]
ELT_WORKFLOW = ROOT / ".github" / "workflows" / "elt.yml"
JOBS_FILE = ROOT / "extract" / "fmp_elt" / "jobs.yml"


def workflow_crons() -> list[str]:
    document = yaml.safe_load(ELT_WORKFLOW.read_text(encoding="utf-8"))
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads the key `on` as true
    return [entry["cron"] for entry in triggers["schedule"]]


def job_schedules() -> dict[str, str]:
    return {job.name: job.schedule for job in load_jobs(JOBS_FILE)}


def fire_times(crons: set[str], start: datetime, days: int) -> set[datetime]:
    end = start + timedelta(days=days)
    times: set[datetime] = set()
    for cron in crons:
        schedule = croniter(cron, start)
        while (moment := schedule.get_next(datetime)) < end:
            times.add(moment)
    return times


def test_the_workflow_cron_lines_equal_the_job_schedules() -> None:
    crons = workflow_crons()
    assert len(crons) == len(set(crons)), f"a cron line is repeated: {crons}"
    assert set(crons) == set(job_schedules().values())


def test_the_workflow_wakes_up_exactly_when_some_job_is_due() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    workflow = fire_times(set(workflow_crons()), start, days=28)
    jobs = fire_times(set(job_schedules().values()), start, days=28)
    assert workflow == jobs
    assert len(workflow) == 20 + 4  # four weeks: the weekday runs and the weekly ratios run


def test_fundamentals_run_weekly_and_the_other_jobs_on_weekdays_after_the_us_close() -> None:
    schedules = job_schedules()
    start = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    for weekly in ("ratios", "statements"):
        runs = sorted(fire_times({schedules.pop(weekly)}, start, days=7))
        assert len(runs) == 1
        assert runs[0].weekday() == 5  # Saturday
    for name, schedule in schedules.items():
        runs = sorted(fire_times({schedule}, start, days=7))
        assert [run.weekday() for run in runs] == [0, 1, 2, 3, 4], name
        # US markets close at 21:00 UTC at the latest (20:00 in summer time)
        assert all(run.hour >= 21 for run in runs), name


def test_every_schedule_avoids_the_top_of_the_hour() -> None:
    # Actions delays scheduled runs most at minute 0, when everyone's cron fires
    for cron in workflow_crons():
        minute = cron.split()[0]
        assert minute.isdigit(), cron
        assert int(minute) not in (0, 30), cron
