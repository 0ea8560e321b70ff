"""Writes a validation run to `etl.data_quality` (one row per dataset) and `etl.data_quality_results`."""

from __future__ import annotations

import json
from typing import Any

import psycopg2.extensions
from psycopg2.extras import execute_values

from fmp_elt.quality.report import ValidationReport


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


def save(conn: psycopg2.extensions.connection, report: ValidationReport) -> None:
    """Record the run in one transaction: all of it or none of it."""
    datasets = [
        (
            report.run_id,
            d.dataset,
            d.suite,
            report.checked_at,
            d.total_records,
            d.valid_records,
            d.invalid_records,
            d.missing_fields,
            d.duplicate_records,
            d.restated_records,
            d.data_freshness,
            d.is_fresh,
            d.success,
            d.critical,
            d.evaluated_expectations,
            d.successful_expectations,
            d.unsuccessful_expectations,
            d.success_percent,
            _json(d.metadata),
        )
        for d in report.datasets
    ]
    results = [
        (
            report.run_id,
            d.dataset,
            report.checked_at,
            o.expectation_type,
            o.column,
            o.description,
            o.success,
            o.element_count,
            o.unexpected_count,
            o.unexpected_percent,
            _json({"rule": o.rule, **o.details}),
        )
        for d in report.datasets
        for o in d.expectations
    ]
    names = [d.dataset for d in report.datasets]
    with conn, conn.cursor() as cur:
        # Validating a dataset again under the same run id (a retried job) replaces what that run recorded.
        for table in ("etl.data_quality", "etl.data_quality_results"):
            cur.execute(f"delete from {table} where run_id = %s and dataset = any(%s)", (report.run_id, names))
        execute_values(
            cur,
            "insert into etl.data_quality (run_id, dataset, suite, checked_at, total_records, valid_records,"
            " invalid_records, missing_fields, duplicate_records, restated_records, data_freshness, is_fresh,"
            " success, critical, evaluated_expectations, successful_expectations, unsuccessful_expectations,"
            " success_percent, metadata) values %s",
            datasets,
        )
        if results:
            execute_values(
                cur,
                "insert into etl.data_quality_results (run_id, dataset, checked_at, expectation_type,"
                " column_name, description, success, element_count, unexpected_count, unexpected_percent,"
                " details) values %s",
                results,
            )
