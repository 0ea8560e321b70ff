"""A local, FMP-compatible HTTP server for the demo, the tests and the benchmarks.

    with Simulator(SimulatorConfig(n_symbols=20, seed=42, keys={"k": "starter"})) as sim:
        requests.get(f"{sim.base_url}/historical-price-eod/full", params={"symbol": sim.symbols[0]},
                     headers={"apikey": "k"})

Behaviour follows FMP_API.md sections 2 to 6: shapes, ordering, the 5,000-row cap, plan gates, error bodies,
429 without Retry-After, bulk CSV and its 200-with-JSON throttle. Data is deterministic from the seed.
"""

from __future__ import annotations

from extract.simulator.config import SimulatorConfig
from extract.simulator.faults import Faults
from extract.simulator.server import Simulator
from extract.simulator.stats import LoggedRequest, StatsSnapshot
from extract.simulator.universe import Dividend, Profile, Split

__all__ = [
    "Dividend",
    "Faults",
    "LoggedRequest",
    "Profile",
    "Simulator",
    "SimulatorConfig",
    "Split",
    "StatsSnapshot",
]
