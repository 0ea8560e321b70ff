"""Calls to FMP's bulk CSV endpoints (Ultimate), shared by every stream that reads them.

The bulk endpoints have a throttle of their own, answered as a 200 with a JSON error: a refused call waits the
bulk interval and tries again a few times before giving up.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from fmp_elt.fmp.client import FmpClient
from fmp_elt.fmp.errors import FmpRateLimited

BULK_TRIES = 3


def fetch_bulk_csv(
    client: FmpClient, endpoint: str, params: Mapping[str, str], interval_s: float
) -> list[dict[str, str]]:
    """One bulk answer's rows, waiting out the bulk throttle a few times."""
    for attempt in range(BULK_TRIES):
        try:
            return client.get_csv(endpoint, params)
        except FmpRateLimited:
            if attempt == BULK_TRIES - 1:
                raise
            time.sleep(interval_s)
    return []
