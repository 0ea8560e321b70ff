"""Rules a dataset promises, each written once and read two ways.

A row rule gives a Great Expectations expectation (what the suite reports and Data Docs render) and a SQL
predicate that is true exactly when a row breaks the rule (what the metrics count with). Both read the same
columns with the same bounds, so a dataset's `invalid_records` and its failed expectations describe the same
rows. A table rule (row count, key uniqueness, freshness) is judged on the table as a whole and has no
per-row predicate.

Great Expectations is imported inside the methods that build expectations: it takes seconds to import.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_JSON_KEY = re.compile(r"^[A-Za-z0-9_]+$")
# Where a custom query reads the batch; Great Expectations substitutes its own relation there.
BATCH = "{batch}"


def ident(name: str) -> str:
    """A column or table name we wrote ourselves, checked so it can go into SQL as is."""
    for part in name.split("."):
        if not _IDENTIFIER.match(part):
            raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def literal(value: float | int | str | date | datetime) -> str:
    """A SQL literal for one of our own constants (bounds, dates, set members)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"timestamptz '{value.isoformat()}'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    return "'" + value.replace("'", "''") + "'"


def unexpected_rows_query(failing: str, derived: Mapping[str, str] | None = None) -> str:
    """A query over Great Expectations' `{batch}` returning the rows for which `failing` holds."""
    extra = "".join(f", {expr} as {ident(name)}" for name, expr in (derived or {}).items())
    # Braces are Great Expectations' placeholder syntax: our own braces (regex repeats) are doubled.
    escaped = failing.replace("{", "{{").replace("}", "}}")
    return f"select * from (select *{extra} from {BATCH}) as batch_rows where {escaped}"


class RowRule(ABC):
    """A promise about every row: `failing()` is a SQL predicate, never NULL, true when a row breaks it."""

    # True when breaking the rule means one required field (cell) is missing.
    counts_missing: ClassVar[bool] = False

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads: a rule whose columns are absent is not applied."""

    @property
    def derived(self) -> Mapping[str, str]:
        """Extra columns (window expressions) the predicate reads, by name."""
        return {}

    @abstractmethod
    def failing(self) -> str: ...

    @abstractmethod
    def expectation(self) -> Expectation: ...


class TableRule(ABC):
    """A promise about the table as a whole."""

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    def columns(self) -> tuple[str, ...]:
        return ()

    @abstractmethod
    def expectation(self) -> Expectation: ...


@dataclass(frozen=True)
class NotNull(RowRule):
    """A required column: every row has a value."""

    column: str
    counts_missing: ClassVar[bool] = True

    @property
    def name(self) -> str:
        return f"{self.column}_not_null"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def failing(self) -> str:
        return f"{ident(self.column)} is null"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnValuesToNotBeNull(column=self.column)


@dataclass(frozen=True)
class JsonFieldPresent(RowRule):
    """A required key of a JSON payload: present and not JSON null."""

    column: str
    key: str
    counts_missing: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if not _JSON_KEY.match(self.key):
            raise ValueError(f"not a plain JSON key: {self.key!r}")

    @property
    def name(self) -> str:
        return f"{self.column}_has_{self.key}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def failing(self) -> str:
        return f"coalesce(jsonb_typeof({ident(self.column)} -> '{self.key}'), 'null') = 'null'"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=unexpected_rows_query(self.failing()),
            description=f"`{self.column}` has the field `{self.key}`",
        )


@dataclass(frozen=True)
class Between(RowRule):
    """A value range; NULLs are left to `NotNull`."""

    column: str
    min_value: float | None = None
    max_value: float | None = None
    strict_min: bool = False
    strict_max: bool = False

    @property
    def name(self) -> str:
        return f"{self.column}_in_range"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def failing(self) -> str:
        column = ident(self.column)
        broken = []
        if self.min_value is not None:
            broken.append(f"{column} {'<=' if self.strict_min else '<'} {literal(self.min_value)}")
        if self.max_value is not None:
            broken.append(f"{column} {'>=' if self.strict_max else '>'} {literal(self.max_value)}")
        return f"({column} is not null and ({' or '.join(broken)}))"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnValuesToBeBetween(
            column=self.column,
            min_value=self.min_value,
            max_value=self.max_value,
            strict_min=self.strict_min,
            strict_max=self.strict_max,
        )


@dataclass(frozen=True)
class NotLess(RowRule):
    """`greater >= lesser` on every row where both are present (OHLC consistency, seen-at order)."""

    greater: str
    lesser: str

    @property
    def name(self) -> str:
        return f"{self.greater}_not_below_{self.lesser}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.greater, self.lesser)

    def failing(self) -> str:
        return f"coalesce({ident(self.greater)} < {ident(self.lesser)}, false)"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=self.greater, column_B=self.lesser, or_equal=True, ignore_row_if="either_value_is_missing"
        )


@dataclass(frozen=True)
class InSet(RowRule):
    column: str
    values: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.column}_in_set"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def failing(self) -> str:
        members = ", ".join(literal(value) for value in self.values)
        return f"({ident(self.column)} is not null and {ident(self.column)} not in ({members}))"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnValuesToBeInSet(column=self.column, value_set=list(self.values))


@dataclass(frozen=True)
class Matches(RowRule):
    """A text column matches a POSIX regular expression (PostgreSQL `~`)."""

    column: str
    pattern: str

    @property
    def name(self) -> str:
        return f"{self.column}_format"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def failing(self) -> str:
        return f"({ident(self.column)} is not null and {ident(self.column)} !~ {literal(self.pattern)})"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnValuesToMatchRegex(column=self.column, regex=self.pattern)


@dataclass(frozen=True)
class RowCondition(RowRule):
    """A rule only SQL can say (casts, JSON types, window arithmetic); reported as unexpected rows."""

    label: str
    description: str
    condition: str  # true when a row breaks the rule; NULL is read as "not broken"
    reads: tuple[str, ...]
    extra_columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.label

    @property
    def columns(self) -> tuple[str, ...]:
        return self.reads

    @property
    def derived(self) -> Mapping[str, str]:
        return self.extra_columns

    def failing(self) -> str:
        return f"coalesce(({self.condition}), false)"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=unexpected_rows_query(self.failing(), self.derived),
            description=self.description,
        )


@dataclass(frozen=True)
class RowCountAtLeast(TableRule):
    minimum: int = 1
    name = "row_count"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectTableRowCountToBeBetween(min_value=self.minimum)


@dataclass(frozen=True)
class SameRowCountAs(TableRule):
    """One row per row of another table of the same schema (e.g. a moving average for every price)."""

    other_table: str
    name = "row_count_matches"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectTableRowCountToEqualOtherTable(other_table_name=ident(self.other_table))


@dataclass(frozen=True)
class HasColumns(TableRule):
    """The columns the other rules read exist (extra columns are fine)."""

    required: tuple[str, ...]
    name = "required_columns"

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectTableColumnsToMatchSet(column_set=list(self.required), exact_match=False)


@dataclass(frozen=True)
class UniqueKey(TableRule):
    key: tuple[str, ...]
    name = "unique_key"

    @property
    def columns(self) -> tuple[str, ...]:
        return self.key

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        if len(self.key) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=self.key[0])
        return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(self.key))


@dataclass(frozen=True)
class NewestAtLeast(TableRule):
    """Freshness: the newest value of `column` is at least `threshold`."""

    column: str
    threshold: date | datetime
    name = "fresh"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def expectation(self) -> Expectation:
        import great_expectations.expectations as gxe

        return gxe.ExpectColumnMaxToBeBetween(column=self.column, min_value=self.threshold)
