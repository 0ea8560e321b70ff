"""Schema drift and bad prints, applied to records on their way out (Faults.drift, Faults.bad_prints).

new_field           every record gains a trailing "newField"
missing_field       every record loses its last field
numbers_as_strings  every number becomes a string (booleans stay)
nulls               the first numeric field of every record becomes null
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

NEW_FIELD = "newField"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def drift_record(record: dict[str, Any], kinds: Iterable[str]) -> dict[str, Any]:
    kinds = set(kinds)
    if "missing_field" in kinds and record:
        record.pop(next(reversed(record)))
    if "new_field" in kinds:
        record[NEW_FIELD] = "added"
    if "nulls" in kinds:
        first = next((k for k, v in record.items() if _is_number(v)), None)
        if first is not None:
            record[first] = None
    if "numbers_as_strings" in kinds:
        for name, value in record.items():
            if _is_number(value):
                record[name] = str(value)
    return record


def drift_columns(columns: tuple[str, ...], kinds: Iterable[str]) -> tuple[str, ...]:
    kinds = set(kinds)
    out = list(columns)
    if "missing_field" in kinds and out:
        out.pop()
    if "new_field" in kinds:
        out.append(NEW_FIELD)
    return tuple(out)


PRICE_FIELDS = frozenset({"open", "high", "low", "close", "price", "vwap", "adjOpen", "adjHigh", "adjLow", "adjClose"})


def bad_print(record: dict[str, Any], prints: Mapping[tuple[str, str], float]) -> dict[str, Any]:
    """The record's prices times the factor planted for its (symbol, date), if any; other records unchanged."""
    factor = prints.get((str(record.get("symbol")), str(record.get("date"))[:10]))
    if factor is None:
        return record
    return {
        name: round(value * factor, 2) if name in PRICE_FIELDS and _is_number(value) else value
        for name, value in record.items()
    }
