"""The fields of FMP's financial statements, in the order FMP sends them, as their staging models type them.

Every statement starts with the same identity fields; the amounts are in the statement's `reportedCurrency`
(which need not be the currency the symbol trades in), the per-share figures in that currency per share.
"""

from __future__ import annotations

from fmp_elt.streams.dataset import StagingColumn

IDENTITY = (
    StagingColumn("symbol", "text", "The ticker the statement was requested for."),
    StagingColumn("fiscalYear", "integer", "The fiscal year the period belongs to (FMP sends it as a string)."),
    StagingColumn("period", "text", "FY for the fiscal year, Q1..Q4 for its quarters."),
    StagingColumn(
        "date", "date", "The period's last day as FMP dates it now (it may move: 52/53-week years).", "period_end_date"
    ),
    StagingColumn("reportedCurrency", "text", "ISO code of the currency the amounts are reported in."),
    StagingColumn("cik", "text", "The filer's SEC Central Index Key (text: leading zeros)."),
    StagingColumn(
        "filingDate", "date", "The date the filing is dated by the SEC (EDGAR's filing date).", "filing_date"
    ),
    StagingColumn(
        "acceptedDate",
        "text",
        "EDGAR acceptance, New York wall clock, as FMP sends it (YYYY-MM-DD HH:MM:SS).",
        "accepted_date_text",
    ),
)


def _amounts(described: tuple[tuple[str, str], ...]) -> tuple[StagingColumn, ...]:
    return tuple(StagingColumn(field, "numeric", description) for field, description in described)


INCOME_STATEMENT = IDENTITY + _amounts(
    (
        ("revenue", "Revenue."),
        ("costOfRevenue", "Cost of revenue."),
        ("grossProfit", "Revenue less cost of revenue."),
        ("researchAndDevelopmentExpenses", "Research and development expenses."),
        ("generalAndAdministrativeExpenses", "General and administrative expenses."),
        ("sellingAndMarketingExpenses", "Selling and marketing expenses."),
        ("sellingGeneralAndAdministrativeExpenses", "Selling, general and administrative expenses."),
        ("otherExpenses", "Other operating expenses."),
        ("operatingExpenses", "Operating expenses."),
        ("costAndExpenses", "Cost of revenue plus operating expenses."),
        ("netInterestIncome", "Interest income less interest expense."),
        ("interestIncome", "Interest income."),
        ("interestExpense", "Interest expense."),
        ("depreciationAndAmortization", "Depreciation and amortization."),
        ("ebitda", "Earnings before interest, taxes, depreciation and amortization."),
        ("ebit", "Earnings before interest and taxes."),
        ("nonOperatingIncomeExcludingInterest", "Non-operating income other than interest."),
        ("operatingIncome", "Operating income."),
        ("totalOtherIncomeExpensesNet", "Non-operating income and expenses, net."),
        ("incomeBeforeTax", "Income before tax."),
        ("incomeTaxExpense", "Income tax expense."),
        ("netIncomeFromContinuingOperations", "Net income from continuing operations."),
        ("netIncomeFromDiscontinuedOperations", "Net income from discontinued operations."),
        ("otherAdjustmentsToNetIncome", "Other adjustments to net income."),
        ("netIncome", "Net income."),
        ("netIncomeDeductions", "Deductions from net income."),
        ("bottomLineNetIncome", "Net income attributable to common shareholders."),
        ("eps", "Basic earnings per share."),
        ("epsDiluted", "Diluted earnings per share."),
        ("weightedAverageShsOut", "Weighted average basic shares outstanding (a count, not money)."),
        ("weightedAverageShsOutDil", "Weighted average diluted shares outstanding (a count, not money)."),
    )
)

