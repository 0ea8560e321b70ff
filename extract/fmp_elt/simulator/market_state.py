"""The simulated market: universe, price histories (generated lazily, kept in an LRU), events, 'today'."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from fmp_elt.simulator.calendar import trading_days, years_before
from fmp_elt.simulator.config import SimulatorConfig
from fmp_elt.simulator.filed_ratios import as_filed
from fmp_elt.simulator.filings import PLAIN, FilerTraits, Filing, filer_traits, filings
from fmp_elt.simulator.market import (
    Events,
    History,
    PriceSeries,
    generate_history,
    history_from_rows,
    history_until,
)
from fmp_elt.simulator.ratios import PeriodRow, period_rows
from fmp_elt.simulator.universe import (
    Dividend,
    Profile,
    Split,
    SymbolChange,
    build_universe,
    late_listing,
    loaded_profile,
)

T = TypeVar("T")

_CLOSE_UTC = time(21, 0)  # 16:00 New York in winter; close enough for a quote timestamp


@dataclass(frozen=True)
class Quote:
    """A symbol's last visible session, as the screener and quote endpoints report it."""

    day: date
    price: float
    open: float
    day_low: float
    day_high: float
    previous_close: float
    volume: int
    avg_volume: int
    price_avg50: float
    price_avg200: float
    year_low: float
    year_high: float
    market_cap: int
    last_annual_dividend: float

    @property
    def change(self) -> float:
        return round(self.price - self.previous_close, 4)

    @property
    def change_percentage(self) -> float:
        return round(100.0 * self.change / self.previous_close, 5) if self.previous_close else 0.0

    @property
    def timestamp(self) -> int:
        return int(datetime.combine(self.day, _CLOSE_UTC, tzinfo=UTC).timestamp())


