"""splits and dividends per symbol, and the market-wide splits-calendar and dividends-calendar.

Every event listed here is one the symbol's prices reflect: its split-adjusted bars are divided by the splits
after them, its dividend-adjusted bars scaled for the dividends after them (simulator/market.py). Only events
dated on or before 'today' are listed. A dividend added with `listed_as` is listed with that wrong amount
while its dividend-adjusted bars use the true one, as FMP's data sometimes is.

Choices where FMP's behaviour is not known: `recordDate` is the ex-date (T+1 settlement), `paymentDate` two
weeks later, `declarationDate` three weeks earlier; `yield` is the annualised dividend in percent of the close
before the ex-date (four payments a year for Quarterly, one otherwise); a calendar without `from`/`to` covers
the 30 days up to 'today'.
"""

from __future__ import annotations

from datetime import date, timedelta

from fmp_elt.simulator.market import PriceSeries
from fmp_elt.simulator.routes.common import Call, Record
from fmp_elt.simulator.universe import Dividend, Split

SPLITS_CALENDAR_LOOKBACK = timedelta(days=90)  # splits-calendar serves nothing older, whatever `from` says
DEFAULT_CALENDAR_SPAN = timedelta(days=30)
PAYMENTS_PER_YEAR = {"Monthly": 12, "Quarterly": 4, "Semi-Annual": 2}


def _number(value: float) -> float | int:
    """FMP writes whole ratios as integers (4, 1), others as decimals (1.5)."""
    return int(value) if float(value).is_integer() else value


def split_record(symbol: str, split: Split) -> Record:
    return {
        "symbol": symbol,
        "date": split.date.isoformat(),
        "numerator": _number(split.numerator),
        "denominator": _number(split.denominator),
    }


def dividend_record(series: PriceSeries, dividend: Dividend) -> Record:
    later_splits = 1.0
    for split in series.splits:
        if split.date > dividend.date:
            later_splits *= split.ratio
    close = series.raw_close_before(dividend.date)
    # FMP's own error: its lists keep a wrong amount while its dividend-adjusted series applies the right one
    amount = dividend.amount if dividend.listed_amount is None else dividend.listed_amount
    per_year = PAYMENTS_PER_YEAR.get(dividend.frequency, 1)
    return {
        "symbol": series.symbol,
        "date": dividend.date.isoformat(),
        "recordDate": dividend.date.isoformat(),
        "paymentDate": (dividend.date + timedelta(days=14)).isoformat(),
        "declarationDate": (dividend.date - timedelta(days=21)).isoformat(),
        "adjDividend": round(amount / later_splits, 6),
        "dividend": amount,
        "yield": 100.0 * amount * per_year / close if close else 0.0,
        "frequency": dividend.frequency,
    }


def _series(call: Call) -> PriceSeries | None:
    symbol = call.symbol()
    return None if symbol is None else call.market.series(symbol)


def splits(call: Call) -> list[Record]:
    series = _series(call)
    if series is None:
        return []
    today = call.market.today
    return [split_record(series.symbol, s) for s in reversed(series.splits) if s.date <= today]


def dividends(call: Call) -> list[Record]:
    series = _series(call)
    if series is None:
        return []
    today = call.market.today
    rows = [dividend_record(series, d) for d in reversed(series.dividends) if d.date <= today]
    return rows[: call.integer("limit", len(rows))]


def _market_events(call: Call) -> tuple[list[Record], list[Record]]:
    """Every listed symbol's splits and dividends up to 'today', newest first (then by symbol)."""

    def compute() -> tuple[list[Record], list[Record]]:
        split_rows, dividend_rows = [], []
        today = call.market.today
        for profile in call.market.listed():
            series = call.market.series(profile.symbol)
            if series is None:
                continue
            split_rows += [split_record(series.symbol, s) for s in series.splits if s.date <= today]
            dividend_rows += [dividend_record(series, d) for d in series.dividends if d.date <= today and d.in_calendar]
        newest_first = lambda row: (-date.fromisoformat(row["date"]).toordinal(), row["symbol"])  # noqa: E731
        return sorted(split_rows, key=newest_first), sorted(dividend_rows, key=newest_first)

    return call.market.derived("corporate-actions", compute)


def _window(call: Call) -> tuple[date, date]:
    last = call.optional_date("to") or call.market.today
    return call.optional_date("from") or last - DEFAULT_CALENDAR_SPAN, last


def _between(rows: list[Record], first: date, last: date) -> list[Record]:
    lo, hi = first.isoformat(), last.isoformat()
    return [row for row in rows if lo <= row["date"] <= hi]


def splits_calendar(call: Call) -> list[Record]:
    first, last = _window(call)
    first = max(first, call.market.today - SPLITS_CALENDAR_LOOKBACK)
    return _between(_market_events(call)[0], first, last)


def dividends_calendar(call: Call) -> list[Record]:
    """One page (0-based `page`) of the window's rows. With `Faults.calendar_seam_rows` = k, every page after the
    first starts k rows early, repeating the previous page's last k rows, and skips the k rows after its
    nominal start: each repeated row stands for one never served."""
    first, last = _window(call)
    rows = _between(_market_events(call)[1], first, last)
    size, page = call.market.calendar_page_rows, max(0, call.integer("page", 0))
    start, seam = page * size, min(call.faults.calendar_seam_rows, size // 2) if page else 0
    return rows[start - seam : start] + rows[start + seam : start + size]
