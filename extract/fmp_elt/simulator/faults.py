"""Injected failures: what the real API does on a bad day, switched on per test.

Count-based faults fire on the next N requests (any endpoint) and count down as they fire. At most one
response-replacing fault fires per request, in the order of `FaultKind`; a timeout only delays the answer and
combines with the others.

Data faults change what an answer says rather than how it arrives: `bad_prints` scales one day's prices of a
symbol in every EOD answer (a bad tick, reverting the next day), `calendar_seam_rows` makes adjacent
dividends-calendar pages overlap the way FMP's do on long walks, `adjusted_gaps` leaves sessions out of the
dividend-adjusted series only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum

DRIFT_KINDS = frozenset({"new_field", "missing_field", "numbers_as_strings", "nulls"})


class FaultKind(Enum):
    RESET = "reset_next"  # close the connection without an answer
    RATE_429 = "rate_429_storm"
    ERROR_5XX = "error_5xx_burst"
    ERROR_OBJECT = "error_object_next"  # 200 + {"Error Message": ...}
    MALFORMED = "malformed_next"  # 200 + a body that is not JSON
    TRUNCATE = "truncate_next"  # the normal body cut short (well framed, so the JSON is broken)


@dataclass
class Faults:
    """Fault switches, all off by default. Mutable while the simulator runs."""

    rate_429_storm: int = 0
    error_5xx_burst: int = 0
    timeout_next: int = 0
    timeout_sleep_s: float = 5.0
    reset_next: int = 0
    truncate_next: int = 0
    malformed_next: int = 0
    error_object_next: int = 0
    error_object_message: str = "An unexpected error occurred. Please try again later."
    drift: set[str] = field(default_factory=set)
    fail_symbols: dict[str, int] = field(default_factory=dict)
    retry_after_s: float | None = None
    # (symbol, ISO date) -> factor: that day's prices in every EOD answer are multiplied by it (a bad print)
    bad_prints: dict[tuple[str, str], float] = field(default_factory=dict)
    # rows repeated at each dividends-calendar page seam; as many rows after the seam are never served
    calendar_seam_rows: int = 0
    # (symbol, ISO date) sessions the dividend-adjusted series leaves out (FMP's has such gaps)
    adjusted_gaps: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.calendar_seam_rows < 0:
            raise ValueError("calendar_seam_rows must be >= 0")
        unknown = set(self.drift) - DRIFT_KINDS
        if unknown:
            raise ValueError(f"unknown drift kinds {sorted(unknown)}; use {sorted(DRIFT_KINDS)}")


@dataclass(frozen=True)
class FiredFaults:
    """What one request drew: an optional delay and at most one replacing fault."""

    delay_s: float = 0.0
    kind: FaultKind | None = None
    sequence: int = 0  # how many faults of this kind fired before (rotates the 5xx status)


class FaultBox:
    """Holds the current Faults and hands them out one request at a time, under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults = Faults()
        self._fired: dict[FaultKind, int] = {}

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        with self._lock:
            self._faults = value

    def draw(self) -> FiredFaults:
        with self._lock:
            faults = self._faults
            delay = 0.0
            if faults.timeout_next > 0:
                faults.timeout_next -= 1
                delay = faults.timeout_sleep_s
            for kind in FaultKind:
                left = getattr(faults, kind.value)
                if left > 0:
                    setattr(faults, kind.value, left - 1)
                    sequence = self._fired.get(kind, 0)
                    self._fired[kind] = sequence + 1
                    return FiredFaults(delay, kind, sequence)
            return FiredFaults(delay)
