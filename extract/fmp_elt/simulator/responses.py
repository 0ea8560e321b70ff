"""FMP's answers other than data: FMP's error catalogue (fmp/README.md, section 2), verbatim."""

from __future__ import annotations

import json
from dataclasses import dataclass

JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
CSV = "text/csv; charset=utf-8"
HTML = "text/html; charset=utf-8"

_UPGRADE = "please visit our subscription page to upgrade your plan at https://financialmodelingprep.com/"
INVALID_KEY = (
    "Invalid API KEY. Feel free to create a Free API Key or visit "
    "https://site.financialmodelingprep.com/faqs?search=why-is-my-api-key-invalid for more information."
)
LIMIT_REACH = (
    "Limit Reach . Please upgrade your plan or visit our documentation for more details at "
    "https://site.financialmodelingprep.com/"
)
RESTRICTED_ENDPOINT = f"Restricted Endpoint: This endpoint is not available under your current subscription {_UPGRADE}"
LEGACY_ENDPOINT = (
    "Legacy Endpoint : Due to Legacy endpoints being no longer supported - This endpoint is only available "
    "for legacy users who have valid subscriptions prior August 31, 2025. Please visit our documentation page "
    "https://site.financialmodelingprep.com/developer/docs for our current APIs."
)


def premium_value(param: str) -> str:
    """Basic plan asking for a symbol or period value outside its sample."""
    return (
        f"Premium Query Parameter: 'Special Endpoint : This value set for '{param}' is not available "
        f"under your current subscription {_UPGRADE}"
    )


def premium_limit(maximum: int) -> str:
    return (
        "Premium Query Parameter: 'Special Parameters : The values for 'limit' must be between 0 and "
        f"{maximum} based on your current subscription. Please visit our subscription page to upgrade "
        "your plan at https://financialmodelingprep.com/"
    )


def bulk_limit(interval_s: float) -> str:
    return (
        "Limit Reach. This is a bulk endpoint that provides a significant amount of data, it can be "
        f"called once every {interval_s:g} seconds. Frequent abuse on this API Endpoint may result in "
        "restrictions placed on this API Key."
    )


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False  # sent without Content-Length, as FMP streams eod-bulk


def json_body(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def error_object(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    # FMP pretty-prints its error objects (the captured 429 is 150 bytes: indent 2).
    return Response(status, json.dumps({"Error Message": message}, indent=2).encode(), JSON, headers)


def text(status: int, message: str, content_type: str = TEXT) -> Response:
    return Response(status, message.encode(), content_type)


def not_found() -> Response:
    return Response(404, b"[]")


def invalid_key() -> Response:
    return error_object(401, INVALID_KEY)


def limit_reach(retry_after_s: float | None) -> Response:
    headers = (("Retry-After", f"{retry_after_s:g}"),) if retry_after_s is not None else ()
    return error_object(429, LIMIT_REACH, headers)


def restricted() -> Response:
    return text(402, RESTRICTED_ENDPOINT)


def query_error(param: str) -> Response:
    # Plain text under a JSON content type: exactly what FMP sends.
    return text(400, f"Query Error: Invalid or missing query parameter - {param}", JSON)


def legacy() -> Response:
    return error_object(403, LEGACY_ENDPOINT)


_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}


def server_error(status: int) -> Response:
    """What the load balancer in front of FMP answers when the app behind it fails."""
    reason = _REASONS.get(status, "Error")
    title = f"{status} {reason}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return text(status, page, HTML)


def for_status(status: int, retry_after_s: float | None = None) -> Response:
    """A canonical FMP answer for a forced status (faults.fail_symbols)."""
    if status == 401:
        return invalid_key()
    if status == 402:
        return text(402, premium_value("symbol"))
    if status == 403:
        return legacy()
    if status == 404:
        return not_found()
    if status == 429:
        return limit_reach(retry_after_s)
    if status == 400:
        return query_error("symbol")
    if status >= 500:
        return server_error(status)
    return error_object(status, f"Error {status}")
