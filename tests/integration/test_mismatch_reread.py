"""A mismatch is repaired by reading the symbol's actions again, once.

A dividend that dividends-calendar never lists is missed by the daily runs; the weekly check of FMP's
dividend-adjusted series then disagrees with our adj_close (`adjusted_mismatch`). The next corporate-actions run
reads that symbol's own `dividends` history once, so the dividend lands, the next transform adjusts the days
before it, and the mismatch is gone. Another run before that transform reads nothing more for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from fmp_elt import transform_stage
from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.simulator import Simulator
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.postgres import create_database, drop_database, query, with_database
from tests.fixtures.simulator import simulator_config

START = date(2025, 1, 2)
FIRST_RUN = date(2025, 4, 1)
MISSED = date(2025, 4, 14)  # the dividend dividends-calendar does not list
AMOUNT = 0.8
CHECKED = date(2025, 4, 21)  # a week of prices after the last dividend-adjusted read: the check reads it
REREAD = date(2025, 4, 22)
LATER = date(2025, 4, 23)
RUNS = (FIRST_RUN, MISSED, date(2025, 4, 15), date(2025, 4, 17), CHECKED)
KEY = "premium-key"
MISMATCHES = "select symbol, anomaly from marts.price_anomalies where anomaly like '%%_mismatch'"


@dataclass
class Story:
    simulator: Simulator
    url: str
    symbols: list[str]
    paths: transform_stage.DbtPaths

    def extract(self, today: date, streams: tuple[str, ...] = ()) -> dict[str, ExtractSummary]:
        self.simulator.set_today(today)
        settings = Settings.from_env(
            {"FMP_BASE_URL": self.simulator.base_url, "FMP_API_KEY": KEY, "FMP_PLAN": "premium"}
        )
        summaries = {}
        for stream in streams or streams_of("prices"):
            client = FmpClient(settings.base_url, KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
            summaries[stream] = extract_stream(
                settings,
                self.url,
                stream,
                ExtractOptions(symbols=self.symbols),
                run_id=runlog.new_run_id(),
                client=client,
                today=today,
            )
            assert not summaries[stream].failures
        return summaries

    def build(self) -> None:
        result = transform_stage.build(self.url, self.paths)
        assert result.ok, result.output[-3000:]


def quiet(simulator: Simulator) -> list[str]:
    """Symbols listed throughout with no split or dividend of their own from three months before the runs."""
    first = date(2025, 1, 1)
    return [
        s
        for s in simulator.symbols
        if simulator.profile(s).listed <= START
        and not simulator.profile(s).delisted
        and not any(first <= e.date for e in (*simulator.splits(s), *simulator.dividends(s)))
    ]


@pytest.fixture(scope="module")
def story(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    simulator = Simulator(simulator_config(n_symbols=12, start=START, end=LATER))
    simulator.start()
    name = create_database(pg_server_url, pg_template)
    try:
        paths = transform_stage.DbtPaths.under(tmp_path_factory.mktemp("home"))
        story = Story(simulator, with_database(pg_server_url, name), quiet(simulator)[:2], paths)
        for day in RUNS:
            if day == MISSED:
                simulator.add_dividend(story.symbols[0], MISSED, AMOUNT, in_calendar=False)
            story.extract(day)
            if day == FIRST_RUN:
                story.build()
        story.build()
        yield story
    finally:
        simulator.stop()
        drop_database(pg_server_url, name)


def test_the_missed_dividend_is_read_once_and_repairs_the_factors(story: Story) -> None:
    missed = story.symbols[0]
    assert query(story.url, MISMATCHES) == [(missed, "adjusted_mismatch")]

    reread = story.extract(REREAD)["corporate_actions"]
    assert reread.units == 2  # the calendar, and the one symbol's own history
    # before the next transform the mismatch is still in the marts: another run does not read it again
    again = story.extract(REREAD, ("corporate_actions",))["corporate_actions"]
    assert again.units == 1
    assert reread.calls == again.calls + 2  # the same calendars, and the symbol's `dividends` and `splits`

    story.build()
    assert query(story.url, MISMATCHES) == []
    held = query(
        story.url,
        "select ex_date, dividend from marts.dividends where symbol = %s and ex_date = %s",
        (missed, MISSED),
    )
    assert [(day, float(amount)) for day, amount in held] == [(MISSED, AMOUNT)]
    # the factor by hand: each day before the ex-date is scaled by 1 - dividend / the close before it
    rows = query(
        story.url,
        "select price_date, traded_close::float8, (adj_close / close)::float8 from marts.daily_prices"
        " where symbol = %s order by price_date",
        (missed,),
    )
    previous_close = max((day, close) for day, close, _ in rows if day < MISSED)[1]
    expected = 1 - AMOUNT / previous_close
    assert all(factor == pytest.approx(expected, rel=1e-9) for day, _, factor in rows if day < MISSED)
    assert all(factor == 1 for day, _, factor in rows if day >= MISSED)

    later = story.extract(LATER, ("corporate_actions",))["corporate_actions"]
    assert later.units == 1
