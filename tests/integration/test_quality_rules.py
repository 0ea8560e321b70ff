"""Every row rule reads the same rows two ways: Great Expectations' count equals the SQL predicate's count."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg2

from fmp_elt.quality import DATASETS, run_validation
from fmp_elt.quality.metrics import table_facts
from fmp_elt.quality.suites import build_plan
from tests.fixtures.marts import seed_clean
from tests.fixtures.postgres import execute

AS_OF = datetime(2024, 6, 14, 22, 0, tzinfo=UTC)

# One or two broken rows per rule, across every dataset.
PLANTED = [
    # symbols: bad ticker, negative market cap, seen before first seen, no symbol, a repeated symbol
    "insert into marts.symbols (symbol, market_cap) values ('bad!', 5), ('OK', -1), (null, 1), ('AAA', 1)",
    "update marts.symbols set last_seen_at = first_seen_at - interval '1 day' where symbol = 'BBB'",
    # daily_prices: inverted high/low, open above high, a Saturday, a future day, impossible change, zero adj close
    "update marts.daily_prices set high = low - 1 where symbol = 'AAA' and price_date = '2024-06-03'",
    "update marts.daily_prices set open = high + 1 where symbol = 'BBB' and price_date = '2024-06-04'",
    "insert into marts.daily_prices (symbol, price_date, open, high, low, close, volume)"
    " values ('AAA', '2024-06-08', 10, 11, 9, 10, 100), ('AAA', '2024-06-20', 10, 11, 9, 10, 100)",
    "update marts.daily_prices set change_percent = -150, adj_close = 0, volume = -5"
    " where symbol = 'CCC' and price_date = '2024-06-05'",
    # daily_ma: a wrong average, an average before its window fills, a missing close
    "update marts.daily_ma set sma_5 = sma_5 + 1 where symbol = 'AAA' and price_date = '2024-06-10'",
    "update marts.daily_ma set sma_20 = close where (symbol, price_date) ="
    " (select symbol, min(price_date) from marts.daily_ma where symbol = 'BBB' group by symbol)",
    "update marts.daily_ma set close = null where symbol = 'CCC' and price_date = '2024-06-11'",
    # ratios: unknown period, lower-case currency, far-off fiscal year, margin in percent, yield % as a fraction
    "update marts.ratios set period = 'H1', reported_currency = 'usd' where symbol = 'AAA' and fiscal_year < 2023",
    "update marts.ratios set fiscal_year = 1990, gross_profit_margin = 42 where symbol = 'BBB' and fiscal_year = 2023",
    "update marts.ratios set dividend_yield_percentage = dividend_yield where symbol = 'CCC'",
    # raw: a number sent as a string, a bad date, a payload of another symbol
    "update raw.fmp_prices set payload = jsonb_set(payload, '{volume}', '\"100\"')"
    " where _seq in (select _seq from raw.fmp_prices order by _seq limit 2)",
    "update raw.fmp_prices_adjusted set payload = jsonb_set(payload, '{date}', '\"06/03/2024\"')"
    " where _seq = (select min(_seq) from raw.fmp_prices_adjusted)",
    "update raw.fmp_ratios set payload = jsonb_set(payload, '{symbol}', '\"ZZZ\"')"
    " where _seq = (select min(_seq) from raw.fmp_ratios)",
    "insert into raw.fmp_symbols (payload, _run_id, _endpoint) values ('{\"name\": \"x\"}', gen_random_uuid(), 'x')",
    # raw corporate actions and universe: a record without a field every one of them carries
    *(
        f"insert into raw.{table} (symbol, payload, _run_id, _endpoint) values ('AAA', '{{}}', gen_random_uuid(), 'x')"
        for table in (
            *("fmp_delisted", "fmp_symbol_changes", "fmp_splits", "fmp_dividends", "fmp_prices_unadjusted"),
            *("fmp_income_statements", "fmp_balance_sheets", "fmp_cash_flows"),
        )
    ),
    # statements (their histories show the same rows): unknown period, an unbalanced sheet, a period accepted
    # before it ended, a lower-case currency
    "update marts.income_statement set period = 'H1' where security_id = 'AAA'",
    "update marts.balance_sheet set total_assets = 1000000 where security_id = 'BBB'",
    "update marts.cash_flow set accepted_date = period_end_date - 1 where security_id = 'CCC'",
    "update marts.fundamentals set reported_currency = 'usd' where security_id = 'AAA'",
    # universe and corporate-action marts: a required value missing, a change dated after the day checked
    "insert into marts.symbol_history (symbol, valid_from) values ('AAA', '2024-01-02')",
    "insert into marts.symbol_changes values ('AAA', 'AAB', '2024-07-01', 'AAA Holdings Inc.')",
    "insert into marts.symbol_securities (symbol, valid_from, valid_to) values ('ZZZ', '-infinity', 'infinity')",
    "insert into marts.security_daily_prices (security_id, price_date, symbol) values ('ZZZ', '2024-06-03', 'ZZZ')",
    "insert into marts.securities (security_id) values ('ZZZ')",
    "insert into marts.splits (symbol, split_date, denominator) values ('AAA', '2024-06-03', 1)",
    "insert into marts.dividends (symbol, ex_date, dividend) values ('AAA', '2024-06-04', 0.25)",
    # adjustment_factors: a dividend factor above 1 (it would raise earlier prices), a missing multiplier
    "insert into marts.adjustment_factors values ('AAA', 1, 0.5, 1.2, 0.5, 1.2), ('AAA', 2, 1, 1, null, 1)",
    "insert into marts.price_anomalies (symbol, price_date, anomaly) values ('AAA', '2024-06-03', 'large_move')",
]


def sql_counts(url: str) -> dict[tuple[str, str], int]:
    """Rows breaking each row rule, counted with the rule's own predicate."""
    conn = psycopg2.connect(url)
    facts = table_facts(conn, list(DATASETS.values()), AS_OF)
    counts = {}
    with conn.cursor() as cur:
        for name, dataset in DATASETS.items():
            plan = build_plan(dataset, facts[name])
            for rule in plan.row_rules:
                derived = "".join(f", {expr} as {column}" for column, expr in rule.derived.items())
                cur.execute(f"select count(*) from (select *{derived} from {dataset.table}) b where {rule.failing()}")
                counts[name, rule.name] = cur.fetchone()[0]
    conn.close()
    return counts


