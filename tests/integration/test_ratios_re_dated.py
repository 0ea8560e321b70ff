"""The ratios keyed by company, fiscal year and period.

A re-dated fiscal period: FMP moves a 52/53-week year's end (2024-09-30 becomes 2024-09-28) and serves the
same fiscal year under the new date; the new landing replaces the row, and the history keeps the old date as a
version. A renamed company: FMP serves its ratios under the new ticker; they are the same company's as those
fetched under the old one. A warehouse built with the old key gets the new one from the next build."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg2
import pytest

from fmp_elt import transform_stage
from tests.fixtures.postgres import create_database, drop_database, with_database
from tests.fixtures.raw_rows import RATIOS, at, land, query, ratio, statement

SELECT = ("+ratios", "+ratios_history")


@pytest.fixture
def warehouse(pg_server_url: str, pg_template: str) -> Iterator[str]:
    name = create_database(pg_server_url, pg_template)
    yield with_database(pg_server_url, name)
    drop_database(pg_server_url, name)


def redated(symbol: str, period_end: str, period: str = "FY", **values: float) -> dict:
    """A 2024 fiscal-year record, whatever its period end (ratio() dates the fiscal year by the period end)."""
    return {**ratio(symbol, period_end, period, **values), "fiscalYear": "2024"}


def filed(symbol: str, period_end: str, period: str, fiscal_year: str, accepted: str) -> dict:
    """The income statement whose acceptance dates the period on FMP's clock."""
    return statement(
        symbol, period_end, period, fiscalYear=fiscal_year, acceptedDate=accepted, filingDate=accepted[:10]
    )


def build(url: str, paths: transform_stage.DbtPaths, **options) -> None:
    # the data tests run in test_dbt_build, over a universe this test does not land
    result = transform_stage.build(url, paths, select=SELECT, data_tests=False, **options)
    assert result.ok, result.output[-3000:]


@pytest.mark.parametrize("second_build", [False, True])
def test_a_re_dated_year_end_is_one_row(warehouse: str, tmp_path, second_build: bool) -> None:
    paths = transform_stage.DbtPaths.under(tmp_path)
    statements = [filed("AAPL", "2024-09-28", p, "2024", "2024-11-01 18:04:43") for p in ("FY", "Q4")]
    land(warehouse, "income-statement", statements, loaded_at=at(0))
    land(
        warehouse,
        RATIOS,
        [redated("AAPL", "2024-09-30", currentRatio=0.9), redated("AAPL", "2024-09-30", "Q4")],
        loaded_at=at(0),
    )
    if second_build:
        build(warehouse, paths)
    land(
        warehouse,
        RATIOS,
        [redated("AAPL", "2024-09-28", currentRatio=0.9), redated("AAPL", "2024-09-28", "Q4")],
        loaded_at=at(1),
    )
    build(warehouse, paths)
    rows = query(
        warehouse,
        "select security_id, period, period_end_date from marts.ratios where symbol = 'AAPL' order by period",
    )
    assert rows == [("AAPL", "FY", date(2024, 9, 28)), ("AAPL", "Q4", date(2024, 9, 28))]
    now = query(
        warehouse,
        "select security_id, period, period_end_date from marts.ratios_as_of(now()) where fiscal_year = 2024"
        " order by period",
    )
    assert now == rows
    versions = query(
        warehouse,
        "select version, period_end_date, valid_to is null from marts.ratios_history"
        " where security_id = 'AAPL' and period = 'FY' order by valid_from",
    )
    assert versions == [(1, date(2024, 9, 30), False), (2, date(2024, 9, 28), True)]


def test_ratios_fetched_under_an_old_and_a_new_ticker_are_one_company(warehouse: str, tmp_path) -> None:
    paths = transform_stage.DbtPaths.under(tmp_path)
    change_day = at(24).date()  # the day after the first landing
    land(
        warehouse,
        "income-statement",
        [filed("OLDN", "2023-12-31", "FY", "2023", "2024-02-20 16:30:00")],
        loaded_at=at(0),
    )
    land(warehouse, RATIOS, [ratio("OLDN", "2023-12-31", currentRatio=1.1)], loaded_at=at(0))
    build(warehouse, paths)
    change = {"date": str(change_day), "companyName": "New Name Inc.", "oldSymbol": "OLDN", "newSymbol": "NEWN"}
    land(warehouse, "symbol-change", [change], loaded_at=at(25))
    # FMP serves the company's whole history under its new ticker: the same figures, and a restated year
    land(
        warehouse,
        RATIOS,
        [ratio("NEWN", "2023-12-31", currentRatio=1.1), ratio("NEWN", "2022-12-31", currentRatio=0.7)],
        loaded_at=at(30),
    )
    land(warehouse, RATIOS, [ratio("NEWN", "2022-12-31", currentRatio=0.8)], loaded_at=at(31))
    build(warehouse, paths)
    current = query(
        warehouse, "select security_id, symbol, fiscal_year, current_ratio::float8 from marts.ratios order by 3"
    )
    assert current == [("OLDN", "NEWN", 2022, 0.8), ("OLDN", "NEWN", 2023, 1.1)]
    history = query(
        warehouse,
        "select symbol, fiscal_year, version, current_ratio::float8 from marts.ratios_history order by 2, 3",
    )
    # the ticker change alone is no version; the restated 2022 is
    assert history == [("NEWN", 2022, 1, 0.7), ("NEWN", 2022, 2, 0.8), ("NEWN", 2023, 1, 1.1)]
    assert query(warehouse, "select security_id, symbol, fiscal_year from marts.ratios_as_of(now())") == [
        ("OLDN", "NEWN", 2023)
    ]


def primary_key(url: str, table: str) -> list[str]:
    return [
        name
        for (name,) in query(
            url,
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid"
            " and a.attnum = any(i.indkey) where i.indrelid = %s::regclass and i.indisprimary"
            " order by array_position(i.indkey::int2[], a.attnum)",
            (table,),
        )
    ]


def test_a_warehouse_keyed_by_ticker_is_re_keyed_by_the_next_build(warehouse: str, tmp_path) -> None:
    paths = transform_stage.DbtPaths.under(tmp_path)
    land(warehouse, RATIOS, [ratio("AAPL", "2024-09-28"), ratio("AAPL", "2024-09-28", "Q4")], loaded_at=at(0))
    build(warehouse, paths)
    # the shape an earlier release built: no security_id, the ticker in the key, a re-dated year's stale row
    conn = psycopg2.connect(warehouse)
    try:
        with conn, conn.cursor() as cur:
            for table in ("ratios", "ratios_history"):
                cur.execute(f"alter table marts.{table} drop column security_id cascade")
            cur.execute("alter table marts.ratios add primary key (symbol, period_end_date, period)")
            cur.execute(
                "insert into marts.ratios (symbol, period_end_date, fiscal_year, period, _loaded_at)"
                " select symbol, date '2024-09-30', fiscal_year, period, _loaded_at from marts.ratios"
                " where period = 'FY'"
            )
    finally:
        conn.close()
    assert primary_key(warehouse, "marts.ratios") == ["symbol", "period_end_date", "period"]
    build(warehouse, paths)
    assert primary_key(warehouse, "marts.ratios") == ["security_id", "fiscal_year", "period"]
    assert primary_key(warehouse, "marts.ratios_history") == ["security_id", "fiscal_year", "period", "valid_from"]
    assert query(warehouse, "select security_id, period, period_end_date from marts.ratios order by 2") == [
        ("AAPL", "FY", date(2024, 9, 28)),
        ("AAPL", "Q4", date(2024, 9, 28)),
    ]
