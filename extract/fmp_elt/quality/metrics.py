"""The seed's DataQualityMetrics of one dataset, counted in SQL over the same predicates as its suite.

Definitions (one row of `etl.data_quality` per dataset per run):

- total_records: rows in the table.
- invalid_records: distinct rows that break at least one row rule of the suite (a required field is NULL or
  missing, a value is out of range, OHLC is inconsistent, ...), plus duplicates (below). A row that breaks
  two rules counts once. The suite's "invalid records" expectation runs the very same query, so Data Docs
  show this number too.
- valid_records: total_records - invalid_records.
- missing_fields: required cells that are NULL (for raw payloads: required JSON fields absent or null),
  summed over the required fields, so one row missing two fields adds two.
- duplicate_records: rows beyond the first per unique key (a key seen three times adds two). Rows with a
  NULL key column are counted under missing fields, not as duplicates. When the copies of a key differ,
  the first is a valid one if there is one, so the duplicates are the copies a dedup would drop. Datasets
  without a unique key (the append-only raw tables, where re-fetched versions are expected) have none.
- data_freshness: seconds the newest record trails what could exist (see `freshness`), with `is_fresh`.
- restated_records: for a dataset keyed by fiscal period, the versions of its history after each period's
  first (a restated or re-dated period: FMP changed what it serves for a period we held). Information, not an
  error: it never fails a suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg2.extensions

from fmp_elt.quality.rules import BATCH, ident, literal
from fmp_elt.quality.suite_model import Dataset, SuitePlan, TableFacts


@dataclass(frozen=True)
class Counts:
    total_records: int
    invalid_records: int
    missing_fields: int
    duplicate_records: int
    newest: date | datetime | None
    # A few invalid rows: their identity columns, the rules they break, whether they repeat a key.
    invalid_sample: tuple[dict[str, Any], ...] = ()

    @property
    def valid_records(self) -> int:
        return self.total_records - self.invalid_records


def _ranked(plan: SuitePlan, relation: str) -> str:
    """Rows of `relation` plus `_dq_fails` (breaks a row rule), `_dq_missing` (missing cells), `_dq_keyed`
    (the key is complete) and `_dq_copy` (1 for the first row of a key)."""
    rules = plan.row_rules
    fails = " or ".join(f"({rule.failing()})" for rule in rules) or "false"
    missing = " + ".join(f"({rule.failing()})::integer" for rule in rules if rule.counts_missing) or "0"
    key = [ident(column) for column in plan.dataset.key]
    keyed = " and ".join(f"{column} is not null" for column in key) or "false"
    # Valid copies sort first (false < true), so a dedup would keep a valid row when there is one.
    copy = f"row_number() over (partition by {', '.join(key)} order by _dq_fails)" if key else "1"
    derived = "".join(f", {expr} as {ident(name)}" for name, expr in plan.derived.items())
    return (
        f"with base as (select *{derived} from {relation}),"
        f" flagged as (select *, ({fails}) as _dq_fails, ({missing}) as _dq_missing, ({keyed}) as _dq_keyed from base),"
        f" ranked as (select *, {copy} as _dq_copy from flagged)"
    )


# Helper columns the queries add start with this, so they can be told from the table's own.
HELPER_PREFIX = "_dq_"
SAMPLE_SIZE = 10
INVALID = "_dq_fails or (_dq_keyed and _dq_copy > 1)"


def invalid_rows_query(plan: SuitePlan) -> str:
    """The suite's "invalid records" query, over Great Expectations' batch."""
    sql = _ranked(plan, BATCH) + f" select * from ranked where {INVALID}"
    # Built with the same text as `measure`; only our own braces need doubling for GX.
    marker = "\x00batch\x00"
    return sql.replace(BATCH, marker).replace("{", "{{").replace("}", "}}").replace(marker, BATCH)


def measure(conn: psycopg2.extensions.connection, plan: SuitePlan) -> Counts:
    fresh = plan.dataset.freshness
    newest = f"max({ident(fresh.column)})" if fresh and plan.freshness_threshold is not None else "null"
    sql = _ranked(plan, ident(plan.dataset.table)) + (
        " select count(*),"
        f" count(*) filter (where {INVALID}),"
        " coalesce(sum(_dq_missing), 0),"
        " count(*) filter (where _dq_keyed and _dq_copy > 1),"
        f" {newest}"
        " from ranked"
    )
    with conn.cursor() as cur:
        cur.execute(sql)
        total, invalid, missing, duplicates, newest_value = cur.fetchone()
        sample = _invalid_sample(cur, plan) if invalid else ()
    return Counts(int(total), int(invalid), int(missing), int(duplicates), newest_value, sample)


def restated_records(conn: psycopg2.extensions.connection, dataset: Dataset) -> int:
    """The versions of `dataset`'s history after each period's first; 0 without a history (or before it exists)."""
    if dataset.history is None:
        return 0
    with conn.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (dataset.history,))
        if not cur.fetchone()[0]:
            return 0
        cur.execute(f"select count(*) from {ident(dataset.history)} where version > 1")
        return int(cur.fetchone()[0])


def _invalid_sample(cur: psycopg2.extensions.cursor, plan: SuitePlan) -> tuple[dict[str, Any], ...]:
    identity = [ident(column) for column in plan.dataset.row_identity]
    broken = ", ".join(f"case when {rule.failing()} then {literal(rule.name)} end" for rule in plan.row_rules)
    sql = _ranked(plan, ident(plan.dataset.table)) + (
        f" select {''.join(f'{column}, ' for column in identity)}"
        f" array_remove(array[{broken or 'null'}]::text[], null), _dq_keyed and _dq_copy > 1"
        f" from ranked where {INVALID} limit {SAMPLE_SIZE}"
    )
    cur.execute(sql)
    return tuple(
        {**dict(zip(identity, row[:-2], strict=True)), "broken_rules": row[-2], "duplicate": row[-1]}
        for row in cur.fetchall()
    )


def table_facts(
    conn: psycopg2.extensions.connection, datasets: list[Dataset], as_of: datetime
) -> dict[str, TableFacts]:
    """Which dataset tables exist and their column types, by dataset name."""
    with conn.cursor() as cur:
        cur.execute(
            "select table_schema || '.' || table_name, column_name, data_type from information_schema.columns"
            " where table_schema in ('raw', 'marts')"
        )
        columns: dict[str, dict[str, str]] = {}
        for table, column, data_type in cur.fetchall():
            columns.setdefault(table, {})[column] = data_type
    existing = frozenset(columns)
    return {
        dataset.name: TableFacts(dataset.table in columns, columns.get(dataset.table, {}), as_of, existing)
        for dataset in datasets
    }