def test_expectations_and_metrics_count_the_same_rows(database_url: str, tmp_path: Path) -> None:
    seed_clean(database_url, AS_OF)
    for statement in PLANTED:
        execute(database_url, statement)

    report = run_validation(database_url, docs_dir=tmp_path / "docs", as_of=AS_OF)

    expected = sql_counts(database_url)
    found = {
        (dataset.dataset, outcome.rule): outcome.unexpected_count
        for dataset in report.datasets
        for outcome in dataset.expectations
        if (dataset.dataset, outcome.rule) in expected
    }
    assert found == expected
    broken = {key for key, count in expected.items() if count}
    # The planted rows reach the rules of every kind: a missed plant would make the comparison hollow.
    assert {
        ("symbols", "symbol_format"),
        ("symbols", "market_cap_in_range"),
        ("symbols", "last_seen_at_not_below_first_seen_at"),
        ("symbols", "symbol_not_null"),
        ("daily_prices", "high_not_below_low"),
        ("daily_prices", "high_not_below_open"),
        ("daily_prices", "price_date_is_weekday"),
        ("daily_prices", "price_date_not_future"),
        ("daily_prices", "change_percent_in_range"),
        ("daily_prices", "adj_close_in_range"),
        ("daily_prices", "volume_in_range"),
        ("daily_ma", "sma_5_is_mean_close"),
        ("daily_ma", "sma_20_starts_at_row_20"),
        ("daily_ma", "close_not_null"),
        ("ratios", "period_in_set"),
        ("ratios", "reported_currency_format"),
        ("ratios", "fiscal_year_near_period_end"),
        ("ratios", "gross_profit_margin_in_range"),
        ("ratios", "dividend_yield_units"),
        ("raw_prices", "payload_numbers"),
        ("raw_prices_adjusted", "payload_date_format"),
        ("raw_ratios", "payload_symbol_matches"),
        ("raw_symbols", "payload_has_symbol"),
        ("income_statement", "period_in_set"),
        ("balance_sheet", "assets_balance"),
        ("cash_flow", "accepted_after_period_end"),
        ("fundamentals", "reported_currency_format"),
    } <= broken
    # Every dataset's invalid count is the number of distinct rows behind those failures.
    for dataset in report.datasets:
        invalid = next(o for o in dataset.expectations if o.rule == "invalid_records")
        assert invalid.unexpected_count == dataset.invalid_records, dataset.dataset
    assert [d.dataset for d in report.datasets if not d.invalid_records] == []  # a plant reaches every dataset
