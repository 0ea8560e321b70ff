"""Synthetic daily prices, and the four ways FMP serves them (split-adjusted, raw, dividend-adjusted).

A `History` holds bars that are split-adjusted for the splits it was built with: those splits are already
"in" the bars and only show in the raw (`non-split-adjusted`) view. Splits and dividends added later
(`Simulator.apply_split`, `add_dividend`) re-adjust the earlier bars the way FMP re-adjusts history; a split
added later also re-prices the bars from its day on, as a real split's as-traded prices step down.
`PriceSeries` combines both and renders records; bars are kept as arrays and records are built per request.
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import accumulate
from typing import Any

from fmp_elt.simulator.universe import Dividend, Profile, Split

Record = dict[str, Any]

TRADING_DAYS_PER_YEAR = 252


@cache
def iso_date(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


@dataclass(frozen=True)
class History:
    """Daily bars of one symbol, oldest first."""

    symbol: str
    ordinals: array  # date.toordinal() of each bar
    open: array
    high: array
    low: array
    close: array
    volume: array
    splits: tuple[Split, ...] = ()  # already reflected in the bars (raw prices still contain them)
    dividends: tuple[Dividend, ...] = ()


@dataclass(frozen=True)
class Events:
    """Splits and dividends announced while the simulator runs."""

    splits: tuple[Split, ...] = ()
    dividends: tuple[Dividend, ...] = ()


def _cumulative_after(ordinals: Sequence[int], events: Iterable[tuple[int, float]]) -> array | None:
    """f[i] = product of the factors of events dated after day i; None when every f[i] is 1."""
    pending = sorted((o, f) for o, f in events if f != 1.0 and o > ordinals[0]) if ordinals else []
    if not pending:
        return None
    out = array("d", bytes(8 * len(ordinals)))
    product = 1.0
    for i in range(len(ordinals) - 1, -1, -1):
        while pending and pending[-1][0] > ordinals[i]:
            product *= pending.pop()[1]
        out[i] = product
    return out


def generate_history(profile: Profile, seed: int, days: Sequence[date]) -> History:
    """A geometric random walk over the trading days the symbol was listed, with splits and dividends."""
    lo = bisect_left(days, profile.listed)
    hi = bisect_right(days, profile.delisted) if profile.delisted else len(days)
    span = days[lo:hi]
    rng = random.Random(f"prices/{seed}/{profile.symbol}")
    rnd = rng.random
    n = len(span)
    step = profile.volatility / math.sqrt(TRADING_DAYS_PER_YEAR)
    mu = (profile.drift - 0.5 * profile.volatility**2) / TRADING_DAYS_PER_YEAR
    split_product = math.prod(s.ratio for s in profile.splits)
    # Bars are in today's (post-split) share basis; the walk is reflected at a floor price.
    log_floor = math.log(0.5 / split_product)
    start = math.log(profile.start_price / split_product)
    # The sum of three uniforms is bell-shaped (variance 1/4): cheap, and all the walk needs. Whole-array
    # comprehensions instead of one loop keep a 12-year history at a few milliseconds.
    log_steps = [mu + 2.0 * step * (rnd() + rnd() + rnd() - 1.5) for _ in range(n)]
    walk = accumulate(log_steps, initial=start)
    levels = [math.exp(log_floor + abs(x - log_floor)) for x in walk]
    previous, current = levels[:-1], levels[1:]
    gap, wick = 0.6 * step, 0.5 * step
    # round(x * 100) / 100 is the 2-dp price FMP would show, at half the cost of round(x, 2).
    closes = array("d", [round(c * 100.0) / 100.0 for c in current])
    opens = array("d", [round(p * (100.0 + 100.0 * gap * (rnd() - 0.5))) / 100.0 for p in previous])
    bars = list(zip(opens, closes, strict=True))
    highs = array("d", [round(max(o, c) * (100.0 + 100.0 * wick * rnd())) / 100.0 for o, c in bars])
    lows = array("d", [max(1, round(min(o, c) * (100.0 - 100.0 * wick * rnd()))) / 100.0 for o, c in bars])
    base = float(profile.base_volume)
    moves = [abs(c / p - 1.0) for p, c in zip(previous, current, strict=True)]
    volumes = array("q", [int(base * (0.5 + rnd()) * (1.0 + 8.0 * move)) for move in moves])
    ordinals = array("i", map(date.toordinal, span))
    history = History(profile.symbol, ordinals, opens, highs, lows, closes, volumes, profile.splits)
    dividends = _quarterly_dividends(profile, history, rng) if profile.dividend_yield else ()
    return History(profile.symbol, ordinals, opens, highs, lows, closes, volumes, profile.splits, dividends)


def _quarterly_dividends(profile: Profile, history: History, rng: random.Random) -> tuple[Dividend, ...]:
    """Four ex-dates a year; the amount is set at the year's first ex-date from the yield, then held."""
    ordinals = history.ordinals
    if len(ordinals) < 2:
        return ()
    raw = _cumulative_after(ordinals, ((s.date.toordinal(), s.ratio) for s in history.splits))
    first_month, day_of_month = rng.randrange(1, 4), rng.randrange(5, 26)
    first, last = date.fromordinal(ordinals[0]), date.fromordinal(ordinals[-1])
    dividends = []
    for year in range(first.year, last.year + 1):
        amount = 0.0
        for month in range(first_month, 13, 3):
            i = bisect_left(ordinals, date(year, month, day_of_month).toordinal())
            if i <= 0 or i >= len(ordinals):
                continue
            if not amount:
                raw_close = history.close[i - 1] * (raw[i - 1] if raw else 1.0)
                amount = max(0.01, round(raw_close * profile.dividend_yield / 4, 2))
            dividends.append(Dividend(date.fromordinal(ordinals[i]), amount))
    return tuple(dividends)


