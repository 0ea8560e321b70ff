"""The terminal side of the run log and the API: `fmp-elt status`, `logs`, `serve` and `site` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.fixtures.ops import FMP_ELT, PRICES_ERROR, ROOT, cli, query, seed_history
from tests.fixtures.ports import free_port

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock


def test_status_prints_the_verdict_jobs_quality_and_freshness(database_url: str) -> None:
    seed_history(database_url, datetime.now(UTC))
    result = cli("status", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("overall: failed   last execution: ")
    jobs = {line.split()[0]: line for line in lines if line.split()[:1] in (["symbols"], ["prices"], ["site"])}
    assert jobs["prices"].split()[1] == "failed"
    assert PRICES_ERROR in jobs["prices"]
    assert jobs["site"].split()[1:3] == ["never", "ran"]
    assert any(line.startswith("daily_ma ") and line.rstrip().endswith("CRITICAL") for line in lines)
    assert any(line.startswith("raw.fmp_prices ") for line in lines)

    as_json = json.loads(cli("status", "--json", env={"DATABASE_URL": database_url}).stdout)
    assert as_json["overallStatus"] == "failed"


def test_logs_prints_a_jobs_lines_oldest_last_page_first(database_url: str) -> None:
    seed_history(database_url, datetime.now(UTC))
    result = cli("logs", "--job", "prices", "--limit", "3", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert [line.split()[3] for line in lines] == ["prices"] * 3
    assert lines[-1].split()[2] == "ERROR"  # the newest line last, as in a terminal
    assert f"prices failed: {PRICES_ERROR}" in lines[-1]
    assert result.stderr.strip().endswith("-- 3 of 13 lines (page 1, 3 per page)")

    errors = cli("logs", "--level", "error", "--json", env={"DATABASE_URL": database_url})
    assert json.loads(errors.stdout)["pagination"]["total"] == 3
    bad = cli("logs", "--run", "not-a-run", env={"DATABASE_URL": database_url})
    assert bad.returncode == 2
    assert "is not a run id" in bad.stderr


def test_serve_answers_on_loopback_and_refuses_other_hosts_without_a_token(database_url: str) -> None:
    refused = cli("serve", "--host", "0.0.0.0", env={"DATABASE_URL": database_url, "ETL_API_TOKEN": ""})
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "error: refusing to serve the API on 0.0.0.0 without ETL_API_TOKEN; set it, or use 127.0.0.1"
    )
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "ETL_API_TOKEN": "cli-token"}
    server = subprocess.Popen([str(FMP_ELT), "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                answer = requests.get(base + "/api/etl/status", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        assert answer.status_code == 401
        authorized = requests.get(base + "/api/etl/status", headers={"Authorization": "Bearer cli-token"}, timeout=5)
        assert authorized.json()["overallStatus"] == "degraded"
        assert "uPlot" in requests.get(base + "/", timeout=5).text
        assert requests.get(base + "/static/vendor/uplot/uPlot.iife.min.js", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(30)


def test_site_prints_the_index_path_and_says_what_is_missing(database_url: str, tmp_path: Path) -> None:
    seed_history(database_url, datetime.now(UTC))
    home = tmp_path / "home"
    result = cli("site", str(tmp_path / "public"), env={"DATABASE_URL": database_url, "FMP_ELT_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    index = Path(result.stdout.strip())
    assert index == (tmp_path / "public" / "index.html").resolve()
    assert "dbt: not built yet" in result.stderr
    page = index.read_text()
    assert 'href="dashboard/index.html"' in page
    assert "fmp-elt transform --docs" in page  # says how to get the dbt docs
    assert (index.parent / "dashboard" / "data" / "prices" / "AAPL.js").is_file()
    assert query(database_url, "select count(*) from etl.executions where status = 'running'") == [(0,)]
