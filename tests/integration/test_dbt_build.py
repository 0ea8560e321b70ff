"""dbt on raw rows landed by hand: one database for the module, built, rebuilt, grown and refreshed.

The tests run in order and share the warehouse (dbt takes seconds to start, so it is called few times):
a first build with the unit tests, an idempotent second build, an incremental build after a new day, a split
and restated figures, then a full refresh that must give exactly the same rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import pytest
from click.testing import CliRunner

from fmp_elt import transform_stage
from fmp_elt.cli import cli
from tests.fixtures.raw_rows import (
    ADJUSTED,
    BULK,
    FULL,
    MARTS,
    RATIOS,
    SCREENER,
    SYMBOL_LIST,
    adjusted_price,
    at,
    bulk_price,
    full_price,
    land,
    moving_average_errors,
    query,
    ratio,
    row_counts,
    rows_changed_since,
    screener,
    snapshot_marts,
    statement,
)
from tests.fixtures.warehouses import Warehouse, module_warehouse

DAYS = 30
FIRST_DAY = date(2024, 3, 1)


def trading_days(n: int, first: date = FIRST_DAY) -> list[date]:
    days, day = [], first
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def close_of(symbol: str, i: int) -> float:
    """A deterministic, wiggly close per symbol and day index."""
    base = {"AAPL": 180.0, "MSFT": 400.0, "TSLA": 200.0}[symbol]
    return round(base + 7 * ((i * 37) % 11) - 3 * (i % 4) + 0.01 * i, 2)


def bar(symbol: str, i: int, day: date, divisor: float = 1.0) -> dict:
    close = round(close_of(symbol, i) / divisor, 2)
    open_ = round(close - 1.25 / divisor, 2)
    return full_price(symbol, day, open_, close + 2, open_ - 2, close, int(1_000_000 * divisor))


@pytest.fixture(scope="module")
def module_database(
    pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as built:
        yield built


@pytest.fixture(scope="module")
def warehouse(module_database: Warehouse) -> str:
    return module_database.url


@pytest.fixture(scope="module")
def paths(module_database: Warehouse) -> transform_stage.DbtPaths:
    return module_database.paths


@pytest.fixture(scope="module")
def first_build(warehouse: str, paths: transform_stage.DbtPaths) -> transform_stage.DbtResult:
    """The history landed by a first extraction, then `dbt build` with the unit tests on a fresh database."""
    days = trading_days(DAYS)
    land(warehouse, SCREENER, [screener("AAPL"), screener("MSFT"), screener("TSLA")], loaded_at=at(0))
    land(warehouse, SYMBOL_LIST, [{"symbol": "AAPL"}], loaded_at=at(1))
    delisted = {"symbol": "GONE", "companyName": "Gone Inc.", "exchange": "NASDAQ", "ipoDate": "2001-02-03"}
    land(warehouse, "delisted-companies", [{**delisted, "delistedDate": "2020-05-06"}], loaded_at=at(0))
    change = {"date": "2021-03-04", "companyName": "New Name Inc.", "oldSymbol": "OLDN", "newSymbol": "NEWN"}
    land(warehouse, "symbol-change", [change], loaded_at=at(0))
    land(warehouse, FULL, [bar(s, i, d) for s in ("AAPL", "MSFT") for i, d in enumerate(days)], loaded_at=at(0))
    land(
        warehouse,
        ADJUSTED,
        [adjusted_price(s, d, round(close_of(s, i) * 0.98, 2)) for s in ("AAPL", "MSFT") for i, d in enumerate(days)],
        loaded_at=at(0),
    )
    bulk = [
        bulk_price(
            "TSLA",
            d,
            close_of("TSLA", i) - 1,
            close_of("TSLA", i) + 1,
            close_of("TSLA", i) - 2,
            close_of("TSLA", i),
            close_of("TSLA", i) - 0.5,
            5000,
        )
        for i, d in enumerate(days[:10])
    ]
    bulk[3]["volume"], bulk[3]["high"] = "", "n/a"  # drift: empty and junk values
    land(warehouse, BULK, [*bulk, {"symbol": "TSLA", "open": "1"}], loaded_at=at(0))  # the last one has no date
    land(
        warehouse,
        RATIOS,
        [ratio("AAPL", "2023-09-30", "FY", currentRatio=0.99), ratio("AAPL", "2023-09-30", "Q4")],
        loaded_at=at(0),
    )
    land(warehouse, RATIOS, [ratio("AAPL", "2023-09-30", "FY", currentRatio=0.95)], loaded_at=at(2))
    land(warehouse, "income-statement", [statement("AAPL", "2023-09-30", revenue=383285000000)], loaded_at=at(0))
    land(
        warehouse,
        "balance-sheet-statement",
        [statement("AAPL", "2023-09-30", totalAssets=352583000000)],
        loaded_at=at(0),
    )
    land(warehouse, "cash-flow-statement", [statement("AAPL", "2023-09-30", freeCashFlow=99584000000)], loaded_at=at(0))
    return transform_stage.build(warehouse, paths, unit_tests=True)


def test_first_build_passes_with_unit_tests_on_a_fresh_database(first_build: transform_stage.DbtResult) -> None:
    assert first_build.ok, first_build.output[-3000:]
    counts = first_build.counts()
    assert counts["unit_test"] == {"pass": 19}
    assert counts["model"] == {"success": 34}
    assert counts["test"]["pass"] >= 45  # structure only: keys, not-null, accepted values, relationships
    assert set(counts["test"]) == {"pass"}


def test_the_build_prints_no_deprecation_warning(first_build: transform_stage.DbtResult) -> None:
    # dbt v2 turns today's deprecations into errors (docs/contribute/dbt-v2-readiness.md); on dbt 1.12 too
    # (tests/run.sh --dbt 1.12)
    assert first_build.ok
    lines = [line for line in first_build.output.splitlines() if "deprecat" in line.lower()]
    assert not lines, lines


def test_marts_hold_one_row_per_key(warehouse: str, first_build: transform_stage.DbtResult) -> None:
    assert row_counts(warehouse) == {
        "symbols": 4,  # the three listed, and GONE, known only as delisted
        "daily_prices": 2 * DAYS + 10,
        "daily_ma": 2 * DAYS + 10,
        "ratios": 2,
        "daily_prices_history": 2 * DAYS + 10,  # one landing of each day: one version
        "ratios_history": 3,  # the annual figures restated once
    }


def test_tables_carry_their_contracts_constraints_and_report_the_rows_written(
    warehouse: str, first_build: transform_stage.DbtResult
) -> None:
    # tables are made by `create table as` and constrained after (macros/contract_tables.sql)
    keys = query(
        warehouse,
        "select conrelid::regclass::text, array_agg(attname order by attnum) from pg_constraint"
        " join pg_attribute on attrelid = conrelid and attnum = any(conkey)"
        " where contype = 'p' and connamespace = 'marts'::regnamespace group by conrelid order by 1",
    )
    assert ("marts.daily_prices", ["symbol", "price_date"]) in keys
    assert ("marts.symbols", ["symbol"]) in keys
    assert len(keys) == query(warehouse, "select count(*) from pg_tables where schemaname = 'marts'")[0][0] == 22
    not_null = query(
        warehouse,
        "select column_name from information_schema.columns where table_schema = 'marts'"
        " and table_name = 'daily_ma' and is_nullable = 'NO' order by ordinal_position",
    )
    assert not_null == [("symbol",), ("price_date",)]
    written = {node.name.split(".")[-1]: node.rows_affected for node in first_build.nodes}
    assert written["daily_prices"] == 2 * DAYS + 10
    assert written["symbols"] == 4  # with GONE, known only as delisted


def test_bulk_rows_are_typed_and_derived(warehouse: str, first_build: transform_stage.DbtResult) -> None:
    rows = query(
        warehouse,
        "select open, high, close, adj_close, volume, change, change_percent, vwap, price_source"
        " from marts.daily_prices where symbol = 'TSLA' order by price_date limit 4",
    )
    open_, high, close, adj_close, volume, change, change_percent, vwap, source = rows[0]
    # eod-bulk's adjClose (close - 0.5) is FMP's, not a source: with no dividend landed ours is the close
    assert (float(open_), float(close), float(adj_close), volume) == (
        close_of("TSLA", 0) - 1,
        close_of("TSLA", 0),
        close_of("TSLA", 0),
        5000,
    )
    assert float(change) == pytest.approx(1.0)
    assert float(change_percent) == pytest.approx(100 / float(open_))
    assert float(vwap) == pytest.approx((float(high) + close_of("TSLA", 0) - 2 + float(close)) / 3)
    assert source == "eod-bulk"
    drifted = rows[3]
    assert (drifted[1], drifted[4]) == (None, None)  # high "n/a", volume ""
    assert drifted[2] is not None


def test_adjusted_close_is_ours_not_the_dividend_adjusted_endpoint(warehouse: str, first_build) -> None:
    # FMP's dividend-adjusted closes landed here are 2% below the close, but no dividend landed: ours is the close
    rows = query(warehouse, "select close, adj_close from marts.daily_prices where symbol = 'AAPL'")
    assert rows
    assert all(adj == close for close, adj in rows)
    # the disagreement is reported once per symbol, on the newest day that disagrees
    flagged = query(
        warehouse, "select symbol, price_date from marts.price_anomalies where anomaly = 'adjusted_mismatch'"
    )
    assert sorted(symbol for symbol, _ in flagged) == ["AAPL", "MSFT"]


def test_symbols_keep_screener_attributes_and_last_sighting(warehouse: str, first_build) -> None:
    rows = query(
        warehouse,
        "select symbol, company_name, attributes_source, first_seen_at, last_seen_at from marts.symbols"
        " order by symbol",
    )
    aapl = rows[0]
    assert aapl[1:3] == ("AAPL Inc.", "company-screener")
    assert (aapl[3], aapl[4]) == (at(0), at(1))


def test_restated_ratios_replace_the_earlier_version(warehouse: str, first_build) -> None:
    rows = query(warehouse, "select period, fiscal_year, current_ratio from marts.ratios order by period")
    assert [(p, y, float(c)) for p, y, c in rows] == [("FY", 2023, 0.95), ("Q4", 2023, 1.5)]


def test_moving_averages_match_pandas(warehouse: str, first_build) -> None:
    errors = moving_average_errors(warehouse)
    assert all(error < 1e-9 for error in errors.values()), errors


def test_second_build_changes_nothing(warehouse: str, paths, first_build) -> None:
    before = row_counts(warehouse)
    second = transform_stage.build(warehouse, paths)
    assert second.ok, second.output[-3000:]
    assert row_counts(warehouse) == before
    # views report -1, the merges 0 rows; the universe's small tables and the price checks are rebuilt on every
    # run by design
    rebuilt = {"symbols", "symbol_history", "symbol_changes", "symbol_securities", "security_daily_prices"}
    rebuilt |= {"securities", "price_anomalies", "adjustment_factors", "splits", "dividends"}
    statements = ("income_statement", "balance_sheet", "cash_flow")
    rebuilt |= {"fundamentals", *statements, *(f"{name}_history" for name in statements)}
    rebuilt |= {"ratios", "ratios_history"}  # keyed by company: a late ticker link re-keys every period
    touched = {name: rows for name, rows in second.metadata()["rowsAffected"].items() if name not in rebuilt}
    assert set(touched.values()) == {0, -1}


def test_incremental_build_equals_full_refresh(warehouse: str, paths, first_build) -> None:
    """A new day for every symbol, a 2-for-1 split of TSLA on its new day (no price history landed again), a
    dividend of AAPL, and a new quarter: merged, then compared with a rebuild."""
    days = trading_days(DAYS + 1)
    new_day = days[-1]
    land(warehouse, FULL, [bar("MSFT", DAYS, new_day), bar("AAPL", DAYS, new_day)], loaded_at=at(48))
    tsla_new = bulk_price("TSLA", new_day, 99, 101, 98, 100, 100, 9000)
    land(warehouse, BULK, [tsla_new], loaded_at=at(48))
    split = {"symbol": "TSLA", "date": new_day.isoformat(), "numerator": 2, "denominator": 1}
    land(warehouse, "splits-calendar", [split], loaded_at=at(47), table="raw.fmp_splits")
    paid = {"symbol": "AAPL", "date": days[5].isoformat(), "dividend": 1.0, "adjDividend": 1.0}
    land(warehouse, "dividends-calendar", [paid], loaded_at=at(47), table="raw.fmp_dividends")
    land(warehouse, RATIOS, [ratio("AAPL", "2023-12-30", "Q1")], loaded_at=at(48))
    msft_before = query(warehouse, "select * from marts.daily_ma where symbol = 'MSFT' order by price_date")
    [(mark,)] = query(warehouse, "select max(_loaded_at) from marts.daily_ma")

    incremental = transform_stage.build(warehouse, paths)
    assert incremental.ok, incremental.output[-3000:]
    # macros/high_water_mark.sql reads the mark while compiling and inlines it: if a dbt upgrade took the unit
    # tests' subquery path on a real run (or stopped running the query), the plan would lose the raw indexes
    compiled = (paths.target / "compiled" / "fmp_elt" / "models" / "marts" / "daily_ma.sql").read_text()
    inlined = re.findall(r"_loaded_at > cast\('([^']+)' as timestamptz\)", compiled)
    assert inlined
    assert query(warehouse, "select %s::timestamptz", (inlined[0],)) == [(mark,)]
    assert "(select coalesce(max(" not in compiled
    # all of TSLA (split) and AAPL (dividend: every day takes new factors), MSFT's new day only
    assert incremental.metadata()["rowsAffected"]["daily_ma"] == 11 + (DAYS + 1) + 1
    assert moving_average_errors(warehouse)["sma_20"] < 1e-9
    tsla = query(warehouse, "select close, volume from marts.daily_prices where symbol = 'TSLA' order by price_date")
    assert [float(c) for c, _ in tsla[:-1]] == [close_of("TSLA", i) / 2 for i in range(10)]
    assert [v for _, v in tsla[:3]] == [10_000] * 3
    assert query(warehouse, "select * from marts.daily_ma where symbol = 'MSFT' order by price_date")[:-1] == (
        msft_before
    )
    aapl = query(warehouse, "select close, adj_close from marts.daily_prices where symbol = 'AAPL' order by price_date")
    factor = 1 - 1.0 / float(aapl[4][0])  # CRSP: 1 - dividend / the close before the ex-date
    assert [float(adj) for _, adj in aapl[:5]] == pytest.approx([float(c) * factor for c, _ in aapl[:5]], abs=1e-9)
    assert all(adj == close for close, adj in aapl[5:])

    snapshot_marts(warehouse, "incremental")
    refreshed = transform_stage.build(warehouse, paths, full_refresh=True)
    assert refreshed.ok, refreshed.output[-3000:]
    assert rows_changed_since(warehouse, "incremental") == dict.fromkeys(MARTS, 0)


def test_source_freshness_passes_within_the_thresholds(warehouse: str, paths, first_build) -> None:
    """Every raw table landed within the last 4 days: inside every declared warn_after."""
    result = transform_stage.source_freshness(warehouse, paths)
    assert result.ok, result.output[-3000:]
    assert {node.name: node.status for node in result.nodes} == {
        "fmp.symbols": "pass",
        "fmp.ratios": "pass",
        "fmp.prices": "pass",
        "fmp.prices_adjusted": "pass",
        "fmp.delisted": "pass",
        "fmp.symbol_changes": "pass",
        # no corporate action landed here: these are judged by the prices job's last load
        "fmp.splits": "pass",
        "fmp.dividends": "pass",
        "fmp.prices_unadjusted": "pass",
        "fmp.income_statements": "pass",
        "fmp.balance_sheets": "pass",
        "fmp.cash_flows": "pass",
    }


def test_docs_site_is_one_static_file(warehouse: str, paths, first_build) -> None:
    result = transform_stage.generate_docs(warehouse, paths)
    assert result.ok, result.output[-3000:]
    html = paths.static_docs.read_text(encoding="utf-8")
    assert len(html) > 1_000_000
    assert "Simple moving average of `close`" in html
    assert "etl_dashboard" in html


def production_state(paths: transform_stage.DbtPaths, tmp_path: Path, changed: str | None = None) -> Path:
    """A copy of the last build's manifest, as CI downloads production's; `changed` gets other SQL there, as if
    production still ran an older version of that model."""
    manifest = json.loads((paths.target / "manifest.json").read_text(encoding="utf-8"))
    if changed is not None:
        manifest["nodes"][f"model.fmp_elt.{changed}"]["raw_code"] += "\n-- the version production runs"
    state = tmp_path / "production-state"
    state.mkdir()
    (state / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return state


def models_and_tests(result: transform_stage.DbtResult) -> tuple[set[str], set[str]]:
    models = {n.name for n in result.nodes if n.resource_type == "model"}
    tested = {n.unique_id.split(".")[2] for n in result.nodes if n.resource_type == "test"}
    return models, tested


def test_with_a_production_state_only_the_modified_model_and_its_tests_are_built(
    warehouse: str, paths, first_build, tmp_path: Path
) -> None:
    state = production_state(paths, tmp_path, changed="daily_ma")
    result = transform_stage.build(warehouse, paths, state=state)
    assert result.ok, result.output[-3000:]
    models, tested = models_and_tests(result)
    assert models == {"daily_ma"}  # its parents exist here and are read, not rebuilt
    assert tested
    assert all("daily_ma" in name for name in tested)
    assert "--defer" in result.command


def test_an_unchanged_project_builds_nothing_against_its_own_state(
    warehouse: str, paths, first_build, tmp_path
) -> None:
    result = transform_stage.build(warehouse, paths, state=production_state(paths, tmp_path))
    assert result.ok, result.output[-3000:]
    assert result.nodes == []


def test_without_a_production_manifest_the_build_is_full(warehouse: str, paths, first_build, tmp_path) -> None:
    home = Path(paths.target).parent.parent
    empty = tmp_path / "no-artifact-yet"
    result = CliRunner().invoke(
        cli,
        ["transform", "--state", str(empty)],
        env={"DATABASE_URL": warehouse, "FMP_ELT_HOME": str(home)},
    )
    assert result.exit_code == 0, result.output
    assert f"no manifest.json in {empty}: building everything" in result.output
    models, _ = models_and_tests(first_build)
    rebuilt = {
        n.name
        for n in transform_stage.read_run_results(paths.target / "run_results.json")
        if n.resource_type == "model"
    }
    assert rebuilt == models


@pytest.mark.parametrize(
    ("history", "key", "test_name", "value"),
    [
        ("daily_prices_history", "symbol, price_date", "daily_prices_history_current_is_daily_prices", "close"),
        ("ratios_history", "security_id, fiscal_year, period", "ratios_history_current_is_ratios", "current_ratio"),
    ],
)
def test_a_current_version_unlike_the_mart_fails_current_version_is(
    warehouse: str, paths, first_build, history: str, key: str, test_name: str, value: str
) -> None:
    """One current version changed by hand: its row is missing from the mart and the mart's from it (2 rows)."""
    one = f"({key}) = (select {key} from marts.{history} where valid_to is null order by {key} limit 1)"
    change = f"update marts.{history} set {value} = {value} + %s where valid_to is null and {one}"
    execute(warehouse, change, 1)
    try:
        result = transform_stage.build(warehouse, paths, select=[test_name])
    finally:
        execute(warehouse, change, -1)
    assert [(n.name.split(".")[0], n.status, n.failures) for n in result.nodes if n.resource_type == "test"] == [
        (test_name, "fail", 2)
    ]
    assert transform_stage.build(warehouse, paths, select=[test_name]).ok  # and passes once undone


