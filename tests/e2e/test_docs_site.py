"""The documentation site builds in strict mode (a broken link or a page missing from the build fails), opens
from disk in Chromium with no request leaving the machine, carries the generated reference, and `fmp-elt site`
publishes it beside the dashboard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.ops import cli
from tests.fixtures.ops_browser import offline_page

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    return out


def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    # the same configuration on a copy of docs/ with one link to a page that does not exist
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", copy / "docs")
    (copy / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    page = copy / "docs" / "operate" / "troubleshooting.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the runbook](runbook.md).\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 1
    assert "runbook.md" in done.stderr


def test_the_reference_pages_carry_every_command_and_the_api(built: Path) -> None:
    page = (built / "reference" / "cli.html").read_text(encoding="utf-8")
    for path in ("fmp-elt doctor", "fmp-elt runs show", "fmp-elt status", "fmp-elt db start", "fmp-elt site"):
        assert f"<code>{path}</code>" in page, path
    api = (built / "reference" / "api.html").read_text(encoding="utf-8")
    assert "GET /api/etl/status" in api
    assert "GET /api/etl/logs" in api
    metrics = (built / "reference" / "metrics.html").read_text(encoding="utf-8")
    assert "fmp_elt_job_status" in metrics


@pytest.mark.browser
def test_the_docs_open_from_disk_with_no_outside_request(built: Path) -> None:
    with offline_page() as (page, log):
        page.goto((built / "index.html").as_uri())
        assert page.title().startswith("fmp-elt")
        page.click("text=Your key and your PostgreSQL")
        page.wait_for_load_state()
        assert "fmp-elt doctor" in page.inner_text("article")
        page.goto((built / "reference" / "configuration.html").as_uri())
        assert "FMP_API_KEY" in page.inner_text("article")
        assert log.blocked == []
        assert log.page_errors == []


def test_fmp_elt_site_publishes_the_docs_beside_the_dashboard(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = cli("site", str(out), env={"DATABASE_URL": database_url, "FMP_ELT_HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stderr
    assert (out / "docs" / "index.html").is_file()
    assert (out / "docs" / "reference" / "cli.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="docs/index.html" id="link-docs"' in index
    assert f"docs: {out / 'docs' / 'index.html'}" in done.stderr
