"""historical-price-eod/{full,light,non-split-adjusted,dividend-adjusted}: one symbol's daily bars."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fmp_elt.simulator.calendar import years_before
from fmp_elt.simulator.market import PriceSeries
from fmp_elt.simulator.routes.common import Call, Record

MAX_ROWS = 5000  # FMP's cap per call; longer ranges lose their oldest rows
DEFAULT_YEARS = 5  # no `from`: about five years back from `to`

Renderer = Callable[[PriceSeries, range, date], list[Record]]  # the bars of a window, as FMP serves them today


def _eod(render: Renderer) -> Callable[[Call], list[Record]]:
    def handler(call: Call) -> list[Record]:
        symbol = call.symbol()
        if symbol is None:
            return []
        requested_from, requested_to = call.optional_date("from"), call.optional_date("to")
        series = call.market.series(symbol)
        if series is None:
            return []
        today = call.market.today
        last = min(requested_to or today, today)
        first = requested_from or years_before(requested_to or today, DEFAULT_YEARS)
        first = max(first, call.market.history_floor(call.plan.history_years))
        if first > last:
            return []
        return render(series, series.window(first, last, cap=MAX_ROWS), today)

    return handler


full = _eod(lambda series, rows, today: series.full_records(rows))
light = _eod(lambda series, rows, today: series.light_records(rows))
non_split_adjusted = _eod(lambda series, rows, today: series.raw_records(rows))
_dividend_adjusted = _eod(PriceSeries.dividend_adjusted_records)


def dividend_adjusted(call: Call) -> list[Record]:
    """The dividend-adjusted series, less the sessions `Faults.adjusted_gaps` leaves out of it."""
    records = _dividend_adjusted(call)
    gaps = call.faults.adjusted_gaps
    return [r for r in records if (r["symbol"], r["date"]) not in gaps] if gaps else records
