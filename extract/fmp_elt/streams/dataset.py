"""What a raw dataset is, declared once by the stream that lands it.

Landing accepts only declared tables, the status read model judges a raw table's freshness by its policy, the
quality suites check its fields, and the Great Expectations assets are made from it; the dbt sources repeat
the table and the freshness in YAML, and tests/unit/test_dataset_declarations.py holds them equal.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class RawDataset:
    """One append-only raw table: one row per record exactly as FMP sent it.

    `record_key` names the payload fields that identify a record (its versions share them; staging keeps the
    latest). `fields` must be present in every payload, `numbers` must be JSON numbers (or null).
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

    def __post_init__(self) -> None:
        if not self.table.startswith("raw.fmp_"):
            raise ValueError(f"raw dataset tables are raw.fmp_<name>, not {self.table}")

    @property
    def name(self) -> str:
        """The short name: the dbt source table (`source('fmp', name)`)."""
        return self.table.removeprefix("raw.fmp_")

    @property
    def quality_name(self) -> str:
        """The quality dataset (and Great Expectations asset) that checks this table."""
        return f"raw_{self.name}"