BALANCE_SHEET = IDENTITY + _amounts(
    (
        ("cashAndCashEquivalents", "Cash and cash equivalents."),
        ("shortTermInvestments", "Short-term investments."),
        ("cashAndShortTermInvestments", "Cash, cash equivalents and short-term investments."),
        ("netReceivables", "Receivables, net."),
        ("accountsReceivables", "Accounts receivable."),
        ("otherReceivables", "Other receivables."),
        ("inventory", "Inventory."),
        ("prepaids", "Prepaid expenses."),
        ("otherCurrentAssets", "Other current assets."),
        ("totalCurrentAssets", "Total current assets."),
        ("propertyPlantEquipmentNet", "Property, plant and equipment, net."),
        ("goodwill", "Goodwill."),
        ("intangibleAssets", "Intangible assets."),
        ("goodwillAndIntangibleAssets", "Goodwill and intangible assets."),
        ("longTermInvestments", "Long-term investments."),
        ("taxAssets", "Tax assets."),
        ("otherNonCurrentAssets", "Other non-current assets."),
        ("totalNonCurrentAssets", "Total non-current assets."),
        ("otherAssets", "Other assets."),
        ("totalAssets", "Total assets."),
        ("totalPayables", "Total payables."),
        ("accountPayables", "Accounts payable (FMP's spelling)."),
        ("otherPayables", "Other payables."),
        ("accruedExpenses", "Accrued expenses."),
        ("shortTermDebt", "Short-term debt."),
        ("capitalLeaseObligationsCurrent", "Current capital lease obligations."),
        ("taxPayables", "Tax payables."),
        ("deferredRevenue", "Deferred revenue, current."),
        ("otherCurrentLiabilities", "Other current liabilities."),
        ("totalCurrentLiabilities", "Total current liabilities."),
        ("longTermDebt", "Long-term debt."),
        ("capitalLeaseObligationsNonCurrent", "Non-current capital lease obligations."),
        ("deferredRevenueNonCurrent", "Deferred revenue, non-current."),
        ("deferredTaxLiabilitiesNonCurrent", "Deferred tax liabilities, non-current."),
        ("otherNonCurrentLiabilities", "Other non-current liabilities."),
        ("totalNonCurrentLiabilities", "Total non-current liabilities."),
        ("otherLiabilities", "Other liabilities."),
        ("capitalLeaseObligations", "Capital lease obligations."),
        ("totalLiabilities", "Total liabilities."),
        ("treasuryStock", "Treasury stock."),
        ("preferredStock", "Preferred stock."),
        ("commonStock", "Common stock."),
        ("retainedEarnings", "Retained earnings."),
        ("additionalPaidInCapital", "Additional paid-in capital."),
        ("accumulatedOtherComprehensiveIncomeLoss", "Accumulated other comprehensive income (loss)."),
        ("otherTotalStockholdersEquity", "Other stockholders' equity."),
        ("totalStockholdersEquity", "Total stockholders' equity."),
        ("totalEquity", "Total equity, minority interest included."),
        ("minorityInterest", "Minority interest."),
        ("totalLiabilitiesAndTotalEquity", "Total liabilities and total equity."),
        ("totalInvestments", "Short- and long-term investments."),
        ("totalDebt", "Short- and long-term debt."),
        ("netDebt", "Total debt less cash and cash equivalents."),
    )
)

CASH_FLOW = IDENTITY + _amounts(
    (
        ("netIncome", "Net income the statement starts from."),
        ("depreciationAndAmortization", "Depreciation and amortization."),
        ("deferredIncomeTax", "Deferred income tax."),
        ("stockBasedCompensation", "Stock-based compensation."),
        ("changeInWorkingCapital", "Change in working capital."),
        ("accountsReceivables", "Change in accounts receivable."),
        ("inventory", "Change in inventory."),
        ("accountsPayables", "Change in accounts payable."),
        ("otherWorkingCapital", "Change in other working capital."),
        ("otherNonCashItems", "Other non-cash items."),
        ("netCashProvidedByOperatingActivities", "Net cash from operating activities."),
        ("investmentsInPropertyPlantAndEquipment", "Investments in property, plant and equipment (negative: paid)."),
        ("acquisitionsNet", "Acquisitions, net."),
        ("purchasesOfInvestments", "Purchases of investments."),
        ("salesMaturitiesOfInvestments", "Sales and maturities of investments."),
        ("otherInvestingActivities", "Other investing activities."),
        ("netCashProvidedByInvestingActivities", "Net cash from investing activities."),
        ("netDebtIssuance", "Net debt issued (negative: repaid)."),
        ("longTermNetDebtIssuance", "Net long-term debt issued."),
        ("shortTermNetDebtIssuance", "Net short-term debt issued."),
        ("netStockIssuance", "Net stock issued (negative: bought back)."),
        ("netCommonStockIssuance", "Net common stock issued."),
        ("commonStockIssuance", "Common stock issued."),
        ("commonStockRepurchased", "Common stock repurchased."),
        ("netPreferredStockIssuance", "Net preferred stock issued."),
        ("netDividendsPaid", "Dividends paid, net."),
        ("commonDividendsPaid", "Common dividends paid."),
        ("preferredDividendsPaid", "Preferred dividends paid."),
        ("otherFinancingActivities", "Other financing activities."),
        ("netCashProvidedByFinancingActivities", "Net cash from financing activities."),
        ("effectOfForexChangesOnCash", "Effect of exchange rate changes on cash."),
        ("netChangeInCash", "Net change in cash."),
        ("cashAtEndOfPeriod", "Cash at the end of the period."),
        ("cashAtBeginningOfPeriod", "Cash at the beginning of the period."),
        ("operatingCashFlow", "Operating cash flow."),
        ("capitalExpenditure", "Capital expenditure (negative: paid)."),
        ("freeCashFlow", "Operating cash flow plus capital expenditure."),
        ("incomeTaxesPaid", "Income taxes paid."),
        ("interestPaid", "Interest paid."),
    )
)
