"""An HTTP client for FMP's `/stable` API, safe to share between worker threads."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential
from urllib3.exceptions import NameResolutionError, NewConnectionError

from fmp_elt.fmp.errors import (
    RETRIABLE,
    FmpAuthError,
    FmpBadRequest,
    FmpError,
    FmpNotFound,
    FmpPlanGate,
    FmpRateLimited,
    FmpServerError,
    FmpTransportError,
    FmpUnreachable,
)
from fmp_elt.fmp.parsing import parse_csv, parse_json_list
from fmp_elt.fmp.ratelimit import Limiter

log = logging.getLogger("fmp_elt.fmp")
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; a `Retry-After` header, when FMP sends one, wins."""

    max_tries: int = 8
    base_seconds: float = 1.0
    cap_seconds: float = 60.0

    def wait(self, state: RetryCallState) -> float:
        """Seconds to sleep before the next try. Full jitter: uniform in [0, min(cap, base * 2**retry)), where
        `retry` counts every retry so far, those that waited for a `Retry-After` included."""
        retry_after = getattr(_failure(state), "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        return wait_random_exponential(multiplier=self.base_seconds, max=self.cap_seconds)(state)


def _failure(state: RetryCallState) -> BaseException | None:
    """The exception the try that just ended raised."""
    return state.outcome.exception() if state.outcome else None


@dataclass
class ClientStats:
    """What the client did, for the run summary and the run log. Updated from many threads."""

    calls: int = 0
    retries: int = 0
    bytes: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, status: int | None, size: int) -> None:
        with self.lock:
            self.calls += 1
            self.bytes += size
            if status is not None:
                self.statuses[status] += 1

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": self.calls,
                "retries": self.retries,
                "bytes": self.bytes,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            }


