"""FMP subscription plans as the simulator enforces them: endpoint gates, history depth, call budgets."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from fmp_elt import clock


@dataclass(frozen=True)
class Plan:
    name: str
    rank: int  # endpoints name the lowest plan that may call them
    calls_per_minute: int | None
    calls_per_day: int | None
    history_years: int
    max_limit: int | None = None  # `limit` ceiling on period endpoints (Basic: 5)
    annual_only: bool = False


PLANS: dict[str, Plan] = {
    "basic": Plan("basic", 0, None, 250, 5, max_limit=5, annual_only=True),
    "starter": Plan("starter", 1, 300, None, 5),
    "premium": Plan("premium", 2, 750, None, 30),
    "ultimate": Plan("ultimate", 3, 3000, None, 30),
}


def plan_named(name: str) -> Plan:
    try:
        return PLANS[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown plan {name!r}; use one of {', '.join(PLANS)}") from None


class RateLimiter:
    """Per-key call budgets: a sliding one-minute window, and Basic's daily quota (resets at UTC midnight).

    Every authenticated call takes a slot, refused ones included: FMP counts a 429 as a call.
    """

    def __init__(self, per_minute_override: int | None = None) -> None:
        self._override = per_minute_override
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}
        self._daily: dict[str, tuple[str, int]] = {}

    def allow(self, key: str, plan: Plan) -> bool:
        per_minute = self._override or plan.calls_per_minute
        now = time.monotonic()
        with self._lock:
            allowed = True
            if per_minute is not None:
                window = self._recent.setdefault(key, deque())
                while window and now - window[0] >= 60.0:
                    window.popleft()
                allowed = len(window) < per_minute
                window.append(now)
            if plan.calls_per_day is not None:
                today = clock.today().isoformat()
                day, count = self._daily.get(key, (today, 0))
                count = count + 1 if day == today else 1
                self._daily[key] = (today, count)
                allowed = allowed and count <= plan.calls_per_day
            return allowed


class BulkThrottle:
    """Bulk endpoints: at most one served call per key every `interval_s` (refusals do not restart it)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def allow(self, key: str) -> bool:
        if self.interval_s <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval_s:
                return False
            self._last[key] = now
            return True
