"""What a raw dataset is, declared once by the stream that lands it.

Landing accepts only declared tables, the status read model judges a raw table's freshness by its policy, the
quality suites check its fields, and the Great Expectations assets are made from it. The files outside Python
that describe the table are written from it by `python -m fmp_elt.codegen` (codegen.py): the dbt sources with
their freshness, the migration of a new table with its version index, and the staging model of a dataset that
declares its `columns`; tests/unit/test_codegen.py fails when a committed one differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class LoadFreshness:
    """How old a raw table's newest load may be: past `warn_after` it is stale (a warning in dbt, the quality
    suite and the status), past `error_after` dbt's source freshness fails."""

    warn_after: timedelta
    error_after: timedelta

    def __post_init__(self) -> None:
        if not timedelta(0) < self.warn_after <= self.error_after:
            raise ValueError("freshness needs 0 < warn_after <= error_after")


# Weekday loads: the longest quiet spell is a weekend after Friday's run (3 days), plus slack for a late run.
WEEKDAY_LOADS = LoadFreshness(warn_after=timedelta(days=4), error_after=timedelta(days=7))
# Weekly loads (Saturdays): one missed run is a warning, two are an error.
WEEKLY_LOADS = LoadFreshness(warn_after=timedelta(days=8), error_after=timedelta(days=15))


# What a staging column's payload field is cast to, by the json_* macros of dbt_project/macros/json_casts.sql.
COLUMN_TYPES = ("text", "numeric", "bigint", "integer", "boolean", "date")


@dataclass(frozen=True)
class StagingColumn:
    """One typed column of a generated staging model: payload field `field` as `name` (snake_case by default)."""

    field: str
    data_type: str
    description: str
    name: str = ""

    def __post_init__(self) -> None:
        if self.data_type not in COLUMN_TYPES:
            raise ValueError(f"column {self.field}: data_type is one of {', '.join(COLUMN_TYPES)}")
        if not self.name:
            object.__setattr__(self, "name", snake_case(self.field))


def snake_case(field: str) -> str:
    """priceToEarningsRatioTTM -> price_to_earnings_ratio_ttm."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", field)
    return "_".join(word.lower() for word in words) or field


@dataclass(frozen=True)
class RawDataset:
    """One append-only raw table: one row per record exactly as FMP sent it.

    `record_key` names the payload fields that identify a record (its versions share them; staging keeps the
    latest, and the table's version index is over them in this order); `_endpoint` names the landed endpoint.
    A `date` in the key is typed once at landing (the generated column `payload_date`); other key fields
    listed in `dates` are parsed as ISO dates, the rest compared as text. `fields` must be present in every
    payload, `numbers` must be JSON numbers (or null). `source_doc` describes the records for the dbt docs.
    With `columns`, the staging model and its contract are generated too; without, they are written by hand.
    With `keep_versions`, that staging model keeps every landed version and says which is the latest.
    """

    table: str  # schema-qualified: raw.fmp_<name>
    description: str
    endpoints: tuple[str, ...]
    job: str  # the job of jobs.yml that lands it
    record_key: tuple[str, ...]
    freshness: LoadFreshness
    fields: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    per_symbol: bool = True  # each row carries the symbol it was fetched for
    # Months can pass without a record (corporate actions): the quality suite expects no rows and judges no
    # freshness of the data; the status still judges the table by its job's last completed run.
    may_be_empty: bool = False
    dates: tuple[str, ...] = ()
    source_doc: str = ""
    columns: tuple[StagingColumn, ...] | None = None
    # The generated staging model keeps every landed version, flagged `is_latest`, for the marts that read
    # what was known when (a history); without, it keeps the latest version of each record only.
    keep_versions: bool = False

    def __post_init__(self) -> None:
        if not self.table.startswith("raw.fmp_"):
            raise ValueError(f"raw dataset tables are raw.fmp_<name>, not {self.table}")
        if not self.record_key:
            raise ValueError(f"{self.table}: a record key names at least one field")

    @property
    def dated(self) -> bool:
        """Records carry a `date` in their key: the table types it once, in the column `payload_date`."""
        return "date" in self.record_key

    @property
    def required(self) -> tuple[str, ...]:
        """The payload fields a usable record carries: its key (but the landed `_endpoint`) and `fields`."""
        return tuple(dict.fromkeys(f for f in (*self.record_key, *self.fields) if f != "_endpoint"))

    @property
    def name(self) -> str:
        """The short name: the dbt source table (`source('fmp', name)`)."""
        return self.table.removeprefix("raw.fmp_")

    @property
    def quality_name(self) -> str:
        """The quality dataset (and Great Expectations asset) that checks this table."""
        return f"raw_{self.name}"
