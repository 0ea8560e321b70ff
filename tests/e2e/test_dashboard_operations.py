"""The dashboard's operations and reviews in a real headless Chromium, on a seeded run log, from the server and
from the static site on disk: reliability per job, FMP usage against the plan's cap with the daily chart, schema
changes, the week's runs, durations and rows per job, the month's FMP calls, bandwidth and runner minutes, each as
computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fmp_elt.config import PLANS
from fmp_elt.job_config import load_jobs
from fmp_elt.serve.api import create_app
from fmp_elt.serve.static_site import build_site
from tests.e2e import test_dashboard
from tests.fixtures.ops import query, serve
from tests.fixtures.ops_browser import PageLog, chart_ink
from tests.fixtures.ops_usage import KNOWN_RUNS, insert_known_runs

pytestmark = [pytest.mark.browser, pytest.mark.clock]

NOW = datetime.now(UTC)
page = test_dashboard.page  # the offline browser page, as a fixture of this module too


@pytest.fixture
def warehouse(database_url: str) -> str:
    insert_known_runs(database_url, NOW)
    query(
        database_url,
        "insert into etl.schema_changes (endpoint, added, dropped, fields) values"
        " ('ratios', '{newField}', '{}', '{date,newField,symbol}') returning 1",
    )
    return database_url


def assert_operations_and_reviews_shown(page: Any, log: PageLog) -> None:
    page.wait_for_selector("body[data-loaded='true']", timeout=30_000)
    rows = page.locator("#ops-jobs tbody tr")
    assert [rows.nth(i).get_attribute("data-job") for i in range(rows.count())] == [j.name for j in load_jobs()]
    assert "75.0%" in page.inner_text("#ops-jobs tr[data-job='prices']")  # 3 of its 4 runs completed
    window_bytes = sum(run.bytes for run in KNOWN_RUNS if run.hours_ago < 30 * 24)
    assert page.inner_text("#ops-bandwidth").startswith(f"{window_bytes / 1e6:.1f} MB of 20.0 GB")
    assert "the cap is not reached at this rate" in page.inner_text("#ops-forecast")
    assert page.get_attribute("#ops-meter", "data-alert") == "false"
    assert page.get_attribute("#chart-usage", "data-points") == "30"  # one point per day of the window
    assert chart_ink(page, "#chart-usage") > 2000
    assert page.inner_text("#ops-drift li[data-endpoint='ratios'] code") == "added newField"
    # prices in the week: runs a (100 s), c (failed) and d (120 s); 50,000 + 60,000 rows
    cells = page.locator("#week-jobs tr[data-job='prices'] td").all_inner_texts()
    assert cells[:7] == ["prices", "3", "1", "0", "110.0 s", "2.0 min", "110,000"]
    transform = page.locator("#week-jobs tr[data-job='transform'] td").all_inner_texts()
    assert transform[1:5] == ["1", "0", "1", "5.0 min"]  # run d's 300 s; run c's was skipped
    # the month: 2,074 calls; run b's 50 calls in one minute are the fastest; runs of 32, 1, 7 and 41 minutes
    assert page.inner_text("#month-calls") == "2,074"
    assert page.inner_text("#month-pace") == "50 calls a minute (the plan allows 300 a minute)"
    assert page.inner_text("#month-bandwidth").startswith(f"{window_bytes / 1e6:.1f} MB of 20.0 GB")
    assert page.inner_text("#month-minutes").startswith("79.7 in the runs, 81 billed")
    assert log.blocked == []
    assert log.page_errors == []
    assert log.console_errors == []


def test_the_dashboard_shows_reliability_usage_schema_changes_and_the_reviews(
    warehouse: str, page: tuple[Any, PageLog]
) -> None:
    browser_page, log = page
    with serve(create_app(warehouse, plan=PLANS["starter"])) as base:
        browser_page.goto(base + "/")
        assert_operations_and_reviews_shown(browser_page, log)


def test_the_static_site_shows_them_from_disk(
    warehouse: str, page: tuple[Any, PageLog], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMP_PLAN", "starter")
    build_site(warehouse, tmp_path / "site", load_jobs())
    browser_page, log = page
    browser_page.goto((tmp_path / "site" / "dashboard" / "index.html").as_uri())
    assert_operations_and_reviews_shown(browser_page, log)
