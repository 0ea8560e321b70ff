"""The synthetic listing: tickers, names, exchanges, sectors and the traits that drive each price history.

Everything here is drawn once from the seed. Most symbols are NASDAQ common stocks; a few are NYSE listings
(one with a dashed share class), ETFs, funds, a delisted stock and a late listing, so that screener filters
and universe logic have something to bite on.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, replace
from datetime import date

from fmp_elt.simulator.calendar import trading_days

_SYLLABLES = (
    "al", "ar", "bel", "cor", "dan", "el", "fin", "gal", "hal", "ion", "jen", "kor", "lum", "mar", "nex",
    "or", "pra", "quin", "ros", "sol", "tan", "ul", "ver", "wex", "xan", "yor", "zen",
)  # fmt: skip
_SUFFIXES = ("Inc.", "Corporation", "Holdings, Inc.", "Technologies Inc.", "Group, Inc.", "Systems, Inc.")
SECTORS = (
    ("Technology", "Consumer Electronics"),
    ("Technology", "Software - Infrastructure"),
    ("Technology", "Semiconductors"),
    ("Healthcare", "Biotechnology"),
    ("Healthcare", "Medical - Devices"),
    ("Financial Services", "Banks - Regional"),
    ("Consumer Cyclical", "Specialty Retail"),
    ("Communication Services", "Internet Content & Information"),
    ("Industrials", "Aerospace & Defense"),
    ("Energy", "Oil & Gas Exploration & Production"),
    ("Consumer Defensive", "Beverages - Non-Alcoholic"),
)
_NASDAQ_TIERS = ("NASDAQ Global Select", "NASDAQ Global Market", "NASDAQ Capital Market")
NYSE_NAME = "New York Stock Exchange"
_STATES = (("Cupertino", "CA"), ("Austin", "TX"), ("Boston", "MA"), ("Seattle", "WA"), ("Chicago", "IL"))
_SPLIT_RATIOS = ((2, 1), (3, 1), (4, 1), (3, 2), (5, 1))


@dataclass(frozen=True)
class Split:
    date: date
    numerator: float
    denominator: float

    @property
    def ratio(self) -> float:
        return self.numerator / self.denominator


@dataclass(frozen=True)
class Dividend:
    date: date  # ex-dividend date
    amount: float  # as paid, per share on that date
    frequency: str = "Quarterly"  # FMP's label: Quarterly, Semi-Annual, Annual, Monthly, Irregular (specials)
    in_calendar: bool = True  # False: the market-wide dividends-calendar misses it (the symbol's list has it)
    listed_amount: float | None = None  # what `dividends` and the calendar say, when FMP lists it wrong


Day = date  # the field `date` below shadows the type inside the class


@dataclass(frozen=True)
class SymbolChange:
    """A ticker change, as `symbol-change` lists it."""

    date: date
    company_name: str
    old_symbol: str
    new_symbol: str
    published: Day | None = None  # when symbol-change first lists it (None: on its date)

    @property
    def listed_from(self) -> Day:
        return self.published or self.date


@dataclass(frozen=True)
class Profile:
    """One listed security and the parameters of its synthetic history."""

    symbol: str
    company_name: str
    exchange: str  # long name, as the screener returns it
    exchange_short: str  # NASDAQ / NYSE, what the screener filters on
    sector: str
    industry: str
    is_etf: bool
    is_fund: bool
    beta: float
    shares: int
    listed: date
    delisted: date | None
    start_price: float
    drift: float  # annual log drift
    volatility: float  # annual
    base_volume: int
    dividend_yield: float  # annual, 0 when the symbol pays none
    splits: tuple[Split, ...] = ()
    fiscal_year_end_month: int = 12
    cik: str = ""
    founded: str = ""
    head_quarter: str = ""

    @property
    def is_common_stock(self) -> bool:
        return not (self.is_etf or self.is_fund)

    def is_active(self, today: date) -> bool:
        return self.delisted is None or self.delisted > today


def _ticker(rng: random.Random, taken: set[str]) -> str:
    while True:
        length = rng.choices((1, 2, 3, 4, 5), weights=(1, 3, 8, 10, 2))[0]
        ticker = "".join(rng.choice(string.ascii_uppercase) for _ in range(length))
        if ticker not in taken:
            taken.add(ticker)
            return ticker


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()


@dataclass
class _Roles:
    """Which positions of the shuffled universe get the special traits."""

    etf: set[int]
    fund: set[int]
    inactive: set[int]
    nyse: set[int]
    dashed: int | None
    late: int | None
    split: set[int]


def _roles(n: int, rng: random.Random) -> _Roles:
    order = rng.sample(range(n), n)

    def take(count: int) -> set[int]:
        taken = set(order[:count])
        del order[:count]
        return taken

    etf = take(max(1, n // 20) if n >= 5 else 0)
    fund = take(max(1, n // 40) if n >= 7 else 0)
    inactive = take(max(1, n // 25) if n >= 6 else 0)
    dashed = next(iter(take(1))) if n >= 3 else None
    nyse = take(max(1, n // 8) if n >= 4 else 0) | ({dashed} if dashed is not None else set())
    late = next(iter(take(1))) if n >= 8 else None
    # Splits go to plain, long-listed, active stocks so they show in every default window.
    split = take(max(1, n // 6) if n >= 3 else 0)
    return _Roles(etf, fund, inactive, nyse, dashed, late, split)


def build_universe(n: int, seed: int, start: date, end: date) -> list[Profile]:
    """`n` profiles in ticker order, identical for the same arguments."""
    rng = random.Random(f"universe/{seed}")
    roles = _roles(n, rng)
    taken: set[str] = set()
    days = trading_days(start, end)
    profiles = []
    for i in range(n):
        base = _ticker(rng, taken)
        symbol = f"{base[:4]}-B" if i == roles.dashed else base
        taken.add(symbol)
        profiles.append(_profile(i, symbol, rng, roles, days))
    return sorted(profiles, key=lambda p: p.symbol)


def _profile(i: int, symbol: str, rng: random.Random, roles: _Roles, days: list[date]) -> Profile:
    name = _name(rng)
    is_etf, is_fund = i in roles.etf, i in roles.fund
    sector, industry = rng.choice(SECTORS)
    if is_etf:
        company, sector, industry = f"{name} Growth ETF", "Financial Services", "Asset Management"
    elif is_fund:
        company, sector, industry = f"{name} Income Fund", "Financial Services", "Asset Management"
    elif i == roles.dashed:
        company = f"{name} Holdings, Inc. Class B"
    else:
        company = f"{name} {rng.choice(_SUFFIXES)}"
    nyse = i in roles.nyse
    start_price = round(rng.lognormvariate(3.8, 0.8), 2)
    shares = int(rng.lognormvariate(20.0, 1.4))
    listed = days[0]
    if i == roles.late:
        listed = days[len(days) * 3 // 5]
    delisted = days[len(days) - 1 - min(250, len(days) // 6)] if i in roles.inactive else None
    city, state = rng.choice(_STATES)
    profile = Profile(
        symbol=symbol,
        company_name=company,
        exchange=NYSE_NAME if nyse else rng.choice(_NASDAQ_TIERS),
        exchange_short="NYSE" if nyse else "NASDAQ",
        sector=sector,
        industry=industry,
        is_etf=is_etf,
        is_fund=is_fund,
        beta=round(rng.uniform(0.4, 1.9), 3),
        shares=shares,
        listed=listed,
        delisted=delisted,
        start_price=start_price,
        drift=rng.uniform(-0.05, 0.18),
        volatility=rng.uniform(0.15, 0.55) if not (is_etf or is_fund) else rng.uniform(0.08, 0.2),
        base_volume=int(rng.lognormvariate(14.5, 1.0)),
        dividend_yield=round(rng.uniform(0.005, 0.04), 4) if rng.random() < 0.5 or is_fund else 0.0,
        fiscal_year_end_month=rng.choice((12, 12, 12, 9, 6, 3)),
        cik=f"{rng.randrange(1, 2_000_000):010d}",
        founded=str(rng.randrange(1900, 2015)),
        head_quarter=f"{city}, {state}",
    )
    if i in roles.split and len(days) > 400:
        split_day = days[rng.randrange(len(days) // 2, len(days) - 60)]
        numerator, denominator = rng.choice(_SPLIT_RATIOS)
        profile = replace(profile, splits=(Split(split_day, numerator, denominator),))
    return profile


def loaded_profile(symbol: str, first: date) -> Profile:
    """A plain NASDAQ profile for a symbol whose prices were loaded from real data."""
    return Profile(
        symbol=symbol,
        company_name=f"{symbol} Inc.",
        exchange=_NASDAQ_TIERS[0],
        exchange_short="NASDAQ",
        sector="Technology",
        industry="Consumer Electronics",
        is_etf=False,
        is_fund=False,
        beta=1.0,
        shares=1_000_000_000,
        listed=first,
        delisted=None,
        start_price=0.0,
        drift=0.0,
        volatility=0.0,
        base_volume=0,
        dividend_yield=0.0,
    )


def late_listing(symbol: str, company_name: str, listed: date, seed: int) -> Profile:
    """A NASDAQ common stock listed from `listed` (a new company, possibly under a ticker used before)."""
    rng = random.Random(f"listing/{seed}/{symbol}/{listed.isoformat()}")
    sector, industry = rng.choice(SECTORS)
    return Profile(
        symbol=symbol,
        company_name=company_name,
        exchange=rng.choice(_NASDAQ_TIERS),
        exchange_short="NASDAQ",
        sector=sector,
        industry=industry,
        is_etf=False,
        is_fund=False,
        beta=round(rng.uniform(0.4, 1.9), 3),
        shares=int(rng.lognormvariate(19.0, 1.0)),
        listed=listed,
        delisted=None,
        start_price=round(rng.lognormvariate(3.0, 0.5), 2),
        drift=rng.uniform(-0.05, 0.18),
        volatility=rng.uniform(0.2, 0.6),
        base_volume=int(rng.lognormvariate(13.5, 1.0)),
        dividend_yield=0.0,
        cik=f"{rng.randrange(1, 2_000_000):010d}",
    )
