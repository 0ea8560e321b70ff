"""The marts' quality suites: what each mart promises beyond its dbt contract, measured by Great Expectations.

This file is read by `fmp-elt quality` (the quality runner in `fmp_elt.quality`); edit it to change a mart's
suite. The structure of a mart (its primary key, NOT NULL columns, accepted values) is the dbt contract's
business and fails the build; the key here is read from that contract so that duplicates are counted against
the same columns. The suites measure what a build cannot promise: ranges, OHLC consistency, moving averages
equal to their closes, plausible ratios, freshness against the trading calendar.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from fmp_elt import tickers
from fmp_elt.quality.dbt_contracts import primary_key
from fmp_elt.quality.freshness import Freshness
from fmp_elt.quality.rules import (
    Between,
    InSet,
    Matches,
    NotLess,
    RowCondition,
    RowRule,
    SameRowCountAs,
    TableRule,
    literal,
)
from fmp_elt.quality.suite_model import Dataset, TableFacts
from fmp_elt.streams.symbols import SYMBOLS


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
        *_change_rules(facts),
        *_bar_rules(facts),
    )


def _bar_rules(facts: TableFacts) -> Sequence[RowRule]:
    """The rules of one day's OHLCV, the columns daily_prices and every version in its history have."""
    return (
        *(Between(column, 0, strict_min=True) for column in ("open", "high", "low", "close", "adj_close")),
        Between("volume", 0),
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


def _change_rules(facts: TableFacts) -> Sequence[RowRule]:
    """The close is positive, so a day cannot lose 100% or more (tables that carry the change)."""
    if facts.exists and "change_percent" not in facts.column_types:
        return ()
    return (Between("change_percent", -100, strict_min=True),)


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


def _statement_rules(facts: TableFacts) -> Sequence[RowRule]:
    """What every financial statement row promises: a known period, an ISO currency, a period that ended by
    today and was accepted after it ended (acceptance is what the as-of reads trust)."""
    return (
        InSet("period", PERIODS),
        Matches("reported_currency", "^[A-Z]{3}$"),
        _not_after_today("period_end_date", facts),
        RowCondition(
            "accepted_after_period_end",
            "`accepted_date` is after `period_end_date`",
            "accepted_date < period_end_date",
            ("accepted_date", "period_end_date"),
        ),
    )


def _balance_sheet_rules(facts: TableFacts) -> Sequence[RowRule]:
    return (
        *_statement_rules(facts),
        RowCondition(
            "assets_balance",
            "`total_assets` equals `total_liabilities_and_total_equity` (to a thousandth)",
            "abs(total_assets - total_liabilities_and_total_equity) > 1e-3 * abs(total_assets) + 1e4",
            ("total_assets", "total_liabilities_and_total_equity"),
        ),
    )


def _statement_suites() -> tuple[Dataset, ...]:
    """The statements, their histories and the fundamentals: per company and fiscal period."""
    what = {
        "income_statement": "income statement",
        "balance_sheet": "balance sheet",
        "cash_flow": "cash flow statement",
    }
    suites = []
    for name, statement in what.items():
        rules = _balance_sheet_rules if name == "balance_sheet" else _statement_rules
        for mart, description in (
            (name, f"FMP's {statement} per company and fiscal period, as served now."),
            (f"{name}_history", f"Every version of each company's {statement} per fiscal period, with its validity."),
        ):
            suites.append(
                Dataset(
                    name=mart,
                    table=f"marts.{mart}",
                    critical=False,
                    description=description,
                    key=primary_key(mart),
                    required=("accepted_date",),
                    rules=rules,
                    freshness=Freshness("period_end_date", max_age=timedelta(days=460)),
                    history=None if mart.endswith("_history") else f"marts.{mart}_history",
                )
            )
    suites.append(
        Dataset(
            name="fundamentals",
            table="marts.fundamentals",
            critical=False,
            description="The three statements' headline figures per company and fiscal period.",
            key=primary_key("fundamentals"),
            required=("accepted_date",),
            rules=_statement_rules,
            freshness=Freshness("period_end_date", max_age=timedelta(days=460)),
        )
    )
    return tuple(suites)


def _splits_rules(facts: TableFacts) -> Sequence[RowRule]:
    return (
        Between("numerator", 0, strict_min=True),
        Between("denominator", 0, strict_min=True),
        _not_after_today("split_date", facts),
    )


def _factors_rules(facts: TableFacts) -> Sequence[RowRule]:
    # a split factor is above 1 for a reverse split; a dividend factor outside (0, 1] would raise or negate prices
    return (Between("split_factor", 0, strict_min=True), Between("dividend_factor", 0, 1, strict_min=True))


def _dividends_rules(facts: TableFacts) -> Sequence[RowRule]:
    return (
        Between("dividend", 0, strict_min=True),
        Between("adj_dividend", 0, strict_min=True),
        NotLess("payment_date", "ex_date"),
        NotLess("ex_date", "declaration_date"),
    )


# The reconciliation checks of marts.price_anomalies: a warning, never a reason to stop (FMP's data is what it is).
RECONCILIATION_ANOMALIES = {
    "split_mismatch": "every split of marts.splits shows in the prices",
    "dividend_mismatch": "every step of adj_close / close is a dividend of marts.dividends, of its size",
    "adjusted_mismatch": "our adj_close agrees with FMP's dividend-adjusted close, within adjusted_tolerance",
}


def _anomalies_rules(facts: TableFacts) -> Sequence[RowRule]:
    return tuple(
        RowCondition(f"no_{anomaly}", description, f"anomaly = {literal(anomaly)}", ("anomaly",))
        for anomaly, description in RECONCILIATION_ANOMALIES.items()
    )


SUITES = (
    Dataset(
        name="symbols",
        table="marts.symbols",
        critical=True,
        description="The symbol universe: one row per ticker with its company, exchange and flags.",
        key=primary_key("symbols"),
        required=(),
        rules=_symbols_rules,
        freshness=Freshness("last_seen_at", max_age=SYMBOLS.freshness.warn_after),
    ),
    Dataset(
        name="daily_prices",
        table="marts.daily_prices",
        critical=True,
        description="Daily OHLCV per symbol: split-adjusted close, split- and dividend-adjusted adj_close.",
        key=primary_key("daily_prices"),
        required=("open", "high", "low", "close", "volume"),
        rules=_prices_rules,
        freshness=Freshness("price_date", max_lag_trading_days=1),
    ),
    Dataset(
        name="daily_ma",
        table="marts.daily_ma",
        critical=True,
        description="Simple moving averages of close over each symbol's last N trading rows.",
        key=primary_key("daily_ma"),
        required=("close",),
        rules=_moving_average_rules,
        table_rules=_moving_average_table_rules,
        freshness=Freshness("price_date", max_lag_trading_days=1),
    ),
    Dataset(
        name="ratios",
        table="marts.ratios",
        critical=False,
        description="Financial ratios per company and fiscal period, as FMP reports them.",
        key=primary_key("ratios"),
        required=("fiscal_year",),
        rules=_ratios_rules,
        history="marts.ratios_history",
        # A fiscal year plus the weeks it takes to file its report.
        freshness=Freshness("period_end_date", max_age=timedelta(days=460)),
    ),
    Dataset(
        name="symbol_history",
        table="marts.symbol_history",
        critical=False,
        description="The screener's universe over time: one row per stretch a symbol was listed unchanged.",
        key=primary_key("symbol_history"),
        required=("is_current",),
        rules=lambda facts: (Matches("symbol", tickers.PATTERN),),
    ),
    Dataset(
        name="symbol_changes",
        table="marts.symbol_changes",
        critical=False,
        description="Ticker changes: old and new ticker, the day of the change and the company.",
        key=primary_key("symbol_changes"),
        required=(),
        rules=lambda facts: (_not_after_today("change_date", facts),),
        may_be_empty=True,  # as its raw table: a market can go without ticker changes
    ),
    Dataset(
        name="symbol_securities",
        table="marts.symbol_securities",
        critical=False,
        description="Ticker periods and the security (company) each belongs to, across ticker changes.",
        key=primary_key("symbol_securities"),
        required=("security_id", "ticker_number"),
    ),
    Dataset(
        name="securities",
        table="marts.securities",
        critical=False,
        description="The security master: one row per company, its tickers, trading days and delisting.",
        key=primary_key("securities"),
        required=("current_symbol",),
    ),
    Dataset(
        name="security_daily_prices",
        table="marts.security_daily_prices",
        critical=False,
        description="One continuous daily history per security, each trading day once across ticker changes.",
        key=primary_key("security_daily_prices"),
        required=("symbol", "close"),
        rules=_prices_rules,
        freshness=Freshness("price_date", max_lag_trading_days=1),
    ),
    # Corporate actions: warnings only. Symbols go months without one, so there is no freshness to judge.
    Dataset(
        name="splits",
        table="marts.splits",
        critical=False,
        description="Stock splits per symbol and split date, with their ratio.",
        key=primary_key("splits"),
        required=("numerator", "denominator"),
        rules=_splits_rules,
        may_be_empty=True,
    ),
    Dataset(
        name="adjustment_factors",
        table="marts.adjustment_factors",
        critical=False,
        description="Our split and dividend factors per symbol and event date, and their products.",
        key=primary_key("adjustment_factors"),
        required=("split_factor", "dividend_factor", "split_multiplier", "dividend_multiplier"),
        rules=_factors_rules,
        may_be_empty=True,
    ),
    Dataset(
        name="dividends",
        table="marts.dividends",
        critical=False,
        description="Dividends per symbol, ex-date and amount (regular and special payments alike).",
        key=primary_key("dividends"),
        required=("adj_dividend",),
        rules=_dividends_rules,
        may_be_empty=True,
    ),
    Dataset(
        name="price_anomalies",
        table="marts.price_anomalies",
        critical=False,
        description="Suspicious price days and the days prices disagree with splits or dividends.",
        key=primary_key("price_anomalies"),
        required=("detail",),
        rules=_anomalies_rules,
        may_be_empty=True,
    ),
    # The histories hold every version FMP served: the same measures as their current marts, over all of them
    # (the validity chain is the dbt tests' business). Not critical: a past version is what it was.
    Dataset(
        name="daily_prices_history",
        table="marts.daily_prices_history",
        critical=False,
        description="Every version of each symbol's trading days the warehouse has held, with its validity.",
        key=primary_key("daily_prices_history"),
        required=("open", "high", "low", "close", "volume"),
        rules=_bar_rules,
        freshness=Freshness("price_date", max_lag_trading_days=1),
    ),
    Dataset(
        name="ratios_history",
        table="marts.ratios_history",
        critical=False,
        description="Every version (restatements included) of each symbol's fiscal-period ratios, with its validity.",
        key=primary_key("ratios_history"),
        required=("fiscal_year",),
        rules=_ratios_rules,
        freshness=Freshness("period_end_date", max_age=timedelta(days=460)),
    ),
    *_statement_suites(),
)
