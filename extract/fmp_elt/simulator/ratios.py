"""Synthetic financial ratios per fiscal period (`ratios`) and trailing twelve months (`ratios-ttm`).

Field names, order and JSON types follow FMP's live set (fmp/README.md, 4.3 and 4.4). Each symbol gets its own level
for every ratio, each period some noise around it, and the identities FMP's numbers obey hold here too
(margins that coincide, yield percentage = 100 x yield, free cash flow = operating cash flow - capex).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fmp_elt.simulator.universe import Profile

Record = dict[str, Any]

# name -> (typical level, kind). kind: "pos" positive and lognormal, "signed" may go negative,
# "flow" positive and accumulated over the period (a quarter is about a quarter of a year),
# "multiple" price over a flow (a quarter's is about four times the year's).
FIELDS: dict[str, tuple[float, str]] = {
    "grossProfitMargin": (0.45, "pos"),
    "ebitMargin": (0.2, "pos"),
    "ebitdaMargin": (0.25, "pos"),
    "operatingProfitMargin": (0.2, "pos"),
    "pretaxProfitMargin": (0.19, "pos"),
    "continuousOperationsProfitMargin": (0.15, "pos"),
    "netProfitMargin": (0.15, "pos"),
    "bottomLineProfitMargin": (0.15, "pos"),
    "receivablesTurnover": (6.0, "flow"),
    "payablesTurnover": (4.0, "flow"),
    "inventoryTurnover": (12.0, "flow"),
    "fixedAssetTurnover": (5.0, "flow"),
    "assetTurnover": (0.8, "flow"),
    "currentRatio": (1.5, "pos"),
    "quickRatio": (1.2, "pos"),
    "solvencyRatio": (0.3, "pos"),
    "cashRatio": (0.5, "pos"),
    "priceToEarningsRatio": (25.0, "multiple"),
    "priceToEarningsGrowthRatio": (1.5, "signed"),
    "forwardPriceToEarningsGrowthRatio": (1.5, "signed"),
    "priceToEarningsDilutedRatio": (25.0, "multiple"),
    "priceToEarningsDilutedGrowthRatio": (1.5, "signed"),
    "priceToBookRatio": (5.0, "pos"),
    "priceToSalesRatio": (4.0, "multiple"),
    "priceToFreeCashFlowRatio": (25.0, "multiple"),
    "priceToOperatingCashFlowRatio": (20.0, "multiple"),
    "debtToAssetsRatio": (0.3, "pos"),
    "debtToEquityRatio": (1.0, "pos"),
    "debtToCapitalRatio": (0.45, "pos"),
    "longTermDebtToCapitalRatio": (0.4, "pos"),
    "financialLeverageRatio": (2.5, "pos"),
    "workingCapitalTurnoverRatio": (5.0, "signed"),
    "operatingCashFlowRatio": (0.6, "pos"),
    "operatingCashFlowSalesRatio": (0.2, "pos"),
    "freeCashFlowOperatingCashFlowRatio": (0.8, "pos"),
    "debtServiceCoverageRatio": (5.0, "pos"),
    "interestCoverageRatio": (12.0, "pos"),
    "shortTermOperatingCashFlowCoverageRatio": (4.0, "pos"),
    "operatingCashFlowCoverageRatio": (1.0, "pos"),
    "capitalExpenditureCoverageRatio": (6.0, "pos"),
    "dividendPaidAndCapexCoverageRatio": (3.0, "pos"),
    "dividendPayoutRatio": (0.2, "pos"),
    "dividendYield": (0.01, "pos"),
    "dividendYieldPercentage": (1.0, "pos"),
    "revenuePerShare": (20.0, "flow"),
    "netIncomePerShare": (3.0, "flow"),
    "interestDebtPerShare": (5.0, "pos"),
    "cashPerShare": (4.0, "pos"),
    "bookValuePerShare": (8.0, "pos"),
    "tangibleBookValuePerShare": (6.0, "pos"),
    "shareholdersEquityPerShare": (8.0, "pos"),
    "operatingCashFlowPerShare": (4.0, "flow"),
    "capexPerShare": (0.8, "flow"),
    "freeCashFlowPerShare": (3.2, "flow"),
    "netIncomePerEBT": (0.78, "pos"),
    "ebtPerEbit": (0.97, "pos"),
    "priceToFairValue": (5.0, "pos"),
    "debtToMarketCap": (0.05, "pos"),
    "effectiveTaxRate": (0.21, "pos"),
    "enterpriseValueMultiple": (18.0, "multiple"),
    "dividendPerShare": (0.8, "flow"),
}
RATIO_FIELDS = tuple(FIELDS)
TTM_FIELDS = tuple(
    name
    for field in RATIO_FIELDS
    if field != "dividendYieldPercentage"
    for name in ((f"{field}TTM", "enterpriseValueTTM") if field == "dividendYield" else (f"{field}TTM",))
)
QUARTER_FILING_LAG = timedelta(days=35)
ANNUAL_FILING_LAG = timedelta(days=60)


@dataclass(frozen=True)
class PeriodRow:
    available: date  # first day the row is served
    period: str  # FY, Q1..Q4
    record: Record


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def fiscal_quarters(fy_end_month: int, first: date, last: date) -> list[tuple[date, str, int]]:
    """(period end, "Q1".."Q4", fiscal year) of every quarter ending in [first, last], oldest first."""
    out = []
    for year in range(first.year, last.year + 1):
        for month in range(1, 13):
            months_to_fy_end = (fy_end_month - month) % 12
            if months_to_fy_end % 3:
                continue
            end = _month_end(year, month)
            if first <= end <= last:
                fiscal_year = year + (1 if month + months_to_fy_end > 12 else 0)
                out.append((end, f"Q{4 - months_to_fy_end // 3}", fiscal_year))
    return out


def _levels(profile: Profile, seed: int) -> dict[str, float]:
    """The symbol's own level of every ratio."""
    rng = random.Random(f"ratios/{seed}/{profile.symbol}")
    levels = {}
    for name, (typical, kind) in FIELDS.items():
        factor = rng.lognormvariate(0.0, 0.35)
        levels[name] = typical * factor if kind != "signed" else typical * rng.uniform(-1.5, 2.5)
    if rng.random() < 0.25:
        levels["interestCoverageRatio"] = 0  # FMP's value when the denominator is zero
    return levels


