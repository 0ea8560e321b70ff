"""A published site that no scheduled run rebuilds any more says so in the browser: its next run was due and
past the grace, so the dashboard's verdict reads `stale` (not the `healthy` of its last run) and both pages
explain why a schedule stops. A site built now is not stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.serve.static_site import build_site
from tests.fixtures.ops import seed_history
from tests.fixtures.ops_browser import offline_page

pytestmark = pytest.mark.browser


def site_built(database_url: str, out: Path, at: datetime) -> Path:
    seed_history(database_url, at)
    build_site(database_url, out, load_jobs(), now=at)
    return out


def test_a_site_built_ten_days_ago_says_stale_and_why(database_url: str, tmp_path: Path) -> None:
    site = site_built(database_url, tmp_path / "site", datetime.now(UTC) - timedelta(days=10))
    with offline_page() as (page, log):
        page.goto(site.joinpath("index.html").as_uri())
        assert page.locator("#stale").is_visible()
        assert "60 days without activity" in page.inner_text("#stale")
        page.click("a#link-dashboard")
        page.wait_for_selector("body[data-loaded='true']", timeout=30_000)
        assert page.inner_text("#overall") == "stale"
        banner = page.inner_text("#stale-schedule")
        assert "has not published since (was failed)" in banner
        assert "disabled" in banner
        assert log.blocked == []
        assert log.page_errors == []


def test_a_site_built_now_is_not_stale(database_url: str, tmp_path: Path) -> None:
    site = site_built(database_url, tmp_path / "site", datetime.now(UTC))
    with offline_page() as (page, log):
        page.goto(site.joinpath("index.html").as_uri())
        assert not page.locator("#stale").is_visible()
        page.click("a#link-dashboard")
        page.wait_for_selector("body[data-loaded='true']", timeout=30_000)
        assert page.inner_text("#overall") == "failed"  # the last run's own verdict
        assert not page.locator("#stale-schedule").is_visible()
        assert log.page_errors == []
