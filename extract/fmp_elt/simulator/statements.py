"""Synthetic financial statements: `income-statement`, `balance-sheet-statement`, `cash-flow-statement`.

Field names, order and JSON types follow FMP's stable records (tests/fixtures/fmp/ holds a recorded income
statement): the identity fields, `filingDate` and `acceptedDate` as strings, `fiscalYear` as a string, amounts as
JSON integers and per-share figures as floats. The figures obey the statements' own arithmetic (gross profit =
revenue - cost of revenue, assets = liabilities + equity, free cash flow = operating cash flow + capital
expenditure), and a fiscal year's flows are the sum of its four quarters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from fmp_elt.simulator.filings import FilerTraits, Filing, company_key
from fmp_elt.simulator.universe import Profile

Record = dict[str, Any]

CASH_TO_ANNUAL_REVENUE = 0.15  # the balance sheet's cash, which the cash flow statement ends on
RESTATEMENT_FACTOR = 0.97  # a restated year's income statement, relative to the figures first filed

IDENTITY = ("date", "symbol", "reportedCurrency", "cik", "filingDate", "acceptedDate", "fiscalYear", "period")


@dataclass(frozen=True)
class _Quarter:
    """A quarter's drivers, in US dollars."""

    revenue: float
    cost_ratio: float
    rnd: float
    sga: float
    other_expenses: float
    depreciation: float
    interest_income: float
    interest_expense: float
    other_income: float
    tax_rate: float
    shares: float
    dilution: float
    stock_comp: float
    working_capital: float
    capex: float
    dividends: float
    buybacks: float
    debt_issuance: float


def _annual_revenue(profile: Profile, seed: int) -> float:
    rng = random.Random(f"statements/{seed}/{company_key(profile)}")
    return profile.shares * max(profile.start_price, 1.0) * rng.lognormvariate(-0.6, 0.5)


def _quarter(profile: Profile, seed: int, fiscal_year: int, quarter: str) -> _Quarter:
    base = _annual_revenue(profile, seed) / 4.0
    rng = random.Random(f"statements/{seed}/{company_key(profile)}/{fiscal_year}/{quarter}")
    revenue = base * rng.lognormvariate(0.0, 0.08)
    return _Quarter(
        revenue=revenue,
        cost_ratio=rng.uniform(0.45, 0.65),
        rnd=revenue * rng.uniform(0.03, 0.1),
        sga=revenue * rng.uniform(0.06, 0.12),
        other_expenses=revenue * rng.uniform(0.0, 0.01),
        depreciation=revenue * rng.uniform(0.02, 0.05),
        interest_income=revenue * rng.uniform(0.0, 0.005),
        interest_expense=revenue * rng.uniform(0.0, 0.01),
        other_income=revenue * rng.uniform(-0.005, 0.005),
        tax_rate=rng.uniform(0.12, 0.25),
        shares=profile.shares * rng.uniform(0.99, 1.01),
        dilution=rng.uniform(1.0, 1.01),
        stock_comp=revenue * rng.uniform(0.005, 0.03),
        working_capital=revenue * rng.uniform(-0.05, 0.05),
        capex=revenue * rng.uniform(0.02, 0.07),
        dividends=revenue * (rng.uniform(0.02, 0.05) if profile.dividend_yield else 0.0),
        buybacks=revenue * rng.uniform(0.0, 0.05),
        debt_issuance=revenue * rng.uniform(-0.03, 0.03),
    )


def _quarters(profile: Profile, seed: int, filing: Filing) -> list[_Quarter]:
    if filing.period == "FY":
        return [_quarter(profile, seed, filing.fiscal_year, q) for q in ("Q1", "Q2", "Q3", "Q4")]
    return [_quarter(profile, seed, filing.fiscal_year, filing.period)]


