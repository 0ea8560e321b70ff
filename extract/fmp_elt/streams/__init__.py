"""Streams: one small module per FMP dataset. Register a new one in STREAMS."""

from __future__ import annotations

from fmp_elt.streams.base import Stream
from fmp_elt.streams.prices import PricesStream
from fmp_elt.streams.ratios import RatiosStream
from fmp_elt.streams.symbols import SymbolsStream

STREAMS: dict[str, Stream] = {
    "symbols": SymbolsStream(),
    "prices": PricesStream(),
    "ratios": RatiosStream(),
}
