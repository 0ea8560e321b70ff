"""Bulk endpoints (CSV): eod-bulk (every symbol's bar of one day), ratios-ttm-bulk and the three statement bulks
(every company's statement of one fiscal year and period)."""

from __future__ import annotations

from collections.abc import Callable

from fmp_elt.simulator import responses
from fmp_elt.simulator.ratios import TTM_FIELDS, ttm_record
from fmp_elt.simulator.routes.common import Call, CsvTable, Reply
from fmp_elt.simulator.statements import STATEMENTS, statement_columns

STATEMENT_PERIODS = frozenset({"Q1", "Q2", "Q3", "Q4", "FY"})  # no `quarter`, no `annual`
EOD_COLUMNS = ("symbol", "date", "open", "low", "high", "close", "adjClose", "volume")


def eod_bulk(call: Call) -> CsvTable:
    """Weekends, holidays, future days and days beyond the plan's depth give a header-only CSV."""
    day = call.required_date("date")
    market = call.market
    table = CsvTable(EOD_COLUMNS)
    if day > market.today or day < market.history_floor(call.plan.history_years):
        return table
    for profile in market.listed():
        series = market.series(profile.symbol)
        i = series.index_of(day) if series is not None else None
        if series is None or i is None:
            continue
        o, h, low, c = series.ohlc(i)
        table.rows.append(
            {
                "symbol": profile.symbol,
                "date": series.day(i),
                "open": o,
                "low": low,
                "high": h,
                "close": c,
                "adjClose": series.adjusted_close(i, call.market.today),
                "volume": series.volume(i),
            }
        )
    return table


def ratios_ttm_bulk(call: Call) -> CsvTable:
    market = call.market
    table = CsvTable(("symbol", *TTM_FIELDS))
    for profile in market.listed():
        quote = market.quote(profile.symbol)
        if quote is not None and market.ratio_rows(profile.symbol):
            table.rows.append(ttm_record(profile, market.seed, market.today, quote.market_cap))
    return table


def _fiscal_year(call: Call) -> int:
    value = call.required("year")
    if not value.isdigit():
        raise Reply(responses.query_error("year"))
    return int(value)


def _statement_bulk(endpoint: str) -> Callable[[Call], CsvTable]:
    """The statement of one fiscal year and period for every company that has filed it by today: the records the
    per-symbol route serves (the same filing calendar, restatements and re-dated periods), as CSV."""
    build = STATEMENTS[endpoint]

    def handler(call: Call) -> CsvTable:
        year = _fiscal_year(call)
        period = call.required("period")
        if period not in STATEMENT_PERIODS:
            raise Reply(responses.query_error("period"))
        market = call.market
        table = CsvTable(statement_columns(endpoint))
        for profile in market.listed():
            traits = market.filer(profile.symbol)
            for filing in market.filings(profile.symbol):
                if filing.fiscal_year == year and filing.period == period:
                    table.rows.append(build(profile, market.seed, filing, traits, market.today))
        return table

    handler.__name__ = endpoint.replace("-", "_") + "_bulk"
    return handler


income_statement_bulk = _statement_bulk("income-statement")
balance_sheet_statement_bulk = _statement_bulk("balance-sheet-statement")
cash_flow_statement_bulk = _statement_bulk("cash-flow-statement")