def history_until(history: History, last: date) -> History:
    """The bars dated on or before `last`, with the dividends they hold."""
    n = bisect_right(history.ordinals, last.toordinal())
    return History(
        history.symbol,
        history.ordinals[:n],
        history.open[:n],
        history.high[:n],
        history.low[:n],
        history.close[:n],
        history.volume[:n],
        history.splits,
        tuple(d for d in history.dividends if d.date <= last),
    )


def history_from_rows(
    symbol: str,
    rows: Iterable[Mapping[str, Any]],
    splits: Sequence[Split] = (),
    dividends: Sequence[Dividend] = (),
) -> History:
    """Bars from given split-adjusted rows ({date, open, high, low, close, volume}), in any order."""

    def day(value: Any) -> int:
        return (value if isinstance(value, date) else date.fromisoformat(str(value)[:10])).toordinal()

    ordered = sorted(rows, key=lambda r: day(r["date"]))
    return History(
        symbol,
        array("i", (day(r["date"]) for r in ordered)),
        array("d", (float(r["open"]) for r in ordered)),
        array("d", (float(r["high"]) for r in ordered)),
        array("d", (float(r["low"]) for r in ordered)),
        array("d", (float(r["close"]) for r in ordered)),
        array("q", (round(float(r["volume"])) for r in ordered)),
        tuple(splits),
        tuple(dividends),
    )


