"""A re-dated fiscal period: FMP moves a 52/53-week year's end (2024-09-30 becomes 2024-09-28) and serves the
same fiscal year under the new date. The ratios are keyed by fiscal year and period, so the new landing replaces
the row, on a full build and on an incremental one, and the history keeps the old date as a version."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from fmp_elt import transform_stage
from tests.fixtures.postgres import create_database, drop_database, with_database
from tests.fixtures.raw_rows import RATIOS, at, land, query, ratio

SELECT = ("+ratios", "+ratios_history")


@pytest.fixture
def warehouse(pg_server_url: str, pg_template: str) -> Iterator[str]:
    name = create_database(pg_server_url, pg_template)
    yield with_database(pg_server_url, name)
    drop_database(pg_server_url, name)


def redated(symbol: str, period_end: str, period: str = "FY", **values: float) -> dict:
    """A 2024 fiscal-year record, whatever its period end (ratio() dates the fiscal year by the period end)."""
    return {**ratio(symbol, period_end, period, **values), "fiscalYear": "2024"}


def build(url: str, paths: transform_stage.DbtPaths, **options) -> None:
    # the data tests run in test_dbt_build, over a universe this test does not land
    result = transform_stage.build(url, paths, select=SELECT, data_tests=False, **options)
    assert result.ok, result.output[-3000:]


@pytest.mark.parametrize("incremental", [False, True])
def test_a_re_dated_year_end_is_one_row(warehouse: str, tmp_path, incremental: bool) -> None:
    paths = transform_stage.DbtPaths.under(tmp_path)
    land(
        warehouse,
        RATIOS,
        [redated("AAPL", "2024-09-30", currentRatio=0.9), redated("AAPL", "2024-09-30", "Q4")],
        loaded_at=at(0),
    )
    if incremental:
        build(warehouse, paths)
    land(
        warehouse,
        RATIOS,
        [redated("AAPL", "2024-09-28", currentRatio=0.9), redated("AAPL", "2024-09-28", "Q4")],
        loaded_at=at(1),
    )
    build(warehouse, paths)
    rows = query(warehouse, "select period, period_end_date from marts.ratios where symbol = 'AAPL' order by period")
    assert rows == [("FY", date(2024, 9, 28)), ("Q4", date(2024, 9, 28))]
    now = query(
        warehouse,
        "select period, period_end_date from marts.ratios_as_of(now()) where symbol = 'AAPL' and fiscal_year = 2024"
        " order by period",
    )
    assert now == rows
    versions = query(
        warehouse,
        "select period_end_date, valid_to is null from marts.ratios_history where symbol = 'AAPL' and period = 'FY'"
        " order by valid_from",
    )
    assert versions == [(date(2024, 9, 30), False), (date(2024, 9, 28), True)]
