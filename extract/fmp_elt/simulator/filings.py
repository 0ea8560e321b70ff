"""When each fiscal period is filed, how FMP dates it, and the filers that make point-in-time reads hard.

A 10-Q is accepted 25 to 44 days after the quarter ends, a 10-K (which also carries Q4) 50 to 75 days after the
year ends; about a third of filings are accepted after 17:30 New York time and get the next business day as their
filing date, as EDGAR does. Three filers in every universe large enough stand out:

- a foreign filer, reporting in another currency than it trades in;
- a 52/53-week filer, whose periods end on the last Saturday of the month: FMP first dates such a period at the
  month end and re-dates it a quarter later (09-30 becomes 09-28);
- a restater, whose fiscal year's figures change when the next year's 10-K restates them; FMP restates in place
  and keeps the original filing and acceptance dates.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from fmp_elt.simulator.ratios import fiscal_quarters
from fmp_elt.simulator.universe import Profile

REDATED_AFTER = timedelta(days=91)  # a 52/53-week period keeps its month-end date this long after acceptance
FOREIGN_CURRENCIES = (("EUR", 0.92), ("JPY", 150.0), ("TWD", 32.0))  # (currency, units per USD)


@dataclass(frozen=True)
class FilerTraits:
    reported_currency: str = "USD"
    currency_per_usd: float = 1.0
    week_based: bool = False  # 52/53-week fiscal year
    restates: bool = False  # each fiscal year is restated by the next year's 10-K


PLAIN = FilerTraits()


def filer_traits(profiles: Iterable[Profile], seed: int) -> dict[str, FilerTraits]:
    """The special filers of a universe (every other symbol is PLAIN), the same for the same seed."""
    commons = sorted(p.symbol for p in profiles if p.is_common_stock)
    rng = random.Random(f"filers/{seed}")
    rng.shuffle(commons)
    traits: dict[str, FilerTraits] = {}
    if len(commons) >= 1:
        currency, rate = rng.choice(FOREIGN_CURRENCIES)
        traits[commons[0]] = FilerTraits(reported_currency=currency, currency_per_usd=rate)
    if len(commons) >= 2:
        traits[commons[1]] = FilerTraits(week_based=True)
    if len(commons) >= 3:
        traits[commons[2]] = FilerTraits(restates=True)
    return traits


@dataclass(frozen=True)
class Filing:
    """One fiscal period's statements as filed."""

    fiscal_year: int
    period: str  # FY, Q1..Q4
    month_end: date  # the period end FMP first serves
    fiscal_end: date  # the period's real last day (differs for a 52/53-week filer)
    accepted: datetime  # EDGAR acceptance, New York wall clock
    filing_date: date
    restated_from: datetime | None  # when FMP starts serving restated figures (the next 10-K), if ever

    def period_end(self, today: date) -> date:
        """The period end FMP serves on `today`: re-dated a quarter after acceptance."""
        if self.fiscal_end != self.month_end and today >= self.accepted.date() + REDATED_AFTER:
            return self.fiscal_end
        return self.month_end

    def restated(self, today: date) -> bool:
        return self.restated_from is not None and today >= self.restated_from.date()


def _last_saturday(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 5) % 7)


def _next_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def company_key(profile: Profile) -> str:
    """What a company's filings are drawn from: its CIK, which a ticker change keeps."""
    return profile.cik or profile.symbol


def _acceptance(seed: int, company: str, fiscal_year: int, annual: bool, end: date) -> tuple[datetime, date]:
    rng = random.Random(f"filing/{seed}/{company}/{fiscal_year}/{'K' if annual else end.isoformat()}")
    day = _next_business_day(end + timedelta(days=rng.randint(50, 75) if annual else rng.randint(25, 44)))
    if rng.random() < 0.35:  # accepted in the evening: EDGAR dates it the next business day
        accepted = datetime.combine(day, time(rng.randint(17, 21), rng.randint(30, 59), rng.randint(0, 59)))
        return accepted, _next_business_day(day + timedelta(days=1))
    accepted = datetime.combine(day, time(rng.randint(6, 17), rng.randint(0, 29), rng.randint(0, 59)))
    return accepted, day


def filings(profile: Profile, seed: int, traits: FilerTraits, end: date) -> list[Filing]:
    """Every period the company files for up to `end` (period ends; FY and Q4 share the 10-K), oldest first."""
    if not profile.is_common_stock:
        return []
    last = min(end, profile.delisted) if profile.delisted else end
    out: list[Filing] = []
    for month_end, quarter, fiscal_year in fiscal_quarters(profile.fiscal_year_end_month, profile.listed, last):
        fiscal_end = _last_saturday(month_end) if traits.week_based else month_end
        annual = quarter == "Q4"
        accepted, filing_date = _acceptance(seed, company_key(profile), fiscal_year, annual, month_end)
        for period in (quarter, "FY") if annual else (quarter,):
            out.append(Filing(fiscal_year, period, month_end, fiscal_end, accepted, filing_date, None))
    if traits.restates:
        ten_k = {f.fiscal_year: f.accepted for f in out if f.period == "FY"}
        out = [replace(f, restated_from=ten_k.get(f.fiscal_year + 1)) if f.period == "FY" else f for f in out]
    return out
