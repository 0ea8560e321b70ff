{#-
    The numeric fields of FMP's `ratios` records: (name as FMP sends it, our snake_case column name).
    stg_fmp__ratios reads each one and the ratios mart selects them in this order; both contracts list the same
    columns. A field FMP adds later is ignored until it is added here (and to the two YAML files).
-#}
{% macro ratio_fields() -%}
    {{ return([
        ('grossProfitMargin', 'gross_profit_margin'),
        ('ebitMargin', 'ebit_margin'),
        ('ebitdaMargin', 'ebitda_margin'),
        ('operatingProfitMargin', 'operating_profit_margin'),
        ('pretaxProfitMargin', 'pretax_profit_margin'),
        ('continuousOperationsProfitMargin', 'continuous_operations_profit_margin'),
        ('netProfitMargin', 'net_profit_margin'),
        ('bottomLineProfitMargin', 'bottom_line_profit_margin'),
        ('receivablesTurnover', 'receivables_turnover'),
        ('payablesTurnover', 'payables_turnover'),
        ('inventoryTurnover', 'inventory_turnover'),
        ('fixedAssetTurnover', 'fixed_asset_turnover'),
        ('assetTurnover', 'asset_turnover'),
        ('currentRatio', 'current_ratio'),
        ('quickRatio', 'quick_ratio'),
        ('solvencyRatio', 'solvency_ratio'),
        ('cashRatio', 'cash_ratio'),
        ('priceToEarningsRatio', 'price_to_earnings_ratio'),
        ('priceToEarningsGrowthRatio', 'price_to_earnings_growth_ratio'),
        ('forwardPriceToEarningsGrowthRatio', 'forward_price_to_earnings_growth_ratio'),
        ('priceToEarningsDilutedRatio', 'price_to_earnings_diluted_ratio'),
        ('priceToEarningsDilutedGrowthRatio', 'price_to_earnings_diluted_growth_ratio'),
        ('priceToBookRatio', 'price_to_book_ratio'),
        ('priceToSalesRatio', 'price_to_sales_ratio'),
        ('priceToFreeCashFlowRatio', 'price_to_free_cash_flow_ratio'),
        ('priceToOperatingCashFlowRatio', 'price_to_operating_cash_flow_ratio'),
        ('debtToAssetsRatio', 'debt_to_assets_ratio'),
        ('debtToEquityRatio', 'debt_to_equity_ratio'),
        ('debtToCapitalRatio', 'debt_to_capital_ratio'),
        ('longTermDebtToCapitalRatio', 'long_term_debt_to_capital_ratio'),
        ('financialLeverageRatio', 'financial_leverage_ratio'),
        ('workingCapitalTurnoverRatio', 'working_capital_turnover_ratio'),
        ('operatingCashFlowRatio', 'operating_cash_flow_ratio'),
        ('operatingCashFlowSalesRatio', 'operating_cash_flow_sales_ratio'),
        ('freeCashFlowOperatingCashFlowRatio', 'free_cash_flow_operating_cash_flow_ratio'),
        ('debtServiceCoverageRatio', 'debt_service_coverage_ratio'),
        ('interestCoverageRatio', 'interest_coverage_ratio'),
        ('shortTermOperatingCashFlowCoverageRatio', 'short_term_operating_cash_flow_coverage_ratio'),
        ('operatingCashFlowCoverageRatio', 'operating_cash_flow_coverage_ratio'),
        ('capitalExpenditureCoverageRatio', 'capital_expenditure_coverage_ratio'),
        ('dividendPaidAndCapexCoverageRatio', 'dividend_paid_and_capex_coverage_ratio'),
        ('dividendPayoutRatio', 'dividend_payout_ratio'),
        ('dividendYield', 'dividend_yield'),
        ('dividendYieldPercentage', 'dividend_yield_percentage'),
        ('revenuePerShare', 'revenue_per_share'),
        ('netIncomePerShare', 'net_income_per_share'),
        ('interestDebtPerShare', 'interest_debt_per_share'),
        ('cashPerShare', 'cash_per_share'),
        ('bookValuePerShare', 'book_value_per_share'),
        ('tangibleBookValuePerShare', 'tangible_book_value_per_share'),
        ('shareholdersEquityPerShare', 'shareholders_equity_per_share'),
        ('operatingCashFlowPerShare', 'operating_cash_flow_per_share'),
        ('capexPerShare', 'capex_per_share'),
        ('freeCashFlowPerShare', 'free_cash_flow_per_share'),
        ('netIncomePerEBT', 'net_income_per_ebt'),
        ('ebtPerEbit', 'ebt_per_ebit'),
        ('priceToFairValue', 'price_to_fair_value'),
        ('debtToMarketCap', 'debt_to_market_cap'),
        ('effectiveTaxRate', 'effective_tax_rate'),
        ('enterpriseValueMultiple', 'enterprise_value_multiple'),
        ('dividendPerShare', 'dividend_per_share'),
    ]) }}
{%- endmacro %}

{#- A ratios row's period and ratio columns cast to the contracts' types, in their order, each followed by a comma:
    the ratios mart and its history select them, then their own columns. -#}
{% macro ratio_columns_typed() -%}
        cast(symbol as text) as symbol,
        cast(period_end_date as date) as period_end_date,
        cast(fiscal_year as integer) as fiscal_year,
        cast(period as text) as period,
        cast(reported_currency as text) as reported_currency,
        {{ reported_in_foreign_currency() }},
        {%- for _, column_name in ratio_fields() %}
        cast({{ column_name }} as numeric) as {{ column_name }},
        {%- endfor %}
{%- endmacro %}
