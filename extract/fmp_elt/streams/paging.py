"""Reading a paged FMP list (`page`, 0-based): what symbols.py, delisted.py and calendar_pages.py share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fmp_elt.fmp.client import FmpClient


def read_pages(
    client: FmpClient, endpoint: str, params: Mapping[str, Any], *, limit: int | None, max_pages: int
) -> Iterator[list[Any]]:
    """Each page in order, the last one included, until a short page: one under `limit`, or, where FMP picks the
    page size (`limit` None), under the first page's length. An empty page is short. At most `max_pages`: a walk
    that long means the endpoint ignores `page`."""
    sized = {**params, "limit": limit} if limit is not None else dict(params)
    size = limit
    for number in range(max_pages):
        page = client.get_json(endpoint, {**sized, "page": number})
        yield page
        size = len(page) if size is None else size
        if not page or len(page) < size:
            return
