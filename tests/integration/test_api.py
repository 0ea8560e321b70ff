"""The status/logs API over real HTTP: the contract's shapes (checked against the OpenAPI document), filters,
pagination, validation, token auth, read-only, and a warehouse whose marts do not exist yet."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
import requests
from bokeh_sampledata.stocks import AAPL

from fmp_elt.job_config import load_jobs
from fmp_elt.serve.api import create_app
from tests.fixtures.ops import PIPELINE, PRICES_ERROR, query, seed_history, serve

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

NOW = datetime.now(UTC)


@pytest.fixture
def seeded(database_url: str) -> str:
    seed_history(database_url, NOW)
    return database_url


@pytest.fixture
def api(seeded: str) -> Iterator[str]:
    with serve(create_app(seeded)) as base:
        yield base


def get(base: str, path: str, **params: Any) -> Any:
    response = requests.get(base + path, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def conforms(base: str, path: str, answer: Any, status: int = 200) -> None:
    """The answer matches the response schema the OpenAPI document declares for `path`."""
    spec = requests.get(base + "/openapi.json", timeout=30).json()
    template = next(p for p in spec["paths"] if p.split("{")[0] == path.split("?")[0][: len(p.split("{")[0])])
    schema = spec["paths"][template]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(answer)


def test_status_has_the_seed_shape_and_reports_the_failed_job(api: str) -> None:
    answer = get(api, "/api/etl/status")
    conforms(api, "/api/etl/status", answer)

    assert set(answer) == {"overallStatus", "lastExecution", "nextExecution", "jobs"}
    assert answer["overallStatus"] == "failed"  # prices failed in the latest run, and it is critical
    jobs = {job["name"]: job for job in answer["jobs"]}
    assert list(jobs) == [job.name for job in load_jobs()]
    assert all(set(job) == {"name", "status", "lastRun", "nextRun"} for job in answer["jobs"])
    assert jobs["prices"]["status"] == "failed"
    assert jobs["symbols"]["status"] == "success"
    assert jobs["site"]["status"] is None  # never ran
    assert jobs["site"]["lastRun"] is None
    # next runs come from each cron schedule; the next execution is the earliest of them
    schedule = {job.name: job for job in load_jobs()}
    for name, job in jobs.items():
        next_run = datetime.fromisoformat(job["nextRun"])
        assert next_run == schedule[name].next_fire(next_run - timedelta(seconds=1))
        assert next_run > NOW
    assert answer["nextExecution"] == min(job["nextRun"] for job in answer["jobs"])
    latest_start = datetime.fromisoformat(answer["lastExecution"])
    assert NOW - timedelta(days=1) < latest_start < NOW


def test_status_is_healthy_when_every_job_and_check_passed(database_url: str) -> None:
    seed_history(database_url, NOW, last_prices_failed=False)
    pipeline = [job for job in load_jobs() if job.name in PIPELINE]
    # the seeded history's latest run lost a few price records and failed a few expectations: a perfect day has none
    query(database_url, "update etl.executions set records_failed = 0 returning 1")
    query(database_url, "update etl.data_quality set success = true, success_percent = 100 returning 1")
    with serve(create_app(database_url, jobs=pipeline)) as base:
        assert get(base, "/api/etl/status")["overallStatus"] == "healthy"
    query(database_url, "update etl.data_quality set success = false where dataset = 'ratios' returning 1")
    with serve(create_app(database_url, jobs=pipeline)) as base:
        assert get(base, "/api/etl/status")["overallStatus"] == "failed"  # the ratios suite is critical
    query(database_url, "update etl.data_quality set critical = false where dataset = 'ratios' returning 1")
    with serve(create_app(database_url, jobs=pipeline)) as base:
        assert get(base, "/api/etl/status")["overallStatus"] == "degraded"


def test_a_fresh_warehouse_answers_empty_not_errors(database_url: str) -> None:
    with serve(create_app(database_url)) as base:
        status = get(base, "/api/etl/status")
        assert status["overallStatus"] == "degraded"  # nothing has run yet
        assert status["lastExecution"] is None
        assert {job["status"] for job in status["jobs"]} == {None}
        assert get(base, "/api/prices/AAPL") == {"symbol": "AAPL", "prices": []}  # marts not built yet
        assert get(base, "/api/symbols") == {"symbols": []}
        assert get(base, "/api/quality") == {"checks": []}
        assert get(base, "/api/etl/logs")["pagination"] == {"total": 0, "page": 1, "limit": 100}


def test_logs_are_paginated_newest_first_and_filtered(api: str) -> None:
    everything = get(api, "/api/etl/logs", limit=1000)
    conforms(api, "/api/etl/logs", everything)
    total = everything["pagination"]["total"]
    assert total == 6 * 5 * 2 + 3  # two lines per job run, plus an error line per failed or skipped job
    stamps = [line["timestamp"] for line in everything["logs"]]
    assert stamps == sorted(stamps, reverse=True)
    assert all(set(line) == {"timestamp", "level", "message", "metadata"} for line in everything["logs"])

    page_one = get(api, "/api/etl/logs", limit=7, page=1)
    page_two = get(api, "/api/etl/logs", limit=7, page=2)
    assert page_one["pagination"] == {"total": total, "page": 1, "limit": 7}
    assert page_one["logs"] + page_two["logs"] == everything["logs"][:14]

    prices = get(api, "/api/etl/logs", job="prices", limit=1000)
    assert prices["pagination"]["total"] == 6 * 2 + 1
    assert {line["metadata"]["job"] for line in prices["logs"]} == {"prices"}
    errors = get(api, "/api/etl/logs", level="ERROR")
    assert [line["message"] for line in errors["logs"]] == [
        "quality failed: skipped: upstream job 'prices' failed",
        "transform failed: skipped: upstream job 'prices' failed",
        f"prices failed: {PRICES_ERROR}",
    ]
    run_id = errors["logs"][0]["metadata"]["runId"]
    one_run = get(api, "/api/etl/logs", run=run_id, limit=1000)
    assert one_run["pagination"]["total"] == 5 * 2 + 3
    assert {line["metadata"]["runId"] for line in one_run["logs"]} == {run_id}
    past_the_end = get(api, "/api/etl/logs", page=99)
    assert past_the_end["logs"] == []
    assert past_the_end["pagination"]["total"] == total


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 1001}, {"page": 0}, {"level": "TRACE"}, {"level": "error"}, {"job": "a;drop table"}],
)
def test_bad_query_parameters_are_refused(api: str, params: dict[str, Any]) -> None:
    response = requests.get(api + "/api/etl/logs", params=params, timeout=30)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_executions_quality_freshness_and_jobs_for_the_dashboard(api: str) -> None:
    for path in ("/api/etl/executions", "/api/quality", "/api/freshness", "/api/etl/jobs", "/api/symbols"):
        conforms(api, path, get(api, path))
    failed = get(api, "/api/etl/executions", status="failed")["executions"]
    assert sorted(run["jobName"] for run in failed) == ["prices", "quality", "transform"]
    assert [run["errorMessage"] for run in failed if run["jobName"] == "prices"] == [PRICES_ERROR]
    runs = get(api, "/api/etl/executions", job="prices", limit=3)["executions"]
    assert len(runs) == 3
    assert runs[1]["durationSeconds"] == pytest.approx(32.0)  # 20 + 10 * index + day 2

    checks = get(api, "/api/quality", dataset="daily_ma")["checks"]
    assert len(checks) == 5  # the failed run did not validate
    assert [c["checkedAt"] for c in checks] == sorted(c["checkedAt"] for c in checks)  # a trend: oldest first
    assert checks[-1]["successPercent"] == pytest.approx(95.0)  # 1 of 20 expectations failed that day

    tables = {t["table"]: t for t in get(api, "/api/freshness")["tables"]}
    assert {"raw.fmp_symbols", "raw.fmp_prices", "raw.fmp_prices_adjusted", "raw.fmp_ratios"} <= set(tables)
    assert {"marts.daily_prices", "marts.daily_ma"} <= set(tables)
    assert tables["raw.fmp_symbols"]["isFresh"] is True
    assert tables["marts.daily_ma"]["lagHours"] == pytest.approx(1.0)
    assert tables["marts.daily_ma"]["rows"] == 600

    jobs = get(api, "/api/etl/jobs")["jobs"]
    assert [job["name"] for job in jobs] == [job.name for job in load_jobs()]
    assert set(jobs[0]) == {"name", "schedule", "timeout", "retryCount", "dependencies", "environment", "nextRun"}


def test_prices_carry_the_moving_averages(api: str) -> None:
    assert get(api, "/api/symbols") == {"symbols": ["AAPL", "MSFT"]}
    answer = get(api, "/api/prices/aapl", limit=250)
    conforms(api, "/api/prices/AAPL", answer)
    prices = answer["prices"]
    assert answer["symbol"] == "AAPL"
    assert len(prices) == 250
    assert prices[-1]["date"] == AAPL["date"][-1]
    assert prices[-1]["close"] == pytest.approx(AAPL["close"][-1])
    assert prices[-1]["sma5"] == pytest.approx(statistics.fmean(AAPL["close"][-5:]))
    assert prices[-1]["sma200"] == pytest.approx(statistics.fmean(AAPL["close"][-200:]))
    # the seeded history holds 300 rows: the 200-day average exists from its 200th row on
    assert [p["sma200"] is None for p in prices].count(True) == 199 - 50


def test_unknown_or_malformed_symbols(api: str) -> None:
    assert get(api, "/api/prices/ZZZZ") == {"symbol": "ZZZZ", "prices": []}
    assert requests.get(api + "/api/prices/AA%20PL", timeout=30).status_code == 422


def test_the_api_is_read_only(api: str) -> None:
    for method in ("post", "put", "patch", "delete"):
        assert requests.request(method, api + "/api/etl/status", timeout=30).status_code == 405
    spec = requests.get(api + "/openapi.json", timeout=30).json()
    assert {method for item in spec["paths"].values() for method in item} == {"get"}


class TestTokenAuth:
    @pytest.fixture
    def guarded(self, seeded: str) -> Iterator[str]:
        with serve(create_app(seeded, token="s3cret-token")) as base:
            yield base

    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer "}, {"Authorization": "Basic s3cret-token"}],
    )
    def test_a_missing_or_wrong_token_is_refused(self, guarded: str, headers: dict[str, str]) -> None:
        for path in ("/api/etl/status", "/api/etl/logs", "/api/prices/AAPL"):
            response = requests.get(guarded + path, headers=headers, timeout=30)
            assert response.status_code == 401
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert "overallStatus" not in response.text

    def test_the_right_token_is_let_in(self, guarded: str) -> None:
        response = requests.get(
            guarded + "/api/etl/status", headers={"Authorization": "Bearer s3cret-token"}, timeout=30
        )
        assert response.status_code == 200
        assert response.json()["overallStatus"] == "failed"

    def test_the_page_and_the_openapi_document_hold_no_data_and_stay_open(self, guarded: str) -> None:
        assert requests.get(guarded + "/", timeout=30).status_code == 200
        spec = requests.get(guarded + "/openapi.json", timeout=30).json()
        assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
