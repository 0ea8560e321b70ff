"""Each xdist worker, and each of two pytest sessions side by side (TEST_PORT_SLOT), draws ports from a range of
its own."""

from __future__ import annotations

import pytest

from tests.fixtures.ports import FIRST, SPAN, free_port

RANGES = [  # worker, TEST_PORT_SLOT, the range's first port
    ("gw0", None, FIRST),
    ("gw1", None, FIRST + SPAN),
    ("gw0", "6", FIRST + 6 * SPAN),
    ("gw1", "6", FIRST + 7 * SPAN),
]


@pytest.mark.parametrize(("worker", "slot", "first"), RANGES)
def test_a_worker_draws_from_its_own_range(
    monkeypatch: pytest.MonkeyPatch, worker: str, slot: str | None, first: int
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    if slot is None:
        monkeypatch.delenv("TEST_PORT_SLOT", raising=False)
    else:
        monkeypatch.setenv("TEST_PORT_SLOT", slot)
    ports = {free_port() for _ in range(20)}
    assert all(first <= port < first + SPAN for port in ports), ports
