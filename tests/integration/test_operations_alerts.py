"""Alerts from the operational metrics, through a real webhook and a real SMTP server: FMP bandwidth past 80% of
the plan's cap (once, then throttled), and schema drift seen by real extractions from the simulator (once per
change, naming the endpoint and the fields)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.runner import run
from fmp_elt.simulator import Faults
from tests.fixtures.ops import query, write_jobs
from tests.fixtures.ops_alerts import MailInbox, SlackInbox, bodies
from tests.fixtures.ops_usage import KnownRun, insert_known_runs
from tests.integration import test_alerts
from tests.integration.test_alerts import pipeline_run

# the alert tests' receivers and environment, as fixtures of this module too
slack, mail, alert_env = test_alerts.slack, test_alerts.mail, test_alerts.alert_env

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

GB = 10**9
BANDWIDTH_TITLE = "fmp-elt near the FMP bandwidth cap: starter plan key"


def test_bandwidth_past_80_percent_alerts_once_and_not_again_within_the_throttle(
    database_url: str, tmp_path: Path, slack: SlackInbox, mail: MailInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMP_PLAN", "starter")
    now = datetime.now(UTC)
    insert_known_runs(
        database_url, now, (KnownRun("a", "prices", 24 * 10, 600, usage={"calls": 9000, "bytes": 15 * GB}),)
    )
    pipeline_run(database_url, tmp_path, "ok")
    assert slack.messages == []  # 75%: below the threshold

    insert_known_runs(database_url, now, (KnownRun("b", "prices", 24, 600, usage={"calls": 1000, "bytes": 2 * GB}),))
    pipeline_run(database_url, tmp_path, "ok")  # 85% now
    [message] = slack.messages
    assert message["text"] == BANDWIDTH_TITLE
    section = message["blocks"][1]["text"]["text"]
    assert "17.0 GB of 20.0 GB in the trailing 30 days (85.0%, starter plan)" in section
    [letter] = mail.messages
    assert letter["Subject"] == BANDWIDTH_TITLE
    assert "17.0 GB of 20.0 GB" in bodies(letter)[0]

    pipeline_run(database_url, tmp_path, "ok")  # still above: within the reminder interval, nothing new
    assert len(slack.messages) == 1
    assert len(mail.messages) == 1
    assert query(
        database_url, "select status, sent_count, suppressed_count from etl.alert_state where cause = 'bandwidth:fmp'"
    ) == [("open", 1, 1)]


def test_the_forecast_in_the_alert_says_when_the_cap_is_reached(
    database_url: str, tmp_path: Path, slack: SlackInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMP_PLAN", "starter")
    now = datetime.now(UTC)
    # 3 GB a day for the last 6 days and 1 GB older: 19 GB held, growing by 18 GB / 7 days, about 2.6 GB a day
    runs = tuple(KnownRun(f"r{i}", "prices", 24 * i + 1, 60, usage={"bytes": 3 * GB}) for i in range(6))
    insert_known_runs(database_url, now, (*runs, KnownRun("old", "prices", 24 * 20, 60, usage={"bytes": 1 * GB})))
    pipeline_run(database_url, tmp_path, "ok")
    [message] = slack.messages
    section = message["blocks"][1]["text"]["text"]
    assert "19.0 GB of 20.0 GB" in section
    assert "the cap is reached about" in section


def extract_jobs(folder: Path) -> list:
    entry = {
        "name": "prices",
        "schedule": "17 22 * * 1-5",
        "timeout": 300,
        "retryCount": 0,
        "dependencies": [],
        "environment": {},
        "module": "fmp_elt.jobs.extract",
    }
    return load_jobs(write_jobs(folder, [entry]))


def test_schema_drift_alerts_once_per_change_naming_endpoint_and_fields(
    fmp_simulator, database_url: str, tmp_path: Path, slack: SlackInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = fmp_simulator
    for key, value in {
        "FMP_BASE_URL": sim.base_url,
        "FMP_API_KEY": "test-key",
        "FMP_PLAN": "starter",
        "FMP_SYMBOLS": ",".join(sim.symbols[:2]),
    }.items():
        monkeypatch.setenv(key, value)
    jobs = extract_jobs(tmp_path)

    def extract() -> list[str]:
        before = len(slack.messages)
        report = run(database_url, jobs, ["prices"], retry_delay=0)
        assert report.outcome("prices").status == "completed"
        return sorted(message["text"] for message in slack.messages[before:])

    assert extract() == []  # the first field sets seen are the baseline
    sim.faults = Faults(drift={"new_field"})
    endpoints = ("historical-price-eod/non-split-adjusted",)  # the one price series read on a quiet day
    assert extract() == [f"fmp-elt schema drift: endpoint {endpoint}" for endpoint in endpoints]
    for message in slack.messages:
        assert "*Detail:* `added newField (detected" in message["blocks"][1]["text"]["text"]
    assert extract() == []  # the same fields again: no change, no alert

    sim.faults = Faults()
    assert extract() == [f"fmp-elt schema drift: endpoint {endpoint}" for endpoint in endpoints]
    assert all("*Detail:* `dropped newField" in m["blocks"][1]["text"]["text"] for m in slack.messages[1:])
    assert extract() == []

    changes = query(database_url, "select endpoint, added, dropped from etl.schema_changes order by id")
    traded = "historical-price-eod/non-split-adjusted"
    assert changes == [(traded, ["newField"], []), (traded, [], ["newField"])]
    logged = query(
        database_url, "select message from etl.logs where level = 'WARNING' and message like 'schema drift%'"
    )
    assert sorted(row[0] for row in logged) == sorted(
        f"schema drift on {endpoint}: {change} newField" for endpoint in endpoints for change in ("added", "dropped")
    )


def test_a_repaired_adjusted_history_alerts_once_naming_the_symbol(
    database_url: str, tmp_path: Path, slack: SlackInbox, mail: MailInbox
) -> None:
    # the prices job's record of a weekly check that found a dividend the calendars missed
    repaired = {"streams": {"prices": {"repaired": ["QARZ"], "refetched": ["QARZ", "F"]}}}
    insert_known_runs(database_url, datetime.now(UTC), (KnownRun("a", "prices", 2, 60, usage=repaired),))
    pipeline_run(database_url, tmp_path, "ok")
    [message] = slack.messages
    assert message["text"] == "fmp-elt adjusted history repaired: symbol QARZ"
    assert "no split or dividend in the calendars" in message["blocks"][1]["text"]["text"]
    [letter] = mail.messages
    assert letter["Subject"] == "fmp-elt adjusted history repaired: symbol QARZ"

    pipeline_run(database_url, tmp_path, "ok")  # an event: announced once, never reminded
    assert len(slack.messages) == 1
    assert query(database_url, "select status from etl.alert_state where kind = 'history_repaired'") == [("resolved",)]
