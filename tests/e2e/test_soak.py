"""Soak: 20 back-to-back daily runs against a simulator that injects a different fault mix each time.

Failures are allowed within a run (that is what the run log is for); what must hold at the end is that every
price FMP serves is in raw, the cursors sit on the last day (the dividend-adjusted one within a week of it), and
the state did not grow with the runs.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from fmp_elt.simulator import Faults
from fmp_elt.streams.adjusted_reads import CHECK_EVERY
from fmp_elt.trading_calendar import trading_days
from tests.fixtures.postgres import query, scalar
from tests.integration.test_extract import TODAY, run, sim_get

RUNS = 20


def fault_mix(rng: random.Random) -> Faults:
    return Faults(
        rate_429_storm=rng.randrange(0, 12),
        error_5xx_burst=rng.randrange(0, 6),
        reset_next=rng.randrange(0, 3),
        truncate_next=rng.randrange(0, 3),
        malformed_next=rng.randrange(0, 2),
        error_object_next=rng.randrange(0, 2),
    )


@pytest.mark.slow
def test_twenty_faulty_runs_lose_nothing(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    symbols = [s for s in sim.symbols if sim.profile(s).delisted is None][:5]
    days = trading_days(TODAY - timedelta(days=40), TODAY)[-RUNS:]
    rng = random.Random(7)
    failed_runs = 0
    for day in days:
        sim.set_today(day)
        sim.faults = fault_mix(rng)
        summary, _ = run(sim.base_url, database_url, "prices", symbols=symbols)
        failed_runs += bool(summary.failures)
    sim.faults = Faults()
    assert failed_runs > 0  # the faults did bite: some symbols failed and were picked up by later runs
    final, _ = run(sim.base_url, database_url, "prices", symbols=symbols)  # a clean run picks up the last failures
    assert final.failures == []

    start = (TODAY - timedelta(days=round(365.25 * 5))).isoformat()
    for symbol in symbols:
        served = {r["date"] for r in sim_get(sim, "historical-price-eod/full", symbol=symbol, **{"from": start})}
        sql = "select distinct payload->>'date' from raw.fmp_prices where symbol = %s"
        held = {row for (row,) in query(database_url, sql, (symbol,))}
        assert served <= held, symbol
    assert scalar(database_url, "select count(*) from etl.stream_failures") == 0
    newest = scalar(database_url, "select min(newest_date) from etl.stream_state where stream = 'prices'")
    assert newest == days[-1]
    # the dividend-adjusted series is read after events and weekly: never more than a week of prices behind
    adjusted = scalar(database_url, "select min(newest_date) from etl.stream_state where stream = 'prices_adjusted'")
    assert days[-1] - CHECK_EVERY <= adjusted <= days[-1]
    # Bounded state: one row per (stream, symbol), and at most ten overlap closes in each.
    assert scalar(database_url, "select count(*) from etl.stream_state") == 2 * len(symbols)
    assert (
        scalar(database_url, "select max((select count(*) from jsonb_object_keys(recent))) from etl.stream_state") <= 10
    )
