"""Walking a paged FMP calendar (`dividends-calendar`) without losing rows at its page seams.

FMP serves at most 4,000 rows a page, and on long walks adjacent pages overlap: the rows a page repeats from
the one before stand for as many rows that are never served. A walk therefore compares each page with the
previous one; when they share a row, the window is cut in two and each half walked again, until every window
fits the pages without a seam. A one-day window cannot be cut: its repeated rows are counted as lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fmp_elt.fmp.client import FmpClient
from fmp_elt.streams.paging import read_pages

MAX_PAGES = 500  # a walk this long means the endpoint ignores `page`: stop rather than loop


@dataclass
class CalendarWalk:
    """The rows of a window, each once, and what it took: pages read, seams found, rows known lost."""

    rows: list[Any] = field(default_factory=list)
    pages: int = 0
    seams: int = 0
    lost: int = 0

    def add(self, other: CalendarWalk) -> None:
        self.rows += other.rows
        self.pages += other.pages
        self.seams += other.seams
        self.lost += other.lost


def _identity(row: Any) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def _pages(client: FmpClient, endpoint: str, first: date, last: date) -> tuple[list[list[Any]], int]:
    """Every page of the window, in order, and how many rows adjacent pages shared."""
    pages: list[list[Any]] = []
    shared = 0
    window = {"from": first.isoformat(), "to": last.isoformat()}
    for page in read_pages(client, endpoint, window, limit=None, max_pages=MAX_PAGES):
        if pages:
            before = {_identity(row) for row in pages[-1]}
            shared += sum(1 for row in page if _identity(row) in before)
        if page:
            pages.append(page)
    return pages, shared


def walk_calendar(client: FmpClient, endpoint: str, first: date, last: date) -> CalendarWalk:
    """Every row dated in [first, last], narrowing the window wherever a page seam lost rows."""
    pages, shared = _pages(client, endpoint, first, last)
    walk = CalendarWalk(pages=len(pages))
    if shared and first < last:
        middle = first + (last - first) // 2
        walk.seams = 1
        walk.add(walk_calendar(client, endpoint, first, middle))
        walk.add(walk_calendar(client, endpoint, middle + timedelta(days=1), last))
        return walk
    seen: set[str] = set()
    for row in (row for page in pages for row in page):
        identity = _identity(row)
        if identity not in seen:
            seen.add(identity)
            walk.rows.append(row)
    walk.seams, walk.lost = int(shared > 0), shared
    return walk
