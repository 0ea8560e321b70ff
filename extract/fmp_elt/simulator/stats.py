"""Counters and a request log, so tests and benchmarks can see what the client really sent."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple


class LoggedRequest(NamedTuple):
    path: str
    query: dict[str, str]  # without `apikey`
    status: int  # 0 when the connection was closed without an answer
    key_in_header: bool
    arrived: float = 0.0  # time.monotonic() when the request came in: what a per-minute limit counts


@dataclass(frozen=True)
class StatsSnapshot:
    total: int = 0
    by_endpoint: dict[str, int] = field(default_factory=dict)
    by_status: dict[int, int] = field(default_factory=dict)
    by_symbol: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0  # 429s sent, whatever caused them
    key_in_query: int = 0  # requests that carried `apikey` in the URL
    bytes_sent: int = 0


class Stats:
    """Thread-safe counters; `snapshot()` returns a consistent copy."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._rate_limited = 0
            self._key_in_query = 0
            self._bytes = 0
            self._endpoints: Counter[str] = Counter()
            self._statuses: Counter[int] = Counter()
            self._symbols: Counter[str] = Counter()
            self._log: list[LoggedRequest] = []

    def record(
        self,
        entry: LoggedRequest,
        endpoint: str,
        symbol: str | None,
        key_in_query: bool,
        nbytes: int,
    ) -> None:
        with self._lock:
            self._total += 1
            self._endpoints[endpoint] += 1
            self._statuses[entry.status] += 1
            if symbol:
                self._symbols[symbol] += 1
            if entry.status == 429:
                self._rate_limited += 1
            if key_in_query:
                self._key_in_query += 1
            self._bytes += nbytes
            self._log.append(entry)

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return StatsSnapshot(
                total=self._total,
                by_endpoint=dict(self._endpoints),
                by_status=dict(self._statuses),
                by_symbol=dict(self._symbols),
                rate_limited=self._rate_limited,
                key_in_query=self._key_in_query,
                bytes_sent=self._bytes,
            )

    def log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)
