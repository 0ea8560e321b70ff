"""The Ultimate plan's daily path through dbt: per-symbol history first, then `eod-bulk` days (every value a
CSV string) while one symbol splits (no history read again). The marts must read the bulk rows, re-adjust the
split symbol's history, keep the averages equal to pandas, and equal a full refresh."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from fmp_elt import transform_stage
from fmp_elt.config import Settings
from fmp_elt.extract_stage import extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.simulator import Simulator
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.raw_rows import MARTS, moving_average_errors, query, rows_changed_since, snapshot_marts
from tests.fixtures.simulator import simulator_config
from tests.fixtures.warehouses import module_warehouse

TODAY = date(2026, 11, 25)
KEY = "ultimate-key"


@dataclass
class Run:
    url: str
    simulator: Simulator
    paths: transform_stage.DbtPaths
    symbols: list[str]

    def extract(self, today: date):
        env = {"FMP_BASE_URL": self.simulator.base_url, "FMP_API_KEY": KEY, "FMP_PLAN": "ultimate"}
        settings = Settings.from_env({**env, "FMP_BULK_INTERVAL": "0"})
        client = FmpClient(settings.base_url, KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
        options = ExtractOptions(symbols=self.symbols)
        # the `prices` job's streams: the corporate actions (the split comes from the calendar), then the prices
        extract_stream(
            settings, self.url, "corporate_actions", options, run_id=runlog.new_run_id(), client=client, today=today
        )
        return extract_stream(
            settings, self.url, "prices", options, run_id=runlog.new_run_id(), client=client, today=today
        )

    def build(self, **options) -> transform_stage.DbtResult:
        result = transform_stage.build(self.url, self.paths, **options)
        assert result.ok, result.output[-3000:]
        return result


@pytest.fixture(scope="module")
def bulk_run(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    simulator = Simulator(simulator_config(n_symbols=6, start=date(2025, 6, 2), end=TODAY))
    simulator.start()
    try:
        with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as warehouse:
            symbols = [s for s in simulator.symbols if simulator.profile(s).delisted is None][:4]
            run = Run(warehouse.url, simulator, warehouse.paths, symbols)
            simulator.set_today(TODAY - timedelta(days=1))
            run.extract(TODAY - timedelta(days=1))
            run.build()
            yield run
    finally:
        simulator.stop()


def test_bulk_days_and_a_split_reach_the_marts(bulk_run: Run) -> None:
    split_symbol, other = bulk_run.symbols[0], bulk_run.symbols[1]
    before = dict(query(bulk_run.url, "select symbol, count(*) from marts.daily_prices group by symbol"))
    old_closes = query(
        bulk_run.url, "select price_date, close from marts.daily_prices where symbol = %s order by 1", (split_symbol,)
    )
    bulk_run.simulator.apply_split(split_symbol, on=TODAY, numerator=2, denominator=1)
    bulk_run.simulator.set_today(TODAY)
    summary = bulk_run.extract(TODAY)
    assert summary.refetched == []

    bulk_run.build()
    newest = query(
        bulk_run.url,
        "select price_source, close, adj_close, change, vwap from marts.daily_prices"
        " where symbol = %s and price_date = %s",
        (other, TODAY),
    )
    source, close, adj_close, change, vwap = newest[0]
    assert source == "eod-bulk"
    assert None not in (close, adj_close, change, vwap)  # adj_close ours, the rest derived
    after = dict(query(bulk_run.url, "select symbol, count(*) from marts.daily_prices group by symbol"))
    assert all(after[s] == before[s] + 1 for s in bulk_run.symbols)
    new_closes = dict(
        query(bulk_run.url, "select price_date, close from marts.daily_prices where symbol = %s", (split_symbol,))
    )
    assert all(new_closes[day] == close / 2 for day, close in old_closes)  # as traded x our split factor
    errors = moving_average_errors(bulk_run.url)
    assert all(error < 1e-9 for error in errors.values()), errors


def test_incremental_bulk_result_equals_a_full_refresh(bulk_run: Run) -> None:
    snapshot_marts(bulk_run.url, "incremental")
    bulk_run.build(full_refresh=True)
    assert rows_changed_since(bulk_run.url, "incremental") == dict.fromkeys(MARTS, 0)