def _identity(profile: Profile, filing: Filing, traits: FilerTraits, today: date) -> Record:
    return {
        "date": filing.period_end(today).isoformat(),
        "symbol": profile.symbol,
        "reportedCurrency": traits.reported_currency,
        "cik": profile.cik,
        "filingDate": filing.filing_date.isoformat(),
        "acceptedDate": filing.accepted.strftime("%Y-%m-%d %H:%M:%S"),
        "fiscalYear": str(filing.fiscal_year),
        "period": filing.period,
    }


def _amounts(record: Record, values: dict[str, float], scale: float) -> Record:
    for name, value in values.items():
        record[name] = int(round(value * scale, -3)) if name not in PER_SHARE else round(value * scale, 2)
    return record


PER_SHARE = frozenset({"eps", "epsDiluted"})


def income_statement(profile: Profile, seed: int, filing: Filing, traits: FilerTraits, today: date) -> Record:
    qs = _quarters(profile, seed, filing)
    revenue = sum(q.revenue for q in qs)
    cost = sum(q.revenue * q.cost_ratio for q in qs)
    rnd, sga = sum(q.rnd for q in qs), sum(q.sga for q in qs)
    other_expenses, depreciation = sum(q.other_expenses for q in qs), sum(q.depreciation for q in qs)
    interest_income, interest_expense = sum(q.interest_income for q in qs), sum(q.interest_expense for q in qs)
    other_income = sum(q.other_income for q in qs)
    operating_expenses = rnd + sga + other_expenses
    operating_income = revenue - cost - operating_expenses
    pretax = operating_income + interest_income - interest_expense + other_income
    tax = sum(q.tax_rate for q in qs) / len(qs) * pretax
    net_income = pretax - tax
    shares = sum(q.shares for q in qs) / len(qs)
    diluted = shares * sum(q.dilution for q in qs) / len(qs)
    values = {
        "revenue": revenue,
        "costOfRevenue": cost,
        "grossProfit": revenue - cost,
        "researchAndDevelopmentExpenses": rnd,
        "generalAndAdministrativeExpenses": sga * 0.4,
        "sellingAndMarketingExpenses": sga * 0.6,
        "sellingGeneralAndAdministrativeExpenses": sga,
        "otherExpenses": other_expenses,
        "operatingExpenses": operating_expenses,
        "costAndExpenses": cost + operating_expenses,
        "netInterestIncome": interest_income - interest_expense,
        "interestIncome": interest_income,
        "interestExpense": interest_expense,
        "depreciationAndAmortization": depreciation,
        "ebitda": operating_income + depreciation,
        "ebit": operating_income,
        "nonOperatingIncomeExcludingInterest": other_income,
        "operatingIncome": operating_income,
        "totalOtherIncomeExpensesNet": interest_income - interest_expense + other_income,
        "incomeBeforeTax": pretax,
        "incomeTaxExpense": tax,
        "netIncomeFromContinuingOperations": net_income,
        "netIncomeFromDiscontinuedOperations": 0.0,
        "otherAdjustmentsToNetIncome": 0.0,
        "netIncome": net_income,
        "netIncomeDeductions": 0.0,
        "bottomLineNetIncome": net_income,
        "eps": net_income / shares,
        "epsDiluted": net_income / diluted,
        "weightedAverageShsOut": shares,
        "weightedAverageShsOutDil": diluted,
    }
    scale = traits.currency_per_usd * (RESTATEMENT_FACTOR if filing.restated(today) else 1.0)
    record = _amounts(_identity(profile, filing, traits, today), values, scale)
    # share counts are not money: neither converted nor restated
    record["weightedAverageShsOut"] = round(shares)
    record["weightedAverageShsOutDil"] = round(diluted)
    return record


