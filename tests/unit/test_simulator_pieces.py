"""Universe, ratios field sets, plans, drift and faults of the simulator, without HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from fmp_elt.simulator.drift import drift_columns, drift_record
from fmp_elt.simulator.faults import FaultBox, FaultKind, Faults
from fmp_elt.simulator.plans import PLANS, BulkThrottle, RateLimiter
from fmp_elt.simulator.ratios import RATIO_FIELDS, TTM_FIELDS, fiscal_quarters
from fmp_elt.simulator.universe import build_universe
from tests.fixtures.samples import load_sample

DILUTED = {"priceToEarningsDilutedRatio", "priceToEarningsDilutedGrowthRatio"}


def test_universe_has_the_traits_filters_need() -> None:
    profiles = build_universe(8, 7, date(2019, 1, 2), date(2026, 11, 25))
    symbols = [p.symbol for p in profiles]
    assert symbols == sorted(symbols)
    assert len(set(symbols)) == 8
    assert sum("-" in s for s in symbols) == 1
    assert all(s.replace("-", "").isupper() and len(s.split("-")[0]) <= 5 for s in symbols)
    assert sum(p.exchange_short == "NASDAQ" for p in profiles) > 4
    assert any(p.exchange_short == "NYSE" for p in profiles)
    assert any(p.is_etf for p in profiles)
    assert any(p.is_fund for p in profiles)
    assert any(p.delisted for p in profiles)
    assert any(p.splits for p in profiles)


def test_ratio_fields_are_the_sample_plus_the_diluted_pair() -> None:
    sample = load_sample("stable_ratios_AAPL_annual_limit1.json")[0]
    numeric = [k for k in sample if k not in ("symbol", "date", "fiscalYear", "period", "reportedCurrency")]
    assert len(RATIO_FIELDS) == 61
    assert [f for f in RATIO_FIELDS if f not in DILUTED] == numeric


def test_ttm_fields() -> None:
    assert len(TTM_FIELDS) == 61
    assert "enterpriseValueTTM" in TTM_FIELDS
    assert "netIncomePerEBTTTM" in TTM_FIELDS
    assert "dividendYieldPercentageTTM" not in TTM_FIELDS


def test_fiscal_quarters_of_a_september_year() -> None:
    quarters = fiscal_quarters(9, date(2023, 10, 1), date(2024, 9, 30))
    assert quarters == [
        (date(2023, 12, 31), "Q1", 2024),
        (date(2024, 3, 31), "Q2", 2024),
        (date(2024, 6, 30), "Q3", 2024),
        (date(2024, 9, 30), "Q4", 2024),
    ]


def test_rate_limiter_counts_refused_calls() -> None:
    limiter = RateLimiter(per_minute_override=3)
    results = [limiter.allow("k", PLANS["starter"]) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert limiter.allow("other", PLANS["starter"])


def test_basic_daily_quota() -> None:
    limiter = RateLimiter()
    results = [limiter.allow("k", PLANS["basic"]) for _ in range(251)]
    assert results.count(True) == 250
    assert results[-1] is False


def test_bulk_throttle() -> None:
    throttle = BulkThrottle(30.0)
    assert [throttle.allow("k"), throttle.allow("k"), throttle.allow("j")] == [True, False, True]
    assert all(BulkThrottle(0).allow("k") for _ in range(3))


def test_drift_kinds() -> None:
    record = {"symbol": "A", "date": "2024-01-02", "open": 1.5, "volume": 10, "flag": True}
    assert drift_record(dict(record), {"new_field"})["newField"] == "added"
    assert "flag" not in drift_record(dict(record), {"missing_field"})
    assert drift_record(dict(record), {"nulls"})["open"] is None
    strings = drift_record(dict(record), {"numbers_as_strings"})
    assert strings["open"] == "1.5"
    assert strings["volume"] == "10"
    assert strings["flag"] is True
    assert drift_columns(("a", "b"), {"missing_field", "new_field"}) == ("a", "newField")
    with pytest.raises(ValueError, match="unknown drift"):
        Faults(drift={"bogus"})


def test_fault_box_hands_out_each_fault_once_per_count() -> None:
    box = FaultBox()
    box.faults = Faults(rate_429_storm=1, error_5xx_burst=2, timeout_next=1, timeout_sleep_s=0.5)
    drawn = [box.draw() for _ in range(4)]
    assert [d.kind for d in drawn] == [FaultKind.RATE_429, FaultKind.ERROR_5XX, FaultKind.ERROR_5XX, None]
    assert [d.delay_s for d in drawn] == [0.5, 0, 0, 0]
    assert [d.sequence for d in drawn[1:3]] == [0, 1]
    assert box.faults.error_5xx_burst == 0
    assert box.faults.rate_429_storm == 0
