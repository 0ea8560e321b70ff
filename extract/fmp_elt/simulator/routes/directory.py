"""Universe endpoints: stock-list, actively-trading-list, available-exchanges, company-screener,
nasdaq-constituent, batch-exchange-quote, delisted-companies and symbol-change."""

from __future__ import annotations

import random
from collections.abc import Callable

from fmp_elt.simulator import responses
from fmp_elt.simulator.market_state import Quote
from fmp_elt.simulator.routes.common import Call, Record, Reply
from fmp_elt.simulator.universe import Profile

DEFAULT_SCREENER_LIMIT = 1000
MAX_CONSTITUENTS = 100

EXCHANGES: list[Record] = [
    {
        "exchange": "NASDAQ",
        "name": "National Association of Securities Dealers Automated Quotations",
        "countryName": "United States of America",
        "countryCode": "US",
        "symbolSuffix": "N/A",
        "delay": "Real-time",
    },
    {
        "exchange": "NYSE",
        "name": "New York Stock Exchange",
        "countryName": "United States of America",
        "countryCode": "US",
        "symbolSuffix": "N/A",
        "delay": "Real-time",
    },
    {
        "exchange": "AMEX",
        "name": "New York Stock Exchange Arca",
        "countryName": "United States of America",
        "countryCode": "US",
        "symbolSuffix": "N/A",
        "delay": "Real-time",
    },
    {
        "exchange": "LSE",
        "name": "London Stock Exchange",
        "countryName": "United Kingdom",
        "countryCode": "GB",
        "symbolSuffix": ".L",
        "delay": "20 min",
    },
    {
        "exchange": "TSX",
        "name": "Toronto Stock Exchange",
        "countryName": "Canada",
        "countryCode": "CA",
        "symbolSuffix": ".TO",
        "delay": "15 min",
    },
    {
        "exchange": "CRYPTO",
        "name": "Cryptocurrency",
        "countryName": None,
        "countryCode": None,
        "symbolSuffix": "N/A",
        "delay": None,
    },
]


def _wire_order(call: Call, profiles: list[Profile]) -> list[Profile]:
    """Directory lists come in no particular order on FMP; ours is shuffled, but the same every call."""
    shuffled = list(profiles)
    random.Random(f"wire/{call.market.seed}").shuffle(shuffled)
    return shuffled


def stock_list(call: Call) -> list[Record]:
    return [{"symbol": p.symbol, "companyName": p.company_name} for p in _wire_order(call, call.market.listed())]


def actively_trading_list(call: Call) -> list[Record]:
    today = call.market.today
    active = [p for p in call.market.listed() if p.is_active(today)]
    return [{"symbol": p.symbol, "name": p.company_name} for p in _wire_order(call, active)]


def available_exchanges(call: Call) -> list[Record]:
    return [dict(row) for row in EXCHANGES]


def _quoted(call: Call) -> list[tuple[Profile, Quote]]:
    market = call.market
    pairs = []
    for profile in market.listed():
        quote = market.quote(profile.symbol)
        if quote is not None:
            pairs.append((profile, quote))
    return pairs


def _screener_record(profile: Profile, quote: Quote, active: bool) -> Record:
    return {
        "symbol": profile.symbol,
        "companyName": profile.company_name,
        "marketCap": quote.market_cap,
        "sector": profile.sector,
        "industry": profile.industry,
        "beta": profile.beta,
        "price": quote.price,
        "lastAnnualDividend": quote.last_annual_dividend,
        "volume": quote.volume,
        "exchange": profile.exchange,
        "exchangeShortName": profile.exchange_short,
        "country": "US",
        "isEtf": profile.is_etf,
        "isFund": profile.is_fund,
        "isActivelyTrading": active,
    }


class _NoMatch(Exception):
    """A filter value nothing can match: FMP answers [] with 200."""


def _bounds(call: Call, name: str) -> tuple[float | None, float | None]:
    def number(param: str) -> float | None:
        value = call.text(param)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise _NoMatch from None

    return number(f"{name}MoreThan"), number(f"{name}LowerThan")


