"""Reading FMP bodies: JSON arrays, CSV from bulk endpoints, and error objects hiding behind a 200."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fmp_elt.fmp.errors import FmpAuthError, FmpErrorObject, FmpMalformedResponse, FmpRateLimited

ERROR_KEYS = ("Error Message", "error", "message")


def error_text(obj: dict[str, Any]) -> str | None:
    for key in ERROR_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def raise_for_error_object(obj: dict[str, Any], endpoint: str, status: int) -> None:
    """A JSON object where a list or CSV was promised is an error; say which kind."""
    message = error_text(obj) or "unexpected JSON object instead of a list"
    if "Invalid API KEY" in message:
        raise FmpAuthError("FMP refused the API key (Invalid API KEY)", status=status, endpoint=endpoint)
    if "Limit Reach" in message:
        raise FmpRateLimited(f"FMP throttled {endpoint}: {message[:80]}", status=status, endpoint=endpoint)
    raise FmpErrorObject(f"FMP answered {endpoint} with an error: {message[:160]}", status=status, endpoint=endpoint)


def _no_constant(name: str) -> None:
    """NaN and Infinity are not JSON and PostgreSQL's jsonb refuses them: they land as null (and count as missing)."""
    return


def parse_json_list(body: bytes, endpoint: str, status: int = 200) -> list[Any]:
    """The records of a JSON endpoint. `[]` and an empty body mean "no data"."""
    text = body.strip()
    if not text:
        return []
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FmpMalformedResponse(
            f"unreadable JSON from {endpoint} ({len(body)} bytes): {exc}", status=status, endpoint=endpoint
        ) from None
    if isinstance(data, dict):
        # Legacy v3 dumps wrap the rows as {"symbol": ..., "historical": [...]}; anything else is an error.
        if isinstance(data.get("historical"), list) and error_text(data) is None:
            return list(data["historical"])
        raise_for_error_object(data, endpoint, status)
    if not isinstance(data, list):
        raise FmpMalformedResponse(f"{endpoint} answered a {type(data).__name__}, not a list", endpoint=endpoint)
    return data


def parse_csv(body: bytes, endpoint: str, status: int = 200) -> list[dict[str, str]]:
    """The rows of a bulk CSV endpoint, keyed by header name (column order is not trusted)."""
    text = body.lstrip()
    if text.startswith((b"{", b"[")):
        data = parse_json_list(text, endpoint, status)  # raises for the error object; `[]` is no data
        if data:
            raise FmpMalformedResponse(f"{endpoint} answered JSON where CSV was expected", endpoint=endpoint)
        return []
    try:
        reader = csv.DictReader(io.StringIO(text.decode("utf-8")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FmpMalformedResponse(f"unreadable CSV from {endpoint}: {exc}", endpoint=endpoint) from None
    if rows and (reader.fieldnames is None or None in rows[-1]):
        raise FmpMalformedResponse(f"ragged CSV from {endpoint}", endpoint=endpoint)
    return rows
