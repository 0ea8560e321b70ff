"""Property-based check of every API operation against its own OpenAPI document (schemathesis): whatever
the query, the server answers with a declared status and a body of the declared shape, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import schemathesis
from hypothesis import HealthCheck, given, settings

from fmp_elt.serve.api import create_app
from tests.fixtures.ops import seed_history, serve

AUTH = {"Authorization": "Bearer fuzz-token"}


def test_every_operation_keeps_its_contract(database_url: str) -> None:
    seed_history(database_url, datetime.now(UTC))
    with serve(create_app(database_url, token="fuzz-token")) as base:
        schema = schemathesis.openapi.from_url(base + "/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 14  # + /api/etl/metrics, /metrics, /api/universe, /api/anomalies, week, month
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def keeps_contract(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=AUTH)

            keeps_contract()
