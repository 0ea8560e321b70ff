"""Unreachable before the first answer fails fast; unreachable after it is an outage and is retried.

Real HTTP on loopback: the simulator is stopped (its port refuses connections, open ones are closed) and started
again on the same port, as a server that goes down and comes back.
"""

from __future__ import annotations

import threading
import time

import pytest

from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.errors import FmpUnreachable
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.simulator import Faults, Simulator
from tests.fixtures.ports import free_port

PATIENT = RetryPolicy(max_tries=30, base_seconds=0.05, cap_seconds=0.2)


def client_for(base_url: str) -> FmpClient:
    return FmpClient(base_url, "test-key", RateLimiter(60_000), retry=PATIENT, timeout=(2.0, 10.0))


def back_after_refusals(sim: Simulator, client: FmpClient, refused: int) -> threading.Thread:
    """Bring the stopped simulator back on its old port once the client has counted `refused` failed calls."""
    calls_before = client.stats.calls

    def restart() -> None:
        deadline = time.monotonic() + 30
        while client.stats.calls < calls_before + refused and time.monotonic() < deadline:
            time.sleep(0.005)
        sim.start()

    thread = threading.Thread(target=restart, daemon=True)
    thread.start()
    return thread


def test_a_base_url_that_refuses_before_any_answer_fails_at_the_first_call() -> None:
    port = free_port()  # nothing listens there, and no other test takes it
    client = client_for(f"http://127.0.0.1:{port}/stable")
    with pytest.raises(FmpUnreachable, match=f"127.0.0.1:{port}/stable: connection refused") as caught:
        client.get_json("stock-list")
    assert caught.value.exit_code == 2
    assert client.stats.calls == 1  # no retry: nothing there to retry against
    assert client.stats.retries == 0


def test_a_server_that_goes_down_mid_run_is_retried_until_it_is_back(fmp_simulator: Simulator) -> None:
    sim = fmp_simulator
    client = client_for(sim.base_url)
    params = {"symbol": sim.symbols[0]}
    first = client.get_json("historical-price-eod/light", params)
    port = sim.port
    sim.stop()
    sim.config.port = port
    restarted = back_after_refusals(sim, client, refused=2)
    second = client.get_json("historical-price-eod/light", params)
    restarted.join(timeout=5)
    assert len(second) > 0
    assert second == first
    assert client.stats.retries >= 2
    assert client.stats.as_dict()["statuses"] == {"200": 2}  # the refused tries got no answer at all


def test_a_connection_dropped_before_the_first_answer_is_retried(fmp_simulator: Simulator) -> None:
    # The server accepted the connection, so it is there: a drop is a fault to retry, not a wrong URL.
    sim = fmp_simulator
    sim.faults = Faults(reset_next=3)
    client = client_for(sim.base_url)
    rows = client.get_json("historical-price-eod/light", {"symbol": sim.symbols[0]})
    assert {row["symbol"] for row in rows} == {sim.symbols[0]}
    assert client.stats.retries == 3
