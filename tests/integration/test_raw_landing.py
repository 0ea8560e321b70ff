"""One landed batch, one load time: rows encoded at different moments share the time their transaction commits
with, so the halves of a day (prices and their adjusted close) are one landing to point-in-time history."""

from __future__ import annotations

from datetime import UTC, datetime

from fmp_elt import clock
from fmp_elt.streams.base import Landing, UnitResult
from fmp_elt.warehouse.connection import connect
from fmp_elt.warehouse.landing import RawLander
from tests.fixtures.postgres import query

RUN_ID = "00000000-0000-0000-0000-000000000007"


def result(table: str, endpoint: str, rows: list[dict]) -> UnitResult:
    return UnitResult(landings=[Landing(table, endpoint, "AAPL", rows)])


def test_results_prepared_apart_land_with_their_batchs_one_time(database_url: str) -> None:
    conn = connect(database_url)
    try:
        lander = RawLander(conn, RUN_ID)
        with clock.replaying(datetime(2025, 3, 3, 22, 17, tzinfo=UTC)):
            prices = lander.prepare(result("raw.fmp_prices", "historical-price-eod/full", [{"date": "2025-03-03"}]))
        with clock.replaying(datetime(2025, 3, 3, 22, 19, tzinfo=UTC)):
            adjusted = lander.prepare(
                result("raw.fmp_prices_adjusted", "historical-price-eod/dividend-adjusted", [{"date": "2025-03-03"}])
            )
            lander.add(prices)
            lander.add(adjusted)
            lander.flush()
    finally:
        conn.close()
    landed = query(
        database_url,
        "select _loaded_at from raw.fmp_prices union all select _loaded_at from raw.fmp_prices_adjusted",
    )
    assert len(landed) == 2
    [(at,)] = set(landed)
    assert datetime(2025, 3, 3, 22, 19, tzinfo=UTC) <= at < datetime(2025, 3, 3, 22, 20, tzinfo=UTC)
