"""Great Expectations at work: suites from the plans, one checkpoint over the datasets, Data Docs (offline).

Everything GX is imported here, inside functions, so that importing the quality package stays cheap.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fmp_elt.quality import gx_project, offline_docs
from fmp_elt.quality.metrics import HELPER_PREFIX, invalid_rows_query
from fmp_elt.quality.report import ExpectationOutcome
from fmp_elt.quality.rules import RowRule, TableRule
from fmp_elt.quality.suite_model import SuitePlan

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

INVALID_RULE = "invalid_records"
INVALID_DESCRIPTION = (
    "Invalid records: rows breaking at least one row rule of this suite, plus copies of a key beyond the "
    "first (each row counted once). Expected: none."
)
# How many offending values or rows an outcome keeps in `details`; Data Docs show a sample too.
SAMPLE_SIZE = 20


@dataclass(frozen=True)
class SuiteRun:
    """A suite's validation result, reduced to what the report needs."""

    success: bool
    statistics: dict[str, Any]
    results: tuple[ExpectationValidationResult, ...]
    page: str  # the validation page, relative to the Data Docs folder


def gx_suite(plan: SuitePlan) -> ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    dataset = plan.dataset
    notes = f"{dataset.description} Table `{dataset.table}`; {'critical' if dataset.critical else 'warning only'}."
    suite = gx.ExpectationSuite(name=dataset.name, meta={"notes": notes, "critical": dataset.critical})
    rules: list[RowRule | TableRule] = [*plan.table_rules, *plan.row_rules]
    for rule in rules:
        expectation = rule.expectation()
        expectation.meta = {"rule": rule.name}
        suite.add_expectation(expectation)
    if plan.row_rules:
        suite.add_expectation(
            gxe.UnexpectedRowsExpectation(
                unexpected_rows_query=invalid_rows_query(plan),
                description=INVALID_DESCRIPTION,
                meta={"rule": INVALID_RULE},
            )
        )
    return suite


def run_checkpoint(
    database_url: str,
    plans: Mapping[str, SuitePlan],
    validate: Sequence[str],
    *,
    run_id: str,
    run_time: datetime,
    state_dir: Path,
    docs_dir: Path | None,
) -> tuple[dict[str, SuiteRun], Path | None]:
    """Register every suite, validate the `validate` datasets, build Data Docs; results by dataset name.

    Every suite is registered, validated or not, so that the Data Docs index lists all of them.
    """
    built_docs = state_dir / "docs"
    with gx_project.gx_environment(database_url, state_dir / "stores", built_docs):
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        # GX warns for every Decimal it turns into a float to store a result; NUMERIC columns are full of them.
        logging.getLogger("great_expectations.util").setLevel(logging.ERROR)
        context = gx_project.open_context(tables={name: plan.dataset.table for name, plan in plans.items()})
        datasource = context.data_sources.get(gx_project.DATASOURCE)
        definitions = []
        for name, plan in plans.items():
            suite = context.suites.add_or_update(gx_suite(plan))
            if name in validate:
                batch = datasource.get_asset(name).get_batch_definition(gx_project.BATCH_DEFINITION)
                definition = gx.ValidationDefinition(name=name, data=batch, suite=suite)
                definitions.append(context.validation_definitions.add_or_update(definition))
        runs: dict[str, SuiteRun] = {}
        if definitions:
            checkpoint = context.checkpoints.add_or_update(
                gx.Checkpoint(
                    name=gx_project.CHECKPOINT,
                    validation_definitions=definitions,
                    result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
                )
            )
            result = checkpoint.run(run_id=RunIdentifier(run_name=run_id, run_time=run_time))
            for identifier, validation in result.run_results.items():
                runs[validation.suite_name] = _suite_run(validation, identifier.to_tuple())
        if docs_dir is None:
            return runs, None
        context.build_data_docs()
    offline_docs.make_offline(built_docs)
    return runs, gx_project.publish_docs(built_docs, docs_dir)


def _suite_run(validation: ExpectationSuiteValidationResult, key: tuple[str, ...]) -> SuiteRun:
    return SuiteRun(
        success=bool(validation.success),
        statistics=dict(validation.statistics),
        results=tuple(validation.results),
        page="validations/" + "/".join(key) + ".html",
    )


def outcome(result: ExpectationValidationResult, total_records: int) -> ExpectationOutcome:
    """Flatten one expectation result; an unexpected-rows query's count becomes its unexpected count."""
    config = result.expectation_config
    assert config is not None
    kwargs = dict(config.kwargs)
    found = dict(result.result or {})
    element_count = found.get("element_count")
    unexpected_count = found.get("unexpected_count")
    unexpected_percent = found.get("unexpected_percent")
    details: dict[str, Any] = {}
    if "observed_value" in found:
        details["observed_value"] = found["observed_value"]
    if unexpected_count is None and total_records == 0 and "_values_" in config.type:
        # GX leaves a row-by-row check of an empty table without counts: it found no bad row among none.
        element_count, unexpected_count, unexpected_percent = 0, 0, 0.0
    if config.type == "unexpected_rows_expectation" and isinstance(found.get("observed_value"), int):
        element_count, unexpected_count = total_records, found["observed_value"]
        unexpected_percent = 100.0 * unexpected_count / total_records if total_records else 0.0
        rows = (found.get("details") or {}).get("unexpected_rows") or []
        if rows:
            details["unexpected_rows"] = [_drop_private(row) for row in rows[:SAMPLE_SIZE]]
    if found.get("partial_unexpected_list"):
        details["partial_unexpected_list"] = found["partial_unexpected_list"][:SAMPLE_SIZE]
    error = _exception(result)
    if error:
        details["exception"] = error
    for bound in ("min_value", "max_value", "value_set", "regex", "other_table_name"):
        if kwargs.get(bound) is not None:
            details[bound] = kwargs[bound]
    return ExpectationOutcome(
        expectation_type=config.type,
        column=_column(kwargs),
        rule=(config.meta or {}).get("rule"),
        description=config.description,
        success=bool(result.success),
        element_count=element_count,
        unexpected_count=unexpected_count,
        unexpected_percent=unexpected_percent,
        details=json.loads(json.dumps(details, default=str)),
    )


def _column(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    columns = kwargs.get("column_list") or [kwargs.get(k) for k in ("column_A", "column_B") if kwargs.get(k)]
    return ",".join(columns) if columns else None


def _drop_private(row: Any) -> Any:
    """An unexpected row without the helper columns our queries add (`_dq_fails`, `_dq_copy`, ...)."""
    if isinstance(row, Mapping):
        return {k: v for k, v in row.items() if not str(k).startswith(HELPER_PREFIX)}
    return row


def _exception(result: ExpectationValidationResult) -> str | None:
    info = result.exception_info or {}
    # GX reports either one {raised_exception, exception_message} or one such dict per metric.
    candidates = [info] if "raised_exception" in info else list(info.values())
    for candidate in candidates:
        if isinstance(candidate, Mapping) and candidate.get("raised_exception"):
            return str(candidate.get("exception_message") or "exception")
    return None
