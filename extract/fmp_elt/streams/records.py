"""Tolerant readers for the few fields the extractor itself needs (dates and closes for cursors).

Records are landed unchanged; these only decide cursors and count records too broken to use.
"""

from __future__ import annotations

from datetime import date
from typing import Any


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
