"""`run_validation` on a real PostgreSQL: clean data passes, planted bad rows are counted exactly, stale fails."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fmp_elt.quality import DATASETS, run_validation
from tests.fixtures.marts import seed_clean
from tests.fixtures.postgres import execute, query

# Friday 14 June 2024, 18:00 in New York: that day's session has closed.
AS_OF = datetime(2024, 6, 14, 22, 0, tzinfo=UTC)


@pytest.fixture
def clean(database_url: str):
    return seed_clean(database_url, AS_OF)


def quality_row(url: str, run_id: str, dataset: str) -> dict:
    columns = (
        "total_records, valid_records, invalid_records, missing_fields, duplicate_records, data_freshness,"
        " is_fresh, success, critical, evaluated_expectations, successful_expectations, unsuccessful_expectations"
    )
    rows = query(url, f"select {columns} from etl.data_quality where run_id = %s and dataset = %s", (run_id, dataset))
    assert len(rows) == 1
    return dict(zip([c.strip() for c in columns.split(",")], rows[0], strict=True))


def page_text(path: Path) -> str:
    """A Data Docs page as plain text."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def test_clean_data_passes_every_suite(database_url: str, clean, tmp_path: Path) -> None:
    report = run_validation(database_url, docs_dir=tmp_path / "docs", as_of=AS_OF)

    assert [d.dataset for d in report.datasets] == list(DATASETS)
    failed = {d.dataset: [(o.rule, o.unexpected_count, o.details) for o in d.failed()] for d in report.datasets}
    assert report.success, failed
    assert not report.critical_failed
    for dataset in report.datasets:
        row = quality_row(database_url, report.run_id, dataset.dataset)
        assert row["total_records"] == clean.rows[dataset.dataset]
        assert row["valid_records"] == row["total_records"]
        assert (row["invalid_records"], row["missing_fields"], row["duplicate_records"]) == (0, 0, 0)
        # the universe's history marts have no freshness policy: a quiet day changes nothing in them
        assert row["is_fresh"] is (True if DATASETS[dataset.dataset].freshness else None)
        assert row["success"] is True
        assert row["evaluated_expectations"] == row["successful_expectations"] > 0
    results = query(
        database_url,
        "select count(*), bool_and(success) from etl.data_quality_results where run_id = %s",
        (report.run_id,),
    )
    assert results == [(sum(d.evaluated_expectations for d in report.datasets), True)]


def test_data_docs_index_lists_every_suite(database_url: str, clean, tmp_path: Path) -> None:
    # Even a run that validates one dataset registers every suite, so the index lists them all.
    report = run_validation(database_url, datasets=["daily_prices"], docs_dir=tmp_path / "docs", as_of=AS_OF)

    assert report.docs_index == tmp_path / "docs" / "index.html"
    # The index renders its tables from data embedded in the page: look for each suite's link there.
    index = report.docs_index.read_text(encoding="utf-8")
    for name in DATASETS:
        assert f"expectations/{name}.html" in index
        assert (tmp_path / "docs" / "expectations" / f"{name}.html").is_file()
    assert (tmp_path / "docs" / report.datasets[0].metadata["docs_page"]).is_file()


def test_planted_bad_prices_are_counted_exactly(database_url: str, clean, tmp_path: Path) -> None:
    days = [row[0] for row in query(database_url, "select distinct price_date from marts.daily_prices order by 1")]
    # Two negative closes (each also breaks `close >= low`: still one invalid row each).
    execute(
        database_url,
        "update marts.daily_prices set close = -close where symbol = 'AAA' and price_date in %s",
        (tuple(days[10:12]),),
    )
    # One exact duplicate of a valid row.
    execute(
        database_url,
        "insert into marts.daily_prices select * from marts.daily_prices where symbol = 'BBB' and price_date = %s",
        (days[20],),
    )
    # One row missing its volume, one missing both open and high.
    execute(
        database_url,
        "update marts.daily_prices set volume = null where symbol = 'CCC' and price_date = %s",
        (days[30],),
    )
    execute(
        database_url,
        "update marts.daily_prices set open = null, high = null where symbol = 'CCC' and price_date = %s",
        (days[31],),
    )

    report = run_validation(database_url, datasets=["daily_prices"], docs_dir=tmp_path / "docs", as_of=AS_OF)

    prices = report.dataset("daily_prices")
    assert not prices.success
    assert prices.critical
    assert report.critical_failed
    row = quality_row(database_url, report.run_id, "daily_prices")
    total = clean.rows["daily_prices"] + 1
    assert row["total_records"] == total
    assert row["invalid_records"] == 5
    assert row["valid_records"] == total - 5
    assert row["missing_fields"] == 3
    assert row["duplicate_records"] == 1
    assert row["is_fresh"] is True

    unexpected = dict(
        query(
            database_url,
            "select details->>'rule', unexpected_count from etl.data_quality_results where run_id = %s and not success",
            (report.run_id,),
        )
    )
    assert unexpected == {
        "close_in_range": 2,
        "close_not_below_low": 2,
        "volume_not_null": 1,
        "open_not_null": 1,
        "high_not_null": 1,
        "unique_key": 2,  # Great Expectations flags every copy of a repeated key
        "invalid_records": 5,
    }

    # The report names the rows and what each breaks.
    sample = {
        (r["symbol"], r["price_date"]): (r["broken_rules"], r["duplicate"]) for r in prices.metadata["invalid_sample"]
    }
    assert sample == {
        ("AAA", days[10]): (["close_in_range", "close_not_below_low"], False),
        ("AAA", days[11]): (["close_in_range", "close_not_below_low"], False),
        ("BBB", days[20]): ([], True),
        ("CCC", days[30]): (["volume_not_null"], False),
        ("CCC", days[31]): (["open_not_null", "high_not_null"], False),
    }

    # Data Docs show the same count: the "invalid records" expectation observed 5 rows.
    page = page_text(tmp_path / "docs" / prices.metadata["docs_page"])
    assert re.search(r"Invalid records: .*? Expected: none\. 5\b", page)


