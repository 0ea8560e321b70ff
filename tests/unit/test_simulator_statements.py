"""The simulator's financial statements: filing lags, FMP's field set, a restatement, a re-dated 52/53-week year
and a foreign filer, read through the endpoint handlers without HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from fmp_elt.simulator.config import SimulatorConfig
from fmp_elt.simulator.filings import REDATED_AFTER
from fmp_elt.simulator.market_state import Market
from fmp_elt.simulator.plans import PLANS
from fmp_elt.simulator.routes import ROUTES, Call, Reply
from tests.fixtures.samples import load_sample

END = date(2026, 11, 27)
STATEMENTS = ("income-statement", "balance-sheet-statement", "cash-flow-statement")


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(SimulatorConfig(n_symbols=24, seed=11, start=date(2018, 1, 2), end=END))


def get(market: Market, endpoint: str, plan: str = "starter", **query: Any) -> list[dict[str, Any]]:
    payload = ROUTES[endpoint].handler(Call({k: str(v) for k, v in query.items()}, PLANS[plan], market))
    assert isinstance(payload, list)
    return payload


def symbol_with(market: Market, **trait: object) -> str:
    return next(s for s in market.symbols if all(getattr(market.filer(s), k) == v for k, v in trait.items()))


def test_income_statement_has_the_recorded_fields_and_types(market: Market) -> None:
    recorded = load_sample("stable_income-statement_AAPL_annual_limit1.json")[0]
    [ours] = get(market, "income-statement", symbol=symbol_with(market, restates=False), period="annual", limit=1)
    assert list(ours) == list(recorded)
    for name, value in recorded.items():
        assert type(ours[name]) in ((int, float) if type(value) in (int, float) else (type(value),)), name


def test_statements_share_identity_and_balance(market: Market) -> None:
    symbol = symbol_with(market, restates=False, week_based=False)
    income, balance, cash = (get(market, e, symbol=symbol, period="quarter", limit=8) for e in STATEMENTS)
    assert len(income) == len(balance) == len(cash) == 8
    identity = ("date", "symbol", "reportedCurrency", "cik", "filingDate", "acceptedDate", "fiscalYear", "period")
    for rows in zip(income, balance, cash, strict=True):
        assert len({tuple(r[k] for k in identity) for r in rows}) == 1
        assert list(rows[1])[:8] == list(identity)
    for b in balance:  # to the thousand the amounts are rounded to
        assert abs(b["totalAssets"] - b["totalLiabilitiesAndTotalEquity"]) <= 2000
        assert abs(b["totalAssets"] - b["totalLiabilities"] - b["totalEquity"]) <= 2000
    for i, c in zip(income, cash, strict=True):
        assert c["netIncome"] == i["netIncome"]
        assert abs(c["freeCashFlow"] - c["operatingCashFlow"] - c["capitalExpenditure"]) <= 2000
    dates = [r["date"] for r in income]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_a_fiscal_year_is_the_sum_of_its_quarters(market: Market) -> None:
    symbol = symbol_with(market, restates=False, week_based=False)
    fy = get(market, "income-statement", symbol=symbol, period="annual", limit=1)[0]
    quarters = list(get(market, "income-statement", symbol=symbol, period="quarter", limit=8))
    same_year = [q for q in quarters if q["fiscalYear"] == fy["fiscalYear"]]
    assert sorted(q["period"] for q in same_year) == ["Q1", "Q2", "Q3", "Q4"]
    assert abs(sum(q["revenue"] for q in same_year) - fy["revenue"]) <= 4000
    q4 = next(q for q in same_year if q["period"] == "Q4")
    assert (q4["date"], q4["acceptedDate"], q4["filingDate"]) == (fy["date"], fy["acceptedDate"], fy["filingDate"])


def test_filing_lags_and_acceptance(market: Market) -> None:
    seen_evening = seen_day = 0
    for symbol in market.symbols:
        for row in get(market, "income-statement", symbol=symbol, period="quarter", limit=1000):
            period_end, filed = date.fromisoformat(row["date"]), date.fromisoformat(row["filingDate"])
            accepted = row["acceptedDate"]
            accepted_day, hour = date.fromisoformat(accepted[:10]), int(accepted[11:13])
            lag = (accepted_day - period_end).days
            # a 10-Q 25-44 days after the quarter, a 10-K 50-75 days, plus a weekend; a 52/53-week period
            # ends up to six days before its month end
            assert (25 <= lag <= 53) if row["period"] != "Q4" else (50 <= lag <= 84), row
            assert accepted_day <= END
            if filed > accepted_day:
                seen_evening += 1
                assert hour >= 17  # after EDGAR's 17:30 cut-off: dated the next business day
            else:
                seen_day += 1
                assert filed == accepted_day
            assert filed.weekday() < 5
    assert seen_evening > 20
    assert seen_day > 20


def test_basic_plan_gets_five_annual_rows_only(market: Market) -> None:
    def years(symbol: str) -> int:
        return len(get(market, "income-statement", symbol=symbol, period="annual", limit=10))

    symbol = next(s for s in sorted(market.basic_symbols) if years(s) > 5)
    assert len(get(market, "balance-sheet-statement", "basic", symbol=symbol, period="annual", limit=5)) == 5
    for query in ({"period": "quarter", "limit": 5}, {"period": "annual", "limit": 6}):
        with pytest.raises(Reply) as refused:
            get(market, "cash-flow-statement", "basic", symbol=symbol, **query)
        assert refused.value.response.status == 402


def test_a_52_53_week_year_end_is_re_dated_a_quarter_after_filing() -> None:
    market = Market(SimulatorConfig(n_symbols=24, seed=11, start=date(2018, 1, 2), end=END))
    symbol = symbol_with(market, week_based=True)
    filing = next(f for f in reversed(market.filings(symbol)) if f.period == "FY" and f.month_end != f.fiscal_end)
    assert filing.fiscal_end.weekday() == 5
    assert 0 < (filing.month_end - filing.fiscal_end).days < 7

    def fy_dates() -> dict[str, str]:
        rows = get(market, "income-statement", symbol=symbol, period="annual", limit=1000)
        return {r["fiscalYear"]: r["date"] for r in rows}

    market.set_today(filing.accepted.date())
    assert fy_dates()[str(filing.fiscal_year)] == filing.month_end.isoformat()
    market.set_today(filing.accepted.date() + REDATED_AFTER)
    after = fy_dates()
    assert after[str(filing.fiscal_year)] == filing.fiscal_end.isoformat()
    assert len(after) == len(set(after.values()))  # still one row per fiscal year


def test_a_restatement_changes_figures_in_place() -> None:
    market = Market(SimulatorConfig(n_symbols=24, seed=11, start=date(2018, 1, 2), end=END))
    symbol = symbol_with(market, restates=True)
    years = [f for f in market.filings(symbol) if f.period == "FY"]
    first, restating = years[-2], years[-1]
    assert first.restated_from == restating.accepted

    def first_year() -> dict[str, Any]:
        rows = get(market, "income-statement", symbol=symbol, period="annual", limit=1000)
        return next(r for r in rows if r["fiscalYear"] == str(first.fiscal_year))

    market.set_today(restating.accepted.date() - timedelta(days=1))
    original = first_year()
    market.set_today(restating.accepted.date())
    restated = first_year()
    assert restated["revenue"] != original["revenue"]
    assert abs(restated["revenue"] / original["revenue"] - 0.97) < 1e-4
    unchanged = ("date", "filingDate", "acceptedDate", "fiscalYear", "period", "weightedAverageShsOut")
    assert [restated[k] for k in unchanged] == [original[k] for k in unchanged]


def test_a_foreign_filer_reports_in_its_own_currency(market: Market) -> None:
    foreign = next(s for s in market.symbols if market.filer(s).reported_currency != "USD")
    for endpoint in STATEMENTS:
        rows = get(market, endpoint, symbol=foreign, period="annual", limit=3)
        assert rows
        assert {r["reportedCurrency"] for r in rows} == {market.filer(foreign).reported_currency}
    domestic = symbol_with(market, reported_currency="USD")
    assert {r["reportedCurrency"] for r in get(market, "income-statement", symbol=domestic)} == {"USD"}


def test_funds_file_no_statements(market: Market) -> None:
    fund = next(s for s in market.symbols if not market.profile(s).is_common_stock)  # type: ignore[union-attr]
    assert all(get(market, e, symbol=fund) == [] for e in STATEMENTS)


def periods(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {(r["fiscalYear"], r["period"]): r["date"] for r in rows}


def test_ratios_are_served_from_the_day_their_income_statement_is_accepted() -> None:
    market = Market(SimulatorConfig(n_symbols=24, seed=11, start=date(2018, 1, 2), end=END))
    symbol = symbol_with(market, restates=False, week_based=False)
    for period in ("annual", "quarter"):
        statements = get(market, "income-statement", symbol=symbol, period=period, limit=1000)
        ratios = get(market, "ratios", symbol=symbol, period=period, limit=1000)
        assert periods(ratios) == periods(statements)
    latest = market.filings(symbol)[-1]
    key, asked = (str(latest.fiscal_year), latest.period), "annual" if latest.period == "FY" else "quarter"
    market.set_today(latest.accepted.date() - timedelta(days=1))
    assert key not in periods(get(market, "ratios", symbol=symbol, period=asked, limit=1000))
    assert key not in periods(get(market, "income-statement", symbol=symbol, period=asked, limit=1000))
    market.set_today(latest.accepted.date())
    assert key in periods(get(market, "ratios", symbol=symbol, period=asked, limit=1000))


def test_a_re_dated_year_moves_its_ratios_with_it() -> None:
    market = Market(SimulatorConfig(n_symbols=24, seed=11, start=date(2018, 1, 2), end=END))
    symbol = symbol_with(market, week_based=True)
    filing = next(f for f in reversed(market.filings(symbol)) if f.period == "FY" and f.month_end != f.fiscal_end)
    key = (str(filing.fiscal_year), "FY")
    for today, served in (
        (filing.accepted.date(), filing.month_end),
        (filing.accepted.date() + REDATED_AFTER, filing.fiscal_end),
    ):
        market.set_today(today)
        ratios = periods(get(market, "ratios", symbol=symbol, period="annual", limit=1000))
        assert ratios[key] == served.isoformat()
        assert ratios == periods(get(market, "income-statement", symbol=symbol, period="annual", limit=1000))


def test_a_restated_year_restates_its_ratios() -> None:
    market = Market(SimulatorConfig(n_symbols=24, seed=11, start=date(2018, 1, 2), end=END))
    symbol = symbol_with(market, restates=True)
    years = [f for f in market.filings(symbol) if f.period == "FY"]
    first, restating = years[-2], years[-1]

    def first_year(endpoint: str) -> dict[str, Any]:
        rows = get(market, endpoint, symbol=symbol, period="annual", limit=1000)
        return next(r for r in rows if r["fiscalYear"] == str(first.fiscal_year))

    market.set_today(restating.accepted.date() - timedelta(days=1))
    original, original_income = first_year("ratios"), first_year("income-statement")
    market.set_today(restating.accepted.date())
    restated, restated_income = first_year("ratios"), first_year("income-statement")
    factor = restated_income["revenue"] / original_income["revenue"]
    assert restated["revenuePerShare"] == pytest.approx(original["revenuePerShare"] * factor, rel=1e-4)
    assert restated["priceToEarningsRatio"] == pytest.approx(original["priceToEarningsRatio"] / factor, rel=1e-4)
    assert restated["currentRatio"] == original["currentRatio"]  # the balance sheet is not restated
    assert restated["date"] == original["date"]


def test_a_foreign_filer_s_ratios_carry_its_currency(market: Market) -> None:
    foreign = next(s for s in market.symbols if market.filer(s).reported_currency != "USD")
    rows = get(market, "ratios", symbol=foreign, period="annual", limit=3)
    assert {r["reportedCurrency"] for r in rows} == {market.filer(foreign).reported_currency}
