"""A local, FMP-compatible HTTP server for the demo, the tests and the benchmarks.

    with Simulator(SimulatorConfig(n_symbols=20, seed=42, keys={"k": "starter"})) as sim:
        requests.get(f"{sim.base_url}/historical-price-eod/full", params={"symbol": sim.symbols[0]},
                     headers={"apikey": "k"})

It follows the FMP behaviour written down in fmp/README.md. Data is deterministic from the config (same seed,
same answers).
Where FMP's behaviour is unknown or ambiguous, these are the choices made:

Prices
- `change` = close - open of the same day; `changePercent` = 100 * change / open (5 dp);
  `vwap` = (open + high + low + close) / 4 (4 dp), as in the recorded 2025 sample and the 2026 capture.
- Generated prices are 2-dp; prices that pass through an adjustment factor are rounded to 2 dp; rows given to
  `load_prices` are served as given when no adjustment applies.
- No `from`: five years before `to` (or before 'today'). Plan depth is counted back from 'today'
  (5 years Basic/Starter, 30 Premium/Ultimate). More than 5,000 rows: the oldest are dropped.
- `apply_split(on=...)` re-adjusts the bars dated before `on` (full, light and dividend-adjusted prices divided,
  volume multiplied); bars on or after `on` and the raw (`non-split-adjusted`) prices do not change. Splits
  drawn with the universe are in the history from the start and show as a drop in the raw prices.
- Dividend adjustment: bars before an ex-date are scaled by 1 - amount / the previous raw close.
- The universe has one late listing (no data before it; hidden until 'today' reaches it) and a delisted stock
  (history ends; `isActivelyTrading` false). ETFs and funds have no ratios.
- Listing events between runs: `delist(symbol, on)` ends the history on `on` (served up to it, listed in
  `delisted-companies`, the latest delisting first); `rename(old, new, on)` serves the whole history under `new`
  and lists the change in `symbol-change` (the latest first; from `published` when given, a change FMP lists
  late), `old` answering []; `swap(a, b, on)` exchanges two tickers (two changes); `relist(symbol, name, on)`
  lists another company under a freed ticker from `on`. `delisted-companies` pages with `page`/`limit`
  (default 100; Starter gets page 0 only, later pages 402); `symbol-change` takes `limit` (default 100) and
  ignores `page`.

Corporate actions (routes/corporate_actions.py)
- `splits` / `dividends` per symbol and the `splits-calendar` / `dividends-calendar` list exactly the splits and
  dividends the prices reflect, up to 'today'; `adjDividend` is the amount divided by the later splits.
  Two dividends on one ex-date make one adjustment step of their sum. A dividend added with `listed_as` is
  listed with that amount (FMP's own error, on every read) while the dividend-adjusted series applies the true one.
- `dividends-calendar` pages hold `SimulatorConfig.calendar_page_rows` rows (4,000); `Faults.calendar_seam_rows`
  makes pages overlap as FMP's do. `splits-calendar` ignores `page` and serves nothing older than 90 days.
- `Faults.bad_prints` multiplies one symbol-day's prices in every JSON EOD answer.
- `Faults.adjusted_gaps` leaves (symbol, date) sessions out of the dividend-adjusted series only.

Protocol
- Order of checks: injected fault, unknown path (404 []), key (401; header `apikey` or query `apikey`),
  legacy /api/v3|v4 path (403), rate limit (429), plan gate (402), forced status (`Faults.fail_symbols`),
  bulk throttle, then the endpoint's own 400/402/[] answers.
- Rate limit: a sliding 60-second window per key (and Basic's 250 a day, reset at UTC midnight); refused calls
  count too, as FMP counts them. Bulk throttle: per key, across bulk endpoints, measured from the last call
  served.
- Data bodies are compact JSON; error objects are indented like FMP's. eod-bulk is sent chunked (no
  Content-Length); a weekend, holiday or future date gives a header-only CSV.
- The statement bulks (`income-statement-bulk` and its balance sheet and cash flow twins) take `year` and
  `period` (Q1..Q4 or FY, else 400) and hold the per-symbol routes' records of every company that filed that
  period by 'today'.
- Basic keys reach a fixed sample of symbols (`Simulator.basic_symbols`), `limit` 0..5 and annual periods.
"""

from __future__ import annotations

from fmp_elt.simulator.config import SimulatorConfig
from fmp_elt.simulator.faults import Faults
from fmp_elt.simulator.server import Simulator
from fmp_elt.simulator.stats import LoggedRequest, StatsSnapshot
from fmp_elt.simulator.universe import Dividend, Profile, Split

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
