"""Streams: one small module per FMP dataset. A module that declares `STREAM` (a `Stream`) is registered by
being here: its raw datasets are landed, extracted by the job they name, checked and modelled."""

from __future__ import annotations

import importlib
import pkgutil

from fmp_elt.errors import ConfigError
from fmp_elt.streams.base import Stream
from fmp_elt.streams.dataset import RawDataset


def run_order(streams: list[Stream]) -> list[Stream]:
    """Each stream after those it `runs_after`; otherwise by name, so the order is the same on every machine."""
    by_name = {stream.name: stream for stream in streams}
    ordered: list[Stream] = []
    waiting = sorted(by_name)
    while waiting:
        ready = [
            name for name in waiting if all(after in {s.name for s in ordered} for after in by_name[name].runs_after)
        ]
        if not ready:
            raise ConfigError(f"streams {', '.join(waiting)} run after one another or after no known stream")
        ordered.append(by_name[ready[0]])
        waiting.remove(ready[0])
    return ordered


def discover() -> dict[str, Stream]:
    """Every module's `STREAM` in this package, in run order."""
    found = []
    for module in pkgutil.iter_modules(__path__):
        declared = vars(importlib.import_module(f"{__name__}.{module.name}")).get("STREAM")
        if isinstance(declared, Stream):
            found.append(declared)
    return {stream.name: stream for stream in run_order(found)}


STREAMS: dict[str, Stream] = discover()

# Every raw table, by name (raw.fmp_<name>), in run order: what landing, status and quality read.
RAW_DATASETS: dict[str, RawDataset] = {
    dataset.table: dataset for stream in STREAMS.values() for dataset in stream.datasets
}
