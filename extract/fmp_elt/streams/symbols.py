"""The symbol universe: NASDAQ-listed common stocks from `company-screener`, or an explicit list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.base import Cursor, CursorUpdate, Landing, Stream, StreamContext, Unit, UnitResult
from fmp_elt.streams.dataset import WEEKDAY_LOADS, RawDataset
from fmp_elt.streams.paging import read_pages

PAGE_SIZE = 10_000
MAX_PAGES = 100
# Symbols the screener answered, apart from explicit lists: the universe a symbol can leave (an explicit list
# says which symbols to fetch, not that the others are gone).
SCREENED = "screened"
NASDAQ_FILTERS = {"exchange": "NASDAQ", "isEtf": "false", "isFund": "false", "isActivelyTrading": "true"}

SYMBOLS = RawDataset(
    table="raw.fmp_symbols",
    description="the symbol universe: screener rows, or bare symbols of an explicit list",
    endpoints=("company-screener", "symbol-list"),
    job="symbols",
    record_key=("symbol", "_endpoint"),  # screener and explicit-list versions are kept apart
    freshness=WEEKDAY_LOADS,
    fields=("symbol",),
    per_symbol=False,
    source_doc=(
        "Symbol records: the `company-screener` universe (15 keys: symbol, companyName, marketCap, sector, "
        "industry, beta, price, lastAnnualDividend, volume, exchange, exchangeShortName, country, isEtf, isFund, "
        "isActivelyTrading), or `stock-list` / `symbol-list` entries that may carry only the symbol."
    ),
)


class SymbolsStream(Stream[StreamContext]):
    name = "symbols"
    cursor_streams: tuple[str, ...] = ("symbols",)
    datasets: tuple[RawDataset, ...] = (SYMBOLS,)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        yield Unit("explicit" if explicit_symbols(ctx) else "company-screener")

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        if explicit := explicit_symbols(ctx):
            records: list[Any] = [{"symbol": s} for s in explicit]
            endpoint = "symbol-list"
        else:
            records, endpoint = screen_nasdaq(client), "company-screener"
        seen = Cursor(newest_date=ctx.today, oldest_date=ctx.today)
        result = UnitResult(landings=[Landing(SYMBOLS.table, endpoint, None, records)])
        for record in records:
            symbol = record.get("symbol") if isinstance(record, dict) else None
            if isinstance(symbol, str) and symbol:
                result.cursors.append(CursorUpdate("symbols", symbol, seen))
                if endpoint == "company-screener":
                    result.cursors.append(CursorUpdate(SCREENED, symbol, seen))
            else:
                result.records_failed += 1
        return result


def explicit_symbols(ctx: StreamContext) -> list[str]:
    """--symbols, else FMP_SYMBOLS: a fixed universe instead of the screener."""
    return ctx.options.symbols or list(ctx.settings.symbols)


def screen_nasdaq(client: FmpClient) -> list[Any]:
    """Every page of the screener, 0-based, until a short page."""
    pages = read_pages(client, "company-screener", NASDAQ_FILTERS, limit=PAGE_SIZE, max_pages=MAX_PAGES)
    return [row for page in pages for row in page]


STREAM = SymbolsStream()