def _flag(call: Call, name: str) -> bool | None:
    value = call.text(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise _NoMatch
    return value.lower() == "true"


Check = Callable[[Record, Quote], bool]
_NUMERIC: dict[str, Callable[[Record, Quote], float]] = {
    "marketCap": lambda r, q: r["marketCap"],
    "price": lambda r, q: r["price"],
    "beta": lambda r, q: r["beta"],
    "volume": lambda r, q: r["volume"],
    "avgVolume": lambda r, q: q.avg_volume,
    "dividend": lambda r, q: r["lastAnnualDividend"],
}


def _at_least(value_of: Callable[[Record, Quote], float], bound: float) -> Check:
    return lambda r, q: value_of(r, q) >= bound


def _at_most(value_of: Callable[[Record, Quote], float], bound: float) -> Check:
    return lambda r, q: value_of(r, q) <= bound


def _equals(field: str, wanted: object) -> Check:
    return lambda r, q: r[field] == wanted


def _equals_text(field: str, wanted: str) -> Check:
    return lambda r, q: str(r[field]).lower() == wanted.lower()


def _one_of(field: str, wanted: set[str]) -> Check:
    return lambda r, q: r[field] in wanted


def _screener_filters(call: Call) -> list[Check]:
    """Bounds are inclusive; text filters ignore case; `exchange` takes short codes, comma-separated."""
    checks: list[Check] = []
    for name, value_of in _NUMERIC.items():
        low, high = _bounds(call, name)
        if low is not None:
            checks.append(_at_least(value_of, low))
        if high is not None:
            checks.append(_at_most(value_of, high))
    for field in ("sector", "industry", "country"):
        wanted = call.text(field)
        if wanted is not None:
            checks.append(_equals_text(field, wanted))
    exchange = call.text("exchange")
    if exchange is not None:
        checks.append(_one_of("exchangeShortName", {code.strip().upper() for code in exchange.split(",")}))
    for field in ("isEtf", "isFund", "isActivelyTrading"):
        flag = _flag(call, field)
        if flag is not None:
            checks.append(_equals(field, flag))
    return checks


def company_screener(call: Call) -> list[Record]:
    try:
        checks = _screener_filters(call)
    except _NoMatch:
        return []
    today = call.market.today
    rows = []
    for profile, quote in _quoted(call):
        record = _screener_record(profile, quote, profile.is_active(today))
        if all(check(record, quote) for check in checks):
            rows.append(record)
    rows.sort(key=lambda r: (-r["marketCap"], r["symbol"]))
    limit = max(0, call.integer("limit", DEFAULT_SCREENER_LIMIT))
    page = max(0, call.integer("page", 0))
    return rows[page * limit : (page + 1) * limit]


def nasdaq_constituent(call: Call) -> list[Record]:
    today = call.market.today
    members = [
        (profile, quote)
        for profile, quote in _quoted(call)
        if profile.exchange_short == "NASDAQ" and profile.is_common_stock and profile.is_active(today)
    ]
    members.sort(key=lambda pair: -pair[1].market_cap)
    return [
        {
            "symbol": profile.symbol,
            "name": profile.company_name,
            "sector": profile.sector,
            "subSector": profile.industry,
            "headQuarter": profile.head_quarter,
            "dateFirstAdded": _date_first_added(profile),
            "cik": profile.cik,
            "founded": profile.founded,
        }
        for profile, _ in members[:MAX_CONSTITUENTS]
    ]


def _date_first_added(profile: Profile) -> str | None:
    """A stable pseudo date drawn from the CIK; null for some members, as FMP has it."""
    number = int(profile.cik or "0")
    if number % 5 == 0:
        return None
    return f"{1990 + number % 30}-{1 + number % 12:02d}-{1 + number % 28:02d}"


def batch_exchange_quote(call: Call) -> list[Record]:
    exchange = call.required("exchange").upper()
    short = (call.text("short") or "true").lower() != "false"
    out = []
    for profile, quote in _quoted(call):
        if profile.exchange_short != exchange:
            continue
        if short:
            out.append({"symbol": profile.symbol, "price": quote.price, "change": quote.change, "volume": quote.volume})
        else:
            out.append(_full_quote(profile, quote))
    return out


def _full_quote(profile: Profile, quote: Quote) -> Record:
    return {
        "symbol": profile.symbol,
        "name": profile.company_name,
        "price": quote.price,
        "changePercentage": quote.change_percentage,
        "change": quote.change,
        "volume": quote.volume,
        "dayLow": quote.day_low,
        "dayHigh": quote.day_high,
        "yearHigh": quote.year_high,
        "yearLow": quote.year_low,
        "marketCap": quote.market_cap,
        "priceAvg50": quote.price_avg50,
        "priceAvg200": quote.price_avg200,
        "exchange": profile.exchange_short,
        "open": quote.open,
        "previousClose": quote.previous_close,
        "timestamp": quote.timestamp,
    }


DEFAULT_DELISTED_LIMIT = 100
DEFAULT_SYMBOL_CHANGE_LIMIT = 100


def delisted_companies(call: Call) -> list[Record]:
    """Paged with `page` (0-based) and `limit`; Starter is served page 0 only, later pages answer 402."""
    page = max(0, call.integer("page", 0))
    if page > 0 and call.plan.name == "starter":
        raise Reply(responses.restricted())
    limit = max(0, call.integer("limit", DEFAULT_DELISTED_LIMIT))
    rows = call.market.delisted()[page * limit : (page + 1) * limit]
    return [
        {
            "symbol": p.symbol,
            "companyName": p.company_name,
            "exchange": p.exchange_short,
            "ipoDate": p.listed.isoformat(),
            "delistedDate": p.delisted.isoformat() if p.delisted else None,
        }
        for p in rows
    ]


def symbol_change(call: Call) -> list[Record]:
    """The latest ticker changes first; `limit` (default 100) is honoured, `page` is ignored."""
    limit = max(0, call.integer("limit", DEFAULT_SYMBOL_CHANGE_LIMIT))
    return [
        {
            "date": c.date.isoformat(),
            "companyName": c.company_name,
            "oldSymbol": c.old_symbol,
            "newSymbol": c.new_symbol,
        }
        for c in call.market.symbol_changes()[:limit]
    ]
