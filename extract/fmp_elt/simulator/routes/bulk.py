"""Bulk endpoints (CSV): eod-bulk (every symbol's bar of one day) and ratios-ttm-bulk."""

from __future__ import annotations

from fmp_elt.simulator.ratios import TTM_FIELDS, ttm_record
from fmp_elt.simulator.routes.common import Call, CsvTable

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
