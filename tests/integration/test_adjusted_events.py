"""Events cost no history: one call per symbol on a quiet day, one more (FMP's dividend-adjusted overlap, a
check) per symbol with a dividend, a special or a split, and a dividend the calendar missed found by the weekly
check and reported, never copied.

Daily runs of the `prices` job's streams (corporate actions, then prices) go into one warehouse; at the end a
second warehouse reads everything afresh, both series whole and every symbol's actions. The marts built
incrementally from the first must equal the second's, row for row, but for the missed dividend: the daily
warehouse does not know it, and says so (`adjusted_mismatch`) until its actions are read again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest

from fmp_elt import transform_stage
from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.simulator import Simulator
from fmp_elt.streams.adjusted_reads import EVENT_REACH
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.postgres import query
from tests.fixtures.simulator import simulator_config
from tests.fixtures.warehouses import module_warehouse

START = date(2025, 1, 2)
FIRST_RUN = date(2025, 4, 1)
DIVIDEND = date(2025, 4, 3)  # symbol 0: a regular dividend
SPECIAL = date(2025, 4, 8)  # symbol 1: a regular and a special payment on one ex-date
SPLIT = date(2025, 4, 10)  # symbol 2: a 3-for-1 split
MISSED = date(2025, 4, 14)  # symbol 3: a dividend dividends-calendar does not list
QUIET = date(2025, 4, 15)
GAP = date(2025, 3, 26)  # a session symbol 0's dividend-adjusted series leaves out (FMP's has such gaps)
RUNS = (FIRST_RUN, DIVIDEND, SPECIAL, SPLIT, MISSED, QUIET, date(2025, 4, 17), date(2025, 4, 21))
CHECKED = RUNS[-1]  # a week of prices past symbol 3's last dividend-adjusted read: the check reads it
KEY = "premium-key"
PRICE_COLUMNS = "symbol, price_date, open, high, low, close, adj_close, volume, security_id"
MA_COLUMNS = "symbol, price_date, close, sma_5, sma_20, sma_50, sma_200"


@dataclass
class Story:
    simulator: Simulator
    daily: str  # the warehouse of the daily runs
    fresh: str  # everything read afresh at the end
    symbols: list[str]
    summaries: dict[date, ExtractSummary] = field(default_factory=dict)  # the prices stream's, per run

    def extract(self, url: str, today: date) -> ExtractSummary | None:
        settings = Settings.from_env(
            {"FMP_BASE_URL": self.simulator.base_url, "FMP_API_KEY": KEY, "FMP_PLAN": "premium"}
        )
        prices = None
        for stream in streams_of("prices"):
            client = FmpClient(settings.base_url, KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
            summary = extract_stream(
                settings,
                url,
                stream,
                ExtractOptions(symbols=self.symbols),
                run_id=runlog.new_run_id(),
                client=client,
                today=today,
            )
            if stream == "prices":
                prices = summary
        return prices


def build(url: str, paths: transform_stage.DbtPaths) -> None:
    result = transform_stage.build(url, paths)
    assert result.ok, result.output[-3000:]


def quiet_symbols(simulator: Simulator) -> list[str]:
    """Symbols listed throughout with no split or dividend of their own near the runs: the story's events are
    the only ones."""
    first, last = FIRST_RUN - EVENT_REACH, CHECKED
    return [
        s
        for s in simulator.symbols
        if simulator.profile(s).listed <= START
        and not simulator.profile(s).delisted
        and not any(first <= e.date <= last for e in (*simulator.splits(s), *simulator.dividends(s)))
    ]


@pytest.fixture(scope="module")
def story(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    simulator = Simulator(simulator_config(n_symbols=16, start=START, end=CHECKED))
    simulator.start()
    try:
        with (
            module_warehouse(pg_server_url, pg_template, tmp_path_factory) as daily,
            module_warehouse(pg_server_url, pg_template, tmp_path_factory, "fresh") as fresh,
        ):
            story = Story(simulator, daily.url, fresh.url, quiet_symbols(simulator)[:4])
            simulator.faults.adjusted_gaps = {(story.symbols[0], GAP.isoformat())}
            events = {
                DIVIDEND: lambda: simulator.add_dividend(story.symbols[0], DIVIDEND, 0.5),
                SPECIAL: lambda: (
                    simulator.add_dividend(story.symbols[1], SPECIAL, 0.3),
                    simulator.add_dividend(story.symbols[1], SPECIAL, 2.0),
                ),
                SPLIT: lambda: simulator.apply_split(story.symbols[2], SPLIT, numerator=3, denominator=1),
                MISSED: lambda: simulator.add_dividend(story.symbols[3], MISSED, 0.8, in_calendar=False),
            }
            for day in RUNS:
                simulator.set_today(day)
                if day in events:
                    events[day]()
                summary = story.extract(story.daily, day)
                assert summary is not None
                story.summaries[day] = summary
                if day in (FIRST_RUN, QUIET):
                    build(story.daily, daily.paths)  # incremental builds over the days in between, then at the end
            build(story.daily, daily.paths)
            story.extract(story.fresh, CHECKED)
            build(story.fresh, fresh.paths)
            yield story
    finally:
        simulator.stop()


def test_a_quiet_day_costs_one_call_per_symbol(story: Story) -> None:
    quiet = story.summaries[QUIET]
    assert quiet.calls == len(story.symbols)
    assert quiet.refetched == []
    assert quiet.repaired == []


def test_an_event_costs_one_check_call_per_symbol_it_touches_and_no_history(story: Story) -> None:
    n = len(story.symbols)
    assert all(summary.refetched == [] for day, summary in story.summaries.items() if day != FIRST_RUN)
    # the event's symbol reads FMP's dividend-adjusted overlap (its last days, not its history); the run after
    # an ex-date may read it once more: a handful of calls, never a history
    assert story.summaries[DIVIDEND].calls == n + 1
    for day in (SPECIAL, SPLIT):
        assert n < story.summaries[day].calls <= n + 3, day
        assert story.summaries[day].rows_landed < 20 * n, day
    assert all(summary.repaired == [] for day, summary in story.summaries.items() if day != CHECKED)


def test_the_weekly_check_reports_the_dividend_the_calendar_missed(story: Story) -> None:
    missed = story.symbols[3]
    checked = story.summaries[CHECKED]
    assert checked.repaired == [missed]
    assert checked.refetched == []
    flagged = query(
        story.daily,
        "select symbol, price_date from marts.price_anomalies where anomaly = 'adjusted_mismatch'",
    )
    assert [symbol for symbol, _ in flagged] == [missed]
    assert flagged[0][1] < MISSED
    # reading the actions afresh knows the dividend: nothing to report there
    assert query(story.fresh, "select count(*) from marts.price_anomalies where anomaly = 'adjusted_mismatch'") == [
        (0,)
    ]


@pytest.mark.parametrize(
    ("mart", "columns"),
    [("daily_prices", PRICE_COLUMNS), ("daily_ma", MA_COLUMNS), ("security_daily_prices", PRICE_COLUMNS)],
)
def test_the_marts_equal_those_of_reading_everything_afresh(story: Story, mart: str, columns: str) -> None:
    """Row for row, but for the adj_close of the days before the dividend the daily warehouse never heard of."""
    known = tuple(story.symbols[:3])
    daily = sorted(query(story.daily, f"select {columns} from marts.{mart} where symbol in %s", (known,)))
    fresh = sorted(query(story.fresh, f"select {columns} from marts.{mart} where symbol in %s", (known,)))
    assert len(daily) > 3 * 60
    assert daily == fresh
    plain = columns.replace(", adj_close", "")
    missed = (story.symbols[3],)
    daily = sorted(query(story.daily, f"select {plain} from marts.{mart} where symbol in %s", (missed,)))
    fresh = sorted(query(story.fresh, f"select {plain} from marts.{mart} where symbol in %s", (missed,)))
    assert len(daily) > 60
    assert daily == fresh


def test_adj_close_is_the_close_after_the_last_ex_date_and_below_it_before(story: Story) -> None:
    rows = query(
        story.daily,
        "select price_date, close, adj_close from marts.daily_prices where symbol = %s order by price_date",
        (story.symbols[0],),
    )
    assert rows
    assert all(adj == close for day, close, adj in rows if day >= DIVIDEND)
    assert all(adj < close for day, close, adj in rows if day < DIVIDEND)


def test_a_gap_in_fmps_dividend_adjusted_series_leaves_no_unadjusted_day(story: Story) -> None:
    symbol = story.symbols[0]
    served = query(
        story.daily,
        "select count(*) from raw.fmp_prices_adjusted where symbol = %s and payload ->> 'date' = %s",
        (symbol, GAP.isoformat()),
    )
    assert served == [(0,)]  # FMP's series never had the day
    rows = query(
        story.daily,
        "select price_date, close, adj_close from marts.daily_prices where symbol = %s"
        " and price_date >= %s and price_date < %s order by price_date",
        (symbol, FIRST_RUN - EVENT_REACH, DIVIDEND),  # no other event of the symbol in that stretch
    )
    ratios = {day: adj / close for day, close, adj in rows}
    assert GAP in ratios
    # one factor for every day before the ex-date, the gap's day included
    assert len({round(ratio, 12) for ratio in ratios.values()}) == 1
    assert ratios[GAP] < 1
