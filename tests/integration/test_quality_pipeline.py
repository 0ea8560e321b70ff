"""End to end: the simulator's data, extracted and built by dbt, passes every suite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fmp_elt import transform_stage
from fmp_elt.config import Settings
from fmp_elt.extract_stage import extract_stream
from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter
from fmp_elt.jobs.extract import streams_of
from fmp_elt.quality import DATASETS, run_validation
from fmp_elt.streams.base import ExtractOptions
from fmp_elt.warehouse import runlog
from tests.fixtures.warehouses import Warehouse, module_warehouse

# Wednesday 25 November 2026, after the close (the next day is Thanksgiving).
END = date(2026, 11, 25)
AS_OF = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)


@pytest.fixture
def warehouse(pg_server_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with module_warehouse(pg_server_url, pg_template, tmp_path_factory) as built:
        yield built


def test_simulated_pipeline_output_passes_every_suite(make_simulator, warehouse: Warehouse, tmp_path: Path) -> None:
    database_url = warehouse.url
    # Long enough for every moving-average window to fill.
    simulator = make_simulator(n_symbols=6, start=END - timedelta(days=400), end=END)
    settings = Settings.from_env({"FMP_BASE_URL": simulator.base_url, "FMP_API_KEY": "test-key"})
    client = FmpClient(settings.base_url, "test-key", RateLimiter(60_000), retry=RetryPolicy(max_tries=5))
    for stream in (name for job in ("symbols", "prices", "ratios", "statements") for name in streams_of(job)):
        extract_stream(
            settings, database_url, stream, ExtractOptions(), run_id=runlog.new_run_id(), client=client, today=END
        )
    built = transform_stage.build(database_url, warehouse.paths)
    assert built.ok, built.summary()

    report = run_validation(database_url, docs_dir=tmp_path / "docs", as_of=AS_OF)

    failed = {d.dataset: [(o.rule, o.unexpected_count) for o in d.failed()] for d in report.datasets if not d.success}
    assert failed == {}
    assert {d.dataset for d in report.datasets} == set(DATASETS)
    for dataset in report.datasets:
        declared = DATASETS[dataset.dataset]
        assert dataset.total_records > 0 or declared.may_be_empty, dataset.dataset
        assert dataset.invalid_records == 0, dataset.dataset
        assert dataset.is_fresh is (True if declared.freshness else None), dataset.dataset
        assert dataset.metadata["skipped_rules"] == [], dataset.dataset
