"""`fmp-elt upgrade` on a warehouse from before the as-traded base: real prices (AAPL, MSFT, GOOG) served by the
simulator with their real splits and dividends on a Premium key.

The old warehouse holds AAPL and MSFT only as FMP's split-adjusted `full` bars (as an earlier release landed
them) and GOOG already on the as-traded base. The upgrade must fetch AAPL and MSFT once, leave GOOG alone, and
leave marts equal to those of a warehouse built fresh from the as-traded series; a second run fetches nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import CliRunner

from fmp_elt.cli import cli
from fmp_elt.config import Settings
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.orchestration.as_traded_upgrade import UpgradeResult, upgrade
from fmp_elt.streams.price_history import TRADED_ENDPOINT
from tests.fixtures.raw_rows import ADJUSTED, FULL, at, land, query
from tests.fixtures.real_prices import KEY, SYMBOLS, Pipeline, real_prices_pipeline
from tests.fixtures.simulator import fmp_get

TODAY = date(2013, 3, 1)
OLD_BASE = ("AAPL", "MSFT")
COMPARED = (
    "symbol, price_date, open, high, low, close, adj_close, volume, traded_close, split_multiplier,"
    " dividend_multiplier, adj_open"
)


def settings(pipeline: Pipeline) -> Settings:
    env = {"FMP_BASE_URL": pipeline.simulator.base_url, "FMP_API_KEY": KEY, "FMP_PLAN": "premium"}
    return Settings.from_env(env)


def run_upgrade(pipeline: Pipeline, **options: bool) -> UpgradeResult:
    client = FmpClient(pipeline.simulator.base_url, KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
    return upgrade(settings(pipeline), pipeline.url, pipeline.paths, client=client, today=TODAY, **options)


def served(pipeline: Pipeline, endpoint: str, symbol: str) -> list[dict]:
    rows = fmp_get(pipeline.simulator, endpoint, KEY, symbol=symbol, **{"from": "2000-01-01"}).json()
    assert rows
    return [{"symbol": symbol, **row} for row in rows]


@contextlib.contextmanager
def with_actions(
    pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory, role: str
) -> Iterator[Pipeline]:
    """A warehouse of its own holding the universe and every split and dividend up to TODAY."""
    with real_prices_pipeline(pg_server_url, pg_template, tmp_path_factory, TODAY, actions=True, role=role) as pipeline:
        pipeline.simulator.set_today(TODAY)
        pipeline.extract("symbols", TODAY)
        pipeline.extract("corporate_actions", TODAY, date_from=date(2000, 1, 1))
        yield pipeline


@pytest.fixture(scope="module")
def fresh(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with with_actions(pg_server_url, pg_template, tmp_path_factory, "fresh") as pipeline:
        pipeline.extract("prices", TODAY, date_from=date(2000, 1, 1))
        pipeline.build()
        yield pipeline


@pytest.fixture(scope="module")
def old(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with with_actions(pg_server_url, pg_template, tmp_path_factory, "old") as pipeline:
        for symbol in SYMBOLS:
            base = FULL if symbol in OLD_BASE else TRADED_ENDPOINT
            land(pipeline.url, base, served(pipeline, base, symbol), loaded_at=at(-48), table="raw.fmp_prices")
            land(pipeline.url, ADJUSTED, served(pipeline, ADJUSTED, symbol), loaded_at=at(-48))
        pipeline.build()
        yield pipeline


def price_rows(pipeline: Pipeline) -> list[tuple]:
    return query(pipeline.url, f"select {COMPARED} from marts.daily_prices order by symbol, price_date")


def test_a_dry_run_states_the_cost_and_fetches_nothing(old: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    before = query(old.url, "select count(*) from raw.fmp_prices")
    env = {"DATABASE_URL": old.url, "FMP_BASE_URL": old.simulator.base_url, "FMP_API_KEY": KEY}
    result = CliRunner().invoke(cli, ["upgrade", "--dry-run"], env={**env, "FMP_PLAN": "premium"})
    assert result.exit_code == 0, result.output
    # Premium: 30 years is 7,560 bars, two pages of each of two series per symbol; 750 calls a minute
    assert result.output.strip() == "2 symbols lack as-traded history: 8 FMP calls, about 0.0 min at 750 calls/min"
    assert query(old.url, "select count(*) from raw.fmp_prices") == before


def test_the_upgrade_fetches_the_symbols_behind_once_and_equals_a_fresh_build(old: Pipeline, fresh: Pipeline) -> None:
    assert price_rows(old) != price_rows(fresh)  # the old base is visibly behind before (its traded_close)
    first = run_upgrade(old)
    assert first.cost.symbols == list(OLD_BASE)
    assert first.upgraded == list(OLD_BASE)
    assert first.extract is not None
    assert not first.extract.failures
    assert first.extract.units == 2
    assert 0 < first.extract.calls <= first.cost.calls
    assert first.transform is not None
    assert first.transform.ok
    # every held day now has an as-traded bar, and the marts equal a fresh build's, row for row
    uncovered = query(
        old.url,
        "select count(*) from marts.daily_prices where price_source is distinct from %s",
        (TRADED_ENDPOINT,),
    )
    assert uncovered == [(0,)]
    assert price_rows(old) == price_rows(fresh)
    assert len(price_rows(old)) > 8000  # AAPL and MSFT from 2000, GOOG from 2004

    second = run_upgrade(old)
    assert second.cost.symbols == []
    assert second.extract is None
    assert second.transform is None
    assert second.cost.line() == "every symbol is on the as-traded base: nothing to fetch"