def _values(levels: dict[str, float], profile: Profile, rng: random.Random, quarter: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (_, kind) in FIELDS.items():
        level = levels[name]
        noisy = level * rng.lognormvariate(0.0, 0.12) if level else level
        if quarter and kind == "flow":
            noisy /= 4.0
        elif quarter and kind == "multiple":
            noisy *= 4.0
        values[name] = noisy
    # FMP's figures obey these identities; keep them so derived checks hold.
    values["operatingProfitMargin"] = values["ebitMargin"]
    values["continuousOperationsProfitMargin"] = values["netProfitMargin"]
    values["bottomLineProfitMargin"] = values["netProfitMargin"]
    values["shareholdersEquityPerShare"] = values["bookValuePerShare"]
    values["priceToFairValue"] = values["priceToBookRatio"]
    values["freeCashFlowPerShare"] = values["operatingCashFlowPerShare"] - values["capexPerShare"]
    values["freeCashFlowOperatingCashFlowRatio"] = values["freeCashFlowPerShare"] / values["operatingCashFlowPerShare"]
    if not profile.dividend_yield:
        for name in ("dividendPayoutRatio", "dividendYield", "dividendPerShare"):
            values[name] = 0
    values["dividendYieldPercentage"] = values["dividendYield"] * 100
    return values


def period_rows(profile: Profile, seed: int, end: date) -> list[PeriodRow]:
    """Every FY and quarter row the symbol ever gets up to `end`, oldest first (funds and ETFs: none)."""
    if not profile.is_common_stock:
        return []
    last = min(end, profile.delisted) if profile.delisted else end
    levels = _levels(profile, seed)
    rows = []
    for period_end, quarter, fiscal_year in fiscal_quarters(profile.fiscal_year_end_month, profile.listed, last):
        periods = (quarter, "FY") if quarter == "Q4" else (quarter,)
        for period in periods:
            rng = random.Random(f"ratios/{seed}/{profile.symbol}/{fiscal_year}/{period}")
            record: Record = {
                "symbol": profile.symbol,
                "date": period_end.isoformat(),
                "fiscalYear": str(fiscal_year),
                "period": period,
                "reportedCurrency": "USD",
            }
            record.update(_values(levels, profile, rng, quarter=period != "FY"))
            lag = ANNUAL_FILING_LAG if period == "FY" else QUARTER_FILING_LAG
            rows.append(PeriodRow(period_end + lag, period, record))
    return rows


def ttm_record(profile: Profile, seed: int, as_of: date, market_cap: float) -> Record:
    """The trailing-twelve-months snapshot served on `as_of` (it moves with each new quarter)."""
    levels = _levels(profile, seed)
    quarter = (as_of - QUARTER_FILING_LAG).toordinal() // 91
    values = _values(levels, profile, random.Random(f"ratios-ttm/{seed}/{profile.symbol}/{quarter}"), False)
    values["enterpriseValue"] = round(market_cap * (1.0 + values["debtToMarketCap"]))
    record: Record = {"symbol": profile.symbol}
    for name in TTM_FIELDS:
        record[name] = values[name[:-3]]
    return record
