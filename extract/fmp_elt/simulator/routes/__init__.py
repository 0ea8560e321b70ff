"""The /stable/ endpoints the simulator serves, and the lowest plan that may call each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fmp_elt.simulator.routes import bulk, corporate_actions, directory, fundamentals, prices
from fmp_elt.simulator.routes.common import Call, CsvTable, Payload, Record, Reply

__all__ = ["ROUTES", "Call", "CsvTable", "Payload", "Record", "Reply", "Route"]


@dataclass(frozen=True)
class Route:
    handler: Callable[[Call], Payload]
    min_plan: str
    bulk: bool = False  # CSV, behind the bulk throttle
    streamed: bool = False  # sent chunked, without Content-Length


ROUTES: dict[str, Route] = {
    "stock-list": Route(directory.stock_list, "starter"),
    "actively-trading-list": Route(directory.actively_trading_list, "starter"),
    "available-exchanges": Route(directory.available_exchanges, "starter"),
    "company-screener": Route(directory.company_screener, "starter"),
    "nasdaq-constituent": Route(directory.nasdaq_constituent, "premium"),
    "batch-exchange-quote": Route(directory.batch_exchange_quote, "ultimate"),
    "delisted-companies": Route(directory.delisted_companies, "starter"),
    "symbol-change": Route(directory.symbol_change, "starter"),
    "historical-price-eod/full": Route(prices.full, "basic"),
    "historical-price-eod/light": Route(prices.light, "basic"),
    "historical-price-eod/non-split-adjusted": Route(prices.non_split_adjusted, "basic"),
    "historical-price-eod/dividend-adjusted": Route(prices.dividend_adjusted, "basic"),
    "splits": Route(corporate_actions.splits, "basic"),
    "dividends": Route(corporate_actions.dividends, "basic"),
    "splits-calendar": Route(corporate_actions.splits_calendar, "starter"),
    "dividends-calendar": Route(corporate_actions.dividends_calendar, "starter"),
    "ratios": Route(fundamentals.ratios, "basic"),
    "ratios-ttm": Route(fundamentals.ratios_ttm, "basic"),
    "income-statement": Route(fundamentals.income_statement, "basic"),
    "balance-sheet-statement": Route(fundamentals.balance_sheet_statement, "basic"),
    "cash-flow-statement": Route(fundamentals.cash_flow_statement, "basic"),
    "eod-bulk": Route(bulk.eod_bulk, "ultimate", bulk=True, streamed=True),
    "ratios-ttm-bulk": Route(bulk.ratios_ttm_bulk, "ultimate", bulk=True),
    "income-statement-bulk": Route(bulk.income_statement_bulk, "ultimate", bulk=True),
    "balance-sheet-statement-bulk": Route(bulk.balance_sheet_statement_bulk, "ultimate", bulk=True),
    "cash-flow-statement-bulk": Route(bulk.cash_flow_statement_bulk, "ultimate", bulk=True),
}
