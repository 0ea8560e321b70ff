"""ratios (per fiscal period), ratios-ttm (the current trailing-twelve-months snapshot) and the financial
statements (income statement, balance sheet, cash flow), which share the ratios' `period` and `limit` rules."""

from __future__ import annotations

import re
from collections.abc import Callable

from fmp_elt.simulator import responses
from fmp_elt.simulator.ratios import ttm_record
from fmp_elt.simulator.routes.common import Call, Record, Reply
from fmp_elt.simulator.statements import STATEMENTS

DEFAULT_LIMIT = 5
MAX_LIMIT = 1000
_QUARTERS = {"q1", "q2", "q3", "q4"}


def _periods(call: Call) -> set[str]:
    """The `period` values asked for; FMP reads unknown words as annual but rejects Q5 and the like."""
    value = (call.text("period") or "annual").lower()
    if value in _QUARTERS:
        wanted = {value.upper()}
    elif value == "quarter":
        wanted = {"Q1", "Q2", "Q3", "Q4"}
    elif re.fullmatch(r"q\d+", value):
        raise Reply(responses.query_error("period"))
    else:
        wanted = {"FY"}
    if call.plan.annual_only and wanted != {"FY"}:
        raise Reply(responses.text(402, responses.premium_value("period")))
    return wanted


def _limit(call: Call) -> int:
    limit = call.integer("limit", DEFAULT_LIMIT)
    if call.plan.max_limit is not None and not 0 <= limit <= call.plan.max_limit:
        raise Reply(responses.text(402, responses.premium_limit(call.plan.max_limit)))
    return max(0, min(limit, MAX_LIMIT))


def ratios(call: Call) -> list[Record]:
    symbol = call.symbol()
    if symbol is None:
        return []
    periods = _periods(call)
    limit = _limit(call)
    rows = [row.record for row in reversed(call.market.ratio_rows(symbol)) if row.period in periods]
    return [dict(record) for record in rows[:limit]]


def ratios_ttm(call: Call) -> list[Record]:
    symbol = call.symbol()
    if symbol is None:
        return []
    market = call.market
    profile, quote = market.profile(symbol), market.quote(symbol)
    if profile is None or quote is None or not market.ratio_rows(symbol):
        return []
    return [ttm_record(profile, market.seed, market.today, quote.market_cap)]


def _statement(endpoint: str) -> Callable[[Call], list[Record]]:
    build = STATEMENTS[endpoint]

    def handler(call: Call) -> list[Record]:
        symbol = call.symbol()
        if symbol is None:
            return []
        periods, limit = _periods(call), _limit(call)
        market = call.market
        profile = market.profile(symbol)
        if profile is None:
            return []
        # newest first, as FMP answers
        filed = [f for f in reversed(market.filings(symbol)) if f.period in periods][:limit]
        traits, today = market.filer(symbol), market.today
        return [build(profile, market.seed, filing, traits, today) for filing in filed]

    handler.__name__ = endpoint.replace("-", "_")
    return handler


income_statement = _statement("income-statement")
balance_sheet_statement = _statement("balance-sheet-statement")
cash_flow_statement = _statement("cash-flow-statement")
