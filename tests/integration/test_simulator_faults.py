"""Injected faults fire exactly as many times as asked, then the simulator answers normally again."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from fmp_elt.simulator import Faults, Simulator
from fmp_elt.simulator.drift import NEW_FIELD
from tests.fixtures.simulator import fmp_get

FULL = "historical-price-eod/full"
WINDOW = {"from": "2024-03-01", "to": "2024-03-08"}


def fetch(sim: Simulator, **params: str) -> requests.Response:
    return fmp_get(sim, FULL, symbol=sim.symbols[0], **WINDOW, **params)


def test_429_storm_without_then_with_retry_after(fmp_simulator: Simulator) -> None:
    fmp_simulator.faults = Faults(rate_429_storm=2)
    answers = [fetch(fmp_simulator) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert all("Retry-After" not in a.headers for a in answers)
    assert answers[0].json()["Error Message"].startswith("Limit Reach .")
    fmp_simulator.faults = Faults(rate_429_storm=1, retry_after_s=1.5)
    assert fetch(fmp_simulator).headers["Retry-After"] == "1.5"
    assert fmp_simulator.faults.rate_429_storm == 0
    assert fmp_simulator.stats.rate_limited == 3


def test_5xx_burst_rotates_statuses(fmp_simulator: Simulator) -> None:
    fmp_simulator.faults = Faults(error_5xx_burst=3)
    assert [fetch(fmp_simulator).status_code for _ in range(4)] == [500, 502, 503, 200]


def test_timeout_delays_the_answer(fmp_simulator: Simulator) -> None:
    fmp_simulator.faults = Faults(timeout_next=1, timeout_sleep_s=1.0)
    url = f"{fmp_simulator.base_url}/{FULL}"
    params = {"symbol": fmp_simulator.symbols[0], **WINDOW}
    with pytest.raises(requests.ReadTimeout):
        requests.get(url, params=params, headers={"apikey": "test-key"}, timeout=0.3)
    assert fetch(fmp_simulator).status_code == 200


def test_reset_closes_without_answer(fmp_simulator: Simulator) -> None:
    fmp_simulator.faults = Faults(reset_next=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            fetch(fmp_simulator)
    assert fetch(fmp_simulator).status_code == 200
    assert fmp_simulator.stats.by_status[0] == 2


def test_truncated_body_is_a_prefix_that_does_not_parse(fmp_simulator: Simulator) -> None:
    whole = fetch(fmp_simulator).content
    fmp_simulator.faults = Faults(truncate_next=1)
    cut = fetch(fmp_simulator)
    assert cut.status_code == 200
    assert whole.startswith(cut.content)
    assert len(cut.content) < len(whole)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    assert fetch(fmp_simulator).content == whole


def test_malformed_and_error_object_bodies(fmp_simulator: Simulator) -> None:
    fmp_simulator.faults = Faults(malformed_next=1, error_object_next=1)
    error_object, malformed, normal = fetch(fmp_simulator), fetch(fmp_simulator), fetch(fmp_simulator)
    assert error_object.status_code == 200
    assert "Error Message" in error_object.json()
    assert malformed.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.content)
    assert isinstance(normal.json(), list)


def test_fail_symbols_forces_a_status_for_one_symbol(fmp_simulator: Simulator) -> None:
    failing, fine = fmp_simulator.symbols[:2]
    fmp_simulator.faults = Faults(fail_symbols={failing: 402})
    for _ in range(2):
        response = fmp_get(fmp_simulator, FULL, symbol=failing)
        assert response.status_code == 402
        assert response.text.startswith("Premium Query Parameter")
    assert fmp_get(fmp_simulator, FULL, symbol=fine).status_code == 200


def test_drift_changes_records(fmp_simulator: Simulator) -> None:
    clean = fetch(fmp_simulator).json()[0]
    fmp_simulator.faults = Faults(drift={"new_field", "missing_field"})
    drifted = fetch(fmp_simulator).json()[0]
    assert drifted[NEW_FIELD] == "added"
    assert "vwap" not in drifted
    fmp_simulator.faults = Faults(drift={"numbers_as_strings"})
    assert fetch(fmp_simulator).json()[0]["close"] == str(clean["close"])
    fmp_simulator.faults = Faults(drift={"nulls"})
    assert fetch(fmp_simulator).json()[0]["open"] is None
    bulk = fmp_get(fmp_simulator, "ratios-ttm-bulk", key="ultimate-key")
    assert bulk.text.splitlines()[1].split(",")[1] == '""'  # FMP writes a missing value as ""


def test_faults_are_counted_exactly_under_concurrency(fmp_simulator: Simulator) -> None:
    fmp_simulator.faults = Faults(rate_429_storm=10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: fetch(fmp_simulator).status_code, range(30)))
    assert statuses.count(429) == 10
    assert statuses.count(200) == 20