def balance_sheet(profile: Profile, seed: int, filing: Filing, traits: FilerTraits, today: date) -> Record:
    # A balance sheet is a position at the period end: FY's is its Q4's.
    quarter = "Q4" if filing.period == "FY" else filing.period
    q = _quarter(profile, seed, filing.fiscal_year, quarter)
    annual = q.revenue * 4.0
    cash, short_investments = annual * CASH_TO_ANNUAL_REVENUE, annual * 0.1
    receivables, inventory, prepaids, other_current = annual * 0.12, annual * 0.08, annual * 0.01, annual * 0.02
    current = cash + short_investments + receivables + inventory + prepaids + other_current
    ppe, goodwill, intangibles = annual * 0.4, annual * 0.2, annual * 0.08
    long_investments, tax_assets, other_noncurrent = annual * 0.15, annual * 0.02, annual * 0.03
    noncurrent = ppe + goodwill + intangibles + long_investments + tax_assets + other_noncurrent
    payables, accrued, short_debt = annual * 0.1, annual * 0.04, annual * 0.05
    tax_payables, deferred_revenue, other_current_liabilities = annual * 0.01, annual * 0.03, annual * 0.02
    current_liabilities = payables + accrued + short_debt + tax_payables + deferred_revenue + other_current_liabilities
    long_debt = annual * (0.25 + q.cost_ratio - 0.45)
    deferred_tax, other_noncurrent_liabilities = annual * 0.02, annual * 0.04
    noncurrent_liabilities = long_debt + deferred_tax + other_noncurrent_liabilities
    liabilities = current_liabilities + noncurrent_liabilities
    assets = current + noncurrent
    equity = assets - liabilities
    values = {
        "cashAndCashEquivalents": cash,
        "shortTermInvestments": short_investments,
        "cashAndShortTermInvestments": cash + short_investments,
        "netReceivables": receivables,
        "accountsReceivables": receivables * 0.9,
        "otherReceivables": receivables * 0.1,
        "inventory": inventory,
        "prepaids": prepaids,
        "otherCurrentAssets": other_current,
        "totalCurrentAssets": current,
        "propertyPlantEquipmentNet": ppe,
        "goodwill": goodwill,
        "intangibleAssets": intangibles,
        "goodwillAndIntangibleAssets": goodwill + intangibles,
        "longTermInvestments": long_investments,
        "taxAssets": tax_assets,
        "otherNonCurrentAssets": other_noncurrent,
        "totalNonCurrentAssets": noncurrent,
        "otherAssets": 0.0,
        "totalAssets": assets,
        "totalPayables": payables,
        "accountPayables": payables,
        "otherPayables": 0.0,
        "accruedExpenses": accrued,
        "shortTermDebt": short_debt,
        "capitalLeaseObligationsCurrent": 0.0,
        "taxPayables": tax_payables,
        "deferredRevenue": deferred_revenue,
        "otherCurrentLiabilities": other_current_liabilities,
        "totalCurrentLiabilities": current_liabilities,
        "longTermDebt": long_debt,
        "capitalLeaseObligationsNonCurrent": 0.0,
        "deferredRevenueNonCurrent": 0.0,
        "deferredTaxLiabilitiesNonCurrent": deferred_tax,
        "otherNonCurrentLiabilities": other_noncurrent_liabilities,
        "totalNonCurrentLiabilities": noncurrent_liabilities,
        "otherLiabilities": 0.0,
        "capitalLeaseObligations": 0.0,
        "totalLiabilities": liabilities,
        "treasuryStock": 0.0,
        "preferredStock": 0.0,
        "commonStock": equity * 0.3,
        "retainedEarnings": equity * 0.7,
        "additionalPaidInCapital": 0.0,
        "accumulatedOtherComprehensiveIncomeLoss": 0.0,
        "otherTotalStockholdersEquity": 0.0,
        "totalStockholdersEquity": equity,
        "totalEquity": equity,
        "minorityInterest": 0.0,
        "totalLiabilitiesAndTotalEquity": liabilities + equity,
        "totalInvestments": short_investments + long_investments,
        "totalDebt": short_debt + long_debt,
        "netDebt": short_debt + long_debt - cash,
    }
    return _amounts(_identity(profile, filing, traits, today), values, traits.currency_per_usd)


