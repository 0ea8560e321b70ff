"""Streams: one small module per FMP dataset. Register a new one in STREAMS."""

from __future__ import annotations

from extract.streams.base import Stream
from extract.streams.prices import PricesStream
from extract.streams.ratios import RatiosStream
from extract.streams.symbols import SymbolsStream

STREAMS: dict[str, Stream] = {
    "symbols": SymbolsStream(),
    "prices": PricesStream(),
    "ratios": RatiosStream(),
}
