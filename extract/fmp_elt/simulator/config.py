"""How a simulator instance is set up: universe size, seed, calendar span, keys and throttles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fmp_elt.trading_calendar import latest_session


def _default_keys() -> dict[str, str]:
    return {"test-key": "starter"}


@dataclass
class SimulatorConfig:
    """Everything that shapes the simulated FMP; the same config and seed always serve the same data."""

    n_symbols: int = 20
    seed: int = 42
    # Trading-day span of the synthetic history; `end` is the first "today" (see Simulator.set_today).
    start: date = date(2015, 1, 2)
    end: date = field(default_factory=latest_session)
    keys: dict[str, str] = field(default_factory=_default_keys)  # api key -> plan name
    latency_ms: float = 0.0  # slept before every answer, to model the network in benchmarks
    enforce_rate_limit: bool = True
    rate_limit_per_minute: int | None = None  # overrides every plan's per-minute limit
    bulk_min_interval_s: float = 30.0  # per key, between two served bulk calls
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    calendar_page_rows: int = 4000  # rows per dividends-calendar page, FMP's page size
    history_cache_size: int = 512  # price histories kept in memory (they are regenerated on demand)
