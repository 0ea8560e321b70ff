"""Great Expectations Data Docs opened from disk in a real headless Chromium with the network off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.fixtures.data_docs import build_docs
from tests.fixtures.ops_browser import offline_page

pytestmark = pytest.mark.browser


def styled(page: Any) -> dict[str, str]:
    """Values only Bootstrap's and Font Awesome's stylesheets give: unstyled, each is the browser's default."""
    return page.evaluate(
        """() => {
            const icon = document.querySelector("i.fas, i.fa");
            return {
                navbar: getComputedStyle(document.querySelector("nav.navbar")).display,
                body_font: getComputedStyle(document.body).fontFamily.split(",")[0],
                table_collapse: getComputedStyle(document.querySelector("table.table")).borderCollapse,
                icon_font: getComputedStyle(icon, "::before").fontFamily,
            };
        }"""
    )


def expectation_rows(page: Any) -> dict[str, list[str]]:
    """A validation page's sections, by the first line of their header: the rows of their tables, as text."""
    sections = page.evaluate(
        """() => [...document.querySelectorAll(".ge-section")].map(section => [
            section.querySelector("[id$=-header]").innerText.trim().split("\\n")[0],
            [...section.querySelectorAll("table.table > tbody > tr")]
                .map(row => row.innerText.replace(/\\s+/g, " ").trim()),
        ])"""
    )
    return dict(sections)


PAGE_STATE = """selector => {
    const table = document.querySelector(`.bootstrap-table ${selector}`);
    const info = table?.closest(".bootstrap-table").querySelector(".pagination-info");
    return {
        info: info ? info.innerText.trim() : "",
        rows: table ? [...table.querySelectorAll("tbody tr")].map(row => row.innerText.trim()) : [],
    };
}"""


# Asks bootstrap-table for a page until its pager shows another one: the filter-control extension finishes setting up
# after the page's load and then goes back to page one, so a page chosen in between is undone.
TURN_PAGE = """([selector, number, shown]) => {
    const table = document.querySelector(`.bootstrap-table ${selector}`);
    const info = table.closest(".bootstrap-table").querySelector(".pagination-info");
    if (info && info.innerText.trim() !== shown) return true;
    window.jQuery(table).bootstrapTable("selectPage", number);
    return false;
}"""


def table_rows(page: Any, selector: str) -> list[str]:
    """Every row of a bootstrap-table, as a reader sees them: its tab opened, then page after page (ten each).

    A page's rows and its "Showing 11 to 20 of 22 rows" line are read in one script, so they always agree, and
    pages are kept by their first row number, so a page read twice still counts once.
    """
    pane = page.evaluate("selector => document.querySelector(selector).closest('.tab-pane')?.id", selector)
    if pane:
        page.click(f"a[data-toggle='tab'][href='#{pane}']")
    table = page.locator(f".bootstrap-table:has({selector})")
    expect(table).to_be_visible()
    pages: dict[int, list[str]] = {}
    while True:
        state = page.evaluate(PAGE_STATE, selector)
        shown = state["info"].split()
        if not shown:  # one page only: bootstrap-table shows no pagination
            return list(state["rows"])
        first, last, total = int(shown[1]), int(shown[3]), int(shown[5])
        assert len(state["rows"]) == last - first + 1, state
        pages[first] = state["rows"]
        if last == total:
            rows = [row for start in sorted(pages) for row in pages[start]]
            assert len(rows) == total, (total, rows)
            return rows
        # The next page by number through bootstrap-table's own API, as its pager link does: a click can land on
        # the pager while a slow machine is still re-drawing it, and is then lost (or counted twice).
        page.wait_for_function(
            TURN_PAGE, arg=[selector, last // (last - first + 1) + 1, state["info"]], polling=250, timeout=30_000
        )


def test_data_docs_show_their_tables_styled_from_disk_and_ask_no_outside_host(
    database_url: str, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    report = build_docs(database_url, docs)
    prices = report.dataset("daily_prices")
    requested: list[str] = []
    with offline_page() as (page, log):
        page.on("request", lambda request: requested.append(request.url))

        page.goto((docs / "index.html").as_uri())
        page.wait_for_selector(".ge-index-page-validation-results-table tbody tr")
        runs = table_rows(page, ".ge-index-page-validation-results-table")  # filled in by bootstrap-table
        assert len(runs) == len(report.datasets)
        assert all(report.run_id in row for row in runs)
        suites = table_rows(page, ".ge-index-page-expectation_suites-table")
        assert sorted(suites) == sorted(d.dataset for d in report.datasets)
        look = styled(page)
        assert look == {
            "navbar": "flex",
            "body_font": "-apple-system",
            "table_collapse": "collapse",
            "icon_font": '"Font Awesome 6 Free"',
        }
        assert page.evaluate("() => document.fonts.check('900 16px \"Font Awesome 6 Free\"')")

        page.goto((docs / prices.metadata["docs_page"]).as_uri())
        page.wait_for_selector(".bootstrap-table table.table tbody tr")  # bootstrap-table took over the tables
        assert styled(page)["navbar"] == "flex"
        sections = expectation_rows(page)
        assert "Unsuccessful Expectations 2" in sections["Overview"]
        assert "Must have greater than or equal to 1 rows. 180" in sections["Table-Level Expectations"]
        assert "maximum value must be greater than or equal to 2024-06-13. 2024-06-14" in sections["price_date"]
        assert "values must never be null. 100% not null" in sections["close"]
        [not_null] = [row for row in sections["volume"] if "never be null" in row]
        assert "1 unexpected values found. ≈0.5556% of 180 total rows." in not_null  # the one missing volume
        results = ".ge-section:not(#section-1)"  # the expectations' status icons, not the overview's
        assert page.locator(f"{results} i.fas.fa-times.text-danger").count() == 2
        assert page.locator(f"{results} i.fas.fa-check-circle.text-success").count() == 24
        assert page.evaluate("() => document.querySelector('nav.navbar img').naturalWidth") > 0  # the local logo

    assert log.blocked == []
    assert [url for url in requested if not url.startswith("file://")] == []
    assert log.page_errors == []
    assert log.console_errors == []