class Market:
    """Thread-safe state behind every endpoint. Data only depends on the config and the calls made here."""

    def __init__(self, config: SimulatorConfig) -> None:
        if config.end < config.start:
            raise ValueError("SimulatorConfig.end is before start")
        self.seed = config.seed
        self.days = trading_days(config.start, config.end)
        if not self.days:
            raise ValueError("SimulatorConfig start..end holds no trading day")
        self._lock = threading.RLock()
        self._profiles = {p.symbol: p for p in build_universe(config.n_symbols, config.seed, config.start, config.end)}
        self._loaded: dict[str, History] = {}
        self._events: dict[str, Events] = {}
        self._series: OrderedDict[str, PriceSeries] = OrderedDict()
        self._cache_size = max(1, config.history_cache_size)
        self._ratios: dict[str, list[PeriodRow]] = {}
        self._filings: dict[str, list[Filing]] = {}
        self._filers = filer_traits(self._profiles.values(), config.seed)
        self._quotes: dict[str, Quote | None] = {}
        self._changes: list[SymbolChange] = []
        self._derived: dict[str, Any] = {}  # market-wide views (the calendars), until the next change
        self._version = 0  # bumped by every change, so a computation that raced one is not cached
        self._end = config.end
        self.calendar_page_rows = max(1, config.calendar_page_rows)
        self.today = self.days[-1]
        self.basic_symbols = self._basic_sample()

    def _basic_sample(self) -> frozenset[str]:
        """Basic keys only reach a fixed sample: the larger half of the listing."""
        ranked = sorted(self._profiles.values(), key=lambda p: p.shares * p.start_price, reverse=True)
        return frozenset(p.symbol for p in ranked[: (len(ranked) + 1) // 2])

    # -- the listing -------------------------------------------------------------------------------------

    @property
    def symbols(self) -> list[str]:
        return sorted(self._profiles)

    def profile(self, symbol: str) -> Profile | None:
        """The symbol's profile if it is listed by 'today'."""
        profile = self._profiles.get(symbol)
        return profile if profile is not None and profile.listed <= self.today else None

    def listed(self) -> list[Profile]:
        today = self.today
        return [p for p in self._profiles.values() if p.listed <= today]

    def delisted(self) -> list[Profile]:
        """Companies whose listing ended by 'today', the latest delisting first (renames are not delistings)."""
        today = self.today
        gone = [p for p in self.listed() if p.delisted is not None and p.delisted <= today]
        return sorted(gone, key=lambda p: (p.delisted or today, p.symbol), reverse=True)

    def symbol_changes(self) -> list[SymbolChange]:
        """Ticker changes dated by 'today', the latest first."""
        today = self.today
        listed = (c for c in self._changes if c.date <= today and c.listed_from <= today)
        return sorted(listed, key=lambda c: (c.date, c.old_symbol), reverse=True)

    # -- prices ------------------------------------------------------------------------------------------

    def series(self, symbol: str) -> PriceSeries | None:
        if self.profile(symbol) is None:
            return None
        with self._lock:
            cached = self._series.get(symbol)
            if cached is not None:
                self._series.move_to_end(symbol)
                return cached
            history = self._loaded.get(symbol)
            events = self._events.get(symbol, Events())
            version = self._version
        if history is None:
            history = generate_history(self._profiles[symbol], self.seed, self.days)
        series = PriceSeries(history, events)
        with self._lock:
            if version == self._version:  # no split, dividend or load raced with us
                self._series[symbol] = series
                while len(self._series) > self._cache_size:
                    self._series.popitem(last=False)
        return series

    def history_floor(self, years: int) -> date:
        """The oldest day a plan with `years` of history may see."""
        return years_before(self.today, years)

    def _changed(self, symbol: str | None = None) -> None:
        """Forget what depends on the symbol's events (or, with no symbol, on 'today': the quotes)."""
        with self._lock:
            self._version += 1
            if symbol is not None:
                self._series.pop(symbol, None)
            self._quotes.clear()
            self._derived.clear()

    def _require(self, symbol: str) -> Profile:
        profile = self._profiles.get(symbol)
        if profile is None:
            raise KeyError(f"unknown symbol {symbol!r}")
        return profile

    def apply_split(self, symbol: str, on: date, numerator: float, denominator: float) -> None:
        self._require(symbol)
        with self._lock:
            events = self._events.get(symbol, Events())
            self._events[symbol] = replace(events, splits=(*events.splits, Split(on, numerator, denominator)))
        self._changed(symbol)

    def add_dividend(
        self, symbol: str, on: date, amount: float, in_calendar: bool = True, listed_as: float | None = None
    ) -> None:
        self._require(symbol)
        dividend = Dividend(on, amount, in_calendar=in_calendar, listed_amount=listed_as)
        with self._lock:
            events = self._events.get(symbol, Events())
            self._events[symbol] = replace(events, dividends=(*events.dividends, dividend))
        self._changed(symbol)

    def _bars(self, symbol: str) -> History:
        """The symbol's bars as served now, kept as loaded bars so that a listing event cannot redraw them."""
        with self._lock:
            loaded = self._loaded.get(symbol)
        return loaded or generate_history(self._profiles[symbol], self.seed, self.days)

    def delist(self, symbol: str, on: date) -> None:
        """The listing ends on `on`, its last trading day: bars after it disappear, earlier ones stay served."""
        profile = self._require(symbol)
        history = history_until(self._bars(symbol), on)
        with self._lock:
            self._loaded[symbol] = history
            self._profiles[symbol] = replace(profile, delisted=on)
        self._changed(symbol)

    def set_exchange(self, symbol: str, exchange_short: str, exchange: str) -> None:
        profile = self._require(symbol)
        with self._lock:
            self._profiles[symbol] = replace(profile, exchange_short=exchange_short, exchange=exchange)
        self._changed(symbol)

    def rename(self, old: str, new: str, on: date, published: date | None = None) -> None:
        """A ticker change dated `on`: the whole history moves to `new`, `old` answers [] until it is reused.
        symbol-change lists it from `published` (a late listing of the change) or from `on`."""
        if new in self._profiles:
            raise ValueError(f"{new!r} is already listed")
        self._move({old: new}, on, published)

    def swap(self, first: str, second: str, on: date) -> None:
        """Two companies exchange tickers on `on`: each history is served under the other ticker from then on,
        and symbol-change lists both changes."""
        self._move({first: second, second: first}, on, None)

    def _move(self, moves: dict[str, str], on: date, published: date | None) -> None:
        profiles = {old: self._require(old) for old in moves}
        histories = {old: self._bars(old) for old in moves}
        with self._lock:
            events = {old: self._events.pop(old, None) for old in moves}
            ratios = {old: self._ratios.pop(old, None) for old in moves}
            filers = {old: self._filers.pop(old, None) for old in moves}
            for old in moves:
                self._filings.pop(old, None)
            for old in moves:
                del self._profiles[old]
                self._loaded.pop(old, None)
            for old, new in moves.items():
                self._profiles[new] = replace(profiles[old], symbol=new)
                self._loaded[new] = replace(histories[old], symbol=new)
                if (moved := events[old]) is not None:
                    self._events[new] = moved
                if (held := ratios[old]) is not None:
                    self._ratios[new] = held
                if (filer := filers[old]) is not None:
                    self._filers[new] = filer
                self._changes.append(SymbolChange(on, profiles[old].company_name, old, new, published))
        for symbol in {*moves, *moves.values()}:
            self._changed(symbol)

    def relist(self, symbol: str, company_name: str, on: date) -> None:
        """Another company lists under `symbol` (a ticker freed by a rename or a delisting) from `on`."""
        if self.profile(symbol) is not None and self._profiles[symbol].is_active(self.today):
            raise ValueError(f"{symbol!r} is in use")
        profile = late_listing(symbol, company_name, on, self.seed)
        history = generate_history(profile, self.seed, self.days)
        with self._lock:
            self._profiles[symbol] = profile
            self._loaded[symbol] = history
            self._events.pop(symbol, None)
            self._ratios.pop(symbol, None)
            self._filings.pop(symbol, None)
            self._filers.pop(symbol, None)
        self._changed(symbol)

    def set_today(self, day: date) -> None:
        with self._lock:
            self.today = day
        self._changed()

    def load_prices(
        self,
        symbol: str,
        rows: Iterable[Mapping[str, Any]],
        splits: Sequence[Split] = (),
        dividends: Sequence[Dividend] = (),
    ) -> None:
        history = history_from_rows(symbol, rows, splits, dividends)
        if not history.ordinals:
            raise ValueError("load_prices needs at least one row")
        first = date.fromordinal(history.ordinals[0])
        with self._lock:
            known = self._profiles.get(symbol)
            profile = loaded_profile(symbol, first) if known is None else replace(known, listed=first)
            self._profiles[symbol] = replace(profile, delisted=None, splits=tuple(splits))
            self._loaded[symbol] = history
            self._ratios.pop(symbol, None)
            self._filings.pop(symbol, None)
        self._changed(symbol)

    def events(self, symbol: str) -> tuple[tuple[Split, ...], tuple[Dividend, ...]]:
        """Every split and dividend of the symbol, including those added at run time, oldest first."""
        series = PriceSeries(self._history_for_events(symbol), self._events.get(symbol, Events()))
        return series.splits, series.dividends

    def _history_for_events(self, symbol: str) -> History:
        self._require(symbol)
        cached = self._series.get(symbol)
        if cached is not None:
            return cached.history
        return self._loaded.get(symbol) or generate_history(self._profiles[symbol], self.seed, self.days)

    # -- derived views -----------------------------------------------------------------------------------

    def quote(self, symbol: str) -> Quote | None:
        """The last session on or before 'today' (None when the symbol has none yet)."""
        with self._lock:
            if symbol in self._quotes:
                return self._quotes[symbol]
            version = self._version
        series = self.series(symbol)
        quote = _quote(series, self._profiles[symbol], self.today) if series is not None else None
        with self._lock:
            if version == self._version:
                self._quotes[symbol] = quote
        return quote

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """A view over the whole market (a calendar), computed once until the next split, dividend, load or
        change of 'today'."""
        with self._lock:
            if key in self._derived:
                return self._derived[key]
            version = self._version
        value = compute()
        with self._lock:
            if version == self._version:
                self._derived[key] = value
        return value

    def warm(self) -> None:
        """Compute every symbol's quote now (what the screener and bulk endpoints need)."""
        for symbol in self.symbols:
            self.quote(symbol)

    def ratio_rows(self, symbol: str) -> list[PeriodRow]:
        """The symbol's period rows whose income statement was accepted by 'today', oldest first, as served
        today (filed_ratios.py: re-dated and restated with the statements)."""
        profile = self.profile(symbol)
        if profile is None:
            return []
        with self._lock:
            rows = self._ratios.get(symbol)
        if rows is None:
            rows = period_rows(profile, self.seed, self._end)
            with self._lock:
                self._ratios[symbol] = rows
        filed = {(filing.fiscal_year, filing.period): filing for filing in self.filings(symbol)}
        traits, today = self.filer(symbol), self.today
        out = []
        for row in rows:
            filing = filed.get((int(row.record["fiscalYear"]), row.period))
            if filing is not None:
                out.append(PeriodRow(filing.accepted.date(), row.period, as_filed(row.record, filing, traits, today)))
        return out

    def filer(self, symbol: str) -> FilerTraits:
        """How the company files: its reported currency, 52/53-week year, restatements (filings.py)."""
        return self._filers.get(symbol, PLAIN)

    def filings(self, symbol: str) -> list[Filing]:
        """The symbol's fiscal periods accepted by 'today', oldest first."""
        profile = self.profile(symbol)
        if profile is None:
            return []
        with self._lock:
            held = self._filings.get(symbol)
        if held is None:
            held = filings(profile, self.seed, self.filer(symbol), self._end)
            with self._lock:
                self._filings[symbol] = held
        today = self.today
        return [filing for filing in held if filing.accepted.date() <= today]


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _quote(series: PriceSeries, profile: Profile, today: date) -> Quote | None:
    last = series.last_index(today)
    if last is None:
        return None
    o, h, low, c = series.ohlc(last)
    previous = series.close(last - 1) if last > 0 else o
    year_ago = series.window(today - timedelta(days=365), today)
    closes = [series.close(i) for i in series.window(date.min, today, cap=200)]
    year_start = today - timedelta(days=365)
    dividend = sum(
        d.amount / _splits_after(series.splits, d.date) for d in series.dividends if year_start < d.date <= today
    )
    return Quote(
        day=date.fromisoformat(series.day(last)),
        price=c,
        open=o,
        day_low=low,
        day_high=h,
        previous_close=previous,
        volume=series.volume(last),
        avg_volume=round(_mean(series.volume(i) for i in series.window(date.min, today, cap=50))),
        price_avg50=round(_mean(closes[:50]), 4),
        price_avg200=round(_mean(closes), 4),
        year_low=min(series.ohlc(i)[2] for i in year_ago) if year_ago else low,
        year_high=max(series.ohlc(i)[1] for i in year_ago) if year_ago else h,
        market_cap=round(profile.shares * c),
        last_annual_dividend=round(dividend, 4),
    )


def _splits_after(splits: Iterable[Split], day: date) -> float:
    factor = 1.0
    for split in splits:
        if split.date > day:
            factor *= split.ratio
    return factor
