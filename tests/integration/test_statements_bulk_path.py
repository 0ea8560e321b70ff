"""The Ultimate plan's weekly statements run reads the statement bulk endpoints: the marts it builds must equal,
row for row, those of the per-symbol path over the same weeks, through a re-dated period and a restatement.

Two warehouses follow one simulated market over three runs: the first lands every period per symbol on both; the
next two are bulk calls on Ultimate and per-symbol calls on Premium. The re-dating of a 52/53-week period falls
between the first and second run, the restatement of a fiscal year between the second and third.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from fmp_elt import transform_stage
from fmp_elt.config import Settings
from fmp_elt.extract_stage import extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.simulator import Simulator
from fmp_elt.simulator.filings import REDATED_AFTER
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.streams.statements import STATEMENTS
from fmp_elt.streams.statements_bulk import bulk_periods
from fmp_elt.warehouse import runlog
from tests.fixtures.postgres import create_database, drop_database, query, with_database
from tests.fixtures.simulator import simulator_config

END = date(2026, 11, 27)
FIRST, MIDDLE = date(2025, 2, 28), date(2026, 2, 2)
KEYS = {"ultimate": "ultimate-key", "premium": "premium-key"}
MARTS = ("income_statement", "balance_sheet", "cash_flow")
LOAD_TIMES = ("_loaded_at", "valid_from", "valid_to")  # our clock: differs between two warehouses


@dataclass
class Warehouses:
    sim: Simulator
    urls: dict[str, str]
    calls: dict[tuple[str, date], int]  # (plan, day) -> calls of the statements stream
    stocks: list[str]


def extract(sim: Simulator, url: str, plan: str, day: date, stream: str, **options: Any) -> int:
    env = {"FMP_BASE_URL": sim.base_url, "FMP_API_KEY": KEYS[plan], "FMP_PLAN": plan, "FMP_BULK_INTERVAL": "0"}
    settings = Settings.from_env(env)
    client = FmpClient(settings.base_url, KEYS[plan], RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
    summary = extract_stream(
        settings, url, stream, ExtractOptions(**options), run_id=runlog.new_run_id(), client=client, today=day
    )
    assert not summary.failures, (plan, day, stream, summary.failures)
    return client.stats.calls


@pytest.fixture(scope="module")
def warehouses(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouses]:
    sim = Simulator(simulator_config(n_symbols=16, seed=11, start=date(2018, 1, 2), end=END))
    sim.start()
    names = {plan: create_database(pg_server_url, pg_template) for plan in KEYS}
    urls = {plan: with_database(pg_server_url, name) for plan, name in names.items()}
    try:
        stocks = [s for s in sim.symbols if sim.profile(s).is_common_stock and sim.profile(s).delisted is None]
        calls: dict[tuple[str, date], int] = {}
        for day in (FIRST, MIDDLE, END):
            sim.set_today(day)
            for plan, url in urls.items():
                for stream in streams_of("symbols"):
                    extract(sim, url, plan, day, stream)
                calls[(plan, day)] = extract(sim, url, plan, day, "statements", symbols=stocks)
        for plan, url in urls.items():
            paths = transform_stage.DbtPaths.under(tmp_path_factory.mktemp(f"home-{plan}"))
            selected = tuple(f"+{mart}{suffix}" for mart in MARTS for suffix in ("", "_history"))
            result = transform_stage.build(url, paths, select=selected, data_tests=False)
            assert result.ok, result.output[-3000:]
        yield Warehouses(sim, urls, calls, stocks)
    finally:
        sim.stop()
        for name in names.values():
            drop_database(pg_server_url, name)


def rows(url: str, relation: str) -> list[dict[str, Any]]:
    records = query(url, f"select to_jsonb(t) from {relation} as t")
    out = []
    for (record,) in records:
        kept = {k: v for k, v in record.items() if k not in LOAD_TIMES}
        if "valid_to" in record:
            kept["current"] = record["valid_to"] is None
        out.append(kept)
    return sorted(out, key=lambda r: (r["security_id"], r["fiscal_year"], r["period"], r.get("version", 0)))


def test_later_runs_on_ultimate_are_bulk_calls_only(warehouses: Warehouses) -> None:
    for day in (MIDDLE, END):
        assert warehouses.calls[("ultimate", day)] == len(STATEMENTS) * len(bulk_periods(day))
        assert warehouses.calls[("premium", day)] == 6 * len(warehouses.stocks)
    assert warehouses.calls[("ultimate", FIRST)] == 6 * len(warehouses.stocks)  # nothing held: per symbol
    for dataset in STATEMENTS:
        endpoints = query(warehouses.urls["ultimate"], f"select distinct _endpoint from {dataset.table} order by 1")
        assert [e for (e,) in endpoints] == sorted(dataset.endpoints)  # the first run per symbol, then bulk
        amounts = query(
            warehouses.urls["ultimate"],
            f"select jsonb_typeof(payload -> 'fiscalYear'), jsonb_typeof(payload -> 'date')"
            f" from {dataset.table} where _endpoint like '%-bulk' limit 1",
        )
        assert amounts == [("string", "string")]  # landed as FMP sent them: the staging views cast
        held = query(warehouses.urls["ultimate"], f"select distinct symbol from {dataset.table}")
        assert {s for (s,) in held} <= set(warehouses.stocks)  # every other company of a bulk answer left out


@pytest.mark.parametrize("mart", MARTS)
def test_the_bulk_path_builds_the_same_marts_as_the_per_symbol_path(warehouses: Warehouses, mart: str) -> None:
    bulk, per_symbol = warehouses.urls["ultimate"], warehouses.urls["premium"]
    for relation in (f"marts.{mart}", f"marts.{mart}_history"):
        held = rows(bulk, relation)
        assert held, relation
        assert held == rows(per_symbol, relation), relation


def test_the_restatement_and_the_re_dating_reached_the_bulk_warehouse(warehouses: Warehouses) -> None:
    sim, url = warehouses.sim, warehouses.urls["ultimate"]
    restater = next(s for s in warehouses.stocks if sim.filer(s).restates)
    redater = next(s for s in warehouses.stocks if sim.filer(s).week_based)
    restated = next(f for f in sim.filings(restater) if f.period == "FY" and MIDDLE < f.restated_from.date() <= END)  # type: ignore[union-attr]
    versions = query(
        url,
        "select h.version, h.revenue from marts.income_statement_history as h"
        " join marts.symbol_securities as s using (security_id)"
        " where s.symbol = %s and h.fiscal_year = %s and h.period = 'FY' order by h.version",
        (restater, restated.fiscal_year),
    )
    assert len(versions) == 2  # first filed, then restated by a bulk read
    assert versions[1][1] == pytest.approx(versions[0][1] * Decimal("0.97"), rel=Decimal("1e-4"))
    redated = next(
        f
        for f in sim.filings(redater)
        if f.month_end != f.fiscal_end and f.accepted.date() <= FIRST < f.accepted.date() + REDATED_AFTER <= MIDDLE
    )
    ends = query(
        url,
        "select h.period_end_date from marts.income_statement as h join marts.symbol_securities as s"
        " using (security_id) where s.symbol = %s and h.fiscal_year = %s and h.period = %s",
        (redater, redated.fiscal_year, redated.period),
    )
    assert ends == [(redated.fiscal_end,)]  # one row, re-dated
