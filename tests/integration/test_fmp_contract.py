"""The client against recorded real FMP answers, served on loopback by a plain replay server."""

from __future__ import annotations

import pytest

from fmp_elt.fmp.client import FmpClient
from fmp_elt.fmp.ratelimit import RateLimiter
from tests.fixtures.replay import sample_route
from tests.fixtures.samples import load_sample, sample_files

KEY = "sk-contract-KEY-0123456789"


def client_for(base_url: str) -> FmpClient:
    return FmpClient(base_url, KEY, RateLimiter(6000))


@pytest.mark.parametrize("sample", sample_files(), ids=lambda p: p.name)
def test_client_parses_every_recorded_answer(replay_server, sample) -> None:
    base, handler = replay_server
    api = sample_route(sample).split("/")[1]
    client = client_for(f"{base}/{api}")
    records = client.get_json(sample_route(sample).split("/", 2)[2], {"symbol": "AAPL"})
    recorded = load_sample(sample.name)
    expected = recorded["historical"] if isinstance(recorded, dict) else recorded
    assert records == expected
    assert all(isinstance(r, dict) and r.get("date") for r in records)
    assert handler.seen_keys == [KEY]  # sent as the apikey header ...
    assert all("apikey" not in q for q in handler.seen_queries)  # ... and never in the URL


def test_recorded_eod_rows_are_newest_first_with_fmp_types(replay_server) -> None:
    base, _ = replay_server
    rows = client_for(f"{base}/stable").get_json("historical-price-eod/full", {"symbol": "AAPL"})
    assert [r["date"] for r in rows] == sorted((r["date"] for r in rows), reverse=True)
    assert len(rows) == 6
    assert isinstance(rows[0]["volume"], int)
    assert isinstance(rows[0]["close"], float)


def test_the_recorded_samples_are_there() -> None:
    """The contract tests above are parametrized by these files: without them they would silently vanish."""
    assert len(sample_files()) >= 6


def test_the_extractor_runs_unchanged_against_another_fmp_server(replay_server, database_url) -> None:
    """`fmp-elt extract` pointed by FMP_BASE_URL at a server that is not our simulator (recorded FMP answers)."""
    import os
    import subprocess
    import sys

    from tests.fixtures.postgres import query

    base, handler = replay_server
    env = {**os.environ, "FMP_BASE_URL": f"{base}/stable", "FMP_API_KEY": KEY, "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "fmp_elt", "extract", "ratios", "--symbols", "AAPL"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    landed = query(database_url, "select symbol, payload, _endpoint from raw.fmp_ratios")
    recorded = load_sample("stable_ratios_AAPL_annual_limit1.json")
    assert [(s, p, e) for s, p, e in landed] == [("AAPL", recorded[0], "ratios")] * 2  # annual and quarter asked
    assert {q["period"][0] for q in handler.seen_queries} == {"annual", "quarter"}
    assert set(handler.seen_keys) == {KEY}
