"""`fmp-elt quality` as a user runs it: exit 0 on clean data or warnings, 1 on a critical failure, 2 on misuse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from fmp_elt.quality import DATASETS
from tests.fixtures.marts import seed_clean
from tests.fixtures.ops import cli
from tests.fixtures.postgres import execute, query

# Reads the wall clock: tests/run.sh runs it again with the clock moved.
pytestmark = pytest.mark.clock


def validate(url: str, tmp_path: Path, *args: str):
    env = {"DATABASE_URL": url, "FMP_ELT_HOME": str(tmp_path / "home")}
    return cli("quality", "--docs-dir", str(tmp_path / "docs"), *args, env=env)


def test_clean_data_exits_zero_and_builds_data_docs(database_url: str, tmp_path: Path) -> None:
    seed_clean(database_url, datetime.now(UTC))

    done = validate(database_url, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    suites = len(DATASETS)  # the raw landings and every mart
    assert f"quality passed: {suites}/{suites} suites passed" in done.stdout
    assert (tmp_path / "docs" / "index.html").is_file()
    assert query(database_url, "select count(*), bool_and(success) from etl.data_quality") == [(suites, True)]
    # One table asset per dataset, added from the declarations into the run's copy of the configuration.
    copy = yaml.safe_load((tmp_path / "home" / "gx" / "gx" / "great_expectations.yml").read_text())
    assets = copy["fluent_datasources"]["warehouse"]["assets"]
    assert {name: f"{a['schema_name']}.{a['table_name']}" for name, a in assets.items()} == {
        name: dataset.table for name, dataset in DATASETS.items()
    }
    assert all(list(a["batch_definitions"]) == ["whole_table"] for a in assets.values())


def test_a_failed_critical_suite_exits_one(database_url: str, tmp_path: Path) -> None:
    seed_clean(database_url, datetime.now(UTC))
    execute(
        database_url,
        "update marts.daily_prices set close = -1 where price_date = (select max(price_date)"
        " from marts.daily_prices) and symbol = 'AAA'",
    )
    run_id = "0b9f6c1e-6a53-4d0e-9c8e-3a1f2b7d4c55"

    done = validate(database_url, tmp_path, "--dataset", "daily_prices", "--run-id", run_id)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "daily_prices         FAILED" in done.stdout
    assert query(
        database_url, "select invalid_records, success, critical from etl.data_quality where run_id = %s", (run_id,)
    ) == [(1, False, True)]


def test_a_failed_warning_suite_is_recorded_but_exits_zero(database_url: str, tmp_path: Path) -> None:
    seed_clean(database_url, datetime.now(UTC))
    execute(database_url, "update marts.ratios set period = 'H1' where symbol = 'AAA'")

    done = validate(database_url, tmp_path, "--dataset", "ratios", "--dataset", "symbols")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratios               warning" in done.stdout
    assert query(database_url, "select dataset, success, invalid_records from etl.data_quality order by 1") == [
        ("ratios", False, 3),
        ("symbols", True, 0),
    ]


def test_a_run_id_that_is_not_a_uuid_is_a_usage_error(database_url: str, tmp_path: Path) -> None:
    done = validate(database_url, tmp_path, "--run-id", "yesterday")

    assert done.returncode == 2
    assert done.stderr.strip() == "error: run id 'yesterday' is not a UUID"
