"""Streams: one small module per FMP dataset, each declaring the raw tables it lands. Register a new one in STREAMS."""

from __future__ import annotations

from fmp_elt.streams.base import Stream
from fmp_elt.streams.corporate_actions import CorporateActionsStream
from fmp_elt.streams.dataset import RawDataset
from fmp_elt.streams.delisted import DelistedStream
from fmp_elt.streams.prices import PricesStream
from fmp_elt.streams.ratios import RatiosStream
from fmp_elt.streams.symbol_changes import SymbolChangesStream
from fmp_elt.streams.symbols import SymbolsStream

STREAMS: dict[str, Stream] = {
    "symbols": SymbolsStream(),
    "delisted": DelistedStream(),
    "symbol_changes": SymbolChangesStream(),
    # before prices: the splits and dividends it lands decide which dividend-adjusted histories prices reads
    "corporate_actions": CorporateActionsStream(),
    "prices": PricesStream(),
    "ratios": RatiosStream(),
}

# Every raw table, by name (raw.fmp_<name>), in registration order: what landing, status and quality read.
RAW_DATASETS: dict[str, RawDataset] = {
    dataset.table: dataset for stream in STREAMS.values() for dataset in stream.datasets
}
