"""Real prices end to end: AAPL, MSFT and GOOG daily bars from 2000 to 2013 (the `bokeh-sampledata` package),
served by the FMP simulator, landed by the prices stream, modelled by dbt.

Every moving average must equal pandas' rolling(n).mean() over the split-adjusted close to 1e-9: after a first
run, and after a split that re-adjusts AAPL's history between two runs (the extractor refetches AAPL's whole
history, dbt merges it and recomputes AAPL's averages). The incremental result must then equal a full refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from fmp_elt import transform
from fmp_elt.config import Settings
from fmp_elt.extraction import extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.simulator import Simulator
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.postgres import create_database, drop_database, with_database
from tests.fixtures.raw_rows import MARTS, SMA_WINDOWS, query, row_counts, rows_changed_since, snapshot_marts
from tests.fixtures.simulator import simulator_config

SYMBOLS = ("AAPL", "MSFT", "GOOG")
FIRST_RUN = date(2012, 6, 29)
SECOND_RUN = date(2013, 3, 1)
SPLIT_DAY = date(2012, 9, 4)  # a 3-for-1 split of AAPL between the two runs (not a real one)
SPLIT_RATIO = 3
KEY = "premium-key"


def split_adjusted_bars(symbol: str) -> list[dict]:
    """The sample's as-traded bars divided by every later split, as FMP's `full` endpoint serves them.

    The sample has no split list, but its adjusted close steps by the split ratio on each split day (dividends
    move it by a few percent at most), so a step of more than a quarter marks a split.
    """
    import bokeh_sampledata.stocks as stocks

    data = pd.DataFrame(getattr(stocks, symbol))
    to_adjusted = data["close"] / data["adj_close"]
    step = to_adjusted.shift(1) / to_adjusted
    split_ratio = step.where((step - 1).abs() > 0.25).round().fillna(1.0)
    # a bar is divided by the ratios of the splits that came after it
    divisor = split_ratio[::-1].cumprod()[::-1].shift(-1, fill_value=1.0)
    return [
        {
            "date": row.date,
            "open": row.open / d,
            "high": row.high / d,
            "low": row.low / d,
            "close": row.close / d,
            "volume": round(row.volume * d),
        }
        for row, d in zip(data.itertuples(), divisor, strict=True)
    ]


def expected_closes(bars: dict[str, list[dict]], until: date, split: bool) -> dict[str, pd.Series]:
    """Split-adjusted closes per symbol up to `until`; after the runtime split AAPL's bars before it are divided
    by the ratio and, like every price FMP re-adjusts, rounded to cents."""
    closes = {}
    for symbol, rows in bars.items():
        kept = [r for r in rows if date.fromisoformat(r["date"]) <= until]
        if split and symbol == "AAPL":
            values = [
                round(r["close"] / (SPLIT_RATIO if date.fromisoformat(r["date"]) < SPLIT_DAY else 1), 2) for r in kept
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


@dataclass
class Pipeline:
    url: str
    simulator: Simulator
    paths: transform.DbtPaths
    bars: dict[str, list[dict]]

    def extract(self, stream: str, today: date, **options) -> object:
        settings = Settings.from_env(
            {"FMP_BASE_URL": self.simulator.base_url, "FMP_API_KEY": KEY, "FMP_PLAN": "premium"}
        )
        client = FmpClient(settings.base_url, KEY, RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
        options = ExtractOptions(symbols=list(SYMBOLS), **options)
        return extract_stream(
            settings, self.url, stream, options, run_id=runlog.new_run_id(), client=client, today=today
        )

    def build(self, **options) -> transform.DbtResult:
        result = transform.build(self.url, self.paths, **options)
        assert result.ok, result.output[-3000:]
        return result


@pytest.fixture(scope="module")
def pipeline(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    bars = {symbol: split_adjusted_bars(symbol) for symbol in SYMBOLS}
    simulator = Simulator(simulator_config(n_symbols=0, start=date(2000, 1, 3), end=SECOND_RUN))
    for symbol, rows in bars.items():
        simulator.load_prices(symbol, rows)
    simulator.set_today(FIRST_RUN)
    name = create_database(pg_server_url, pg_template)
    simulator.start()
    try:
        yield Pipeline(
            with_database(pg_server_url, name),
            simulator,
            transform.DbtPaths.under(tmp_path_factory.mktemp("home")),
            bars,
        )
    finally:
        simulator.stop()
        drop_database(pg_server_url, name)


@pytest.fixture(scope="module")
def first_run(pipeline: Pipeline) -> Pipeline:
    pipeline.extract("symbols", FIRST_RUN)
    pipeline.extract("prices", FIRST_RUN, date_from=date(2000, 1, 1))
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
    summary = first_run.extract("prices", SECOND_RUN)
    assert sorted(set(summary.refetched)) == ["AAPL"]

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
