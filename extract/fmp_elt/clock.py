"""The pipeline's one clock: every "now" and "today" in the package comes from here.

Production reads the wall clock. Tests never patch this module: they move the wall clock of the whole process
tree with `faketime` (see tests/run.sh), and the test simulator ends on `market_today()`, so extraction,
freshness, the status API's next runs and the simulated market all agree on the date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """The current UTC calendar day: the latest day on which a trade can already be dated."""
    return now().date()
