"""Every raw dataset is declared once (by its stream); what repeats the declaration outside Python agrees with it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from fmp_elt.job_config import load_jobs
from fmp_elt.quality.suites import DATASETS
from fmp_elt.status import queries
from fmp_elt.streams import RAW_DATASETS, STREAMS
from fmp_elt.streams.dataset import LoadFreshness, RawDataset
from fmp_elt.warehouse.landing import RAW_TABLES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "dbt_project" / "models" / "staging" / "fmp" / "_fmp__sources.yml"
PERIODS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def dbt_source_tables() -> dict[str, dict]:
    (source,) = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["sources"]
    assert source["schema"] == "raw"
    return {table["name"]: table for table in source["tables"]}


def dbt_span(threshold: dict) -> timedelta:
    return threshold["count"] * PERIODS[threshold["period"]]


def test_each_stream_declares_its_tables_once() -> None:
    tables = [dataset.table for stream in STREAMS.values() for dataset in stream.datasets]
    assert len(tables) == len(set(tables)) == len(RAW_DATASETS)
    assert set(RAW_DATASETS) == {
        "raw.fmp_symbols",
        "raw.fmp_delisted",
        "raw.fmp_symbol_changes",
        "raw.fmp_prices",
        "raw.fmp_prices_adjusted",
        "raw.fmp_ratios",
        "raw.fmp_splits",
        "raw.fmp_dividends",
        "raw.fmp_prices_unadjusted",
        "raw.fmp_income_statements",
        "raw.fmp_balance_sheets",
        "raw.fmp_cash_flows",
    }
    for stream in STREAMS.values():
        assert len({dataset.job for dataset in stream.datasets}) == 1, f"{stream.name} lands for one job"


@pytest.mark.parametrize("dataset", RAW_DATASETS.values(), ids=lambda d: d.table)
def test_dbt_source_and_its_freshness_match_the_declaration(dataset: RawDataset) -> None:
    table = dbt_source_tables().get(dataset.name)
    assert table is not None, f"no dbt source fmp.{dataset.name} for {dataset.table}"
    assert table["identifier"] == dataset.table.removeprefix("raw.")
    freshness = table["config"]["freshness"]
    assert dbt_span(freshness["warn_after"]) == dataset.freshness.warn_after
    assert dbt_span(freshness["error_after"]) == dataset.freshness.error_after


def test_no_dbt_source_without_a_declaration() -> None:
    assert set(dbt_source_tables()) == {dataset.name for dataset in RAW_DATASETS.values()}


@pytest.mark.parametrize("dataset", RAW_DATASETS.values(), ids=lambda d: d.table)
def test_quality_suite_reads_the_declaration(dataset: RawDataset) -> None:
    suite = DATASETS[dataset.quality_name]
    assert suite.table == dataset.table
    assert suite.may_be_empty == dataset.may_be_empty
    if dataset.may_be_empty:
        assert suite.freshness is None  # no record for months is normal: only the job's runs say it is alive
    else:
        assert suite.freshness is not None
        assert suite.freshness.max_age == dataset.freshness.warn_after
    assert not suite.critical  # raw landing is measured, never a reason to stop


def test_landing_status_and_jobs_read_the_declarations() -> None:
    assert frozenset(RAW_DATASETS) == RAW_TABLES
    jobs = {job.name: job for job in load_jobs()}
    for dataset in RAW_DATASETS.values():
        assert jobs[dataset.job].module == "fmp_elt.jobs.extract", dataset.table
    raw_in_suites = {suite.table for suite in DATASETS.values() if suite.table.startswith("raw.")}
    assert raw_in_suites == set(RAW_DATASETS)
    assert queries.dataset_table("raw_prices") == "raw.fmp_prices"


def test_a_declaration_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="warn_after"):
        LoadFreshness(warn_after=timedelta(days=2), error_after=timedelta(days=1))
    with pytest.raises(ValueError, match=r"raw\.fmp_"):
        RawDataset("marts.x", "x", ("x",), "prices", ("symbol",), LoadFreshness(timedelta(1), timedelta(2)))
