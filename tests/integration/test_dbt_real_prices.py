"""Real prices end to end: AAPL, MSFT and GOOG daily bars from 2000 to 2013 (the `bokeh-sampledata` package),
served by the FMP simulator, landed by the prices stream, modelled by dbt.

Every moving average must equal pandas' rolling(n).mean() over the split-adjusted close to 1e-9: after a first
run, and after a split that re-adjusts AAPL's history between two runs (the split lands from the calendar, no
price history is read again, dbt re-adjusts AAPL's held days and recomputes its averages). The incremental
result must then equal a full refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

from tests.fixtures.raw_rows import MARTS, SMA_WINDOWS, query, row_counts, rows_changed_since, snapshot_marts
from tests.fixtures.real_prices import Pipeline, real_prices_pipeline, split_adjusted_bars

FIRST_RUN = date(2012, 6, 29)
SECOND_RUN = date(2013, 3, 1)
SPLIT_DAY = date(2012, 9, 4)  # a 3-for-1 split of AAPL between the two runs (not a real one)
SPLIT_RATIO = 3


def expected_closes(bars: dict[str, list[dict]], until: date, split: bool) -> dict[str, pd.Series]:
    """Split-adjusted closes per symbol up to `until`. After the runtime split every AAPL close is a third of the
    real one: before the split computed from the as-traded bars (not rounded to cents as FMP's re-adjusted series
    is); from its day on the as-traded prices themselves, which trade at a third, in cents."""
    closes = {}
    for symbol, rows in bars.items():
        kept = [r for r in rows if date.fromisoformat(r["date"]) <= until]
        if split and symbol == "AAPL":
            values = [
                r["close"] / SPLIT_RATIO
                if date.fromisoformat(r["date"]) < SPLIT_DAY
                else round(r["close"] * (1 / SPLIT_RATIO), 2)  # a third of the price, as the stand-in rounds it
                for r in kept
            ]
        else:
            values = [r["close"] for r in kept]
        closes[symbol] = pd.Series(values, index=[date.fromisoformat(r["date"]) for r in kept], dtype=float)
    return closes


def worst_errors(url: str, closes: dict[str, pd.Series]) -> dict[str, float]:
    """Largest |mart - expected| of the close and of each sma_n against pandas' rolling(n).mean(), all symbols;
    a NULL where pandas has a value (or the reverse), or a missing or extra row, is an infinite error."""
    columns = ", ".join(f"sma_{n}::float8" for n in SMA_WINDOWS)
    rows = query(url, f"select symbol, price_date, close::float8, {columns} from marts.daily_ma")
    mart = pd.DataFrame(rows, columns=["symbol", "price_date", "close", *[f"sma_{n}" for n in SMA_WINDOWS]])
    errors = dict.fromkeys(["close", *[f"sma_{n}" for n in SMA_WINDOWS]], 0.0)
    for symbol, expected in closes.items():
        held = mart[mart["symbol"] == symbol].set_index("price_date").sort_index()
        if list(held.index) != list(expected.index):
            return dict.fromkeys(errors, float("inf"))
        pairs = {"close": expected} | {f"sma_{n}": expected.rolling(n).mean() for n in SMA_WINDOWS}
        for column, want in pairs.items():
            got = held[column].astype(float)
            if (got.isna() != want.isna()).any():
                errors[column] = float("inf")
            elif want.notna().any():
                errors[column] = max(errors[column], float((got - want).abs().max()))
    return errors


@pytest.fixture(scope="module")
def pipeline(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with real_prices_pipeline(pg_server_url, pg_template, tmp_path_factory, SECOND_RUN, actions=False) as pipeline:
        pipeline.simulator.set_today(FIRST_RUN)
        yield pipeline


@pytest.fixture(scope="module")
def first_run(pipeline: Pipeline) -> Pipeline:
    pipeline.extract("symbols", FIRST_RUN)
    pipeline.extract("prices", FIRST_RUN, date_from=date(2000, 1, 1))
    pipeline.extract("corporate_actions", FIRST_RUN, date_from=date(2000, 1, 1))
    pipeline.build()
    return pipeline


def test_the_sample_splits_are_found() -> None:
    """AAPL split 2:1 in June 2000 and in February 2005, MSFT 2:1 in February 2003: earlier bars are divided."""
    aapl = {row["date"]: row for row in split_adjusted_bars("AAPL")}
    msft = {row["date"]: row for row in split_adjusted_bars("MSFT")}
    assert aapl["2000-03-01"]["close"] == pytest.approx(130.31 / 4)
    assert aapl["2004-06-01"]["close"] == pytest.approx(28.06 / 2, rel=0.05)
    assert aapl["2005-03-01"]["close"] == pytest.approx(44.50, rel=0.05)
    assert msft["2003-02-14"]["close"] == pytest.approx(47.0 / 2, rel=0.05)


def test_first_run_averages_match_pandas(first_run: Pipeline) -> None:
    closes = expected_closes(first_run.bars, FIRST_RUN, split=False)
    assert row_counts(first_run.url)["daily_ma"] == sum(len(series) for series in closes.values())
    errors = worst_errors(first_run.url, closes)
    assert all(error < 1e-9 for error in errors.values()), errors


def test_after_a_split_between_runs_averages_match_pandas(first_run: Pipeline) -> None:
    first_run.simulator.apply_split("AAPL", on=SPLIT_DAY, numerator=SPLIT_RATIO, denominator=1)
    first_run.simulator.set_today(SECOND_RUN)
    first_run.extract("corporate_actions", SECOND_RUN)  # the prices job's order: the calendars first
    summary = first_run.extract("prices", SECOND_RUN)
    assert summary.refetched == []

    result = first_run.build()
    touched = result.metadata()["rowsAffected"]
    closes = expected_closes(first_run.bars, SECOND_RUN, split=True)
    new_rows = {s: int((series.index > FIRST_RUN).sum()) for s, series in closes.items()}
    # AAPL is recomputed in full; MSFT and GOOG only for their new days (and the re-read overlap days)
    assert len(closes["AAPL"]) + new_rows["MSFT"] + new_rows["GOOG"] <= touched["daily_ma"]
    assert touched["daily_ma"] < len(closes["AAPL"]) + new_rows["MSFT"] + new_rows["GOOG"] + 20
    errors = worst_errors(first_run.url, closes)
    assert all(error < 1e-9 for error in errors.values()), errors


def test_incremental_result_equals_a_full_refresh(first_run: Pipeline) -> None:
    snapshot_marts(first_run.url, "incremental")
    first_run.build(full_refresh=True)
    assert rows_changed_since(first_run.url, "incremental") == dict.fromkeys(MARTS, 0)