def execute(url: str, sql: str, *params: object) -> None:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
            assert cur.rowcount == 1
    finally:
        conn.close()


def test_transform_command_exits_1_when_a_test_fails(warehouse: str, paths, first_build) -> None:
    """A record from an endpoint that does not belong in raw.fmp_prices fails an error-severity test."""
    land(
        warehouse,
        "historical-price-eod/light",
        [{"symbol": "AAPL", "date": "2024-06-03", "price": 1}],
        loaded_at=at(60),
        table="raw.fmp_prices",
    )
    home = Path(paths.target).parent.parent
    result = CliRunner().invoke(
        cli, ["transform", "--select", "stg_fmp__prices"], env={"DATABASE_URL": warehouse, "FMP_ELT_HOME": str(home)}
    )
    assert result.exit_code == 1, result.output
    assert "dbt build FAILED" in result.output
    assert "fail  accepted_values_stg_fmp__price" in result.output
    assert "DBT_ENV_SECRET" not in result.output


REMOTE = "postgresql://fmp:s3cret@db.example:6543/warehouse"


def test_dbt_gets_the_connection_but_none_of_our_secrets() -> None:
    env = transform_stage.dbt_env(REMOTE, base={"FMP_API_KEY": "key", "DATABASE_URL": REMOTE, "PATH": "/usr/bin"})
    assert (env["FMP_ELT_DB_HOST"], env["FMP_ELT_DB_PORT"], env["FMP_ELT_DB_USER"], env["FMP_ELT_DB_NAME"]) == (
        "db.example",
        "6543",
        "fmp",
        "warehouse",
    )
    assert env[transform_stage.PASSWORD_VAR] == "s3cret"  # dbt scrubs DBT_ENV_SECRET_* values from its logs
    assert "FMP_API_KEY" not in env
    assert "DATABASE_URL" not in env
    assert (env["DO_NOT_TRACK"], env["DBT_SEND_ANONYMOUS_USAGE_STATS"], env["PATH"]) == ("1", "false", "/usr/bin")


def test_print_env_shows_the_connection_without_the_password(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["transform", "--print-env"], env={"DATABASE_URL": REMOTE, "FMP_ELT_HOME": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert "export FMP_ELT_DB_HOST=db.example" in result.output
    assert "s3cret" not in result.output
