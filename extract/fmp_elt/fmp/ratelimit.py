"""One token bucket shared by every worker thread, sized so that no 60-second window exceeds the plan."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Limiter(Protocol):
    """What the client needs of a rate limiter: this in-process bucket, or the warehouse's shared budget."""

    def acquire(self) -> float: ...

    def pause(self, seconds: float) -> None: ...


class RateLimiter:
    """Token bucket: `burst` tokens at most, refilled at (limit - burst) per minute.

    Any 60-second window then sees at most `burst + refill * 60 = limit` calls, whether FMP counts in fixed or
    sliding minutes; with a burst of one second's worth of calls the steady rate stays above 98% of the limit.
    """

    def __init__(self, calls_per_minute: int, burst: int | None = None, clock=time.monotonic, sleep=time.sleep):
        if calls_per_minute <= 0:
            raise ValueError("calls_per_minute must be positive")
        self.calls_per_minute = calls_per_minute
        self.burst = max(1, burst if burst is not None else calls_per_minute // 60)
        self.burst = min(self.burst, max(1, calls_per_minute // 2))
        self.refill_per_second = (
            (calls_per_minute - self.burst) / 60.0 if calls_per_minute > self.burst else (calls_per_minute / 60.0)
        )
        self._tokens = float(self.burst)
        self._updated = clock()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> float:
        """Take one token, waiting as long as needed; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                wait = max(self._paused_until - now, 0.0)
                if wait == 0.0:
                    # The epsilon absorbs float rounding, which could otherwise ask for sleeps too short to pass.
                    if self._tokens >= 1.0 - 1e-9:
                        self._tokens -= 1.0
                        return waited
                    wait = (1.0 - self._tokens) / self.refill_per_second
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every thread back (after a 429 the whole key is throttled, not one thread)."""
        with self._lock:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + seconds)
            self._tokens = min(self._tokens, 0.0)

    def _refill(self, now: float) -> None:
        elapsed = now - self._updated
        if elapsed > 0:
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.refill_per_second)
            self._updated = now