def test_planted_bad_raw_records_are_counted_exactly(database_url: str, clean, tmp_path: Path) -> None:
    # One payload without a volume (required in every price series), one with the close as a string (schema
    # drift), one not even an object.
    execute(
        database_url,
        "update raw.fmp_prices set payload = payload - 'volume' where _seq = (select min(_seq) from raw.fmp_prices)",
    )
    execute(
        database_url,
        "update raw.fmp_prices set payload = jsonb_set(payload, '{close}', '\"12.5\"')"
        " where _seq = (select max(_seq) from raw.fmp_prices)",
    )
    execute(
        database_url,
        "insert into raw.fmp_prices (symbol, payload, _run_id, _loaded_at, _endpoint)"
        " values ('AAA', '[1, 2]', gen_random_uuid(), %s, 'historical-price-eod/full')",
        (AS_OF,),
    )

    report = run_validation(database_url, datasets=["raw_prices"], docs_dir=tmp_path / "docs", as_of=AS_OF)

    raw = report.dataset("raw_prices")
    assert not raw.success
    assert not raw.critical
    assert not report.critical_failed
    assert (raw.total_records, raw.invalid_records) == (clean.rows["raw_prices"] + 1, 3)
    # The array has neither of the two fields every price series carries (date, volume); the other lacks one.
    assert raw.missing_fields == 3
    assert raw.duplicate_records == 0


def test_stale_prices_fail_freshness(database_url: str, clean, tmp_path: Path) -> None:
    later = AS_OF + timedelta(days=30)

    report = run_validation(
        database_url, datasets=["daily_prices", "raw_symbols"], docs_dir=tmp_path / "d", as_of=later
    )

    prices = report.dataset("daily_prices")
    assert prices.is_fresh is False
    assert not prices.success
    assert report.critical_failed
    assert [o.rule for o in prices.failed()] == ["fresh"]
    assert prices.invalid_records == 0
    # Sunday 14 July 2024: the last session was Friday 12 July, 18 sessions (and 28 days) after 14 June.
    assert prices.metadata["freshness"]["lag_trading_days"] == 18
    assert prices.data_freshness == 28 * 86400
    row = quality_row(database_url, report.run_id, "daily_prices")
    assert row["is_fresh"] is False
    assert row["data_freshness"] == pytest.approx(prices.data_freshness)
    assert report.dataset("raw_symbols").is_fresh is False


def test_a_weekend_does_not_make_prices_stale(database_url: str, clean, tmp_path: Path) -> None:
    sunday_evening = AS_OF + timedelta(days=2)

    report = run_validation(database_url, datasets=["daily_prices"], docs_dir=tmp_path / "d", as_of=sunday_evening)

    prices = report.dataset("daily_prices")
    assert prices.success
    assert prices.is_fresh
    assert prices.data_freshness == 0


def test_a_missing_mart_fails_its_critical_suite(database_url: str, clean, tmp_path: Path) -> None:
    execute(database_url, "drop table marts.daily_ma")

    report = run_validation(database_url, datasets=["daily_ma", "daily_prices"], docs_dir=tmp_path / "d", as_of=AS_OF)

    assert report.dataset("daily_prices").success
    missing = report.dataset("daily_ma")
    assert not missing.success
    assert report.critical_failed
    assert missing.metadata["error"] == "table marts.daily_ma does not exist"
    assert quality_row(database_url, report.run_id, "daily_ma")["success"] is False


def test_implausible_ratios_are_a_warning_not_a_failure(database_url: str, clean, tmp_path: Path) -> None:
    # A dividend yield stored in percent instead of a fraction breaks two rules of one row.
    execute(
        database_url,
        "update marts.ratios set dividend_yield = dividend_yield * 100"
        " where (symbol, fiscal_year) = (select symbol, max(fiscal_year) from marts.ratios group by symbol"
        " order by symbol limit 1)",
    )

    report = run_validation(database_url, datasets=["ratios"], docs_dir=tmp_path / "d", as_of=AS_OF)

    ratios = report.dataset("ratios")
    assert not ratios.success
    assert not ratios.critical
    assert not report.critical_failed
    assert ratios.invalid_records == 1
    assert {o.rule for o in ratios.failed()} == {"dividend_yield_in_range", "dividend_yield_units", "invalid_records"}


def test_validating_again_under_the_same_run_id_replaces_that_runs_rows(database_url: str, clean, tmp_path) -> None:
    first = run_validation(database_url, datasets=["symbols"], docs_dir=tmp_path / "d", as_of=AS_OF)
    execute(database_url, "update marts.symbols set market_cap = -1 where symbol = 'AAA'")

    again = run_validation(
        database_url, run_id=first.run_id, datasets=["symbols"], docs_dir=tmp_path / "d", as_of=AS_OF
    )

    assert again.run_id == first.run_id
    assert query(database_url, "select invalid_records, success from etl.data_quality") == [(1, False)]
    evaluated = again.dataset("symbols").evaluated_expectations
    assert query(database_url, "select count(*) from etl.data_quality_results") == [(evaluated,)]
