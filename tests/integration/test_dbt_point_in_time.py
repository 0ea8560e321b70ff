"""Point-in-time history through the simulator, the extractor and dbt: a split between two runs, then a ratio
restatement landed and restated back.

marts.daily_prices_history must hold both the pre-split and the re-adjusted close of an earlier day, the first
from its landing, the second from when the split became known (no history is landed again for it), and
`marts.daily_prices_as_of(t, 'warehouse')` (our own clock) must return the series the first run built for a
moment between the runs and the current series after. A symbol that did not change gets no new version from the
re-read overlap. The same for `marts.ratios_history` and `marts.ratios_as_of`. Incremental builds must cost the
touched days only and equal a full refresh row for row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from fmp_elt import transform_stage
from fmp_elt.config import Settings
from fmp_elt.extract_stage import extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.simulator import Simulator
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.raw_rows import MARTS, RATIOS, at, land, query, ratio, rows_changed_since, snapshot_marts
from tests.fixtures.simulator import simulator_config
from tests.fixtures.warehouses import module_warehouse

START = date(2025, 1, 2)
FIRST_RUN = date(2025, 3, 31)
SECOND_RUN = date(2025, 4, 15)
SPLIT_DAY = date(2025, 4, 7)  # a 2-for-1 split between the runs: every earlier bar is halved
EARLIER_DAY = date(2025, 3, 3)
KEY = "premium-key"
PRICE_COLUMNS = "symbol, price_date, open, high, low, close, adj_close, volume"
PERIOD = "2024-12-31"


@dataclass
class Runs:
    url: str
    simulator: Simulator
    paths: transform_stage.DbtPaths
    symbols: list[str]
    builds: list[transform_stage.DbtResult] = field(default_factory=list)
    between: datetime | None = None  # a moment after the first run's landings and before the second's
    first_series: list[tuple] = field(default_factory=list)  # marts.daily_prices after the first run

    def extract(self, today: date, **options) -> object:
        """The `prices` job's streams: the corporate actions, then the prices; the prices summary."""
        settings = Settings.from_env(
            {"FMP_BASE_URL": self.simulator.base_url, "FMP_API_KEY": KEY, "FMP_PLAN": "premium"}
        )
        summaries = {}
        for stream in streams_of("prices"):
            client = FmpClient(settings.base_url, KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
            summaries[stream] = extract_stream(
                settings,
                self.url,
                stream,
                ExtractOptions(symbols=self.symbols, **options),
                run_id=runlog.new_run_id(),
                client=client,
                today=today,
            )
        return summaries["prices"]

    def build(self, **options) -> transform_stage.DbtResult:
        result = transform_stage.build(self.url, self.paths, **options)
        assert result.ok, result.output[-3000:]
        self.builds.append(result)
        return result

    @property
    def split_symbol(self) -> str:
        return self.symbols[0]

    @property
    def steady_symbol(self) -> str:
        return self.symbols[1]


def series(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    return sorted(query(url, sql, params))


@pytest.fixture(scope="module")
def runs(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Run 1 (prices and a first ratio version), a split, run 2 (the split from the calendar, no history
    refetched, the ratio restated), then a build with only the ratio restated back."""
    simulator = Simulator(simulator_config(n_symbols=6, start=START, end=SECOND_RUN))
    simulator.start()
    try:
        with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as warehouse:
            listed = [
                s
                for s in simulator.symbols
                if simulator.profile(s).listed <= START and simulator.profile(s).delisted is None
            ]
            runs = Runs(warehouse.url, simulator, warehouse.paths, listed[:2])
            symbol = runs.split_symbol
            simulator.set_today(FIRST_RUN)
            runs.extract(FIRST_RUN, date_from=START)
            land(
                runs.url,
                RATIOS,
                [ratio(symbol, PERIOD, currentRatio=1.25), ratio(symbol, PERIOD, "Q4")],
                loaded_at=at(0),
            )
            runs.build()
            runs.between = query(runs.url, "select max(_loaded_at) from raw.fmp_prices")[0][0] + timedelta(
                microseconds=1
            )
            runs.first_series = series(runs.url, f"select {PRICE_COLUMNS} from marts.daily_prices")

            simulator.apply_split(symbol, on=SPLIT_DAY, numerator=2, denominator=1)
            simulator.set_today(SECOND_RUN)
            summary = runs.extract(SECOND_RUN)
            assert summary.refetched == []  # type: ignore[attr-defined]
            # the restatement, and the fourth quarter landed again unchanged
            land(
                runs.url,
                RATIOS,
                [ratio(symbol, PERIOD, currentRatio=1.4), ratio(symbol, PERIOD, "Q4")],
                loaded_at=at(1),
            )
            runs.build()

            land(runs.url, RATIOS, [ratio(symbol, PERIOD, currentRatio=1.25)], loaded_at=at(2))
            runs.build()
            yield runs
    finally:
        simulator.stop()


def landings_of(url: str, symbol: str, day: date) -> list[tuple[datetime, Decimal]]:
    """(landing time, close) of every raw price record of the day, oldest first."""
    return query(
        url,
        "select _loaded_at, (payload ->> 'adjClose')::numeric from raw.fmp_prices"
        " where symbol = %s and payload ->> 'date' = %s order by _loaded_at, _seq",
        (symbol, day.isoformat()),
    )


def test_history_holds_the_pre_split_and_the_readjusted_close(runs: Runs) -> None:
    symbol = runs.split_symbol
    versions = query(
        runs.url,
        "select close, valid_from, valid_to from marts.daily_prices_history"
        " where symbol = %s and price_date = %s order by valid_from",
        (symbol, EARLIER_DAY),
    )
    assert len(versions) == 2
    (old_close, old_from, old_to), (new_close, new_from, new_to) = versions
    landed = landings_of(runs.url, symbol, EARLIER_DAY)
    assert [when for when, _ in landed] == [old_from]  # landed once, by the first run: as traded, never again
    assert runs.between is not None
    assert old_from < runs.between < new_from
    [(known_at,)] = query(
        runs.url,
        "select known_at from marts.adjustment_factors where symbol = %s and event_date = %s",
        (symbol, SPLIT_DAY),
    )
    assert old_to == new_from == known_at  # the split, once known, closed it
    assert new_to is None
    assert new_close == old_close / 2
    held = query(
        runs.url, "select close from marts.daily_prices where symbol = %s and price_date = %s", (symbol, EARLIER_DAY)
    )
    assert held == [(new_close,)]


def test_days_after_the_split_keep_one_version(runs: Runs) -> None:
    """The split re-adjusts only the bars before it: a later day landed again unchanged is no new version."""
    rows = query(
        runs.url,
        "select count(*), count(distinct price_date) from marts.daily_prices_history"
        " where symbol = %s and price_date >= %s",
        (runs.split_symbol, SPLIT_DAY),
    )
    assert rows[0][0] == rows[0][1] > 0


def test_relanded_days_of_an_unchanged_symbol_make_no_version(runs: Runs) -> None:
    symbol = runs.steady_symbol
    landed = query(
        runs.url,
        "select count(*), count(distinct payload ->> 'date') from raw.fmp_prices where symbol = %s",
        (symbol,),
    )
    assert landed[0][0] > landed[0][1]  # the second run re-read the overlap days
    versions = query(
        runs.url,
        "select count(*), count(distinct price_date), count(*) filter (where valid_to is null)"
        " from marts.daily_prices_history where symbol = %s",
        (symbol,),
    )
    assert versions[0][0] == versions[0][1] == versions[0][2] == landed[0][1]


def test_as_of_between_the_runs_returns_the_pre_split_series(runs: Runs) -> None:
    as_of = series(runs.url, f"select {PRICE_COLUMNS} from marts.daily_prices_as_of(%s, 'warehouse')", (runs.between,))
    assert as_of == runs.first_series
    before_split = [row for row in as_of if row[0] == runs.split_symbol and row[1] == EARLIER_DAY]
    assert len(before_split) == 1


def test_as_of_now_returns_the_current_series(runs: Runs) -> None:
    current = series(runs.url, f"select {PRICE_COLUMNS} from marts.daily_prices")
    assert current != runs.first_series
    assert series(runs.url, f"select {PRICE_COLUMNS} from marts.daily_prices_as_of(now(), 'warehouse')") == current


def test_as_of_before_any_landing_is_empty(runs: Runs) -> None:
    assert query(runs.url, "select count(*) from marts.daily_prices_as_of(%s, 'warehouse')", (at(-1),)) == [(0,)]


def test_an_incremental_build_touches_only_the_days_landed_again(runs: Runs) -> None:
    """Run 2 rewrites the split symbol's days (two versions each before the split) and the other symbol's new
    and re-read days; run 3 landed no prices and touches no price history."""
    second, third = runs.builds[1], runs.builds[2]
    touched = second.metadata()["rowsAffected"]["daily_prices_history"]
    split_rows = query(
        runs.url, "select count(*) from marts.daily_prices_history where symbol = %s", (runs.split_symbol,)
    )
    steady_new = query(
        runs.url,
        "select count(*) from marts.daily_prices_history where symbol = %s and price_date > %s",
        (runs.steady_symbol, FIRST_RUN),
    )
    assert split_rows[0][0] + steady_new[0][0] <= touched < split_rows[0][0] + steady_new[0][0] + 10
    assert third.metadata()["rowsAffected"]["daily_prices_history"] == 0


def test_ratio_restatements_are_versions(runs: Runs) -> None:
    rows = query(
        runs.url,
        "select period, current_ratio, valid_from, valid_to, _loaded_at from marts.ratios_history"
        " where symbol = %s order by period, valid_from",
        (runs.split_symbol,),
    )
    assert rows == [
        ("FY", Decimal("1.25"), at(0), at(1), at(0)),
        ("FY", Decimal("1.4"), at(1), at(2), at(1)),
        ("FY", Decimal("1.25"), at(2), None, at(2)),
        ("Q4", Decimal("1.5"), at(0), None, at(1)),  # landed again unchanged: one version, seen later
    ]


@pytest.mark.parametrize(("hours", "expected"), [(0.5, "1.25"), (1.5, "1.4"), (2.5, "1.25")])
def test_ratios_as_of_returns_the_figures_known_then(runs: Runs, hours: float, expected: str) -> None:
    rows = query(
        runs.url,
        "select period, current_ratio from marts.ratios_as_of(%s, 'warehouse') where symbol = %s order by period",
        (at(hours), runs.split_symbol),
    )
    assert rows == [("FY", Decimal(expected)), ("Q4", Decimal("1.5"))]


def test_incremental_histories_equal_a_full_refresh(runs: Runs) -> None:
    snapshot_marts(runs.url, "incremental")
    runs.build(full_refresh=True)
    assert rows_changed_since(runs.url, "incremental") == dict.fromkeys(MARTS, 0)
    assert {"daily_prices_history", "ratios_history"} <= set(MARTS)
