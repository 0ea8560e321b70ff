"""The dashboard and the static site in a real headless Chromium, with no network beyond loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from fmp_elt.job_config import load_jobs
from fmp_elt.serve.api import create_app
from fmp_elt.serve.static_site import build_site
from tests.fixtures.demo import Demo
from tests.fixtures.ops import PRICES_ERROR, query, seed_history, serve
from tests.fixtures.ops_browser import PageLog, chart_ink, offline_page

pytestmark = pytest.mark.browser

CHARTS = ("#chart-duration", "#chart-rows", "#chart-quality", "#chart-prices")


@pytest.fixture
def seeded(database_url: str) -> str:
    seed_history(database_url, datetime.now(UTC))
    return database_url


@pytest.fixture
def page() -> Iterator[tuple[Any, PageLog]]:
    with offline_page() as opened:
        yield opened


def loaded(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-loaded='true']", timeout=30_000)


def assert_dashboard_shows_the_pipeline(page: Any, log: PageLog) -> None:
    """What a person on call looks for, on the page as drawn."""
    assert page.inner_text("#overall") == "failed"
    rows = page.locator("#jobs tbody tr")
    assert [rows.nth(i).get_attribute("data-job") for i in range(rows.count())] == [j.name for j in load_jobs()]
    assert page.inner_text("#jobs tr[data-job='prices'] .badge") == "failed"
    assert page.inner_text("#jobs tr[data-job='symbols'] .badge") == "success"
    assert page.inner_text("#jobs tr[data-job='site'] .badge") == "never ran"
    assert "22:17" in page.inner_text("#jobs tr[data-job='symbols']")  # next run, from the cron schedule
    for chart in CHARTS:
        assert int(page.get_attribute(chart, "data-points")) > 0, chart
        assert chart_ink(page, chart) > 2000, f"{chart} is blank"
    assert page.get_attribute("#chart-duration", "data-series") == "5"  # one line per job that ran
    assert page.get_attribute("#chart-quality", "data-series") == "4"  # one line per dataset
    assert page.get_attribute("#chart-prices", "data-series") == "5"  # close and four moving averages
    assert page.locator("#quality-latest tbody tr").count() == 4
    headers = page.locator("#quality-latest thead th").all_inner_texts()
    restated = [
        row.locator("td").nth(headers.index("restated")).inner_text()
        for row in page.locator("#quality-latest tbody tr").all()
    ]
    assert restated == ["0"] * 4  # the seeded checks recorded no restatement
    assert page.locator("#freshness tbody tr[data-table='raw.fmp_prices']").count() == 1
    assert page.locator("#freshness tbody tr[data-table='marts.daily_ma'] .badge").inner_text() == "fresh"
    errors = page.inner_text("#errors")
    assert PRICES_ERROR in errors
    assert "skipped" not in errors  # the consequence is not listed as a cause
    assert log.blocked == []
    assert log.page_errors == []
    assert log.console_errors == []


def test_the_dashboard_shows_jobs_charts_quality_freshness_and_errors(
    seeded: str, page: tuple[Any, PageLog], tmp_path: Path
) -> None:
    browser_page, log = page
    with serve(create_app(seeded)) as base:
        loaded(browser_page, base + "/")
        assert_dashboard_shows_the_pipeline(browser_page, log)
        assert browser_page.locator("#symbol option").all_inner_texts() == ["AAPL", "MSFT"]
        assert browser_page.get_attribute("#chart-prices", "data-symbol") == "AAPL"
        browser_page.select_option("#symbol", "MSFT")
        browser_page.wait_for_selector("#chart-prices[data-symbol='MSFT']")
        assert chart_ink(browser_page, "#chart-prices") > 2000
        shot = tmp_path / "dashboard.png"
        browser_page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000  # a drawn page, not a blank one
    assert log.blocked == []


def test_a_failed_runs_link_opens_its_log_lines(seeded: str, page: tuple[Any, PageLog]) -> None:
    browser_page, log = page
    [(run_id,)] = query(
        seeded, "select run_id::text from etl.executions where status = 'failed' and job_name = 'prices'"
    )
    with serve(create_app(seeded)) as base:
        loaded(browser_page, base + "/")
        browser_page.click(f"#errors li[data-job='prices'] a[href='?run={run_id}']")
        browser_page.wait_for_selector("#run-logs li")
        assert browser_page.inner_text("#run-id") == run_id
        assert f"prices failed: {PRICES_ERROR}" in browser_page.inner_text("#run-logs")
    assert log.page_errors == []


def test_with_a_token_the_page_asks_for_it_then_shows_the_data(seeded: str, page: tuple[Any, PageLog]) -> None:
    browser_page, log = page
    with serve(create_app(seeded, token="page-token")) as base:
        browser_page.goto(base + "/")
        browser_page.wait_for_selector("#token-form:not([hidden])")
        assert browser_page.inner_text("#overall") == "loading"  # nothing leaked before the token
        browser_page.fill("#token", "page-token")
        browser_page.click("#token-form button")
        browser_page.wait_for_selector("body[data-loaded='true']")
        assert browser_page.inner_text("#overall") == "failed"
    assert log.page_errors == []


@pytest.fixture
def site(seeded: str, tmp_path: Path) -> Path:
    """The static site, with stand-ins for the dbt and GX docs that the transform and quality jobs build."""
    dbt_target = tmp_path / "dbt-target"
    dbt_target.mkdir()
    (dbt_target / "static_index.html").write_text("<!doctype html><title>dbt Docs</title><h1>dbt docs</h1>")
    gx_docs = tmp_path / "gx-docs"
    (gx_docs / "validations").mkdir(parents=True)
    (gx_docs / "index.html").write_text("<!doctype html><title>Data Docs</title><h1>Data Docs</h1>")
    (gx_docs / "validations" / "run.html").write_text("<p>validation</p>")
    out = tmp_path / "site"
    report = build_site(seeded, out, load_jobs(), dbt_docs=dbt_target, quality_docs=gx_docs)
    assert report.symbols == 2
    return out


def test_the_static_site_works_from_disk_with_no_server(site: Path, page: tuple[Any, PageLog], tmp_path: Path) -> None:
    browser_page, log = page
    browser_page.goto(site.joinpath("index.html").as_uri())
    assert browser_page.locator("a#link-dashboard").count() == 1
    assert browser_page.locator("a#link-dbt").count() == 1
    assert browser_page.locator("a#link-quality").count() == 1
    browser_page.click("a#link-dashboard")
    browser_page.wait_for_selector("body[data-loaded='true']", timeout=30_000)
    assert_dashboard_shows_the_pipeline(browser_page, log)
    assert browser_page.inner_text("#as-of-label") == "snapshot taken"
    browser_page.select_option("#symbol", "MSFT")  # each symbol's prices are a snapshot of their own
    browser_page.wait_for_selector("#chart-prices[data-symbol='MSFT']")
    browser_page.screenshot(path=str(tmp_path / "site-dashboard.png"), full_page=True)
    browser_page.goto(site.joinpath("index.html").as_uri())
    browser_page.click("a#link-dbt")
    assert browser_page.title() == "dbt Docs"
    browser_page.go_back()
    browser_page.click("a#link-quality")
    assert browser_page.title() == "Data Docs"
    assert (site / "quality" / "validations" / "run.html").is_file()


def test_the_static_site_served_over_http_is_the_same_dashboard(site: Path, page: tuple[Any, PageLog]) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        browser_page, log = page
        loaded(browser_page, f"http://127.0.0.1:{server.server_address[1]}/dashboard/")
        assert_dashboard_shows_the_pipeline(browser_page, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def test_the_site_snapshots_are_the_api_answers(site: Path, seeded: str) -> None:
    import json

    import requests

    with serve(create_app(seeded)) as base:
        for key, path in (("executions", "/api/etl/executions?limit=300"), ("quality", "/api/quality?limit=1000")):
            assert (
                json.loads((site / "dashboard" / "data" / f"{key}.json").read_text())
                == requests.get(base + path, timeout=30).json()
            )
        prices = json.loads((site / "dashboard" / "data" / "prices" / "AAPL.json").read_text())
        assert prices == requests.get(base + "/api/prices/AAPL?limit=400", timeout=30).json()


@pytest.mark.timeout(2400)  # run alone, it waits for the whole demo
def test_the_demos_site_shows_a_healthy_last_run_and_a_history_in_every_chart(
    demo: Demo, page: tuple[Any, PageLog]
) -> None:
    """What a newcomer sees after `fmp-elt demo`: the replayed days drawn, the last run green, nothing running."""
    browser_page, log = page
    browser_page.goto(demo.site.parent.joinpath("dashboard", "index.html").as_uri())
    browser_page.wait_for_selector("body[data-loaded='true']", timeout=30_000)
    assert browser_page.inner_text("#overall") == "healthy"
    badges = browser_page.locator("#jobs tbody .badge").all_inner_texts()
    assert badges == ["success"] * len(load_jobs())
    for chart in CHARTS:
        assert int(browser_page.get_attribute(chart, "data-fewest-points")) > 1, chart
        assert chart_ink(browser_page, chart) > 2000, f"{chart} is blank"
    assert browser_page.get_attribute("#chart-duration", "data-series") == str(len(load_jobs()))  # every job
    assert int(browser_page.get_attribute("#chart-quality", "data-points")) == demo.quality_runs  # one per quality run
    assert "prices" in browser_page.inner_text("#errors")  # the outage is in the history
    # the universe: its steps (a delisting, a listing) held to the latest screener run, on a date axis
    assert browser_page.get_attribute("#chart-universe", "data-axis") == "date"
    assert int(browser_page.get_attribute("#chart-universe", "data-points")) == 4
    runs = [run.at for run in demo.runs if "symbols" in run.jobs]
    assert float(browser_page.get_attribute("#chart-universe", "data-span-days")) == pytest.approx(
        (runs[-1] - runs[0]).total_seconds() / 86400, abs=0.05
    )
    assert "price_spike" in browser_page.inner_text("#anomalies")  # the bad print
    assert log.blocked == []
    assert log.page_errors == []
