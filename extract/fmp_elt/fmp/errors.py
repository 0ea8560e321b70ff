"""FMP's error dialect as exception classes (FMP_API.md section 2).

Retriable: rate limits, server errors, transport failures and unreadable bodies. Fatal for the run: a key FMP
refuses, and a base URL that never answered (`stops_run`). Recorded per symbol and skipped: plan gates, bad
requests, error objects.
"""

from __future__ import annotations

from fmp_elt.errors import FmpEltError


class FmpError(FmpEltError):
    """Any failed FMP call. `status` is the HTTP status (None when no response arrived)."""

    retriable = False
    stops_run = False  # True: no other call can succeed either, so the whole run ends at once

    def __init__(self, message: str, *, status: int | None = None, endpoint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint

    @property
    def reason(self) -> str:
        return type(self).__name__


class FmpAuthError(FmpError):
    """401/403 or an "Invalid API KEY" body: no call can succeed, stop the run at once."""

    exit_code = 2
    stops_run = True


class FmpPlanGate(FmpError):
    """402: the endpoint, symbol or parameter is not in the subscription. Skip and record."""


class FmpBadRequest(FmpError):
    """400: a missing or invalid parameter."""


class FmpNotFound(FmpError):
    """404: an unknown path (FMP answers `[]`)."""


class FmpErrorObject(FmpError):
    """200 with a JSON error object where a list or CSV was expected."""


class FmpRateLimited(FmpError):
    """429, or a bulk endpoint's 200 "Limit Reach" refusal."""

    retriable = True

    def __init__(self, message: str, *, status: int | None = 429, endpoint: str = "", retry_after: float | None = None):
        super().__init__(message, status=status, endpoint=endpoint)
        self.retry_after = retry_after


class FmpServerError(FmpError):
    """5xx."""

    retriable = True


class FmpTransportError(FmpError):
    """Timeout, connection refused or reset: no usable response."""

    retriable = True


class FmpUnreachable(FmpError):
    """The base URL refused the connection, did not resolve or stayed silent before FMP had answered once in
    this run: a configuration or network problem that retrying will not fix. Once any call has been answered,
    the same failures are an outage and are retried as FmpTransportError."""

    exit_code = 2
    stops_run = True


class FmpMalformedResponse(FmpError):
    """A body that is not the JSON or CSV promised (truncated, garbage)."""

    retriable = True


RETRIABLE = (FmpRateLimited, FmpServerError, FmpTransportError, FmpMalformedResponse)
