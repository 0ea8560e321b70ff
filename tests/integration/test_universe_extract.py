"""The universe's streams against the simulator: delisted companies behind Starter's page gate, ticker changes,
and the simulator's listing events (delisting, ticker change, reused ticker) as FMP shows them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fmp_elt.streams.delisted import GATE_KEY, PAGE_SIZE
from tests.fixtures.postgres import query, scalar
from tests.fixtures.simulator import fmp_get
from tests.integration.test_extract import TODAY, run

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

LAST_DAY = TODAY - timedelta(days=30)


def test_delisted_on_starter_keeps_page_zero_and_records_the_gate(make_simulator, database_url) -> None:
    sim = make_simulator(n_symbols=130)
    for symbol in sim.symbols[: PAGE_SIZE + 10]:
        if sim.profile(symbol).delisted is None:
            sim.delist(symbol, on=LAST_DAY)
    total = len(fmp_get(sim, "delisted-companies", key="premium-key", limit=10_000).json())
    assert total > PAGE_SIZE

    starter, _ = run(sim.base_url, database_url, "delisted")
    assert starter.rows_landed == PAGE_SIZE  # page 0 kept
    assert not starter.failures  # the gate fails nothing
    assert [gate.symbol for gate in starter.plan_gates] == [GATE_KEY]
    assert query(database_url, "select symbol, http_status from etl.stream_failures where stream = 'delisted'") == [
        (GATE_KEY, 402)
    ]

    premium, _ = run(sim.base_url, database_url, "delisted", key="premium-key", plan="premium")
    assert premium.rows_landed == total
    assert not premium.plan_gates
    assert scalar(database_url, "select count(*) from etl.stream_failures where stream = 'delisted'") == 0


def test_symbol_changes_land_the_latest_changes(make_simulator, database_url) -> None:
    sim = make_simulator()
    old = [s for s in sim.symbols if sim.profile(s).delisted is None][:2]
    sim.rename(old[0], "NEWA", on=TODAY - timedelta(days=20))
    sim.rename(old[1], "NEWB", on=TODAY - timedelta(days=10))
    summary, _ = run(sim.base_url, database_url, "symbol_changes")
    assert summary.rows_landed == 2
    landed = query(database_url, "select payload->>'oldSymbol', payload->>'newSymbol' from raw.fmp_symbol_changes")
    assert sorted(landed) == sorted([(old[0], "NEWA"), (old[1], "NEWB")])


def test_symbol_change_honours_limit_and_ignores_page(make_simulator) -> None:
    sim = make_simulator()
    for i, symbol in enumerate([s for s in sim.symbols if sim.profile(s).delisted is None][:3]):
        sim.rename(symbol, f"ZZ{i}", on=TODAY - timedelta(days=30 - i))
    rows = fmp_get(sim, "symbol-change", limit=2).json()
    assert [r["newSymbol"] for r in rows] == ["ZZ2", "ZZ1"]  # the latest first
    assert fmp_get(sim, "symbol-change", limit=2, page=1).json() == rows
    assert len(fmp_get(sim, "symbol-change").json()) == 3
    assert set(rows[0]) == {"date", "companyName", "oldSymbol", "newSymbol"}


def test_a_renamed_ticker_moves_its_whole_history(make_simulator) -> None:
    sim = make_simulator()
    old = next(s for s in sim.symbols if sim.profile(s).delisted is None and sim.profile(s).is_common_stock)
    before = fmp_get(sim, "historical-price-eod/full", symbol=old).json()
    sim.rename(old, "RENAMD", on=TODAY - timedelta(days=5))
    assert fmp_get(sim, "historical-price-eod/full", symbol=old).json() == []
    after = fmp_get(sim, "historical-price-eod/full", symbol="RENAMD").json()
    assert [(r["date"], r["close"]) for r in after] == [(r["date"], r["close"]) for r in before]
    screened = {r["symbol"] for r in fmp_get(sim, "company-screener", limit=10_000).json()}
    assert "RENAMD" in screened
    assert old not in screened

    sim.relist(old, "Second Use Inc.", on=TODAY - timedelta(days=3))
    reused = fmp_get(sim, "historical-price-eod/full", symbol=old).json()
    assert reused
    assert min(r["date"] for r in reused) >= (TODAY - timedelta(days=3)).isoformat()


def test_a_delisted_history_is_served_up_to_its_last_day(make_simulator) -> None:
    sim = make_simulator()
    symbol = next(s for s in sim.symbols if sim.profile(s).delisted is None)
    sim.delist(symbol, on=LAST_DAY)
    rows = fmp_get(sim, "historical-price-eod/full", symbol=symbol).json()
    assert rows
    assert max(r["date"] for r in rows) <= LAST_DAY.isoformat()
    assert max(r["date"] for r in rows) >= (LAST_DAY - timedelta(days=4)).isoformat()
    listed = fmp_get(sim, "company-screener", isActivelyTrading="true", limit=10_000).json()
    assert symbol not in {r["symbol"] for r in listed}
    delisted = {r["symbol"]: r for r in fmp_get(sim, "delisted-companies").json()}
    assert delisted[symbol]["delistedDate"] == LAST_DAY.isoformat()
    assert fmp_get(sim, "delisted-companies", page=1).status_code == 402  # Starter: page 0 only
