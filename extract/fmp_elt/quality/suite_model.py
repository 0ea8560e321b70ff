"""What a quality suite is made of: the facts about a table at check time, a dataset's promises, and the plan
of rules that apply to the table as it is (a rule on a column the table lacks is skipped, and reported).

The suites themselves are declared elsewhere: the raw ones from the streams' dataset declarations
(`quality/suites.py`), the marts' in `expectations/mart_suites.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from fmp_elt.quality.freshness import Freshness
from fmp_elt.quality.rules import HasColumns, NewestAtLeast, NotNull, RowCountAtLeast, RowRule, TableRule, UniqueKey


@dataclass(frozen=True)
class TableFacts:
    """What the suite builder needs to know about a table at the time of the check."""

    exists: bool
    column_types: dict[str, str]  # column -> PostgreSQL data type; empty when the table is missing
    as_of: datetime
    existing_tables: frozenset[str] = frozenset()

    @property
    def today(self) -> date:
        """The latest calendar day that has begun: UTC's, a few hours ahead of New York's in the evening.

        A date after it cannot hold a trade yet; the UTC day rather than the market's own keeps a machine on
        UTC that dates a session by its own clock from looking like it reports the future.
        """
        return self.as_of.astimezone(UTC).date()


def _no_rules(facts: TableFacts) -> Sequence[RowRule]:
    return ()


def _no_table_rules(facts: TableFacts) -> Sequence[TableRule]:
    return ()


@dataclass(frozen=True)
class Dataset:
    name: str
    table: str
    critical: bool
    description: str
    key: tuple[str, ...]
    required: tuple[str, ...]  # NOT NULL promises; the key is always required
    rules: Callable[[TableFacts], Sequence[RowRule]] = _no_rules
    table_rules: Callable[[TableFacts], Sequence[TableRule]] = _no_table_rules
    freshness: Freshness | None = None
    # Columns that point at a row in reports of invalid rows (default: the key).
    identity: tuple[str, ...] = ()
    # No row is a healthy state (corporate actions in a quiet month, no anomaly): no row count to expect.
    may_be_empty: bool = False
    # The history mart of a dataset keyed by fiscal period (`version` numbers each period's versions): its
    # versions after the first are restatements, counted as information, never a failure.
    history: str | None = None

    @property
    def row_identity(self) -> tuple[str, ...]:
        return self.identity or self.key

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.key + self.required))


@dataclass(frozen=True)
class SuitePlan:
    """A dataset's suite for one check: the rules that apply to the table as it is."""

    dataset: Dataset
    row_rules: tuple[RowRule, ...]
    table_rules: tuple[TableRule, ...]
    freshness_threshold: date | datetime | None
    skipped: tuple[str, ...] = field(default=())  # rules whose columns the table does not have

    @property
    def derived(self) -> dict[str, str]:
        """Every extra (window) column the row rules read, by name."""
        merged: dict[str, str] = {}
        for rule in self.row_rules:
            for name, expr in rule.derived.items():
                if merged.setdefault(name, expr) != expr:
                    raise ValueError(f"{self.dataset.name}: two rules define {name} differently")
        return merged


def build_plan(dataset: Dataset, facts: TableFacts) -> SuitePlan:
    available = set(facts.column_types) if facts.exists else set(dataset.required_columns)
    table_rules: list[TableRule] = [HasColumns(dataset.required_columns)]
    if not dataset.may_be_empty:
        table_rules.append(RowCountAtLeast(1))
    if dataset.key:
        table_rules.append(UniqueKey(dataset.key))
    table_rules.extend(dataset.table_rules(facts))
    threshold = None
    if dataset.freshness and dataset.freshness.column in available:
        is_date = facts.column_types.get(dataset.freshness.column, "date") == "date"
        threshold = dataset.freshness.threshold(facts.as_of, column_is_date=is_date)
        table_rules.append(NewestAtLeast(dataset.freshness.column, threshold))
    row_rules: list[RowRule] = [NotNull(column) for column in dataset.required_columns]
    row_rules.extend(dataset.rules(facts))
    applied = [rule for rule in row_rules if set(rule.columns) <= available]
    applied_table = [rule for rule in table_rules if set(rule.columns) <= available]
    every: list[RowRule | TableRule] = [*row_rules, *table_rules]
    skipped = [rule.name for rule in every if not set(rule.columns) <= available]
    return SuitePlan(dataset, tuple(applied), tuple(applied_table), threshold, tuple(skipped))
