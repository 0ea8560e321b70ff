"""Every error class of FMP's dialect (extract/fmp_elt/fmp/README.md, section 2), as the simulator sends it."""

from __future__ import annotations

from collections.abc import Callable

import requests

from fmp_elt.simulator import Simulator
from fmp_elt.simulator.responses import INVALID_KEY, LIMIT_REACH
from tests.fixtures.simulator import fmp_get

FULL = "historical-price-eod/full"


def a_symbol(sim: Simulator, basic: bool = True) -> str:
    pool = set(sim.basic_symbols)
    return next(s for s in sim.symbols if (s in pool) == basic and sim.profile(s).is_common_stock)


def test_missing_or_unknown_key_is_401_json(fmp_simulator: Simulator) -> None:
    symbol = fmp_simulator.symbols[0]
    for key in (None, "wrong-key"):
        response = fmp_get(fmp_simulator, FULL, key=key, symbol=symbol)
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json() == {"Error Message": INVALID_KEY}


def test_keys_can_be_added_while_running(fmp_simulator: Simulator) -> None:
    symbol = a_symbol(fmp_simulator)
    assert fmp_get(fmp_simulator, FULL, key="late-key", symbol=symbol).status_code == 401
    fmp_simulator.add_key("late-key", "ultimate")
    assert fmp_get(fmp_simulator, "eod-bulk", key="late-key", date="2026-11-24").status_code == 200


def test_key_in_query_is_accepted_too(fmp_simulator: Simulator) -> None:
    url = f"{fmp_simulator.base_url}/{FULL}"
    response = requests.get(url, params={"symbol": a_symbol(fmp_simulator), "apikey": "test-key"}, timeout=10)
    assert response.status_code == 200
    assert response.json()
    [entry] = fmp_simulator.requests_log
    assert "apikey" not in entry.query
    assert entry.key_in_header is False
    assert fmp_simulator.stats.key_in_query == 1


def test_restricted_endpoint_is_402_plain_text(fmp_simulator: Simulator) -> None:
    cases = [
        ("eod-bulk", "test-key"),
        ("nasdaq-constituent", "test-key"),
        ("company-screener", "basic-key"),
        ("batch-exchange-quote", "premium-key"),
    ]
    for endpoint, key in cases:
        response = fmp_get(fmp_simulator, endpoint, key=key, date="2026-11-24", exchange="NASDAQ")
        assert response.status_code == 402, endpoint
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.text.startswith("Restricted Endpoint: This endpoint is not available")


def test_basic_plan_parameter_gates(fmp_simulator: Simulator) -> None:
    allowed, gated = a_symbol(fmp_simulator), a_symbol(fmp_simulator, basic=False)
    assert fmp_get(fmp_simulator, FULL, key="basic-key", symbol=allowed).status_code == 200
    refused = fmp_get(fmp_simulator, FULL, key="basic-key", symbol=gated)
    assert refused.status_code == 402
    assert refused.text.startswith("Premium Query Parameter: 'Special Endpoint : This value set for 'symbol'")
    too_many = fmp_get(fmp_simulator, "ratios", key="basic-key", symbol=allowed, limit=6)
    assert too_many.status_code == 402
    assert "'limit' must be between 0 and 5" in too_many.text
    quarter = fmp_get(fmp_simulator, "ratios", key="basic-key", symbol=allowed, period="quarter")
    assert quarter.status_code == 402
    assert "for 'period' is not available" in quarter.text
    assert len(fmp_get(fmp_simulator, "ratios", key="basic-key", symbol=allowed, limit=5).json()) == 5


def test_missing_parameter_is_400_text_under_json_type(fmp_simulator: Simulator) -> None:
    for endpoint, param in ((FULL, "symbol"), ("ratios", "symbol"), ("batch-exchange-quote", "exchange")):
        response = fmp_get(fmp_simulator, endpoint, key="ultimate-key")
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.text == f"Query Error: Invalid or missing query parameter - {param}"
    bad_period = fmp_get(fmp_simulator, "ratios", symbol=a_symbol(fmp_simulator), period="Q9")
    assert bad_period.status_code == 400
    assert bad_period.text.endswith("- period")
    bogus = fmp_get(fmp_simulator, "ratios", symbol=a_symbol(fmp_simulator), period="bogus").json()
    assert {r["period"] for r in bogus} == {"FY"}


def test_unknown_path_is_404_empty_array(fmp_simulator: Simulator) -> None:
    for endpoint in ("company-symbol-list", "historical-price-eod", "historical-chart/1day"):
        response = fmp_get(fmp_simulator, endpoint, symbol="X")
        assert response.status_code == 404
        assert response.json() == []


def test_legacy_path_is_403(fmp_simulator: Simulator) -> None:
    root = fmp_simulator.base_url.removesuffix("/stable")
    response = requests.get(f"{root}/api/v3/historical-price-full/AAPL", headers={"apikey": "test-key"}, timeout=10)
    assert response.status_code == 403
    assert response.json()["Error Message"].startswith("Legacy Endpoint : Due to Legacy endpoints")
    assert requests.get(f"{root}/api/v3/quote/AAPL", timeout=10).status_code == 401


def test_rate_limit_answers_429_without_retry_after(make_simulator: Callable[..., Simulator]) -> None:
    sim = make_simulator(enforce_rate_limit=True, rate_limit_per_minute=3)
    symbol = sim.symbols[0]
    statuses = [fmp_get(sim, FULL, symbol=symbol).status_code for _ in range(3)]
    refused = fmp_get(sim, FULL, symbol=symbol)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {"Error Message": LIMIT_REACH}
    assert "Retry-After" not in refused.headers
    assert fmp_get(sim, FULL, key="premium-key", symbol=symbol).status_code == 200  # budgets are per key
    assert sim.stats.rate_limited == 1


def test_basic_daily_quota_over_http(make_simulator: Callable[..., Simulator]) -> None:
    sim = make_simulator(enforce_rate_limit=True)
    session = requests.Session()
    session.headers["apikey"] = "basic-key"
    url = f"{sim.base_url}/stock-list"  # 402 for Basic, yet each call still counts
    statuses = [session.get(url, timeout=10).status_code for _ in range(251)]
    assert statuses[:250] == [402] * 250
    assert statuses[250] == 429


def test_bulk_throttle_is_200_with_json(make_simulator: Callable[..., Simulator]) -> None:
    sim = make_simulator(bulk_min_interval_s=30.0)
    first = fmp_get(sim, "eod-bulk", key="ultimate-key", date="2026-11-24")
    second = fmp_get(sim, "ratios-ttm-bulk", key="ultimate-key")
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("text/csv")
    assert second.status_code == 200
    assert second.json()["Error Message"].startswith("Limit Reach. This is a bulk endpoint")
