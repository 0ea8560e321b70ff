"""Alerts on real runs reach a real webhook and a real SMTP server (STARTTLS, login): once per cause, a
reminder only after the reminder interval, and the recovery once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.runner import RunReport, run
from tests.fixtures.ops import cli, insert_quality, job, query, write_jobs
from tests.fixtures.ops_alerts import SMTP_USER, MailInbox, SlackInbox, bodies, slack_webhook, smtp_env, smtp_server

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

DASHBOARD = "http://dashboard.example.test/"


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackInbox]:
    with slack_webhook() as inbox:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", inbox.url)
        yield inbox


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MailInbox]:
    with smtp_server(tmp_path) as inbox:
        for key, value in smtp_env(inbox).items():
            monkeypatch.setenv(key, value)
        yield inbox


@pytest.fixture(autouse=True)
def alert_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "ALERT_REMIND_HOURS"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ETL_DASHBOARD_URL", DASHBOARD)


def pipeline_run(url: str, folder: Path, prices_mode: str) -> RunReport:
    """A real run of two test jobs; `prices` fails when asked."""
    jobs = load_jobs(write_jobs(folder, [job("prices", OPS_MODE=prices_mode), job("transform", ["prices"])]))
    return run(url, jobs, ["prices", "transform"], retry_delay=0)


def test_a_job_failure_alerts_once_and_its_recovery_once(
    database_url: str, tmp_path: Path, slack: SlackInbox, mail: MailInbox
) -> None:
    failed = pipeline_run(database_url, tmp_path, "fail")

    [message] = slack.messages
    assert message["text"] == "fmp-elt job failed: job prices"
    section = message["blocks"][1]["text"]["text"]
    assert "*Job:* prices" in section
    assert "*Error:* `the test job failed on purpose (skipped because of it: transform)`" in section
    assert f"*Link:* <{DASHBOARD}?run={failed.run_id}|open the run>" in section
    [letter] = mail.messages
    assert letter["Subject"] == "fmp-elt job failed: job prices"
    assert letter["To"] == "oncall@example.test, data@example.test"
    plain, html = bodies(letter)
    assert "Job:        prices" in plain
    assert f"Run:        {failed.run_id}" in plain
    assert "Error:      the test job failed on purpose" in plain
    assert f'<a href="{DASHBOARD}?run={failed.run_id}">' in html
    assert mail.sessions == [
        {"tls": True, "login": SMTP_USER.encode(), "rcpt": ["oncall@example.test", "data@example.test"]}
    ]

    pipeline_run(database_url, tmp_path, "fail")  # the same cause again: throttled
    assert len(slack.messages) == 1
    assert len(mail.messages) == 1
    assert query(database_url, "select status, sent_count, suppressed_count from etl.alert_state") == [("open", 1, 1)]

    recovered = pipeline_run(database_url, tmp_path, "ok")
    assert [m["text"] for m in slack.messages[1:]] == ["fmp-elt recovered: job prices"]
    assert [m["Subject"] for m in mail.messages[1:]] == ["fmp-elt recovered: job prices"]
    assert f"Run:        {recovered.run_id}" in bodies(mail.messages[1])[0]

    pipeline_run(database_url, tmp_path, "ok")  # still fine: nothing to say
    assert len(slack.messages) == 2
    assert len(mail.messages) == 2


def test_a_cause_still_open_after_the_reminder_interval_is_reminded(
    database_url: str, tmp_path: Path, slack: SlackInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline_run(database_url, tmp_path, "fail")
    query(database_url, "update etl.alert_state set last_sent_at = now() - interval '25 hours' returning 1")
    pipeline_run(database_url, tmp_path, "fail")
    assert [m["text"] for m in slack.messages] == [
        "fmp-elt job failed: job prices",
        "fmp-elt still failing: job prices",
    ]
    assert "*Open since:*" in slack.messages[1]["blocks"][1]["text"]["text"]
    monkeypatch.setenv("ALERT_REMIND_HOURS", "48")
    query(database_url, "update etl.alert_state set last_sent_at = now() - interval '25 hours' returning 1")
    pipeline_run(database_url, tmp_path, "fail")
    assert len(slack.messages) == 2


def test_critical_quality_failure_and_stale_data_alert_and_recover(
    database_url: str, tmp_path: Path, slack: SlackInbox, mail: MailInbox
) -> None:
    checked = datetime.now(UTC) - timedelta(minutes=5)
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        run_id = str(uuid.uuid4())
        insert_quality(cur, run_id, "daily_prices", checked, success_percent=80)  # critical suite failed
        insert_quality(cur, run_id, "ratios", checked, success_percent=90, critical=False)  # warning only
        insert_quality(cur, run_id, "daily_ma", checked, is_fresh=False)  # passed, but stale
    pipeline_run(database_url, tmp_path, "ok")

    titles = sorted(m["text"] for m in slack.messages)
    assert titles == [
        "fmp-elt critical quality failure: dataset daily_prices",
        "fmp-elt stale data: table marts.daily_ma",
    ]
    assert sorted(m["Subject"] for m in mail.messages) == titles
    quality = next(m for m in mail.messages if "quality" in m["Subject"])
    assert "Detail:     80.0% of expectations passed, 4 invalid of 1000 records" in bodies(quality)[0]

    pipeline_run(database_url, tmp_path, "ok")  # nothing changed: nothing new
    assert len(slack.messages) == 2

    with conn, conn.cursor() as cur:
        run_id = str(uuid.uuid4())
        for dataset in ("daily_prices", "ratios", "daily_ma"):
            insert_quality(cur, run_id, dataset, datetime.now(UTC))
    conn.close()
    pipeline_run(database_url, tmp_path, "ok")
    assert sorted(m["text"] for m in slack.messages[2:]) == [
        "fmp-elt recovered: dataset daily_prices",
        "fmp-elt recovered: table marts.daily_ma",
    ]


def test_one_broken_channel_does_not_silence_the_other(
    database_url: str, tmp_path: Path, slack: SlackInbox, mail: MailInbox
) -> None:
    slack.status = 500
    report = pipeline_run(database_url, tmp_path, "fail")
    assert report.outcome("prices").status == "failed"  # alerting trouble changes nothing about the run
    assert slack.messages == []
    assert [m["Subject"] for m in mail.messages] == ["fmp-elt job failed: job prices"]


def test_an_alert_nobody_received_is_sent_after_the_next_run(
    database_url: str, tmp_path: Path, slack: SlackInbox
) -> None:
    slack.status = 500
    pipeline_run(database_url, tmp_path, "fail")
    assert query(database_url, "select count(*) from etl.alert_state") == [(0,)]
    slack.status = 200
    pipeline_run(database_url, tmp_path, "fail")
    assert [m["text"] for m in slack.messages] == ["fmp-elt job failed: job prices"]


def test_a_half_configured_email_channel_stops_the_run_before_it_starts(database_url: str, tmp_path: Path) -> None:
    path = write_jobs(tmp_path, [job("prices")])
    result = cli(
        "run", "--jobs", "prices",
        env={"DATABASE_URL": database_url, "FMP_ELT_JOBS": str(path), "SMTP_HOST": "127.0.0.1", "ALERT_EMAIL_TO": ""},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "error: SMTP_HOST is set but ALERT_EMAIL_TO is not: say who receives the alerts"
    assert query(database_url, "select count(*) from etl.executions") == [(0,)]
