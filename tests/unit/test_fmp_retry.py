"""The client's retries, without a server: which errors are retried, how long each wait is, who else waits."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.errors import FmpError, FmpPlanGate, FmpRateLimited, FmpServerError, FmpTransportError
from fmp_elt.fmp.ratelimit import RateLimiter


class PauseLog(RateLimiter):
    def __init__(self) -> None:
        super().__init__(60_000)
        self.pauses: list[float] = []

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        super().pause(seconds)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """The jitter windows drawn from; each draw returns the window's top, so the waits are predictable."""
    drawn: list[tuple[float, float]] = []

    def top(low: float, high: float) -> float:
        drawn.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", top)
    return drawn


def scripted(policy: RetryPolicy, outcomes: list[FmpError | None]) -> tuple[FmpClient, list[int]]:
    """A client whose calls raise the given errors in turn (None: a one-row answer)."""
    client = FmpClient("http://fmp.invalid/stable", "test-key", PauseLog(), retry=policy)
    script: Iterator[FmpError | None] = iter(outcomes)
    tries: list[int] = []

    def request(endpoint: str, params: object) -> tuple[bytes, int]:
        tries.append(1)
        outcome = next(script)
        if outcome is not None:
            raise outcome
        return b'[{"symbol": "AAPL"}]', 200

    client._request = request  # type: ignore[method-assign]
    return client, tries


def test_waits_double_up_to_the_cap_then_the_last_error_propagates(sleeps, windows) -> None:
    errors = [FmpServerError(f"500 #{n}", status=500, endpoint="quote") for n in range(6)]
    client, tries = scripted(RetryPolicy(max_tries=6, base_seconds=1.0, cap_seconds=5.0), list(errors))
    with pytest.raises(FmpServerError) as caught:
        client.get_json("quote")
    assert caught.value is errors[-1]
    assert len(tries) == 6
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert all(low == 0 for low, _ in windows)  # full jitter: anywhere from no wait to the window's top
    assert client.stats.retries == 5
    assert client.limiter.pauses == []  # a 5xx is this call's problem, not the key's


def test_retry_after_wins_and_a_429_holds_every_thread_back(sleeps, windows) -> None:
    outcomes: list[FmpError | None] = [
        FmpRateLimited("429", endpoint="quote", retry_after=7.0),
        FmpRateLimited("429", endpoint="quote"),
        FmpTransportError("reset", endpoint="quote"),
        None,
    ]
    client, tries = scripted(RetryPolicy(max_tries=8, base_seconds=1.0, cap_seconds=60.0), outcomes)
    assert client.get_json("quote") == [{"symbol": "AAPL"}]
    assert len(tries) == 4
    # The retry that waited for Retry-After still counts: the next windows are 2 s and 4 s, not 1 s and 2 s.
    assert sleeps == [7.0, 2.0, 4.0]
    assert client.limiter.pauses == [7.0, 2.0]
    assert client.stats.retries == 3


def test_an_error_that_cannot_pass_on_a_retry_is_raised_at_once(sleeps) -> None:
    client, tries = scripted(RetryPolicy(), [FmpPlanGate("402", status=402, endpoint="quote")])
    with pytest.raises(FmpPlanGate):
        client.get_json("quote")
    assert len(tries) == 1
    assert sleeps == []
    assert client.stats.retries == 0
