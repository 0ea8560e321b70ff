"""The committed GX project, the connection it is given, and the pieces of a run that need no database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from fmp_elt.errors import ConfigError
from fmp_elt.quality import DATASETS, gx_project
from fmp_elt.quality.freshness import Freshness, read
from fmp_elt.quality.gx_project import PROJECT_ROOT, publish_docs, sqlalchemy_url
from fmp_elt.quality.rules import HasColumns
from fmp_elt.quality.suites import TableFacts, build_plan, load_mart_suites

CONFIG = PROJECT_ROOT / "gx" / "great_expectations.yml"


def test_the_committed_context_lists_no_assets_the_declarations_make_them() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    assert "assets" not in config["fluent_datasources"]["warehouse"]


def test_the_committed_context_is_quiet_and_holds_no_connection_or_path() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    assert config["analytics_enabled"] is False
    assert config["progress_bars"] == {"globally": False, "metric_calculations": False}
    assert config["fluent_datasources"]["warehouse"]["connection_string"] == "${FMP_ELT_GX_WAREHOUSE}"
    stores = [store["store_backend"]["base_directory"] for store in config["stores"].values()]
    assert all(path.startswith("${FMP_ELT_GX_STATE_DIR}/") for path in stores)
    assert config["data_docs_sites"]["quality"]["store_backend"]["base_directory"] == "${FMP_ELT_GX_DOCS_DIR}"


def test_the_datasets_become_table_assets_written_once_and_read_by_gx(tmp_path: Path) -> None:
    tables = {name: dataset.table for name, dataset in DATASETS.items()}
    home = tmp_path / "home"
    config = gx_project.prepare_working_root(home, tables) / "gx" / gx_project.CONFIG_FILE
    os.utime(config, ns=(1, 1))

    with gx_project.gx_environment("postgresql://etl@localhost:5/warehouse", tmp_path / "state", tmp_path / "docs"):
        context = gx_project.open_context(home, tables)
        assets = context.data_sources.get(gx_project.DATASOURCE).assets
        found = {asset.name: f"{asset.schema_name}.{asset.table_name}" for asset in assets}
        batches = {asset.get_batch_definition(gx_project.BATCH_DEFINITION).id for asset in assets}

    assert found == tables
    assert len(batches) == len(tables)
    assert None not in batches
    assert config.stat().st_mtime_ns == 1  # neither reopening nor GX rewrote the file
    assert "assets" not in yaml.safe_load(CONFIG.read_text())["fluent_datasources"]["warehouse"]


def test_a_unix_socket_becomes_the_host_query_parameter() -> None:
    url = sqlalchemy_url("postgresql://postgres:@/warehouse?host=/tmp/pg%20data")
    assert url == "postgresql+psycopg2://postgres@/warehouse?host=%2Ftmp%2Fpg+data&port=5432"


def test_a_tcp_url_keeps_its_password_escaped_and_its_ssl_settings() -> None:
    url = sqlalchemy_url("postgresql://etl:p%40ss%2Fw0rd@db.example.com:6543/prod?sslmode=require")
    assert url == "postgresql+psycopg2://etl:p%40ss%2Fw0rd@db.example.com:6543/prod?sslmode=require"

    from sqlalchemy.engine import make_url

    assert make_url(url).password == "p@ss/w0rd"


def test_importing_the_quality_package_does_not_import_great_expectations() -> None:
    code = "import sys, fmp_elt.quality, fmp_elt.cli.quality; print('great_expectations' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_publishing_data_docs_replaces_the_previous_build_only(tmp_path: Path) -> None:
    target = tmp_path / "site"
    (target / "validations" / "old").mkdir(parents=True)
    (target / "index.html").write_text("old")
    (target / "README.txt").write_text("not ours")
    built = tmp_path / "built"
    (built / "expectations").mkdir(parents=True)
    (built / "expectations" / "daily_prices.html").write_text("new")
    (built / "index.html").write_text("new")

    index = publish_docs(built, target)

    assert index.read_text() == "new"
    assert sorted(p.name for p in target.iterdir()) == ["README.txt", "expectations", "index.html"]


# Friday 14 June 2024, 18:00 in New York.
AS_OF = datetime(2024, 6, 14, 22, 0, tzinfo=UTC)


def test_prices_one_session_behind_are_fresh_two_are_not() -> None:
    rule = Freshness("price_date", max_lag_trading_days=1)
    threshold = rule.threshold(AS_OF, column_is_date=True)
    assert threshold == date(2024, 6, 13)
    assert read(rule, date(2024, 6, 13), threshold, AS_OF).is_fresh
    behind = read(rule, date(2024, 6, 12), threshold, AS_OF)
    assert not behind.is_fresh
    assert behind.seconds == 2 * 86400


def test_load_time_freshness_is_plain_age() -> None:
    rule = Freshness("_loaded_at", max_age=timedelta(days=5))
    threshold = rule.threshold(AS_OF, column_is_date=False)
    reading = read(rule, AS_OF - timedelta(days=2), threshold, AS_OF)
    assert reading.is_fresh
    assert reading.seconds == 2 * 86400
    assert not read(rule, AS_OF - timedelta(days=6), threshold, AS_OF).is_fresh


def test_an_empty_table_is_not_fresh() -> None:
    rule = Freshness("price_date", max_lag_trading_days=1)
    reading = read(rule, None, rule.threshold(AS_OF, column_is_date=True), AS_OF)
    assert not reading.is_fresh
    assert reading.seconds is None


def test_a_freshness_rule_needs_exactly_one_limit() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Freshness("price_date")
    with pytest.raises(ValueError, match="exactly one"):
        Freshness("price_date", max_lag_trading_days=1, max_age=timedelta(days=1))


def test_rules_on_absent_optional_columns_are_skipped_not_run() -> None:
    columns = {"symbol": "text", "price_date": "date", "close": "numeric", "sma_5": "numeric"}
    plan = build_plan(DATASETS["daily_ma"], TableFacts(True, columns, AS_OF))

    names = {rule.name for rule in plan.row_rules}
    assert {"sma_5_in_range", "sma_5_starts_at_row_5", "sma_5_is_mean_close"} <= names
    assert not any("sma_20" in name for name in names)
    # Without the prices mart there is nothing to compare the row count with.
    assert "row_count_matches" not in {rule.name for rule in plan.table_rules}


def test_a_missing_required_column_fails_the_column_check_instead_of_breaking_the_sql() -> None:
    columns = {"symbol": "text", "price_date": "date", "open": "numeric", "high": "numeric", "low": "numeric"}
    plan = build_plan(DATASETS["daily_prices"], TableFacts(True, columns, AS_OF))

    assert {"close_not_null", "volume_not_null", "close_not_below_low"} <= set(plan.skipped)
    required = next(rule for rule in plan.table_rules if isinstance(rule, HasColumns))
    assert "close" in required.required


def test_the_mart_suites_live_in_expectations_keyed_by_the_dbt_contracts(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    models = yaml.safe_load((root / "dbt_project" / "models" / "marts" / "_marts__models.yml").read_text())["models"]
    contract_keys = {
        model["name"]: tuple(c["columns"])
        for model in models
        for c in model["constraints"]
        if c["type"] == "primary_key"
    }
    marts = load_mart_suites(root / "expectations")
    assert {suite.name: suite.key for suite in marts} == contract_keys
    assert all(DATASETS[suite.name].table == f"marts.{suite.name}" for suite in marts)
    with pytest.raises(ConfigError, match="mart suites are missing"):
        load_mart_suites(tmp_path)
