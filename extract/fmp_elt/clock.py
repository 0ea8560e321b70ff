"""The pipeline's one clock: every "now" and "today" in the package comes from here.

Production reads the wall clock. Tests never patch this module: they move the wall clock of the whole process
tree with `faketime` (see tests/run.sh), and the test simulator ends on `market_today()`, so extraction,
freshness, the status API's next runs and the simulated market all agree on the date.

Replay is this clock's one other mode, for `fmp-elt demo --days N`, which replays past trading days as if each
run happened on its day: inside `replaying(at)` the clock reads `at` and moves on from there at the wall clock's
pace. The offset lives in the environment variable `FMP_ELT_REPLAY_LAG` (seconds behind the wall clock), so the
job processes a run spawns and the timestamps they write keep to the replayed time too. A replay only looks
back: the clock never runs ahead of the wall clock, so nothing is recorded in the future.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from fmp_elt.errors import ConfigError

REPLAY_LAG_ENV = "FMP_ELT_REPLAY_LAG"


def now() -> datetime:
    """The current instant, timezone-aware in UTC (behind the wall clock while a replay is on)."""
    return datetime.now(UTC) - replay_lag()


def today() -> date:
    """The current UTC calendar day: the latest day on which a trade can already be dated."""
    return now().date()


def replay_lag() -> timedelta:
    """How far a replay holds the clock behind the wall clock (zero outside a replay)."""
    raw = os.environ.get(REPLAY_LAG_ENV, "").strip()
    if not raw:
        return timedelta(0)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(f"{REPLAY_LAG_ENV}={raw!r} is not a number of seconds >= 0 (it is set by a replay)")
    return timedelta(seconds=seconds)


@contextmanager
def replaying(at: datetime) -> Iterator[None]:
    """Within the block, in this process and the ones it starts, the clock reads `at` and then moves on."""
    if at.tzinfo is None:
        raise ValueError("a replay instant needs a timezone")
    lag = datetime.now(UTC) - at
    if lag < timedelta(0):
        raise ValueError(f"cannot replay {at.isoformat()}: it is ahead of the wall clock")
    before = os.environ.get(REPLAY_LAG_ENV)
    os.environ[REPLAY_LAG_ENV] = f"{lag.total_seconds():.6f}"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(REPLAY_LAG_ENV, None)
        else:
            os.environ[REPLAY_LAG_ENV] = before
