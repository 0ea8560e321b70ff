"""How big each benchmark runs: --smoke (seconds, for the test suite), --quick (the default, minutes) and
--full (the target sizes). Reduced scales keep the ratios honest, not the absolute times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# A fixed calendar, so every run fetches the same days: prices are held up to DAY_BEFORE, the run adds DAY.
DAY = date(2025, 12, 30)
DAY_BEFORE = date(2025, 12, 29)


@dataclass(frozen=True)
class Scale:
    name: str
    latency_ms: float  # added by the simulator to every answer
    rate_limit: int  # calls per minute for the fill-the-plan benchmark
    rate_symbols: int  # two calls each
    landing_rows: int
    landing_rounds: int
    daily_symbols: int  # NASDAQ common stocks in the daily runs
    daily_history_days: int  # calendar days held before the daily run
    bulk_interval_s: float  # between two eod-bulk calls (FMP: 30 s)
    backfill_sizes: tuple[int, int, int]  # symbols x 5 years: the memory comparison's three backfills
    dbt_symbols: int
    dbt_years: tuple[int, int]
    shard_symbols: int
    statement_symbols: int  # NASDAQ common stocks in the weekly statements runs
    statement_bulk_interval_s: float  # between two statement bulk calls (FMP: 30 s; the bench scales to it)

    @property
    def reduced(self) -> bool:
        return self.name != "full"


SCALES = {
    "smoke": Scale(
        name="smoke",
        latency_ms=100,
        rate_limit=3000,
        rate_symbols=60,
        landing_rows=20_000,
        landing_rounds=2,
        daily_symbols=40,
        daily_history_days=20,
        bulk_interval_s=1.0,
        backfill_sizes=(4, 12, 24),
        dbt_symbols=10,
        dbt_years=(1, 3),
        shard_symbols=20,
        statement_symbols=20,
        statement_bulk_interval_s=0.05,
    ),
    "quick": Scale(
        name="quick",
        latency_ms=100,
        rate_limit=3000,
        rate_symbols=1200,
        landing_rows=200_000,
        landing_rounds=3,
        daily_symbols=300,
        daily_history_days=60,
        bulk_interval_s=5.0,
        backfill_sizes=(40, 400, 800),
        dbt_symbols=300,
        dbt_years=(1, 10),
        shard_symbols=300,
        statement_symbols=200,
        statement_bulk_interval_s=0.5,
    ),
    "full": Scale(
        name="full",
        latency_ms=100,
        rate_limit=3000,
        rate_symbols=3000,
        landing_rows=1_000_000,
        landing_rounds=3,
        daily_symbols=5000,
        daily_history_days=60,
        bulk_interval_s=30.0,
        backfill_sizes=(40, 400, 5000),
        dbt_symbols=5000,
        dbt_years=(1, 10),
        shard_symbols=1000,
        statement_symbols=1000,
        statement_bulk_interval_s=2.0,
    ),
}
