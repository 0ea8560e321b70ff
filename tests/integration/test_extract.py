"""Extraction end to end: simulator on loopback -> client -> streams -> raw.* in a real PostgreSQL."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from fmp_elt import trading_calendar
from fmp_elt.config import Settings
from fmp_elt.extract_stage import extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.streams.price_history import TRADED_ENDPOINT as TRADED
from fmp_elt.warehouse import runlog
from tests.fixtures.postgres import query, scalar

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock

FAST_RETRY = RetryPolicy(max_tries=12, base_seconds=0.01, cap_seconds=0.05)
# The extraction's today is the simulated market's last session: both follow the clock.
TODAY = trading_calendar.latest_session()


def settings_for(base_url: str, key: str, plan: str = "starter") -> Settings:
    env = {"FMP_BASE_URL": base_url, "FMP_API_KEY": key, "FMP_PLAN": plan, "FMP_BULK_INTERVAL": "0"}
    return Settings.from_env(env)


def run(base_url: str, db: str, stream: str, key: str = "test-key", plan: str = "starter", **options):
    settings = settings_for(base_url, key, plan)
    client = FmpClient(settings.base_url, key, RateLimiter(60_000), retry=FAST_RETRY)
    summary = extract_stream(
        settings, db, stream, ExtractOptions(**options), run_id=runlog.new_run_id(), client=client, today=TODAY
    )
    return summary, client


def rows_by_symbol(db: str, table: str, condition: str = "true") -> dict[str, int]:
    return dict(query(db, f"select symbol, count(*) from {table} where {condition} group by symbol"))


def test_symbols_then_prices_then_ratios_land_rows(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    symbols, _ = run(sim.base_url, database_url, "symbols")
    assert symbols.rows_landed > 0
    assert not symbols.failures
    universe = scalar(database_url, "select count(*) from etl.stream_state where stream = 'symbols'")
    assert universe == symbols.rows_landed
    nasdaq = scalar(database_url, "select count(*) from raw.fmp_symbols where payload->>'exchangeShortName' = 'NASDAQ'")
    assert nasdaq == symbols.rows_landed  # the screener's filters were sent

    prices, _ = run(sim.base_url, database_url, "prices")
    ratios, _ = run(sim.base_url, database_url, "ratios")
    assert not prices.failures
    assert not ratios.failures
    by_symbol = rows_by_symbol(database_url, "raw.fmp_prices")
    assert set(by_symbol) == set(rows_by_symbol(database_url, "raw.fmp_prices_adjusted"))
    assert len(by_symbol) == universe
    # Starter's five years of history, exactly as the server holds them for each symbol.
    start = (TODAY - timedelta(days=round(365.25 * 5))).isoformat()
    for symbol, held in by_symbol.items():
        served = sim_get(sim, TRADED, symbol=symbol, **{"from": start, "to": TODAY.isoformat()})
        assert held == len(served)
    assert max(by_symbol.values()) > 1200
    assert scalar(database_url, "select count(distinct symbol) from raw.fmp_ratios") == universe
    assert scalar(database_url, "select count(*) from raw.fmp_ratios where _endpoint <> 'ratios'") == 0


def test_explicit_symbols_and_payload_kept_unchanged(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    symbol = sim.symbols[0]
    run(sim.base_url, database_url, "prices", symbols=[symbol], date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))
    sql = "select payload from raw.fmp_prices where symbol = %s order by payload->>'date'"
    payloads = [row[0] for row in query(database_url, sql, (symbol,))]
    direct = sim_get(sim, TRADED, symbol=symbol, **{"from": "2024-01-01", "to": "2024-01-31"})
    assert payloads == sorted(direct, key=lambda r: r["date"])


def sim_get(sim, endpoint: str, key: str = "test-key", **params):
    import requests

    response = requests.get(f"{sim.base_url}/{endpoint}", params=params, headers={"apikey": key}, timeout=10)
    response.raise_for_status()
    return response.json()


def test_history_beyond_the_5000_row_cap_is_fetched_completely(make_simulator, database_url) -> None:
    sim = make_simulator(n_symbols=2, start=date(1990, 1, 2), end=TODAY)
    symbol = sim.symbols[0]
    summary, client = run(sim.base_url, database_url, "prices", key="premium-key", plan="premium", symbols=[symbol])
    assert not summary.failures
    held = scalar(
        database_url,
        "select count(distinct payload->>'date') from raw.fmp_prices where symbol = %s",
        symbol,
    )
    start = (TODAY - timedelta(days=round(365.25 * 30))).isoformat()
    # The server's whole 30-year history, asked for in two windows that each stay under the cap.
    windows = ((start, "2009-12-31"), ("2010-01-01", TODAY.isoformat()))
    served = {
        row["date"]
        for first, last in windows
        for row in sim_get(sim, TRADED, "premium-key", symbol=symbol, **{"from": first, "to": last})
    }
    assert held > 5000
    assert held == len(served)
    assert client.stats.calls >= 4  # two variants, two pages each


def test_incremental_second_run_fetches_only_the_overlap(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    symbols = sim.symbols[:3]
    first, _ = run(sim.base_url, database_url, "prices", symbols=symbols)
    second, client = run(sim.base_url, database_url, "prices", symbols=symbols)
    assert second.refetched == []
    # one call per symbol: no split or dividend since, so the dividend-adjusted history is not read again
    assert client.stats.calls == len(symbols)
    assert second.rows_landed == len(symbols) * 5  # the five as-traded overlap rows, re-read
    assert first.rows_landed > 20 * second.rows_landed


def test_a_split_between_runs_refetches_nothing(fmp_simulator, database_url) -> None:
    """The base is as traded: a split changes none of the days held, so no history is read again and the
    days held before the split are not landed again."""
    sim = fmp_simulator
    sim.set_today(TODAY - timedelta(days=7))
    symbols = sim.symbols[:3]
    run(sim.base_url, database_url, "prices", symbols=symbols)
    split_symbol = symbols[1]
    sim.apply_split(split_symbol, on=TODAY - timedelta(days=3), numerator=4, denominator=1)
    sim.set_today(TODAY)
    second, _ = run(sim.base_url, database_url, "prices", symbols=symbols)
    assert second.refetched == []
    refetches = scalar(database_url, "select count(*) from etl.stream_state where full_refetches > 0")
    assert refetches == 0
    last_run = "(select last_run_id from etl.stream_state where stream = 'prices' and symbol = %s)"
    landed = dict(
        query(
            database_url,
            f"select symbol, count(*) from raw.fmp_prices where _run_id = {last_run} group by 1",
            (split_symbol,),
        )
    )
    assert all(n < 20 for n in landed.values())
    # every as-traded day held twice (the overlap) has one value: the split changed none of them
    changed = scalar(
        database_url,
        "select count(*) from (select payload_date from raw.fmp_prices where symbol = %s"
        " group by payload_date having count(distinct payload ->> 'adjClose') > 1) as moved",
        split_symbol,
    )
    assert changed == 0


def test_a_429_storm_without_retry_after_loses_no_symbol(fmp_simulator, database_url) -> None:
    from fmp_elt.simulator import Faults

    sim = fmp_simulator
    sim.faults = Faults(rate_429_storm=40)
    summary, client = run(sim.base_url, database_url, "prices", symbols=sim.symbols)
    assert summary.failures == []
    assert client.stats.retries >= 40
    assert client.stats.statuses[429] == 40
    assert set(rows_by_symbol(database_url, "raw.fmp_prices")) == set(sim.symbols)


@pytest.mark.parametrize(
    ("key", "plan", "endpoint", "params", "error"),
    [
        ("wrong-key", "starter", "ratios", {"symbol": "X"}, "FmpAuthError"),
        ("basic-key", "basic", "company-screener", {}, "FmpPlanGate"),
        ("test-key", "starter", "eod-bulk", {"date": "2026-11-20"}, "FmpPlanGate"),
        ("test-key", "starter", "historical-price-eod/full", {}, "FmpBadRequest"),
        ("test-key", "starter", "no-such-endpoint", {}, "FmpNotFound"),
    ],
)
def test_each_fmp_error_class(fmp_simulator, key, plan, endpoint, params, error) -> None:
    from fmp_elt.fmp import errors

    client = FmpClient(fmp_simulator.base_url, key, RateLimiter(60_000), retry=FAST_RETRY)
    with pytest.raises(getattr(errors, error)) as raised:
        client.get_json(endpoint, params)
    assert key not in str(raised.value)


def test_200_with_an_error_object_is_an_error_and_empty_list_is_no_data(fmp_simulator) -> None:
    from fmp_elt.fmp.errors import FmpErrorObject
    from fmp_elt.simulator import Faults

    client = FmpClient(fmp_simulator.base_url, "test-key", RateLimiter(60_000), retry=FAST_RETRY)
    assert client.get_json("historical-price-eod/full", {"symbol": "NOSUCH"}) == []
    fmp_simulator.faults = Faults(error_object_next=1)
    with pytest.raises(FmpErrorObject):
        client.get_json("ratios", {"symbol": fmp_simulator.symbols[0]})


def test_a_plan_gated_symbol_is_recorded_and_the_others_land(fmp_simulator, database_url) -> None:
    from fmp_elt.simulator import Faults

    sim = fmp_simulator
    gated = sim.symbols[2]
    sim.faults = Faults(fail_symbols={gated: 402})
    summary, _ = run(sim.base_url, database_url, "ratios", symbols=sim.symbols[:4])
    assert [f.symbol for f in summary.failures] == [gated]
    assert summary.failures[0].http_status == 402
    recorded = scalar(database_url, "select error_class from etl.stream_failures where symbol = %s", gated)
    assert recorded == "FmpPlanGate"
    assert set(rows_by_symbol(database_url, "raw.fmp_ratios")) == set(sim.symbols[:4]) - {gated}


def test_the_key_appears_in_no_log_line_row_or_url(fmp_simulator, database_url, caplog) -> None:
    from fmp_elt.simulator import Faults

    key = "sk-LEAKCHECK-4242-abcdef"
    sim = fmp_simulator
    sim.add_key(key, "starter")
    sim.faults = Faults(rate_429_storm=3, error_5xx_burst=2)
    caplog.set_level(logging.DEBUG)
    settings = settings_for(sim.base_url, key)
    client = FmpClient(settings.base_url, key, RateLimiter(60_000), retry=FAST_RETRY)
    with runlog.recorded(database_url, "prices") as execution:
        extract_stream(
            settings,
            database_url,
            "prices",
            ExtractOptions(symbols=sim.symbols[:2]),
            run_id=execution.run_id,
            execution=execution,
            client=client,
            today=TODAY,
        )
        execution.log("INFO", "done", client=repr(client), settings=repr(settings))
    assert key not in caplog.text
    assert all(key not in str(entry) for entry in sim.requests_log)
    for table in ("etl.logs", "etl.executions", "raw.fmp_prices", "etl.stream_state"):
        assert scalar(database_url, f"select count(*) from {table} t where t::text like %s", f"%{key}%") == 0


def test_ultimate_daily_update_uses_eod_bulk_and_refetches_no_split_symbol(fmp_simulator, database_url) -> None:
    sim = fmp_simulator
    sim.set_today(trading_calendar.previous_trading_day(TODAY - timedelta(days=1)))
    symbols = [s for s in sim.symbols if sim.profile(s).delisted is None][:4]
    run(sim.base_url, database_url, "prices", key="ultimate-key", plan="ultimate", symbols=symbols)
    split_symbol = symbols[0]
    sim.apply_split(split_symbol, on=TODAY, numerator=2, denominator=1)
    sim.set_today(TODAY)
    summary, client = run(sim.base_url, database_url, "prices", key="ultimate-key", plan="ultimate", symbols=symbols)
    assert summary.failures == []
    assert summary.refetched == []
    # Two bulk days (the overlap day and the new one) for everyone, the split symbol too: nothing else
    assert client.stats.calls == 2
    # the overlap day is read, not landed (its bulk values may carry an event of the day); the new day is
    bulk = rows_by_symbol(database_url, "raw.fmp_prices", "_endpoint = 'eod-bulk'")
    assert bulk == dict.fromkeys(symbols, 1)
    traded = scalar(
        database_url,
        "select (payload ->> 'close')::float8 from raw.fmp_prices where symbol = %s and _endpoint = 'eod-bulk'",
        split_symbol,
    )
    served = sim_get(sim, "historical-price-eod/non-split-adjusted", symbol=split_symbol, **{"from": TODAY.isoformat()})
    assert traded == served[0]["adjClose"]  # the split's own day, as traded
    newest = scalar(
        database_url,
        "select count(*) from etl.stream_state where newest_date = %s and symbol = any(%s)",
        TODAY,
        symbols,
    )
    assert newest == len(symbols) * 2
