"""`run_validation`: measure every dataset, run the checkpoint, build Data Docs, record the run."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fmp_elt import clock
from fmp_elt.config import data_dir
from fmp_elt.errors import ConfigError
from fmp_elt.quality import freshness, store
from fmp_elt.quality.checkpoint import SuiteRun, outcome, run_checkpoint
from fmp_elt.quality.metrics import Counts, measure, restated_records, table_facts
from fmp_elt.quality.report import DatasetReport, ValidationReport
from fmp_elt.quality.suites import DATASETS, SuitePlan, build_plan
from fmp_elt.warehouse.connection import connect
from fmp_elt.warehouse.schema import ensure_schema


def default_docs_dir() -> Path:
    """`<FMP_ELT_HOME>/site/quality`: the folder the static site publishes."""
    return data_dir() / "site" / "quality"


def run_validation(
    database_url: str,
    *,
    run_id: str | None = None,
    datasets: Sequence[str] | None = None,
    docs_dir: Path | None = None,
    as_of: datetime | None = None,
    data_docs: bool = True,
) -> ValidationReport:
    """Validate `datasets` (default: all), record the run in `etl.data_quality*`, build Data Docs.

    `as_of` is the moment freshness is judged at (default: now). Data Docs go to `docs_dir` (default
    `<FMP_ELT_HOME>/site/quality`), replacing the previous build; the history stays in `etl.data_quality`.
    Without `data_docs`, the previous build stays where it is and the report has no `docs_index`.
    """
    run_id = _run_id(run_id)
    names = select_datasets(datasets)
    checked_at = clock.now()
    as_of = as_of or checked_at
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    ensure_schema(database_url)
    conn = connect(database_url, application_name="fmp-elt:validate")
    try:
        facts = table_facts(conn, list(DATASETS.values()), as_of)
        plans = {name: build_plan(dataset, facts[name]) for name, dataset in DATASETS.items()}
        present = [name for name in names if facts[name].exists]
        counts = {name: measure(conn, plans[name]) for name in present}
        restated = {name: restated_records(conn, DATASETS[name]) for name in present}
        conn.rollback()  # end the read transaction before the long GX run
        with tempfile.TemporaryDirectory(prefix="fmp-elt-gx-") as state:
            runs, docs_index = run_checkpoint(
                database_url,
                plans,
                present,
                run_id=run_id,
                run_time=checked_at,
                state_dir=Path(state),
                docs_dir=(docs_dir or default_docs_dir()) if data_docs else None,
            )
        reports = tuple(
            replace(
                _dataset_report(plans[name], counts[name], runs.get(name), as_of, docs=docs_index is not None),
                restated_records=restated[name],
            )
            if name in counts
            else _missing_table(plans[name])
            for name in names
        )
        report = ValidationReport(run_id, checked_at, reports, docs_index)
        store.save(conn, report)
    finally:
        conn.close()
    return report


def select_datasets(datasets: Sequence[str] | None) -> list[str]:
    if not datasets:
        return list(DATASETS)
    unknown = [name for name in datasets if name not in DATASETS]
    if unknown:
        raise ConfigError(f"unknown dataset {', '.join(unknown)}; use one of {', '.join(DATASETS)}")
    return [name for name in DATASETS if name in datasets]


def _run_id(run_id: str | None) -> str:
    if run_id is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(run_id))
    except ValueError:
        raise ConfigError(f"run id {run_id!r} is not a UUID") from None


def _dataset_report(
    plan: SuitePlan, counts: Counts, run: SuiteRun | None, as_of: datetime, *, docs: bool
) -> DatasetReport:
    dataset = plan.dataset
    metadata: dict[str, Any] = {"table": dataset.table, "skipped_rules": list(plan.skipped)}
    if counts.invalid_sample:
        metadata["invalid_sample"] = list(counts.invalid_sample)
    seconds, is_fresh = None, None
    if dataset.freshness and plan.freshness_threshold is not None:
        reading = freshness.read(dataset.freshness, counts.newest, plan.freshness_threshold, as_of)
        seconds, is_fresh = reading.seconds, reading.is_fresh
        metadata["freshness"] = reading.as_dict()
        if dataset.freshness.max_lag_trading_days is not None and isinstance(counts.newest, date):
            metadata["freshness"]["lag_trading_days"] = freshness.lag_trading_days(counts.newest, as_of)
    if run is None:
        raise RuntimeError(f"Great Expectations returned no result for {dataset.name}")
    if docs:  # the page exists only when this run built Data Docs
        metadata["docs_page"] = run.page
    stats = run.statistics
    return DatasetReport(
        dataset=dataset.name,
        suite=dataset.name,
        table=dataset.table,
        critical=dataset.critical,
        success=run.success,
        total_records=counts.total_records,
        valid_records=counts.valid_records,
        invalid_records=counts.invalid_records,
        missing_fields=counts.missing_fields,
        duplicate_records=counts.duplicate_records,
        data_freshness=seconds,
        is_fresh=is_fresh,
        evaluated_expectations=int(stats.get("evaluated_expectations", 0)),
        successful_expectations=int(stats.get("successful_expectations", 0)),
        unsuccessful_expectations=int(stats.get("unsuccessful_expectations", 0)),
        success_percent=stats.get("success_percent"),
        expectations=tuple(outcome(result, counts.total_records) for result in run.results),
        metadata=metadata,
    )


def _missing_table(plan: SuitePlan) -> DatasetReport:
    """A dataset whose table does not exist fails its suite without running it."""
    dataset = plan.dataset
    return DatasetReport(
        dataset=dataset.name,
        suite=dataset.name,
        table=dataset.table,
        critical=dataset.critical,
        success=False,
        total_records=0,
        valid_records=0,
        invalid_records=0,
        missing_fields=0,
        duplicate_records=0,
        data_freshness=None,
        is_fresh=False if dataset.freshness else None,
        evaluated_expectations=0,
        successful_expectations=0,
        unsuccessful_expectations=0,
        success_percent=None,
        metadata={"table": dataset.table, "error": f"table {dataset.table} does not exist"},
    )
