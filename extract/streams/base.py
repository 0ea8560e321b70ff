"""What a stream is: a declared dataset that plans units of work and fetches each one over HTTP.

A stream never touches the database: `plan` receives the stored cursors, `fetch` returns records and the new
cursor, and the runner lands both in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from extract.config import Settings
from extract.errors import ConfigError
from extract.fmp.client import FmpClient

# FMP tickers: letters, digits, dots and dashes (share classes use a dash, e.g. BRK-B), `^` for indexes.
SYMBOL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-^=]{0,19}$")


def parse_symbols(text: str) -> list[str]:
    """`AAPL, msft` -> ['AAPL', 'MSFT']; anything that cannot be a ticker is a usage error."""
    symbols = [part.strip().upper() for part in text.split(",") if part.strip()]
    bad = [s for s in symbols if not SYMBOL_PATTERN.match(s)]
    if bad:
        raise ConfigError(f"not a ticker symbol: {bad[0]!r} (letters, digits, '.', '-' only)")
    if not symbols:
        raise ConfigError("--symbols is empty")
    return list(dict.fromkeys(symbols))


@dataclass(frozen=True)
class Cursor:
    """What is stored for one (stream, symbol): the dates held and the closes of the overlap window."""

    newest_date: date | None = None
    oldest_date: date | None = None
    recent: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Landing:
    """Records to append to one raw table, exactly as FMP sent them."""

    table: str
    endpoint: str
    symbol: str | None
    records: list[Any]


@dataclass(frozen=True)
class CursorUpdate:
    stream: str
    symbol: str
    cursor: Cursor
    refetched: bool = False


@dataclass(frozen=True)
class Failure:
    stream: str
    symbol: str
    reason: str
    error_class: str
    http_status: int | None = None


@dataclass
class UnitResult:
    """The outcome of one unit of work (usually one symbol)."""

    landings: list[Landing] = field(default_factory=list)
    cursors: list[CursorUpdate] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    records_failed: int = 0

    @property
    def rows(self) -> int:
        return sum(len(landing.records) for landing in self.landings)


@dataclass(frozen=True)
class Unit:
    """One piece of work: a symbol (or a page of a list) and the cursors stored for it."""

    key: str
    cursors: dict[str, Cursor] = field(default_factory=dict)


@dataclass(frozen=True)
class ExtractOptions:
    symbols: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    full_refresh: bool = False
    shard: tuple[int, int] | None = None  # (i, n), 1-based i


@dataclass(frozen=True)
class StreamContext:
    settings: Settings
    options: ExtractOptions
    today: date


class Stream(Protocol):
    """A dataset: its name, the cursor streams it keeps, how to split the work and how to fetch a unit."""

    name: str
    cursor_streams: tuple[str, ...]

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: StreamContext) -> Iterable[Unit]:
        """The work to do, given the symbols in scope and their stored cursors."""
        ...

    def fetch(self, client: FmpClient, unit: Unit, ctx: StreamContext) -> UnitResult:
        """HTTP only: fetch one unit and describe what to land. Raises FmpAuthError to stop the run."""
        ...