class FmpClient:
    """GETs `/stable/<endpoint>` with the key in the `apikey` header, never in the URL."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        limiter: Limiter,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
        pool_size: int = 32,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.limiter = limiter
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.pool_size = pool_size
        self.stats = ClientStats()
        self._local = threading.local()
        # Set by the first HTTP answer of any status. Before it, a connection that cannot be opened means a wrong
        # FMP_BASE_URL or no network (fail fast); after it, the same failure is an outage (retry).
        self._answered = threading.Event()

    def __repr__(self) -> str:  # the key stays out of every repr and traceback
        return f"FmpClient({self.base_url!r})"

    def get_json(self, endpoint: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The JSON array an endpoint returns (`[]` for no data); raises an FmpError subclass otherwise."""
        return self._with_retries(endpoint, params, parse_json_list)

    def get_csv(self, endpoint: str, params: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
        """The rows of a bulk CSV endpoint; bulk refusals are not retried (FMP warns against hammering them)."""
        body, status = self._request(endpoint, params)
        return parse_csv(body, endpoint, status)

    def _with_retries(
        self, endpoint: str, params: Mapping[str, Any] | None, parse: Callable[[bytes, str, int], T]
    ) -> T:
        def attempt() -> T:
            body, status = self._request(endpoint, params)
            return parse(body, endpoint, status)

        retrying = Retrying(
            retry=retry_if_exception_type(RETRIABLE),
            stop=stop_after_attempt(self.retry.max_tries),
            wait=self.retry.wait,
            before_sleep=self._before_sleep,
            reraise=True,  # the caller sees the last FmpError itself, not a wrapper
        )
        return retrying(attempt)

    def _before_sleep(self, state: RetryCallState) -> None:
        exc, wait = _failure(state), state.upcoming_sleep
        with self.stats.lock:
            self.stats.retries += 1
        if isinstance(exc, FmpRateLimited):
            # A 429 throttles the key, not one thread: hold every worker back for the same wait.
            self.limiter.pause(wait)
        endpoint = exc.endpoint if isinstance(exc, FmpError) else "?"
        log.debug("retrying %s in %.2fs after %s", endpoint, wait, type(exc).__name__)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update({"apikey": self._api_key, "Accept": "application/json, text/csv"})
            self._local.session = session
        return session

    def _request(self, endpoint: str, params: Mapping[str, Any] | None) -> tuple[bytes, int]:
        self.limiter.acquire()
        url = f"{self.base_url}/{endpoint.lstrip('/')}"
        try:
            response = self._session().get(url, params=dict(params or {}), timeout=self.timeout)
            body = response.content
        except requests.ConnectTimeout:
            self.stats.record(None, 0)
            self._fail_fast_before_the_first_answer(f"no answer within {self.timeout[0]:g}s", endpoint)
            raise FmpTransportError(f"timeout connecting for {endpoint}", endpoint=endpoint) from None
        except requests.Timeout:
            self.stats.record(None, 0)
            raise FmpTransportError(f"timeout calling {endpoint}", endpoint=endpoint) from None
        except requests.ConnectionError as exc:
            self.stats.record(None, 0)
            cannot_connect = _cannot_connect(exc)
            if cannot_connect:
                self._fail_fast_before_the_first_answer(cannot_connect, endpoint)
            kind = "connection reset" if "reset" in str(exc).lower() else "connection failed"
            raise FmpTransportError(f"{kind} calling {endpoint}", endpoint=endpoint) from None
        except requests.RequestException as exc:
            self.stats.record(None, 0)
            raise FmpTransportError(f"{type(exc).__name__} calling {endpoint}", endpoint=endpoint) from None
        self._answered.set()
        self.stats.record(response.status_code, len(body))
        self._raise_for_status(response.status_code, response.headers, body, endpoint)
        return body, response.status_code

    def _fail_fast_before_the_first_answer(self, reason: str, endpoint: str) -> None:
        if not self._answered.is_set():
            raise FmpUnreachable(
                f"cannot reach FMP at {_shown(self.base_url)}: {reason}; check FMP_BASE_URL and the network",
                endpoint=endpoint,
            )

    @staticmethod
    def _raise_for_status(status: int, headers: Mapping[str, str], body: bytes, endpoint: str) -> None:
        if status < 400:
            return
        text = body[:300].decode("utf-8", "replace").strip()
        if status in (401, 403):
            hint = "FMP refused the API key" if status == 401 else "FMP refused access (legacy or restricted key)"
            raise FmpAuthError(
                f"{hint} (HTTP {status} on {endpoint}); check FMP_API_KEY", status=status, endpoint=endpoint
            )
        if status == 402:
            raise FmpPlanGate(f"not in your FMP plan: {endpoint}: {text[:160]}", status=status, endpoint=endpoint)
        if status == 429:
            raise FmpRateLimited(
                f"FMP rate limit reached on {endpoint}", endpoint=endpoint, retry_after=_retry_after(headers)
            )
        if status == 404:
            raise FmpNotFound(f"FMP has no endpoint {endpoint} (HTTP 404)", status=status, endpoint=endpoint)
        if status == 400:
            raise FmpBadRequest(
                f"FMP rejected the request to {endpoint}: {text[:160]}", status=status, endpoint=endpoint
            )
        if status >= 500:
            raise FmpServerError(f"FMP server error {status} on {endpoint}", status=status, endpoint=endpoint)
        raise FmpError(f"unexpected HTTP {status} from {endpoint}", status=status, endpoint=endpoint)


def _cannot_connect(exc: requests.ConnectionError) -> str | None:
    """Why no connection could be opened (the name does not resolve, nothing listens, no route), or None when
    one was open and then failed (a reset, a dropped answer)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, NameResolutionError):
        return "the host name does not resolve"
    if isinstance(reason, NewConnectionError):
        cause = reason.__cause__ or reason.__context__
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing listens there)"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        return "cannot open a connection"
    return None


def _shown(url: str) -> str:
    """The URL as messages show it: no user, password or query (nothing there may carry a secret)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
