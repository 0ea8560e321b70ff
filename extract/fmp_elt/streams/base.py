"""What a stream is: a declared dataset that plans units of work and fetches each one over HTTP.

A stream never touches the database: `plan` receives the stored cursors, `fetch` returns records and the new
cursor, and the runner lands both in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar, cast

from fmp_elt.config import Settings
from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.dataset import RawDataset


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


@dataclass(frozen=True)
class Unit:
    """One piece of work: a symbol (or a list) and the cursors stored for it, by cursor stream.

    `batch` holds the per-symbol units a bulk unit covers; `refetch` asks for the whole history again;
    `last_fetch` marks the one fetch owed to a symbol that has left the universe.
    """

    key: str
    cursors: dict[str, Cursor] = field(default_factory=dict)
    batch: tuple[Unit, ...] = ()
    refetch: bool = False
    last_fetch: bool = False


@dataclass
class UnitResult:
    """The outcome of one unit of work (usually one symbol), and any units it found still to do."""

    landings: list[Landing] = field(default_factory=list)
    cursors: list[CursorUpdate] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # parts the plan does not serve (402) while the rest was read: recorded like failures, never counted as one
    plan_gates: list[Failure] = field(default_factory=list)
    records_failed: int = 0
    follow_ups: list[Unit] = field(default_factory=list)
    # (stream, key) of units read through: a failure recorded for them earlier is over, even for a unit that
    # keeps no cursor of its own (a market-wide calendar)
    settled: list[tuple[str, str]] = field(default_factory=list)
    # symbols whose dividend-adjusted check disagreed with what was held where no event said it would
    repaired: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(landing.records) for landing in self.landings)


@dataclass(frozen=True)
class ExtractOptions:
    symbols: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    full_refresh: bool = False
    shard: tuple[int, int] | None = None  # (i, n), 1-based i


@dataclass(frozen=True)
class StreamContext:
    """What every stream plans and fetches with; a stream that needs more extends it (`Stream.context`)."""

    settings: Settings
    options: ExtractOptions
    today: date


@dataclass(frozen=True)
class Held:
    """What the warehouse holds for a plan besides the cursors, read only for the streams that declare it."""

    # symbols that left the screener's universe and are owed one last fetch (streams with a last_fetch_marker)
    departed: frozenset[str] = frozenset()
    # per symbol, the newest split or dividend date in the landed calendars, up to today (`reads_events`)
    events: Mapping[str, date] = field(default_factory=dict)
    # per symbol with an open split, dividend or adjusted mismatch not yet re-read, its newest such day
    # (streams with a mismatch_reread_marker)
    mismatched: Mapping[str, date] = field(default_factory=dict)


C = TypeVar("C", bound=StreamContext)


class Stream(Generic[C]):
    """A dataset: its name, the cursor streams it keeps, how to split the work and how to fetch a unit.

    A stream module declares its instance as `STREAM`; the package finds it there (streams/__init__.py). The
    optional behaviours are these attributes, read by the runner (extract_stage.py) as declared here. `C` is the
    context its units are planned and fetched in: `StreamContext`, or its own extension built by `context`.
    """

    name: str
    datasets: tuple[RawDataset, ...]  # the raw tables it lands
    cursor_streams: tuple[str, ...] = ()  # the etl.stream_state streams its units are planned from
    runs_after: tuple[str, ...] = ()  # streams whose landed data it reads, so run first in a job
    # With a marker, a symbol that left the screener's universe is fetched once more; the marker cursor stream
    # records that it was.
    last_fetch_marker: str | None = None
    # With a marker, each company of the screened exchange FMP lists as delisted within the plan's history window
    # is fetched until a fetch reaches its last trading day; the marker cursor stream records that one did.
    delisted_marker: str | None = None
    # Reads the newest split or dividend per symbol landed so far (StreamContext.events) to plan its units.
    reads_events: bool = False
    # With a marker, the symbols whose actions disagree with their prices (marts.price_anomalies) and that the
    # marker cursor stream has not re-read for that mismatch yet (Held.mismatched) have their actions read again.
    mismatch_reread_marker: str | None = None

    def context(self, ctx: StreamContext, held: Held) -> C:
        """The context of this stream's run, from the common one and what the warehouse holds for it."""
        return cast(C, ctx)

    def units(self, symbols: list[str], cursors: dict[tuple[str, str], Cursor], ctx: C) -> Iterable[Unit]:
        """The work to do, given the symbols in scope and their stored cursors."""
        raise NotImplementedError

    def fetch(self, client: FmpClient, unit: Unit, ctx: C) -> UnitResult:
        """HTTP only: fetch one unit and describe what to land. An FmpError with `stops_run` ends the run."""
        raise NotImplementedError
