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
