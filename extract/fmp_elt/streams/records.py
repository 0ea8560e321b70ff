"""Tolerant readers for the few fields the extractor itself needs (dates and closes for cursors).

Records are landed unchanged; these only decide cursors and count records too broken to use.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fmp_elt.streams.dataset import RawDataset


def record_date(record: Any) -> date | None:
    if not isinstance(record, dict):
        return None
    value = record.get("date")
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def record_number(record: Any, key: str) -> float | None:
    if not isinstance(record, dict):
        return None
    value = record.get(key)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def is_complete(record: Any, number_fields: tuple[str, ...]) -> bool:
    """A record the marts can use: a date and every listed field a number (strings of numbers count)."""
    return record_date(record) is not None and all(record_number(record, key) is not None for key in number_fields)


def count_incomplete(records: list[Any], number_fields: tuple[str, ...]) -> int:
    return sum(1 for record in records if not is_complete(record, number_fields))


def is_usable(record: Any, dataset: RawDataset, fetched_for: str | None = None) -> bool:
    """A record carrying every field its dataset requires (`RawDataset.required`): its dates ISO dates, its
    declared numbers numbers. A record fetched for a symbol need not repeat the symbol (landing stores it)."""
    if not isinstance(record, dict):
        return False
    for key in dataset.required:
        if key == "symbol" and fetched_for:
            continue
        value = record.get(key)
        if value is None or value == "":
            return False
        if (key == "date" or key in dataset.dates) and not isinstance(value, str):
            return False
        if (key == "date" or key in dataset.dates) and record_date({"date": value}) is None:
            return False
        if key in dataset.numbers and record_number(record, key) is None:
            return False
    return True


def count_broken(records: list[Any], dataset: RawDataset, fetched_for: str | None = None) -> int:
    """Records too broken to use, by the fields `dataset` declares: what a landing counts as failed."""
    return sum(1 for record in records if not is_usable(record, dataset, fetched_for))
