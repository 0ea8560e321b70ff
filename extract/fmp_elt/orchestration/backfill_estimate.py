"""What the first backfill costs on a plan: FMP calls, minutes at the plan's rate, bytes, and the job timeouts.

The counts follow what the streams request for a symbol they hold nothing of yet:
- `prices` job: each of the two price series (`full`, `dividend-adjusted`) in pages of at most 5,000 rows over
  the plan's history, plus `splits` and `dividends` (one call each);
- `ratios` job: `annual` and `quarter` (Basic: `annual` only);
- `statements` job: the three statements, `annual` and `quarter` each (Basic: `annual` only);
- `symbols` job: the screener's pages, `delisted-companies` and `symbol-change` (a handful of calls).

Sizes are FMP's as measured (fmp_elt/fmp/README.md): about 184 kB per 5-year price call (146 bytes a bar),
about 1 kB per ratios row, about 1.5 kB per statement row (the recorded income statement is 1.2 kB; a balance
sheet carries half as many fields again). Minutes are calls at the rate limit, which is the pipeline's only speed limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fmp_elt.config import Plan
from fmp_elt.job_config import JobConfig
from fmp_elt.streams.statements import STATEMENTS, calls_per_symbol

TRADING_DAYS_A_YEAR = 252
PRICE_PAGE_ROWS = 5000  # FMP's cap per price call (streams/price_history.py pages past it)
PRICE_SERIES = 2  # as-traded `full` and `dividend-adjusted`
CORPORATE_ACTION_CALLS = 2  # `splits`, `dividends`
BYTES_PER_BAR = 146
BYTES_PER_RATIO_ROW = 1000
BYTES_PER_STATEMENT_ROW = 1500
BYTES_PER_SMALL_CALL = 2000  # a symbol's splits or dividends
RATIO_QUARTERS_A_YEAR = 4
SCREENER_PAGE = 10_000
SYMBOLS_JOB_FIXED_CALLS = 4  # delisted pages and symbol changes
HEADROOM = 1.5  # a timeout leaves room for retries, waits on 429 and a slower FMP


@dataclass(frozen=True)
class JobEstimate:
    job: str
    calls: int
    bytes: int
    minutes: float
    timeout_seconds: float  # configured in jobs.yml
    needs_seconds: int  # the timeout the estimate asks for, with headroom

    @property
    def fits(self) -> bool:
        return self.timeout_seconds >= self.needs_seconds


@dataclass(frozen=True)
class BackfillEstimate:
    symbols: int
    plan: str
    rate_per_minute: int
    jobs: list[JobEstimate]

    @property
    def calls(self) -> int:
        return sum(job.calls for job in self.jobs)

    @property
    def bytes(self) -> int:
        return sum(job.bytes for job in self.jobs)

    @property
    def minutes(self) -> float:
        return sum(job.minutes for job in self.jobs)


def per_symbol(plan: Plan) -> dict[str, tuple[int, int]]:
    """(calls, bytes) one symbol's first backfill costs, per job."""
    bars = plan.history_years * TRADING_DAYS_A_YEAR
    price_calls = PRICE_SERIES * math.ceil(bars / PRICE_PAGE_ROWS) + CORPORATE_ACTION_CALLS
    price_bytes = PRICE_SERIES * bars * BYTES_PER_BAR + CORPORATE_ACTION_CALLS * BYTES_PER_SMALL_CALL
    basic = plan.name == "basic"
    ratio_rows = 5 if basic else plan.history_years * (1 + RATIO_QUARTERS_A_YEAR)  # annual (+ quarterly) periods
    ratio_calls = 1 if basic else 2
    statement_bytes = len(STATEMENTS) * ratio_rows * BYTES_PER_STATEMENT_ROW  # a statement row per ratios row
    return {
        "prices": (price_calls, price_bytes),
        "ratios": (ratio_calls, ratio_rows * BYTES_PER_RATIO_ROW),
        "statements": (calls_per_symbol(basic), statement_bytes),
    }


def estimate(symbols: int, plan: Plan, rate_per_minute: int, jobs: list[JobConfig]) -> BackfillEstimate:
    """The first backfill of `symbols` symbols on `plan` at `rate_per_minute`, per configured extract job."""
    costs = {job: (symbols * calls, symbols * size) for job, (calls, size) in per_symbol(plan).items()}
    costs["symbols"] = (math.ceil(max(symbols, 1) / SCREENER_PAGE) + SYMBOLS_JOB_FIXED_CALLS, symbols * 300)
    found = []
    for job in jobs:
        if job.name not in costs:
            continue
        calls, size = costs[job.name]
        minutes = calls / rate_per_minute
        needs = math.ceil(minutes * 60 * HEADROOM / 60) * 60  # whole minutes
        found.append(JobEstimate(job.name, calls, size, minutes, job.timeout, max(needs, 300)))
    return BackfillEstimate(symbols, plan.name, rate_per_minute, found)
