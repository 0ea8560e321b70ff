"""The expectation suites, in code: one per dataset, the raw landing tables and the four marts.

Every suite checks the same things in the same order: the required columns exist, the table has rows, the
key is unique, required fields are present, then the dataset's own row rules (ranges, OHLC consistency,
formats, plausible ratios) and its freshness. Rules on optional columns (a ratio the mart does not carry, a
moving-average window the dbt var leaves out) are applied only when the column exists.

Critical suites are the ones downstream users read every day: `symbols`, `daily_prices`, `daily_ma`. When
one of them fails, `fmp-elt validate` exits 1. The raw suites (schema drift in what FMP sent) and `ratios`
(FMP publishes outliers unclipped, so a plausible range is a warning sign, not an error) are recorded and
rendered, never fatal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from fmp_elt import tickers
from fmp_elt.quality.freshness import Freshness
from fmp_elt.quality.rules import (
    Between,
    HasColumns,
    InSet,
    JsonFieldPresent,
    Matches,
    NewestAtLeast,
    NotLess,
    NotNull,
    RowCondition,
    RowCountAtLeast,
    RowRule,
    SameRowCountAs,
    TableRule,
    UniqueKey,
    literal,
)
from fmp_elt.streams import RAW_DATASETS
from fmp_elt.streams.dataset import RawDataset
from fmp_elt.streams.symbols import SYMBOLS


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
    table_rules: list[TableRule] = [HasColumns(dataset.required_columns), RowCountAtLeast(1)]
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


# --- raw landing -------------------------------------------------------------------------------------

RAW_REQUIRED = ("payload", "_run_id", "_loaded_at", "_endpoint")
ISO_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _raw_rules(fields: tuple[str, ...], numbers: tuple[str, ...], per_symbol: bool) -> Callable:
    def rules(facts: TableFacts) -> Sequence[RowRule]:
        found: list[RowRule] = [
            RowCondition(
                "payload_is_object", "`payload` is a JSON object", "jsonb_typeof(payload) <> 'object'", ("payload",)
            ),
            *(JsonFieldPresent("payload", key) for key in fields),
        ]
        if numbers:
            wrong = " or ".join(f"jsonb_typeof(payload -> '{key}') not in ('number', 'null')" for key in numbers)
            found.append(
                RowCondition(
                    "payload_numbers",
                    f"numeric fields are JSON numbers: {', '.join(numbers)}",
                    wrong,
                    ("payload",),
                )
            )
        if "date" in fields:
            found.append(
                RowCondition(
                    "payload_date_format",
                    "`date` is a YYYY-MM-DD date",
                    f"payload ->> 'date' !~ {literal(ISO_DATE)}",
                    ("payload",),
                )
            )
        if per_symbol:
            found.append(
                RowCondition(
                    "payload_symbol_matches",
                    "the payload's `symbol` is the row's `symbol`",
                    "payload ->> 'symbol' <> symbol",
                    ("payload", "symbol"),
                )
            )
        return found

    return rules


def _raw(declared: RawDataset) -> Dataset:
    """The suite of one declared raw table: its fields and types, and its load freshness."""
    per_symbol = declared.per_symbol
    return Dataset(
        name=declared.quality_name,
        table=declared.table,
        critical=False,
        description=f"Raw landing of {declared.description}: one row per record exactly as FMP sent it (append-only).",
        key=(),
        required=(*RAW_REQUIRED, "symbol") if per_symbol else RAW_REQUIRED,
        rules=_raw_rules(declared.fields, declared.numbers, per_symbol),
        freshness=Freshness("_loaded_at", max_age=declared.freshness.warn_after),
        identity=("_seq", "symbol", "_endpoint"),
    )


RAW_SUITES = tuple(_raw(declared) for declared in RAW_DATASETS.values())


# --- marts -------------------------------------------------------------------------------------------


def _symbols_rules(facts: TableFacts) -> Sequence[RowRule]:
    return (
        Matches("symbol", tickers.PATTERN),
        Between("market_cap", 0),
        NotLess("last_seen_at", "first_seen_at"),
    )


def _not_after_today(column: str, facts: TableFacts) -> RowCondition:
    return RowCondition(
        f"{column}_not_future",
        f"`{column}` is not after {facts.today.isoformat()}",
        f"{column} > {literal(facts.today)}",
        (column,),
    )


def _prices_rules(facts: TableFacts) -> Sequence[RowRule]:
    return (
        *(Between(column, 0, strict_min=True) for column in ("open", "high", "low", "close", "adj_close")),
        Between("volume", 0),
        # The close is positive, so a day cannot lose 100% or more.
        Between("change_percent", -100, strict_min=True),
        # OHLC consistency: the high is the highest and the low the lowest price of the day.
        NotLess("high", "low"),
        NotLess("high", "open"),
        NotLess("high", "close"),
        NotLess("open", "low"),
        NotLess("close", "low"),
        RowCondition(
            "price_date_is_weekday",
            "`price_date` is a weekday",
            "extract(isodow from price_date) > 5",
            ("price_date",),
        ),
        _not_after_today("price_date", facts),
    )


SMA_COLUMN = re.compile(r"^sma_([0-9]+)$")
ROW_IN_SYMBOL = "row_number() over (partition by symbol order by price_date)"
# The mart may round its averages; this absorbs rounding to 4 decimals, while an off-by-one window on a
# real price series misses by far more.
SMA_TOLERANCE_ABS = 1e-4
SMA_TOLERANCE_REL = 1e-6


def sma_windows(columns: Sequence[str]) -> list[int]:
    return sorted(int(match.group(1)) for column in columns if (match := SMA_COLUMN.match(column)))


def _moving_average_rules(facts: TableFacts) -> Sequence[RowRule]:
    found: list[RowRule] = [Between("close", 0, strict_min=True), _not_after_today("price_date", facts)]
    for window in sma_windows(list(facts.column_types)):
        column, mean = f"sma_{window}", f"_dq_mean_close_{window}"
        found += [
            Between(column, 0, strict_min=True),
            RowCondition(
                f"{column}_starts_at_row_{window}",
                f"`{column}` is NULL exactly on each symbol's first {window - 1} rows",
                f"({column} is null) <> (_dq_row_in_symbol < {window})",
                (column, "symbol", "price_date"),
                {"_dq_row_in_symbol": ROW_IN_SYMBOL},
            ),
            RowCondition(
                f"{column}_is_mean_close",
                f"`{column}` is the mean `close` of the symbol's last {window} rows",
                f"abs({column} - {mean}) > {SMA_TOLERANCE_ABS} + {SMA_TOLERANCE_REL} * abs({mean})",
                (column, "close", "symbol", "price_date"),
                {
                    mean: "avg(close) over (partition by symbol order by price_date"
                    f" rows between {window - 1} preceding and current row)"
                },
            ),
        ]
    return found


def _moving_average_table_rules(facts: TableFacts) -> Sequence[TableRule]:
    # One moving-average row per price row; only checkable when the prices mart is there.
    # Great Expectations looks the other table up in the batch's schema.
    return (SameRowCountAs("daily_prices"),) if "marts.daily_prices" in facts.existing_tables else ()


# Plausible ranges: wide enough for real outliers (FMP does not clip them), narrow enough to catch a unit
# error (a percentage stored as a fraction or the reverse), a sign flip, or a division by almost zero.
RATIO_RANGES: dict[str, tuple[float | None, float | None]] = {
    # Above 1 when the cost of revenue is negative: rare but real, so only a percentage is implausible.
    "gross_profit_margin": (-1000, 10),
    "ebit_margin": (-1000, 100),
    "ebitda_margin": (-1000, 100),
    "operating_profit_margin": (-1000, 100),
    "pretax_profit_margin": (-1000, 100),
    "net_profit_margin": (-1000, 100),
    "current_ratio": (0, 1000),
    "quick_ratio": (0, 1000),
    "cash_ratio": (0, 1000),
    "debt_to_assets_ratio": (0, 100),
    "debt_to_equity_ratio": (-1000, 1000),
    "price_to_earnings_ratio": (-100_000, 100_000),
    "price_to_book_ratio": (-100_000, 100_000),
    "price_to_sales_ratio": (0, 100_000),
    "dividend_yield": (0, 1),
    "dividend_yield_percentage": (0, 100),
    "dividend_payout_ratio": (-100, 100),
    "effective_tax_rate": (-100, 100),
    "asset_turnover": (0, 1000),
}
PERIODS = ("FY", "Q1", "Q2", "Q3", "Q4")


def _ratios_rules(facts: TableFacts) -> Sequence[RowRule]:
    return (
        InSet("period", PERIODS),
        Matches("reported_currency", "^[A-Z]{3}$"),
        RowCondition(
            "fiscal_year_near_period_end",
            "`fiscal_year` is a year within one year of `period_end_date`",
            "case when fiscal_year::text ~ '^[0-9]{4}$'"
            " then abs(fiscal_year::text::integer - extract(year from period_end_date)::integer) > 1"
            " else true end",
            ("fiscal_year", "period_end_date"),
        ),
        _not_after_today("period_end_date", facts),
        *(Between(column, low, high) for column, (low, high) in RATIO_RANGES.items()),
        RowCondition(
            "dividend_yield_units",
            "`dividend_yield_percentage` is 100 times `dividend_yield`",
            "abs(dividend_yield_percentage - 100 * dividend_yield) > 1e-6 + 1e-6 * abs(dividend_yield_percentage)",
            ("dividend_yield", "dividend_yield_percentage"),
        ),
    )


MART_DATASETS = (
    Dataset(
        name="symbols",
        table="marts.symbols",
        critical=True,
        description="The symbol universe: one row per ticker with its company, exchange and flags.",
        key=("symbol",),
        required=(),
        rules=_symbols_rules,
        freshness=Freshness("last_seen_at", max_age=SYMBOLS.freshness.warn_after),
    ),
    Dataset(
        name="daily_prices",
        table="marts.daily_prices",
        critical=True,
        description="Daily OHLCV per symbol: split-adjusted close, split- and dividend-adjusted adj_close.",
        key=("symbol", "price_date"),
        required=("open", "high", "low", "close", "volume"),
        rules=_prices_rules,
        freshness=Freshness("price_date", max_lag_trading_days=1),
    ),
    Dataset(
        name="daily_ma",
        table="marts.daily_ma",
        critical=True,
        description="Simple moving averages of close over each symbol's last N trading rows.",
        key=("symbol", "price_date"),
        required=("close",),
        rules=_moving_average_rules,
        table_rules=_moving_average_table_rules,
        freshness=Freshness("price_date", max_lag_trading_days=1),
    ),
    Dataset(
        name="ratios",
        table="marts.ratios",
        critical=False,
        description="Financial ratios per symbol and fiscal period, as FMP reports them.",
        key=("symbol", "period_end_date", "period"),
        required=("fiscal_year",),
        rules=_ratios_rules,
        # A fiscal year plus the weeks it takes to file its report.
        freshness=Freshness("period_end_date", max_age=timedelta(days=460)),
    ),
)

DATASETS: dict[str, Dataset] = {dataset.name: dataset for dataset in (*RAW_SUITES, *MART_DATASETS)}
