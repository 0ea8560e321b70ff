"""The first backfill's cost, worked by hand from what the streams request per symbol."""

from __future__ import annotations

from fmp_elt.config import PLANS
from fmp_elt.job_config import load_jobs
from fmp_elt.orchestration.backfill_estimate import estimate


def test_starter_with_3500_symbols_outgrows_the_prices_timeout() -> None:
    jobs = load_jobs()
    cost = estimate(3500, PLANS["starter"], 300, jobs)
    by_job = {job.job: job for job in cost.jobs}
    # 5 years = 1,260 bars: one page per price series; 2 series + splits + dividends = 4 calls a symbol
    assert by_job["prices"].calls == 3500 * 4 == 14_000
    assert round(by_job["prices"].minutes, 1) == 46.7  # 14,000 / 300
    # with half again as headroom: 70 minutes, past the configured hour
    assert by_job["prices"].needs_seconds == 4200
    assert by_job["prices"].timeout_seconds == 3600
    assert not by_job["prices"].fits
    # ratios: annual and quarter, one call each
    assert by_job["ratios"].calls == 7000
    assert by_job["ratios"].needs_seconds == 2100  # 23.3 minutes, 35 with headroom: past its 1,800 s too
    assert not by_job["ratios"].fits
    assert by_job["ratios"].bytes == 3500 * 5 * 5 * 1000  # 5 years of 1 annual + 4 quarterly rows of 1 kB
    # bytes: 2 series x 1,260 bars x 146 B + 2 small calls x 2 kB, a symbol
    assert by_job["prices"].bytes == 3500 * (2 * 1260 * 146 + 2 * 2000)
    assert by_job["symbols"].calls == 1 + 4  # one screener page, delisted pages and symbol changes
    # statements: 3 statements x (annual + quarter); 21,000 calls are 70 minutes, 105 with headroom
    assert by_job["statements"].calls == 3500 * 6
    assert by_job["statements"].needs_seconds == 6300
    assert by_job["statements"].fits  # jobs.yml sizes its timeout for this universe
    assert by_job["statements"].bytes == 3500 * 3 * 25 * 1500  # 25 periods of each statement, 1.5 kB a row
    assert cost.calls == 14_000 + 7000 + 21_000 + 5


def test_premium_reads_30_years_in_two_pages_and_basic_annual_ratios_only() -> None:
    jobs = load_jobs()
    premium = {job.job: job for job in estimate(100, PLANS["premium"], 750, jobs).jobs}
    assert premium["prices"].calls == 100 * (2 * 2 + 2)  # 7,560 bars: two pages of at most 5,000 per series
    basic = {job.job: job for job in estimate(10, PLANS["basic"], 5, jobs).jobs}
    assert basic["ratios"].calls == 10
    assert basic["ratios"].bytes == 10 * 5 * 1000  # Basic serves 5 annual rows
    assert basic["statements"].calls == 10 * 3  # annual only
    assert premium["statements"].calls == 100 * 6
