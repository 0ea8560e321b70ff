"""From a request to an answer: faults, authentication, rate limits, plan gates, the endpoint, drift.

Order of checks (each may answer): injected fault -> unknown path (404 []) -> key (401) -> legacy path (403)
-> rate limit (429) -> plan gate (402) -> forced symbol status -> bulk throttle (200 + JSON) -> endpoint.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from fmp_elt.simulator import responses
from fmp_elt.simulator.config import SimulatorConfig
from fmp_elt.simulator.drift import bad_print, drift_columns, drift_record
from fmp_elt.simulator.faults import FaultBox, FaultKind, Faults
from fmp_elt.simulator.market_state import Market
from fmp_elt.simulator.plans import PLANS, BulkThrottle, Plan, RateLimiter, plan_named
from fmp_elt.simulator.responses import Response
from fmp_elt.simulator.routes import ROUTES, Call, CsvTable, Payload, Reply, Route

STABLE = "/stable/"
LEGACY = ("/api/v3/", "/api/v4/")
_SERVER_ERRORS = (500, 502, 503)
_NOT_JSON = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"


@dataclass(frozen=True)
class Answer:
    response: Response | None  # None: drop the connection without answering
    delay_s: float
    endpoint: str
    symbol: str | None


def endpoint_name(path: str) -> str:
    return path[len(STABLE) :].strip("/") if path.startswith(STABLE) else path


class App:
    def __init__(self, config: SimulatorConfig, market: Market, faults: FaultBox) -> None:
        self.market = market
        self.fault_box = faults
        self.keys: dict[str, Plan] = {key: plan_named(plan) for key, plan in config.keys.items()}
        self.enforce_rate_limit = config.enforce_rate_limit
        self.limiter = RateLimiter(config.rate_limit_per_minute)
        self.bulk_throttle = BulkThrottle(config.bulk_min_interval_s)
        self.latency_s = config.latency_ms / 1000.0

    def add_key(self, key: str, plan: str) -> None:
        self.keys = {**self.keys, key: plan_named(plan)}  # swapped whole: readers never see a half update

    def answer(self, path: str, query: dict[str, str], key: str | None) -> Answer:
        fired = self.fault_box.draw()
        faults = self.fault_box.faults
        delay = self.latency_s + fired.delay_s
        endpoint, symbol = endpoint_name(path), query.get("symbol")
        if fired.kind is FaultKind.RESET:
            return Answer(None, delay, endpoint, symbol)
        if fired.kind is FaultKind.RATE_429:
            response = responses.limit_reach(faults.retry_after_s)
        elif fired.kind is FaultKind.ERROR_5XX:
            response = responses.server_error(_SERVER_ERRORS[fired.sequence % len(_SERVER_ERRORS)])
        else:
            response = self._route(path, query, key, faults)
            if fired.kind is FaultKind.ERROR_OBJECT:
                response = responses.error_object(200, faults.error_object_message)
            elif fired.kind is FaultKind.MALFORMED:
                response = Response(200, _NOT_JSON, responses.JSON)
            elif fired.kind is FaultKind.TRUNCATE:
                response = Response(200, response.body[: max(1, len(response.body) // 2)], response.content_type)
        return Answer(response, delay, endpoint, symbol)

    def _route(self, path: str, query: dict[str, str], key: str | None, faults: Faults) -> Response:
        legacy = path.startswith(LEGACY)
        route = ROUTES.get(endpoint_name(path)) if path.startswith(STABLE) else None
        if route is None and not legacy:
            return responses.not_found()
        plan = self.keys.get(key) if key else None
        if plan is None or key is None:
            return responses.invalid_key()
        if route is None:
            return responses.legacy()
        if self.enforce_rate_limit and not self.limiter.allow(key, plan):
            return responses.limit_reach(faults.retry_after_s)
        if plan.rank < PLANS[route.min_plan].rank:
            return responses.restricted()
        forced = faults.fail_symbols.get(query.get("symbol", ""))
        if forced is not None:
            return responses.for_status(forced, faults.retry_after_s)
        if route.bulk and not self.bulk_throttle.allow(key):
            return responses.error_object(200, responses.bulk_limit(self.bulk_throttle.interval_s))
        try:
            payload = route.handler(Call(query, plan, self.market, faults))
        except Reply as reply:
            return reply.response
        return _render(payload, route, faults)


def _render(payload: Payload, route: Route, faults: Faults) -> Response:
    drift = faults.drift
    if isinstance(payload, Response):
        return payload
    if isinstance(payload, CsvTable):
        return Response(200, _csv(payload, drift), responses.CSV, chunked=route.streamed)
    if faults.bad_prints:
        payload = [bad_print(record, faults.bad_prints) for record in payload]
    if drift:
        payload = [drift_record(record, drift) for record in payload]
    return Response(200, responses.json_body(payload))


def _csv(table: CsvTable, drift: set[str]) -> bytes:
    """Quoted header and strings, bare numbers, "" for missing values: FMP's bulk CSV."""
    columns = drift_columns(table.columns, drift) if drift else table.columns
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(columns)
    for row in table.rows:
        record = drift_record(dict(row), drift) if drift else row
        writer.writerow([record.get(name) for name in columns])
    return out.getvalue().encode()
