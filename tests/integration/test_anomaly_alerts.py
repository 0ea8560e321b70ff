"""New price anomalies alert once per batch, on a real webhook: the same anomalies never alert twice, and a
later batch alerts with only its own anomalies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.runner import RunReport, run
from tests.fixtures.ops import job, query, write_jobs
from tests.fixtures.ops_alerts import SlackInbox, slack_webhook

# Reads the wall clock (the run log, the alert times): tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

ANOMALIES = """
create schema if not exists marts;
create table marts.price_anomalies (symbol text, price_date date, anomaly text, detail text);
"""


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackInbox]:
    for key in ("SMTP_HOST", "GITHUB_RUN_ID", "ETL_DASHBOARD_URL"):
        monkeypatch.delenv(key, raising=False)
    with slack_webhook() as inbox:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", inbox.url)
        yield inbox


def plant(url: str, *rows: tuple[str, str, str, str]) -> None:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select to_regclass('marts.price_anomalies') is null")
            if cur.fetchone()[0]:
                cur.execute(ANOMALIES)
            cur.executemany("insert into marts.price_anomalies values (%s, %s, %s, %s)", rows)
    finally:
        conn.close()


def a_run(url: str, folder: Path) -> RunReport:
    return run(url, load_jobs(write_jobs(folder, [job("transform")])), ["transform"], retry_delay=0)


def test_each_new_batch_of_anomalies_alerts_once(database_url: str, tmp_path: Path, slack: SlackInbox) -> None:
    a_run(database_url, tmp_path)
    assert slack.messages == []  # no anomaly table yet: nothing to say

    plant(
        database_url,
        ("MSFT", "2013-01-15", "price_spike", "close 35.1 after 27.0 (30.0%), back by -23.1% the next session"),
        ("GOOG", "2011-07-15", "large_move", "close 597.62 after 528.94 (13.0%)"),
    )
    first = a_run(database_url, tmp_path)
    [message] = slack.messages
    assert message["text"] == "fmp-elt price anomalies: 2 new price anomalies"
    section = message["blocks"][1]["text"]["text"]
    assert "large_move 1, price_spike 1" in section
    assert "MSFT 2013-01-15 price_spike" in section
    assert query(database_url, "select count(*), min(run_id::text) from etl.alerted_anomalies") == [(2, first.run_id)]

    a_run(database_url, tmp_path)
    assert len(slack.messages) == 1  # the same anomalies: no second message, and no "recovered" either

    plant(database_url, ("AAPL", "2013-02-01", "missing_session", "no price on this session"))
    a_run(database_url, tmp_path)
    assert len(slack.messages) == 2
    later = slack.messages[1]["blocks"][1]["text"]["text"]
    assert "missing_session 1" in later
    assert "MSFT" not in later
