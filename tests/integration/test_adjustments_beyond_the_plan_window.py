"""A split after the plan's window has moved past the first held days: real prices (AAPL, MSFT, GOOG from the
`bokeh-sampledata` package) served by the simulator on a Starter key (5 years of history).

The warehouse backfills in January 2008 (so it holds 2003 on), runs again in 2010, and again in March 2013,
when FMP serves nothing before March 2008. MSFT splits 2-for-1 in between (a split that never happened, added at
runtime): every held day's close must equal FMP's current split-adjusted close, those older than the window
included, and the split must not be flagged as an anomaly. No price history is read again for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from fmp_elt.config import Settings
from fmp_elt.extract_stage import ExtractSummary, extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.raw_rows import query
from tests.fixtures.real_prices import SYMBOLS, Pipeline, real_prices_pipeline
from tests.fixtures.simulator import fmp_get

RUNS = (date(2008, 1, 2), date(2010, 6, 1), date(2013, 3, 1))
SPLIT_DAY = date(2013, 1, 15)
WINDOW_FLOOR = date(2008, 3, 1)  # the Starter plan's oldest day on the last run
STARTER_KEY = "test-key"


def extract(pipeline: Pipeline, today: date) -> dict[str, ExtractSummary]:
    """The daily jobs' streams on a Starter key: the universe, then the `prices` job (actions, then prices)."""
    settings = Settings.from_env(
        {"FMP_BASE_URL": pipeline.simulator.base_url, "FMP_API_KEY": STARTER_KEY, "FMP_PLAN": "starter"}
    )
    summaries = {}
    for stream in ("symbols", *streams_of("prices")):
        client = FmpClient(settings.base_url, STARTER_KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
        summaries[stream] = extract_stream(
            settings,
            pipeline.url,
            stream,
            ExtractOptions(symbols=list(SYMBOLS)),
            run_id=runlog.new_run_id(),
            client=client,
            today=today,
        )
    return summaries


@pytest.fixture(scope="module")
def pipeline(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with real_prices_pipeline(pg_server_url, pg_template, tmp_path_factory, RUNS[-1], actions=False) as pipeline:
        for today in RUNS:
            if today == RUNS[-1]:
                pipeline.simulator.apply_split("MSFT", on=SPLIT_DAY, numerator=2, denominator=1)
            pipeline.simulator.set_today(today)
            summaries = extract(pipeline, today)
            assert summaries["prices"].refetched == []
            assert not summaries["prices"].failures
            pipeline.build()
        yield pipeline


def test_the_warehouse_holds_days_the_plan_no_longer_serves(pipeline: Pipeline) -> None:
    [(first,)] = query(pipeline.url, "select min(price_date) from marts.daily_prices where symbol = 'MSFT'")
    assert first < date(2003, 2, 1)
    window = {"from": "2003-01-01"}
    served = fmp_get(pipeline.simulator, "historical-price-eod/full", STARTER_KEY, symbol="MSFT", **window)
    assert min(row["date"] for row in served.json()) >= WINDOW_FLOOR.isoformat()


def test_every_held_close_is_fmps_current_split_adjusted_close(pipeline: Pipeline) -> None:
    # the reference: FMP's split-adjusted series as of today, whole (a Premium key reaches back far enough)
    served = fmp_get(
        pipeline.simulator, "historical-price-eod/full", "premium-key", symbol="MSFT", **{"from": "2002-06-01"}
    ).json()
    current = {date.fromisoformat(row["date"]): row["close"] for row in served}
    held = query(pipeline.url, "select price_date, close::float8 from marts.daily_prices where symbol = 'MSFT'")
    assert len(held) > 2500
    before_window = [(day, close) for day, close in held if day < WINDOW_FLOOR]
    assert len(before_window) > 1200
    # FMP rounds its re-adjusted prices to cents; ours are the as-traded bar times our factor
    worst = max(abs(close - current[day]) for day, close in held)
    assert worst <= 0.005 + 1e-9
    halved = [close for day, close in held if day < SPLIT_DAY]
    assert max(halved) < 30  # MSFT traded between 15 and 60 before: every earlier day is halved


def test_adj_close_steps_only_on_ex_dates(pipeline: Pipeline) -> None:
    # this sample carries no dividend: the dividend-adjusted close is the close on every day
    rows = query(pipeline.url, "select count(*) from marts.daily_prices where adj_close is distinct from close")
    assert rows == [(0,)]


def test_the_split_is_not_an_anomaly(pipeline: Pipeline) -> None:
    flagged = query(
        pipeline.url,
        "select price_date, anomaly from marts.price_anomalies where symbol = 'MSFT'"
        " and (anomaly in ('split_mismatch', 'adjusted_mismatch') or price_date between %s and %s)",
        (SPLIT_DAY - timedelta(days=7), SPLIT_DAY + timedelta(days=7)),
    )
    assert flagged == []
