"""The token bucket, on a simulated clock: no 60-second window ever exceeds the limit, and the limit is filled."""

from __future__ import annotations

from fmp_elt.fmp.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def call_times(limit: int, calls: int) -> list[float]:
    clock = FakeClock()
    limiter = RateLimiter(limit, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(calls):
        limiter.acquire()
        times.append(clock.now)
    return times


def max_in_any_window(times: list[float], window: float = 60.0) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_no_minute_exceeds_the_plan_limit() -> None:
    for limit in (300, 750, 3000):
        times = call_times(limit, limit * 5)
        assert max_in_any_window(times) <= limit


def test_the_steady_rate_fills_at_least_95_percent_of_the_limit() -> None:
    for limit in (300, 750, 3000):
        times = call_times(limit, limit * 5)
        per_minute = (len(times) - 1) / (times[-1] - times[0]) * 60
        assert per_minute >= 0.95 * limit


def test_a_pause_holds_every_caller_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(600, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(5.0)
    limiter.acquire()
    assert clock.now >= 5.0