def cash_flow_statement(profile: Profile, seed: int, filing: Filing, traits: FilerTraits, today: date) -> Record:
    qs = _quarters(profile, seed, filing)
    # the net income the cash flow starts from is the income statement's as first filed
    income = income_statement(profile, seed, replace(filing, restated_from=None), FilerTraits(), today)
    net_income = float(income["netIncome"])
    depreciation = float(income["depreciationAndAmortization"])
    stock_comp, working_capital = sum(q.stock_comp for q in qs), sum(q.working_capital for q in qs)
    operating = net_income + depreciation + stock_comp + working_capital
    capex = -sum(q.capex for q in qs)
    investing = capex
    dividends, buybacks, debt = (
        -sum(q.dividends for q in qs),
        -sum(q.buybacks for q in qs),
        sum(q.debt_issuance for q in qs),
    )
    financing = dividends + buybacks + debt
    change = operating + investing + financing
    closing_quarter = _quarter(profile, seed, filing.fiscal_year, "Q4" if filing.period == "FY" else filing.period)
    cash_end = closing_quarter.revenue * 4.0 * CASH_TO_ANNUAL_REVENUE
    values = {
        "netIncome": net_income,
        "depreciationAndAmortization": depreciation,
        "deferredIncomeTax": 0.0,
        "stockBasedCompensation": stock_comp,
        "changeInWorkingCapital": working_capital,
        "accountsReceivables": working_capital * 0.4,
        "inventory": working_capital * 0.3,
        "accountsPayables": working_capital * 0.3,
        "otherWorkingCapital": 0.0,
        "otherNonCashItems": 0.0,
        "netCashProvidedByOperatingActivities": operating,
        "investmentsInPropertyPlantAndEquipment": capex,
        "acquisitionsNet": 0.0,
        "purchasesOfInvestments": 0.0,
        "salesMaturitiesOfInvestments": 0.0,
        "otherInvestingActivities": 0.0,
        "netCashProvidedByInvestingActivities": investing,
        "netDebtIssuance": debt,
        "longTermNetDebtIssuance": debt,
        "shortTermNetDebtIssuance": 0.0,
        "netStockIssuance": buybacks,
        "netCommonStockIssuance": buybacks,
        "commonStockIssuance": 0.0,
        "commonStockRepurchased": buybacks,
        "netPreferredStockIssuance": 0.0,
        "netDividendsPaid": dividends,
        "commonDividendsPaid": dividends,
        "preferredDividendsPaid": 0.0,
        "otherFinancingActivities": 0.0,
        "netCashProvidedByFinancingActivities": financing,
        "effectOfForexChangesOnCash": 0.0,
        "netChangeInCash": change,
        "cashAtEndOfPeriod": cash_end,
        "cashAtBeginningOfPeriod": cash_end - change,
        "operatingCashFlow": operating,
        "capitalExpenditure": capex,
        "freeCashFlow": operating + capex,
        "incomeTaxesPaid": float(income["incomeTaxExpense"]),
        "interestPaid": float(income["interestExpense"]),
    }
    return _amounts(_identity(profile, filing, traits, today), values, traits.currency_per_usd)


STATEMENTS = {
    "income-statement": income_statement,
    "balance-sheet-statement": balance_sheet,
    "cash-flow-statement": cash_flow_statement,
}


_PROBE_PROFILE = Profile(
    "PROBE", "Probe", "", "", "", "", False, False, 1.0, 1, date(2000, 1, 1), None, 1.0, 0.0, 0.1, 1, 0.0
)
_PROBE_FILING = Filing(
    2000, "FY", date(2000, 12, 31), date(2000, 12, 31), datetime(2001, 2, 1, 9), date(2001, 2, 1), None
)


@cache
def statement_columns(endpoint: str) -> tuple[str, ...]:
    """The fields of one statement in FMP's order: the columns of its bulk CSV, read off a built record."""
    build = STATEMENTS[endpoint]
    return tuple(build(_PROBE_PROFILE, 0, _PROBE_FILING, FilerTraits(), _PROBE_FILING.filing_date))