class PriceSeries:
    """A history seen through all its splits and dividends; renders FMP's per-symbol EOD records.

    full / light:        bars / (every runtime split); volume * the same factor
    non-split-adjusted:  full * (every split after the day), i.e. the prices as traded
    dividend-adjusted:   full * (1 - dividend / previous raw close) for every dividend after the day
    """

    def __init__(self, history: History, events: Events = Events()) -> None:
        self.history = history
        self.symbol = history.symbol
        ordinals = history.ordinals
        self.splits = tuple(sorted(history.splits + events.splits, key=lambda s: s.date))
        self.dividends = tuple(sorted(history.dividends + events.dividends, key=lambda d: d.date))
        built_in = _cumulative_after(ordinals, ((s.date.toordinal(), s.ratio) for s in history.splits))
        added = _cumulative_after(ordinals, ((s.date.toordinal(), s.ratio) for s in events.splits))
        self._split_divisor: array | None = None
        self._raw_factor = built_in
        if added is not None:
            # A split added later re-prices the bars from its day on (they trade at bar / ratio, as after a real
            # split), so the split-adjusted series is every bar over all of them, continuous across the split,
            # and the as-traded one steps down by the ratio on its day.
            every = added[0]
            self._split_divisor = array("d", [every]) * len(ordinals)
            self._raw_factor = array(
                "d", ((built_in[i] if built_in else 1.0) * added[i] / every for i in range(len(ordinals)))
            )
        self._dividend_factor = _cumulative_after(ordinals, self._dividend_events())

    def _dividend_events(self) -> list[tuple[int, float]]:
        ordinals, close, raw = self.history.ordinals, self.history.close, self._raw_factor
        # Two payments on one ex-date (a regular and a special one) make one step of their sum.
        paid: dict[int, float] = {}
        for dividend in self.dividends:
            ordinal = dividend.date.toordinal()
            paid[ordinal] = paid.get(ordinal, 0.0) + dividend.amount
        events = []
        for ordinal, amount in paid.items():
            i = bisect_left(ordinals, ordinal) - 1  # the last bar before the ex-date
            if i < 0:
                continue
            raw_close = close[i] * (raw[i] if raw else 1.0)
            if raw_close > amount:
                events.append((ordinal, 1.0 - amount / raw_close))
        return events

    def raw_close_before(self, day: date) -> float | None:
        """The as-traded close of the last bar before `day` (what a dividend's yield is measured against)."""
        i = bisect_left(self.history.ordinals, day.toordinal()) - 1
        return self._raw(i)[3] if i >= 0 else None

    def __len__(self) -> int:
        return len(self.history.ordinals)

    def window(self, first: date, last: date, cap: int | None = None) -> range:
        """Indexes of the bars dated in [first, last], newest first, at most `cap` (the newest ones)."""
        ordinals = self.history.ordinals
        lo = bisect_left(ordinals, first.toordinal())
        hi = bisect_right(ordinals, last.toordinal())
        if cap is not None and hi - lo > cap:
            lo = hi - cap
        return range(hi - 1, lo - 1, -1)

    def index_of(self, day: date) -> int | None:
        ordinals = self.history.ordinals
        i = bisect_left(ordinals, day.toordinal())
        return i if i < len(ordinals) and ordinals[i] == day.toordinal() else None

    def last_index(self, day: date) -> int | None:
        """The newest bar dated on or before `day`."""
        i = bisect_right(self.history.ordinals, day.toordinal()) - 1
        return i if i >= 0 else None

    def day(self, i: int) -> str:
        return iso_date(self.history.ordinals[i])

    # Split-adjusted ("full") values.
    def ohlc(self, i: int) -> tuple[float, float, float, float]:
        h, f = self.history, self._split_divisor
        if f is None:
            return h.open[i], h.high[i], h.low[i], h.close[i]
        return (
            round(h.open[i] / f[i], 2),
            round(h.high[i] / f[i], 2),
            round(h.low[i] / f[i], 2),
            round(h.close[i] / f[i], 2),
        )

    def close(self, i: int) -> float:
        f = self._split_divisor
        c = self.history.close[i]
        return c if f is None else round(c / f[i], 2)

    def volume(self, i: int) -> int:
        f = self._split_divisor
        v = self.history.volume[i]
        return v if f is None else round(v * f[i])

    def adjusted_close(self, i: int, today: date) -> float:
        return self._dividend_adjusted(i, today)[3]

    def _dividend_adjusted(self, i: int, today: date) -> tuple[float, float, float, float]:
        """Scaled for the dividends up to `today` only: FMP cannot know a later one (a loaded history may hold
        dividends after the simulated day)."""
        d = self._dividend_factor
        o, h, low, c = self.ohlc(i)
        if d is None:
            return o, h, low, c
        last = self.last_index(today)
        k = d[i] / d[last] if last is not None and last >= i else d[i]
        return round(o * k, 2), round(h * k, 2), round(low * k, 2), round(c * k, 2)

    def _raw(self, i: int) -> tuple[float, float, float, float, int]:
        """As traded: the bars times the splits they contain, over the splits added later dated on or before."""
        h, r = self.history, self._raw_factor
        if r is None or r[i] == 1.0:  # a day no split re-prices is served as loaded
            return h.open[i], h.high[i], h.low[i], h.close[i], h.volume[i]
        k = r[i]
        return (
            round(h.open[i] * k, 2),
            round(h.high[i] * k, 2),
            round(h.low[i] * k, 2),
            round(h.close[i] * k, 2),
            round(h.volume[i] / k),
        )

    def full_records(self, rows: range) -> list[Record]:
        out = []
        symbol = self.symbol
        for i in rows:
            o, h, low, c = self.ohlc(i)
            change = round(c - o, 4)
            out.append(
                {
                    "symbol": symbol,
                    "date": self.day(i),
                    "open": o,
                    "high": h,
                    "low": low,
                    "close": c,
                    "volume": self.volume(i),
                    "change": change,
                    "changePercent": round(100.0 * change / o, 5) if o else 0.0,
                    "vwap": round((o + h + low + c) / 4.0, 4),
                }
            )
        return out

    def light_records(self, rows: range) -> list[Record]:
        symbol = self.symbol
        return [{"symbol": symbol, "date": self.day(i), "price": self.close(i), "volume": self.volume(i)} for i in rows]

    def raw_records(self, rows: range) -> list[Record]:
        return [self._adj_record(i, *self._raw(i)) for i in rows]

    def dividend_adjusted_records(self, rows: range, today: date) -> list[Record]:
        return [self._adj_record(i, *self._dividend_adjusted(i, today), self.volume(i)) for i in rows]

    def _adj_record(self, i: int, o: float, h: float, low: float, c: float, volume: int) -> Record:
        return {
            "symbol": self.symbol,
            "date": self.day(i),
            "adjOpen": o,
            "adjHigh": h,
            "adjLow": low,
            "adjClose": c,
            "volume": volume,
        }
