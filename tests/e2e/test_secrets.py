"""Canaries: a distinct secret in every credential variable, and none of them anywhere but where it is used.

A failing run (a job whose error quotes every credential) and a succeeding run of the whole pipeline, the site
and the API: no canary in the warehouse, the files written, the API's bodies, the alerts or the output.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
import requests

from tests.fixtures.ops import ROOT, write_jobs
from tests.fixtures.ops_alerts import SMTP_PASSWORD, slack_webhook, smtp_env, smtp_server
from tests.fixtures.postgres import query

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

KEY = "sk-FMPELT-CANARY-7f3e9d2c41"
BASE_QUERY = "CANARY-basequery-5b81e0"
DB_PASSWORD = "CANARY-dbpassword-c3d9a1"
SLACK_TOKEN = "CANARY-slackhook-92f4be"
API_TOKEN = "CANARY-apitoken-1e7c55"
# The SMTP password is the test server's own: it only takes a login with it.
CANARIES = {
    "FMP_API_KEY": KEY,
    "FMP_BASE_URL query": BASE_QUERY,
    "DATABASE_URL password": DB_PASSWORD,
    "SMTP_PASSWORD": SMTP_PASSWORD,
    "SLACK_WEBHOOK_URL": SLACK_TOKEN,
    "ETL_API_TOKEN": API_TOKEN,
}
API_ROUTES = (
    "/api/etl/status",
    "/api/etl/logs?limit=1000",
    "/api/etl/executions?limit=1000",
    "/api/etl/executions?status=failed",
    "/api/etl/metrics",
    "/api/etl/jobs",
    "/api/quality",
    "/api/freshness",
    "/api/symbols",
    "/api/universe",
    "/api/anomalies",
    "/api/coverage",
    "/metrics",
)


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def tables(db: str) -> list[str]:
    conn = psycopg2.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
                " where table_schema in ('raw', 'etl', 'staging', 'marts') and table_type = 'BASE TABLE'"
            )
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def rows_containing(db: str, table: str, needle: str) -> int:
    conn = psycopg2.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(f"select count(*) from {table} t where t::text like %s", (f"%{needle}%",))
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def fmp_elt(*args: str, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fmp_elt", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def with_password(url: str, password: str) -> str:
    """The test server trusts loopback: a password in the URL is carried everywhere and checked nowhere."""
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{password}@{host}"


def found(text: str) -> list[str]:
    return [name for name, canary in CANARIES.items() if canary in text]


def api_bodies(env: dict[str, str], symbol: str) -> dict[str, str]:
    """`fmp-elt serve` answering every route (and a refused request), body by route."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "fmp_elt", "serve", "--host", "0.0.0.0", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    bodies: dict[str, str] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                bodies["refused"] = requests.get(base + "/api/etl/status", timeout=5).text
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.3)
        for route in (*API_ROUTES, f"/api/prices/{symbol}"):
            answer = requests.get(base + route, headers=auth, timeout=60)
            assert answer.status_code == 200, (route, answer.text)
            bodies[route] = answer.text
        head = requests.head(base + "/api/etl/status", headers=auth, timeout=30)
        assert (head.status_code, head.content) == (200, b"")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    bodies["serve output"] = out + err
    return bodies


def test_no_credential_in_the_warehouse_files_api_alerts_or_output(make_simulator, database_url, tmp_path) -> None:
    sim = make_simulator(n_symbols=6)
    sim.add_key(KEY, "starter")
    home = tmp_path / "home"
    site = tmp_path / "published"
    (tmp_path / "smtp").mkdir()
    with slack_webhook() as slack, smtp_server(tmp_path / "smtp") as mail:
        env = {
            **os.environ,
            **smtp_env(mail),
            "PYTHONPATH": str(ROOT),
            "FMP_BASE_URL": sim.base_url,
            "FMP_API_KEY": KEY,
            "DATABASE_URL": with_password(database_url, DB_PASSWORD),
            "FMP_ELT_HOME": str(home),
            "SLACK_WEBHOOK_URL": slack.url.replace("XXXX", SLACK_TOKEN),
            "ETL_API_TOKEN": API_TOKEN,
        }
        with_query = f"{sim.base_url}?apikey={BASE_QUERY}"

        refused = fmp_elt("extract", "prices", "--symbols", "B", env={**env, "FMP_BASE_URL": with_query})
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.strip() == (
            f"error: FMP_BASE_URL='{sim.base_url}?apikey=***' has a query string;"
            " give the bare base URL and the key in FMP_API_KEY"
        )

        leaky = {
            "name": "leaky",
            "schedule": "17 22 * * 1-5",
            "timeout": 60,
            "retryCount": 0,
            "dependencies": [],
            "environment": {},
            "module": "tests.fixtures.leaky_job",
        }
        jobs = write_jobs(tmp_path, [leaky])
        failing = fmp_elt("run", env={**env, "FMP_ELT_JOBS": str(jobs), "LEAKY_BASE_URL": with_query})
        assert failing.returncode == 1, failing.stderr
        [(error,)] = query(database_url, "select error_message from etl.executions where job_name = 'leaky'")
        assert error.startswith(f"ConnectionError: cannot reach {sim.base_url}?apikey=***")

        run = fmp_elt("run", "--jobs", "symbols,prices,ratios,statements,transform,quality,site", env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        export = fmp_elt("site", str(site), env=env, timeout=300)
        assert export.returncode == 0, export.stderr
        [(symbol,)] = query(database_url, "select min(symbol) from marts.daily_prices")
        bodies = api_bodies(env, symbol)

    # The key did reach the server, in the header only.
    assert sim.stats.total > 0
    assert sim.stats.key_in_query == 0
    assert all(entry.key_in_header for entry in sim.requests_log)

    # The failure was alerted, its error quoted, every credential in it masked.
    assert slack.messages
    assert mail.messages
    assert "cannot reach" in json.dumps(slack.messages)
    assert found(json.dumps(slack.messages)) == []
    assert {i: found(m.as_string()) for i, m in enumerate(mail.messages) if found(m.as_string())} == {}

    outputs = {"refused": refused, "failing run": failing, "run": run, "site": export}
    assert {name: found(p.stdout + p.stderr) for name, p in outputs.items() if found(p.stdout + p.stderr)} == {}
    assert {route: found(body) for route, body in bodies.items() if found(body)} == {}
    assert "apikey=***" in bodies["/api/etl/executions?status=failed"]  # the failure is served, masked

    written = {str(p): found(p.read_text(errors="replace")) for p in tmp_path.rglob("*") if p.is_file()}
    assert {path: names for path, names in written.items() if names} == {}
    assert list(site.rglob("*.html"))  # the site was really built
    assert "cannot reach" in (site / "dashboard" / "data" / "errors.json").read_text()

    scanned = tables(database_url)
    assert {"raw.fmp_prices", "etl.executions", "etl.logs", "marts.daily_prices", "etl.alert_state"} <= set(scanned)
    leaks = {
        (t, name): n
        for t in scanned
        for name, canary in CANARIES.items()
        if (n := rows_containing(database_url, t, canary))
    }
    assert leaks == {}
